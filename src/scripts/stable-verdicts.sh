#!/bin/sh
# Proposes the verdicts a profile's tests/expected/verdicts-PROFILE.tsv may
# hold fixed: from a verdicts.tsv (judge --tsv), the claims with no run
# (not comparable), and the measured verdicts far from their rule's
# threshold, so that another seed or CPU would not flip them:
#   a bound or ratio: the value a factor of 5 or more from the threshold,
#     on the same side of 0 (a threshold of 0 has no such factor, so those
#     verdicts are never proposed);
#   a difference over seeds: 5 standard errors or more either way;
#   within: the distance under a fifth of the tolerance, or over 5 times it.
# Single-run differences ("one run each") are never proposed.  The output
# still needs a reader: it proposes, `make verify` then holds.
#
#   stable-verdicts.sh VERDICTS.tsv > proposal.tsv
set -eu
[ $# -eq 1 ] || { echo "usage: stable-verdicts.sh VERDICTS.tsv" >&2; exit 2; }
awk -F '\t' '
function far(x, t) { if (t == 0 || x == 0 || (x > 0) != (t > 0)) return 0
                     r = x / t; return r >= 5 || r <= 0.2 }
NR == 1 { next }
{
    id = $1; v = $2; w = $5; keep = 0
    gsub(/ /, "-", v)
    if (v == "not-comparable") keep = 1
    else if (w ~ /^one run each/) keep = 0
    else if (match(w, /-?[0-9.e+-]+ standard errors/)) {
        s = substr(w, RSTART, RLENGTH); sub(/ standard errors/, "", s); s += 0
        keep = s >= 5 || s <= -5
    } else if (w ~ /^ratio /) {
        split(w, f, " "); keep = far(f[2] + 0, f[NF] + 0)
    } else if (w ~ / of /) {
        # "D is within T of R" / "not within"
        split(w, f, " "); d = f[1] + 0; t = f[4] == "within" ? f[5] + 0 : f[6] + 0
        if (d < 0) d = -d
        keep = t > 0 && (d <= t / 5 || d >= 5 * t)
    } else if (w ~ / is (not )?(above|below) /) {
        split(w, f, " "); keep = far(f[1] + 0, f[NF] + 0)
    }
    if (keep) print id "\t" v
}' "$1"
