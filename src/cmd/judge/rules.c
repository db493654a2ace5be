/* judge's rules engine: each claim's outcome, numbers and why from its rule (judge.c's
 * header lists the rules). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "judge/judge.h"
#include "report/claims.h"

/* A comparison's numbers, on the effect's scale (logarithms for the ratios). */
typedef struct {
    int one, logs, claimed_up; /* one sample; ratios; the claim says above/greater */
    stats_t a, b;              /* b: {0, 0, 0} for one sample */
    double threshold;          /* T, M or R as given */
    double effect, t_effect;   /* E, and T on the effect's scale */
    int has_interval;
    double half, lo, hi; /* the 95 % interval of E (0, E, E without one) */
} comparison_t;

/* The samples and the threshold of comparison c, the effect and its interval. */
static int comparison_numbers(const samples_t *ss, const claim_t *c, comparison_t *k,
                              err_t *e)
{
    rule_t r = c->rule;
    int one = r == ABOVE || r == BELOW, logs = r == RATIO_ABOVE || r == RATIO_BELOW;
    k->one = one;
    k->logs = logs;
    k->claimed_up = r == ABOVE || r == GREATER || r == RATIO_ABOVE;
    k->b = (stats_t){0, 0, 0};
    k->threshold = 0;
    if (stats(ss, c, c->argv[0], logs, &k->a, e) != 0)
        return -1;
    if (one) {
        if (number_or_key(ss, c, c->argv[1], &k->threshold, e) != 0)
            return -1;
    } else {
        if (stats(ss, c, c->argv[1], logs, &k->b, e) != 0)
            return -1;
        if (c->argc == 3 && number_or_key(ss, c, c->argv[2], &k->threshold, e) != 0)
            return -1;
        if (logs && !(k->threshold > 0))
            return err_set(e, "%s:%d: claim '%s': the ratio %g is not positive", c->file,
                           c->line, c->id, k->threshold);
    }
    stats_t a = k->a, b = k->b;
    k->effect = one ? a.mean : a.mean - b.mean;
    k->t_effect = logs ? log(k->threshold) : k->threshold;
    k->has_interval = a.n >= 2 && (one || b.n >= 2);
    double var[] = {a.sd * a.sd, b.sd * b.sd};
    if (claim_all_finite(c, var, 2, "variance", e) != 0)
        return -1;
    k->half = 0;
    if (k->has_interval &&
        half_width(a.sd * a.sd, a.n, b.sd * b.sd, one ? 0 : b.n, &k->half, e) != 0)
        return -1;
    double effect = k->effect, half = k->half, lo = effect - half, hi = effect + half;
    k->lo = lo;
    k->hi = hi;
    double shown[] = {effect, half, lo, hi, logs ? exp(a.mean) : a.mean,
                      logs ? exp(b.mean) : b.mean, logs ? exp(effect) : effect,
                      logs ? exp(lo) : lo, logs ? exp(hi) : hi};
    return claim_all_finite(c, shown, sizeof shown / sizeof *shown,
                      one ? "mean or its interval" : logs ? "ratio or its interval"
                                                         : "difference or its interval",
                      e);
}

/* The outcome and its why: the interval against the threshold, and when it spans it, the
 * runs that would decide. */
static int comparison_outcome(claim_t *c, const comparison_t *k, err_t *e)
{
    int one = k->one, claimed_up = k->claimed_up;
    stats_t a = k->a, b = k->b;
    const char *name = one ? "mean" : k->logs ? "ratio" : "difference";
    if (!k->has_interval) {
        c->outcome = INCONCLUSIVE;
        snprintf(c->why, sizeof c->why, "one run: no interval");
        return 0;
    }
    int above = k->lo > k->t_effect, below = k->hi < k->t_effect;
    c->outcome = (claimed_up ? above : below)   ? REPRODUCED
                 : (claimed_up ? below : above) ? CONTRADICTED
                                                : INCONCLUSIVE;
    if (c->outcome != INCONCLUSIVE) {
        snprintf(c->why, sizeof c->why, "%s %s [%s, %s], wholly %s %s", name, c->effect,
                 c->lo, c->hi, above ? "above" : "below", c->threshold);
        return 0;
    }
    char decide[128];
    double gap = fabs(k->effect - k->t_effect);
    int m;
    if (gap == 0) {
        snprintf(decide, sizeof decide, "no measured effect: no run count decides");
    } else if (runs_to_decide(a.sd * a.sd, b.sd * b.sd, !one, a.n > b.n ? a.n : b.n, gap, &m,
                              e) != 0) {
        return -1;
    } else if (m == 0) {
        snprintf(decide, sizeof decide, "more than %d runs%s would be needed",
                 MAX_RUNS_SEARCHED, one ? "" : " per side");
    } else {
        snprintf(decide, sizeof decide, "about %d runs%s would decide", m,
                 one ? "" : " per side");
    }
    snprintf(c->why, sizeof c->why, "%s %s [%s, %s] spans %s; %s", name, c->effect, c->lo,
             c->hi, c->threshold, decide);
    return 0;
}

/* above, below, greater, less, ratio_above, ratio_below. */
static int judge_comparison(const samples_t *ss, claim_t *c, err_t *e)
{
    comparison_t k;
    if (comparison_numbers(ss, c, &k, e) != 0)
        return -1;
    int one = k.one, logs = k.logs;
    stats_t a = k.a, b = k.b;
    double effect = k.effect, t_effect = k.t_effect, lo = k.lo, hi = k.hi;

    /* What the tex and the TSV show. */
    c->shape = one ? SHAPE_ONE : logs ? SHAPE_RATIO : SHAPE_TWO;
    c->n_a = a.n;
    c->n_b = one ? 0 : b.n;
    num(c->mean_a, logs ? exp(a.mean) : a.mean);
    if (!one)
        num(c->mean_b, logs ? exp(b.mean) : b.mean);
    num(c->effect, logs ? exp(effect) : effect);
    if (k.has_interval) {
        num(c->lo, logs ? exp(lo) : lo);
        num(c->hi, logs ? exp(hi) : hi);
    }
    num(c->threshold, k.threshold);
    if (comparison_outcome(c, &k, e) != 0)
        return -1;

    /* --effects: relative, positive in the claimed direction, 0 at the threshold. */
    double scale = 1;
    if (one)
        scale = t_effect != 0 ? fabs(t_effect) : effect != 0 ? fabs(effect) : 1;
    else if (!logs)
        scale = b.mean != 0 ? fabs(b.mean) : 1;
    double sign = k.claimed_up ? 1 : -1;
    c->has_effect = 1;
    c->rel = sign * (effect - t_effect) / scale;
    double r_lo = sign * (lo - t_effect) / scale, r_hi = sign * (hi - t_effect) / scale;
    c->rel_lo = r_lo < r_hi ? r_lo : r_hi;
    c->rel_hi = r_lo < r_hi ? r_hi : r_lo;
    double rel[] = {c->rel, c->rel_lo, c->rel_hi};
    return claim_all_finite(c, rel, 3, "relative effect (--effects)", e);
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
    if (claim_all_finite(c, &var, 1, "variance", e) != 0)
        return -1;
    if (a.n >= 2 && half_width(a.sd * a.sd, a.n, 0, 0, &half, e) != 0)
        return -1;
    double lo = a.mean - half, hi = a.mean + half;
    double shown[] = {half, lo, hi, ref - tol, ref + tol};
    if (claim_all_finite(c, shown, 5, "interval or the band REF +/- TOL", e) != 0)
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

int judge_one(const samples_t *ss, claims_t *cl, claim_t *c, err_t *e)
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
