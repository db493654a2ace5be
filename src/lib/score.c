#include "score.h"

#include <stdlib.h>
#include <string.h>

int score_dataset(kind_model_t *m, const double *params, const dataset_t *d, int chunk,
                  double *grad, double *outputs, score_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    model_result_t res;
    size_t np = m->n_params, O = (size_t)m->n_outputs;
    if (d->kind == DATA_TRAJECTORY) {
        batch_t b = {.B = 1, .K = d->count, .targets = d->y, .times = d->t};
        if (kind_model_run(m, params, &b, grad, &res, e) != 0)
            return -1;
        s->loss = res.loss;
        s->count = 1;
        s->nfe_forward = res.ode.nfe_forward;
        s->nfe_backward = res.ode.nfe_backward;
        s->solves = 1;
        if (outputs)
            memcpy(outputs, m->kind->outputs(m), (size_t)d->count * O * sizeof *outputs);
        return 0;
    }
    if (chunk > m->max_batch)
        chunk = m->max_batch;
    double *chunk_grad = NULL; /* (n_params) */
    if (grad) {
        chunk_grad = xmalloc(np * sizeof *chunk_grad);
        memset(grad, 0, np * sizeof *grad);
    }
    for (int first = 0; first < d->count; first += chunk) {
        int nb = d->count - first < chunk ? d->count - first : chunk;
        batch_t b = {.B = nb, .K = 1,
                     .x = d->x ? d->x + (size_t)first * d->n_features : NULL,
                     .labels = d->labels ? d->labels + first : NULL,
                     .targets = d->y ? d->y + (size_t)first * d->n_targets : NULL};
        if (kind_model_run(m, params, &b, chunk_grad, &res, e) != 0) {
            free(chunk_grad);
            return -1;
        }
        /* Summed losses add up over chunks; means are weighted by size. */
        double w = m->loss_is_sum ? 1.0 : (double)nb;
        s->loss += res.loss * w;
        s->correct += res.correct;
        s->nfe_forward += res.ode.nfe_forward;
        s->nfe_backward += res.ode.nfe_backward;
        s->solves++;
        if (chunk_grad)
            for (size_t i = 0; i < np; i++)
                grad[i] += chunk_grad[i] * w;
        if (outputs)
            memcpy(outputs + (size_t)first * O, m->kind->outputs(m),
                   (size_t)nb * O * sizeof *outputs);
    }
    double norm = m->loss_is_sum ? 1.0 : (double)d->count;
    s->loss /= norm;
    s->count = d->count;
    if (grad)
        for (size_t i = 0; i < np; i++)
            grad[i] /= norm;
    free(chunk_grad);
    return 0;
}
