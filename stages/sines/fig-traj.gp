# The ANODE report's Figs 5 and 6 in the trajectory formulation: the state
# starts at zero and its first two components trace the data (x_i, y_i) at
# t_i = x_i / (2 pi).  Top: the curve each model traced in the (x, y) plane;
# bottom: its training loss (Adam, then L-BFGS).  Left y = sin(x) (runs
# trajsin-pP), right y = sin(x) + x (traj-pP); dashed, p = 10 with a field
# that also sees t (F-p10-time).
#   gnuplot -e "dir='...'; out='...'; fmt='pdf|png'; ps='0 1 ...'; adam=N"
if (fmt eq 'pdf') {
    set terminal pdfcairo size 8in,6in font 'Helvetica,10'
} else {
    set terminal pngcairo size 1200,900 font 'Helvetica,11'
}
set output out
set multiplot layout 2,2
label(p) = (p eq '0') ? 'NODE' : sprintf('ANODE, p = %s', p)
runs = 'trajsin traj'
# One colour per p, the same in every panel (up to five values of p).
colors = '#7b3294 #1b9e77 #56b4e9 #e69f00 #d7191c'
do for [i = 1:2] {
    r = word(runs, i)
    set title (i == 1 ? 'y = sin(x): traced curve' : 'y = sin(x) + x: traced curve')
    set xlabel 'x (first component)'
    set ylabel 'y (second component)'
    set key top left font ',8'
    unset logscale y
    plot dir.'/data-'.r.'.tsv' skip 1 using 2:3 with points pt 7 ps 0.35 lc rgb '#555555' title 'data', \
         for [k = 1:words(ps)] dir.'/'.r.'-p'.word(ps, k).'/pred.tsv' skip 1 using 2:3 \
             with lines lw 2 lc rgb word(colors, k) title label(word(ps, k)), \
         dir.'/'.r.'-p10-time/pred.tsv' skip 1 using 2:3 with lines lw 2 dt 2 \
             lc rgb word(colors, words(ps)) title 'p = 10, f sees t'
}
do for [i = 1:2] {
    r = word(runs, i)
    set title (i == 1 ? 'y = sin(x): training loss' : 'y = sin(x) + x: training loss')
    set xlabel 'iteration'
    set ylabel 'loss (sum of squared errors)'
    set logscale y
    set key top right font ',8'
    # Adam for the first adam iterations (from stage.mk), then L-BFGS.
    set arrow 1 from adam, graph 0 to adam, graph 1 nohead dt 3 lc rgb '#555555'
    set label 1 'L-BFGS' at adam, graph 0.06 offset 0.5, 0 font ',8'
    plot for [k = 1:words(ps)] dir.'/'.r.'-p'.word(ps, k).'/log.tsv' skip 1 using 1:2 \
             with lines lw 1.5 lc rgb word(colors, k) title label(word(ps, k)), \
         dir.'/'.r.'-p10-time/log.tsv' skip 1 using 1:2 with lines lw 1.5 dt 2 \
             lc rgb word(colors, words(ps)) title 'p = 10, f sees t'
}
unset multiplot
