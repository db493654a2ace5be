#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *mnist_dir(void)
{
    const char *d = getenv("MNIST_DIR");
    return d && *d ? d : "data/mnist";
}

char *temp_path(const char *tag)
{
    const char *dir = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/nodeode-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(p);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    close(fd);
    return p;
}

void write_bytes(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0) {
        perror(path);
        exit(1);
    }
}

void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

double grad_rel_err(const double *g, const double *fd, size_t n)
{
    double scale = 0.0, worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(fd[i]));
        worst = fmax(worst, fabs(g[i] - fd[i]));
    }
    return scale > 0 ? worst / scale : worst;
}

void fill_uniform(rng_t *r, double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * (2.0 * rng_uniform(r) - 1.0);
}

void make_sequences(dataset_t *d, int S, const int *lengths, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed);
    memset(d, 0, sizeof *d);
    int n_obs = 0;
    for (int s = 0; s < S; s++)
        n_obs += lengths[s];
    int rows = 2 * n_obs;
    d->kind = DATA_SEQUENCES;
    d->count = rows;
    d->n_targets = 2;
    d->n_sequences = S;
    d->n_observed = d->n_truth = n_obs;
    d->y = malloc((size_t)rows * 2 * sizeof *d->y);
    d->t = malloc((size_t)rows * sizeof *d->t);
    d->seq_start = malloc((size_t)(S + 1) * sizeof(int));
    d->obs_start = malloc((size_t)(S + 1) * sizeof(int));
    d->truth_start = malloc((size_t)(S + 1) * sizeof(int));
    d->obs_rows = malloc((size_t)n_obs * sizeof(int));
    d->truth_rows = malloc((size_t)n_obs * sizeof(int));
    int row = 0, j = 0;
    for (int s = 0; s < S; s++) {
        d->seq_start[s] = row;
        d->obs_start[s] = d->truth_start[s] = j;
        double t = s % 2 == 0 ? 0.5 * (s / 2) : 0.3 + s / 7.0;
        for (int i = 0; i < lengths[s]; i++, j++) {
            if (i > 0)
                t += 0.125 * (1 + (int)(3 * rng_uniform(&r)));
            double a = 1.5 * (2 * rng_uniform(&r) - 1), b = 1.5 * (2 * rng_uniform(&r) - 1);
            d->t[row] = t; /* truth row */
            d->y[2 * row] = a + 10.0;
            d->y[2 * row + 1] = b - 10.0;
            d->truth_rows[j] = row++;
            d->t[row] = t; /* observation row */
            d->y[2 * row] = a;
            d->y[2 * row + 1] = b;
            d->obs_rows[j] = row++;
        }
    }
    d->seq_start[S] = row;
    d->obs_start[S] = d->truth_start[S] = n_obs;
}
