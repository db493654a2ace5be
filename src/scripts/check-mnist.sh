#!/bin/sh
# Verifies the four MNIST idx files in DIR against the checksum file SUMS
# (sha256sum's format: "HEX  NAME" lines) and, when every one matches,
# prints their "HEX  NAME" lines in a fixed order (the content stamp every
# MNIST run depends on).  A missing, non-regular or changed file, or a name
# the checksum file lacks, is refused with the file named.
#
#   check-mnist.sh DIR SUMS
set -eu
[ $# -eq 2 ] || { echo "usage: check-mnist.sh DIR SUMS" >&2; exit 2; }
dir=$1
sums=$2
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
if [ ! -f "$sums" ]; then
    echo "check-mnist: $sums: checksum file not found; for a dataset of your own, write it with" >&2
    echo "check-mnist:   (cd $dir && sha256sum $FILES) > $sums" >&2
    exit 1
fi
status=0
for f in $FILES; do
    want=$(awk -v f="$f" '$2 == f || $2 == "*" f { print $1; n++ } END { if (n != 1) print "" }' "$sums" | tail -n 1)
    if [ -z "$want" ]; then
        echo "check-mnist: $sums: no single sha256 line for $f" >&2; status=1; continue
    fi
    if [ ! -f "$dir/$f" ]; then
        echo "check-mnist: $dir/$f: not a regular file (missing?)" >&2; status=1; continue
    fi
    got=$(sha256sum < "$dir/$f" | cut -d' ' -f1)
    if [ "$got" != "$want" ]; then
        echo "check-mnist: $dir/$f: sha256 $got does not match $sums ($want): truncated, changed or another file; restore it (for data/mnist: delete it and run make mnist)" >&2
        status=1; continue
    fi
    printf '%s  %s\n' "$got" "$f"
done
exit $status
