# Fig 8 of the ANODE report: contour lines of the model's prediction over the
# plane, one panel
# per p (ps, from stage.mk), from each run's grid.tsv (gnuplot grid layout).
if (fmt eq 'pdf') {
    set terminal pdfcairo size 9in,2.6in font 'Helvetica,9'
} else {
    set terminal pngcairo size 1400,400 font 'Helvetica,10'
}
set output out
set multiplot layout 1,words(ps)
# Contour lines of the prediction (the report's kind of figure), coloured by
# value; every panel has its colour box, so all panels are the same size.
set view map
set size square
set xrange [-4:4]
set yrange [-4:4]
set cbrange [-1.5:1.5]
set palette defined (-1.5 '#1f4e9c', 0 '#bbbbbb', 1.5 '#c0392b')
set contour base
unset surface
set cntrparam levels incremental -1.5, 0.25, 1.5
set xlabel 'x_1'
set ylabel 'x_2'
unset key
n = words(ps)
do for [i = 1:n] {
    p = word(ps, i)
    set title (p eq '0' ? 'NODE' : sprintf('ANODE, p = %s', p))
    splot dir.'/p'.p.'/grid.tsv' using 1:2:3 with lines lw 1.2 palette
}
unset multiplot
