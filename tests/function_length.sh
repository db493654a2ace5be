#!/bin/sh
# No function in src/ is longer than a screen: LIMIT lines (default 80) from
# its opening brace to its closing one.  A function that must stay longer
# says why in the comment above it, on a line with "Longer than 80 lines:".
# Lists every function over the limit (longest first) and fails if one of
# them gives no reason.  (Functions are found by the project's layout: the
# braces of a function body sit alone at the start of a line.)
#
#   tests/function_length.sh [LIMIT [DIR...]]    (default 80 src)
set -eu
limit=${1:-80}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- src
files=$(find "$@" -name '*.c' | LC_ALL=C sort)
[ -n "$files" ] || { echo "function_length: no C files under $*" >&2; exit 2; }
# shellcheck disable=SC2086
awk -v limit="$limit" '
FNR == 1 { depth = 0; n = 0 }
{ line[FNR] = $0 }
/^\{/ && depth == 0 {
    start = FNR; depth = 1
    # the name: the last identifier before "(" on the lines above the brace
    head = ""
    for (k = FNR - 1; k > 0 && k >= FNR - 6; k--) {
        head = line[k] " " head
        if (line[k] ~ /^[A-Za-z_]/) break
    }
    name = head; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
    # a reason in the comment just above the head
    reason = 0
    for (j = k - 1; j > 0 && j >= k - 12; j--) {
        if (line[j] ~ /Longer than 80 lines:/) { reason = 1; break }
        if (line[j] !~ /^( \*|\/\*)/) break
    }
    next
}
/^\}/ && depth == 1 {
    len = FNR - start + 1; depth = 0
    if (len > limit) printf "%d\t%s\t%s:%d\t%s\n", len, name, FILENAME, start, reason ? "reason given" : "NO REASON"
}
' $files | sort -rn > "${TMPDIR:-/tmp}/function_length.$$" || { rm -f "${TMPDIR:-/tmp}/function_length.$$"; exit 2; }
out="${TMPDIR:-/tmp}/function_length.$$"
over=$(wc -l < "$out")
bad=$(grep -c 'NO REASON$' "$out" || true)
cat "$out"
longest=$(awk -F '\t' 'NR == 1 { print $1 " lines (" $2 ", " $3 ")" }' "$out")
rm -f "$out"
echo "function_length: $over functions over $limit lines${longest:+, the longest $longest}; $bad without a reason"
[ "$bad" -eq 0 ]
