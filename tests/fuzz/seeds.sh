#!/bin/sh
# Seed corpora for the fuzz harnesses, small valid inputs of each reader made
# with the pipeline's own commands (and a few by hand):
#
#   tests/fuzz/seeds.sh BINDIR OUTDIR
#
# writes OUTDIR/{idx,config,tsv,checkpoint,table,sequences,expected,claims,
# verdicts}/, replacing what was there.
set -eu
bin=$1
out=$2
rm -rf "$out.tmp"
mkdir -p "$out.tmp/idx" "$out.tmp/config" "$out.tmp/tsv" "$out.tmp/checkpoint" "$out.tmp/table" \
    "$out.tmp/sequences" "$out.tmp/expected" "$out.tmp/claims" "$out.tmp/verdicts"
o=$out.tmp

# idx: 2 images of 3 x 2 pixels, 3 labels, and an empty set of each.
printf '\000\000\010\003\000\000\000\002\000\000\000\003\000\000\000\002\000\177\377\001\002\003\004\005\006\007\010\011' > "$o/idx/images"
printf '\000\000\010\001\000\000\000\003\000\011\005' > "$o/idx/labels"
printf '\000\000\010\003\000\000\000\000\000\000\000\034\000\000\000\034' > "$o/idx/images-empty"
printf '\000\000\010\001\000\000\000\000' > "$o/idx/labels-empty"

# config: every stage's runs, and a small regression run's.
for f in stages/*/*.ini; do
    cp "$f" "$o/config/$(echo "$f" | tr / _)"
done
cat > "$o/config/reg.ini" <<'T'
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
batch_size = 4
iterations = 2
lr = 0.02
T

# tsv: each kind of set the header can name.
"$bin/gen-data" circles --points 8 --seed 1 --out "$o/tsv/circles.tsv"
"$bin/gen-data" sines --function sin --points 6 --noise 0 --seed 1 --out "$o/tsv/sines.tsv"
"$bin/gen-data" sines --function sin --points 6 --noise 0 --seed 1 --out "$o/tsv/traj.tsv" --format trajectory
"$bin/gen-data" moons --points 6 --seed 1 --out "$o/tsv/moons.tsv"
"$bin/gen-data" spirals --count 2 --seed 1 --observations 3 --grid-points 10 --out "$o/tsv/spirals.tsv"
printf 'x1\tx2\ty1\n0\t1\t0.5\n1\t0\t-0.5\n' > "$o/tsv/reg.tsv"

# checkpoint: a two-step regression run's, whole and (the harness appends
# the checksum) without its last 4 bytes.
"$bin/train" --config "$o/config/reg.ini" --data "$o/tsv/reg.tsv" --log "$o/reg.log" \
    --model "$o/checkpoint/reg.ckpt" > /dev/null
rm -f "$o/reg.log"
n=$(wc -c < "$o/checkpoint/reg.ckpt")
head -c $((n - 4)) "$o/checkpoint/reg.ckpt" > "$o/checkpoint/reg.body"

# table: expected numbers and summaries.
cp tests/expected/quick.tsv "$o/table/expected.tsv"
printf '# a summary\nsines_loss\t1e-3\ncircles_acc\t0.975\n\n' > "$o/table/summary.tsv"

# sequences: spirals files (seq, t, y1, y2, observed), whole and (the harness
# also reads each after a fixed header) without their header line.
"$bin/gen-data" spirals --count 2 --seed 2 --observations 4 --grid-points 10 --out "$o/sequences/spirals.tsv"
"$bin/gen-data" spirals --count 3 --seed 3 --observations 2 --grid-points 10 --out "$o/sequences/small.tsv"
cp "$o/tsv/spirals.tsv" "$o/sequences/spirals1.tsv"
tail -n +2 "$o/sequences/spirals.tsv" > "$o/sequences/rows.tsv"
printf '0\t0\t1\t2\t1\n0\t1\t1\t2\t1\n0\t0.5\t1\t2\t0\n1\t0\t0\t0\t1\n1\t2\t0\t0\t1\n' > "$o/sequences/hand.tsv"

# expected: the profiles' expected numbers, and every kind of row.
for p in quick paper full; do
    cp "tests/expected/$p.tsv" "$o/expected/$p.tsv"
done
printf '# key value tolerance\na 1 0.1\nb >=0.5 -\nc <=2 -\nd 3 5%%\ne -1e-3 0\n' > "$o/expected/kinds.tsv"

# claims: the stages' claims files and a samples file (the harness reads each
# input as both).
for f in stages/*/*claims.tsv; do
    cp "$f" "$o/claims/$(echo "$f" | tr / _)"
done
printf '# per-seed results\nA\t1 2 3 4 5\nB 2 4 6\nP 10 10 10\nacc 0.95 0.96 # c\n' > "$o/claims/samples.tsv"

# verdicts: expected verdicts of the harness's fixed claims.
printf '# held\nr-above reproduced\nw-greater\tinconclusive\nn-t not-testable\nv-match matches\n' > "$o/verdicts/held.tsv"
cp tests/expected/verdicts-*.tsv "$o/verdicts/"
printf 'r-ratio contradicted\ne-value differs\nu-all reproduced\n' > "$o/verdicts/other.tsv"

rm -rf "$out"
mv "$o" "$out"
