#!/bin/sh
# Pools one stage's summaries over its seed replicas: every FILE is the
# stage's summaries of one replica (key<TAB>value lines, as merged by the
# Makefile), all with the same keys; OUT gets one line per key,
#   key<TAB>v1 v2 ... vN
# the values in the order of the files (replica 1 first), which is what
# `judge` reads as the key's runs.  A key missing from a replica, given
# twice in one, or a file with no keys is an error naming the file; OUT is
# then not written.
#
#   pool.sh OUT FILE [FILE ...]
set -eu
[ $# -ge 2 ] || { echo "usage: pool.sh OUT FILE [FILE ...]" >&2; exit 2; }
out=$1
shift
for f in "$@"; do
    [ -f "$f" ] || { echo "pool: $f: no such file" >&2; exit 1; }
    [ -s "$f" ] || { echo "pool: $f: empty: no keys" >&2; exit 1; }
    if tr -d '\000' < "$f" | cmp -s - "$f"; then :; else
        echo "pool: $f: holds a NUL byte: not a summary" >&2; exit 1
    fi
done
trap 'rm -f "$out.tmp"' EXIT
awk -F '\t' '
FNR == 1 { file++; name[file] = FILENAME; nk = 0 }
/^#/ || /^[ \t]*$/ { next }
{
    if (NF != 2 || $1 == "" || $2 == "") { printf "pool: %s:%d: not a key<TAB>value line\n", FILENAME, FNR > "/dev/stderr"; bad = 1; exit 1 }
    if (($1, file) in seen) { printf "pool: %s:%d: key %s given twice\n", FILENAME, FNR, $1 > "/dev/stderr"; bad = 1; exit 1 }
    seen[$1, file] = 1
    if (file == 1) { order[++nkeys] = $1; vals[$1] = $2 }
    else if (!($1 in vals)) { printf "pool: %s:%d: key %s is not in %s\n", FILENAME, FNR, $1, name[1] > "/dev/stderr"; bad = 1; exit 1 }
    else vals[$1] = vals[$1] " " $2
    count[file]++
}
END {
    if (bad) exit 1
    for (f = 1; f <= ARGC - 1; f++)
        if (count[f] + 0 == 0) { printf "pool: %s: no keys\n", ARGV[f] > "/dev/stderr"; exit 1 }
    for (f = 2; f <= ARGC - 1; f++)
        if (count[f] != nkeys) {
            for (i = 1; i <= nkeys; i++)
                if (!((order[i], f) in seen)) { printf "pool: %s: no key %s (in %s)\n", ARGV[f], order[i], ARGV[1] > "/dev/stderr"; exit 1 }
        }
    for (i = 1; i <= nkeys; i++) printf "%s\t%s\n", order[i], vals[order[i]]
}' "$@" > "$out.tmp"
mv "$out.tmp" "$out"
trap - EXIT
