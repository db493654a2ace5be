# Figs 12-16 of the ANODE report: accuracy and loss against iteration for a set of
# MNIST runs, mean over seeds with a band of +-1 standard deviation.
#   gnuplot -e "dir='...'; out='...'; fmt='pdf|png'; runs='node anode-p10';
#               names='NODE;ANODE, p = 10'; set='test|train'; heading='...'"
if (fmt eq 'pdf') {
    set terminal pdfcairo size 8in,3.2in font 'Helvetica,10'
} else {
    set terminal pngcairo size 1200,480 font 'Helvetica,11'
}
set output out
set datafile separator '\t'
set multiplot layout 1,2 title heading
# Light bands with their edges drawn thin, so that overlapping runs stay
# apart: the means thick, the +-1 sd edges thin and dashed.
set style fill transparent solid 0.06 noborder
set xlabel 'iteration'
set key bottom right font ',9'
n = words(runs)
name(i) = (i == 1) ? substr(names, 1, strstrt(names, ';') - 1) : ''
# names are ';'-separated; pick the i-th
nth(s, i) = (i == 1) ? (strstrt(s, ';') ? s[1:strstrt(s, ';') - 1] : s) : nth(s[strstrt(s, ';') + 1:], i - 1)
acc = (set eq 'test') ? 2 : 6
loss = (set eq 'test') ? 4 : 8
set ylabel set.' accuracy (%)'
set yrange [0:100]
plot for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:(column(acc) - column(acc + 1)):(column(acc) + column(acc + 1)) with filledcurves linecolor i notitle, \
     for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:(column(acc) - column(acc + 1)) with lines linecolor i lw 0.6 dt 2 notitle, \
     for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:(column(acc) + column(acc + 1)) with lines linecolor i lw 0.6 dt 2 notitle, \
     for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:acc with lines linecolor i lw 2.5 title nth(names, i)
set ylabel set.' loss (sum over 10 batches)'
set yrange [0:*]
set key top right font ',9'
plot for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:(column(loss) - column(loss + 1)):(column(loss) + column(loss + 1)) with filledcurves linecolor i notitle, \
     for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:(column(loss) - column(loss + 1)) with lines linecolor i lw 0.6 dt 2 notitle, \
     for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:(column(loss) + column(loss + 1)) with lines linecolor i lw 0.6 dt 2 notitle, \
     for [i = 1:n] dir.'/'.word(runs, i).'/curves.tsv' skip 1 using 1:loss with lines linecolor i lw 2.5 title nth(names, i)
unset multiplot
