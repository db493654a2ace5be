#!/bin/sh
# Incremental rebuilds: after a full quick-profile build, a change to any
# input of a result must make stale exactly that result and what depends on
# it.  Each probe asks `make -q` (which runs no recipe but reads the
# Makefile, and so records the changed setting) whether targets would be
# rebuilt, then puts the recorded settings back as they were, times
# included, so the build stays up to date.
#
#   tests/incremental.sh     (run from the top directory after the build)
#
# Counts and reports with tests/lib.sh's helpers (ok, bad, finish); its
# $tmp is removed by this script's own trap, which also puts the settings back.
set -u
who=incremental
. "$(dirname "$0")/lib.sh"
d=data/quick
f=figures/quick
g=paper/gen/quick
trap 'restore; rm -rf "$tmp"' EXIT INT TERM

# The files a probe may rewrite: the settings Make records while reading the
# Makefile, and the MNIST content stamp.
# The seed replicas' sub-makes (data/quick/replica-K) record theirs too.
settings_dirs() { for s in "$d/settings" "$d"/replica-*/data/quick/settings; do [ -d "$s" ] && echo "$s"; done; }
save() {
    rm -rf "$tmp/saved" && mkdir -p "$tmp/saved"
    for s in $(settings_dirs); do
        mkdir -p "$tmp/saved/$s" && cp -a "$s/." "$tmp/saved/$s/"
    done
    cp -p "$d/mnist/idx.sha256" "$tmp/saved/idx.sha256"
}
restore() {
    [ -d "$tmp/saved/$d/settings" ] || return 0
    for s in $(settings_dirs); do
        [ -d "$tmp/saved/$s" ] || continue
        rm -rf "$s" && mkdir -p "$s" && cp -a "$tmp/saved/$s/." "$s/"
    done
    cp -p "$tmp/saved/idx.sha256" "$d/mnist/idx.sha256"
}

# probe WHAT 'MAKE-ARGS' 'STALE TARGETS' 'UP-TO-DATE TARGETS'
probe() {
    what=$1; args=$2; stale=$3; fresh=$4
    save
    for t in $stale; do
        if eval "make -q PROFILE=quick $args $t" 2>/dev/null; then
            bad "$t would not be rebuilt after $what"
        else
            ok
        fi
    done
    for t in $fresh; do
        if eval "make -q PROFILE=quick $args $t" 2>/dev/null; then
            ok
        else
            bad "$t would be rebuilt after $what"
        fi
    done
    restore
}

# Representative outputs of every stage.
sines_run="$d/sines/sin-p10/model.ckpt"
circles_data="$d/circles/train.tsv $d/circles/test.tsv"
circles_runs="$d/circles/p0/model.ckpt $d/circles/p10/model.ckpt"
ma_run="$d/mnist-anode/node/s1/log.tsv $d/mnist-anode/anode-p10/s2/model.ckpt"
ma_summaries="$d/mnist-anode/node/summary.tsv $d/mnist-anode/table1.tsv $f/fig12.pdf"
on_runs="$d/odenet/odenet/log.tsv $d/odenet/resnet/model.ckpt"
mnist_summary="$d/mnist/summary.tsv"
cnf_run="$d/cnf/model.ckpt"
latent_run="$d/latent/model.ckpt"
# Every stage's macros for the paper (stages/STAGE/stage.mk writes its own).
numbers="$g/numbers-mnist.tex $g/numbers-sines.tex $g/numbers-circles.tex $g/numbers-mnist-anode.tex
   $g/numbers-odenet.tex $g/numbers-cnf.tex $g/numbers-latent.tex $g/numbers-scaling.tex"

# Nothing changed: everything is up to date (so the probes mean something).
probe "nothing changed" "" "" \
  "$sines_run $circles_data $circles_runs $ma_run $ma_summaries $on_runs $mnist_summary
   $cnf_run $d/cnf/samples.tsv $f/fig-cnf.pdf
   $latent_run $d/latent/eval.tsv $d/latent/claims.tsv $f/fig-latent.pdf
   $d/latent/table/n30/rnn/model.ckpt $d/latent/table2.tsv $g/table-latent.tex
   $d/circles/p10/features.tsv $f/fig8.pdf $numbers $g/table1.tex
   $d/verdicts.tsv $g/verdicts.tex $d/sines/seeds.tsv $d/circles/seeds.tsv $d/latent/seeds.tsv
   $d/numbers.tsv $f/fig-forest.pdf"

# SEED_BASE: every seed, so every dataset and run (and the MNIST runs, whose
# seeds are in their paths), but not what no seed touches.
probe "SEED_BASE changed" "SEED_BASE=7" \
  "$d/sines/data-sin.tsv $sines_run $circles_data $circles_runs $ma_run $on_runs $cnf_run
   $d/cnf/samples.tsv $latent_run $d/latent/test.tsv $d/sines/seeds.tsv $d/verdicts.tsv" \
  "$mnist_summary $f/mnist-classes.pdf"
# SEEDS: how many replicas are pooled, not replica 1's runs.
probe "SEEDS changed" "SEEDS=2" \
  "$d/sines/seeds.tsv $d/circles/seeds.tsv $d/verdicts.tsv $f/fig-forest.pdf" \
  "$sines_run $circles_runs $d/sines/claims.tsv $numbers $f/fig5.pdf $ma_run"

# A claim's rule: the verdicts and the paper's table go stale, no run does.
probe "stages/cnf/report-claims.tsv changed" "-W stages/cnf/report-claims.tsv" \
  "$d/verdicts.tsv $g/verdicts.tex paper/paper-quick.pdf" \
  "$cnf_run $d/cnf/claims.tsv $numbers $sines_run $on_runs $latent_run"
# A summary the claims read: its verdicts are judged again, and its stage's
# macros (not another stage's) written again.
probe "the latent stage's claims.tsv changed" "-W $d/latent/claims.tsv" \
  "$d/verdicts.tsv $g/verdicts.tex $g/numbers-latent.tex" "$latent_run $cnf_run $g/numbers-cnf.tex"

# One run's config (make -W pretends the file was just modified).
probe "stages/circles/p10.ini changed" "-W stages/circles/p10.ini" \
  "$d/circles/p10/model.ckpt $d/circles/p10/eval.tsv $d/circles/p10/features.tsv
   $d/circles/claims.tsv $f/fig8.pdf $f/fig9.pdf $f/fig10.pdf $g/numbers-circles.tex" \
  "$d/circles/p0/model.ckpt $d/circles/p5/eval.tsv $circles_data $sines_run $d/sines/claims.tsv
   $g/numbers-sines.tex $f/fig5.pdf $f/fig6.pdf $f/fig7.pdf $f/mnist-classes.pdf $ma_run $on_runs"

# A profile override of one stage.
probe "CIRCLES_SET_quick changed" "CIRCLES_SET_quick='--set train.iterations=5'" \
  "$circles_runs $d/circles/p5/eval.tsv $f/fig9.pdf $g/numbers-circles.tex" \
  "$circles_data $sines_run $ma_run $on_runs $cnf_run $f/fig7.pdf"

# A generator's arguments: only that dataset and what is trained on it.
probe "the circles training-set size changed" "CIRCLES_TRAIN_N_quick=999" \
  "$d/circles/train.tsv $circles_runs $f/fig7.pdf" \
  "$d/circles/test.tsv $sines_run $ma_run"
probe "the seed of the sin dataset changed" "SINES_SEED_sin=13" \
  "$d/sines/data-sin.tsv $d/sines/sin-p0/model.ckpt $f/fig5.pdf" \
  "$d/sines/data-sin_plus_x.tsv $d/sines/sin_plus_x-p0/model.ckpt $d/sines/traj-p10/model.ckpt
   $circles_runs"

# A grid resolution: the grid evaluations, not the models.
probe "the flow's test-set seed changed" "CNF_GEN_test='moons --points 5000 --seed 99 --noise 0.1'" \
  "$d/cnf/test.tsv $cnf_run $d/cnf/eval.tsv $f/fig-cnf.pdf" \
  "$d/cnf/train.tsv $d/cnf/exact-grid.tsv $circles_runs"
probe "the flow's grid size changed" "CNF_GRID_N_quick=41" \
  "$d/cnf/grid.tsv $d/cnf/exact-grid.tsv $f/fig-cnf.pdf" \
  "$cnf_run $d/cnf/samples.tsv"
probe "CNF_SET_quick changed" "CNF_SET_quick='--set train.iterations=7'" \
  "$cnf_run $d/cnf/samples.tsv $d/cnf/claims.tsv" \
  "$d/cnf/train.tsv $d/cnf/exact-grid.tsv $circles_runs $sines_run"
probe "LATENT_SET_quick changed" "LATENT_SET_quick='--set train.iterations=7'" \
  "$latent_run $d/latent/eval.tsv $d/latent/claims.tsv $f/fig-latent.pdf" \
  "$d/latent/train.tsv $d/latent/test.tsv $cnf_run $circles_runs"
# The RNN baseline's config: its three runs and the table, nothing else.
probe "stages/latent/rnn.ini changed" "-W stages/latent/rnn.ini" \
  "$d/latent/table/n30/rnn/model.ckpt $d/latent/table/n100/rnn/eval.tsv $d/latent/table2.tsv
   $g/table-latent.tex $g/numbers-latent.tex" \
  "$d/latent/table/n30/latent/model.ckpt $d/latent/table/n30/train.tsv $latent_run $cnf_run"
probe "the circles grid size changed" "CIRCLES_GRID_quick=41" \
  "$d/circles/p0/grid.tsv $d/circles/p10/eval.tsv $f/fig8.pdf" \
  "$circles_runs $d/circles/p10/features.tsv $f/fig9.pdf"

# The seed count: the aggregates over seeds, not the runs themselves.
probe "MNIST_SEEDS changed" "MNIST_SEEDS=1" \
  "$ma_summaries" \
  "$ma_run $circles_runs $on_runs"

# RUN_SET: every training run, no dataset.
probe "RUN_SET changed" "RUN_SET='--set train.seed=5'" \
  "$sines_run $circles_runs $ma_run $on_runs $cnf_run $latent_run $d/latent/table/n50/rnn/model.ckpt" \
  "$circles_data $d/sines/data-sin.tsv $mnist_summary $d/cnf/test.tsv $d/latent/test.tsv
   $d/latent/table/n50/train.tsv"

# MNIST_DIR: the contents decide, not the path.  An identical copy elsewhere
# changes nothing; one changed pixel reruns every MNIST result.
mkdir -p "$tmp/same" "$tmp/other"
cp -p data/mnist/*-ubyte "$tmp/same/"
cp data/mnist/*-ubyte "$tmp/other/"
printf '\377' | dd of="$tmp/other/train-images-idx3-ubyte" bs=1 seek=500 conv=notrunc 2>/dev/null
# (Each with the checksum file its user writes: MNIST is verified on every
# build, README.)
for m in same other; do
    (cd "$tmp/$m" && sha256sum train-images-idx3-ubyte train-labels-idx1-ubyte \
       t10k-images-idx3-ubyte t10k-labels-idx1-ubyte) > "$tmp/$m/mnist.sha256"
done
probe "MNIST_DIR moved to an identical copy" "MNIST_DIR=$tmp/same" "" \
  "$ma_run $ma_summaries $on_runs $mnist_summary"
probe "MNIST_DIR moved to a set with one pixel changed" "MNIST_DIR=$tmp/other" \
  "$ma_run $ma_summaries $on_runs $mnist_summary" \
  "$circles_runs $sines_run $cnf_run $f/fig7.pdf"

# Code of one kind: a change to the ODE-Net's own file (one more exported
# symbol changes its object) retrains no MLP run but the ODE-Net's.  This is
# a real build (Make cannot predict an object's bytes), undone afterwards:
# the file, its object and the code stamps come back byte for byte.
src=src/lib/models/conv/conv_kinds.c
stamps="build/stamps/train-mlp.sha256 build/stamps/train-conv.sha256"
cp -p "$src" "$tmp/kind_conv.c"
undo_src() {
    [ -f "$tmp/kind_conv.c" ] || return 0
    cp -p "$tmp/kind_conv.c" "$src" && touch "$src" && rm -f "$tmp/kind_conv.c"
    make -s PROFILE=quick bin $stamps > /dev/null 2>&1
    for s in $stamps; do
        if cmp -s "$s" "$tmp/stamps/$(basename "$s")"; then cp -p "$tmp/stamps/$(basename "$s")" "$s"
        else bad "$s differs after undoing the edit"; fi
    done
}
trap 'undo_src; restore; rm -rf "$tmp"' EXIT INT TERM
if make -s PROFILE=quick bin $stamps > /dev/null 2>&1; then
    mkdir -p "$tmp/stamps" && cp -p $stamps "$tmp/stamps/"
    printf '\nint incremental_probe_symbol = 1;\n' >> "$src"
    if make -s PROFILE=quick bin $stamps > "$tmp/code.log" 2>&1; then
        probe "the ODE-Net's own code changed" "" \
          "$on_runs" \
          "$sines_run $circles_runs $ma_run $cnf_run $latent_run $d/circles/p10/eval.tsv $d/circles/p10/features.tsv"
    else
        bad "build after the probe edit"; tail -5 "$tmp/code.log"
    fi
    undo_src
else
    bad "building the code stamps"
fi

# Another study writes nothing into the main report's tree.
save
if make -n PROFILE=quick STUDY="$tmp/study" paper > "$tmp/study.log" 2>&1; then
    if grep -E "(^|[ =])($d|$f|$g|paper/paper-quick|build/paper)" "$tmp/study.log" >/dev/null; then
        bad "a study in $tmp/study writes into the main tree:"
        grep -E "(^|[ =])($d|$f|$g|paper/paper-quick|build/paper)" "$tmp/study.log" | head -5
    else
        ok
    fi
    if grep "$tmp/study/paper/paper-quick.pdf" "$tmp/study.log" >/dev/null &&
       grep "$tmp/study/data/quick/circles/p0/model.ckpt" "$tmp/study.log" >/dev/null; then
        ok
    else
        bad "a study in $tmp/study does not build its own report"
    fi
else
    bad "make -n STUDY=... paper failed"; tail -5 "$tmp/study.log"
fi
restore
probe "another study was planned" "" "" "$circles_runs $ma_summaries $numbers"

# A bad SEED_BASE or SEEDS is refused, naming the variable, before anything
# is written (not even the study's settings).
for arg in "SEED_BASE=-1" "SEED_BASE=1x" "SEED_BASE=010" "SEED_BASE='1 2'" "SEED_BASE=" "SEEDS=0" "SEEDS=abc" "SEEDS=100"; do
    var=${arg%%=*}
    if eval "make -n PROFILE=quick STUDY=$tmp/bad $arg verdicts" > "$tmp/bad.log" 2>&1; then
        bad "$arg was accepted"
    elif ! grep -q "$var must be" "$tmp/bad.log"; then
        bad "$arg refused without naming $var:"; tail -1 "$tmp/bad.log"
    elif [ -e "$tmp/bad" ]; then
        bad "$arg refused but $tmp/bad was written"; rm -rf "$tmp/bad"
    else
        ok
    fi
done

finish "incremental rebuild"
