#include "saved.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

int saved_model_load(const char *path, int max_batch, int max_times, saved_model_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    char *meta;
    size_t n;
    if (checkpoint_read(path, &meta, &s->params, &n, e) != 0)
        return -1;
    int rc = runcfg_load_string(path, meta, &s->rc, e);
    free(meta);
    if (rc != 0 || model_create(&s->model, &s->rc.model, max_batch, max_times, e) != 0) {
        free(s->params);
        s->params = NULL;
        return -1;
    }
    if (s->model.n_params != n) {
        saved_model_free(s);
        return err_set(e, "%s: holds %zu parameters but its configuration needs %zu", path, n,
                       s->model.n_params);
    }
    return 0;
}

void saved_model_free(saved_model_t *s)
{
    if (s->model.solver)
        model_free(&s->model);
    free(s->params);
    memset(s, 0, sizeof *s);
}
