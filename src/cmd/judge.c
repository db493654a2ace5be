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
 * (src/lib/report/claims.c); the statistics, with GSL, are in judge/stats.c, the rules in
 * judge/rules.c and the writers in judge/tex.c and judge/outputs.c. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "common/cli.h"
#include "core/util.h"
#include "judge/judge.h"
#include "report/claims.h"

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

/* ---------------------------------------------------------------- main */

/* The command line: the outputs, --expect, the claims files in order, the samples. */
typedef struct {
    const char *out[N_OUT], *expect;
    const char **claim_files;
    int *claim_is_ref, n_claim_files;
    char **samples; /* (n_samples) */
    int n_samples;
} options_t;

static void parse_options(int argc, char **argv, options_t *o)
{
    *o = (options_t){{NULL}, NULL, NULL, NULL, 0, NULL, 0};
    int cap_files = 0, cap_ref = 0;
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
    const cli_t cli = {.longopts = longopts, .usage = usage, .positionals = 1};
    int ch;
    while ((ch = cli_next(&cli, argc, argv)) != -1) {
        switch (ch) {
        case OPT_TSV:
        case OPT_TEX:
        case OPT_REF_TEX:
        case OPT_COUNTS:
        case OPT_EFFECTS:
            o->out[ch - OPT_OUT] = optarg;
            break;
        case OPT_EXPECT:
            o->expect = optarg;
            break;
        case OPT_CLAIMS:
        case OPT_REFERENCES:
            GROW(o->claim_files, o->n_claim_files, cap_files);
            GROW(o->claim_is_ref, o->n_claim_files, cap_ref);
            o->claim_is_ref[o->n_claim_files] = ch == OPT_REFERENCES;
            o->claim_files[o->n_claim_files++] = optarg;
            break;
        }
    }
    int n_report_files = 0;
    for (int i = 0; i < o->n_claim_files; i++)
        n_report_files += !o->claim_is_ref[i];
    if (!o->out[OUT_TSV] || !n_report_files || optind >= argc)
        die("--tsv, at least one --claims and at least one samples file are required "
            "(see --help)");
    o->samples = argv + optind;
    o->n_samples = argc - optind;
}

/* Inputs and outputs must be distinct files. */
static void check_paths(const options_t *o)
{
    err_t e;
    io_path_t *in = xmalloc((size_t)(o->n_claim_files + 1 + o->n_samples) * sizeof *in);
    int ni = 0;
    for (int i = 0; i < o->n_claim_files; i++)
        in[ni++] = (io_path_t){o->claim_is_ref[i] ? "--references" : "--claims",
                               o->claim_files[i]};
    if (o->expect)
        in[ni++] = (io_path_t){"--expect", o->expect};
    for (int i = 0; i < o->n_samples; i++)
        in[ni++] = (io_path_t){"samples", o->samples[i]};
    const io_path_t outs[N_OUT] = {{"--tsv", o->out[OUT_TSV]}, {"--tex", o->out[OUT_TEX]},
                                   {"--ref-tex", o->out[OUT_REF_TEX]},
                                   {"--counts-tex", o->out[OUT_COUNTS]},
                                   {"--effects", o->out[OUT_EFFECTS]}};
    int bad = check_io_paths(in, (size_t)ni, outs, N_OUT, &e);
    free(in);
    if (bad != 0)
        die("%s", e.msg);
}

/* Prints every claim's outcome and, with --expect, each changed one and the tally; returns
 * the number changed. */
static int print_outcomes(const claims_t *cl, const expected_verdict_t *ex, int n_ex,
                          int expect)
{
    for (int i = 0; i < cl->n; i++)
        printf("%-28s %-15s %s\n", cl->c[i].id, OUTCOME[cl->c[i].outcome], cl->c[i].why);
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
    return changed;
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    gsl_set_error_handler_off(); /* GSL reports by return value; judge checks each */
    options_t o;
    parse_options(argc, argv, &o);
    check_paths(&o);

    err_t e;
    texts_t texts = {0};
    samples_t ss = {0};
    for (int i = 0; i < o.n_samples; i++)
        if (samples_read(o.samples[i], &texts, &ss, &e) != 0)
            die("%s", e.msg);
    if (samples_index(&ss, &e) != 0)
        die("%s", e.msg);

    claims_t cl = {0};
    char **stages = xcalloc((size_t)o.n_claim_files, sizeof *stages);
    for (int i = 0; i < o.n_claim_files; i++)
        if (claims_read(o.claim_files[i], o.claim_is_ref[i], &texts, &stages[i], &cl, &e) != 0)
            die("%s", e.msg);
    /* Umbrellas after the claims they join. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < cl.n; i++)
            if ((cl.c[i].rule == ALL) == pass && judge_one(&ss, &cl, &cl.c[i], &e) != 0)
                die("%s", e.msg);

    expected_verdict_t *ex = NULL;
    int n_ex = 0;
    if (o.expect && verdicts_read(o.expect, &texts, &cl, &ex, &n_ex, &e) != 0)
        die("%s", e.msg);
    if (write_outputs(o.out, &cl, &e) != 0)
        die("%s", e.msg);
    int changed = print_outcomes(&cl, ex, n_ex, o.expect != NULL);

    free(ex);
    claims_free(&cl);
    for (int i = 0; i < o.n_claim_files; i++)
        free(stages[i]);
    free(stages);
    samples_free(&ss);
    texts_free(&texts);
    free(o.claim_files);
    free(o.claim_is_ref);
    return changed ? 1 : 0;
}
