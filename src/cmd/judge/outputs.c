/* judge's outputs: the TSV of every claim, the effects, and the writing of every output
 * together (all committed or none). */
#include <stdio.h>

#include "core/util.h"
#include "judge/judge.h"
#include "report/claims.h"

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

/* Opens every output, writes them all, then commits them all: either every output is
 * there or (on an error before the commits) none was touched. */
int write_outputs(const char *const path[N_OUT], const claims_t *cl, err_t *e)
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
