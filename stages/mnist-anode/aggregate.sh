#!/bin/sh
# Combines the seeds of one MNIST run into curves and a summary.
#
#   aggregate.sh KEY CURVES.tsv SUMMARY.tsv SEEDS.tsv LOG_SEED1.tsv [LOG_SEED2.tsv ...]
#
# Each log has train's columns (iteration loss metric nfe_forward nfe_backward
# seconds test_loss test_accuracy train_loss train_accuracy).  Accuracies are
# turned into percent; losses into the report's "sum over the 10 test batches
# of the batch-mean cross-entropy", which with 10 equal batches of 100 is 10
# times the mean over the 1000 images.  Spread is the sample standard
# deviation over seeds (0 for one seed).  Writes CURVES.tsv:
#   iteration test_acc test_acc_sd test_loss test_loss_sd
#   train_acc train_acc_sd train_loss train_loss_sd
# and the summary keys mnist_KEY_{test_acc_seed1, test_acc_mean,
# test_acc_sd, test_acc_min, test_acc_max, train_acc_seed1, train_acc_mean,
# train_acc_sd, test_loss_mean, test_loss_sd, nfe_forward, nfe_backward,
# seconds, seeds}, and per-seed convergence statistics, each as _mean and
# _sd over seeds:
#   iters_to_70        first iteration with test accuracy >= 70% (a seed
#                      that never gets there counts as the last iteration
#                      plus one, so a slower run is never counted faster)
#   train_iters_to_90  the same on the training curve at 90%
#   test_acc_gain_last10  final test accuracy minus that 10 iterations
#                      before the end (points): a curve still rising has
#                      not converged
# SEEDS.tsv gets every seed's value of these (judge reads them as the
# runs behind a claim): mnist_KEY_{test_acc, train_acc, test_loss,
# iters_to_70, train_iters_to_90, test_acc_gain_last10, nfe_forward},
# one line per key, the seeds' values in order.
set -eu
key=$1
curves=$2
summary=$3
samples=$4
shift 4
awk -F '\t' -v key="$key" -v curves="$curves" -v summary="$summary" -v samples="$samples" '
FNR == 1 { run++; if ($1 != "iteration" || $8 != "test_accuracy") { print FILENAME ": not a train log" > "/dev/stderr"; bad = 1; exit 1 } next }
{
    it = $1 + 0; if (it > last) last = it
    n[it]++
    ta[it] += 100 * $8; ta2[it] += (100 * $8) ^ 2
    tl[it] += 10 * $7; tl2[it] += (10 * $7) ^ 2
    ra[it] += 100 * $10; ra2[it] += (100 * $10) ^ 2
    rl[it] += 10 * $9; rl2[it] += (10 * $9) ^ 2
    nf[run] += $4; nb[run] += $5; sec[run] += $6; rows[run]++
    fin_ta[run] = 100 * $8; fin_ra[run] = 100 * $10; fin_tl[run] = 10 * $7
    acc[run, it] = 100 * $8
    if (!(run in t70) && 100 * $8 >= 70) t70[run] = it
    if (!(run in r90) && 100 * $10 >= 90) r90[run] = it
}
function sd(s, s2, k) { return k > 1 ? sqrt((s2 - s * s / k) / (k - 1) > 0 ? (s2 - s * s / k) / (k - 1) : 0) : 0 }
END {
    if (bad) exit 1
    print "iteration\ttest_acc\ttest_acc_sd\ttest_loss\ttest_loss_sd\ttrain_acc\ttrain_acc_sd\ttrain_loss\ttrain_loss_sd" > curves
    for (it = 1; it <= last; it++) {
        k = n[it]; if (k != run) { print "aggregate: iteration " it " missing from some seeds" > "/dev/stderr"; exit 1 }
        printf "%d\t%.4f\t%.4f\t%.5f\t%.5f\t%.4f\t%.4f\t%.5f\t%.5f\n", it, ta[it] / k, sd(ta[it], ta2[it], k), tl[it] / k, sd(tl[it], tl2[it], k), ra[it] / k, sd(ra[it], ra2[it], k), rl[it] / k, sd(rl[it], rl2[it], k) > curves
    }
    s = 0; s2 = 0; mn = 1e9; mx = -1e9; sr = 0; sl = 0; f = 0; b = 0; t = 0
    for (r = 1; r <= run; r++) {
        s += fin_ta[r]; s2 += fin_ta[r] ^ 2; if (fin_ta[r] < mn) mn = fin_ta[r]; if (fin_ta[r] > mx) mx = fin_ta[r]
        sr += fin_ra[r]; sl += fin_tl[r]; f += nf[r] / rows[r]; b += nb[r] / rows[r]; t += sec[r]
    }
    ra_s = 0; ra_s2 = 0; tl_s = 0; tl_s2 = 0
    a70 = 0; a70_2 = 0; a90 = 0; a90_2 = 0; g = 0; g2 = 0
    for (r = 1; r <= run; r++) {
        ra_s += fin_ra[r]; ra_s2 += fin_ra[r] ^ 2; tl_s += fin_tl[r]; tl_s2 += fin_tl[r] ^ 2
        x = (r in t70) ? t70[r] : last + 1; a70 += x; a70_2 += x * x
        x = (r in r90) ? r90[r] : last + 1; a90 += x; a90_2 += x * x
        if (last <= 10) { print "aggregate: curves of " last " iterations have no last 10" > "/dev/stderr"; exit 1 }
        x = acc[r, last] - acc[r, last - 10]; g += x; g2 += x * x
    }
    p = "mnist_" key "_"
    printf "%stest_acc_seed1\t%.1f\n", p, fin_ta[1] > summary
    printf "%stest_acc_mean\t%.2f\n", p, s / run > summary
    printf "%stest_acc_sd\t%.2f\n", p, sd(s, s2, run) > summary
    printf "%stest_acc_min\t%.1f\n", p, mn > summary
    printf "%stest_acc_max\t%.1f\n", p, mx > summary
    printf "%strain_acc_seed1\t%.1f\n", p, fin_ra[1] > summary
    printf "%strain_acc_mean\t%.2f\n", p, sr / run > summary
    printf "%strain_acc_sd\t%.2f\n", p, sd(ra_s, ra_s2, run) > summary
    printf "%stest_loss_mean\t%.3f\n", p, sl / run > summary
    printf "%stest_loss_sd\t%.3f\n", p, sd(tl_s, tl_s2, run) > summary
    printf "%siters_to_70_mean\t%.2f\n", p, a70 / run > summary
    printf "%siters_to_70_sd\t%.2f\n", p, sd(a70, a70_2, run) > summary
    printf "%strain_iters_to_90_mean\t%.2f\n", p, a90 / run > summary
    printf "%strain_iters_to_90_sd\t%.2f\n", p, sd(a90, a90_2, run) > summary
    printf "%stest_acc_gain_last10_mean\t%.2f\n", p, g / run > summary
    printf "%stest_acc_gain_last10_sd\t%.2f\n", p, sd(g, g2, run) > summary
    printf "%snfe_forward\t%.1f\n", p, f / run > summary
    printf "%snfe_backward\t%.1f\n", p, b / run > summary
    printf "%sseconds\t%.3f\n", p, t / run > summary
    printf "%sseeds\t%d\n", p, run > summary
    line("test_acc", fin_ta); line("train_acc", fin_ra); line("test_loss", fin_tl)
    for (r = 1; r <= run; r++) {
        v70[r] = (r in t70) ? t70[r] : last + 1; v90[r] = (r in r90) ? r90[r] : last + 1
        vg[r] = acc[r, last] - acc[r, last - 10]; vf[r] = nf[r] / rows[r]
    }
    line("iters_to_70", v70); line("train_iters_to_90", v90)
    line("test_acc_gain_last10", vg); line("nfe_forward", vf)
}
function line(name, v,   r) {
    printf "mnist_%s_%s\t", key, name > samples
    for (r = 1; r <= run; r++) printf "%s%.6g", (r > 1 ? " " : ""), v[r] > samples
    printf "\n" > samples
}' "$@"
