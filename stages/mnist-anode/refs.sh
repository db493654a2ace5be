#!/bin/sh
# The reference accuracies of report-values.tsv as a summary (key, value)
# for the paper's macros: mnist_ref_RUN_test and mnist_ref_RUN_train (RUN
# with '-' as '_'), only where a value exists.  The file's source columns
# say whether a value is the report's text or the authors' notebook; the
# paper's MNIST section says which it prints.
#
#   refs.sh REPORT-VALUES.tsv OUT.tsv
set -eu
awk -F '\t' '!/^#/ && NF >= 5 {
    run = $1; gsub("-", "_", run)
    if ($2 != "-") printf "mnist_ref_%s_test\t%s\n", run, $2
    if ($4 != "-") printf "mnist_ref_%s_train\t%s\n", run, $4
    n++ }
    END { if (!n) { print "refs: no rows in " FILENAME > "/dev/stderr"; exit 1 } }' "$1" > "$2.tmp"
mv "$2.tmp" "$2"
