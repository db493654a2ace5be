/* The verdicts' input files (README, Verdicts; judge, src/cmd/judge.c): samples,
 * claims and expected verdicts, parsed into the claims judge decides.  judge
 * does the statistics; this part has none, so it needs no GSL, and the fuzz
 * harnesses (tests/fuzz/) share it.
 *
 * Samples: `KEY V1 [V2 ...]` lines (tabs or spaces, '#' comments), a key's
 * value in each independent seed; values stay text until a rule uses them.
 * Claims: one a line, 7 TAB-separated fields (id, claim, source, report value,
 * measure, rule, args); no field empty or blank, none holding a control
 * character.  Expected verdicts: `id outcome` rows.  Every file is refused
 * (naming the file and line) if it holds a NUL byte. */
#ifndef NODE_CLAIMS_H
#define NODE_CLAIMS_H

#include <stddef.h>

#include "core/util.h"

/* Every file's text, owned here; samples and claims point into them. */
typedef struct {
    char **text;
    int n, cap;
} texts_t;

/* ---------------------------------------------------------------- samples */

typedef struct {
    const char *key, *file;
    int line, seq; /* seq: reading order, to name the first of two places */
    int n;
    char **text; /* (n) the values as written */
    double *x;   /* (n) parsed on first use; NULL before */
} sample_t;

typedef struct {
    sample_t *s;
    int n, cap;
} samples_t;

/* ---------------------------------------------------------------- claims */

typedef enum {
    ABOVE, BELOW, GREATER, LESS, RATIO_ABOVE, RATIO_BELOW, /* comparisons */
    EXACT_ABOVE, EXACT_BELOW, EXACT_VALUE, VALUE, ALL, NONE, N_RULES
} rule_t;

typedef struct {
    const char *name, *args;
    int min_args, max_args; /* max_args -1: no limit */
} rule_info_t;
extern const rule_info_t RULES[N_RULES];

static inline int is_comparison(rule_t r) { return r <= RATIO_BELOW; }

typedef enum {
    REPRODUCED, CONTRADICTED, INCONCLUSIVE, MATCHES, BETTER, WORSE, DIFFERS, NOT_TESTABLE,
    N_OUTCOMES
} outcome_t;

extern const char *const OUTCOME[N_OUTCOMES];
/* The same with '-' for spaces: TSV and --expect. */
extern const char *const OUTCOME_WORD[N_OUTCOMES];
extern const char *const OUTCOME_MACRO[N_OUTCOMES];

/* What the numbers of a claim are: one mean, two means and their difference, two
 * geometric means and their ratio, one deterministic value, sub-claims, nothing. */
typedef enum { SHAPE_NONE, SHAPE_ONE, SHAPE_TWO, SHAPE_RATIO, SHAPE_EXACT, SHAPE_ALL } shape_t;

#define NUM_LEN 32

typedef struct {
    const char *file, *stage;
    int line, is_ref;
    char *id, *claim, *source, *report, *measure, *args; /* the fields, in the file's text */
    rule_t rule;
    int argc;
    char **argv; /* (argc) args split at single spaces, into args_split */
    char *args_split;
    /* the judgement */
    outcome_t outcome;
    shape_t shape;
    int n_a, n_b;                                 /* runs; n_b 0 for one side */
    char mean_a[NUM_LEN], mean_b[NUM_LEN];        /* %.4g, as in the tex */
    char effect[NUM_LEN], lo[NUM_LEN], hi[NUM_LEN]; /* lo, hi "" without an interval */
    char threshold[3 * NUM_LEN];
    char why[512];
    int has_effect; /* a comparison: a row of --effects */
    double rel, rel_lo, rel_hi;
} claim_t;

typedef struct {
    claim_t *c;
    int n, cap;
} claims_t;

/* An expected verdict (judge --expect): the claim and the outcome it should get. */
typedef struct {
    const claim_t *claim;
    outcome_t want;
    int line;
} expected_verdict_t;

/* Parsers of text in memory (len bytes, text[len] == '\0', modified in place and
 * pointed into: it must outlive the result), named path in messages.  Each
 * returns 0, or -1 with e set naming path and line. */
int samples_parse(const char *path, char *text, size_t len, samples_t *ss, err_t *e);
/* Sorts the samples by key for samples_find; a key given twice is an error
 * naming both places. */
int samples_index(samples_t *ss, err_t *e);
sample_t *samples_find(const samples_t *ss, const char *key);
void samples_free(samples_t *ss);

/* Appends the claims of one file, of the given stage (see claims_stage_of);
 * an id listed before (in this file or an earlier one) is an error. */
int claims_parse(const char *path, const char *stage, int is_ref, char *text, size_t len,
                 claims_t *cl, err_t *e);
void claims_free(claims_t *cl);
/* The stage of a claims file: the name of the directory holding it
 * (stages/sines/report-claims.tsv -> "sines"), from the path, or from the
 * directory's real path for ".", ".." or none.  Malloc'd. */
char *claims_stage_of(const char *path);

/* Rows `id outcome`: every id a claim of cl, every outcome a known word
 * (OUTCOME_WORD), no id twice, at least one row.  *out is malloc'd. */
int verdicts_parse(const char *path, char *text, size_t len, const claims_t *cl,
                   expected_verdict_t **out, int *n_out, err_t *e);

/* The same from files, their texts kept in texts (freed by texts_free). */
int samples_read(const char *path, texts_t *texts, samples_t *ss, err_t *e);
/* *stage: the claims' stage (malloc'd), for the caller to free after cl. */
int claims_read(const char *path, int is_ref, texts_t *texts, char **stage, claims_t *cl,
                err_t *e);
int verdicts_read(const char *path, texts_t *texts, const claims_t *cl,
                  expected_verdict_t **out, int *n_out, err_t *e);
void texts_free(texts_t *texts);

#endif
