/* A trained model as eval and features see it: the checkpoint's stored
 * configuration rebuilt into a model, with its parameters. */
#ifndef NODE_SAVED_H
#define NODE_SAVED_H

#include "model.h"
#include "runcfg.h"

typedef struct {
    runcfg_t rc;
    model_t model;
    double *params;
} saved_model_t;

/* max_batch and max_times size the workspace for the evaluations to come. */
int saved_model_load(const char *path, int max_batch, int max_times, saved_model_t *s, err_t *e);
void saved_model_free(saved_model_t *s);

#endif
