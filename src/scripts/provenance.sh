#!/bin/sh
# Prints LaTeX macros naming what the report's numbers were made with: the
# versions of SUNDIALS, OpenBLAS, oneDNN, gnuplot and the compiler, and the MNIST
# contents (the sha256 of the stamp listing the four idx files' sha256).
#
#   CC=cc provenance.sh MNIST_STAMP > provenance.tex
set -eu
[ $# -eq 1 ] || { echo "usage: provenance.sh MNIST_STAMP" >&2; exit 2; }
[ -f "$1" ] || { echo "provenance: $1: no such file" >&2; exit 1; }
tex() { printf '\\newcommand{\\%s}{%s}\n' "$1" "$(printf '%s' "$2" | sed 's/[_&%#$]/\\&/g')"; }
sundials=$(sed -n 's/^#define SUNDIALS_VERSION "\(.*\)"$/\1/p' /usr/include/sundials/sundials_config.h 2>/dev/null)
openblas=$(pkg-config --modversion openblas 2>/dev/null || true)
gnuplot=$(gnuplot --version 2>/dev/null | sed 's/^gnuplot //')
onednn=$(awk '/^#define DNNL_VERSION_(MAJOR|MINOR|PATCH) / { v = v (v == "" ? "" : ".") $3 } END { print v }' \
    /usr/include/oneapi/dnnl/dnnl_version.h 2>/dev/null)
compiler=$(${CC:-cc} --version 2>/dev/null | head -n 1)
mnist=$(sha256sum < "$1" | cut -c 1-16)
tex provSundials "${sundials:-unknown}"
tex provOpenblas "${openblas:-unknown}"
tex provGnuplot "${gnuplot:-unknown}"
tex provOnednn "${onednn:-unknown}"
tex provCompiler "${compiler:-unknown}"
tex provMnist "$mnist"
