#!/bin/sh
# bench-peers.sh BIN MNIST_DIR SPIRALS SPIRALS_REGULAR OUT_DIR
#
# Our training steps beside PyTorch + torchdiffeq's on the same machine, in
# one sitting (`make bench-peers`): `bench` (ours), the peer scripts, then
# `bench` again, so that a drift of the machine during the sitting shows as
# a difference between our two passes.  Writes OUT_DIR/bench-peers.tsv
# (workload ours_s peer_s ratio; ours is the mean of the two passes, ratio =
# peer / ours) and prints it with the NFE of both; the runs' own outputs
# and logs go to OUT_DIR/bench-peers/.
#
# The peers are not part of the project: PEERS_DIR (default ../shared/peers)
# holds their scripts, TORCHDIFFEQ_DIR a tree of torchdiffeq, and Debian's
# python3 must have PyTorch (README.md, "Compared with PyTorch").
set -eu
[ $# -eq 5 ] || { echo "usage: bench-peers.sh BIN MNIST_DIR SPIRALS SPIRALS_REGULAR OUT_DIR" >&2; exit 2; }
bin=$1 mnist=$2 spirals=$3 regular=$4 out=$5
peers=${PEERS_DIR:-../shared/peers}
py=${PEERS_PYTHON:-/usr/bin/python3}

missing=
[ -f "$peers/common.py" ] || missing="$missing
  - the peer scripts: set PEERS_DIR to their folder (now '$peers')"
"$py" -c 'import torch' 2>/dev/null || missing="$missing
  - PyTorch for $py: apt-get install -y --no-install-recommends python3-torch python3-numpy python3-scipy"
[ -n "${TORCHDIFFEQ_DIR:-}" ] && [ -f "${TORCHDIFFEQ_DIR:-}/torchdiffeq/__init__.py" ] || missing="$missing
  - torchdiffeq (not a Debian package): a tree of github.com/rtqichen/torchdiffeq with
    torchdiffeq/ and examples/, and TORCHDIFFEQ_DIR set to it (now '${TORCHDIFFEQ_DIR:-}')"
if [ -n "$missing" ]; then
    echo "bench-peers: cannot compare with PyTorch; missing:$missing" >&2
    exit 1
fi
# Absolute paths: the peers run in their own folder.
peers=$(cd "$peers" && pwd)
mkdir -p "$out/bench-peers/peers"
final=$(cd "$out" && pwd)/bench-peers.tsv
out=$(cd "$out/bench-peers" && pwd)
spirals=$(cd "$(dirname "$spirals")" && pwd)/$(basename "$spirals")
regular=$(cd "$(dirname "$regular")" && pwd)/$(basename "$regular")
mnist=$(cd "$mnist" && pwd)
bin=$(cd "$bin" && pwd)

ours() { # pass number
    for g in mnist odenet cnf latent; do
        "$bin/bench" --mnist-dir "$mnist" --out "$out/ours-$1-$g.tsv" --only "$g" \
            --spirals "$spirals" --spirals-regular "$regular" > "$out/ours-$1-$g.log" 2>&1 ||
            { cat "$out/ours-$1-$g.log" >&2; echo "bench-peers: bench --only $g failed" >&2; exit 1; }
    done
    cat "$out"/ours-"$1"-*.tsv > "$out/ours-$1.tsv"
}
peer() { # script args...
    s=$1; shift
    echo "bench-peers: $s $*"
    (cd "$peers" && PYTHONPATH=$TORCHDIFFEQ_DIR OPENBLAS_NUM_THREADS=1 MNIST_DIR=$mnist \
        PEERS_OUT=$out/peers RUNDIR=$out/peers "$py" "$s" "$@") > "$out/peers/$s.log" 2>&1 ||
        { tail -n 20 "$out/peers/$s.log" >&2; echo "bench-peers: $s failed" >&2; exit 1; }
}

rm -f "$out"/peers/*.json
echo "bench-peers: ours (1 of 2)"
ours 1
peer a_anode_mnist_tiny.py --p 10
peer b_odenet_mnist_conv.py --network odenet --measure 10
peer b_odenet_mnist_conv.py --network resnet --measure 10
peer c_cnf_two_moons.py --measure 50
peer d_run_latent_ode.py --adjoint True --niters 20
peer e_latent_same.py --data "$spirals" --double --batches in-order --warmup 0 --measure 50 --tag E_latent_stage
echo "bench-peers: ours (2 of 2)"
ours 2

# One row per workload: our rows (seconds, NFE forward, backward) and the
# peer's JSON (file, seconds key, NFE keys).
"$py" - "$out" "$final" <<'EOF'
import json, os, sys
out, final = sys.argv[1], sys.argv[2]
def ours(k):
    vals = {}
    for p in (1, 2):
        for line in open(os.path.join(out, "ours-%d.tsv" % p)):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 2 and f[0] == k:
                vals.setdefault(p, float(f[1]))
    if len(vals) != 2:
        sys.exit("bench-peers: row %s missing from a pass of bench" % k)
    return vals[1], vals[2]
def peer(name, key):
    r = json.load(open(os.path.join(out, "peers", name + ".json")))
    nf = r.get("median_nfe_f", r.get("mean_nfe_f", float("nan")))
    nb = r.get("median_nfe_b", r.get("mean_nfe_b", float("nan")))
    return r[key], nf, nb
rows = [  # workload, our seconds row (scale), our NFE prefix, peer json, peer key
    ("A_anode", "mnist_step_ms", 1e-3, "mnist", "A_p10_", "median_s_per_train_step"),
    ("B_odenet", "odenet_onednn_t2_step_s", 1, "odenet_onednn_t2_step", "B_odenet", "median_s_per_step"),
    ("B_resnet", "resnet_onednn_t2_step_s", 1, None, "B_resnet", "median_s_per_step"),
    ("C_cnf", "cnf_t2_step_s", 1, "cnf_t2_step", "C_cnf_analytic", "median_s_per_step"),
    ("D_latent_example", "latent_b1000_regular_step_s", 1, "latent_b1000_regular_step",
     "D_latent_ode_adjointTrue", "median_s_per_iter"),
    ("D_latent_stage", "latent_b32_step_s", 1, "latent_b32_step", "E_latent_stage", "mean_s_per_step"),
]
tsv = ["workload\tours_s\tpeer_s\tratio"]
print("%-17s %10s %10s %10s %7s   %-11s %-11s" % ("workload", "ours 1", "ours 2", "PyTorch", "ratio", "NFE ours", "NFE peer"))
for w, k, scale, nfe, pj, pk in rows:
    a, b = ours(k)
    a, b = a * scale, b * scale
    mean = (a + b) / 2
    names = [f for f in os.listdir(os.path.join(out, "peers")) if f.startswith(pj) and f.endswith(".json")]
    if not names:
        sys.exit("bench-peers: no peer result %s*.json" % pj)
    ps, nf, nb = peer(names[0][:-5], pk)
    nfe_ours = "-"
    if nfe:
        f1, _ = ours(nfe + "_nfe_forward")
        b1, _ = ours(nfe + "_nfe_backward")
        nfe_ours = "%.0f/%.0f" % (f1, b1)
    nfe_peer = "-" if nf != nf else "%.0f/%.0f" % (nf, nb)
    tsv.append("%s\t%.6g\t%.6g\t%.3g" % (w, mean, ps, ps / mean))
    print("%-17s %10.4g %10.4g %10.4g %6.2fx   %-11s %-11s" % (w, a, b, ps, ps / mean, nfe_ours, nfe_peer))
open(final + ".tmp", "w").write("\n".join(tsv) + "\n")
os.replace(final + ".tmp", final)
print("(seconds per training step; ours 1 and 2 before and after the peers; ratio = PyTorch / mean of ours)")
EOF
