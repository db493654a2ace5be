#!/bin/sh
# The flow's numbers beside the floor and the reports': test NLL (eval),
# the exact NLL of the same test points under the true density (the floor
# no model can beat), the gap, whether the NLL is below the reproduction report's 3.1 and
# within 0.05 nats of the floor, the reference values with their sources'
# keys, and the cost per training iteration.
#
#   claims.sh REPORT-VALUES.tsv DIR OUT.tsv
set -eu
ref=$1
dir=$2
out=$3
. src/scripts/summary.sh
nll=$(get "$dir/eval.tsv" cnf_test_loss)
floor=$(get "$dir/test-floor.tsv" cnf_test_exact_nll)
report=$(get "$ref" report_nll)
notebook=$(get "$ref" notebook_nll)
chen=$(get "$ref" chen_nll)
iters=$(get "$dir/train-summary.tsv" cnf_iterations)
secs=$(get "$dir/train-summary.tsv" cnf_seconds)
nfe_f=$(get "$dir/train-summary.tsv" cnf_nfe_forward)
nfe_b=$(get "$dir/train-summary.tsv" cnf_nfe_backward)
awk -v nll="$nll" -v floor="$floor" -v report="$report" -v notebook="$notebook" -v chen="$chen" \
    -v iters="$iters" -v secs="$secs" -v nf="$nfe_f" -v nb="$nfe_b" 'BEGIN {
    printf "cnf_nll\t%.4f\n", nll
    printf "cnf_floor\t%.4f\n", floor
    printf "cnf_gap\t%.4f\n", nll - floor
    printf "cnf_below_report\t%d\n", nll < report
    printf "cnf_near_floor\t%d\n", nll - floor <= 0.05
    printf "cnf_ref_report\t%s\n", report
    printf "cnf_ref_notebook\t%s\n", notebook
    printf "cnf_ref_chen\t%s\n", chen
    printf "cnf_ref_report_gap\t%.2f\n", report - floor
    printf "cnf_step_seconds\t%.4f\n", secs / iters
    printf "cnf_step_nfe_forward\t%.1f\n", nf / iters
    printf "cnf_step_nfe_backward\t%.1f\n", nb / iters
    printf "cnf_eval_us\t%.1f\n", 1e6 * secs / (nf + nb)
}' > "$out"
