/* ckpt-diff A.ckpt B.ckpt: the largest difference between the parameters
 * of two checkpoints relative to the largest parameter of A,
 *   max_i |a_i - b_i| / max_i |a_i|,
 * printed with 3 significant digits; exit 1 (with a message) if they are
 * not comparable.  Used by tests/mpi.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/checkpoint.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ckpt-diff A.ckpt B.ckpt\n");
        return 2;
    }
    char *meta[2];
    double *p[2];
    size_t n[2];
    err_t e = {{0}};
    for (int k = 0; k < 2; k++)
        if (checkpoint_read(argv[1 + k], &meta[k], &p[k], &n[k], &e) != 0) {
            fprintf(stderr, "ckpt-diff: %s\n", e.msg);
            return 1;
        }
    if (n[0] != n[1]) {
        fprintf(stderr, "ckpt-diff: %zu parameters against %zu\n", n[0], n[1]);
        return 1;
    }
    double diff = 0, scale = 0;
    for (size_t i = 0; i < n[0]; i++) {
        diff = fmax(diff, fabs(p[0][i] - p[1][i]));
        scale = fmax(scale, fabs(p[0][i]));
    }
    printf("%.3g\n", scale > 0 ? diff / scale : diff);
    for (int k = 0; k < 2; k++) {
        free(meta[k]);
        free(p[k]);
    }
    return 0;
}
