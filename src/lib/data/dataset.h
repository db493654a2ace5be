/* Datasets as the trainer sees them: classification (features + integer
 * label), regression (features + targets), points of a density (features
 * only), one trajectory (times + observed values) or many trajectories
 * (sequences, each with noisy observations and noise-free truth).
 *
 * Toy sets are TSV files with a header naming the columns: x1..xd are
 * features, `label` an integer class, y1..yk targets, `t` observation times
 * (a file with a `t` column is one trajectory).  MNIST is read in place
 * from its idx files.
 *
 * Sequences (DATA_SEQUENCES): the header has `seq`, `t`, y1..yk and
 * `observed` (any order, no x or label columns), e.g. `seq t y1 y2 observed`
 * as gen-data spirals writes.  Each row is one point of one trajectory:
 *   seq       the trajectory's index: the first row's is 0 and each row's
 *             equals the previous row's or exceeds it by one (the rows of a
 *             trajectory are contiguous, indices 0..n_sequences-1);
 *   t         its time;
 *   y1..yk    its value;
 *   observed  1 for a noisy observation the model may see, 0 for a
 *             noise-free ground-truth point, used only for scoring.
 * Within a trajectory the rows are sorted by (t, observed) strictly: times
 * never decrease, and a time may appear twice only as a truth row followed
 * by an observation row at the same time (the truth where it was observed).
 * Every trajectory has at least two observations; it may have no truth
 * rows.  All values must be finite.  Violations are refused with the file
 * and line. */
#ifndef NODE_DATASET_H
#define NODE_DATASET_H

#include "core/util.h"

typedef enum {
    DATA_CLASSIFY,
    DATA_REGRESS,
    DATA_TRAJECTORY,
    DATA_DENSITY,
    DATA_SEQUENCES
} data_kind_t;

typedef struct {
    data_kind_t kind;
    int count;      /* rows: examples, time points of the trajectory, or (sequences)
                     * observation and truth rows of all trajectories */
    int n_features; /* 0 for a trajectory or sequences */
    int n_targets;  /* regression targets / observed dims; 0 for classification */
    int n_classes;  /* classification: max label + 1 */
    int rows, cols; /* an idx image set's image shape (rows * cols = n_features);
                     * 0 for a TSV file, which has none */
    double *x;      /* (count, n_features) */
    int *labels;    /* (count) */
    double *y;      /* (count, n_targets) */
    double *t;      /* (count), strictly increasing for a trajectory; for
                     * sequences sorted within each sequence (see above) */
    /* Sequences only (NULL / 0 otherwise).  Sequence s owns rows
     * seq_start[s] .. seq_start[s + 1] - 1 (count seq_start[s + 1] -
     * seq_start[s]); its observations are rows obs_rows[obs_start[s] ..
     * obs_start[s + 1] - 1] and its truth rows truth_rows[truth_start[s] ..
     * truth_start[s + 1] - 1], both in increasing time. */
    int n_sequences;
    int n_observed;   /* rows with observed = 1 */
    int n_truth;      /* rows with observed = 0 */
    int *seq_start;   /* (n_sequences + 1), seq_start[n_sequences] = count */
    int *obs_start;   /* (n_sequences + 1), obs_start[n_sequences] = n_observed */
    int *obs_rows;    /* (n_observed), row indices into t and y */
    int *truth_start; /* (n_sequences + 1), truth_start[n_sequences] = n_truth */
    int *truth_rows;  /* (n_truth), row indices into t and y */
} dataset_t;

int dataset_load_tsv(const char *path, dataset_t *d, err_t *e);
/* The same from text already in memory (len bytes, text[len] == '\0'), named
 * path in messages; takes ownership of text (freed before returning). */
int dataset_parse_tsv(const char *path, char *text, size_t len, dataset_t *d, err_t *e);
/* The first max_count images (all if <= 0) of the train or test set. */
int dataset_load_mnist(const char *dir, int train, int max_count, dataset_t *d, err_t *e);
void dataset_free(dataset_t *d);

#endif
