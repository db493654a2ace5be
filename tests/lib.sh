# Shared helpers of the command-line test scripts (cli.sh, hostile_data.sh,
# hostile_cmds.sh), sourced after setting `who` (the FAIL prefix).  Makes
# $tmp (removed at exit) and counts checks in $passed and $failed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "$who: FAIL: $*"; }
# expect STATUS CMD...: runs CMD, output to $tmp/out, checks the exit status.
expect() {
    want=$1; shift
    "$@" > "$tmp/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (wanted $want): $*"; cat "$tmp/out"; fi
}
has() { if grep -q -- "$1" "$tmp/out"; then ok; else bad "output lacks '$1'"; cat "$tmp/out"; fi; }
# finish TITLE: the summary line; fails if any check failed.
finish() {
    echo "$1: $passed checks passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# Checkpoint surgery (src/lib/core/checkpoint.h's layout) that keeps the file
# valid: the closing CRC-32 is rewritten (zlib's, which gzip's trailer
# carries, little-endian as the checkpoint stores it).
# le32 FILE OFFSET: the little-endian uint32 there; le32out N: its 4 bytes.
le32() { od -An -tu1 -j"$2" -N4 "$1" | awk '{ print $1 + 256 * ($2 + 256 * ($3 + 256 * $4)) }'; }
le32out() {
    # shellcheck disable=SC2059
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
        $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}
# recrc FILE: the CRC over everything before it, rewritten.
recrc() {
    head -c $(($(wc -c < "$1") - 4)) "$1" > "$1.body"
    { cat "$1.body"; gzip -c < "$1.body" | tail -c 8 | head -c 4; } > "$1"
    rm -f "$1.body"
}
# nvalues FILE: how many doubles it holds.
nvalues() { echo $((($(wc -c < "$1") - 28 - $(le32 "$1" 12)) / 8)); }
# poke FILE I BYTES: value I (from 1) becomes the 8 bytes BYTES (printf
# escapes, little-endian: $NAN, $INF, $NEG1 = -1).
NAN='\000\000\000\000\000\000\370\177'
INF='\000\000\000\000\000\000\360\177'
NEG1='\000\000\000\000\000\000\360\277'
poke() {
    # shellcheck disable=SC2059
    printf "$3" | dd of="$1" bs=1 seek=$((16 + $(le32 "$1" 12) + 8 + 8 * ($2 - 1))) \
        conv=notrunc 2>/dev/null
    recrc "$1"
}
# rehead FILE SED: the sed command SED applied to the first line of the
# file's text (a resume file's "resume ..." line), its length fixed.
rehead() {
    len=$(le32 "$1" 12)
    tail -c +17 "$1" | head -c "$len" | sed "1$2" > "$1.meta"
    { head -c 12 "$1"; le32out "$(wc -c < "$1.meta")"; cat "$1.meta"
      tail -c +$((17 + len)) "$1"; } > "$1.new"
    mv "$1.new" "$1"
    rm -f "$1.meta"
    recrc "$1"
}
