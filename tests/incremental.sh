#!/bin/sh
# Incremental rebuilds: after a full quick-profile build, a change to one
# run's config (simulated with make -W, which pretends the file was just
# modified without touching it) must leave every other run's outputs up to
# date and make stale only that run, the figures that use it, and the
# paper's numbers.
#
#   tests/incremental.sh     (run from the top directory after the build)
set -u
d=data/quick
f=figures/quick
changed=stages/circles/p10.ini
passed=0
failed=0
up_to_date="$d/circles/p0/model.ckpt $d/circles/p2/model.ckpt $d/circles/p5/model.ckpt
$d/circles/p5/eval.tsv $d/sines/sin-p10/model.ckpt $d/sines/claims.tsv
$f/fig5.pdf $f/fig6.pdf $f/fig7.pdf $f/mnist-classes.pdf"
stale="$d/circles/p10/model.ckpt $d/circles/p10/eval.tsv $d/circles/p10/features.tsv
$d/circles/claims.tsv $f/fig8.pdf $f/fig9.pdf $f/fig10.pdf paper/gen/quick/numbers.tex"
for t in $up_to_date; do
    if make -q PROFILE=quick -W "$changed" "$t" 2>/dev/null; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "incremental: FAIL: $t would be rebuilt after $changed changed"
    fi
done
for t in $stale; do
    if make -q PROFILE=quick -W "$changed" "$t" 2>/dev/null; then
        failed=$((failed + 1)); echo "incremental: FAIL: $t would not be rebuilt after $changed changed"
    else
        passed=$((passed + 1))
    fi
done
# Without the change everything is up to date (so the checks above mean
# something).
for t in $stale; do
    if make -q PROFILE=quick "$t" 2>/dev/null; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "incremental: FAIL: $t is stale even without a change"
    fi
done
echo "incremental rebuild: $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
