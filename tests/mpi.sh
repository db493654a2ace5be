#!/bin/sh
# Data-parallel training under mpirun (train/trainer.h, train.c): a group of 2 or
# 3 processes must train the same model as one process, up to the order of
# the sums; a rank killed mid-run must fail the job, and the rerun must
# continue from the last finished epoch; what a group cannot share must be
# refused; a solve that fails must fail on every rank, not hang.
#
#   tests/mpi.sh BINDIR TESTBINDIR MNIST_DIR
#
# Tolerances: the parameters at the end, max |a - b| / max |a| <= 1e-12
# (measured: about 1e-14 after 30 MLP iterations, 5e-15 after 8 ODE-Net
# steps); the logs print 10 significant digits, so their losses are
# compared to 1e-9 relative; their NFE columns (every rank takes the steps
# one process takes) must be equal.
set -u
bin=$(cd "$1" && pwd)
tbin=$2
mnist=$(cd "$3" && pwd)
who=mpi
. "$(dirname "$0")/lib.sh"

stages=$(cd "$(dirname "$0")/.." && pwd)/stages
# Open MPI refuses to run as root (CI) unless told twice; only here.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_WAIT_POLICY=PASSIVE
mpi() { np=$1; shift; timeout 300 mpirun -np "$np" --oversubscribe "$@"; }

# close A.ckpt B.ckpt WHAT: parameters within 1e-12.
close() {
    d=$("$tbin/ckpt-diff" "$1" "$2") || { bad "$3: ckpt-diff failed"; return; }
    if awk -v d="$d" 'BEGIN { exit !(d <= 1e-12) }'; then ok; else bad "$3: parameters differ by $d"; fi
}
# same_log A.tsv B.tsv LOSSCOLS NFECOLS WHAT: the loss columns within 1e-9
# relative, the NFE columns equal, row by row.
same_log() {
    if awk -F '\t' -v losses="$3" -v nfes="$4" '
        NR == FNR { a[FNR] = $0; n = FNR; next }
        { split(a[FNR], x, "\t"); m = FNR
          k = split(losses, L, ","); for (i = 1; i <= k; i++) { c = L[i]
              s = x[c] < 0 ? -x[c] : x[c]; d = x[c] - $c; if (d < 0) d = -d
              if (FNR > 1 && d > 1e-9 * s) { print "row " FNR " column " c ": " x[c] " vs " $c; bad = 1 } }
          k = split(nfes, N, ","); for (i = 1; i <= k; i++) if (x[N[i]] != $N[i]) {
              print "row " FNR " NFE column " N[i] ": " x[N[i]] " vs " $N[i]; bad = 1 } }
        END { if (m != n || n < 2) { print "rows: " n " vs " m; bad = 1 }; exit bad }' "$1" "$2" \
        > "$tmp/cmp"; then ok; else bad "$5: logs differ"; cat "$tmp/cmp"; fi
}

# --- MLP (report 000's nested circles, ANODE p = 2): 1, 2 and 3 ranks, the
# adjoint's dL/dtheta inside the error norm (the group's sum) and out of it
# (seminorm); 3 ranks split a batch of 64 unevenly (21, 21, 22).
"$bin/gen-data" circles --points 256 --seed 21 --out "$tmp/circles.tsv" > /dev/null 2>&1
for semi in false true; do
    set -- --config "$stages/circles/p2.ini" --data "$tmp/circles.tsv" \
        --set train.iterations=30 --set ode.seminorm=$semi
    expect 0 "$bin/train" "$@" --log "$tmp/m1.tsv" --model "$tmp/m1.ckpt"
    for np in 2 3; do
        expect 0 mpi $np "$bin/train" "$@" --log "$tmp/m$np.tsv" --model "$tmp/m$np.ckpt" \
            --comm-stats "$tmp/stats$np.tsv"
        close "$tmp/m1.ckpt" "$tmp/m$np.ckpt" "mlp seminorm=$semi, $np ranks"
        same_log "$tmp/m1.tsv" "$tmp/m$np.tsv" 2 4,5 "mlp seminorm=$semi, $np ranks"
    done
done
# The statistics: ranks, reductions and bytes; none of it for one process.
# 30 steps; each sums the gradient (4,745 values) and the loss terms once.
if awk 'NR == 2 && $1 == 3 && $2 == 30 && $3 == $4 + $5 && $5 >= 30 && $6 >= 30 * 4751 &&
        $7 > 0 { f = 1 } END { exit !f }' "$tmp/stats3.tsv"; then
    ok; else bad "comm-stats: $(cat "$tmp/stats3.tsv")"; fi

# --- The other kinds trained by iterations, 1 against 2 ranks: the latent
# ODE (the union of its batch's observation times and its noise draws are
# the group's), its recurrent baseline, and the flow.
"$bin/gen-data" spirals --count 64 --seed 41 --out "$tmp/spirals.tsv" > /dev/null 2>&1
"$bin/gen-data" moons --points 1000 --seed 31 --out "$tmp/moons.tsv" > /dev/null 2>&1
for run in "latent/latent.ini spirals 20 32" "latent/rnn.ini spirals 20 32" \
           "cnf/cnf.ini moons 10 128"; do
    set -- $run
    name=$1
    set -- --config "$stages/$1" --data "$tmp/$2.tsv" --set train.iterations=$3 \
        --set train.batch_size=$4 --set train.threads=1 --set data.eval_every=5
    expect 0 "$bin/train" "$@" --log "$tmp/k1.tsv" --model "$tmp/k1.ckpt"
    expect 0 mpi 2 "$bin/train" "$@" --log "$tmp/k2.tsv" --model "$tmp/k2.ckpt"
    close "$tmp/k1.ckpt" "$tmp/k2.ckpt" "$name, 2 ranks"
    same_log "$tmp/k1.tsv" "$tmp/k2.tsv" 2,3 4,5 "$name, 2 ranks"
done

# --- ODE-Net (report 002's, in double, 32 channels, 256 MNIST images, batch
# 64): 2 ranks.  Adam's eps is 1e-4 here, not 1e-8: the biases of the
# convolutions that GroupNorm follows have a gradient of exactly zero but
# for rounding, and with eps = 1e-8 Adam turns that noise into steps of
# up to lr, so those 32 biases (and only they) end 1.6e-10 apart after 8
# steps (measured) while the loss cannot see them.  In float32 (the INI's
# precision) any change of summation order moves the run by more than
# rounding; it is not tested against 1e-12.
net="--config $stages/odenet/odenet.ini --data $mnist --set data.test_count=128
     --set train.batch_size=64 --set train.threads=1 --set model.precision=double
     --set model.conv_backend=ours --set train.eps=1e-4"
# shellcheck disable=SC2086
expect 0 "$bin/train" $net --set model.channels=32 --set data.train_count=256 \
    --set train.epochs=2 --log "$tmp/o1.tsv" --model "$tmp/o1.ckpt"
# shellcheck disable=SC2086
expect 0 mpi 2 "$bin/train" $net --set model.channels=32 --set data.train_count=256 \
    --set train.epochs=2 --log "$tmp/o2.tsv" --model "$tmp/o2.ckpt"
close "$tmp/o1.ckpt" "$tmp/o2.ckpt" "odenet, 2 ranks"
same_log "$tmp/o1.tsv" "$tmp/o2.tsv" 3,4,5,6 7,8 "odenet, 2 ranks"

# --- A rank killed after the first of four epochs: the job fails, saying
# which rank died, leaves only the resume file, and the rerun continues
# from it to the uninterrupted run's parameters.
long="--set model.channels=16 --set data.train_count=1024 --set train.epochs=4"
# shellcheck disable=SC2086
expect 0 mpi 2 "$bin/train" $net $long --log "$tmp/u.tsv" --model "$tmp/u.ckpt"
# shellcheck disable=SC2086
( mpi 2 "$bin/train" $net $long --log "$tmp/k.tsv" --model "$tmp/k.ckpt" > "$tmp/k.out" 2>&1
  echo $? > "$tmp/k.status" ) &
waited=0
while [ ! -e "$tmp/k.ckpt.resume" ] && [ $waited -lt 3000 ]; do sleep 0.1; waited=$((waited + 1)); done
killed=0
for p in $(pgrep -f "$tmp/k.ckpt"); do
    if tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then
        kill -9 "$p" && killed=1
    fi
done
wait
if [ $killed -eq 1 ] && [ "$(cat "$tmp/k.status")" -ne 0 ]; then ok; else
    bad "killing rank 1: killed=$killed, exit $(cat "$tmp/k.status")"; cat "$tmp/k.out"; fi
if grep -q 'rank 1 .*signal 9' "$tmp/k.out"; then ok; else bad "no word of the killed rank"; cat "$tmp/k.out"; fi
if [ ! -e "$tmp/k.ckpt" ] && [ ! -e "$tmp/k.tsv" ] && [ -e "$tmp/k.ckpt.resume" ]; then ok; else
    bad "an interrupted run wrote outputs, or no resume file"; ls "$tmp"; fi
# shellcheck disable=SC2086
expect 0 mpi 2 "$bin/train" $net $long --log "$tmp/k.tsv" --model "$tmp/k.ckpt"
has 'resuming after epoch [123] from'
close "$tmp/u.ckpt" "$tmp/k.ckpt" "resumed after a killed rank"
same_log "$tmp/u.tsv" "$tmp/k.tsv" 3,4,5,6 7,8 "resumed after a killed rank"

# --- What a group cannot share is refused before anything runs.
"$bin/gen-data" sines --function sin --points 20 --noise 0 --seed 1 --format trajectory \
    --out "$tmp/traj.tsv" > /dev/null 2>&1
expect 1 mpi 2 "$bin/train" --config "$stages/sines/traj-p2.ini" --data "$tmp/traj.tsv" \
    --log "$tmp/r.tsv" --model "$tmp/r.ckpt"
has 'is one trajectory, a batch of one: it cannot be shared by 2 processes'
set -- --data "$tmp/circles.tsv" --log "$tmp/r.tsv" --model "$tmp/r.ckpt"
expect 1 mpi 2 "$bin/train" --config "$stages/circles/p2.ini" "$@" --set train.batch_size=1
has 'a batch of 1 examples cannot be shared by 2 processes'
expect 1 mpi 2 "$bin/train" --config "$stages/circles/p2.ini" "$@" \
    --set train.iterations=2 --set train.lbfgs_iterations=3
has 'L-BFGS fine-tuning runs in one process'
# A batch of 64 over 255 points leaves a last batch of 63: fine; of 1
# point over 3 ranks: refused.
head -n 194 "$tmp/circles.tsv" > "$tmp/c193.tsv"
expect 1 mpi 3 "$bin/train" --config "$stages/circles/p2.ini" --data "$tmp/c193.tsv" \
    --log "$tmp/r.tsv" --model "$tmp/r.ckpt"
has 'cannot be shared by 3 processes'
if [ ! -e "$tmp/r.ckpt" ] && [ ! -e "$tmp/r.tsv" ]; then ok; else bad "a refused run wrote outputs"; fi

# --- Processes that do not see the same data (as on nodes without a shared
# file system; here two programs under one mpirun, each with its own file)
# are refused on every rank, and so is a resume file only rank 0 has.
head -n 200 "$tmp/circles.tsv" > "$tmp/c199.tsv"
sed -n '1p;3,201p' "$tmp/circles.tsv" > "$tmp/c199b.tsv"
timeout 300 mpirun --oversubscribe -np 1 "$bin/train" --config "$stages/circles/p2.ini" \
    --data "$tmp/c199.tsv" --log "$tmp/r.tsv" --model "$tmp/r.ckpt" : \
    -np 1 "$bin/train" --config "$stages/circles/p2.ini" --data "$tmp/c199b.tsv" \
    --log "$tmp/r.tsv" --model "$tmp/r.ckpt" > "$tmp/out" 2>&1
if [ $? -ne 0 ]; then ok; else bad "ranks on different data trained"; fi
has 'the 2 processes do not start from the same training or test data'
mkdir -p "$tmp/elsewhere"
# shellcheck disable=SC2086
( mpi 2 "$bin/train" $net $long --log "$tmp/s.tsv" --model "$tmp/s.ckpt" \
      --stop-after-epoch 1 > /dev/null 2>&1 )
cp "$tmp/s.ckpt.resume" "$tmp/elsewhere/s.ckpt.resume"
rm "$tmp/s.ckpt.resume"
# One path, two directories (-wdir), as on two nodes with their own disks.
# shellcheck disable=SC2086
timeout 300 mpirun --oversubscribe -np 1 -wdir "$tmp/elsewhere" "$bin/train" $net $long \
    --log s.tsv --model s.ckpt : -np 1 -wdir "$tmp" "$bin/train" $net $long --log s.tsv \
    --model s.ckpt > "$tmp/out" 2>&1
if [ $? -ne 0 ]; then ok; else bad "ranks with different resume files trained"; fi
has 'do not start from the same parameters or optimiser state'
if [ ! -e "$tmp/s.ckpt" ] && [ ! -e "$tmp/elsewhere/s.ckpt" ]; then ok; else
    bad "a refused group wrote a model"; fi

# --- Ranks given different options are refused on every rank, quickly,
# naming the option; each of these hung until killed before the options
# were compared.  A run that needs the outer timeout (60 s; a refusal takes
# under a second) counts as a failure: it hung.
# refused WHAT PATTERN 'RANK 0 OPTIONS' 'RANK 1 OPTIONS'
h="--config $stages/circles/p2.ini --data $tmp/circles.tsv --set train.iterations=5"
refused() {
    # shellcheck disable=SC2086
    timeout 60 mpirun --oversubscribe -np 1 "$bin/train" $h $3 : -np 1 "$bin/train" $h $4 \
        > "$tmp/out" 2>&1
    st=$?
    if [ $st -eq 124 ]; then bad "$1: hung (killed by the 60 s timeout)"
    elif [ $st -ne 0 ]; then ok; else bad "$1: exit 0"; fi
    has "$2"
    if [ ! -e "$tmp/h.ckpt" ] && [ ! -e "$tmp/h.tsv" ] && [ ! -e "$tmp/h-s.tsv" ] &&
       [ ! -e "$tmp/h-s2.tsv" ]; then ok; else bad "$1: a refused group wrote outputs"; fi
}
o="--log $tmp/h.tsv --model $tmp/h.ckpt"
refused "--summary to rank 0 only" \
    "not given the same --summary: rank 0 has '$tmp/h-s.tsv', rank 1 has none" \
    "$o --summary $tmp/h-s.tsv --prefix a" "$o"
refused "--summary to rank 1 only" "not given the same --summary: rank 0 has none, rank 1 has" \
    "$o" "$o --summary $tmp/h-s.tsv --prefix a"
# (the epochs of a kind trained by them: rank 1 would leave after the first)
h="$net --set model.channels=8 --set data.train_count=128 --set train.epochs=2"
refused "--stop-after-epoch to rank 1 only" \
    "not given the same --stop-after-epoch: rank 0 has none, rank 1 has '1'" \
    "$o" "$o --stop-after-epoch 1"
h="--config $stages/circles/p2.ini --data $tmp/circles.tsv --set train.iterations=5"
refused "--summary and --prefix differ" "not given the same --summary: rank 0 has '$tmp/h-s.tsv', rank 1 has '$tmp/h-s2.tsv'" \
    "$o --summary $tmp/h-s.tsv --prefix a" "$o --summary $tmp/h-s2.tsv --prefix b"
refused "--prefix differs" "not given the same --prefix: rank 0 has 'a', rank 1 has 'b'" \
    "$o --summary $tmp/h-s.tsv --prefix a" "$o --summary $tmp/h-s.tsv --prefix b"
refused "--model differs" "not given the same --model" "$o" "--log $tmp/h.tsv --model $tmp/h2.ckpt"
refused "--comm-stats to rank 0 only" "not given the same --comm-stats" \
    "$o --comm-stats $tmp/h-s.tsv" "$o"

# --- A disagreement found later: rank 1 makes one collective call more
# than rank 0 (a test hook, as a solver taking a step the others do not
# would), and every rank fails, naming what each was doing, instead of
# hanging.
# shellcheck disable=SC2086
timeout 60 mpirun --oversubscribe -np 1 "$bin/train" $h $o : \
    -np 1 env TRAIN_TEST_EXTRA_CALL=40 "$bin/train" $h $o > "$tmp/out" 2>&1
st=$?
if [ $st -eq 124 ]; then bad "an extra call on rank 1: hung"
elif [ $st -ne 0 ]; then ok; else bad "an extra call on rank 1: exit 0"; fi
has 'the 2 processes are out of step at collective call [0-9]*: rank 0 is at .*; rank 1 is at a maximum of 1 values'
if [ ! -e "$tmp/h.ckpt" ] && [ ! -e "$tmp/h.tsv" ]; then ok; else bad "a group out of step wrote outputs"; fi

# --- A rank that is stuck (stopped here) ends the group after
# --group-timeout seconds of waiting, on every rank.
# shellcheck disable=SC2086
( mpi 2 "$bin/train" $h --set train.iterations=100000 --log "$tmp/st.tsv" --model "$tmp/st.ckpt" \
      --group-timeout 2 > "$tmp/st.out" 2>&1
  echo $? > "$tmp/st.status" ) &
stopped=""
waited=0
while [ -z "$stopped" ] && [ $waited -lt 300 ]; do
    sleep 0.1; waited=$((waited + 1))
    for p in $(pgrep -f "$tmp/st.ckpt"); do
        if tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then
            sleep 1; kill -STOP "$p" && stopped=$p
        fi
    done
done
t0=$(date +%s)
wait
t1=$(date +%s)
[ -n "$stopped" ] && kill -9 "$stopped" 2> /dev/null
if [ -n "$stopped" ] && [ "$(cat "$tmp/st.status")" -ne 0 ] && [ "$(cat "$tmp/st.status")" -ne 124 ] &&
   [ $((t1 - t0)) -lt 60 ]; then ok; else
    bad "a stopped rank: pid '$stopped', exit $(cat "$tmp/st.status"), $((t1 - t0)) s"; fi
cp "$tmp/st.out" "$tmp/out"
has 'waited 2 s at collective call .* for the other processes: one of them is stuck or gone'
if [ ! -e "$tmp/st.ckpt" ] && [ ! -e "$tmp/st.tsv" ]; then ok; else bad "a timed-out group wrote outputs"; fi

# --- A solve that fails (too few steps allowed) fails on every rank with
# the solver's message, and the job ends instead of hanging.
expect 1 mpi 2 "$bin/train" --config "$stages/circles/p2.ini" "$@" --set ode.max_steps=2
has 'forward solve diverged or failed'
if [ ! -e "$tmp/r.ckpt" ] && [ ! -e "$tmp/r.tsv" ]; then ok; else bad "a failed run wrote outputs"; fi

finish "mpi"
