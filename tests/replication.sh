#!/bin/sh
# The held verdicts survive a change of every seed.  The quick profile's
# stages whose verdicts tests/expected/verdicts-quick.tsv holds are built
# again as a study of their own with every seed shifted (SEED_BASE: each
# replica's training seeds and generated datasets), judged, and every held
# verdict of those stages must come out the same (`make verify-verdicts`,
# which fails on a changed one).  Only those stages train, with the quick
# settings.  Then every rebuilt stage's numbers must differ from the main
# report's (else the replication was no replication).
#
#   tests/replication.sh [STUDY_DIR [SEED_BASE]]    (from the top directory)
set -u
study=${1:-build/replication}
base=${2:-500}
expect=tests/expected/verdicts-quick.tsv
# The held verdicts that rest on measured runs: not those no run can test,
# nor the deterministic values (exact_* rules: parameter counts), which no
# seed can move.  Their stages (a claim's stage is the folder of its claims
# file) are the ones rebuilt.
mkdir -p "$study"
held_file=$study/held.tsv
awk -F '\t' 'FILENAME ~ /claims.tsv$/ { if ($0 !~ /^#/ && NF >= 7) { rule[$1] = $6; split(FILENAME, p, "/"); stage[$1] = p[2] }; next }
     !/^#/ && NF >= 2 && $2 != "not-testable" && rule[$1] !~ /^exact_/ { print $1 "\t" $2 > held; print stage[$1] }' \
     held="$held_file" stages/*/report-claims.tsv $(ls stages/*/reference-claims.tsv 2>/dev/null) "$expect" \
     | sort -u > "$study/stages.txt"
stages=$(tr '\n' ' ' < "$study/stages.txt")
held=$(grep -c . "$held_file" 2>/dev/null) || held=0
if [ -z "$stages" ] || [ "$held" -eq 0 ]; then
    echo "replication: FAIL: $expect holds no measured verdict of any stage"; exit 1
fi
mkdir -p "$study"
log=$study/replication.log
echo "replication: stages $stages under SEED_BASE=$base in $study ($held held verdicts)"
if ! make --no-print-directory -j2 PROFILE=quick STUDY="$study" SEED_BASE="$base" \
        JUDGE_STAGES="$stages" EXPECT="$held_file" verify-verdicts > "$log" 2>&1; then
    tail -n 30 "$log"
    echo "replication: FAIL: held verdicts changed (or the study failed) under SEED_BASE=$base"
    exit 1
fi
tail -n 1 "$log"
# The study really is another draw: its seed-1 numbers differ from the main
# report's for every judged stage.
failed=0
for s in $stages; do
    [ -f "data/quick/$s/merged.tsv" ] || continue
    if [ ! -f "$study/data/quick/$s/merged.tsv" ]; then
        echo "replication: FAIL: the study has no numbers for stage $s"
        failed=1
    elif cmp -s "data/quick/$s/merged.tsv" "$study/data/quick/$s/merged.tsv"; then
        echo "replication: FAIL: stage $s gave the same numbers under SEED_BASE=$base"
        failed=1
    fi
done
[ "$failed" -eq 0 ] || exit 1
echo "replication: passed"
