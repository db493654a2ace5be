#!/bin/sh
# Proposes the verdicts a profile's tests/expected/verdicts-PROFILE.tsv may
# hold fixed, from judge's outputs: those a replication with every seed
# changed (SEED_BASE) would reach again.  The margin is set by how far a
# replication's mean moves, not by the numbers judged: with n seeds a
# second draw's mean lies mostly within about sqrt(2) interval half-widths
# (hw) of ours, and its own interval adds one more hw, so
#   a comparison (reproduced or contradicted) is held when its effect is at
#     least 2.5 hw from the threshold (1 + sqrt(2) = 2.41, rounded up);
#   a value outside the report's band (better or worse) likewise, at least
#     2.5 hw beyond the band's edge;
#   a value that matches when its mean lies inside the band at least
#     sqrt(2) - 1 = 0.42 hw from both edges (the replication's interval
#     then still meets the band);
#   a deterministic value (exact_*) and a claim no run can test always;
#   a verdict on fewer than 3 runs a side, or an inconclusive one, never:
#     with 2 runs the interval's own width is too uncertain (1 degree of
#     freedom) for the margin to mean much (simulated: 2.5 to 5 % of such
#     held verdicts flip on a replication, under 1 % with 5 runs);
#   an umbrella (all) never: its parts are held on their own.
# The output still needs a reader: it proposes, `make verify` then holds.
#
#   stable-verdicts.sh VERDICTS.tsv EFFECTS.tsv CLAIMS.tsv... > proposal.tsv
set -eu
[ $# -ge 3 ] || { echo "usage: stable-verdicts.sh VERDICTS.tsv EFFECTS.tsv CLAIMS.tsv..." >&2; exit 2; }
verdicts=$1
effects=$2
shift 2
awk -F '\t' '
function abs(x) { return x < 0 ? -x : x }
FNR == 1 { file++ }
# The claims files: every claim id and its rule.
file > 2 { if ($0 !~ /^#/ && NF >= 7) rule[$1] = $6; next }
file == 1 { if (FNR > 1) { out[FNR] = $1; outcome[$1] = $4; n[$1] = $7; m[$1] = $8; lo[$1] = $9; hi[$1] = $10; why[$1] = $12; nv = FNR }; next }
file == 2 { if (FNR > 1) { ef[$1] = $5; elo[$1] = $6; ehi[$1] = $7 }; next }
END {
    for (i = 2; i <= nv; i++) {
        id = out[i]; o = outcome[id]; r = rule[id]; keep = 0
        gsub(/ /, "-", o)
        if (o == "not-testable" || r ~ /^exact_/) keep = 1
        else if (r == "all" || o == "inconclusive" || n[id] ~ /^[12](,|$)|,[12]$/) keep = 0
        else if (o == "reproduced" || o == "contradicted") {
            if (id in ef) { hw = (ehi[id] - elo[id]) / 2; keep = hw > 0 && abs(ef[id]) >= 2.5 * hw }
        } else if (o == "matches" || o == "better" || o == "worse") {
            if (match(why[id], /band \[[^],]*, [^]]*\]/)) {
                b = substr(why[id], RSTART + 6, RLENGTH - 7); split(b, e, ", ")
                l = e[1] + 0; u = e[2] + 0; mean = m[id] + 0; hw = (hi[id] - lo[id]) / 2
                if (hw > 0) {
                    if (o == "matches") keep = mean - l >= 0.42 * hw && u - mean >= 0.42 * hw
                    else keep = (mean > u ? mean - u : l - mean) >= 2.5 * hw
                }
            }
        }
        if (keep) print id "\t" o
    }
}' "$verdicts" "$effects" "$@"
