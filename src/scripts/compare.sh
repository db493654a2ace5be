#!/bin/sh
# Compares two regenerations of the report (a study against the main report,
# or two studies): every number and every verdict that differs, with both
# values, the verdicts first, then the numbers sorted by size of change
# (relative: |b - a| / max(|a|, |b|); a value that is not a number counts
# as a change of 1 when its text differs).  Keys or claims present on one
# side only are listed too.
#
#   compare.sh BASE_NUMBERS BASE_VERDICTS STUDY_NUMBERS STUDY_VERDICTS
#
# NUMBERS files are key<TAB>value (data/PROFILE/numbers.tsv), VERDICTS the
# judge's TSV (data/PROFILE/verdicts.tsv: id, table, stage, outcome, ...).
# The last line is "N verdicts and N numbers differ (of N and N)".
set -eu
[ $# -eq 4 ] || { echo "usage: compare.sh BASE_NUMBERS BASE_VERDICTS STUDY_NUMBERS STUDY_VERDICTS" >&2; exit 2; }
for f in "$@"; do
    [ -f "$f" ] || { echo "compare: $f: no such file (build that report first)" >&2; exit 1; }
    [ -s "$f" ] || { echo "compare: $f: empty" >&2; exit 1; }
done
awk -F '\t' '
function isnum(x) { return x ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
function abs(x) { return x < 0 ? -x : x }
FNR == 1 { fi++ }
fi >= 3 { if (FNR == 1) { if ($1 != "id" || $4 != "outcome") { print "compare: " FILENAME ": not a verdicts table" > "/dev/stderr"; bad = 1; exit 1 } next } }
fi == 1 { if (!/^#/ && NF >= 2) { b[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++nk] = $1 } } next }
fi == 2 { if (!/^#/ && NF >= 2) { s[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++nk] = $1 } } next }
fi == 3 { bo[$1] = $4; bw[$1] = $12; if (!($1 in vs)) { vs[$1] = 1; vorder[++nv] = $1 } next }
fi == 4 { so[$1] = $4; sw[$1] = $12; if (!($1 in vs)) { vs[$1] = 1; vorder[++nv] = $1 } next }
END {
    if (bad) exit 1
    dv = 0
    for (i = 1; i <= nv; i++) {
        id = vorder[i]
        x = (id in bo) ? bo[id] : "(absent)"; y = (id in so) ? so[id] : "(absent)"
        if (x != y) {
            if (!dv++) print "Verdicts that differ (base -> study):"
            printf "  %-40s %-13s -> %-13s  study: %s\n", id, x, y, (id in sw) ? sw[id] : "-"
        }
    }
    dn = 0
    for (i = 1; i <= nk; i++) {
        k = order[i]
        if (!(k in b) || !(k in s)) { c = 2 }
        else {
            x = b[k]; y = s[k]
            if (x == y) continue
            if (isnum(x) && isnum(y)) {
                m = abs(x) > abs(y) ? abs(x) : abs(y)
                if (m == 0 || x + 0 == y + 0) continue
                c = abs(y - x) / m
            } else c = 1
        }
        # insertion into dk[1..dn], largest change first
        j = ++dn
        while (j > 1 && dc[j - 1] < c) { dk[j] = dk[j - 1]; dc[j] = dc[j - 1]; j-- }
        dk[j] = k; dc[j] = c
    }
    if (dn) print "Numbers that differ (base -> study; relative change), largest change first:"
    for (j = 1; j <= dn; j++) {
        k = dk[j]
        printf "  %-44s %14s -> %-14s %s\n", k, (k in b) ? b[k] : "(absent)", (k in s) ? s[k] : "(absent)", \
               dc[j] == 2 ? "(one side only)" : sprintf("%.3g", dc[j])
    }
    printf "%d verdicts and %d numbers differ (of %d claims and %d numbers)\n", dv, dn, nv, nk
}' "$1" "$3" "$2" "$4"
