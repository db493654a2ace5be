# Fig 6 of the ANODE report: training loss for y = sin(x) + x, one curve per p
# (ps, from stage.mk)
# (Adam, then L-BFGS fine-tuning on the same axis, the switch marked;
# adam= from stage.mk).
if (fmt eq 'pdf') {
    set terminal pdfcairo size 5in,3.2in font 'Helvetica,10'
} else {
    set terminal pngcairo size 800,500 font 'Helvetica,11'
}
set output out
set logscale y
set xlabel 'iteration'
set ylabel 'loss (sum of squared errors)'
set key top right
set title 'Training loss, y = sin(x) + x'
label(p) = (p eq '0') ? 'NODE' : sprintf('ANODE, p = %s', p)
# Adam runs for the first adam iterations (from stage.mk), L-BFGS after.
set arrow 1 from adam, graph 0 to adam, graph 1 nohead dt 3 lc rgb '#555555'
set label 1 'L-BFGS' at adam, graph 0.06 offset 0.5, 0 font ',8'
plot for [p in ps] dir.'/sin_plus_x-p'.p.'/log.tsv' skip 1 using 1:2 with lines lw 1.5 title label(p)
