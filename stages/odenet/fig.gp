# ODE-Net against ResNet: test accuracy and NFE per training step, after each
# epoch, against the training iteration (log column 2).
if (fmt eq 'pdf') {
    set terminal pdfcairo size 8in,3.2in font 'Helvetica,10'
} else {
    set terminal pngcairo size 1200,480 font 'Helvetica,11'
}
set output out
set datafile separator '\t'
set multiplot layout 1,2
set xlabel 'training iteration (batches of 128)'
set key bottom right
set ylabel 'test accuracy (%)'
plot dir.'/odenet/log.tsv' skip 1 using 2:(100 * $6) with linespoints pt 7 lw 2 title 'ODE-Net', \
     dir.'/resnet/log.tsv' skip 1 using 2:(100 * $6) with linespoints pt 5 lw 2 title 'ResNet'
set ylabel 'evaluations of f per training step'
set key top left
plot dir.'/odenet/log.tsv' skip 1 using 2:7 with linespoints pt 7 lw 2 title 'ODE-Net, forward', \
     dir.'/odenet/log.tsv' skip 1 using 2:8 with linespoints pt 6 lw 2 title 'ODE-Net, backward'
unset multiplot
