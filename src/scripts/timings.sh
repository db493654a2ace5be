#!/bin/sh
# The timing table, from the records that src/scripts/timed-shell.sh
# appends to data/PROFILE/timings.tsv while `make` runs (stages/timings.mk),
# and the plan `make` prints at its start from that table.
#
#   timings.sh table README TSV 'STAGE ...' PROFILE=RECORDS ...
#       writes TSV (profile, stage, seconds, note) and replaces the lines
#       between README's markers <!-- timings:begin --> and
#       <!-- timings:end --> with the table in Markdown; every other byte of
#       README is kept.  A profile whose RECORDS file does not exist keeps
#       its rows of the old TSV, or, with none, shows "not measured".
#   timings.sh plan TSV PROFILE DATA FIG GEN BUILD PAPER_PDF MNIST_DIR 'STAGE ...'
#       reads `make -n --trace` on stdin and prints one line: the stages
#       with a target to remake, each with its time from TSV.
#
# A stage's time is its work: the sum of the wall times of its recipes, one
# job each, the latest run of every target (a target rebuilt alone
# replaces its own time and no other).  Built alone with more jobs, a stage
# takes at most that.  The total is a measured wall clock: the latest
# `make` (or `make paper`) of the profile that started with none of its
# stages' outputs; `make` recorded its job count beside it.
set -eu

# fmt SECONDS (awk function text): 8.2 s, 41 s, 6.5 min, 63 min, 1 h 24 min.
FMT='function fmt(s) {
    if (s < 10) return sprintf("%.1f s", s)
    if (s < 99.5) return sprintf("%.0f s", s)
    if (s < 594) return sprintf("%.1f min", s / 60)
    if (s < 5970) return sprintf("%.0f min", s / 60)
    return sprintf("%d h %02d min", int(s / 3600), int((s % 3600) / 60 + 0.5))
}'

# rows PROFILE RECORDS: the TSV rows of one profile's records.
rows() {
    awk -F '\t' -v p="$1" '
    NF != 5 { next }
    $2 == "make" {
        if ($3 ~ /\/scratch\// && $1 + 0 >= best + 0) { best = $1; wall = $5 - $4; how = $3; day = $4 }
        next
    }
    { k = $2 SUBSEP $3; t[k, $1] += $5 - $4
      if (!(k in last) || $1 + 0 > last[k] + 0) last[k] = $1 }
    END {
        for (k in last) { split(k, a, SUBSEP); sec[a[1]] += t[k, last[k]]; n[a[1]]++ }
        for (s in sec) printf "%s\t%s\t%.3f\t%d\n", p, s, sec[s], n[s]
        if (best != "") {
            split(how, h, "/")
            cmd = "date -u -d @" int(day) " +%Y-%m-%d"
            cmd | getline d
            close(cmd)
            printf "%s\tmake\t%.3f\t%s -%s, %s cores, %s\n", p, wall, h[1], h[3], h[4], d
        }
    }' "$2" | sort
}

table() {
    readme=$1 tsv=$2 stages=$3
    shift 3
    # One begin line, then one end line.
    marks=$(grep -n -x -e '<!-- timings:begin -->' -e '<!-- timings:end -->' "$readme" | sed 's/^[0-9]*://' | tr '\n' ' ')
    if [ "$marks" != '<!-- timings:begin --> <!-- timings:end --> ' ]; then
        echo "timings: $readme: no <!-- timings:begin --> and <!-- timings:end --> lines, once each and in that order" >&2
        exit 1
    fi
    new=$tsv.$$.tmp
    profiles=
    printf 'profile\tstage\tseconds\tnote\n' > "$new"
    for pr in "$@"; do
        p=${pr%%=*} rec=${pr#*=}
        profiles="$profiles $p"
        if [ -f "$rec" ]; then rows "$p" "$rec" >> "$new"
        elif [ -f "$tsv" ]; then awk -F '\t' -v p="$p" '$1 == p' "$tsv" >> "$new"; fi
    done
    awk -F '\t' -v stages="$stages" -v profiles="$profiles" "$FMT"'
    NR == 1 { next }
    { v[$1, $2] = $3; note[$1, $2] = $4; seen[$1] = 1 }
    END {
        ns = split(stages, st, " "); np = split(profiles, pf, " ")
        head = "| stage |"; rule = "|---|"
        for (j = 1; j <= np; j++) { head = head " " pf[j] " |"; rule = rule "---|" }
        print head; print rule
        for (i = 1; i <= ns; i++) {
            line = "| " st[i] " |"
            for (j = 1; j <= np; j++) {
                p = pf[j]
                if (!(p in seen)) c = "not measured"
                else if ((p, st[i]) in v) { c = fmt(v[p, st[i]]); work[p] += v[p, st[i]] }
                else c = "–"
                line = line " " c " |"
            }
            print line
        }
        line = "| the stages'"'"' work, summed |"; tot = "| whole `make`, wall clock |"
        for (j = 1; j <= np; j++) {
            p = pf[j]
            line = line " " (p in seen ? fmt(work[p]) : "not measured") " |"
            tot = tot " " ((p, "make") in v ? fmt(v[p, "make"]) " (" note[p, "make"] ")" : "not measured") " |"
        }
        print line; print tot
    }' "$new" > "$new.md"
    awk -v md="$new.md" '
    $0 == "<!-- timings:end -->" { while ((getline l < md) > 0) print l; skip = 0 }
    !skip { print }
    $0 == "<!-- timings:begin -->" { skip = 1 }' "$readme" > "$readme.$$.tmp"
    mv "$readme.$$.tmp" "$readme"
    mv "$new" "$tsv"
    rm -f "$new.md"
}

plan() {
    tsv=$1 profile=$2 data=$3 fig=$4 gen=$5 build=$6 pdf=$7 mnist=$8 stages=$9
    [ -f "$tsv" ] || tsv=/dev/null
    awk -v tsv="$tsv" -v profile="$profile" -v data="$data/" -v fig="$fig/" -v gen="$gen/" \
        -v build="$build/" -v pdf="$pdf" -v mnist="$mnist/" -v stages="$stages" "$FMT"'
    BEGIN {
        while ((getline l < tsv) > 0) {
            split(l, f, "\t")
            if (f[1] == profile) { sec[f[2]] = f[3]; runs[f[2]] = f[4] + 0; known = 1 }
        }
        ns = split(stages, st, " ")
        for (i = 1; i <= ns; i++) isstage[st[i]] = 1
    }
    function pre(s, p) { return substr(s, 1, length(p)) == p }
    # The stage a target belongs to (stages/timings.mk records it so), or "".
    function stage_of(t,    r, c) {
        if (t == pdf || pre(t, gen)) return t ~ /\/(verdicts|references|verdict-counts)\.tex$/ ? "verdicts" : "paper"
        if (pre(t, fig)) return "figures"
        if (pre(t, mnist)) return "mnist"
        if (pre(t, build)) return t ~ /\/stamps\// ? "" : "build"
        if (!pre(t, data)) return ""
        r = substr(t, length(data) + 1)
        while (match(r, "^replica-[0-9]+/data/" profile "/")) r = substr(r, RLENGTH + 1)
        if (r ~ /^(verdicts|effects|numbers)\.tsv$/) return "verdicts"
        c = r; sub(/\/.*/, "", c)
        return (c in isstage) && c != r ? c : ""
    }
    {
        if (!match($0, /(update )?target \047[^\047]*\047 (due to: |does not exist)/)) next
        s = substr($0, RSTART, RLENGTH); t = s; sub(/^[^\047]*\047/, "", t); sub(/\047.*/, "", t)
        # A target remade only because of FORCE (a setting, a stamp that
        # is rewritten only when it changes, a replica sub-make), or only
        # because of such targets, is no work in itself.
        if (s ~ /due to: $/) {
            due = substr($0, RSTART + RLENGTH); n = split(due, d, " "); only = 1
            for (i = 1; i <= n; i++) if (d[i] != "FORCE" && !(d[i] in forced)) only = 0
            if (only) { forced[t] = 1; next }
        }
        g = stage_of(t)
        if (g != "" && !((g, t) in counted)) { counted[g, t] = 1; stale[g]++ }
    }
    END {
        out = ""; total = 0; work = 0; whole = 0
        for (s in sec) if (s != "make") whole += sec[s]
        for (i = 1; i <= ns; i++) {
            s = st[i]
            if (!(s in stale)) continue
            e = ""; if (!(s in sec)) untimed++
            if (s in sec) {
                part = runs[s] > 0 && stale[s] < runs[s] ? stale[s] / runs[s] : 1
                work += sec[s] * part; e = " (~" fmt(sec[s] * part) ")"
            }
            out = out (out == "" ? "" : ", ") s e
        }
        if (out == "") { print "make: every stage of PROFILE=" profile " is up to date for these goals"; exit }
        if (!known) { print "make: will run " out " (" tsv " has no times of PROFILE=" profile ")"; exit }
        # The wall clock of a whole build over its work: what the job count gains.
        r = ("make" in sec) && whole > 0 ? sec["make"] / whole : 1
        print "make: will run " out "; about " fmt(work * r) (untimed ? " for those with a time" : " in all") \
            " on the machine of the README'"'"'s timing table"
    }'
}

case ${1:-} in
    table) shift; [ $# -ge 4 ] || { echo "usage: timings.sh table README TSV 'STAGE ...' PROFILE=RECORDS ..." >&2; exit 2; }
           table "$@" ;;
    plan) shift; [ $# -eq 9 ] || { echo "usage: timings.sh plan TSV PROFILE DATA FIG GEN BUILD PAPER_PDF MNIST_DIR 'STAGE ...'" >&2; exit 2; }
          plan "$@" ;;
    *) echo "usage: timings.sh table|plan ..." >&2; exit 2 ;;
esac
