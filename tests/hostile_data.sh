#!/bin/sh
# Command-line tests on hostile data: data that does not suit the model
# (loss against the data's kind, labels beyond the outputs, images not 28 x
# 28), idx sets whose counts disagree, and TSV files with NUL bytes,
# non-finite values, out-of-range labels or misnumbered columns.  Each case
# asserts the exit status, the message and that nothing was written.
#
#   tests/hostile_data.sh BINDIR
set -u
bin=$1
who=hostile
. "$(dirname "$0")/lib.sh"
# nothing_left NAME: no file whose name starts with NAME (an output or its
# temporary file); removes any, so that later checks start clean.
nothing_left() {
    left=$(for f in "$tmp/$1"*; do [ -e "$f" ] && echo "${f##*/}"; done)
    if [ -n "$left" ]; then bad "output left behind: $left"; rm -f "$tmp/$1"*; else ok; fi
}

# --- tiny data and models: regression (y1), cross-entropy (two classes)
cat > "$tmp/reg.ini" <<'T'
[model]
augment = 1
hidden = 8
loss = mse
readout = 3
output_dim = 1
[ode]
rtol = 1e-4
atol = 1e-4
[train]
seed = 3
batch_size = 16
iterations = 3
lr = 0.02
T
sed 's/^loss = mse/loss = cross_entropy/; s/^output_dim = 1/output_dim = 2/; /^readout/d' \
    "$tmp/reg.ini" > "$tmp/ce.ini"
awk 'BEGIN { print "x1\tx2\ty1"; for (i = 0; i < 32; i++) print (i % 8) / 4 - 1 "\t" int(i / 8) / 4 - 1 "\t" (i % 3) / 2 }' > "$tmp/reg.tsv"
awk 'BEGIN { print "x1\tx2\tlabel"; for (i = 0; i < 32; i++) print (i % 8) / 4 - 1 "\t" int(i / 8) / 4 - 1 "\t" (i % 8 < 4) }' > "$tmp/cls.tsv"
labels() { awk -v l="$1" 'BEGIN { print "x1\tx2\tlabel"; for (i = 0; i < 8; i++) print i / 8 "\t0.5\t" l }'; }
labels 0 > "$tmp/lab0.tsv"
labels 7 > "$tmp/lab7.tsv"
labels 1000000 > "$tmp/lab1e6.tsv"
awk 'BEGIN { print "x1\tx2\ty1\ty2"; for (i = 0; i < 8; i++) print i / 8 "\t0.5\t0.3\t0.1" }' > "$tmp/reg2.tsv"
expect 0 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" --log "$tmp/reg.log" --model "$tmp/reg.ckpt"
expect 0 "$bin/train" --config "$tmp/ce.ini" --data "$tmp/cls.tsv" --log "$tmp/ce.log" --model "$tmp/ce.ckpt"

# --- the loss against the data's kind: eval and features refuse, write nothing
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/lab0.tsv" --summary "$tmp/no-s.tsv" --prefix k
has "reg.ckpt: the model's loss mse does not suit .*lab0.tsv (labelled data)"
expect 1 "$bin/eval" --model "$tmp/ce.ckpt" --data "$tmp/reg2.tsv" --summary "$tmp/no-s.tsv" --prefix k
has "ce.ckpt: the model's loss cross_entropy does not suit .*reg2.tsv (real-valued data)"
expect 1 "$bin/eval" --model "$tmp/ce.ckpt" --data "$tmp/lab7.tsv" --summary "$tmp/no-s.tsv" --prefix k
has "the model has 2 outputs but .*lab7.tsv has labels up to 7"
nothing_left no-s.tsv
expect 1 "$bin/features" --model "$tmp/ce.ckpt" --data "$tmp/reg2.tsv" --out "$tmp/no-f.tsv"
has "does not suit .*reg2.tsv"
expect 1 "$bin/features" --model "$tmp/reg.ckpt" --data "$tmp/lab0.tsv" --out "$tmp/no-f.tsv"
has "does not suit .*lab0.tsv"
nothing_left no-f.tsv

# --- the test set is checked against the model as the training set is
expect 1 "$bin/train" --config "$tmp/ce.ini" --data "$tmp/cls.tsv" --test "$tmp/lab1e6.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "ce.ini: test set: the model has 2 outputs but .*lab1e6.tsv has labels up to 1000000"
expect 1 "$bin/train" --config "$tmp/ce.ini" --data "$tmp/cls.tsv" --test "$tmp/lab7.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "test set: the model has 2 outputs but .*lab7.tsv has labels up to 7"
sed 's/^output_dim = 1/output_dim = 2/' "$tmp/reg.ini" > "$tmp/reg2.ini"
expect 1 "$bin/train" --config "$tmp/reg2.ini" --data "$tmp/reg2.tsv" --test "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "test set columns do not match"
nothing_left no.
expect 0 "$bin/train" --config "$tmp/ce.ini" --data "$tmp/cls.tsv" --test "$tmp/lab0.tsv" --log "$tmp/ok.log" --model "$tmp/ok.ckpt"

# --- idx sets: conv kinds want 28 x 28; image and label counts must agree
# idxset DIR N ROWS COLS NLABELS: a train and a test set of N images (all
# pixels 0) and NLABELS labels (all 0).
be32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
idxset() {
    mkdir -p "$1"
    for p in train t10k; do
        { be32 2051; be32 "$2"; be32 "$3"; be32 "$4"; head -c $(($2 * $3 * $4)) /dev/zero; } > "$1/$p-images-idx3-ubyte"
        { be32 2049; be32 "$5"; head -c "$5" /dev/zero; } > "$1/$p-labels-idx1-ubyte"
    done
}
cat > "$tmp/conv.ini" <<'T'
[model]
kind = odenet
channels = 4
[train]
seed = 1
batch_size = 8
epochs = 1
lr = 0.1
threads = 1
T
idxset "$tmp/i28" 16 28 28 16
idxset "$tmp/i1x784" 16 1 784 16
idxset "$tmp/i56x14" 16 56 14 16
idxset "$tmp/icnt" 16 28 28 17
for kind in odenet resnet; do
    for set in i1x784:1x784 i56x14:56x14; do
        expect 1 "$bin/train" --config "$tmp/conv.ini" --set model.kind=$kind --data "$tmp/${set%:*}" --log "$tmp/no.log" --model "$tmp/no.ckpt"
        has "$kind needs 28x28 MNIST images, but .*${set%:*} holds ${set#*:} images"
    done
done
expect 1 "$bin/train" --config "$tmp/conv.ini" --data "$tmp/icnt" --set data.train_count=8 --set data.test_count=8 --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "icnt: train-images-idx3-ubyte holds 16 images but train-labels-idx1-ubyte holds 17 labels"
nothing_left no.
expect 0 "$bin/train" --config "$tmp/conv.ini" --data "$tmp/i28" --log "$tmp/conv.log" --model "$tmp/conv.ckpt"
expect 1 "$bin/eval" --model "$tmp/conv.ckpt" --data "$tmp/i56x14" --summary "$tmp/no-s.tsv" --prefix k
has "odenet needs 28x28 MNIST images, but .*i56x14 holds 56x14 images"
nothing_left no-s.tsv

# --- mnist-summary's --summary and --counts: both committed or neither.
# kept NAME: $tmp/NAME is byte-for-byte its copy NAME.orig; no temporary
# file is left.
kept() {
    if cmp -s "$tmp/$1.orig" "$tmp/$1"; then ok; else bad "$1 was changed"; fi
    left=$(find "$tmp" -name '*.tmp.??????')
    if [ -n "$left" ]; then bad "temporary files left: $left"; rm -f $left; else ok; fi
}
printf 'an earlier summary\n' > "$tmp/ms.tsv"
printf 'earlier counts\n' > "$tmp/mc.tsv"
cp "$tmp/ms.tsv" "$tmp/ms.tsv.orig"
cp "$tmp/mc.tsv" "$tmp/mc.tsv.orig"
mkdir "$tmp/adir"
# msum SET SUMMARY COUNTS: mnist-summary of $tmp/SET, starting from the
# copies (so that one failure does not cascade).
msum() {
    cp "$tmp/ms.tsv.orig" "$tmp/ms.tsv"
    cp "$tmp/mc.tsv.orig" "$tmp/mc.tsv"
    "$bin/gen-data" mnist-summary --mnist-dir "$tmp/$1" --summary "$2" --counts "$3"
}
expect 1 msum i28 "$tmp/nodir/s.tsv" "$tmp/mc.tsv"
has "nodir/s.tsv: cannot create temporary file"
kept mc.tsv
expect 1 msum i28 "$tmp/adir" "$tmp/mc.tsv"
has "adir: is a directory"
kept mc.tsv
expect 1 msum i28 "$tmp/ms.tsv" "$tmp/nodir/c.tsv"
has "nodir/c.tsv: cannot create temporary file"
kept ms.tsv
expect 1 msum icnt "$tmp/ms.tsv" "$tmp/mc.tsv"
has "icnt: train-images-idx3-ubyte holds 16 images but train-labels-idx1-ubyte holds 17 labels"
kept ms.tsv
kept mc.tsv
expect 0 msum i28 "$tmp/ms.tsv" "$tmp/mc.tsv"
if awk -F '\t' '$1 == "mnist_train_images" && $2 == 16 { a = 1 } END { exit !a }' "$tmp/ms.tsv" &&
    awk -F '\t' '$1 == "0" && $2 == 16 && $3 == 16 { a = 1 } END { exit !a }' "$tmp/mc.tsv"; then ok; else bad "mnist-summary: both outputs written"; cat "$tmp/ms.tsv" "$tmp/mc.tsv"; fi

# --- TSV files: NUL bytes, non-finite values, labels, column names
# refused FILE MESSAGE: training on FILE fails with MESSAGE, nothing written.
refused() {
    ini=$tmp/reg.ini
    if head -n 1 "$tmp/$1" | grep -q label; then ini=$tmp/ce.ini; fi
    expect 1 "$bin/train" --config "$ini" --data "$tmp/$1" --log "$tmp/no.log" --model "$tmp/no.ckpt"
    has "$1:$2"
    nothing_left no.
}
printf 'x1\tx2\ty1\n1\t2\t3\n\000\n4\t5\t6\n' > "$tmp/nul.tsv"
refused nul.tsv "3: NUL byte"
printf 'x1\tx2\ty1\n1\t2\t3\n4\t5\000\t6\n' > "$tmp/nul2.tsv"
refused nul2.tsv "3: NUL byte"
printf 'x1\tx2\ty1\n1\t2\t3\n4\tnan\t6\n' > "$tmp/nan.tsv"
refused nan.tsv "3: column 2: nan is not a finite number"
printf 'x1\tx2\ty1\n1\t2\tinf\n' > "$tmp/inf.tsv"
refused inf.tsv "2: column 3: inf is not a finite number"
printf 'x1\tx2\tlabel\n1\t2\t1e11\n' > "$tmp/big.tsv"
refused big.tsv "2: column 3: label 1e+11 is not a class index"
printf 'x1\tx2\tlabel\n1\t2\t0\n1\t2\tnan\n' > "$tmp/nanlabel.tsv"
refused nanlabel.tsv "3: column 3: nan is not a finite number"
printf 'x1\tx1\ty1\n1\t2\t3\n' > "$tmp/h1.tsv"
refused h1.tsv "1: column 2 is 'x1' where x2 belongs"
printf 'x9zzz\tx2\ty1\n1\t2\t3\n' > "$tmp/h2.tsv"
refused h2.tsv "1: unknown column 'x9zzz'"
printf 'x2\tx1\ty1\n1\t2\t3\n' > "$tmp/h3.tsv"
refused h3.tsv "1: column 1 is 'x2' where x1 belongs"
printf 'x1\tx3\ty1\n1\t2\t3\n' > "$tmp/h4.tsv"
refused h4.tsv "1: column 2 is 'x3' where x2 belongs"
# A UTF-8 byte-order mark is named as such, not as an unknown column.
printf '\357\273\277seq\tt\ty1\ty2\tobserved\n0\t0\t1\t2\t1\n0\t1\t1\t2\t1\n' > "$tmp/bom.tsv"
refused bom.tsv "1: starts with a UTF-8 byte-order mark"
printf '\357\273\277x1\tx2\ty1\n1\t2\t3\n' > "$tmp/bom2.tsv"
refused bom2.tsv "1: starts with a UTF-8 byte-order mark"
# The same data in a well-formed file trains (the refusals are not blanket).
printf 'x1\tx2\ty1\n1\t2\t3\n4\t5\t6\n' > "$tmp/fine.tsv"
expect 0 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/fine.tsv" --log "$tmp/fine.log" --model "$tmp/fine.ckpt"

finish "hostile data tests"
