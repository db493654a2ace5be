#!/bin/sh
# The flow's numbers beside the floor and the reports': test NLL (eval),
# the exact NLL of the same test points under the true density (the floor
# no model can beat), the gap, whether the NLL is below the reproduction report's 3.1 and
# within 0.05 nats of the floor, the reference values with their sources'
# keys, and the cost per training iteration.  Two baselines for the report's
# qualitative claims:
#   cnf_gauss_nll            test NLL of a 2-D Gaussian fitted to the
#                            training points (maximum likelihood); the flow
#                            is "functional" if it beats it
#   cnf_gain_over_gauss      cnf_gauss_nll - cnf_nll
#   cnf_nll_at_half          the test NLL logged nearest half the iterations
#   cnf_gain_second_half     cnf_nll_at_half - cnf_nll: what the second half
#                            of training bought (shorter training hurts if > 0)
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
gauss=$(awk -F '\t' '
    FNR == 1 { f++; next }
    f == 1 { n++; x[n] = $1; y[n] = $2; mx += $1; my += $2; next }
    f == 2 { t++; tx[t] = $1; ty[t] = $2 }
    END {
        if (n < 3 || t < 1) { print "claims.sh: too few points for the Gaussian baseline" > "/dev/stderr"; exit 1 }
        mx /= n; my /= n
        for (i = 1; i <= n; i++) { a = x[i] - mx; b = y[i] - my; sxx += a * a; syy += b * b; sxy += a * b }
        sxx /= n; syy /= n; sxy /= n; det = sxx * syy - sxy * sxy
        if (det <= 0) { print "claims.sh: the training points are degenerate" > "/dev/stderr"; exit 1 }
        for (i = 1; i <= t; i++) {
            a = tx[i] - mx; b = ty[i] - my
            q = (syy * a * a - 2 * sxy * a * b + sxx * b * b) / det
            s += 0.5 * q + log(2 * 3.141592653589793) + 0.5 * log(det)
        }
        printf "%.6f\n", s / t
    }' "$dir/train.tsv" "$dir/test.tsv")
half=$(awk -F '\t' -v iters="$iters" '
    NR > 1 && $7 != "nan" { d = $1 - iters / 2; if (d < 0) d = -d; if (!seen || d < best) { best = d; v = $7; seen = 1 } }
    END { if (!seen) { print "claims.sh: log.tsv has no test NLL" > "/dev/stderr"; exit 1 } print v }' "$dir/log.tsv")
awk -v nll="$nll" -v floor="$floor" -v gauss="$gauss" -v half="$half" -v report="$report" -v notebook="$notebook" -v chen="$chen" \
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
    printf "cnf_gauss_nll\t%.4f\n", gauss
    printf "cnf_gain_over_gauss\t%.4f\n", gauss - nll
    printf "cnf_nll_at_half\t%.4f\n", half
    printf "cnf_gain_second_half\t%.4f\n", half - nll
}' > "$out"
