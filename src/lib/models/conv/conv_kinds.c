/* The convolutional MNIST classifiers (models/conv/odenet.h) as two kinds, odenet and
 * resnet: 28 x 28 images, ten classes, trained by epochs.  h(T) is the
 * ODE block's (or the last residual block's) state, C x 6 x 6 per image. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/conv/odenet.h"
#include "nn/conv.h"
#include "train/kind.h"
#include "train/runcfg.h"

/* The convolutional kinds' own [model] keys: channels C (2..31 or a
 * multiple of 32, up to 1024), precision (double or float32), conv_backend
 * (ours, or onednn with float32). */
typedef struct {
    long channels;
    char precision[CFG_STR_MAX], conv_backend[CFG_STR_MAX];
} conv_cfg_t;
_Static_assert(sizeof(conv_cfg_t) <= RUNCFG_KIND_BYTES, "conv_cfg_t outgrows runcfg_t");

static const kind_key_t conv_keys[] = {
    {"model", "channels", CFG_LONG, "64", offsetof(conv_cfg_t, channels), 2, 1024},
    {"model", "precision", CFG_STRING, "double", offsetof(conv_cfg_t, precision), 0, 0},
    {"model", "conv_backend", CFG_STRING, "ours", offsetof(conv_cfg_t, conv_backend), 0, 0},
};

#define IMAGE_SIDE 28
#define IMAGE_PIXELS (IMAGE_SIDE * IMAGE_SIDE)
#define N_CLASSES 10
#define STATE_PIXELS 36 /* 6 x 6 */

static int conv_resolve(runcfg_t *rc, const char *source, err_t *e)
{
    const conv_cfg_t *c = runcfg_kind_cfg_const(rc);
    if (!(c->channels % 32 == 0 || c->channels < 32))
        return err_set(e, "%s: [model] channels must be 2..31 or a multiple of 32", source);
    if (strcmp(c->precision, "double") && strcmp(c->precision, "float32"))
        return err_set(e, "%s: [model] precision: '%s' is not double or float32", source,
                       c->precision);
    if (strcmp(c->conv_backend, "ours") &&
        !(!strcmp(c->conv_backend, "onednn") && !strcmp(c->precision, "float32")))
        return err_set(e, "%s: [model] conv_backend: '%s' is not ours or onednn (with "
                          "precision = float32)", source, c->conv_backend);
    /* Keys the convolutional trainer has no use for must not look as if
     * they took effect. */
    if (rc->lbfgs_iterations > 0)
        return err_set(e, "%s: [train] lbfgs_iterations is not supported for %s", source,
                       rc->kind);
    if (rc->end_time_jitter > 0)
        return err_set(e, "%s: [train] end_time_jitter is not supported for %s", source,
                       rc->kind);
    if (rc->model.loss != LOSS_CE)
        return err_set(e, "%s: [model] loss: %s is trained on cross_entropy, not %s", source,
                       rc->kind, loss_name(rc->model.loss));
    return 0;
}

static int conv_suits(const dataset_t *d, const char *kind, const char *data_name, err_t *e)
{
    if (d->kind != DATA_CLASSIFY)
        return err_set(e, "%s needs 28x28 MNIST images with labels, not %s (no labels)", kind,
                       data_name);
    /* The convolutions read each image as 28 rows of 28 pixels: 784 values
     * in any other shape (or a TSV file's, which has none) are not that. */
    if (d->rows != IMAGE_SIDE || d->cols != IMAGE_SIDE || d->n_features != IMAGE_PIXELS) {
        if (d->rows > 0)
            return err_set(e, "%s needs 28x28 MNIST images, but %s holds %dx%d images", kind,
                           data_name, d->rows, d->cols);
        return err_set(e, "%s needs 28x28 MNIST images (an idx set), not %s (%d features "
                          "without an image shape)", kind, data_name, d->n_features);
    }
    if (d->n_classes > N_CLASSES)
        return err_set(e, "%s has %d classes but %s has %d outputs", data_name, d->n_classes,
                       kind, N_CLASSES);
    return 0;
}

static int conv_fit_data(runcfg_t *rc, const dataset_t *d, const char *source,
                         const char *data_name, err_t *e)
{
    (void)source;
    return conv_suits(d, rc->kind, data_name, e);
}

static int conv_create(kind_model_t *km, net_kind_t kind, const runcfg_t *rc, int max_batch,
                       err_t *e)
{
    /* Global settings of the convolutions, applied by the model that uses
     * them. */
    conv_set_threads((int)rc->threads);
    const conv_cfg_t *c = runcfg_kind_cfg_const(rc);
    conv_set_single(!strcmp(c->precision, "float32"));
    conv_set_onednn(!strcmp(c->conv_backend, "onednn"));
    odenet_t *net = xcalloc(1, sizeof *net);
    if (odenet_create(net, kind, (int)c->channels, max_batch, &rc->model.ode, e) != 0) {
        free(net);
        return -1;
    }
    /* Creating the model planned its oneDNN primitives (conv_col_size). */
    if (conv_failure()) {
        err_set(e, "%s: %s", rc->kind, conv_failure());
        conv_clear_failure();
        odenet_free(net);
        free(net);
        return -1;
    }
    km->impl = net;
    km->n_params = net->n_params;
    km->n_inputs = IMAGE_PIXELS;
    km->n_outputs = N_CLASSES;
    km->state_width = net->C * STATE_PIXELS;
    km->loss_is_sum = 0;
    return 0;
}

static int odenet_kind_create(kind_model_t *km, const runcfg_t *rc, int max_batch, int max_times,
                              err_t *e)
{
    (void)max_times;
    return conv_create(km, NET_ODE, rc, max_batch, e);
}

static int resnet_kind_create(kind_model_t *km, const runcfg_t *rc, int max_batch, int max_times,
                              err_t *e)
{
    (void)max_times;
    return conv_create(km, NET_RESNET, rc, max_batch, e);
}

static void conv_free(kind_model_t *km)
{
    odenet_free(km->impl);
    free(km->impl);
}

static void conv_init(const kind_model_t *km, double *params, rng_t *rng)
{
    odenet_init_params(km->impl, params, rng);
}

static int conv_run(kind_model_t *km, const double *params, const batch_t *b, double *grad,
                    model_result_t *res, err_t *e)
{
    if (!b->x || !b->labels)
        return err_set(e, "%s: a batch needs images and labels", km->kind->name);
    ((odenet_t *)km->impl)->loss_B = b->group_B;
    return odenet_run(km->impl, params, b->x, b->labels, b->B, grad, res, e);
}

static const double *conv_outputs(const kind_model_t *km)
{
    return ((const odenet_t *)km->impl)->logits; /* (B, 10) */
}

/* The network keeps its states channel-major in chunks of examples
 * (chunked CBHW, models/conv/conv_field.h); features want one row per image, (B, C*36). */
static void conv_states(const kind_model_t *km, int B, int K, double *out)
{
    (void)K;
    const odenet_t *net = km->impl;
    int blocks = net->kind == NET_ODE ? 1 : ODENET_RES_BLOCKS;
    size_t n2 = (size_t)net->C * B * STATE_PIXELS;
    const double *hend = net->h + (size_t)blocks * n2;
    for (int i = 0; i < B; i++)
        for (int c = 0; c < net->C; c++)
            memcpy(out + ((size_t)i * net->C + c) * STATE_PIXELS,
                   hend + chunked_index(c, i, 0, net->C, STATE_PIXELS, B, net->chunk),
                   STATE_PIXELS * sizeof *out);
}

static int conv_check_data(const kind_model_t *km, const dataset_t *d, const char *data_name,
                           err_t *e)
{
    return conv_suits(d, km->kind->name, data_name, e);
}

const model_kind_t odenet_kind = {
    .name = "odenet",
    .flags = KIND_BY_EPOCHS,
    .keys = conv_keys,
    .n_keys = (int)(sizeof conv_keys / sizeof conv_keys[0]),
    .cfg_size = sizeof(conv_cfg_t),
    .resolve = conv_resolve,
    .fit_data = conv_fit_data,
    .create = odenet_kind_create,
    .free = conv_free,
    .init_params = conv_init,
    .run = conv_run,
    .outputs = conv_outputs,
    .states = conv_states,
    .check_data = conv_check_data,
};

const model_kind_t resnet_kind = {
    .name = "resnet",
    .flags = KIND_BY_EPOCHS,
    .keys = conv_keys,
    .n_keys = (int)(sizeof conv_keys / sizeof conv_keys[0]),
    .cfg_size = sizeof(conv_cfg_t),
    .resolve = conv_resolve,
    .fit_data = conv_fit_data,
    .create = resnet_kind_create,
    .free = conv_free,
    .init_params = conv_init,
    .run = conv_run,
    .outputs = conv_outputs,
    .states = conv_states,
    .check_data = conv_check_data,
};
