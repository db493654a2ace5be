#!/bin/sh
# Predicts the time per epoch of data-parallel ODE-Net training on 1 to 64
# nodes (one process of one thread each, as measured) from this machine's
# measurements (measure.sh) and a network's latency and bandwidth:
#
#   stages/scaling/model.sh MEASURED.tsv OUTDIR
#
# Per training step on N nodes, for a batch of B = 128:
#   compute(N) = t_ex * ceil(B / N) + t_0, t_ex and t_0 fitted to the two
#     measured compute times (a step's time less the time spent inside
#     reductions) at N = 1 and 2 (t_0 = 0 if the two scale perfectly);
#   comm(N)    = s * alpha * ceil(log2 N)            short reductions
#              + l * 2 (N - 1) * alpha               long: all-to-all, all-gather
#              + 2 * 8 v (N - 1) / N / beta          their bytes
#     with s, l and v the short and long reductions and the long ones'
#     values per step, measured with 2 processes (they depend on the solver's
#     steps, the same for any N, not on N).
# Per epoch of full MNIST (469 steps; 79 test chunks of 128 images):
#   epoch(N) = 469 * (compute(N) + comm(N)) + ceil(79 / N) * t_chunk,
#   t_chunk  = the measured time outside training per test chunk.
# Networks (stated, typical MPI figures): 10 Gb/s Ethernet, alpha = 30 us,
# beta = 1.25 GB/s; 100 Gb/s InfiniBand, alpha = 2 us, beta = 12.5 GB/s.
# Writes OUTDIR/model.tsv (N ideal ethernet infiniband, seconds per epoch;
# ideal: compute and scoring only), OUTDIR/points.tsv (N and the measured
# points' seconds per epoch: 469 measured steps plus the measured scoring)
# and OUTDIR/summary.tsv (scaling_* keys for the paper).
set -eu
measured=$1
out=$2
mkdir -p "$out"
awk -F '\t' -v out="$out" '
function ceil(x) { return x == int(x) ? x : int(x) + 1 }
function log2c(n,   k) { k = 0; while (2 ^ k < n) k++; return k }
function comm(n, alpha, beta) {
    if (n < 2) return 0
    return s * alpha * log2c(n) + l * 2 * (n - 1) * alpha + 16 * v * (n - 1) / n / beta
}
function compute(n) { return tex * ceil(B / n) + t0 }
NR == 1 { next }
$1 == 1 { c1 = $2; other1 = $9; chunks1 = $10 }
$1 == 2 { step2 = $2; c2 = $2 - $3; s = $5; l = $6; v = $7; bytes = $8; red = $4
          other2 = $9; chunks2 = $10 }
END {
    if (c1 == "" || c2 == "") { print "model: measured.tsv lacks the 1- or 2-process row" > "/dev/stderr"; exit 1 }
    B = 128; E = 469; C = 79
    tex = (c1 - c2) / (B - B / 2); t0 = c1 - B * tex
    if (t0 < 0) { t0 = 0; tex = c1 / B }
    tc1 = other1 / chunks1; tc2 = other2 / chunks2
    ea = 30e-6; eb = 1.25e9; ia = 2e-6; ib = 12.5e9
    print "nodes\tideal\tethernet\tinfiniband" > (out "/model.tsv")
    best_e = 1; best_i = 1
    for (n = 1; n <= 64; n *= 2) {
        sc = ceil(C / n) * tc1
        id = E * compute(n) + sc
        et = E * (compute(n) + comm(n, ea, eb)) + sc
        ibt = E * (compute(n) + comm(n, ia, ib)) + sc
        printf "%d\t%.1f\t%.1f\t%.1f\n", n, id, et, ibt > (out "/model.tsv")
        T[n] = id; TE[n] = et; TI[n] = ibt
        if (et < TE[best_e]) best_e = n
        if (ibt < TI[best_i]) best_i = n
    }
    print "nodes\tmeasured" > (out "/points.tsv")
    m1 = E * c1 + C * tc1; m2 = E * step2 + ceil(C / 2) * tc2
    printf "1\t%.1f\n2\t%.1f\n", m1, m2 > (out "/points.tsv")
    f = out "/summary.tsv"
    printf "scaling_step_one\t%.3f\n", c1 > f
    printf "scaling_step_two\t%.3f\n", step2 > f
    printf "scaling_speedup_two\t%.2f\n", c1 / step2 > f
    printf "scaling_reduction_two\t%.4f\n", step2 - c2 > f
    printf "scaling_reductions_step\t%.1f\n", red > f
    printf "scaling_long_step\t%.1f\n", l > f
    printf "scaling_megabytes_step\t%.2f\n", bytes / 1e6 > f
    printf "scaling_epoch_one\t%.0f\n", m1 > f
    printf "scaling_epoch_two\t%.0f\n", m2 > f
    printf "scaling_ideal_sixtyfour\t%.0f\n", T[64] > f
    printf "scaling_ethernet_sixtyfour\t%.0f\n", TE[64] > f
    printf "scaling_infiniband_sixtyfour\t%.0f\n", TI[64] > f
    printf "scaling_ethernet_best\t%d\n", best_e > f
    printf "scaling_ethernet_best_epoch\t%.0f\n", TE[best_e] > f
    printf "scaling_infiniband_best\t%d\n", best_i > f
    printf "scaling_comm_ethernet_sixtyfour\t%.3f\n", comm(64, ea, eb) > f
    printf "scaling_comm_infiniband_sixtyfour\t%.3f\n", comm(64, ia, ib) > f
    printf "scaling_compute_sixtyfour\t%.3f\n", compute(64) > f
    printf "scaling_ethernet_latency\t%g\n", ea * 1e6 > f
    printf "scaling_ethernet_bandwidth\t%g\n", eb / 1e9 > f
    printf "scaling_infiniband_latency\t%g\n", ia * 1e6 > f
    printf "scaling_infiniband_bandwidth\t%g\n", ib / 1e9 > f
}' "$measured"
