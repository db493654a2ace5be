#!/bin/sh
# The latent ODE's numbers beside the reproduction report's: the test set's
# reconstruction mse (against its noisy observations, whose floor is the
# noise variance 0.01) logged at iterations 500 and 2000 (each at the last
# logged iteration not after it, and that iteration, so that a shorter
# profile still has both), the final model's test mse against the
# observations and against the noise-free truth inside the observed window
# (recon) and after it (extrap), the reference values, and the cost per
# training iteration; the sets' sizes; and latent_mse_at_half (logged at the
# last scored iteration not after half the run) with latent_gain_second_half
# (that minus the final test mse: what the second half of training bought).
#
#   claims.sh REPORT-VALUES.tsv DIR OUT.tsv
set -eu
ref=$1
dir=$2
out=$3
. src/scripts/summary.sh
# The log's test_mse column (by name) at the last scored iteration <= N.
logged() { awk -F '\t' -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_mse") c = i; next }
    c && $1 <= n && $c != "nan" { it = $1; v = $c }
    END { if (!c || it == "") exit 1; printf "%s\t%s\n", it, v }' "$dir/log.tsv" ||
        { echo "claims: $dir/log.tsv has no test_mse at or before iteration $1" >&2; exit 1; }; }
at500=$(logged 500)
at2000=$(logged 2000)
mse=$(get "$dir/eval.tsv" latent_test_mse)
recon=$(get "$dir/eval.tsv" latent_test_recon_mse)
extrap=$(get "$dir/eval.tsv" latent_test_extrap_mse)
r500=$(get "$ref" report_mse_500)
r2000=$(get "$ref" report_mse_2000)
iters=$(get "$dir/train-summary.tsv" latent_iterations)
secs=$(get "$dir/train-summary.tsv" latent_seconds)
nfe_f=$(get "$dir/train-summary.tsv" latent_nfe_forward)
nfe_b=$(get "$dir/train-summary.tsv" latent_nfe_backward)
athalf=$(logged $((iters / 2)))
# Spirals in each set and observations per test spiral.
spirals() { awk -F '\t' 'NR > 1 { s = $1 } END { print s + 1 }' "$1"; }
n_train=$(spirals "$dir/train.tsv")
n_test=$(spirals "$dir/test.tsv")
n_obs=$(awk -F '\t' 'NR > 1 { o += $5; s = $1 } END { print o / (s + 1) }' "$dir/test.tsv")
awk -v ahalf="$athalf" -v a500="$at500" -v a2000="$at2000" -v mse="$mse" -v recon="$recon" -v extrap="$extrap" \
    -v r500="$r500" -v r2000="$r2000" -v iters="$iters" -v secs="$secs" -v nf="$nfe_f" \
    -v nb="$nfe_b" -v ntr="$n_train" -v nte="$n_test" -v nobs="$n_obs" 'BEGIN {
    split(a500, p, "\t"); split(a2000, q, "\t")
    printf "latent_mse_at_500\t%.4f\n", p[2]
    printf "latent_mse_at_500_iteration\t%d\n", p[1]
    printf "latent_mse_at_2000\t%.4f\n", q[2]
    printf "latent_mse_at_2000_iteration\t%d\n", q[1]
    printf "latent_mse\t%.4f\n", mse
    split(ahalf, h, "\t")
    printf "latent_mse_at_half\t%.4f\n", h[2]
    printf "latent_gain_second_half\t%.4f\n", h[2] - mse
    printf "latent_recon_mse\t%.4f\n", recon
    printf "latent_extrap_mse\t%.4f\n", extrap
    printf "latent_below_report_500\t%d\n", p[2] < r500
    printf "latent_below_report_2000\t%d\n", q[2] < r2000
    printf "latent_ref_report_500\t%s\n", r500
    printf "latent_ref_report_2000\t%s\n", r2000
    printf "latent_train_spirals\t%d\n", ntr
    printf "latent_test_spirals\t%d\n", nte
    printf "latent_observations\t%d\n", nobs
    printf "latent_step_seconds\t%.4f\n", secs / iters
    printf "latent_step_nfe_forward\t%.1f\n", nf / iters
    printf "latent_step_nfe_backward\t%.1f\n", nb / iters
}' > "$out"
