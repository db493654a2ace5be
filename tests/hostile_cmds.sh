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
for kv in train.lr=inf train.lr=nan ode.rtol=nan model.obs_noise=inf; do
    expect 1 train --set "$kv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
    has "is not a finite number"
done
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

finish "hostile tests"
