/* judge: decides, from the regenerated per-seed results, what became of each claim of the
 * two reports and of each comparison with values from elsewhere, and writes the outcomes as
 * a table, as LaTeX and as counts (DESIGN.md, Verdicts; the specification is
 * README, Verdicts).
 *
 *   judge --tsv OUT.tsv [--tex REPORT.tex] [--ref-tex REFERENCE.tex] [--counts-tex COUNTS.tex]
 *         [--effects EFFECTS.tsv] [--expect VERDICTS.tsv]
 *         --claims FILE [--claims FILE ...] [--references FILE ...] SAMPLES.tsv [...]
 *
 * Samples: one key a line, `KEY V1 [V2 ... Vn]` (tabs or spaces, '#' comments), the key's
 * result in each of n independent seeds; a plain summary (`key value`) is a sample of one
 * run.  Values stay text until a rule uses the key.  A key given twice is an error.
 *
 * Claims (--claims: the reports'; --references: values from elsewhere, judged the same way
 * but tabled and counted apart), one a line, 7 TAB-separated fields:
 *   id  claim  source  report_value  measure  rule  args
 * The stage of a claim is the directory holding its file.  Rules (args split at single
 * spaces; T, M, R, REF, TOL a number or a key with one deterministic value):
 *   above KEY T, below KEY T              mean(KEY) > T, < T: one-sample 95 % t interval
 *   greater A B [M], less A B [M]         mean(A) - mean(B) > M, < M (M = 0): Welch interval
 *   ratio_above A B R, ratio_below A B R  A / B > R, < R: Welch on ln values (all > 0)
 *     -> reproduced (the interval strictly on the claimed side), contradicted (strictly on
 *        the other), inconclusive (otherwise, or one run: no interval; with the number of
 *        runs per side that would decide, at the same sds and mean effect)
 *   exact_above KEY T, exact_below KEY T  deterministic KEY (equal in every run) -> reproduced
 *                                         or contradicted
 *   exact_value KEY REF TOL               |KEY - REF| <= TOL -> matches, else differs
 *   value KEY REF TOL higher|lower        the interval (or one run's value) against the band
 *                                         REF +/- TOL -> matches, better or worse
 *   all ID [ID ...]                       conjunction of comparisons and exact_above/below
 *   none REASON...                        not testable by any run of ours
 * Intervals use t quantiles from GSL (gsl_cdf_tdist_Pinv).
 *
 * Outputs, each atomic and all committed or none: --tsv (every claim), --effects (every
 * comparison on one relative scale, positive = the claimed direction), --tex and --ref-tex
 * (longtables: packages longtable, array, booktabs), --counts-tex (\gdef macros
 * \claimsTotal ... \claimsNotTestable, \refsTotal ... and \verdictStageTable).  stdout: one
 * line per claim, `id outcome why`.  --expect rows `id outcome` (spaces in the outcome as
 * '-') make any change of those outcomes print "CHANGED ..." and exit 1, after the line
 * "N verdicts as expected, N changed".  Bad input (a malformed line, an unknown rule or key,
 * a value, threshold, ratio or tolerance that is not a finite number, a negative tolerance,
 * a count key (..._parameters, _count, _epochs, _iterations, _points, _images) whose value
 * is not a whole number, a control character or a blank field in a claim, a NUL byte in
 * any file, numbers whose difference, ratio, interval or relative effect overflows) is an
 * error naming the file and line, with no output.  The files are parsed by the library
 * (src/lib/report/claims.c); the statistics, with GSL, are here. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_statistics_double.h>

#include "report/claims.h"
#include "core/table.h"
#include "core/util.h"

/* The largest number of runs per side the "would decide" search tries. */
#define MAX_RUNS_SEARCHED 10000

static void usage(FILE *fp)
{
    fprintf(fp,
        "usage: judge --tsv OUT.tsv [--tex REPORT.tex] [--ref-tex REFERENCE.tex]\n"
        "             [--counts-tex COUNTS.tex] [--effects EFFECTS.tsv] [--expect VERDICTS.tsv]\n"
        "             --claims FILE [--claims FILE ...] [--references FILE ...]\n"
        "             SAMPLES.tsv [SAMPLES.tsv ...]\n"
        "Judges every claim against the samples (lines `KEY V1 [V2 ...]`, one value per\n"
        "independent seed; a summary `key value` is one run).  A claims file has one claim a\n"
        "line, 7 tab-separated fields: id, claim, source, report_value, measure, rule, args.\n"
        "--claims holds the reports' claims, --references comparisons with values from\n"
        "elsewhere (tabled and counted apart).  Rules (95 %% intervals, t quantiles from GSL):\n"
        "  above KEY T | below KEY T              one-sample interval of the mean against T\n"
        "  greater A B [M] | less A B [M]         Welch interval of mean(A) - mean(B) against M\n"
        "  ratio_above A B R | ratio_below A B R  Welch on ln values, as a ratio against R\n"
        "      -> reproduced, contradicted or inconclusive\n"
        "  exact_above KEY T | exact_below KEY T  a deterministic value -> reproduced/contradicted\n"
        "  exact_value KEY REF TOL                -> matches or differs\n"
        "  value KEY REF TOL higher|lower         against the band REF +/- TOL -> matches,\n"
        "                                         better or worse\n"
        "  all ID [ID ...]                        conjunction of comparisons and exact_above/below\n"
        "  none REASON...                         -> not testable\n"
        "T, M, R, REF and TOL are numbers or keys with one deterministic value.\n"
        "--expect rows `id outcome` (not-testable for not testable): exit 1 if any changed.\n");
}

/* ---------------------------------------------------------------- statistics */

typedef struct {
    int n;
    double mean, sd; /* sd: n - 1 denominator, 0 for one run */
} stats_t;

/* The sample of key, its values parsed (once). */
/* A key that counts something (its last word parameters, count, epochs, iterations, points
 * or images): its values must be whole numbers >= 0. */
static int is_count_key(const char *key)
{
    static const char *const word[] = {"parameters", "count", "epochs", "iterations",
                                       "points", "images"};
    const char *last = strrchr(key, '_');
    last = last ? last + 1 : key;
    for (size_t i = 0; i < sizeof word / sizeof *word; i++)
        if (!strcmp(last, word[i]))
            return 1;
    return 0;
}

static int values(const samples_t *ss, const claim_t *c, const char *key, sample_t **out,
                  err_t *e)
{
    sample_t *s = samples_find(ss, key);
    if (!s)
        return err_set(e, "%s:%d: claim '%s': no samples file gives the key '%s'", c->file,
                       c->line, c->id, key);
    if (!s->x) {
        double *x = xmalloc((size_t)s->n * sizeof *x);
        for (int i = 0; i < s->n; i++)
            if (parse_double(s->text[i], &x[i]) != 0 || !isfinite(x[i])) {
                free(x);
                return err_set(e, "%s:%d: key '%s': value %d, '%s', is not a finite number "
                                  "(used by claim '%s' at %s:%d)", s->file, s->line, s->key,
                               i + 1, s->text[i], c->id, c->file, c->line);
            }
        for (int i = 0; i < s->n && is_count_key(s->key); i++)
            if (!(x[i] >= 0) || x[i] != floor(x[i])) {
                free(x);
                return err_set(e, "%s:%d: key '%s': value %d, '%s', is not a whole number >= 0 "
                                  "(the key is a count; used by claim '%s' at %s:%d)", s->file,
                               s->line, s->key, i + 1, s->text[i], c->id, c->file, c->line);
            }
        s->x = x;
    }
    *out = s;
    return 0;
}

/* Mean and sd of key's values, or of their natural logarithms (every value > 0). */
static int stats(const samples_t *ss, const claim_t *c, const char *key, int logs,
                 stats_t *st, err_t *e)
{
    sample_t *s;
    if (values(ss, c, key, &s, e) != 0)
        return -1;
    double *y = xmalloc((size_t)s->n * sizeof *y); /* (n) */
    for (int i = 0; i < s->n; i++) {
        if (logs && !(s->x[i] > 0)) {
            free(y);
            return err_set(e, "%s:%d: claim '%s': rule %s compares logarithms, but key '%s' "
                              "(%s:%d) holds %s, not a positive number", c->file, c->line,
                           c->id, RULES[c->rule].name, key, s->file, s->line, s->text[i]);
        }
        y[i] = logs ? log(s->x[i]) : s->x[i];
    }
    st->n = s->n;
    st->mean = gsl_stats_mean(y, 1, (size_t)s->n);
    st->sd = s->n > 1 ? gsl_stats_sd_m(y, 1, (size_t)s->n, st->mean) : 0;
    free(y);
    if (!isfinite(st->mean) || !isfinite(st->sd))
        return err_set(e, "%s:%d: claim '%s': the mean or sd of '%s' overflows", c->file,
                       c->line, c->id, key);
    return 0;
}

/* The value of a key that does not vary with the seed (every value equal). */
static int deterministic(const samples_t *ss, const claim_t *c, const char *key, double *v,
                         int *n, err_t *e)
{
    sample_t *s;
    if (values(ss, c, key, &s, e) != 0)
        return -1;
    for (int i = 1; i < s->n; i++)
        if (s->x[i] != s->x[0])
            return err_set(e, "%s:%d: claim '%s': %s varies over seeds: not deterministic "
                              "(%s:%d)", c->file, c->line, c->id, key, s->file, s->line);
    *v = s->x[0];
    if (n)
        *n = s->n;
    return 0;
}

/* A threshold: a finite number, or a key with one deterministic value. */
static int number_or_key(const samples_t *ss, const claim_t *c, const char *word, double *v,
                         err_t *e)
{
    if (parse_double(word, v) == 0) {
        if (isfinite(*v))
            return 0;
        /* inf, nan: not a key named "inf" */
        return err_set(e, "%s:%d: claim '%s': '%s' is not a finite number", c->file, c->line,
                       c->id, word);
    }
    if (!key_is_valid(word))
        return err_set(e, "%s:%d: claim '%s': '%s' is neither a finite number nor a key",
                       c->file, c->line, c->id, word);
    return deterministic(ss, c, word, v, NULL, e);
}

/* Half-width of the 95 % interval: one-sample (n_b == 0: t_{0.975, n_a - 1} s_a / sqrt(n_a))
 * or Welch's (se = sqrt(s_a^2/n_a + s_b^2/n_b), Welch-Satterthwaite df).  0 if se is 0. */
static int half_width(double var_a, double n_a, double var_b, double n_b, double *half,
                      err_t *e)
{
    double qa = var_a / n_a, qb = n_b > 0 ? var_b / n_b : 0;
    double se = sqrt(qa + qb);
    if (se == 0) {
        *half = 0;
        return 0;
    }
    double df = n_b > 0 ? (qa + qb) * (qa + qb) / (qa * qa / (n_a - 1) + qb * qb / (n_b - 1))
                        : n_a - 1;
    double t = gsl_cdf_tdist_Pinv(0.975, df);
    if (!isfinite(t))
        return err_set(e, "GSL: no t quantile for %g degrees of freedom", df);
    *half = t * se;
    return 0;
}

/* The smallest m > m0 runs (per side) whose interval, at the same sds and mean effect,
 * would be narrower than gap; 0 if none up to MAX_RUNS_SEARCHED.  The half-width falls
 * with m (se as 1/sqrt(m), the df grows with m), so a bisection finds it. */
static int runs_to_decide(double var_a, double var_b, int two_samples, int m0, double gap,
                          int *m, err_t *e)
{
    double half, per_b = two_samples ? 1 : 0; /* n_b = m, or 0 for one sample */
    if (half_width(var_a, MAX_RUNS_SEARCHED, var_b, per_b * MAX_RUNS_SEARCHED, &half, e) != 0)
        return -1;
    if (half >= gap || m0 >= MAX_RUNS_SEARCHED) {
        *m = 0;
        return 0;
    }
    int lo = m0 + 1, hi = MAX_RUNS_SEARCHED; /* half(hi) < gap */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (half_width(var_a, mid, var_b, per_b * mid, &half, e) != 0)
            return -1;
        if (half < gap)
            hi = mid;
        else
            lo = mid + 1;
    }
    *m = lo;
    return 0;
}

/* Refuses a claim whose numbers (n of them, named what) are not all finite: values so large
 * or so small that their difference, ratio, interval or relative effect overflows. */
static int all_finite(const claim_t *c, const double *x, int n, const char *what, err_t *e)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return err_set(e, "%s:%d: claim '%s': the %s is not a finite number (the values "
                              "are too large or too small)", c->file, c->line, c->id, what);
    return 0;
}

static void num(char *buf, double x)
{
    snprintf(buf, NUM_LEN, "%.4g", x == 0 ? 0.0 : x); /* no "-0" */
}

/* above, below, greater, less, ratio_above, ratio_below. */
static int judge_comparison(const samples_t *ss, claim_t *c, err_t *e)
{
    rule_t r = c->rule;
    int one = r == ABOVE || r == BELOW, logs = r == RATIO_ABOVE || r == RATIO_BELOW;
    int claimed_up = r == ABOVE || r == GREATER || r == RATIO_ABOVE;
    stats_t a, b = {0, 0, 0};
    double threshold = 0; /* T, M or R as given */
    if (stats(ss, c, c->argv[0], logs, &a, e) != 0)
        return -1;
    if (one) {
        if (number_or_key(ss, c, c->argv[1], &threshold, e) != 0)
            return -1;
    } else {
        if (stats(ss, c, c->argv[1], logs, &b, e) != 0)
            return -1;
        if (c->argc == 3 && number_or_key(ss, c, c->argv[2], &threshold, e) != 0)
            return -1;
        if (logs && !(threshold > 0))
            return err_set(e, "%s:%d: claim '%s': the ratio %g is not positive", c->file,
                           c->line, c->id, threshold);
    }
    double effect = one ? a.mean : a.mean - b.mean; /* E */
    double t_effect = logs ? log(threshold) : threshold; /* T on the effect's scale */
    int has_interval = a.n >= 2 && (one || b.n >= 2);
    double var[] = {a.sd * a.sd, b.sd * b.sd};
    if (all_finite(c, var, 2, "variance", e) != 0)
        return -1;
    double half = 0;
    if (has_interval &&
        half_width(a.sd * a.sd, a.n, b.sd * b.sd, one ? 0 : b.n, &half, e) != 0)
        return -1;
    double lo = effect - half, hi = effect + half;
    {
        double shown[] = {effect, half, lo, hi, logs ? exp(a.mean) : a.mean,
                          logs ? exp(b.mean) : b.mean, logs ? exp(effect) : effect,
                          logs ? exp(lo) : lo, logs ? exp(hi) : hi};
        if (all_finite(c, shown, sizeof shown / sizeof *shown,
                       one ? "mean or its interval" : logs ? "ratio or its interval"
                                                          : "difference or its interval",
                       e) != 0)
            return -1;
    }

    /* What the tex and the TSV show. */
    c->shape = one ? SHAPE_ONE : logs ? SHAPE_RATIO : SHAPE_TWO;
    c->n_a = a.n;
    c->n_b = one ? 0 : b.n;
    num(c->mean_a, logs ? exp(a.mean) : a.mean);
    if (!one)
        num(c->mean_b, logs ? exp(b.mean) : b.mean);
    num(c->effect, logs ? exp(effect) : effect);
    if (has_interval) {
        num(c->lo, logs ? exp(lo) : lo);
        num(c->hi, logs ? exp(hi) : hi);
    }
    num(c->threshold, threshold);
    const char *name = one ? "mean" : logs ? "ratio" : "difference";

    if (!has_interval) {
        c->outcome = INCONCLUSIVE;
        snprintf(c->why, sizeof c->why, "one run: no interval");
    } else {
        int above = lo > t_effect, below = hi < t_effect;
        c->outcome = (claimed_up ? above : below)   ? REPRODUCED
                     : (claimed_up ? below : above) ? CONTRADICTED
                                                    : INCONCLUSIVE;
        if (c->outcome != INCONCLUSIVE) {
            snprintf(c->why, sizeof c->why, "%s %s [%s, %s], wholly %s %s", name, c->effect,
                     c->lo, c->hi, above ? "above" : "below", c->threshold);
        } else {
            char decide[128];
            double gap = fabs(effect - t_effect);
            int m;
            if (gap == 0) {
                snprintf(decide, sizeof decide, "no measured effect: no run count decides");
            } else if (runs_to_decide(a.sd * a.sd, b.sd * b.sd, !one,
                                      a.n > b.n ? a.n : b.n, gap, &m, e) != 0) {
                return -1;
            } else if (m == 0) {
                snprintf(decide, sizeof decide, "more than %d runs%s would be needed",
                         MAX_RUNS_SEARCHED, one ? "" : " per side");
            } else {
                snprintf(decide, sizeof decide, "about %d runs%s would decide", m,
                         one ? "" : " per side");
            }
            snprintf(c->why, sizeof c->why, "%s %s [%s, %s] spans %s; %s", name, c->effect,
                     c->lo, c->hi, c->threshold, decide);
        }
    }

    /* --effects: relative, positive in the claimed direction, 0 at the threshold. */
    double scale = 1;
    if (one)
        scale = t_effect != 0 ? fabs(t_effect) : effect != 0 ? fabs(effect) : 1;
    else if (!logs)
        scale = b.mean != 0 ? fabs(b.mean) : 1;
    double sign = claimed_up ? 1 : -1;
    c->has_effect = 1;
    c->rel = sign * (effect - t_effect) / scale;
    double r_lo = sign * (lo - t_effect) / scale, r_hi = sign * (hi - t_effect) / scale;
    c->rel_lo = r_lo < r_hi ? r_lo : r_hi;
    c->rel_hi = r_lo < r_hi ? r_hi : r_lo;
    double rel[] = {c->rel, c->rel_lo, c->rel_hi};
    return all_finite(c, rel, 3, "relative effect (--effects)", e);
}

/* exact_above, exact_below, exact_value. */
static int judge_exact(const samples_t *ss, claim_t *c, err_t *e)
{
    double v, t, tol = 0;
    if (deterministic(ss, c, c->argv[0], &v, &c->n_a, e) != 0 ||
        number_or_key(ss, c, c->argv[1], &t, e) != 0)
        return -1;
    c->shape = SHAPE_EXACT;
    num(c->mean_a, v);
    num(c->effect, v);
    char ts[NUM_LEN], tols[NUM_LEN];
    num(ts, t);
    if (c->rule == EXACT_VALUE) {
        if (number_or_key(ss, c, c->argv[2], &tol, e) != 0)
            return -1;
        if (tol < 0)
            return err_set(e, "%s:%d: claim '%s': tolerance %g is negative", c->file, c->line,
                           c->id, tol);
        num(tols, tol);
        snprintf(c->threshold, sizeof c->threshold, "%s +/- %s", ts, tols);
        int ok = fabs(v - t) <= tol;
        c->outcome = ok ? MATCHES : DIFFERS;
        snprintf(c->why, sizeof c->why, "%s is %s %s of %s", c->mean_a,
                 ok ? "within" : "not within", tols, ts);
        return 0;
    }
    snprintf(c->threshold, sizeof c->threshold, "%s", ts);
    int up = c->rule == EXACT_ABOVE, ok = up ? v > t : v < t;
    c->outcome = ok ? REPRODUCED : CONTRADICTED;
    snprintf(c->why, sizeof c->why, "%s is %s%s %s (deterministic)", c->mean_a, ok ? "" : "not ",
             up ? "above" : "below", ts);
    return 0;
}

/* value KEY REF TOL higher|lower. */
static int judge_value(const samples_t *ss, claim_t *c, err_t *e)
{
    stats_t a;
    double ref, tol;
    if (stats(ss, c, c->argv[0], 0, &a, e) != 0 ||
        number_or_key(ss, c, c->argv[1], &ref, e) != 0 ||
        number_or_key(ss, c, c->argv[2], &tol, e) != 0)
        return -1;
    if (tol < 0)
        return err_set(e, "%s:%d: claim '%s': tolerance %g is negative", c->file, c->line,
                       c->id, tol);
    int higher = !strcmp(c->argv[3], "higher");
    if (!higher && strcmp(c->argv[3], "lower"))
        return err_set(e, "%s:%d: claim '%s': '%s' is not higher or lower (which direction is "
                          "better)", c->file, c->line, c->id, c->argv[3]);
    double half = 0, var = a.sd * a.sd;
    if (all_finite(c, &var, 1, "variance", e) != 0)
        return -1;
    if (a.n >= 2 && half_width(a.sd * a.sd, a.n, 0, 0, &half, e) != 0)
        return -1;
    double lo = a.mean - half, hi = a.mean + half;
    double shown[] = {half, lo, hi, ref - tol, ref + tol};
    if (all_finite(c, shown, 5, "interval or the band REF +/- TOL", e) != 0)
        return -1;
    c->shape = SHAPE_ONE;
    c->n_a = a.n;
    num(c->mean_a, a.mean);
    num(c->effect, a.mean);
    if (a.n >= 2) {
        num(c->lo, lo);
        num(c->hi, hi);
    }
    char rs[NUM_LEN], ts[NUM_LEN], bl[NUM_LEN], bh[NUM_LEN];
    num(rs, ref);
    num(ts, tol);
    num(bl, ref - tol);
    num(bh, ref + tol);
    snprintf(c->threshold, sizeof c->threshold, "%s +/- %s", rs, ts);
    int beyond_up = lo > ref + tol, beyond_down = hi < ref - tol;
    c->outcome = !beyond_up && !beyond_down ? MATCHES
                 : beyond_up == higher      ? BETTER
                                            : WORSE;
    const char *direction = c->outcome == MATCHES ? ""
                            : higher              ? " (higher is better)"
                                                  : " (lower is better)";
    if (a.n >= 2)
        snprintf(c->why, sizeof c->why, "mean %s [%s, %s] %s the band [%s, %s]%s", c->mean_a,
                 c->lo, c->hi,
                 beyond_up ? "lies above" : beyond_down ? "lies below" : "overlaps", bl, bh,
                 direction);
    else
        snprintf(c->why, sizeof c->why, "one run: %s %s the band [%s, %s]%s", c->mean_a,
                 beyond_up ? "is above" : beyond_down ? "is below" : "is within", bl, bh,
                 direction);
    return 0;
}

/* all ID [ID ...], after every other claim. */
static int judge_all(claims_t *cl, claim_t *c, err_t *e)
{
    int count[N_OUTCOMES] = {0};
    for (int i = 0; i < c->argc; i++) {
        const char *id = c->argv[i];
        for (int j = 0; j < i; j++)
            if (!strcmp(c->argv[j], id))
                return err_set(e, "%s:%d: claim '%s': lists '%s' twice", c->file, c->line,
                               c->id, id);
        const claim_t *sub = NULL;
        for (int j = 0; j < cl->n && !sub; j++)
            if (!strcmp(cl->c[j].id, id))
                sub = &cl->c[j];
        if (!sub)
            return err_set(e, "%s:%d: claim '%s': no claim has the id '%s'", c->file, c->line,
                           c->id, id);
        if (sub == c)
            return err_set(e, "%s:%d: claim '%s': an umbrella may not include itself", c->file,
                           c->line, c->id);
        if (sub->rule == ALL)
            return err_set(e, "%s:%d: claim '%s': '%s' (%s:%d) is itself an umbrella (all): an "
                              "umbrella may not include another", c->file, c->line, c->id, id,
                           sub->file, sub->line);
        if (!is_comparison(sub->rule) && sub->rule != EXACT_ABOVE && sub->rule != EXACT_BELOW)
            return err_set(e, "%s:%d: claim '%s': '%s' has rule %s: an umbrella takes "
                              "comparisons and exact_above/exact_below only", c->file, c->line,
                           c->id, id, RULES[sub->rule].name);
        count[sub->outcome]++;
    }
    c->shape = SHAPE_ALL;
    c->outcome = count[CONTRADICTED]             ? CONTRADICTED
                 : count[REPRODUCED] == c->argc ? REPRODUCED
                                                 : INCONCLUSIVE;
    size_t len = 0;
    c->why[0] = '\0';
    for (int o = REPRODUCED; o <= INCONCLUSIVE; o++)
        if (count[o])
            len += (size_t)snprintf(c->why + len, sizeof c->why - len, "%s%d %s",
                                    len ? ", " : "", count[o], OUTCOME[o]);
    snprintf(c->why + len, sizeof c->why - len, " of %d", c->argc);
    return 0;
}

static int judge_one(const samples_t *ss, claims_t *cl, claim_t *c, err_t *e)
{
    switch (c->rule) {
    case EXACT_ABOVE:
    case EXACT_BELOW:
    case EXACT_VALUE:
        return judge_exact(ss, c, e);
    case VALUE:
        return judge_value(ss, c, e);
    case ALL:
        return judge_all(cl, c, e);
    case NONE:
        c->shape = SHAPE_NONE;
        c->outcome = NOT_TESTABLE;
        snprintf(c->why, sizeof c->why, "%s", c->args);
        return 0;
    default:
        return judge_comparison(ss, c, e);
    }
}

/* ---------------------------------------------------------------- writing */

/* LaTeX-safe text: specials escaped, brackets braced, straight double quotes made `` '',
 * and "+/-" a plus-minus sign.  Control characters never get here (report/claims.c refuses
 * them). */
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
        } else if (ch == '[' || ch == ']') {
            fprintf(fp, "{%c}", ch); /* never an optional argument (of the row's \\) */
        } else {
            fputc(ch, fp);
        }
    }
}

/* A %.4g number in math mode: a true minus sign, 1.2e-05 as 1.2\times10^{-5}. */
static void tex_num(FILE *fp, const char *s)
{
    const char *ex = strchr(s, 'e');
    if (!ex) {
        fprintf(fp, "$%s$", s);
        return;
    }
    fprintf(fp, "$%.*s\\times10^{%d}$", (int)(ex - s), s, atoi(ex + 1));
}

static void tex_interval_n(FILE *fp, const claim_t *c)
{
    if (*c->lo) {
        fputs(" [", fp);
        tex_num(fp, c->lo);
        fputs(", ", fp);
        tex_num(fp, c->hi);
        fputs("]", fp);
    }
    if (c->n_b)
        fprintf(fp, ", $n = %d, %d$", c->n_a, c->n_b);
    else
        fprintf(fp, ", $n = %d$", c->n_a);
}

/* The "Ours" cell: what the numbers measure, then the numbers. */
static void tex_ours(FILE *fp, const claim_t *c)
{
    int measured = strcmp(c->measure, "-") != 0;
    if (measured) {
        tex_text(fp, c->measure);
        if (c->shape != SHAPE_NONE)
            fputs(": ", fp);
    }
    switch (c->shape) {
    case SHAPE_ONE:
        tex_num(fp, c->mean_a);
        tex_interval_n(fp, c);
        break;
    case SHAPE_TWO:
    case SHAPE_RATIO:
        tex_num(fp, c->mean_a);
        fputs(" vs ", fp);
        tex_num(fp, c->mean_b);
        fputs(c->shape == SHAPE_TWO ? ", difference " : " (geometric means), ratio ", fp);
        tex_num(fp, c->effect);
        tex_interval_n(fp, c);
        break;
    case SHAPE_EXACT:
        tex_num(fp, c->mean_a);
        fprintf(fp, " (deterministic), $n = %d$", c->n_a);
        break;
    case SHAPE_ALL:
        fputs("all of ", fp);
        for (int i = 0; i < c->argc; i++) {
            if (i)
                fputs(", ", fp);
            tex_text(fp, c->argv[i]);
        }
        break;
    case SHAPE_NONE:
        if (!measured)
            fputs("--", fp);
        break;
    }
}

/* The longtable of the report claims (is_ref 0) or of the references (1). */
static void write_tex(FILE *fp, const claims_t *cl, int is_ref)
{
    fprintf(fp, "%% Generated by judge; do not edit.\n");
    fprintf(fp, "\\begin{longtable}{@{}>{\\raggedright\\arraybackslash}p{0.28\\textwidth}"
                ">{\\raggedright\\arraybackslash}p{0.09\\textwidth}"
                ">{\\raggedright\\arraybackslash}p{0.30\\textwidth}"
                ">{\\raggedright\\arraybackslash}p{0.25\\textwidth}@{}}\n");
    if (is_ref)
        fprintf(fp, "\\caption{Comparisons with values from elsewhere (Chen et al.'s published "
                    "numbers, the authors' notebooks) and their outcomes in this profile.}"
                    "\\label{tab:references}\\\\\n");
    else
        fprintf(fp, "\\caption{Claims of the two reports and their outcomes in this profile.}"
                    "\\label{tab:verdicts}\\\\\n");
    const char *head = "\\toprule\nClaim (source) & Report & Ours: measure, mean "
                       "[95\\,\\% interval], $n$ & Outcome: why \\\\\n\\midrule\n";
    fprintf(fp, "%s\\endfirsthead\n%s\\endhead\n", head, head);
    int rows = 0;
    for (int i = 0; i < cl->n; i++) {
        const claim_t *c = &cl->c[i];
        if (c->is_ref != is_ref)
            continue;
        rows++;
        tex_text(fp, c->claim);
        fputs(" {\\small (", fp);
        tex_text(fp, c->source);
        fputs(")} & ", fp);
        tex_text(fp, c->report);
        fputs(" & ", fp);
        tex_ours(fp, c);
        fprintf(fp, " & \\textbf{%s}: ", OUTCOME[c->outcome]);
        tex_text(fp, c->why);
        fputs(" \\\\\n", fp);
    }
    if (!rows)
        fputs("\\multicolumn{4}{@{}l@{}}{None.} \\\\\n", fp);
    fprintf(fp, "\\bottomrule\n\\end{longtable}\n");
}

/* Counts per outcome: the macros and the per-stage tabular, all \gdef'd so that \input
 * places nothing and the counts outlive a group. */
static void write_counts(FILE *fp, const claims_t *cl)
{
    fprintf(fp, "%% Generated by judge; do not edit.  \\input places only macros.\n");
    for (int is_ref = 0; is_ref < 2; is_ref++) {
        int count[N_OUTCOMES] = {0}, total = 0;
        for (int i = 0; i < cl->n; i++)
            if (cl->c[i].is_ref == is_ref) {
                count[cl->c[i].outcome]++;
                total++;
            }
        const char *prefix = is_ref ? "refs" : "claims";
        fprintf(fp, "\\gdef\\%sTotal{%d}%%\n", prefix, total);
        for (int o = 0; o < N_OUTCOMES; o++)
            fprintf(fp, "\\gdef\\%s%s{%d}%%\n", prefix, OUTCOME_MACRO[o], count[o]);
    }
    fprintf(fp, "\\gdef\\verdictStageTable{%%\n\\begin{tabular}{@{}lrrrrrrrrr@{}}%%\n"
                "\\toprule%%\nStage & $n$ & repr. & contr. & incon. & matches & better & "
                "worse & differs & not testable \\\\%%\n\\midrule%%\n");
    for (int is_ref = 0; is_ref < 2; is_ref++) {
        int printed = 0;
        for (int i = 0; i < cl->n; i++) {
            const claim_t *c = &cl->c[i];
            if (c->is_ref != is_ref)
                continue;
            int seen = 0; /* one row per stage, at its first claim */
            for (int j = 0; j < i && !seen; j++)
                seen = cl->c[j].is_ref == is_ref && !strcmp(cl->c[j].stage, c->stage);
            if (seen)
                continue;
            if (!printed)
                fprintf(fp, "%s\\multicolumn{10}{@{}l}{\\emph{%s}} \\\\%%\n",
                        is_ref ? "\\midrule%\n" : "",
                        is_ref ? "Reference comparisons (values from elsewhere)"
                               : "Claims of the two reports");
            printed = 1;
            int count[N_OUTCOMES] = {0}, total = 0;
            for (int j = i; j < cl->n; j++)
                if (cl->c[j].is_ref == is_ref && !strcmp(cl->c[j].stage, c->stage)) {
                    count[cl->c[j].outcome]++;
                    total++;
                }
            tex_text(fp, c->stage);
            fprintf(fp, " & %d", total);
            for (int o = 0; o < N_OUTCOMES; o++)
                fprintf(fp, " & %d", count[o]);
            fputs(" \\\\%\n", fp);
        }
    }
    fprintf(fp, "\\bottomrule%%\n\\end{tabular}}%%\n");
}

static void write_tsv(FILE *fp, const claims_t *cl)
{
    fprintf(fp, "id\ttable\tstage\toutcome\tmeasure\treport\tn\tmean\tlo\thi\tthreshold\twhy\n");
    for (int i = 0; i < cl->n; i++) {
        const claim_t *c = &cl->c[i];
        char n[32] = "-", mean[2 * NUM_LEN + 8] = "-";
        if (c->shape == SHAPE_TWO || c->shape == SHAPE_RATIO) {
            snprintf(n, sizeof n, "%d,%d", c->n_a, c->n_b);
            snprintf(mean, sizeof mean, "%s vs %s", c->mean_a, c->mean_b);
        } else if (c->shape == SHAPE_ONE || c->shape == SHAPE_EXACT) {
            snprintf(n, sizeof n, "%d", c->n_a);
            snprintf(mean, sizeof mean, "%s", c->mean_a);
        }
        fprintf(fp, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c->id,
                c->is_ref ? "reference" : "report", c->stage, OUTCOME_WORD[c->outcome],
                c->measure, c->report, n, mean, *c->lo ? c->lo : "-", *c->hi ? c->hi : "-",
                *c->threshold ? c->threshold : "-", c->why);
    }
}

static void write_effects(FILE *fp, const claims_t *cl)
{
    fprintf(fp, "id\ttable\tstage\toutcome\teffect\tlo\thi\n");
    for (int i = 0; i < cl->n; i++) {
        const claim_t *c = &cl->c[i];
        if (c->has_effect)
            fprintf(fp, "%s\t%s\t%s\t%s\t%.6g\t%.6g\t%.6g\n", c->id,
                    c->is_ref ? "reference" : "report", c->stage, OUTCOME_WORD[c->outcome],
                    c->rel, c->rel_lo, c->rel_hi);
    }
}

enum { OUT_TSV, OUT_TEX, OUT_REF_TEX, OUT_COUNTS, OUT_EFFECTS, N_OUT };

/* Opens every output, writes them all, then commits them all: either every output is
 * there or (on an error before the commits) none was touched. */
static int write_outputs(const char *const path[N_OUT], const claims_t *cl, err_t *e)
{
    atomic_file_t af[N_OUT];
    int open[N_OUT] = {0};
    for (int i = 0; i < N_OUT; i++) {
        if (!path[i])
            continue;
        if (atomic_open(&af[i], path[i], e) != 0) {
            for (int j = 0; j < i; j++)
                if (open[j])
                    atomic_abort(&af[j]);
            return -1;
        }
        open[i] = 1;
    }
    write_tsv(af[OUT_TSV].fp, cl);
    if (open[OUT_TEX])
        write_tex(af[OUT_TEX].fp, cl, 0);
    if (open[OUT_REF_TEX])
        write_tex(af[OUT_REF_TEX].fp, cl, 1);
    if (open[OUT_COUNTS])
        write_counts(af[OUT_COUNTS].fp, cl);
    if (open[OUT_EFFECTS])
        write_effects(af[OUT_EFFECTS].fp, cl);
    /* A write error found before any rename leaves every target as it was. */
    for (int i = 0; i < N_OUT; i++)
        if (open[i] && (fflush(af[i].fp) != 0 || ferror(af[i].fp))) {
            err_set(e, "%s: write failed", path[i]);
            for (int j = 0; j < N_OUT; j++)
                if (open[j])
                    atomic_abort(&af[j]);
            return -1;
        }
    for (int i = 0; i < N_OUT; i++)
        if (open[i] && atomic_commit(&af[i], e) != 0) {
            for (int j = i + 1; j < N_OUT; j++)
                if (open[j])
                    atomic_abort(&af[j]);
            return -1;
        }
    return 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    gsl_set_error_handler_off(); /* GSL reports by return value; judge checks each */
    const char *out[N_OUT] = {NULL}, *expect = NULL;
    const char **claim_files = NULL;
    int *claim_is_ref = NULL, n_claim_files = 0, cap_files = 0, cap_ref = 0;
    /* The output options are OPT_OUT + OUT_x, so one case stores them all. */
    enum { OPT_OUT = 256, OPT_TSV = OPT_OUT + OUT_TSV, OPT_TEX = OPT_OUT + OUT_TEX,
           OPT_REF_TEX = OPT_OUT + OUT_REF_TEX, OPT_COUNTS = OPT_OUT + OUT_COUNTS,
           OPT_EFFECTS = OPT_OUT + OUT_EFFECTS, OPT_EXPECT = OPT_OUT + N_OUT, OPT_CLAIMS,
           OPT_REFERENCES };
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"tsv", required_argument, NULL, OPT_TSV},
        {"tex", required_argument, NULL, OPT_TEX},
        {"ref-tex", required_argument, NULL, OPT_REF_TEX},
        {"counts-tex", required_argument, NULL, OPT_COUNTS},
        {"effects", required_argument, NULL, OPT_EFFECTS},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"claims", required_argument, NULL, OPT_CLAIMS},
        {"references", required_argument, NULL, OPT_REFERENCES},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage(stdout);
            return 0;
        case OPT_TSV:
        case OPT_TEX:
        case OPT_REF_TEX:
        case OPT_COUNTS:
        case OPT_EFFECTS:
            out[ch - OPT_OUT] = optarg;
            break;
        case OPT_EXPECT:
            expect = optarg;
            break;
        case OPT_CLAIMS:
        case OPT_REFERENCES:
            GROW(claim_files, n_claim_files, cap_files);
            GROW(claim_is_ref, n_claim_files, cap_ref);
            claim_is_ref[n_claim_files] = ch == OPT_REFERENCES;
            claim_files[n_claim_files++] = optarg;
            break;
        default:
            die_bad_option(ch, argv);
        }
    }
    int n_report_files = 0;
    for (int i = 0; i < n_claim_files; i++)
        n_report_files += !claim_is_ref[i];
    if (!out[OUT_TSV] || !n_report_files || optind >= argc)
        die("--tsv, at least one --claims and at least one samples file are required "
            "(see --help)");
    int n_samples = argc - optind;
    err_t e;
    /* Inputs and outputs must be distinct files. */
    {
        io_path_t *in = xmalloc((size_t)(n_claim_files + 1 + n_samples) * sizeof *in);
        int ni = 0;
        for (int i = 0; i < n_claim_files; i++)
            in[ni++] = (io_path_t){claim_is_ref[i] ? "--references" : "--claims",
                                   claim_files[i]};
        if (expect)
            in[ni++] = (io_path_t){"--expect", expect};
        for (int i = 0; i < n_samples; i++)
            in[ni++] = (io_path_t){"samples", argv[optind + i]};
        const io_path_t outs[N_OUT] = {{"--tsv", out[OUT_TSV]}, {"--tex", out[OUT_TEX]},
                                       {"--ref-tex", out[OUT_REF_TEX]},
                                       {"--counts-tex", out[OUT_COUNTS]},
                                       {"--effects", out[OUT_EFFECTS]}};
        int bad = check_io_paths(in, (size_t)ni, outs, N_OUT, &e);
        free(in);
        if (bad != 0)
            die("%s", e.msg);
    }

    texts_t texts = {0};
    samples_t ss = {0};
    for (int i = 0; i < n_samples; i++)
        if (samples_read(argv[optind + i], &texts, &ss, &e) != 0)
            die("%s", e.msg);
    if (samples_index(&ss, &e) != 0)
        die("%s", e.msg);

    claims_t cl = {0};
    char **stages = xcalloc((size_t)n_claim_files, sizeof *stages);
    for (int i = 0; i < n_claim_files; i++)
        if (claims_read(claim_files[i], claim_is_ref[i], &texts, &stages[i], &cl, &e) != 0)
            die("%s", e.msg);
    /* Umbrellas after the claims they join. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < cl.n; i++)
            if ((cl.c[i].rule == ALL) == pass && judge_one(&ss, &cl, &cl.c[i], &e) != 0)
                die("%s", e.msg);

    expected_verdict_t *ex = NULL;
    int n_ex = 0;
    if (expect && verdicts_read(expect, &texts, &cl, &ex, &n_ex, &e) != 0)
        die("%s", e.msg);
    if (write_outputs(out, &cl, &e) != 0)
        die("%s", e.msg);

    for (int i = 0; i < cl.n; i++)
        printf("%-28s %-15s %s\n", cl.c[i].id, OUTCOME[cl.c[i].outcome], cl.c[i].why);
    int changed = 0;
    for (int i = 0; i < n_ex; i++) {
        const claim_t *c = ex[i].claim;
        if (c->outcome != ex[i].want) {
            changed++;
            printf("CHANGED %s expected %s, now %s (%s)\n", c->id, OUTCOME_WORD[ex[i].want],
                   OUTCOME_WORD[c->outcome], c->why);
        }
    }
    if (expect)
        printf("%d verdicts as expected, %d changed\n", n_ex - changed, changed);

    free(ex);
    claims_free(&cl);
    for (int i = 0; i < n_claim_files; i++)
        free(stages[i]);
    free(stages);
    samples_free(&ss);
    texts_free(&texts);
    free(claim_files);
    free(claim_is_ref);
    return changed ? 1 : 0;
}
