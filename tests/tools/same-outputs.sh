#!/bin/sh
# Are two regenerations of a profile's outputs the same, apart from time?
#
#   tests/tools/same-outputs.sh OLD_DIR NEW_DIR
#
# Every file under OLD_DIR must exist under NEW_DIR and match it:
# - *.ckpt: the same parameters, byte for byte, and the same value for
#   every configuration key the new checkpoint lists (a refactor may drop
#   keys that the run's kind never read; core/checkpoint.h has the layout);
# - log TSVs (a header with a `seconds` column): equal without that column;
# - summary TSVs (key<TAB>value): equal without keys holding `seconds` or
#   `_ms`, or ending in `_us` (timings);
# - anything else (figures' PNGs, datasets, tables): byte for byte.
# PDFs and LaTeX logs are skipped (they embed dates), and so are the
# recipes' timing records (timings.tsv, stages/timings.mk).  Prints one line per
# difference and a count per kind of file; exit 1 if anything differs.
set -eu
[ $# -eq 2 ] || { echo "usage: same-outputs.sh OLD_DIR NEW_DIR" >&2; exit 2; }
old=$1 new=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
ckpt_same() {
    ma=$(u32 "$1" 12) mb=$(u32 "$2" 12)
    sa=$(wc -c < "$1") sb=$(wc -c < "$2")
    # parameters: after the 16-byte header and the text, before the CRC
    tail -c +$((17 + ma)) "$1" | head -c $((sa - 16 - ma - 4)) > "$tmp/pa"
    tail -c +$((17 + mb)) "$2" | head -c $((sb - 16 - mb - 4)) > "$tmp/pb"
    cmp -s "$tmp/pa" "$tmp/pb" || { echo "parameters differ"; return 1; }
    # configuration: section/key = value lines of the new must be in the old
    for f in a b; do
        src=$1; [ $f = b ] && src=$2
        m=$ma; [ $f = b ] && m=$mb
        head -c $((16 + m)) "$src" | tail -c "$m" |
            awk '/^\[/ { s = $0; next } NF { print s " " $0 }' | LC_ALL=C sort > "$tmp/m$f"
    done
    extra=$(LC_ALL=C comm -13 "$tmp/ma" "$tmp/mb")
    [ -z "$extra" ] || { echo "configuration differs: $(echo "$extra" | head -3 | tr '\n' ';')"; return 1; }
}
without_seconds() {
    awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i }
        { out = ""; for (i = 1; i <= NF; i++) if (i != c) out = out (out == "" && i == 1 ? "" : "\t") $i; print out }' "$1"
}
without_timing() { grep -Ev '^[^	]*(seconds|_ms)[^	]*	|^[^	]*_us	' "$1" || true; }
n_ck=0 n_log=0 n_sum=0 n_byte=0 bad=0
for f in $(cd "$old" && find . -type f ! -name '*.pdf' ! -name '*.log' ! -name '*.aux' ! -name timings.tsv | LC_ALL=C sort); do
    a=$old/$f b=$new/$f
    if [ ! -f "$b" ]; then echo "missing: $f"; bad=$((bad + 1)); continue; fi
    case $f in
    *.ckpt)
        n_ck=$((n_ck + 1))
        why=$(ckpt_same "$a" "$b") || { echo "differs: $f: $why"; bad=$((bad + 1)); } ;;
    *.tsv)
        if head -1 "$a" | tr '\t' '\n' | grep -qx seconds; then
            n_log=$((n_log + 1))
            without_seconds "$a" > "$tmp/a"; without_seconds "$b" > "$tmp/b"
        elif awk -F '\t' 'NF != 2 && !/^#/ { exit 1 }' "$a" && grep -q '_seconds	' "$a"; then
            n_sum=$((n_sum + 1))
            without_timing "$a" > "$tmp/a"; without_timing "$b" > "$tmp/b"
        else
            n_byte=$((n_byte + 1)); cp "$a" "$tmp/a"; cp "$b" "$tmp/b"
        fi
        cmp -s "$tmp/a" "$tmp/b" || { echo "differs: $f"; bad=$((bad + 1)); } ;;
    *)
        n_byte=$((n_byte + 1))
        cmp -s "$a" "$b" || { echo "differs: $f"; bad=$((bad + 1)); } ;;
    esac
done
echo "same-outputs: $n_ck checkpoints, $n_log logs, $n_sum summaries, $n_byte other files compared; $bad differ"
[ "$bad" -eq 0 ]
