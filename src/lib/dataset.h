/* Datasets as the trainer sees them: classification (features + integer
 * label), regression (features + targets), points of a density (features
 * only) or one trajectory (times + observed values).
 *
 * Toy sets are TSV files with a header naming the columns: x1..xd are
 * features, `label` an integer class, y1..yk targets, `t` observation times
 * (a file with a `t` column is one trajectory).  MNIST is read in place
 * from its idx files. */
#ifndef NODE_DATASET_H
#define NODE_DATASET_H

#include "util.h"

typedef enum { DATA_CLASSIFY, DATA_REGRESS, DATA_TRAJECTORY, DATA_DENSITY } data_kind_t;

typedef struct {
    data_kind_t kind;
    int count;      /* rows: examples, or time points of the trajectory */
    int n_features; /* 0 for a trajectory */
    int n_targets;  /* regression targets / observed dims; 0 for classification */
    int n_classes;  /* classification: max label + 1 */
    double *x;      /* (count, n_features) */
    int *labels;    /* (count) */
    double *y;      /* (count, n_targets) */
    double *t;      /* (count), strictly increasing */
} dataset_t;

int dataset_load_tsv(const char *path, dataset_t *d, err_t *e);
/* The first max_count images (all if <= 0) of the train or test set. */
int dataset_load_mnist(const char *dir, int train, int max_count, dataset_t *d, err_t *e);
void dataset_free(dataset_t *d);

#endif
