/* judge: decides, from the regenerated summaries, whether each claim of the
 * reports reproduced, and writes the verdicts as a table and as LaTeX.
 *
 *   judge --tsv OUT.tsv [--tex OUT.tex [--caption LATEX]] [--expect VERDICTS.tsv]
 *         --claims CLAIMS.tsv [--claims ...] SUMMARY.tsv [SUMMARY.tsv ...]
 *
 * The LaTeX is a longtable (packages longtable and array) with the caption given (raw
 * LaTeX, label included), then macros \claimsTotal, \claimsReproduced,
 * \claimsNotReproduced and \claimsNotComparable.
 *
 * A claims file has one claim per line, tab-separated ('#' comments):
 *   id  claim  source  report_value  rule  args
 * and the rules are
 *   greater A B NA NB   mean A above mean B: A, B are KEY_mean keys (their
 *                       spread is KEY_sd, absent for a single run), NA, NB
 *                       keys holding the seed counts (or integers).  The
 *                       claim reproduced if the difference is more than two
 *                       standard errors, sqrt(sdA^2/nA + sdB^2/nB), above 0;
 *                       with one run each, if it is above 0.
 *   less A B NA NB      the same, A below B.
 *   not_greater A B NA NB
 *                       "no gain" of A over B: reproduced unless A's mean is
 *                       more than two standard errors above B's.
 *   below KEY BOUND     KEY < BOUND.       above KEY BOUND     KEY > BOUND.
 *   ratio_above A B R   A / B > R.
 *   within KEY REF TOL  |KEY - REF| <= TOL.
 *   none REASON...      not comparable here, for the reason given.
 * A verdict is "reproduced", "not reproduced" or "not comparable"; each
 * comes with what was measured and why.  --expect rows `id verdict` (the
 * verdict with '-' for spaces) make any change of those verdicts an error:
 * the last line is "N verdicts as expected, N changed" and the exit status
 * 1 if any changed.  Bad input (a malformed line, an unknown rule, a key no
 * summary gives) is an error naming the file and line, with no output. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "util.h"

#define MAX_FILES 64

typedef struct {
    const char *key, *value, *source;
} measured_t;

typedef struct {
    measured_t *m;
    int n, cap;
} measures_t;

typedef struct {
    const char *file;
    int line;
    char *id, *claim, *source, *report, *rule, *args;
    const char *verdict;
    char ours[256], why[512];
} claim_t;

static void usage(FILE *fp)
{
    fprintf(fp, "usage: judge --tsv OUT.tsv [--tex OUT.tex [--caption LATEX]] [--expect VERDICTS.tsv]\n"
                "             --claims CLAIMS.tsv [--claims ...] SUMMARY.tsv [...]\n"
                "Judges every claim (id, claim, source, report value, rule, args; tab-separated)\n"
                "against the summaries: rules greater, less (means over seeds, two standard\n"
                "errors), below, above, ratio_above, within, none.\n");
}

static const char *lookup(const measures_t *ms, const char *key)
{
    for (int i = 0; i < ms->n; i++)
        if (!strcmp(ms->m[i].key, key))
            return ms->m[i].value;
    return NULL;
}

/* The number under key, or an error naming the claim. */
static int number(const measures_t *ms, const claim_t *c, const char *key, double *v, err_t *e)
{
    const char *s = lookup(ms, key);
    if (!s)
        return err_set(e, "%s:%d: claim '%s': no summary gives the key '%s'", c->file, c->line,
                       c->id, key);
    if (parse_double(s, v) != 0 || !isfinite(*v))
        return err_set(e, "%s:%d: claim '%s': the value of '%s' is '%s', not a finite number",
                       c->file, c->line, c->id, key, s);
    return 0;
}

/* A literal number or a key's value. */
static int number_or_key(const measures_t *ms, const claim_t *c, const char *word, double *v,
                         err_t *e)
{
    if (parse_double(word, v) == 0 && isfinite(*v))
        return 0;
    return number(ms, c, word, v, e);
}

/* KEY_mean -> KEY_sd; a mean of one run (n = 1) may have none (sd 0), a
 * mean over seeds must. */
static int spread(const measures_t *ms, const claim_t *c, const char *mean_key, double n_runs,
                  double *sd, err_t *e)
{
    size_t n = strlen(mean_key);
    if (n < 5 || strcmp(mean_key + n - 5, "_mean"))
        return err_set(e, "%s:%d: claim '%s': '%s' is not a KEY_mean key", c->file, c->line,
                       c->id, mean_key);
    char sd_key[256];
    snprintf(sd_key, sizeof sd_key, "%.*s_sd", (int)(n - 5), mean_key);
    if (!lookup(ms, sd_key)) {
        if (n_runs > 1)
            return err_set(e, "%s:%d: claim '%s': '%s' is a mean of %g runs, but no summary "
                              "gives its spread '%s'", c->file, c->line, c->id, mean_key,
                           n_runs, sd_key);
        *sd = 0;
        return 0;
    }
    return number(ms, c, sd_key, sd, e);
}

static int split_args(char *args, char **w, int max)
{
    int n = 0;
    for (char *tok = strtok(args, " "); tok; tok = strtok(NULL, " ")) {
        if (n == max)
            return max + 1;
        w[n++] = tok;
    }
    return n;
}

static int judge_one(const measures_t *ms, claim_t *c, err_t *e)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", c->args);
    char *w[8];
    int n = split_args(buf, w, 7);
    const char *r = c->rule;
    int pair = !strcmp(r, "greater") || !strcmp(r, "less") || !strcmp(r, "not_greater");
    int want = pair ? 4
               : !strcmp(r, "below") || !strcmp(r, "above") ? 2
               : !strcmp(r, "ratio_above") || !strcmp(r, "within") ? 3
               : !strcmp(r, "none") ? -1 : 0;
    if (!want)
        return err_set(e, "%s:%d: claim '%s': unknown rule '%s' (greater, less, not_greater, "
                          "below, above, ratio_above, within, none)", c->file, c->line, c->id, r);
    if (want < 0) {
        if (!*c->args || !strcmp(c->args, "-"))
            return err_set(e, "%s:%d: claim '%s': rule none needs the reason", c->file,
                           c->line, c->id);
        c->verdict = "not comparable";
        snprintf(c->ours, sizeof c->ours, "-");
        snprintf(c->why, sizeof c->why, "%s", c->args);
        return 0;
    }
    if (n != want)
        return err_set(e, "%s:%d: claim '%s': rule %s takes %d arguments, not %d", c->file,
                       c->line, c->id, r, want, n);
    double a, b, x;
    if (pair) {
        double sa, sb, na, nb;
        if (number(ms, c, w[0], &a, e) || number(ms, c, w[1], &b, e) ||
            number_or_key(ms, c, w[2], &na, e) || number_or_key(ms, c, w[3], &nb, e))
            return -1;
        if (na < 1 || nb < 1)
            return err_set(e, "%s:%d: claim '%s': seed counts %g and %g must be at least 1",
                           c->file, c->line, c->id, na, nb);
        if (spread(ms, c, w[0], na, &sa, e) || spread(ms, c, w[1], nb, &sb, e))
            return -1;
        double d = !strcmp(r, "less") ? b - a : a - b;
        double se = sqrt(sa * sa / na + sb * sb / nb);
        snprintf(c->ours, sizeof c->ours, "%.4g +/- %.2g vs %.4g +/- %.2g", a, sa, b, sb);
        if (!strcmp(r, "not_greater")) {
            int gain = se == 0 ? d > 0 : d > 2 * se;
            c->verdict = gain ? "not reproduced" : "reproduced";
            if (se == 0)
                snprintf(c->why, sizeof c->why, "one run each: difference %.3g", d);
            else
                snprintf(c->why, sizeof c->why, "difference %.3g is %.1f standard errors (n = %g, "
                         "%g)%s", d, d / se, na, nb, gain ? ": a gain" : ": no clear gain");
            return 0;
        }
        if (se == 0) {
            c->verdict = d > 0 ? "reproduced" : "not reproduced";
            snprintf(c->why, sizeof c->why, "one run each: difference %.3g%s", d,
                     d > 0 ? "" : ", the wrong way");
        } else if (d > 2 * se) {
            c->verdict = "reproduced";
            snprintf(c->why, sizeof c->why, "difference %.3g, %.1f standard errors (n = %g, %g)",
                     d, d / se, na, nb);
        } else {
            c->verdict = "not reproduced";
            snprintf(c->why, sizeof c->why, "difference %.3g is %.1f standard errors (n = %g, %g)%s",
                     d, d / se, na, nb, d < -2 * se ? ": the opposite holds" : ": within the spread");
        }
        return 0;
    }
    if (!strcmp(r, "below") || !strcmp(r, "above")) {
        if (number(ms, c, w[0], &a, e) || number_or_key(ms, c, w[1], &b, e))
            return -1;
        int ok = !strcmp(r, "below") ? a < b : a > b;
        c->verdict = ok ? "reproduced" : "not reproduced";
        snprintf(c->ours, sizeof c->ours, "%.4g", a);
        snprintf(c->why, sizeof c->why, "%.4g is %s %.4g", a, ok == !strcmp(r, "below")
                 ? "below" : "not below", b);
        if (!strcmp(r, "above"))
            snprintf(c->why, sizeof c->why, "%.4g is %s %.4g", a, ok ? "above" : "not above", b);
        return 0;
    }
    if (!strcmp(r, "ratio_above")) {
        if (number(ms, c, w[0], &a, e) || number(ms, c, w[1], &b, e) ||
            number_or_key(ms, c, w[2], &x, e))
            return -1;
        if (b == 0)
            return err_set(e, "%s:%d: claim '%s': '%s' is 0, the ratio is undefined", c->file,
                           c->line, c->id, w[1]);
        double q = a / b;
        c->verdict = q > x ? "reproduced" : "not reproduced";
        snprintf(c->ours, sizeof c->ours, "%.3g", q);
        snprintf(c->why, sizeof c->why, "ratio %.3g is %s %.3g", q, q > x ? "above" : "not above",
                 x);
        return 0;
    }
    /* within */
    if (number(ms, c, w[0], &a, e) || number_or_key(ms, c, w[1], &b, e) ||
        number_or_key(ms, c, w[2], &x, e))
        return -1;
    if (x < 0)
        return err_set(e, "%s:%d: claim '%s': tolerance %g is negative", c->file, c->line,
                       c->id, x);
    int ok = fabs(a - b) <= x;
    c->verdict = ok ? "reproduced" : "not reproduced";
    snprintf(c->ours, sizeof c->ours, "%.4g", a);
    snprintf(c->why, sizeof c->why, "%.4g is %s %.3g of %.4g", a, ok ? "within" : "not within", x,
             b);
    return 0;
}

/* Splits a line at tabs into at most max fields; returns the count. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return strchr(p, '\t') ? max + 1 : n;
}

/* The whole file (util's read_file), refused if it holds a NUL byte. */
static char *slurp(const char *path, err_t *e)
{
    char *buf;
    size_t len;
    if (read_file(path, &buf, &len, e) != 0)
        return NULL;
    if (strlen(buf) != len) {
        free(buf);
        err_set(e, "%s: holds a NUL byte: not a text file", path);
        return NULL;
    }
    return buf;
}

static int read_claims(const char *path, char **text, claim_t **cl, int *n, int *cap, err_t *e)
{
    *text = slurp(path, e);
    if (!*text)
        return -1;
    int line = 0, first = *n;
    for (char *p = *text, *next; p && *p; p = next) {
        line++;
        char *nl = strchr(p, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        size_t len = strlen(p);
        if (len && p[len - 1] == '\r')
            p[--len] = '\0';
        if (!len || p[0] == '#')
            continue;
        char *f[6];
        int nf = split_tabs(p, f, 6);
        if (nf != 6)
            return err_set(e, "%s:%d: a claim has 6 tab-separated fields (id, claim, source, "
                              "report value, rule, args), not %d", path, line, nf > 6 ? 7 : nf);
        for (int i = 0; i < 6; i++)
            if (!*f[i])
                return err_set(e, "%s:%d: field %d is empty (write - for none)", path, line,
                               i + 1);
        if (!key_is_valid(f[0]) && !strchr(f[0], '-'))
            return err_set(e, "%s:%d: '%s' is not an id (letters, digits, '-', '_')", path,
                           line, f[0]);
        for (const char *q = f[0]; *q; q++)
            if (!(*q == '-' || *q == '_' || (*q >= 'a' && *q <= 'z') ||
                  (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
                return err_set(e, "%s:%d: '%s' is not an id (letters, digits, '-', '_')",
                               path, line, f[0]);
        for (int i = 0; i < *n; i++)
            if (!strcmp((*cl)[i].id, f[0]))
                return err_set(e, "%s:%d: claim '%s' is already listed at %s:%d", path, line,
                               f[0], (*cl)[i].file, (*cl)[i].line);
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 32;
            *cl = realloc(*cl, (size_t)*cap * sizeof **cl);
            if (!*cl)
                return err_set(e, "out of memory");
        }
        claim_t *c = &(*cl)[(*n)++];
        memset(c, 0, sizeof *c);
        c->file = path;
        c->line = line;
        c->id = f[0];
        c->claim = f[1];
        c->source = f[2];
        c->report = f[3];
        c->rule = f[4];
        c->args = f[5];
    }
    if (*n == first)
        return err_set(e, "%s: no claims: nothing would be judged", path);
    return 0;
}

/* LaTeX-safe text: specials escaped, straight double quotes made `` '',
 * and "+/-" a plus-minus sign. */
static void tex_text(FILE *fp, const char *s)
{
    int open = 0;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (!strncmp(p, "+/-", 3)) {
            fputs("$\\pm$", fp);
            p += 2;
            continue;
        }
        if (ch == '"') {
            fputs(open ? "''" : "``", fp);
            open = !open;
        } else if (ch == '_') {
            fputs("\\_\\allowbreak{}", fp); /* long key names break at '_' */
        } else if (strchr("%&#$", ch)) {
            fprintf(fp, "\\%c", ch);
        } else if (ch == '\\') {
            fputs("\\textbackslash{}", fp);
        } else if (ch == '~') {
            fputs("\\textasciitilde{}", fp);
        } else if (ch == '^') {
            fputs("\\textasciicircum{}", fp);
        } else if (ch == '<' || ch == '>') {
            fputs(ch == '<' ? "\\textless{}" : "\\textgreater{}", fp);
        } else if (ch == '{' || ch == '}') {
            fprintf(fp, "\\%c", ch);
        } else {
            fputc(ch, fp);
        }
    }
}

static int write_outputs(const char *tsv, const char *tex, const char *caption, const claim_t *cl,
                         int n, err_t *e)
{
    atomic_file_t a, b;
    if (atomic_open(&a, tsv, e) != 0)
        return -1;
    fprintf(a.fp, "id\tverdict\tours\treport\twhy\n");
    for (int i = 0; i < n; i++)
        fprintf(a.fp, "%s\t%s\t%s\t%s\t%s\n", cl[i].id, cl[i].verdict, cl[i].ours, cl[i].report,
                cl[i].why);
    if (!tex)
        return atomic_commit(&a, e);
    if (atomic_open(&b, tex, e) != 0) {
        atomic_abort(&a);
        return -1;
    }
    int counts[3] = {0, 0, 0};
    fprintf(b.fp, "%% Generated by judge; do not edit.\n");
    /* Ragged-right columns (package array). */
    fprintf(b.fp, "\\begin{longtable}{@{}>{\\raggedright\\arraybackslash}p{0.36\\textwidth}"
                  ">{\\raggedright\\arraybackslash}p{0.09\\textwidth}"
                  ">{\\raggedright\\arraybackslash}p{0.2\\textwidth}"
                  ">{\\raggedright\\arraybackslash}p{0.27\\textwidth}@{}}\n");
    const char *head = "\\toprule\nClaim (source) & Report & Ours & Verdict \\\\\n\\midrule\n";
    if (caption)
        fprintf(b.fp, "\\caption{%s}\\\\\n", caption);
    fprintf(b.fp, "%s\\endfirsthead\n%s\\endhead\n", head, head);
    for (int i = 0; i < n; i++) {
        const claim_t *c = &cl[i];
        counts[!strcmp(c->verdict, "reproduced") ? 0 : !strcmp(c->verdict, "not reproduced") ? 1 : 2]++;
        tex_text(b.fp, c->claim);
        fputs(" {\\small (", b.fp);
        tex_text(b.fp, c->source);
        fputs(")} & ", b.fp);
        tex_text(b.fp, c->report);
        fputs(" & ", b.fp);
        tex_text(b.fp, c->ours);
        fprintf(b.fp, " & \\textbf{%s}: ", c->verdict);
        tex_text(b.fp, c->why);
        fputs(" \\\\\n", b.fp);
    }
    fprintf(b.fp, "\\bottomrule\n\\end{longtable}\n");
    /* Global, so that the counts outlive a group around the table. */
    fprintf(b.fp, "\\gdef\\claimsTotal{%d}\n\\gdef\\claimsReproduced{%d}\n"
                  "\\gdef\\claimsNotReproduced{%d}\n\\gdef\\claimsNotComparable{%d}\n",
            n, counts[0], counts[1], counts[2]);
    if (atomic_commit(&a, e) != 0) {
        atomic_abort(&b);
        return -1;
    }
    return atomic_commit(&b, e);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *tsv = NULL, *tex = NULL, *expect = NULL, *caption = NULL, *claims[MAX_FILES];
    int nclaims = 0;
    enum { OPT_TSV = 256, OPT_TEX, OPT_EXPECT, OPT_CLAIMS, OPT_CAPTION };
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"tsv", required_argument, NULL, OPT_TSV},
        {"tex", required_argument, NULL, OPT_TEX},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"claims", required_argument, NULL, OPT_CLAIMS},
        {"caption", required_argument, NULL, OPT_CAPTION},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int ch, before = optind;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        const char *word = optind > before ? argv[optind - 1] : "";
        before = optind;
        switch (ch) {
        case 'h':
            usage(stdout);
            return 0;
        case OPT_TSV:
            tsv = optarg;
            break;
        case OPT_TEX:
            tex = optarg;
            break;
        case OPT_EXPECT:
            expect = optarg;
            break;
        case OPT_CAPTION:
            caption = optarg;
            break;
        case OPT_CLAIMS:
            if (nclaims == MAX_FILES)
                die("at most %d --claims files", MAX_FILES);
            claims[nclaims++] = optarg;
            break;
        case ':':
            die("%s needs a value (see --help)", word);
        default:
            if (!strncmp(word, "--", 2))
                die("unknown option '%s' (see --help)", word);
            die("unknown option '-%c' (see --help)", optopt);
        }
    }
    if (!tsv || !nclaims || optind >= argc)
        die("--tsv, at least one --claims and at least one summary are required (see --help)");
    err_t e;
    int nsum = argc - optind;
    if (nsum > 4096)
        die("too many summaries");
    /* Inputs and outputs must be distinct files. */
    {
        io_path_t in[MAX_FILES + 1 + 4096];
        int ni = 0;
        for (int i = 0; i < nclaims; i++)
            in[ni++] = (io_path_t){"--claims", claims[i]};
        if (expect)
            in[ni++] = (io_path_t){"--expect", expect};
        for (int i = 0; i < nsum && ni < (int)(sizeof in / sizeof in[0]); i++)
            in[ni++] = (io_path_t){"summary", argv[optind + i]};
        const io_path_t outs[] = {{"--tsv", tsv}, {"--tex", tex}};
        if (check_io_paths(in, ni, outs, 2, &e) != 0)
            die("%s", e.msg);
    }
    measures_t ms = {0};
    table_t *sums = xcalloc((size_t)nsum, sizeof *sums);
    for (int s = 0; s < nsum; s++) {
        const char *path = argv[optind + s];
        if (table_read(path, 2, 2, &sums[s], &e) != 0)
            die("%s", e.msg);
        for (int r = 0; r < sums[s].nrows; r++) {
            const char *key = sums[s].rows[r].col[0];
            for (int m = 0; m < ms.n; m++)
                if (!strcmp(ms.m[m].key, key))
                    die("%s:%d: key '%s' already given by %s", path, sums[s].rows[r].line, key,
                        ms.m[m].source);
            if (ms.n == ms.cap) {
                ms.cap = ms.cap ? 2 * ms.cap : 256;
                ms.m = realloc(ms.m, (size_t)ms.cap * sizeof *ms.m);
                if (!ms.m)
                    die("out of memory");
            }
            ms.m[ms.n++] = (measured_t){key, sums[s].rows[r].col[1], path};
        }
    }
    claim_t *cl = NULL;
    int n = 0, cap = 0;
    char *texts[MAX_FILES];
    for (int i = 0; i < nclaims; i++)
        if (read_claims(claims[i], &texts[i], &cl, &n, &cap, &e) != 0)
            die("%s", e.msg);
    for (int i = 0; i < n; i++)
        if (judge_one(&ms, &cl[i], &e) != 0)
            die("%s", e.msg);

    int changed = 0, same = 0;
    if (expect) {
        table_t ex;
        if (table_read(expect, 2, 2, &ex, &e) != 0)
            die("%s", e.msg);
        if (ex.nrows == 0)
            die("%s: no expected verdicts: nothing would be checked", expect);
        for (int r = 0; r < ex.nrows; r++) {
            const char *id = ex.rows[r].col[0], *want = ex.rows[r].col[1];
            if (strcmp(want, "reproduced") && strcmp(want, "not-reproduced") &&
                strcmp(want, "not-comparable"))
                die("%s:%d: '%s' is not a verdict (reproduced, not-reproduced, not-comparable)",
                    expect, ex.rows[r].line, want);
            const claim_t *c = NULL;
            for (int i = 0; i < n; i++)
                if (!strcmp(cl[i].id, id))
                    c = &cl[i];
            if (!c)
                die("%s:%d: no claim has the id '%s'", expect, ex.rows[r].line, id);
            char got[32];
            snprintf(got, sizeof got, "%s", c->verdict);
            for (char *q = got; *q; q++)
                if (*q == ' ')
                    *q = '-';
            if (strcmp(got, want)) {
                changed++;
                printf("CHANGED %-28s expected %s, now %s (%s)\n", id, want, got, c->why);
            } else {
                same++;
            }
        }
        table_free(&ex);
    }
    if (write_outputs(tsv, tex, caption, cl, n, &e) != 0)
        die("%s", e.msg);
    for (int i = 0; i < n; i++)
        printf("%-28s %-15s %s\n", cl[i].id, cl[i].verdict, cl[i].why);
    if (expect)
        printf("%d verdicts as expected, %d changed\n", same, changed);
    for (int i = 0; i < nclaims; i++)
        free(texts[i]);
    free(cl);
    for (int s = 0; s < nsum; s++)
        table_free(&sums[s]);
    free(sums);
    free(ms.m);
    return changed ? 1 : 0;
}
