# Fig 5 of the ANODE report: the data and the function each model learned, one
# panel per function.  gnuplot -e "dir='...'; out='...'; fmt='pdf|png';
# funcs='sin sin_plus_x'; ps='0 1 ...'" (the runs, from stage.mk)
if (fmt eq 'pdf') {
    set terminal pdfcairo size 8in,3.2in font 'Helvetica,10'
} else {
    set terminal pngcairo size 1200,480 font 'Helvetica,11'
}
set output out
set multiplot layout 1,2
names = 'y = sin(x)|y = sin(x) + x'
set xlabel 'x'
set ylabel 'y'
set key top left font ',8'
set xrange [0:6.3]
label(p) = (p eq '0') ? 'NODE' : sprintf('ANODE, p = %s', p)
do for [i = 1:2] {
    f = word(funcs, i)
    set title (i == 1 ? 'y = sin(x)' : 'y = sin(x) + x')
    plot dir.'/data-'.f.'.tsv' skip 1 using 1:2 with points pt 7 ps 0.35 lc rgb '#1f4e9c' title 'data', \
         for [p in ps] dir.'/'.f.'-p'.p.'/pred.tsv' skip 1 using 1:2 with lines lw 2 title label(p)
}
unset multiplot
