# The reproduction report's latent-ODE figure: test spirals, each with its noise-free
# truth, its noisy observations, the model's reconstruction over the
# observed window and its extrapolation beyond the last observation (z0 =
# the posterior mean); then the test set's reconstruction mse by iteration
# with the reproduction report's 0.15 at iteration 500 and 0.03 at 2000 and the noise
# floor 0.01.
#   gnuplot -e "dir='...'; out='...'; fmt='pdf|png'; seqs='0 1 2 3'"
if (fmt eq 'pdf') {
    set terminal pdfcairo size 12in,3in font 'Helvetica,8'
} else {
    set terminal pngcairo size 1800,450 font 'Helvetica,10'
}
set output out
get(key) = real(system(sprintf("awk -F '\t' '$1 == \"%s\" { print $2 }' %s/claims.tsv", key, dir)))
# The first and last observation times of test spiral s.
obs_t(s, which) = real(system(sprintf("awk -F '\t' 'NR > 1 && $1 == %d && $5 == 1 { if (f == \"\") f = $2; l = $2 } END { print (\"%s\" == \"first\" ? f : l) }' %s/pred.tsv", s, which, dir)))
extent(s) = real(system(sprintf("awk -F '\t' 'NR > 1 && $1 == %d && $5 == 0 { a = $3 < 0 ? -$3 : $3; b = $4 < 0 ? -$4 : $4; if (a > m) m = a; if (b > m) m = b } END { print m }' %s/pred.tsv", s, dir)))
r500 = get('latent_ref_report_500')
r2000 = get('latent_ref_report_2000')
recon = get('latent_recon_mse')
extrap = get('latent_extrap_mse')
set datafile separator '\t'
# NaN (in the file before a spiral's first observation, and from the
# filters below) is missing: lines connect across the rows it masks.
set datafile missing NaN
n = words(seqs)
w = 1.0 / (n + 1.3)
set multiplot
set size square
set tics font ',7'
unset key
do for [i = 1:n] {
    s = int(word(seqs, i))
    tf = obs_t(s, 'first')
    tl = obs_t(s, 'last')
    # The truth's extent: a diverging extrapolation leaves the panel.
    R = 1.1 * extent(s)
    set xrange [-R:R]
    set yrange [-R:R]
    set size w, 0.92
    set origin (i - 1) * w, 0.04
    set title sprintf('test spiral %d', s)
    if (i == 1) { set key bottom left font ',7' } else { unset key }
    plot dir.'/pred.tsv' skip 1 using ($1 == s && $5 == 0 ? $3 : NaN):4 with lines lw 1 lc rgb '#999999' title 'truth', \
         '' skip 1 using ($1 == s && $5 == 1 ? $3 : NaN):4 with points pt 7 ps 0.25 lc rgb '#333333' title 'observations', \
         '' skip 1 using ($1 == s && $5 == 0 && $2 >= tf && $2 <= tl ? $6 : NaN):7 with lines lw 1.5 lc rgb '#1f4e9c' title 'reconstruction', \
         '' skip 1 using ($1 == s && $5 == 0 && $2 > tl ? $6 : NaN):7 with lines lw 1.5 dt 2 lc rgb '#c0392b' title 'extrapolation'
}
set size nosquare
set size 1.3 * w - 0.01, 0.92
set origin n * w + 0.01, 0.04
set logscale y
set autoscale x
set xlabel 'iteration'
set ylabel 'test mse (observations)'
set key top right font ',7'
set title sprintf('test mse (truth: recon %.3f, extrap %.3f)', recon, extrap)
set xrange [0:*]
set yrange [0.005:*]
# The report's two values as points: one sample of '+' each.
set samples 2
plot dir.'/log.tsv' skip 1 using 1:8 with linespoints pt 7 ps 0.4 lw 1.5 lc rgb '#1f4e9c' title 'test set', \
     '+' every ::0::0 using (500):(r500) with points pt 9 ps 1.2 lc rgb '#c0392b' title sprintf('reproduction report: %.2f at 500, %.2f at 2000', r500, r2000), \
     '+' every ::0::0 using (2000):(r2000) with points pt 9 ps 1.2 lc rgb '#c0392b' notitle, \
     0.01 with lines dt 2 lc rgb '#2c7a2c' title 'noise floor 0.01'
unset multiplot
