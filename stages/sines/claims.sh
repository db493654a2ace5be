#!/bin/sh
# Numbers behind the ANODE report's sines claims, from the training logs:
#   sines_RUN_loss_at_100     loss after 100 Adam iterations
#   sines_F_speedup_p1_p10    that loss for p = 1 over that for p = 10
#   sines_RUN_loss_at_1       the loss of the untrained model (iteration 1)
#
#   claims.sh DIR OUT FUNCTION...
set -eu
dir=$1
out=$2
shift 2
at() { awk -F '\t' -v i="$2" '$1 == i { print $2; found = 1 } END { if (!found) exit 1 }' "$1"; }
at100() { at "$1" 100; }
: > "$out"
for f in "$@"; do
    for p in 0 1 2 5 10; do
        v=$(at100 "$dir/$f-p$p/log.tsv") || { echo "claims: $dir/$f-p$p/log.tsv has no iteration 100" >&2; exit 1; }
        printf 'sines_%s_p%s_loss_at_100\t%s\n' "$f" "$p" "$v" >> "$out"
        v=$(at "$dir/$f-p$p/log.tsv" 1) || { echo "claims: $dir/$f-p$p/log.tsv has no iteration 1" >&2; exit 1; }
        printf 'sines_%s_p%s_loss_at_1\t%s\n' "$f" "$p" "$v" >> "$out"
    done
    a=$(at100 "$dir/$f-p1/log.tsv")
    b=$(at100 "$dir/$f-p10/log.tsv")
    awk -v a="$a" -v b="$b" -v f="$f" 'BEGIN { printf "sines_%s_speedup_p1_p10\t%.4g\n", f, a / b }' >> "$out"
done
