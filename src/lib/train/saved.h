/* A trained model as eval and features see it: the checkpoint's stored
 * configuration rebuilt into a model of its kind (train/kind.h), with its
 * parameters. */
#ifndef NODE_TRAIN_SAVED_H
#define NODE_TRAIN_SAVED_H

#include "train/kind.h"
#include "train/runcfg.h"

typedef struct {
    runcfg_t rc;
    kind_model_t model;
    double *params; /* (model.n_params) */
} saved_model_t;

/* Reads only the stored configuration (to size what comes next). */
int saved_model_config(const char *path, runcfg_t *rc, err_t *e);
/* max_batch and max_times size the workspace for the evaluations to come.
 * A checkpoint holding a parameter that is not finite is refused (the
 * message names the file and the parameter). */
int saved_model_load(const char *path, int max_batch, int max_times, saved_model_t *s, err_t *e);
void saved_model_free(saved_model_t *s);

#endif
