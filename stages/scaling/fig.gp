# Data-parallel ODE-Net training: seconds per epoch of full MNIST against
# the number of nodes (one process of one thread each), as modelled
# (model.sh) for two networks and with compute alone, and as measured on
# this machine with 1 and 2 processes (points).
if (fmt eq 'pdf') {
    set terminal pdfcairo size 5in,3.4in font 'Helvetica,10'
} else {
    set terminal pngcairo size 800,540 font 'Helvetica,11'
}
set output out
set datafile separator '\t'
set logscale xy 2
set xrange [0.8:80]
set xtics (1, 2, 4, 8, 16, 32, 64)
set xlabel 'nodes (one process of one thread each)'
set ylabel 'seconds per epoch of MNIST (469 steps)'
set key top right
set grid
plot dir.'/model.tsv' skip 1 using 1:2 with lines lw 2 dt 2 lc rgb '#777777' title 'compute and scoring alone', \
     dir.'/model.tsv' skip 1 using 1:3 with linespoints pt 6 lw 2 lc rgb '#c0392b' title 'model, 10 Gb/s Ethernet', \
     dir.'/model.tsv' skip 1 using 1:4 with linespoints pt 4 lw 2 lc rgb '#1f4e9c' title 'model, 100 Gb/s InfiniBand', \
     dir.'/points.tsv' skip 1 using 1:2 with points pt 7 ps 1.6 lc rgb '#000000' title 'measured here'
