/* The registry of model kinds: add a kind by writing its folder,
 * src/lib/models/NAME/, and one line to MODEL_KINDS. */
#include "core/util.h"
#include "train/kind.h"
#include "train/runcfg.h"

#include <stdio.h>
#include <string.h>

/* Every line ends in a backslash, so that a kind is one added line. */
#define MODEL_KINDS(X)                                                                      \
    X(mlp_kind)    /* models/mlp: the MLP-ODE of report 000 */                              \
    X(odenet_kind) /* models/conv: Chen et al.'s ODE-Net */                                 \
    X(resnet_kind) /* models/conv: its ResNet baseline */                                   \
    X(cnf_kind)    /* models/cnf: continuous normalizing flow (report 002) */               \
    X(latent_kind) /* models/latent: latent ODE on irregular sequences (report 002) */      \
    X(rnn_kind)    /* models/rnn: its recurrent baseline (Chen et al. 2018, Table 2) */     \
    /* (end of the kinds) */

#define DECLARE_KIND(k) extern const model_kind_t k;
MODEL_KINDS(DECLARE_KIND)
#define LIST_KIND(k) &k,
static const model_kind_t *const kinds[] = {MODEL_KINDS(LIST_KIND)};
#define N_KINDS ((int)(sizeof kinds / sizeof kinds[0]))

static const char *const loss_names[] = {"cross_entropy", "mse", "sse", "nll", "elbo"};

int loss_parse(const char *name, loss_t *out)
{
    int i = name_index(loss_names, (int)(sizeof loss_names / sizeof loss_names[0]), name);
    if (i < 0)
        return -1;
    *out = (loss_t)i;
    return 0;
}

const char *loss_name(loss_t l) { return loss_names[l]; }

int model_kind_count(void) { return N_KINDS; }

const model_kind_t *model_kind_at(int i) { return i >= 0 && i < N_KINDS ? kinds[i] : NULL; }

const char *model_kind_names(unsigned flags, const char *conjunction, char *buf, size_t size)
{
    int matching = 0;
    for (int i = 0; i < N_KINDS; i++)
        matching += (kinds[i]->flags & flags) == flags;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0, seen = 0; i < N_KINDS && used < size; i++) {
        if ((kinds[i]->flags & flags) != flags)
            continue;
        seen++;
        int n = seen == 1        ? snprintf(buf + used, size - used, "%s", kinds[i]->name)
                : seen == matching ? snprintf(buf + used, size - used, " %s %s", conjunction,
                                              kinds[i]->name)
                                   : snprintf(buf + used, size - used, ", %s", kinds[i]->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

const model_kind_t *model_kind_find(const char *name, err_t *e)
{
    for (int i = 0; i < N_KINDS; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    char names[256];
    err_set(e, "'%s' is not %s", name, model_kind_names(0, "or", names, sizeof names));
    return NULL;
}

int kind_model_create(kind_model_t *m, const runcfg_t *rc, int max_batch, int max_times,
                      err_t *e)
{
    memset(m, 0, sizeof *m);
    const model_kind_t *k = rc->model_kind ? rc->model_kind : model_kind_find(rc->kind, e);
    if (!k)
        return -1;
    if (max_batch < 1 || max_times < 1)
        return err_set(e, "%s: batch and number of output times must be positive", k->name);
    m->kind = k;
    m->max_batch = max_batch;
    m->max_times = max_times;
    if (k->create(m, rc, max_batch, max_times, e) != 0) {
        memset(m, 0, sizeof *m);
        return -1;
    }
    return 0;
}

void kind_model_free(kind_model_t *m)
{
    if (m->kind && m->impl)
        m->kind->free(m);
    memset(m, 0, sizeof *m);
}

int kind_model_run(kind_model_t *m, const double *params, const batch_t *b, double *grad,
                   model_result_t *res, err_t *e)
{
    if (b->B < 1 || b->B > m->max_batch || b->K < 1 || b->K > m->max_times)
        return err_set(e, "%s: batch %d x %d times exceeds the workspace (%d x %d)",
                       m->kind->name, b->B, b->K, m->max_batch, m->max_times);
    return m->kind->run(m, params, b, grad, res, e);
}
