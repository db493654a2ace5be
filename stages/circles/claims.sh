#!/bin/sh
# Numbers behind report 000's circles claims, from the run summaries:
#   circles_loss_ratio_p0_p10   NODE's final training loss over p = 10's
#
#   claims.sh DIR OUT
set -eu
dir=$1
out=$2
get() { awk -F '\t' -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) exit 1 }' "$1"; }
a=$(get "$dir/p0/train.tsv" circles_p0_train_loss) || { echo "claims: $dir/p0/train.tsv lacks circles_p0_train_loss" >&2; exit 1; }
b=$(get "$dir/p10/train.tsv" circles_p10_train_loss) || { echo "claims: $dir/p10/train.tsv lacks circles_p10_train_loss" >&2; exit 1; }
awk -v a="$a" -v b="$b" 'BEGIN { printf "circles_loss_ratio_p0_p10\t%.4g\n", a / b }' > "$out"
