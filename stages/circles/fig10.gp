# Fig 10 of the ANODE report: features h(T) of the test points.  Left: the NODE's
# two dimensions.  Middle: p = 10, the two input dimensions and the first
# augmented one in 3-D.  Right: as the report's figure, three of the ten
# augmented dimensions, those whose values spread most over the test points
# (largest standard deviation), so the panel shows where the classes part.
if (fmt eq 'pdf') {
    set terminal pdfcairo size 10in,3.4in font 'Helvetica,10'
} else {
    set terminal pngcairo size 1500,510 font 'Helvetica,11'
}
set output out
# features.tsv columns: h1..h12 (h3..h12 augmented), then the target y1.
f10 = dir.'/p10/features.tsv'
a1 = 3; a2 = 4; a3 = 5; s1 = -1; s2 = -1; s3 = -1
do for [c = 3:12] {
    stats f10 skip 1 using c nooutput
    sd = STATS_stddev
    if (sd > s1) { a3 = a2; s3 = s2; a2 = a1; s2 = s1; a1 = c; s1 = sd } else {
        if (sd > s2) { a3 = a2; s3 = s2; a2 = c; s2 = sd } else {
            if (sd > s3) { a3 = c; s3 = sd }
        }
    }
}
set multiplot layout 1,3
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
splot f10 skip 1 using 1:2:($13 > 0 ? $3 : 1/0) with points pt 7 ps 0.3 lc rgb '#c0392b' title 'label +1', \
      f10 skip 1 using 1:2:($13 < 0 ? $3 : 1/0) with points pt 7 ps 0.3 lc rgb '#1f4e9c' title 'label -1'
set title 'ANODE p = 10: three augmented dimensions'
set xlabel sprintf('h_{%d}', a1)
set ylabel sprintf('h_{%d}', a2)
set zlabel sprintf('h_{%d}', a3) rotate
splot f10 skip 1 using a1:a2:($13 > 0 ? column(a3) : 1/0) with points pt 7 ps 0.3 lc rgb '#c0392b' title 'label +1', \
      f10 skip 1 using a1:a2:($13 < 0 ? column(a3) : 1/0) with points pt 7 ps 0.3 lc rgb '#1f4e9c' title 'label -1'
unset multiplot
