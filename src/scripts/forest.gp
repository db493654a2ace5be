# The forest plot of the verdicts: every comparison claim's effect with its
# 95 % interval over seeds, on one scale (judge --effects): the relative
# effect in the claimed direction, 0 at the claim's threshold (no effect or
# its bound), positive on the claimed side.  A difference is relative to the
# compared run's mean, a bound to the bound, a speed or loss ratio is its
# natural log.  Colour is the outcome; a claim judged on one run has no
# interval (a bare point).  Effects beyond +-3 are drawn at the edge.
# Variables: effects (the TSV), out, fmt.
stats effects skip 1 using 0 nooutput
n = STATS_records
# Two panels side by side, the claims in file order down the left, then the right.
h = int((n + 1) / 2)
rows = h > 10 ? h : 10
if (fmt eq 'pdf') {
    set terminal pdfcairo size 6.5in,(1.0 + 0.13 * rows)*1in font 'Helvetica,6'
} else {
    set terminal pngcairo size 1400,(100 + 17 * rows) font 'Helvetica,8'
}
set output out
set datafile separator '\t'
clip(x) = x < -3 ? -3 : (x > 3 ? 3 : x)
col(o) = o eq 'reproduced' ? 1 : (o eq 'contradicted' ? 2 : 3)
set xrange [-3.3:3.3]
set xtics 1
set ytics scale 0
set grid xtics
set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb '#555555' dt 2
set linetype 1 lc rgb '#27ae60' pt 7 ps 0.4
set linetype 2 lc rgb '#c0392b' pt 7 ps 0.4
set linetype 3 lc rgb '#7f8c8d' pt 7 ps 0.4
lab(s, id) = sprintf('%s%s', id, s eq 'reference' ? ' (ref.)' : '')
set multiplot layout 1,2 title 'Effect in the claimed direction (relative; ln of a ratio), 95 % interval over seeds'
set key at screen 0.5, screen 0.015 center bottom horizontal
set bmargin 4
do for [panel = 0:1] {
    if (panel == 0) { set yrange [h - 0.5:-0.5] } else { set yrange [2 * h - 0.5:h - 0.5]; unset key }
    plot effects skip 1 using (col(strcol(4)) == 1 ? clip($5) : NaN):0:(clip($6)):(clip($7)):ytic(lab(strcol(2), strcol(1))) \
           with xerrorbars lt 1 title 'reproduced', \
         '' skip 1 using (col(strcol(4)) == 2 ? clip($5) : NaN):0:(clip($6)):(clip($7)) with xerrorbars lt 2 title 'contradicted', \
         '' skip 1 using (col(strcol(4)) == 3 ? clip($5) : NaN):0:(clip($6)):(clip($7)) with xerrorbars lt 3 title 'inconclusive'
}
unset multiplot
