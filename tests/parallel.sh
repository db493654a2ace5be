#!/bin/sh
# A parallel build's outputs are a serial build's.  `make` builds results
# with every core (JOBS); this builds a few of the quick profile's stages
# again as a study of their own with `make -j1` and compares every output
# with the main quick build's, which `make check` has just built in
# parallel: checkpoints' parameters, logs without their seconds column,
# summaries without timing keys, datasets, tables and figures byte for byte
# (tests/tools/same-outputs.sh; figures' PNGs).  The stages: sines (25 small runs, so the
# most interleaving), circles and the flow (a 2-thread run, which holds two
# job slots: src/scripts/slots.sh).
#
#   tests/parallel.sh [STUDY_DIR]    (from the top directory, after the
#                                     quick profile was built in parallel)
set -u
study=${1:-build/serial}
stages="sines circles cnf"
targets="sines circles cnf fig5 fig6 fig-sines-traj fig7 fig8 fig9 fig10 fig-cnf"
# Always a fresh serial build.
rm -rf "$study"
mkdir -p "$study"
log=$study/serial.log
for s in $stages; do
    [ -d "data/quick/$s" ] || { echo "parallel: FAIL: data/quick/$s missing (build the quick profile first)"; exit 1; }
done
echo "parallel: building $stages with make -j1 in $study"
if ! make --no-print-directory -j1 PROFILE=quick STUDY="$study" $targets > "$log" 2>&1; then
    tail -n 30 "$log"
    echo "parallel: FAIL: the serial build failed"
    exit 1
fi
failed=0
for s in $stages; do
    if ! tests/tools/same-outputs.sh "data/quick/$s" "$study/data/quick/$s" > "$study/$s.diff" 2>&1; then
        cat "$study/$s.diff"
        echo "parallel: FAIL: stage $s differs between the parallel and the serial build"
        failed=1
    fi
done
# PNGs (the PDFs embed their creation date).
for f in $(cd "$study/figures/quick" && ls | grep '\.png$'); do
    cmp -s "figures/quick/$f" "$study/figures/quick/$f" ||
        { echo "parallel: FAIL: figure $f differs"; failed=1; }
done
[ "$failed" -eq 0 ] || exit 1
echo "parallel: passed ($stages; $(ls "$study/figures/quick" | grep -c '\.png$') figures identical)"
