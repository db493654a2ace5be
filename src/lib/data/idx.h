/* Reader for the MNIST idx format (LeCun et al.): a big-endian header
 * (magic 0x00000803 for 3-D unsigned-byte images, 0x00000801 for 1-D labels,
 * then one 32-bit size per dimension) followed by the raw bytes.
 *
 * The reader validates the magic number, the dimensions and the exact file
 * length, so a truncated, padded or mislabelled file is refused with a
 * message that names the file and what is wrong. */
#ifndef NODE_DATA_IDX_H
#define NODE_DATA_IDX_H

#include <stdint.h>
#include "core/util.h"

typedef struct {
    int count;       /* number of images */
    int rows, cols;  /* 28 x 28 for MNIST */
    double *pixels;  /* (count, rows * cols), scaled to [0, 1] */
} idx_images_t;

typedef struct {
    int count;
    uint8_t *labels; /* (count), each in 0..9 */
} idx_labels_t;

/* Loads at most max_count images (all if max_count <= 0). */
int idx_load_images(const char *path, int max_count, idx_images_t *out, err_t *e);
int idx_load_labels(const char *path, int max_count, idx_labels_t *out, err_t *e);
void idx_free_images(idx_images_t *im);
void idx_free_labels(idx_labels_t *lb);

/* Standard MNIST file names inside a dataset directory. */
#define IDX_TRAIN_IMAGES "train-images-idx3-ubyte"
#define IDX_TRAIN_LABELS "train-labels-idx1-ubyte"
#define IDX_TEST_IMAGES "t10k-images-idx3-ubyte"
#define IDX_TEST_LABELS "t10k-labels-idx1-ubyte"

/* Loads "<dir>/<name>"; convenience for the standard layout. */
int idx_load_set(const char *dir, int train, int max_count, idx_images_t *images,
                 idx_labels_t *labels, err_t *e);

#endif
