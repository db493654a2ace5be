# Fig 10 of the ANODE report: features h(T) of the test points.  Left: the NODE's
# two dimensions.  Right: p = 10, the two input dimensions and the first
# augmented one in 3-D.
if (fmt eq 'pdf') {
    set terminal pdfcairo size 8in,3.6in font 'Helvetica,10'
} else {
    set terminal pngcairo size 1200,540 font 'Helvetica,11'
}
set output out
set multiplot layout 1,2
set key top right
set title 'NODE features h(T)'
set xlabel 'h_1'
set ylabel 'h_2'
plot dir.'/p0/features.tsv' skip 1 using 1:($3 > 0 ? $2 : 1/0) with points pt 7 ps 0.3 lc rgb '#c0392b' title 'label +1', \
     dir.'/p0/features.tsv' skip 1 using 1:($3 < 0 ? $2 : 1/0) with points pt 7 ps 0.3 lc rgb '#1f4e9c' title 'label -1'
set title 'ANODE p = 10 features h(T)'
set xlabel 'h_1'
set ylabel 'h_2'
set zlabel 'h_3' rotate
set view 60, 30
# features.tsv columns: h1..h12, then the target y1 (column 13).
splot dir.'/p10/features.tsv' skip 1 using 1:2:($13 > 0 ? $3 : 1/0) with points pt 7 ps 0.3 lc rgb '#c0392b' title 'label +1', \
      dir.'/p10/features.tsv' skip 1 using 1:2:($13 < 0 ? $3 : 1/0) with points pt 7 ps 0.3 lc rgb '#1f4e9c' title 'label -1'
unset multiplot
