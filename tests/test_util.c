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
