# Fig 9 of the ANODE report: training loss (minibatch mean squared error) for the
# nested circles, one curve per p
# (ps, from stage.mk).
if (fmt eq 'pdf') {
    set terminal pdfcairo size 5in,3.2in font 'Helvetica,10'
} else {
    set terminal pngcairo size 800,500 font 'Helvetica,11'
}
set output out
set logscale y
# Tick labels as powers of ten.
set format y '10^{%L}'
set xlabel 'iteration'
set ylabel 'loss (mean squared error)'
set title 'Training loss, nested circles'
set key top right
label(p) = (p eq '0') ? 'NODE' : sprintf('ANODE, p = %s', p)
set linetype 1 lc rgb '#c0392b'
set linetype 2 lc rgb '#e67e22'
set linetype 3 lc rgb '#27ae60'
set linetype 4 lc rgb '#1f4e9c'
plot for [p in ps] dir.'/p'.p.'/log.tsv' skip 1 using 1:2 with lines lw 1.2 title label(p)
