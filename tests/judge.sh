#!/bin/sh
# Command-line tests of judge (src/cmd/judge.c; README, Verdicts): small
# samples and claims files, every outcome reached, the intervals checked
# against ones computed here by hand (awk, with t quantiles integrated here,
# not GSL's), every refusal naming its file with no output written, and
# --expect.  Helpers in tests/lib.sh.
#
# Then src/scripts/pool.sh, which makes judge's samples from a stage's seed
# replicas.
#
#   tests/judge.sh BINDIR
set -u
bin=$1
who=judge
. "$(dirname "$0")/lib.sh"
absent() { for f in "$@"; do if [ -e "$f" ]; then bad "$f was written"; else ok; fi; done; }
# is GOT WANT WHAT
is() { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', wanted '$2'"; fi; }
# near GOT WANT WHAT: GOT is WANT to 3 significant digits (relative 1e-3).
near() {
    if awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w
                                        exit !(g ~ /^-?[0-9.]/ && d <= 1e-3 * m + 1e-12) }'; then
        ok
    else
        bad "$3: got '$1', wanted $2 (to 3 significant digits)"
    fi
}
# col ID COLUMN [FILE]: a field of the --tsv output (or FILE), by header name.
col() {
    awk -F '\t' -v id="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
                                      $1 == id { print $(k[c]) }' "${3:-$tmp/o.tsv}"
}

# Student t quantiles without GSL: P(T <= x) = 1/2 + I(atan(x / sqrt(nu))) / (2 I(pi/2)),
# I(phi) = integral_0^phi cos^(nu-1) (Simpson), solved for 0.975 by bisection.  mv sets
# M (mean) and V (sample variance, n - 1) of a space-separated list and returns n.
STATS='
function I(phi, nu,   k, n, h, s) {
    n = 2000; h = phi / n; s = 1 + cos(phi) ^ (nu - 1)
    for (k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * cos(k * h) ^ (nu - 1)
    return s * h / 3
}
function tq(nu,   lo, hi, mid, full, i) {
    full = I(atan2(1, 0), nu); lo = 0; hi = 50
    for (i = 0; i < 60; i++) {
        mid = (lo + hi) / 2
        if (0.5 + 0.5 * I(atan2(mid, sqrt(nu)), nu) / full < 0.975) lo = mid; else hi = mid
    }
    return (lo + hi) / 2
}
function mv(s, logs,   n, i, m, v, x) {
    n = split(s, x, " ")
    for (i = 1; i <= n; i++) if (logs) x[i] = log(x[i])
    m = 0; for (i = 1; i <= n; i++) m += x[i]; m /= n
    v = 0; for (i = 1; i <= n; i++) v += (x[i] - m) ^ 2
    M = m; V = v / (n - 1); return n
}
# Welch: sets LO and HI of mean(a) - mean(b), and DF.
function welch(a, b, logs,   na, nb, ma, mb, va, vb, qa, qb, se) {
    na = mv(a, logs); ma = M; va = V; nb = mv(b, logs); mb = M; vb = V
    qa = va / na; qb = vb / nb; se = sqrt(qa + qb)
    DF = (qa + qb) ^ 2 / (qa ^ 2 / (na - 1) + qb ^ 2 / (nb - 1))
    LO = ma - mb - tq(DF) * se; HI = ma - mb + tq(DF) * se
}'
st() { awk -v a="${2:-}" -v b="${3:-}" "$STATS BEGIN { $1 }"; }

# --- the test's own quantiles against tabulated ones
near "$(st 'printf "%.7f", tq(4)')" 2.776445 "awk t_{0.975,4}"
near "$(st 'printf "%.7f", tq(8)')" 2.306004 "awk t_{0.975,8}"
near "$(st 'printf "%.7f", tq(30)')" 2.042272 "awk t_{0.975,30}"

# --- inputs: two stages of report claims, one of references, two samples files
A='1 2 3 4 5'; B='2 4 6'; C='3 4 5 6 7'
mkdir -p "$tmp/sines" "$tmp/circles" "$tmp/chen"
{
    printf '# per-seed results\n\n'
    printf 'A\t%s\nB %s\nC\t%s\n' "$A" "$B" "$C"
    printf 'D 1 2 3\nDsame\t1 2 3\n'
    printf 'P 10 10 10\nPvar 10 11 10\nM 0.5\none 0.7\n'
    printf 'acc 0.95 0.96 0.94 0.95\nloss 0.20 0.21 0.19 0.20   # a comment\n'
    printf 'big 100 101 99 100\nsmall 1 1.1 0.9 1\nzero 0 1 2\n'
    printf 'unused 1 nan inf abc\n'
} > "$tmp/s.tsv"
printf 'other\t3\n' > "$tmp/s2.tsv"
t=$(printf '\t')
claim() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
{
    printf '# id\tclaim\tsource\treport\tmeasure\trule\targs\n'
    claim r-above '"A is positive"' 'Rep, Sec. 1' - 'fit loss, SSE over 100 points' above 'A 0'
    claim c-below 'A is small' src - 'fit loss' below 'A 0.5'
    claim w-greater 'A above B' src - 'fit loss' greater 'A B'
    claim w-less 'A below C' src - 'fit loss' less 'A C'
    claim r-less 'A not 1 above C' src - 'fit loss' less 'A C 1'
    claim r-greater-key 'big beats small' src - 'loss' greater 'big small M'
    claim i-one-sample 'loss below 0.199' src - 'loss' below 'loss 0.199'
    claim i-no-effect 'D above Dsame' src - 'loss' greater 'D Dsame'
    claim r-ratio 'big 50x small' src '100x' 'loss ratio' ratio_above 'big small 50'
    claim c-ratio 'big under 50x small' src - 'loss ratio' ratio_below 'big small 50'
    claim i-one-run 'one above 0.5' src - 'x' above 'one 0.5'
    claim i-one-run-2 'one above A' src - 'x' greater 'one A'
} > "$tmp/sines/claims.tsv"
{
    claim v-match 'accuracy 95' src '95 %' 'test accuracy' value 'acc 0.95 0.01 higher'
    claim v-better 'accuracy 90' src '90 %' 'test accuracy' value 'acc 0.90 0.01 higher'
    claim v-worse 'loss 0.1' src 0.1 'test loss' value 'loss 0.10 0.01 lower'
    claim v-one 'one 0.5' src 0.5 'x' value 'one 0.5 0.1 higher'
    claim e-above 'P above 5' src 10 'parameters' exact_above 'P 5'
    claim e-below 'P below 5' src 10 'parameters' exact_below 'P 5'
    claim e-value 'P is 10' src 10 'parameters' exact_value 'P 10 0'
    claim e-differs 'P is 12' src 12 'parameters' exact_value 'P 12 1'
    claim u-all 'all hold' src - - all 'r-above e-above r-less'
    claim u-contr 'one fails' src - - all 'r-above c-below w-greater'
    claim u-incon 'one open' src - - all 'r-above w-greater'
    claim n-t 'cannot test' src - - none 'a representability argument, not a run'
} > "$tmp/circles/claims.tsv"
claim ref-acc 'Chen: 95 %' 'Chen et al. 2018, Tab. 2' '95 %' 'test accuracy' value 'acc 0.95 0.01 higher' > "$tmp/chen/refs.tsv"

outs="$tmp/o.tsv $tmp/o.tex $tmp/r.tex $tmp/c.tex $tmp/e.tsv"
judge() {
    "$bin/judge" --tsv "$tmp/o.tsv" --tex "$tmp/o.tex" --ref-tex "$tmp/r.tex" \
        --counts-tex "$tmp/c.tex" --effects "$tmp/e.tsv" "$@"
}
all_claims="--claims $tmp/sines/claims.tsv --claims $tmp/circles/claims.tsv --references $tmp/chen/refs.tsv"

expect 0 "$bin/judge" --help
has 'usage: judge --tsv'
# shellcheck disable=SC2086
expect 0 judge $all_claims "$tmp/s.tsv" "$tmp/s2.tsv"
cp "$tmp/out" "$tmp/stdout"
is "$(head -n 1 "$tmp/o.tsv")" "id${t}table${t}stage${t}outcome${t}measure${t}report${t}n${t}mean${t}lo${t}hi${t}threshold${t}why" "TSV header"
is "$(($(wc -l < "$tmp/o.tsv") - 1))" 25 "TSV rows"
is "$(grep -c . "$tmp/stdout")" 25 "stdout lines"

# --- every outcome
for pair in r-above:reproduced c-below:contradicted w-greater:inconclusive w-less:inconclusive \
            r-less:reproduced r-greater-key:reproduced i-one-sample:inconclusive \
            i-no-effect:inconclusive r-ratio:reproduced c-ratio:contradicted \
            i-one-run:inconclusive i-one-run-2:inconclusive v-match:matches v-better:better \
            v-worse:worse v-one:better e-above:reproduced e-below:contradicted e-value:matches \
            e-differs:differs u-all:reproduced u-contr:contradicted u-incon:inconclusive \
            n-t:not-testable ref-acc:matches; do
    is "$(col "${pair%%:*}" outcome)" "${pair#*:}" "${pair%%:*} outcome"
done
grep -q '^n-t  *not testable  *a representability argument' "$tmp/stdout" && ok || bad "stdout: n-t not testable"

# --- one-sample interval: 3 +- t_{0.975,4} sqrt(2.5 / 5)
near "$(col r-above lo)" "$(awk 'BEGIN { print 3 - 2.776445 * sqrt(0.5) }')" "r-above lo"
near "$(col r-above hi)" "$(awk 'BEGIN { print 3 + 2.776445 * sqrt(0.5) }')" "r-above hi"
is "$(col r-above n)" 5 "r-above n"
is "$(col r-above mean)" 3 "r-above mean"
is "$(col r-above measure)" 'fit loss, SSE over 100 points' "r-above measure"
# --- Welch, equal variances and sizes: df = 8, t_{0.975,8} = 2.306004, se = 1
near "$(col w-less lo)" -4.306004 "w-less lo"
near "$(col w-less hi)" 0.306004 "w-less hi"
# --- Welch, A = 1..5 against B = 2 4 6 (df 3.53), with quantiles integrated here
near "$(col w-greater lo)" "$(st 'welch(a, b); printf "%.6f", LO' "$A" "$B")" "w-greater lo"
near "$(col w-greater hi)" "$(st 'welch(a, b); printf "%.6f", HI' "$A" "$B")" "w-greater hi"
near "$(st 'welch(a, b); printf "%.6f", DF' "$A" "$B")" 3.532847 "Welch df by hand"
is "$(col w-greater n)" 5,3 "w-greater n"
is "$(col w-greater mean)" '3 vs 4' "w-greater mean"
# ... and how many runs per side would decide: the first m > 5 whose half-width,
# t_{0.975,df(m)} sqrt((2.5 + 4) / m), is below |E - T| = 1.
m=$(st 'va = 2.5; vb = 4; for (m = 6; m < 200; m++) {
        df = (m - 1) * (va + vb) ^ 2 / (va ^ 2 + vb ^ 2)
        if (tq(df) * sqrt((va + vb) / m) < 1) { print m; exit } }')
has_why() { if col "$1" why | grep -q -- "$2"; then ok; else bad "$1 why lacks '$2': $(col "$1" why)"; fi; }
has_why w-greater "spans 0; about $m runs per side would decide"
has_why i-one-sample "; about [0-9]* runs would decide"
has_why i-no-effect 'no measured effect: no run count decides'
has_why r-above 'wholly above 0'
has_why c-below 'wholly above 0.5'
# --- ratios: Welch on logarithms, shown as the ratio of geometric means
near "$(col r-ratio lo)" "$(st 'welch(a, b, 1); printf "%.6f", exp(LO)' "100 101 99 100" "1 1.1 0.9 1")" "r-ratio lo"
near "$(col r-ratio hi)" "$(st 'welch(a, b, 1); printf "%.6f", exp(HI)' "100 101 99 100" "1 1.1 0.9 1")" "r-ratio hi"
is "$(col r-ratio threshold)" 50 "r-ratio threshold"
# --- one run: no interval
has_why i-one-run 'one run: no interval'
has_why i-one-run-2 'one run: no interval'
is "$(col i-one-run lo)" - "i-one-run lo"
is "$(col i-one-run-2 n)" 1,5 "i-one-run-2 n"
has_why v-one 'one run: 0.7 is above the band'
# --- values, exact rules, umbrellas
has_why v-match 'overlaps the band \[0.94, 0.96\]'
is "$(col v-match threshold)" '0.95 +/- 0.01' "v-match threshold"
has_why v-worse 'lower is better'
is "$(col e-above n)" 3 "e-above n"
has_why u-all '3 reproduced of 3'
has_why u-contr '1 reproduced, 1 contradicted, 1 inconclusive of 3'
has_why u-incon '1 reproduced, 1 inconclusive of 2'
# --- tables and stages
is "$(col ref-acc table)" reference "ref-acc table"
is "$(col v-match table)" report "v-match table"
is "$(col r-above stage)" sines "r-above stage"
is "$(col v-match stage)" circles "v-match stage"
is "$(col ref-acc stage)" chen "ref-acc stage"

# --- effects: comparisons only, relative, positive in the claimed direction
is "$(($(wc -l < "$tmp/e.tsv") - 1))" 12 "effects rows"
is "$(head -n 1 "$tmp/e.tsv")" "id${t}table${t}stage${t}outcome${t}effect${t}lo${t}hi" "effects header"
is "$(col e-above effect "$tmp/e.tsv")" "" "no effects row for exact_above"
near "$(col c-below effect "$tmp/e.tsv")" -5 "c-below effect (0.5 - 3) / 0.5"
near "$(col w-greater effect "$tmp/e.tsv")" -0.25 "w-greater effect -1 / |4|"
near "$(col r-above effect "$tmp/e.tsv")" 1 "r-above effect, T = 0: scale |m|"
near "$(col r-ratio effect "$tmp/e.tsv")" "$(st 'mv(a, 1); x = M; mv(b, 1); printf "%.6f", x - M - log(50)' "100 101 99 100" "1 1.1 0.9 1")" "r-ratio effect"
near "$(col i-one-run lo "$tmp/e.tsv")" 0.4 "one run: lo = effect"
near "$(col i-one-run hi "$tmp/e.tsv")" 0.4 "one run: hi = effect"
is "$(col i-one-run outcome "$tmp/e.tsv")" inconclusive "one-run effects row"

# --- LaTeX: two tables, the counts, and that they compile
grep -q 'label{tab:verdicts}' "$tmp/o.tex" && ok || bad "o.tex lacks its label"
grep -q 'label{tab:references}' "$tmp/r.tex" && ok || bad "r.tex lacks its label"
grep -q 'fit loss, SSE over 100 points: \$3\$ \[\$1.037\$, \$4.963\$\], \$n = 5\$' "$tmp/o.tex" && ok || bad "o.tex: the Ours cell of r-above"
grep -q 'difference \$-1\$' "$tmp/o.tex" && ok || bad "o.tex: a difference"
if grep -q 'Chen' "$tmp/o.tex"; then bad "o.tex holds a reference"; else ok; fi
grep -q 'Chen' "$tmp/r.tex" && ok || bad "r.tex lacks the reference"
for m in 'claimsTotal{24}' 'claimsReproduced{6}' 'claimsContradicted{4}' 'claimsInconclusive{7}' \
         'claimsMatches{2}' 'claimsBetter{2}' 'claimsWorse{1}' 'claimsDiffers{1}' \
         'claimsNotTestable{1}' 'refsTotal{1}' 'refsMatches{1}' 'refsReproduced{0}'; do
    grep -q "^\\\\gdef\\\\$m" "$tmp/c.tex" && ok || bad "c.tex lacks the macro $m"
done
grep -q '^sines & 12 & 4 & 2 & 6 & 0 & 0 & 0 & 0 & 0 ' "$tmp/c.tex" && ok || bad "c.tex: the sines row"
grep -q '^chen & 1 & 0 & 0 & 0 & 1 ' "$tmp/c.tex" && ok || bad "c.tex: the chen row"
if command -v pdflatex >/dev/null 2>&1; then
    mkdir "$tmp/tex" && cp "$tmp/o.tex" "$tmp/r.tex" "$tmp/c.tex" "$tmp/tex/"
    cat > "$tmp/tex/doc.tex" <<'T'
\documentclass{article}
\usepackage{longtable,array,booktabs}
\begin{document}
\input{c.tex}Of \claimsTotal{} claims, \claimsReproduced{} reproduced (\refsTotal{} references).
\begin{center}\verdictStageTable\end{center}
\input{o.tex}
\input{r.tex}
\end{document}
T
    if (cd "$tmp/tex" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex > log.txt 2>&1); then
        ok
    else
        bad "the LaTeX outputs do not compile"; tail -n 20 "$tmp/tex/log.txt"
    fi
fi

# --- --expect
printf '# held\nr-above reproduced\nc-below\tcontradicted\nn-t not-testable\nv-match matches\n' > "$tmp/ex.tsv"
# shellcheck disable=SC2086
expect 0 judge $all_claims --expect "$tmp/ex.tsv" "$tmp/s.tsv" "$tmp/s2.tsv"
is "$(tail -n 1 "$tmp/out")" "4 verdicts as expected, 0 changed" "--expect unchanged"
printf 'r-above contradicted\nu-incon inconclusive\nv-better matches\n' > "$tmp/ex2.tsv"
# shellcheck disable=SC2086
expect 1 judge $all_claims --expect "$tmp/ex2.tsv" "$tmp/s.tsv" "$tmp/s2.tsv"
has 'CHANGED r-above expected contradicted, now reproduced (mean 3'
has 'CHANGED v-better expected matches, now better'
is "$(tail -n 1 "$tmp/out")" "1 verdicts as expected, 2 changed" "--expect changed"

# --- refusals: exit 1, a message naming the file, no output at all
# refused REGEX CLAIMS-FILE SAMPLES-FILE... (claims given as one --claims)
refused() {
    msg=$1; cf=$2; shift 2
    rm -f $outs
    expect 1 judge --claims "$cf" "$@"
    has "$msg"
    # shellcheck disable=SC2086
    absent $outs
}
one_claim() { mkdir -p "$tmp/bad"; claim "$@" > "$tmp/bad/claims.tsv"; }
one_claim x 'x' src - loss above 'nokey 1'
refused "bad/claims.tsv:1: claim 'x': no samples file gives the key 'nokey'" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss above 'unused 0'
refused "s.tsv:[0-9]*: key 'unused': value 2, 'nan', is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
for v in inf -inf abc 1e999 0x; do
    printf 'bad 1 %s\n' "$v" > "$tmp/nf.tsv"
    one_claim x 'x' src - loss value 'bad 1 0 higher'
    refused "nf.tsv:1: key 'bad': value 2, '$v', is not a finite number" "$tmp/bad/claims.tsv" "$tmp/nf.tsv"
done
one_claim x 'x' src - loss above 'A 0'
printf 'A 9\n' > "$tmp/dup.tsv"
refused "dup.tsv:1: key 'A' already given at .*s.tsv:3" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/dup.tsv"
printf 'k 1\nj 2\nk 3 4\n' > "$tmp/dup.tsv"
refused "dup.tsv:3: key 'k' already given at .*dup.tsv:1" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/dup.tsv"
printf 'j 1\nk 1\0 2\n' > "$tmp/nul.tsv"
refused "nul.tsv:2: NUL byte" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/nul.tsv"
printf 'x\tx\tsrc\t-\tloss\tabove\tA\0 0\n' > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:1: NUL byte" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
printf 'k\n' > "$tmp/novalue.tsv"
refused "novalue.tsv:1: key 'k' has no value" "$tmp/sines/claims.tsv" "$tmp/s.tsv" "$tmp/novalue.tsv"
printf '0.5 1\n' > "$tmp/nokey.tsv"
refused "nokey.tsv:1: '0.5' is not a key" "$tmp/sines/claims.tsv" "$tmp/s.tsv" "$tmp/nokey.tsv"
one_claim x 'x' src - loss ratio_above 'zero A 1'
refused "bad/claims.tsv:1: claim 'x': rule ratio_above compares logarithms, but key 'zero' (.*s.tsv:[0-9]*) holds 0" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss ratio_below 'big small -2'
refused "bad/claims.tsv:1: claim 'x': the ratio -2 is not positive" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
{ claim a 'a' src - loss above 'A 0'; claim u1 'u1' src - - all 'a'; claim u2 'u2' src - - all 'a u1'; } > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:3: claim 'u2': 'u1' (.*claims.tsv:2) is itself an umbrella" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
{ claim a 'a' src - loss above 'A 0'; claim u1 'u1' src - - all 'a u1'; } > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:2: claim 'u1': an umbrella may not include itself" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
{ claim a 'a' src - loss above 'A 0'; claim u1 'u1' src - - all 'a b'; } > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:2: claim 'u1': no claim has the id 'b'" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
{ claim a 'a' src - loss value 'acc 1 0 higher'; claim u1 'u1' src - - all 'a'; } > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:2: claim 'u1': 'a' has rule value: an umbrella takes comparisons" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
for c in 'above:A:KEY T (2 arguments), not 1' 'greater:A B 1 2:A B \[M\] (2 or 3 arguments), not 4' \
         'value:acc 1 0.1:KEY REF TOL higher|lower (4 arguments), not 3' \
         'exact_value:P 1:KEY REF TOL (3 arguments), not 2' 'ratio_above:A B:A B R (3 arguments), not 2'; do
    rule=${c%%:*}; rest=${c#*:}; args=${rest%%:*}; msg=${rest#*:}
    one_claim x 'x' src - loss "$rule" "$args"
    refused "bad/claims.tsv:1: claim 'x': rule $rule takes $msg" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
done
printf 'x\tx\tsrc\t-\tabove\tA 0\n' > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:1: claim 'x': a claim has 7 tab-separated fields .* not 6" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x '' src - loss above 'A 0'
refused "bad/claims.tsv:1: claim 'x': field 2 (claim) is empty" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss beyond 'A 0'
refused "bad/claims.tsv:1: claim 'x': unknown rule 'beyond'" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - - above 'A 0'
refused "bad/claims.tsv:1: claim 'x': rule above needs the measure" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss above 'A  0'
refused "bad/claims.tsv:1: claim 'x': the args 'A  0' are not separated by single spaces" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim 'x y' 'x' src - loss above 'A 0'
refused "bad/claims.tsv:1: 'x y' is not an id" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss exact_above 'Pvar 5'
refused "bad/claims.tsv:1: claim 'x': Pvar varies over seeds: not deterministic" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss above 'A Pvar'
refused "bad/claims.tsv:1: claim 'x': Pvar varies over seeds: not deterministic" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss value 'acc 1 0.1 up'
refused "bad/claims.tsv:1: claim 'x': 'up' is not higher or lower" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x 'x' src - loss value 'acc 1 -0.1 higher'
refused "bad/claims.tsv:1: claim 'x': tolerance -0.1 is negative" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
# nothing passes by accident: control characters and blank fields in claims, a
# non-finite threshold, ratio or tolerance, a negative tolerance (printed as a
# "+/- -3" sd), a count that is not whole, numbers whose difference, ratio or
# interval overflows
for cc in '\001' '\033' '\177' '\r'; do
    printf "x\tx${cc}y\tsrc\t-\tloss\tabove\tA 0\n" > "$tmp/bad/claims.tsv"
    refused "bad/claims.tsv:1: field 2 (claim) holds the control character" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
done
printf 'x\tx\tsrc\t-\tloss\tnone\t   \n' > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv:1: claim 'x': field 7 (args) is blank" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
one_claim x ' ' src - loss above 'A 0'
refused "bad/claims.tsv:1: claim 'x': field 2 (claim) is blank" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
printf 'k 1 2\001\n' > "$tmp/cc.tsv"
one_claim x 'x' src - loss above 'k 0'
refused "cc.tsv:1: key 'k': a value holds the control character 0x01" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/cc.tsv"
printf 'inf 2\nnan 2\n' > "$tmp/infkey.tsv" # keys named like numbers
for r in inf nan -inf; do
    one_claim x 'x' src - loss ratio_above "big small $r"
    refused "bad/claims.tsv:1: claim 'x': '$r' is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/infkey.tsv"
    one_claim x 'x' src - loss above "A $r"
    refused "bad/claims.tsv:1: claim 'x': '$r' is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
    one_claim x 'x' src - loss value "acc 1 $r higher"
    refused "bad/claims.tsv:1: claim 'x': '$r' is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
done
printf 'negsd -3 -3\n' > "$tmp/neg.tsv"
one_claim x 'x' src - loss value 'acc 1 negsd higher'
refused "bad/claims.tsv:1: claim 'x': tolerance -3 is negative" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/neg.tsv"
one_claim x 'x' src - loss exact_value 'P 10 negsd'
refused "bad/claims.tsv:1: claim 'x': tolerance -3 is negative" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/neg.tsv"
for v in '10.5 10.5' '-2 -2' '1e300 1e300'; do
    printf 'odenet_parameters %s\n' "$v" > "$tmp/count.tsv"
    one_claim x 'x' src - params exact_below 'odenet_parameters 5'
    if [ "$v" = '1e300 1e300' ]; then
        rm -f $outs; expect 0 judge --claims "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/count.tsv"
    else
        refused "count.tsv:1: key 'odenet_parameters': value 1, '${v%% *}', is not a whole number" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/count.tsv"
    fi
done
printf 'huge 1e308 1e308\ntiny 1e-300 2e-300\nneg -1e308 -1e308\n' > "$tmp/huge.tsv"
one_claim x 'x' src - loss ratio_above 'huge tiny 1'
refused "bad/claims.tsv:1: claim 'x': the ratio or its interval is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/huge.tsv"
one_claim x 'x' src - loss greater 'huge neg'
refused "bad/claims.tsv:1: claim 'x': the difference or its interval is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/huge.tsv"
one_claim x 'x' src - loss value 'acc 1e308 1e308 higher'
refused "bad/claims.tsv:1: claim 'x': the interval or the band REF +/- TOL is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
printf 'sm 1e-300 1.1e-300 0.9e-300\nmid 1e250 1e250 1e250\n' > "$tmp/sm.tsv"
one_claim x 'x' src - loss greater 'mid sm'
refused "bad/claims.tsv:1: claim 'x': the relative effect (--effects) is not a finite number" "$tmp/bad/claims.tsv" "$tmp/s.tsv" "$tmp/sm.tsv"
# specials in claim text reach the LaTeX escaped, never as code
{ claim a 'a' src - loss above 'A 0'
  claim x '[2pt]}\input{secret.tex}{ $&#^~%_<>"' 'src \def' '\x' loss above 'A 0'; } > "$tmp/bad/claims.tsv"
rm -f $outs
expect 0 judge --claims "$tmp/bad/claims.tsv" "$tmp/s.tsv"
if grep -q -F -e '\input{' -e '\def' -e '{\x' "$tmp/o.tex"; then bad "claim text reached o.tex unescaped"; cat "$tmp/o.tex"; else ok; fi
grep -q -F '{[}2pt{]}\}\textbackslash{}input\{secret.tex\}\{ \$\&\#\textasciicircum{}\textasciitilde{}\%\_' "$tmp/o.tex" && ok || { bad "claim text not escaped as expected"; grep -F 'secret' "$tmp/o.tex"; }
if command -v pdflatex >/dev/null 2>&1; then
    rm -rf "$tmp/tex2"; mkdir "$tmp/tex2" && cp "$tmp/o.tex" "$tmp/tex2/"
    printf '%s\n' '\documentclass{article}' '\usepackage{longtable,array,booktabs}' \
        '\begin{document}' '\input{o.tex}' '\end{document}' > "$tmp/tex2/doc.tex"
    if (cd "$tmp/tex2" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex > log.txt 2>&1); then
        ok
    else
        bad "hostile claim text: the LaTeX does not compile"; tail -n 20 "$tmp/tex2/log.txt"
    fi
fi
one_claim r-above 'x' src - loss above 'A 0'
rm -f $outs
expect 1 judge --claims "$tmp/sines/claims.tsv" --references "$tmp/bad/claims.tsv" "$tmp/s.tsv"
has "bad/claims.tsv:1: claim 'r-above' is already listed at .*sines/claims.tsv:2"
printf '# nothing\n' > "$tmp/bad/claims.tsv"
refused "bad/claims.tsv: no claims" "$tmp/bad/claims.tsv" "$tmp/s.tsv"
# --expect refusals
refused_expect() {
    msg=$1; shift
    rm -f $outs
    # shellcheck disable=SC2086
    expect 1 judge $all_claims --expect "$tmp/bx.tsv" "$tmp/s.tsv" "$tmp/s2.tsv"
    has "$msg"
    # shellcheck disable=SC2086
    absent $outs
}
printf 'r-above reproduced\nc-below not-reproduced\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv:2: 'not-reproduced' is not an outcome"
printf 'r-above reproduced\nnobody matches\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv:2: no claim has the id 'nobody'"
printf '# only a comment\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv: no expected verdicts"
: > "$tmp/bx.tsv"
refused_expect "bx.tsv: no expected verdicts"
printf 'r-above reproduced\0\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv:1: NUL byte"
# a NUL byte must not hide the rows after it (here a changed verdict)
printf 'r-above reproduced\n\0\nr-above contradicted\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv:2: NUL byte"
printf 'r-above reproduced extra\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv:1: a row is .id outcome., not more than 2 fields"
printf 'r-above reproduced\nr-above reproduced\n' > "$tmp/bx.tsv"
refused_expect "bx.tsv:2: claim 'r-above' already expected at line 1"
# an output on an input, two outputs on one file; the command line
cp "$tmp/s.tsv" "$tmp/s.orig"
expect 1 "$bin/judge" --tsv "$tmp/s.tsv" --claims "$tmp/sines/claims.tsv" "$tmp/s.tsv"
has "is the input"
cmp -s "$tmp/s.tsv" "$tmp/s.orig" && ok || bad "s.tsv was changed"
rm -f $outs
expect 1 "$bin/judge" --tsv "$tmp/o.tsv" --effects "$tmp/o.tsv" --claims "$tmp/sines/claims.tsv" "$tmp/s.tsv"
has "are the same file"
# shellcheck disable=SC2086
absent $outs
# an output that cannot be opened: the others are not written either
rm -f $outs
# shellcheck disable=SC2086
expect 1 "$bin/judge" --tsv "$tmp/o.tsv" --effects "$tmp/e.tsv" --counts-tex "$tmp/nodir/c.tex" $all_claims "$tmp/s.tsv" "$tmp/s2.tsv"
has "nodir/c.tex"
# shellcheck disable=SC2086
absent $outs
expect 1 "$bin/judge" --tsv "$tmp/o.tsv" "$tmp/s.tsv"
has "at least one --claims"
expect 1 "$bin/judge" --tsv "$tmp/o.tsv" --claims "$tmp/sines/claims.tsv" --caption x "$tmp/s.tsv"
has "unknown argument '--caption'"

# pool.sh: replicas' summaries into one samples file, the values in replica
# order, whatever each file's key order; judge then reads n = 3.
pool=$(dirname "$0")/../src/scripts/pool.sh
mkdir -p "$tmp/pool"
printf 'a\t1\nb\t10\n' > "$tmp/pool/r1"
printf '# a comment\nb\t20\na\t2\n' > "$tmp/pool/r2"
printf 'a\t3\nb\t30\n' > "$tmp/pool/r3"
expect 0 "$pool" "$tmp/pool/out.tsv" "$tmp/pool/r1" "$tmp/pool/r2" "$tmp/pool/r3"
is "$(cat "$tmp/pool/out.tsv")" "$(printf 'a\t1 2 3\nb\t10 20 30')" "pool.sh output"
claim pool-a "a above 0" "test" - "a, units" above "a 0" > "$tmp/pool/claims.tsv"
expect 0 "$bin/judge" --tsv "$tmp/pool/v.tsv" --claims "$tmp/pool/claims.tsv" "$tmp/pool/out.tsv"
is "$(awk -F '\t' 'NR == 2 { print $7 }' "$tmp/pool/v.tsv")" 3 "n of a pooled key"
# Refusals name the file and write nothing: a key missing from a replica, a
# key twice in one, a malformed line, a NUL byte, a missing file.
printf 'a\t1\n' > "$tmp/pool/short"
printf 'a\t1\na\t2\nb\t3\n' > "$tmp/pool/twice"
printf 'a 1\nb\t2\n' > "$tmp/pool/spaces"
printf 'a\t1\000\nb\t2\n' > "$tmp/pool/nul"
: > "$tmp/pool/empty"
for f in short twice spaces nul empty absent; do
    rm -f "$tmp/pool/bad.tsv"
    expect 1 "$pool" "$tmp/pool/bad.tsv" "$tmp/pool/r1" "$tmp/pool/$f"
    has "$tmp/pool/$f"
    absent "$tmp/pool/bad.tsv"
done

echo "judge: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
