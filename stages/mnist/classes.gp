# Share of each digit in the MNIST training and test sets.
# Called with: infile (digit train test TSV), out, fmt (pdf or png).
if (fmt eq 'pdf') { set terminal pdfcairo size 5in,2.6in font 'Helvetica,10' } \
else { set terminal pngcairo size 900,460 font 'Helvetica,12' }
set datafile separator '\t'
stats infile using 2 skip 1 nooutput
ntrain = STATS_sum
stats infile using 3 skip 1 nooutput
ntest = STATS_sum
set output out
set key top right
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xlabel 'digit'
set ylabel 'share of the set (%)'
set yrange [0:14]
plot infile using (100*$2/ntrain):xtic(1) skip 1 title sprintf('train (%d images)', ntrain) lc rgb '#3465a4', \
     '' using (100*$3/ntest) skip 1 title sprintf('test (%d images)', ntest) lc rgb '#cc0000'
