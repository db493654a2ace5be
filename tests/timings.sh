#!/bin/sh
# The timing table and the plan (stages/timings.mk, src/scripts/timings.sh):
# `make timings`' script turns records into the README's table (the rest of
# the README kept byte for byte) and stages/timings.tsv; a real run records
# its recipes under their stage, and a dry run nothing; the plan that `make`
# prints first names a stage that is out of date and not one that is up to
# date, builds nothing, and is not printed for a dry run or a goal that is
# no build.  Builds only the MNIST stage's summary (a few seconds), in a
# study of its own under $tmp.
#
#   tests/timings.sh MNIST_DIR     (from the top directory, after make bin)
set -u
who=timings
. tests/lib.sh
mnist=${1:-data/mnist}
# A make called from `make test` must not inherit its flags (-n, -j, ...).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES TIMING_DATA TIMING_SESSION
tab=$(printf '\t')

# ---------------------------------------------------------------- the table
# Fake records of the quick profile: sines' target a ran in an old session
# (10 s) and again in a newer one (1 s + 3 s, two recipe lines), target b
# once (50 s): sines is 54 s.  circles 30 s.  Three whole makes: an old one
# from scratch (100 s), the latest from scratch (70 s, -j2), and a newer
# partial one (5 s), which is no total.
rec=$tmp/quick.tsv
{
    printf '100\tsines\tdata/quick/sines/a\t100\t110\n'
    printf '200\tsines\tdata/quick/sines/b\t200\t250\n'
    printf '300\tsines\tdata/quick/sines/a\t300\t301\n'
    printf '300\tsines\tdata/quick/sines/a\t301\t304\n'
    printf '300\tcircles\tdata/quick/circles/p0/model.ckpt\t304\t334\n'
    printf '100\tmake\tall/scratch/j1/2\t100\t200\n'
    printf '300\tmake\tall/scratch/j2/2\t300\t370\n'
    printf '400\tmake\tall/partial/j2/2\t400\t405\n'
} > "$rec"
cp README.md "$tmp/README.md"
stages='build mnist sines circles figures'
expect 0 src/scripts/timings.sh table "$tmp/README.md" "$tmp/timings.tsv" "$stages" \
    quick="$rec" paper="$tmp/no-such-file.tsv"
tbl() { if grep -q -x -F -- "$1" "$tmp/README.md"; then ok; else bad "README lacks the row '$1'"
    sed -n '/^<!-- timings:begin -->$/,/^<!-- timings:end -->$/p' "$tmp/README.md"; fi; }
tbl '| stage | quick | paper |'
tbl '| sines | 54 s | not measured |'
tbl '| circles | 30 s | not measured |'
tbl '| mnist | – | not measured |'
tbl "| the stages' work, summed | 84 s | not measured |"
tbl '| whole `make`, wall clock | 70 s (all -j2, 2 cores, 1970-01-01) | not measured |'
# Everything outside the markers is the README's own, byte for byte.
head_of() { sed -n '1,/^<!-- timings:begin -->$/p' "$1"; }
tail_of() { sed -n '/^<!-- timings:end -->$/,$p' "$1"; }
head_of README.md > "$tmp/head"
tail_of README.md > "$tmp/tail"
if head_of "$tmp/README.md" | cmp -s - "$tmp/head"; then ok; else bad "README changed before the table"; fi
if tail_of "$tmp/README.md" | cmp -s - "$tmp/tail"; then ok; else bad "README changed after the table"; fi
if [ "$(wc -l < "$tmp/README.md")" -eq $(($(head_of README.md | wc -l) + $(tail_of README.md | wc -l) + 9)) ]
then ok; else bad "the table is not the only thing between the markers"; fi
# The machine-readable copy.
cp "$tmp/timings.tsv" "$tmp/out"
has "^quick${tab}sines${tab}54.000${tab}2$"
has "^quick${tab}make${tab}70.000${tab}all -j2, 2 cores, 1970-01-01$"
# A profile without records keeps its rows of the old table (quick's
# too, now that it has some).
printf 'paper\tcnf\t600\t3\n' >> "$tmp/timings.tsv"
expect 0 src/scripts/timings.sh table "$tmp/README.md" "$tmp/timings.tsv" "build cnf" \
    quick="$tmp/no-such-file.tsv" paper="$tmp/no-such-file.tsv"
tbl '| cnf | – | 10 min |'
# No markers: refused, the file untouched.
printf 'no table here\n' > "$tmp/plain.md"
expect 1 src/scripts/timings.sh table "$tmp/plain.md" "$tmp/timings.tsv" "$stages" quick="$rec"
has "no <!-- timings:begin -->"
if [ "$(cat "$tmp/plain.md")" = 'no table here' ]; then ok; else bad "a README without markers was changed"; fi
printf '<!-- timings:end -->\n<!-- timings:begin -->\n' > "$tmp/swapped.md"
expect 1 src/scripts/timings.sh table "$tmp/swapped.md" "$tmp/timings.tsv" "$stages" quick="$rec"

# ---------------------------------------------------------------- records and the plan
study=$tmp/study
d=$study/data/quick
# (MNIST_SUMS as the Makefile's default, or the tracked sums for a copy of
# the same files.)
sums=$mnist/mnist.sha256
[ -f "$sums" ] || sums=data/mnist.sha256
m() { make --no-print-directory PROFILE=quick STUDY="$study" MNIST_DIR="$mnist" MNIST_SUMS="$sums" "$@"; }
# A real run records each recipe under its stage; the goal is a file, so
# no plan is printed.
expect 0 m "$d/mnist/summary.tsv"
if grep -q -E '^make: (will run|every stage)' "$tmp/out"; then bad "a file goal printed a plan"; cat "$tmp/out"; else ok; fi
if grep -q "^[0-9.]*${tab}mnist${tab}$d/mnist/summary.tsv${tab}[0-9.]*${tab}[0-9.]*$" "$d/timings.tsv" 2>/dev/null
then ok; else bad "no record of $d/mnist/summary.tsv under the stage mnist"; cat "$d/timings.tsv"; fi
if awk -F '\t' '$2 != "mnist" && $2 != "build"' "$d/timings.tsv" | grep -q .; then
    bad "records under another stage than mnist or build"; cat "$d/timings.tsv"; else ok; fi
# A dry run records nothing.
cp "$d/timings.tsv" "$tmp/records.before"
expect 0 m -n -B "$d/mnist/summary.tsv"
if cmp -s "$tmp/records.before" "$d/timings.tsv"; then ok; else bad "make -n wrote records"; fi

# The plan, from a table of this test's own: sines is out of date (never
# built), mnist up to date.
printf 'profile\tstage\tseconds\tnote\nquick\tsines\t120\t10\nquick\tmnist\t5\t2\n' > "$tmp/plan.tsv"
expect 0 m TIMINGS_TSV="$tmp/plan.tsv" plan
has '^make: will run .*sines (~2.0 min)'
if grep 'make: will run' "$tmp/out" | grep -q -E '(run |, )mnist([ ,;]|$)'; then bad "the plan names mnist, which is up to date"
else ok; fi
if [ -e "$d/sines" ]; then bad "make plan built sines"; else ok; fi
# A figure's goal: only what it needs is planned (the figure, not the
# MNIST summary it draws), and the figure is recorded under figures.
expect 0 m TIMINGS_TSV="$tmp/plan.tsv" mnist-classes
has '^make: will run figures; about'
if grep -q "${tab}figures${tab}$study/figures/quick/mnist-classes.pdf${tab}" "$d/timings.tsv"; then ok
else bad "no record of the figure under figures"; fi
# No plan for a dry run, nor for a goal that builds no result.
noplan() { if grep -q -E '^make: (will run|every stage)' "$tmp/out"; then bad "$1 printed a plan"; else ok; fi; }
expect 0 m -n TIMINGS_TSV="$tmp/plan.tsv" all
noplan "make -n all"
expect 0 m TIMINGS_TSV="$tmp/plan.tsv" help
noplan "make help"

# `make paper` records its own wall clock last, with its job count (here
# with everything it needs taken as up to date: -o).
expect 0 m -j2 TIMINGS_TSV="$tmp/plan.tsv" -o "$study/paper/paper-quick.pdf" -o "$d/numbers.tsv" paper
if tail -n 1 "$d/timings.tsv" | grep -q "^[0-9.]*${tab}make${tab}paper/partial/j2/[0-9]*${tab}[0-9.]*${tab}[0-9.]*$"
then ok; else bad "make paper recorded no wall clock last"; tail -n 2 "$d/timings.tsv"; fi

finish "timings"
