#!/bin/sh
# Numbers behind the ANODE report's circles claims, from the run summaries:
#   circles_loss_ratio_p0_p10   NODE's final training loss over p = 10's
#
#   claims.sh DIR OUT
set -eu
dir=$1
out=$2
. src/scripts/summary.sh
a=$(get "$dir/p0/train.tsv" circles_p0_train_loss)
b=$(get "$dir/p10/train.tsv" circles_p10_train_loss)
awk -v a="$a" -v b="$b" 'BEGIN { printf "circles_loss_ratio_p0_p10\t%.4g\n", a / b }' > "$out"
