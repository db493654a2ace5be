/* judge's parts: the statistics (stats.c), the rules engine (rules.c), the
 * LaTeX (tex.c) and the other outputs with the writing of them all
 * (outputs.c).  judge.c is the main: options, reading, judging in order,
 * the outcomes on stdout and --expect. */
#ifndef JUDGE_JUDGE_H
#define JUDGE_JUDGE_H

#include <stdio.h>

#include "core/util.h"
#include "report/claims.h"

/* The largest number of runs per side the "would decide" search tries. */
#define MAX_RUNS_SEARCHED 10000

/* ---------------------------------------------------------------- stats.c */

typedef struct {
    int n;
    double mean, sd; /* sd: n - 1 denominator, 0 for one run */
} stats_t;

/* Mean and sd of key's values, or of their natural logarithms (every value > 0). */
int stats(const samples_t *ss, const claim_t *c, const char *key, int logs, stats_t *st,
          err_t *e);
/* The value of a key that does not vary with the seed (every value equal). */
int deterministic(const samples_t *ss, const claim_t *c, const char *key, double *v, int *n,
                  err_t *e);
/* A threshold: a finite number, or a key with one deterministic value. */
int number_or_key(const samples_t *ss, const claim_t *c, const char *word, double *v,
                  err_t *e);
/* Half-width of the 95 % interval, one-sample (n_b == 0) or Welch's. */
int half_width(double var_a, double n_a, double var_b, double n_b, double *half, err_t *e);
/* The smallest m > m0 runs per side that would decide (0: none up to MAX_RUNS_SEARCHED). */
int runs_to_decide(double var_a, double var_b, int two_samples, int m0, double gap, int *m,
                   err_t *e);
/* Refuses a claim whose n numbers, named what, are not all finite. */
int claim_all_finite(const claim_t *c, const double *x, int n, const char *what, err_t *e);
/* x as the tex and the TSV show it (%.4g, no "-0") in buf (NUM_LEN). */
void num(char *buf, double x);

/* ---------------------------------------------------------------- rules.c */

/* Judges claim c by its rule: its outcome, why and numbers (an umbrella, all, after every
 * claim it joins). */
int judge_one(const samples_t *ss, claims_t *cl, claim_t *c, err_t *e);

/* ---------------------------------------------------------------- tex.c */

/* The longtable of the report claims (is_ref 0) or of the references (1). */
void write_tex(FILE *fp, const claims_t *cl, int is_ref);
/* The counts per outcome as \gdef'd macros and the per-stage tabular. */
void write_counts(FILE *fp, const claims_t *cl);

/* ---------------------------------------------------------------- outputs.c */

enum { OUT_TSV, OUT_TEX, OUT_REF_TEX, OUT_COUNTS, OUT_EFFECTS, N_OUT };

/* Writes every output whose path is given (--tsv's always), all committed or none. */
int write_outputs(const char *const path[N_OUT], const claims_t *cl, err_t *e);

#endif
