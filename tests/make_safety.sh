#!/bin/sh
# Hostile values at the Make level: every variable naming a path or going
# into a command line is refused, with a message naming it, before anything
# is written; a dry run (make -n, make -q) writes nothing while Make reads
# the Makefile; MNIST is verified against its checksums every time, not
# trusted because its files exist.  Needs no build: every make call here is
# a dry run or is refused (the MNIST checks run a shell script only).
#
#   tests/make_safety.sh MNIST_DIR     (from the top directory)
set -u
who=make_safety
. tests/lib.sh
mnist=${1:-data/mnist}
# A make called from `make test` must not inherit its flags (-n, -j, ...).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
tree=$(pwd -P)

# What exists outside the tree that a root study would write: recorded before
# and compared after every refusal.
outside() { for p in /data /figures /paper /build /settings /tmp/data /tmp/build; do
    [ -e "$p" ] && echo "$p"; done; }
outside > "$tmp/outside.before"
marker=$tmp/marker
touch "$marker"
sleep 1
# written_since: files in the tree newer than the marker, but for build/
# (objects and code stamps, a function of the compiled code alone) and .git.
written_since() { find . -newer "$marker" -not -path './.git/*' -not -path './build' \
    -not -path './build/*' 2>/dev/null | grep -v '^\.$'; }
no_writes() {
    w=$(written_since)
    if [ -z "$w" ]; then ok; else bad "$1 wrote in the tree: $w"; fi
    outside > "$tmp/outside.after"
    if cmp -s "$tmp/outside.before" "$tmp/outside.after"; then ok
    else bad "$1 created outside the tree: $(comm -13 "$tmp/outside.before" "$tmp/outside.after")"; fi
}

# refuse 'MESSAGE' ARGS...: make -n ARGS paper fails naming MESSAGE, and
# writes nothing (so nor would make, or make clean).
refuse() {
    msg=$1; shift
    expect 2 make -n "$@" paper
    has "$msg"
    expect 2 make -n "$@" clean
    has "$msg"
    no_writes "make $*"
}
refuse "STUDY is set but empty" PROFILE=quick STUDY=
refuse "PROFILE must be quick, paper or full, not 'quick '" "PROFILE=quick "
refuse "PROFILE must be quick, paper or full, not 'quick paper'" "PROFILE=quick paper"
refuse "PROFILE must be" PROFILE=
refuse "STUDY must be one non-empty path" PROFILE=quick "STUDY=$tmp/with space"
refuse "STUDY must be one non-empty path" PROFILE=quick "STUDY=$tmp/a'b"
rm -f /tmp/make-safety-pwned
refuse "STUDY must be one non-empty path" PROFILE=quick 'STUDY=$$(touch /tmp/make-safety-pwned)'
refuse "the filesystem's root" PROFILE=quick STUDY=/
refuse "the filesystem's root or a directory holding this tree" PROFILE=quick STUDY=..
refuse "is this tree itself" PROFILE=quick "STUDY=../$(basename "$tree")"
refuse "is this tree itself" PROFILE=quick "STUDY=$tree"
refuse "is this tree itself" PROFILE=quick "STUDY=$tree/src/.."
for d in src stages tests paper src/lib; do
    refuse "inside the tree's sources" PROFILE=quick "STUDY=$d"
done
refuse "MNIST_DIR must be one non-empty path" PROFILE=quick MNIST_DIR=
refuse "MNIST_DIR must be one non-empty path" PROFILE=quick "MNIST_DIR=a b"
refuse "MNIST_SUMS must be one non-empty path" PROFILE=quick "MNIST_SUMS=a;b"
refuse "RUN_SET must be --set section.key=value pairs" PROFILE=quick "RUN_SET=--set train.seed=2 x"
refuse "RUN_SET must be --set section.key=value pairs" PROFILE=quick "RUN_SET=--set"
refuse "RUN_SET must be --set section.key=value pairs" PROFILE=quick "RUN_SET=--set seed=2"
refuse "RUN_SET may hold only" PROFILE=quick "RUN_SET=--set train.seed=\`id\`"
refuse "MPIRUN may hold only" PROFILE=quick "MPIRUN=mpirun;touch x"
refuse "launcher 'no-such-launcher' not found" PROFILE=quick MPIRUN=no-such-launcher
refuse "SEED_BASE must be" PROFILE=quick "SEED_BASE='1'"
refuse "SEED_BASE must be" PROFILE=quick "SEED_BASE=1 2"
refuse "SEEDS must be" PROFILE=quick "SEEDS=\`id\`"
refuse "BASE must be one non-empty path" PROFILE=quick "BASE=a b"
refuse "JUDGE_STAGES: no stage named 'nosuch'" PROFILE=quick JUDGE_STAGES=nosuch
[ -e /tmp/make-safety-pwned ] && bad "a STUDY value ran a command" || ok

# Valid values still pass (so the refusals above are about the values).
expect 0 make -n PROFILE=quick "STUDY=$tmp/study" "RUN_SET=--set train.seed=2 --set train.lr=0.01" \
  SEED_BASE=7 SEEDS=2 paper
expect 0 make -n PROFILE=quick STUDY=data/quick/replica-2 SEEDS=1 paper
expect 0 make -n PROFILE=paper help

# A dry run writes nothing: not a study's root, not a settings file, not the
# MNIST stamp, whatever the changed settings (it says what would change).
for flag in -n -q; do
    make $flag PROFILE=quick "STUDY=$tmp/dry" paper > "$tmp/out" 2>&1
    [ -e "$tmp/dry" ] && bad "make $flag created the study $tmp/dry" || ok
    make $flag PROFILE=quick "RUN_SET=--set train.seed=9" MNIST_DIR=$tmp/other-mnist \
      CIRCLES_SET_quick='--set train.iterations=5' SEED_BASE=3 paper > "$tmp/out" 2>&1
    no_writes "make $flag with changed settings"
done
make -n PROFILE=quick "RUN_SET=--set train.seed=9" paper > "$tmp/out" 2>&1
has "dry run: setting"

# Nor code stamps in a fresh build (no objects yet): a stamp written then is
# newer than the sources, so the real build skipped the objects it names
# (intermediate files) and the command itself, and ran gen-data before it
# existed.  `make` itself dry-runs first (its plan, stages/timings.mk).
for flag in -n -q; do
    rm -rf "$tmp/fresh-build"
    make $flag BUILD="$tmp/fresh-build" PROFILE=quick "STUDY=$tmp/fresh" paper > "$tmp/out" 2>&1
    n=$(find "$tmp/fresh-build" -name '*.sha256' 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] && ok || bad "make $flag in a fresh build wrote $n code stamps"
done

# MNIST is verified every time: a copy of the set with its own checksum
# file passes; a truncated file, a missing checksum file or a short labels
# file is refused, with the file named, even though every file exists.
m=$tmp/mnist
mkdir -p "$m"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    cp "$mnist/$f" "$m/$f"
done
expect 2 make MNIST_DIR="$m" mnist
has "checksum file not found"
(cd "$m" && sha256sum train-images-idx3-ubyte train-labels-idx1-ubyte \
   t10k-images-idx3-ubyte t10k-labels-idx1-ubyte) > "$m/mnist.sha256"
expect 0 make MNIST_DIR="$m" mnist
has "4 idx files verified"
expect 0 make MNIST_DIR="$m" MNIST_SUMS=data/mnist.sha256 mnist
head -c 1000 "$mnist/t10k-images-idx3-ubyte" > "$m/t10k-images-idx3-ubyte"
expect 2 make MNIST_DIR="$m" mnist
has "$m/t10k-images-idx3-ubyte: sha256"
cp "$mnist/t10k-images-idx3-ubyte" "$m/t10k-images-idx3-ubyte"
head -c 100 "$mnist/t10k-labels-idx1-ubyte" > "$m/t10k-labels-idx1-ubyte"
expect 2 make MNIST_DIR="$m" MNIST_SUMS=data/mnist.sha256 mnist
has "$m/t10k-labels-idx1-ubyte: sha256"
# ... and so is every MNIST stage's first step, the content stamp: in a
# study of its own, nothing is recorded for the bad set.
expect 2 make PROFILE=quick STUDY="$tmp/mstudy" MNIST_DIR="$m" MNIST_SUMS=data/mnist.sha256 \
  "$tmp/mstudy/data/quick/mnist/idx.sha256"
has "$m/t10k-labels-idx1-ubyte: sha256"
[ -e "$tmp/mstudy/data/quick/mnist/idx.sha256" ] && bad "a stamp was written for a bad MNIST set" || ok

finish "make_safety"
