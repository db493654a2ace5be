/* judge's statistics: the samples' values, means and sds, deterministic values and
 * thresholds, the 95 % intervals' half-widths (t quantiles from GSL) and the runs that
 * would decide. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "core/table.h"
#include "core/util.h"
#include "judge/judge.h"
#include "report/claims.h"

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

/* The sample of key, its values parsed (once). */
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
int stats(const samples_t *ss, const claim_t *c, const char *key, int logs,
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
int deterministic(const samples_t *ss, const claim_t *c, const char *key, double *v,
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
int number_or_key(const samples_t *ss, const claim_t *c, const char *word, double *v,
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
int half_width(double var_a, double n_a, double var_b, double n_b, double *half,
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
int runs_to_decide(double var_a, double var_b, int two_samples, int m0, double gap,
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
int claim_all_finite(const claim_t *c, const double *x, int n, const char *what, err_t *e)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return err_set(e, "%s:%d: claim '%s': the %s is not a finite number (the values "
                              "are too large or too small)", c->file, c->line, c->id, what);
    return 0;
}

void num(char *buf, double x)
{
    snprintf(buf, NUM_LEN, "%.4g", x == 0 ? 0.0 : x); /* no "-0" */
}
