#include "train/saved.h"

#include <stdlib.h>
#include <string.h>

#include "core/checkpoint.h"

int saved_model_config(const char *path, runcfg_t *rc, err_t *e)
{
    char *meta;
    double *params;
    size_t n;
    if (checkpoint_read(path, &meta, &params, &n, e) != 0)
        return -1;
    free(params);
    int status = runcfg_load_string(path, meta, rc, e);
    free(meta);
    return status;
}

int saved_model_load(const char *path, int max_batch, int max_times, saved_model_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    char *meta;
    size_t n;
    if (checkpoint_read(path, &meta, &s->params, &n, e) != 0)
        return -1;
    int status = checkpoint_check_finite(path, "parameter", s->params, n, e);
    if (status == 0)
        status = runcfg_load_string(path, meta, &s->rc, e);
    free(meta);
    err_t ce = {{0}};
    if (status == 0 && kind_model_create(&s->model, &s->rc, max_batch, max_times, &ce) != 0)
        status = err_set(e, "%s: %s", path, ce.msg);
    if (status != 0) {
        free(s->params);
        s->params = NULL;
        return -1;
    }
    if (s->model.n_params != n) {
        size_t want = s->model.n_params;
        saved_model_free(s);
        return err_set(e, "%s: holds %zu parameters but its configuration needs %zu", path, n,
                       want);
    }
    return 0;
}

void saved_model_free(saved_model_t *s)
{
    kind_model_free(&s->model);
    free(s->params);
    memset(s, 0, sizeof *s);
}
