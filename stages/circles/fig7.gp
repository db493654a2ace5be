# Fig 7 of the ANODE report: the nested-circles training data by class.
if (fmt eq 'pdf') {
    set terminal pdfcairo size 4in,4in font 'Helvetica,10'
} else {
    set terminal pngcairo size 600,600 font 'Helvetica,11'
}
set output out
set size square
set xrange [-3.2:3.2]
set yrange [-3.2:3.2]
set xlabel 'x_1'
set ylabel 'x_2'
set title 'Nested circles'
set key top right opaque
plot dir.'/train.tsv' skip 1 using 1:($3 > 0 ? $2 : 1/0) with points pt 7 ps 0.3 lc rgb '#c0392b' title 'label +1', \
     dir.'/train.tsv' skip 1 using 1:($3 < 0 ? $2 : 1/0) with points pt 7 ps 0.3 lc rgb '#1f4e9c' title 'label -1'
