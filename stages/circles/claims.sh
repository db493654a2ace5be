#!/bin/sh
# Numbers behind the ANODE report's circles claims, from the run summaries:
#   circles_loss_ratio_p0_p10   NODE's final training loss over p = 10's
#   circles_train_points, circles_test_points   the datasets' sizes (rows
#                               after the header)
#
#   claims.sh DIR OUT
set -eu
dir=$1
out=$2
. src/scripts/summary.sh
a=$(get "$dir/p0/train.tsv" circles_p0_train_loss)
b=$(get "$dir/p10/train.tsv" circles_p10_train_loss)
awk -v a="$a" -v b="$b" 'BEGIN { printf "circles_loss_ratio_p0_p10\t%.4g\n", a / b }' > "$out"
for set in train test; do
    n=$(awk 'END { print NR - 1 }' "$dir/$set.tsv")
    printf 'circles_%s_points\t%s\n' "$set" "$n" >> "$out"
done
