# The reproduction report's Fig. 1: the continuous normalizing flow on two moons.
# Top: the training data, then points drawn from the base N(0, I) at t = 1
# carried back by the learned flow to t = 0 (one panel per time).  Bottom:
# the learned density beside the true one on the same grid, and the NLL by
# iteration with the exact floor and the reproduction report's 3.1.
#   gnuplot -e "dir='...'; out='...'; fmt='pdf|png'; times='1 0.75 ...'"
if (fmt eq 'pdf') {
    set terminal pdfcairo size 12in,5in font 'Helvetica,8'
} else {
    set terminal pngcairo size 1800,760 font 'Helvetica,10'
}
set output out
get(key) = real(system(sprintf("awk -F '\t' '$1 == \"%s\" { print $2 }' %s/claims.tsv", key, dir)))
floor = get('cnf_floor')
report = get('cnf_ref_report')
nll = get('cnf_nll')
set datafile separator '\t'
set datafile missing 'nan'
n = words(times)
w = 1.0 / (n + 1)
set multiplot
unset key
set size square
set xrange [-4:4]
set yrange [-4:4]
set tics font ',7'
set size w, 0.5
set origin 0, 0.5
set title 'data (training set)'
plot dir.'/train.tsv' skip 1 using 1:2 with dots lc rgb '#1f4e9c'
do for [i = 1:n] {
    set origin i * w, 0.5
    set title sprintf('samples at t = %s', word(times, i))
    plot dir.'/samples.tsv' index (i - 1) skip (i == 1 ? 1 : 0) using 2:3 with dots lc rgb '#c0392b'
}
set view map
set palette defined (0 'white', 1 '#9ecae1', 2 '#1f4e9c', 3 '#08306b')
unset colorbox
set size 0.25, 0.5
set origin 0, 0
set title sprintf('learned density (test NLL %.3f)', nll)
plot dir.'/grid.tsv' using 1:2:(exp($3)) with image
set origin 0.25, 0
set title sprintf('true density (floor %.3f)', floor)
plot dir.'/exact-grid.tsv' using 1:2:3 with image
unset view
set size nosquare
set size 0.48, 0.46
set origin 0.51, 0.02
set autoscale x
set yrange [floor - 0.2:4.5]
set xlabel 'iteration'
set ylabel 'negative log-likelihood (nats)'
set key top right font ',8'
set title 'NLL by iteration'
plot dir.'/log.tsv' skip 1 using 1:2 with lines lw 0.6 lc rgb '#9ecae1' title 'training batch', \
     dir.'/log.tsv' skip 1 using 1:7 with linespoints pt 7 ps 0.5 lw 1.5 lc rgb '#1f4e9c' title 'test set', \
     floor with lines dt 2 lw 1.5 lc rgb '#2c7a2c' title sprintf('exact floor %.3f', floor), \
     report with lines dt 3 lw 1.5 lc rgb '#c0392b' title sprintf('reproduction report: %.1f', report)
unset multiplot
