#!/bin/sh
# A parallel build's outputs are a serial build's.  `make` builds results
# with every core (JOBS); this builds a few of the quick profile's stages
# again as a study of their own with `make -j1` and compares every output
# with the main quick build's, which `make check` has just built in
# parallel: checkpoints' parameters, logs without their seconds column,
# summaries without timing keys, datasets, tables and figures byte for byte
# (tests/tools/same-outputs.sh; figures' PNGs).  The stages: sines (25 small runs, so the
# most interleaving), circles and one of its seed replicas (a sub-make that
# shares the build's job slots), and the flow (a 2-thread run, which holds
# two job slots: src/scripts/slots.sh).
#
#   tests/parallel.sh [STUDY_DIR]    (from the top directory, after the
#                                     quick profile was built in parallel)
set -u
study=${1:-build/serial}
stages="sines circles cnf"
# The stages' own outputs and their merged numbers (not seeds.tsv, which
# pools every seed replica), plus one seed replica (circles' second: a
# sub-make sharing the build's job slots), and the stages' figures.
targets="sines circles cnf fig5 fig6 fig-sines-traj fig7 fig8 fig9 fig10 fig-cnf"
for s in $stages; do targets="$targets $study/data/quick/$s/merged.tsv"; done
replica=replica-2/data/quick/circles
targets="$targets $study/data/quick/$replica/merged.tsv"
# Always a fresh serial build.
rm -rf "$study"
mkdir -p "$study"
log=$study/serial.log
for s in $stages $replica; do
    [ -d "data/quick/$s" ] || { echo "parallel: FAIL: data/quick/$s missing (build the quick profile first)"; exit 1; }
done
echo "parallel: building $stages and circles' replica 2 with make -j1 in $study"
if ! make --no-print-directory -j1 PROFILE=quick STUDY="$study" $targets > "$log" 2>&1; then
    tail -n 30 "$log"
    echo "parallel: FAIL: the serial build failed"
    exit 1
fi
failed=0
for s in $stages $replica; do
    # Everything of the parallel build's but seeds.tsv (see above).
    rm -rf "$study/par"
    mkdir -p "$study/par"
    cp -R "data/quick/$s" "$study/par/stage"
    rm -f "$study/par/stage/seeds.tsv"
    if ! tests/tools/same-outputs.sh "$study/par/stage" "$study/data/quick/$s" > "$study/diff" 2>&1; then
        cat "$study/diff"
        echo "parallel: FAIL: $s differs between the parallel and the serial build"
        failed=1
    fi
done
rm -rf "$study/par"
# PNGs (the PDFs embed their creation date).
for f in $(cd "$study/figures/quick" && ls | grep '\.png$'); do
    cmp -s "figures/quick/$f" "$study/figures/quick/$f" ||
        { echo "parallel: FAIL: figure $f differs"; failed=1; }
done
[ "$failed" -eq 0 ] || exit 1
echo "parallel: passed ($stages; $(ls "$study/figures/quick" | grep -c '\.png$') figures identical)"
