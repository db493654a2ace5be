#!/bin/sh
# Command-line tests of hostile arguments: wrapped integer and non-finite
# settings, empty or ambiguous checker and macro inputs, and outputs that
# would overwrite each other or an input.  Each refusal must name the
# problem, exit 1 and leave every file as it was.  Helpers in tests/lib.sh.
#
#   tests/hostile_cmds.sh BINDIR
set -u
bin=$1
who=hostile
. "$(dirname "$0")/lib.sh"
absent() { for f in "$@"; do if [ -e "$f" ]; then bad "$f was written"; else ok; fi; done; }
same() { if cmp -s "$1" "$2"; then ok; else bad "$2 was changed"; fi; }

# A tiny regression run, trained once.
awk 'BEGIN { print "x1\tx2\ty1"; for (i = 0; i < 16; i++) { a = (i % 4) / 2 - 1; b = int(i / 4) / 2 - 1; print a "\t" b "\t" a * b } }' > "$tmp/reg.tsv"
cat > "$tmp/reg.ini" <<'T'
[model]
augment = 1
hidden = 4
loss = mse
readout = 3
output_dim = 1
[train]
seed = 3
batch_size = 8
iterations = 2
lr = 0.02
T
train() { "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" "$@"; }
expect 0 train --log "$tmp/reg.log" --model "$tmp/reg.ckpt"
cp "$tmp/reg.ckpt" "$tmp/reg.ckpt.orig"

# --- integer settings must not wrap; real ones must be finite and in range
for kv in data.test_count=4294967297 model.augment=4294967297 train.batch_size=4294967312 \
          train.iterations=-4294967295 ode.max_steps=4294967297 train.threads=4294967297; do
    expect 1 train --set "$kv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
    sec=${kv%%.*}; key=${kv#*.}; key=${key%%=*}
    has "\[$sec\] $key = ${kv#*=} is out of range"
done
expect 1 train --set model.hidden=4294967304 --log "$tmp/no.log" --model "$tmp/no.ckpt"
has 'hidden: width 4294967304 is out of range 1..4096'
for kv in train.lr=inf train.lr=nan ode.rtol=nan model.t1=inf; do
    expect 1 train --set "$kv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
    has "is not a finite number"
done
# Another kind's key is unknown to this one (an mlp run), whatever its value.
expect 1 train --set model.obs_noise=inf --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "unknown key 'obs_noise' in section .model. (kind mlp's own keys: .model. input_layer"
expect 1 train --set ode.adjoint_rtol=-1e-3 --log "$tmp/no.log" --model "$tmp/no.ckpt"
has 'adjoint_rtol and adjoint_atol must be >= 0'
expect 1 train --set ode.adjoint_atol=-1 --log "$tmp/no.log" --model "$tmp/no.ckpt"
has 'adjoint_rtol and adjoint_atol must be >= 0'
absent "$tmp/no.log" "$tmp/no.ckpt"
expect 1 "$bin/gen-data" sines --function sin --points 10 --noise nan --seed 1 --out "$tmp/s.tsv"
has "sines: --noise: 'nan' is not a finite number"
expect 1 "$bin/gen-data" circles --points 10 --seed 1 --out "$tmp/s.tsv" --noise inf
absent "$tmp/s.tsv"

# --- check-numbers: nothing checked, a key expected twice
printf 'a\t1\nb\t2\n' > "$tmp/sum.tsv"
printf '# only a comment\n' > "$tmp/empty.tsv"
expect 1 "$bin/check-numbers" "$tmp/empty.tsv" "$tmp/sum.tsv"
has 'empty.tsv: no expected rows'
: > "$tmp/empty.tsv"
expect 1 "$bin/check-numbers" "$tmp/empty.tsv" "$tmp/sum.tsv"
has 'no expected rows'
printf 'a 1 0.1\nb 2 0.1\na 1 0.1\n' > "$tmp/twice.tsv"
expect 1 "$bin/check-numbers" "$tmp/twice.tsv" "$tmp/sum.tsv"
has "twice.tsv:3: key 'a' already expected at line 1"
printf 'b\t2\n' > "$tmp/sum2.tsv"
expect 1 "$bin/check-numbers" "$tmp/twice.tsv" "$tmp/sum.tsv" "$tmp/sum2.tsv"

# --- check-numbers passes nothing by accident: a NUL byte in any file, an
# expected value or tolerance that is not finite (or a negative tolerance) is
# an error naming the file and line; a measured inf or nan fails every row.
printf 'a\t1\nb\t2\nc\t3\n' > "$tmp/sum.tsv"
printf 'a 1 0.1\n\000b 9 0.1\n' > "$tmp/exp.tsv"
expect 1 "$bin/check-numbers" "$tmp/exp.tsv" "$tmp/sum.tsv"
has 'exp.tsv:2: NUL byte'
printf 'a 1 0.1\nb 9 0.1\n' > "$tmp/exp.tsv"
printf 'a\t1\n\000b\t9\n' > "$tmp/nulsum.tsv"
expect 1 "$bin/check-numbers" "$tmp/exp.tsv" "$tmp/nulsum.tsv"
has 'nulsum.tsv:2: NUL byte'
for tol in inf inf% nan nan% -1 -5% 1e999 -inf; do
    printf 'a 1 0.1\nb 2 %s\n' "$tol" > "$tmp/exp.tsv"
    expect 1 "$bin/check-numbers" "$tmp/exp.tsv" "$tmp/sum.tsv"
    has "exp.tsv:2: tolerance '$tol' is not a finite non-negative number"
done
for ev in inf nan '>=-inf' '<=inf' '>=nan'; do
    printf 'a %s -\n' "$ev" > "$tmp/exp.tsv"
    [ "${ev#[<>]}" = "$ev" ] && printf 'a %s 0.1\n' "$ev" > "$tmp/exp.tsv"
    expect 1 "$bin/check-numbers" "$tmp/exp.tsv" "$tmp/sum.tsv"
    has "exp.tsv:1: expected value '$ev' is not a finite number"
done
printf 'a 1e308 1e308%%\n' > "$tmp/exp.tsv"
expect 1 "$bin/check-numbers" "$tmp/exp.tsv" "$tmp/sum.tsv"
has "exp.tsv:1: tolerance '1e308%' is not a finite"
for v in inf -inf nan; do
    printf 'x\t1\nk\t%s\n' "$v" > "$tmp/inf.tsv"
    for row in 'k >=0 -' 'k <=0 -' 'k >=-1e308 -' 'k <=1e308 -' 'k 1 1e308' 'k 1 100000%'; do
        echo "$row" > "$tmp/exp.tsv"
        expect 1 "$bin/check-numbers" "$tmp/exp.tsv" "$tmp/inf.tsv"
        has "FAIL (not finite, .*inf.tsv:2)"
        has '0 passed, 1 failed'
    done
done

# --- tex-macros: only finite numbers and plain text become macros; nothing a
# summary holds can become LaTeX code.
for v in '}\input{secret.tex}{' '\input{x}' nan -inf inf 1e999 0x10 '1^2' 'a~b' 'a{b' '<x>'; do
    printf 'ok\t1\nk\t%s\n' "$v" > "$tmp/v.tsv"
    expect 1 "$bin/tex-macros" "$tmp/v.tex" "$tmp/v.tsv"
    has "v.tsv:2: key 'k': value"
done
printf 'ok\t1\nk\ta\001b\n' > "$tmp/v.tsv"
expect 1 "$bin/tex-macros" "$tmp/v.tex" "$tmp/v.tsv"
has "v.tsv:2: key 'k': value holds the byte 0x01"
printf 'a\t1\n\000b\t2\n' > "$tmp/v.tsv"
expect 1 "$bin/tex-macros" "$tmp/v.tex" "$tmp/v.tsv"
has "v.tsv:2: NUL byte"
absent "$tmp/v.tex"
printf 'a\t0.4072671272\nb\tdopri5\nc\tx_y%%\nd\t-3\n' > "$tmp/v.tsv"
expect 0 "$bin/tex-macros" "$tmp/v.tex" "$tmp/v.tsv"
if grep -q '^\\newcommand{\\a}{0.4073}$' "$tmp/v.tex" && grep -q '^\\newcommand{\\b}{dopri5}$' "$tmp/v.tex" &&
   grep -q '^\\newcommand{\\c}{x\\_y\\%}$' "$tmp/v.tex" && grep -q '^\\newcommand{\\d}{-3}$' "$tmp/v.tex"; then
    ok
else
    bad "tex-macros: plain values not written as expected"; cat "$tmp/v.tex"
fi

# --- tex-macros: two keys, one macro name
for pair in 'k9 k_9' 'a_b aB' 'x_1 x_1'; do
    set -- $pair
    printf '%s\t1\n' "$1" > "$tmp/m1.tsv"
    printf '%s\t2\n' "$2" > "$tmp/m2.tsv"
    expect 1 "$bin/tex-macros" "$tmp/m.tex" "$tmp/m1.tsv" "$tmp/m2.tsv"
    has "m2.tsv:1: key '$2' gives the macro .* as does key '$1' at .*m1.tsv:1"
    printf '%s\t1\n%s\t2\n' "$1" "$2" > "$tmp/m1.tsv"
    expect 1 "$bin/tex-macros" "$tmp/m.tex" "$tmp/m1.tsv"
    has "m1.tsv:2: key '$2' gives the macro"
done
absent "$tmp/m.tex"
expect 1 "$bin/tex-macros" "$tmp/m1.tsv" "$tmp/m1.tsv"
has 'is the input'

# --- two outputs on one file, or an output on an input
expect 1 train --log "$tmp/x" --model "$tmp/x"
has "are the same file"
absent "$tmp/x"
ln -s reg.log "$tmp/link.log"
expect 1 train --log "$tmp/link.log" --model "$tmp/./reg.log"
has "are the same file"
expect 1 train --log "$tmp/l.log" --model "$tmp/reg.ini"
has "--model '.*reg.ini' is the input --config"
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/reg.ckpt"
has "--summary '.*reg.ckpt' is the input --model"
same "$tmp/reg.ckpt.orig" "$tmp/reg.ckpt"
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/e.tsv" --predictions "$tmp/e.tsv"
has "are the same file"
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/e.tsv" \
    --grid "$tmp/../$(basename "$tmp")/e.tsv" --grid-range -1,1 --grid-n 3
has "are the same file"
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/e.tsv" --predictions "$tmp/reg.tsv"
has "is the input --data"
absent "$tmp/e.tsv"
expect 1 "$bin/features" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --out "$tmp/reg.ckpt"
has "--out '.*reg.ckpt' is the input --model"
same "$tmp/reg.ckpt.orig" "$tmp/reg.ckpt"
expect 1 "$bin/gen-data" moons --points 10 --seed 1 --out "$tmp/mo.tsv" --summary "$tmp/mo.tsv" --prefix m
has "moons: --out '.*mo.tsv' and --summary '.*mo.tsv' are the same file"
absent "$tmp/mo.tsv"
expect 1 "$bin/gen-data" mnist-summary --mnist-dir "$tmp" --summary "$tmp/c.tsv" --counts "$tmp/c.tsv"
has "mnist-summary: --summary '.*c.tsv' and --counts '.*c.tsv' are the same file"
expect 1 "$bin/bench" --mnist-dir "$tmp" --out "$tmp/reg.ckpt" --cnf-model "$tmp/reg.ckpt"
has "--out '.*reg.ckpt' is the input --cnf-model"
same "$tmp/reg.ckpt.orig" "$tmp/reg.ckpt"

# --- several outputs: all committed or none.  kept NAME: the target $tmp/NAME
# is byte-for-byte its copy NAME.orig, and no temporary file is left.
no_tmp() {
    left=$(find "$tmp" -name '*.tmp.??????')
    if [ -n "$left" ]; then bad "temporary files left: $left"; rm -f $left; else ok; fi
}
kept() { for f in "$@"; do same "$tmp/$f.orig" "$tmp/$f"; done; no_tmp; }
printf 'an earlier output\n' > "$tmp/go.tsv"
printf 'k_points\t1\n' > "$tmp/gs.tsv"
cp "$tmp/go.tsv" "$tmp/go.tsv.orig"
cp "$tmp/gs.tsv" "$tmp/gs.tsv.orig"
mkdir "$tmp/adir"
moons() { "$bin/gen-data" moons --points 10 --seed 1 --prefix k "$@"; }
expect 1 moons --out "$tmp/go.tsv" --summary "$tmp/nodir/x.tsv"
has "nodir/x.tsv: cannot create temporary file"
kept go.tsv
expect 1 moons --out "$tmp/go.tsv" --summary "$tmp/adir"
has "adir: is a directory"
kept go.tsv
expect 1 moons --out "$tmp/nodir/x.tsv" --summary "$tmp/gs.tsv"
has "nodir/x.tsv: cannot create temporary file"
kept gs.tsv
expect 0 moons --out "$tmp/go.tsv" --summary "$tmp/gs.tsv"
if grep -q '^k_exact_nll' "$tmp/gs.tsv" && [ "$(wc -l < "$tmp/go.tsv")" -eq 11 ]; then ok; else bad "moons: both outputs written"; fi
cp "$tmp/go.tsv" "$tmp/go.tsv.orig"
cp "$tmp/gs.tsv" "$tmp/gs.tsv.orig"
# eval's summary, predictions and grid together.
printf 'r_loss\t1\n' > "$tmp/es.tsv"
cp "$tmp/es.tsv" "$tmp/es.tsv.orig"
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/es.tsv" --predictions "$tmp/nodir/p.tsv"
has "nodir/p.tsv: cannot create temporary file"
kept es.tsv
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/es.tsv" --grid "$tmp/adir" --grid-range -1,1 --grid-n 3
has "adir: is a directory"
kept es.tsv

# --- generators refuse what they cannot represent: each refusal names the
# option, exits 1 and leaves the earlier output as it was.
# refuse MESSAGE ARGS...: gen-data ARGS --out go.tsv is refused with MESSAGE
# (each case starts from the copies, so that one failure does not cascade).
refuse() {
    msg=$1; shift
    cp "$tmp/go.tsv.orig" "$tmp/go.tsv"
    cp "$tmp/gs.tsv.orig" "$tmp/gs.tsv"
    expect 1 "$bin/gen-data" "$@" --out "$tmp/go.tsv"
    has "$msg"
    kept go.tsv
}
refuse "spirals: --growth '1e308,1e308' makes the largest radius" spirals --count 2 --seed 1 --growth 1e308,1e308
refuse "spirals: --duration: '1e308' is too large" spirals --count 2 --seed 1 --duration 1e308
refuse "spirals: --phase: '-1e308,1e308' is too wide" spirals --count 2 --seed 1 --phase -1e308,1e308
refuse "spirals: --noise: '1e308' is too large" spirals --count 2 --seed 1 --noise 1e308
refuse "moons: --noise: '1e+308' is too large" moons --points 10 --seed 1 --noise 1e308
refuse "sines: --noise: '1e+308' is too large" sines --function sin --points 10 --seed 1 --noise 1e308
refuse "moons: --noise 1e-18 with --summary: below 1e-06" moons --points 10 --seed 1 --noise 1e-18 --summary "$tmp/gs.tsv" --prefix k
kept gs.tsv
refuse "moons-density: --noise: 1e-300 is below 1e-06" moons-density --noise 1e-300 --grid-range -2,3 --grid-n 5
refuse "moons-density: --grid-range '-1e300,1e300' with --noise 0.1 (the default): .*too small for the point" moons-density --grid-range -1e300,1e300 --grid-n 5
# A message blames the option given, and says when the other is a default.
refuse "spirals: --window: '50' is fewer grid points than the default --observations 100" spirals --count 2 --seed 1 --window 50
refuse "spirals: --observations: '60' exceeds the window's 50 grid points (--window)" spirals --count 2 --seed 1 --window 50 --observations 60
refuse "spirals: --grid-points: '100' makes the default window .* fewer than the default --observations 100" spirals --count 2 --seed 1 --grid-points 100
# --- checkpoints and resume files with a valid CRC but contents no run
# writes, and paths that are not regular files: refused, naming the file
# (and the value), never waited on.  A hostile path runs bounded: 20 s and
# 3 GB (a hang or an endless read fails the check instead of the machine).
# (Under AddressSanitizer, whose shadow memory needs terabytes of address
# space, the time bound alone: the unsanitized run has both.)
bounded() { ( [ -n "${ASAN_OPTIONS:-}" ] || ulimit -v 3000000; exec timeout -k 5 20 "$@" ); }
ev() { bounded "$bin/eval" --data "$tmp/reg.tsv" --prefix r --summary "$tmp/e.tsv" "$@"; }
np=$(nvalues "$tmp/reg.ckpt")
cp "$tmp/reg.ckpt" "$tmp/k.ckpt"
recrc "$tmp/k.ckpt"
same "$tmp/reg.ckpt" "$tmp/k.ckpt" # the surgery itself keeps a file as it was
for at in 1 "$np"; do # the first weight; the output bias
    cp "$tmp/reg.ckpt" "$tmp/k.ckpt"
    poke "$tmp/k.ckpt" "$at" "$NAN"
    expect 1 ev --model "$tmp/k.ckpt"
    has "k.ckpt: parameter $at of $np is nan (a checkpoint holds finite numbers only)"
    expect 1 bounded "$bin/features" --model "$tmp/k.ckpt" --data "$tmp/reg.tsv" --out "$tmp/e.tsv"
    has "k.ckpt: parameter $at of $np is nan"
done
cp "$tmp/reg.ckpt" "$tmp/k.ckpt"
poke "$tmp/k.ckpt" 2 "$INF"
expect 1 ev --model "$tmp/k.ckpt"
has "k.ckpt: parameter 2 of $np is inf"
mkfifo "$tmp/fifo.ckpt"
expect 1 ev --model "$tmp/fifo.ckpt"
has "fifo.ckpt: is a FIFO, not a regular file: refusing to read it"
ln -s /dev/zero "$tmp/zero.ckpt"
expect 1 ev --model "$tmp/zero.ckpt"
has "zero.ckpt: is a character device, not a regular file"
dd if=/dev/null of="$tmp/big.ckpt" bs=1048576 seek=1100 2>/dev/null # sparse, 1100 MiB
expect 1 ev --model "$tmp/big.ckpt"
has "big.ckpt: 1153433600 bytes, more than a checkpoint may hold (1024 MiB)"
absent "$tmp/e.tsv"

# The resume file of a run by iterations (reg: 2 iterations), stopped after
# the first: as written, it gives the uninterrupted run's checkpoint;
# doctored, it is refused and nothing is written.
expect 3 train --log "$tmp/r.log" --model "$tmp/r.ckpt" --stop-after-iteration 1
has "stopped after iteration 1; .*r.ckpt.resume holds the state"
cp "$tmp/r.ckpt.resume" "$tmp/good.resume"
expect 0 train --log "$tmp/r.log" --model "$tmp/r.ckpt"
has "resuming after iteration 1 from"
same "$tmp/reg.ckpt" "$tmp/r.ckpt"
rm -f "$tmp/r.ckpt" "$tmp/r.log"
resumed() { # SURGERY ARGS... on a copy of the good resume file, then train
    cp "$tmp/good.resume" "$tmp/r.ckpt.resume"
    "$@" "$tmp/r.ckpt.resume"
    cp "$tmp/r.ckpt.resume" "$tmp/r.before"
    expect 1 bounded "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" \
        --log "$tmp/r.log" --model "$tmp/r.ckpt"
    same "$tmp/r.before" "$tmp/r.ckpt.resume"
    absent "$tmp/r.log" "$tmp/r.ckpt"
}
# (the surgeries for it take the file last)
nan_at() { poke "$2" "$1" "$NAN"; }
neg_at() { poke "$2" "$1" "$NEG1"; }
zero_at() { poke "$2" "$1" '\000\000\000\000\000\000\000\000'; }
head_sed() { rehead "$2" "$1"; }
resumed nan_at 3
has "r.ckpt.resume: parameter 3 of $np is nan"
resumed nan_at $((np + 1))
has "r.ckpt.resume: optimiser first moment 1 of $np is nan"
resumed nan_at $((2 * np + np))
has "r.ckpt.resume: optimiser second moment $np of $np is nan"
resumed neg_at $((2 * np + 1))
has "r.ckpt.resume: optimiser second moment 1 of $np is negative"
resumed head_sed 's/^resume-iterations 1 /resume-iterations 99 /'
has "r.ckpt.resume: resumes after iteration 99, outside 0..2 (\[train\] iterations)"
resumed head_sed 's/^resume-iterations 1 /resume-iterations -2 /'
has "r.ckpt.resume: resumes after iteration -2, outside 0..2"
resumed head_sed 's/^resume-iterations 1 1 /resume-iterations 1 7 /'
has "r.ckpt.resume: holds optimiser step 7, but 1 iterations take 1"
# The batch order (the values after the moments) must be a permutation.
resumed zero_at $((3 * np + 2))
has "r.ckpt.resume: its batch order is not a permutation of the 16 training examples (entry 2 is 0)"
rm -f "$tmp/r.ckpt.resume"
mkfifo "$tmp/r.ckpt.resume"
expect 1 bounded "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" --log "$tmp/r.log" --model "$tmp/r.ckpt"
has "r.ckpt.resume: is a FIFO, not a regular file: refusing to read it"
rm -f "$tmp/r.ckpt.resume"
ln -s /dev/zero "$tmp/r.ckpt.resume"
expect 1 bounded "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" --log "$tmp/r.log" --model "$tmp/r.ckpt"
has "r.ckpt.resume: is a character device, not a regular file"
absent "$tmp/r.log" "$tmp/r.ckpt"
rm -f "$tmp/r.ckpt.resume"
expect 1 train --log "$tmp/r.log" --model "$tmp/r.ckpt" --stop-after-epoch 1
has "mlp is trained by iterations: it cannot stop after an epoch"
# --- train commits its outputs together or none: an unwritable --summary
# or --comm-stats (in a missing directory, or a directory) fails before any
# work and leaves the checkpoint, the log and the other outputs byte for
# byte as they were (the failing runs use another seed, so a replaced
# checkpoint would differ).
expect 0 train --log "$tmp/all.log" --model "$tmp/all.ckpt" --summary "$tmp/all-s.tsv" \
    --prefix k --comm-stats "$tmp/all-c.tsv"
for f in all.log all.ckpt all-s.tsv all-c.tsv; do cp "$tmp/$f" "$tmp/$f.orig"; done
mkdir "$tmp/adir"
for case in "--summary|$tmp/nodir/s.tsv|cannot create temporary file" \
            "--summary|$tmp/adir|is a directory" \
            "--comm-stats|$tmp/nodir/c.tsv|cannot create temporary file" \
            "--comm-stats|$tmp/adir|is a directory"; do
    opt=${case%%|*}; rest=${case#*|}; path=${rest%%|*}; why=${rest#*|}
    if [ "$opt" = --summary ]; then
        set -- --summary "$path" --prefix k --comm-stats "$tmp/all-c.tsv"
    else
        set -- --summary "$tmp/all-s.tsv" --prefix k --comm-stats "$path"
    fi
    expect 1 train --set train.seed=4 --log "$tmp/all.log" --model "$tmp/all.ckpt" "$@"
    has "$opt: $path: $why"
    for f in all.log all.ckpt all-s.tsv all-c.tsv; do same "$tmp/$f.orig" "$tmp/$f"; done
done
absent "$tmp/nodir"
if [ -z "$(ls -A "$tmp/adir")" ] && [ -z "$(ls "$tmp" | grep '\.tmp\.')" ]; then ok; else
    bad "temporary files left: $(ls "$tmp" "$tmp/adir")"; fi

finish "hostile tests"
