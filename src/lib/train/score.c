#include "train/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int dataset_examples(const dataset_t *d)
{
    return d->kind == DATA_SEQUENCES ? d->n_sequences : d->count;
}

/* Examples [first, first + nb) of d as a batch; a set of sequences names
 * them by index (seqs: 0 .. count - 1), anything else points into d. */
static batch_t chunk_batch(const dataset_t *d, const int *seqs, int first, int nb)
{
    batch_t b = {.B = nb, .K = 1};
    if (d->kind == DATA_SEQUENCES) {
        b.seqs = seqs + first;
        b.data = d;
    } else {
        b.x = d->x ? d->x + (size_t)first * d->n_features : NULL;
        b.labels = d->labels ? d->labels + first : NULL;
        b.targets = d->y ? d->y + (size_t)first * d->n_targets : NULL;
    }
    return b;
}

int score_dataset(kind_model_t *m, const double *params, const dataset_t *d, int chunk,
                  double *grad, double *outputs, score_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    s->mse = NAN;
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
        if (res.mse_count > 0)
            s->mse = res.mse;
        if (outputs)
            memcpy(outputs, m->kind->outputs(m), (size_t)d->count * O * sizeof *outputs);
        return 0;
    }
    int sequences = d->kind == DATA_SEQUENCES, count = dataset_examples(d);
    if (chunk > m->max_batch)
        chunk = m->max_batch;
    double *chunk_grad = NULL; /* (n_params) */
    if (grad) {
        chunk_grad = xmalloc(np * sizeof *chunk_grad);
        memset(grad, 0, np * sizeof *grad);
    }
    int *seqs = NULL; /* (count) sequences: 0 .. count - 1 */
    if (sequences) {
        seqs = xmalloc((size_t)count * sizeof *seqs);
        for (int i = 0; i < count; i++)
            seqs[i] = i;
    }
    double sq_sum = 0.0;
    long sq_count = 0;
    for (int first = 0; first < count; first += chunk) {
        int nb = count - first < chunk ? count - first : chunk;
        batch_t b = chunk_batch(d, seqs, first, nb);
        if (kind_model_run(m, params, &b, chunk_grad, &res, e) != 0) {
            free(chunk_grad);
            free(seqs);
            return -1;
        }
        /* Summed losses add up over chunks; means are weighted by size. */
        double w = m->loss_is_sum ? 1.0 : (double)nb;
        s->loss += res.loss * w;
        s->correct += res.correct;
        s->nfe_forward += res.ode.nfe_forward;
        s->nfe_backward += res.ode.nfe_backward;
        s->solves++;
        if (res.mse_count > 0) {
            sq_sum += res.mse * (double)res.mse_count;
            sq_count += res.mse_count;
        }
        if (chunk_grad)
            for (size_t i = 0; i < np; i++)
                grad[i] += chunk_grad[i] * w;
        if (outputs) {
            /* A chunk of sequences has one output row per observation. */
            size_t row = sequences ? (size_t)d->obs_start[first] : (size_t)first;
            size_t rows = sequences ? (size_t)(d->obs_start[first + nb] - d->obs_start[first])
                                    : (size_t)nb;
            memcpy(outputs + row * O, m->kind->outputs(m), rows * O * sizeof *outputs);
        }
    }
    double norm = m->loss_is_sum ? 1.0 : (double)count;
    s->loss /= norm;
    s->count = count;
    if (sq_count > 0)
        s->mse = sq_sum / (double)sq_count;
    if (grad)
        for (size_t i = 0; i < np; i++)
            grad[i] /= norm;
    free(chunk_grad);
    free(seqs);
    return 0;
}

/* A chunk's terms in score_dataset_shared: its weighted loss, hits, NFE
 * and squared errors with their count. */
enum { CHUNK_TERMS = 6 };

int score_dataset_shared(kind_model_t *m, const double *params, const dataset_t *d, int chunk,
                         comm_t *comm, score_t *s, err_t *e)
{
    if (!comm_parallel(comm) || d->kind == DATA_TRAJECTORY)
        return score_dataset(m, params, d, chunk, NULL, NULL, s, e);
    memset(s, 0, sizeof *s);
    s->mse = NAN;
    int sequences = d->kind == DATA_SEQUENCES, count = dataset_examples(d);
    if (chunk > m->max_batch)
        chunk = m->max_batch;
    int chunks = (count + chunk - 1) / chunk;
    double *terms = xcalloc((size_t)chunks * CHUNK_TERMS + 1, sizeof *terms);
    int *seqs = NULL;
    if (sequences) {
        seqs = xmalloc((size_t)count * sizeof *seqs);
        for (int i = 0; i < count; i++)
            seqs[i] = i;
    }
    for (int c = comm->rank; c < chunks; c += comm->size) {
        int first = c * chunk, nb = count - first < chunk ? count - first : chunk;
        batch_t b = chunk_batch(d, seqs, first, nb);
        model_result_t res;
        if (kind_model_run(m, params, &b, NULL, &res, e) != 0) {
            free(terms);
            free(seqs);
            return -1;
        }
        double *t = terms + (size_t)c * CHUNK_TERMS;
        t[0] = res.loss * (m->loss_is_sum ? 1.0 : (double)nb);
        t[1] = (double)res.correct;
        t[2] = (double)res.ode.nfe_forward;
        t[3] = (double)res.ode.nfe_backward;
        t[4] = res.mse_count > 0 ? res.mse * (double)res.mse_count : 0.0;
        t[5] = (double)res.mse_count;
    }
    comm_sum(comm, terms, (size_t)chunks * CHUNK_TERMS);
    /* In chunk order, as score_dataset adds them. */
    double sq_sum = 0.0;
    long sq_count = 0;
    for (int c = 0; c < chunks; c++) {
        const double *t = terms + (size_t)c * CHUNK_TERMS;
        s->loss += t[0];
        s->correct += (long)t[1];
        s->nfe_forward += (long)t[2];
        s->nfe_backward += (long)t[3];
        s->solves++;
        if (t[5] > 0) {
            sq_sum += t[4];
            sq_count += (long)t[5];
        }
    }
    s->loss /= m->loss_is_sum ? 1.0 : (double)count;
    s->count = count;
    if (sq_count > 0)
        s->mse = sq_sum / (double)sq_count;
    free(terms);
    free(seqs);
    return 0;
}
