#define _POSIX_C_SOURCE 200809L
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "idx.h"

void dataset_free(dataset_t *d)
{
    free(d->x);
    free(d->labels);
    free(d->y);
    free(d->t);
    memset(d, 0, sizeof *d);
}

int dataset_load_mnist(const char *dir, int train, int max_count, dataset_t *d, err_t *e)
{
    memset(d, 0, sizeof *d);
    idx_images_t im;
    idx_labels_t lb;
    if (idx_load_set(dir, train, max_count, &im, &lb, e) != 0)
        return -1;
    d->kind = DATA_CLASSIFY;
    d->count = im.count;
    d->n_features = im.rows * im.cols;
    d->n_classes = 10;
    d->x = im.pixels; /* ownership moves to the dataset */
    d->labels = xmalloc((size_t)lb.count * sizeof *d->labels);
    for (int i = 0; i < lb.count; i++)
        d->labels[i] = lb.labels[i];
    idx_free_labels(&lb);
    return 0;
}

/* Column roles from the header. */
enum { COL_X, COL_Y, COL_LABEL, COL_T };

static int column_role(const char *name, int *role)
{
    if (strcmp(name, "label") == 0)
        *role = COL_LABEL;
    else if (strcmp(name, "t") == 0)
        *role = COL_T;
    else if ((name[0] == 'x' || name[0] == 'y') && name[1] >= '1' && name[1] <= '9')
        *role = name[0] == 'x' ? COL_X : COL_Y;
    else
        return -1;
    return 0;
}

int dataset_load_tsv(const char *path, dataset_t *d, err_t *e)
{
    memset(d, 0, sizeof *d);
    char *text;
    if (read_file(path, &text, NULL, e) != 0)
        return -1;
    int roles[256], ncol = 0, nx = 0, ny = 0, nlabel = 0, nt = 0;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    if (!line) {
        free(text);
        return err_set(e, "%s: empty file (expected a header line)", path);
    }
    char *fsave = NULL;
    for (char *tok = strtok_r(line, "\t \r", &fsave); tok; tok = strtok_r(NULL, "\t \r", &fsave)) {
        if (ncol == 256) {
            free(text);
            return err_set(e, "%s:1: more than 256 columns", path);
        }
        if (column_role(tok, &roles[ncol]) != 0) {
            err_set(e, "%s:1: unknown column '%s' (expected x1.., y1.., label or t)", path, tok);
            free(text);
            return -1;
        }
        nx += roles[ncol] == COL_X;
        ny += roles[ncol] == COL_Y;
        nlabel += roles[ncol] == COL_LABEL;
        nt += roles[ncol] == COL_T;
        ncol++;
    }
    if (nlabel > 1 || nt > 1 || (nlabel && ny) || (nt && (nx || nlabel)) || (!nt && !nx) ||
        (nt && !ny)) {
        free(text);
        return err_set(e, "%s:1: header must be x1..xd (with label or y1..yk), or t with "
                          "y1..yk", path);
    }
    d->kind = nt       ? DATA_TRAJECTORY
              : nlabel ? DATA_CLASSIFY
              : ny     ? DATA_REGRESS
                       : DATA_DENSITY;
    d->n_features = nx;
    d->n_targets = ny;
    int cap = 1024, n = 0, line_no = 1;
    double *vals = xmalloc((size_t)cap * ncol * sizeof *vals);
    /* strtok_r skips empty lines, so count lines from the raw text. */
    char *p = save;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        char *row = p;
        p = nl ? nl + 1 : NULL;
        if (strspn(row, " \t\r") == strlen(row))
            continue;
        if (n == cap) {
            cap *= 2;
            double *grown = realloc(vals, (size_t)cap * ncol * sizeof *vals);
            if (!grown)
                die("out of memory reading %s", path);
            vals = grown;
        }
        int c = 0;
        char *rsave = NULL;
        for (char *tok = strtok_r(row, "\t \r", &rsave); tok; tok = strtok_r(NULL, "\t \r", &rsave)) {
            if (c == ncol || parse_double(tok, &vals[(size_t)n * ncol + c]) != 0) {
                if (c < ncol)
                    err_set(e, "%s:%d: column %d: '%s' is not a number", path, line_no, c + 1,
                            tok);
                else
                    err_set(e, "%s:%d: more than the header's %d fields", path, line_no, ncol);
                free(vals);
                free(text);
                return -1;
            }
            c++;
        }
        if (c != ncol) {
            free(vals);
            free(text);
            return err_set(e, "%s:%d: expected %d fields, found %d", path, line_no, ncol, c);
        }
        n++;
    }
    free(text);
    if (n == 0) {
        free(vals);
        return err_set(e, "%s: no data rows", path);
    }
    d->count = n;
    if (nx)
        d->x = xmalloc((size_t)n * nx * sizeof *d->x);
    if (ny)
        d->y = xmalloc((size_t)n * ny * sizeof *d->y);
    if (nlabel)
        d->labels = xmalloc((size_t)n * sizeof *d->labels);
    if (nt)
        d->t = xmalloc((size_t)n * sizeof *d->t);
    for (int i = 0; i < n; i++) {
        int ix = 0, iy = 0;
        for (int c = 0; c < ncol; c++) {
            double v = vals[(size_t)i * ncol + c];
            switch (roles[c]) {
            case COL_X:
                d->x[(size_t)i * nx + ix++] = v;
                break;
            case COL_Y:
                d->y[(size_t)i * ny + iy++] = v;
                break;
            case COL_LABEL:
                if (v < 0 || v != (double)(int)v || v > 1e6) {
                    free(vals);
                    dataset_free(d);
                    return err_set(e, "%s: row %d: label %g is not a class index", path, i + 1, v);
                }
                d->labels[i] = (int)v;
                if ((int)v + 1 > d->n_classes)
                    d->n_classes = (int)v + 1;
                break;
            case COL_T:
                d->t[i] = v;
                if (i > 0 && !(v > d->t[i - 1])) {
                    double prev = d->t[i - 1];
                    free(vals);
                    dataset_free(d);
                    return err_set(e, "%s: row %d: times must increase (%g after %g)", path,
                                   i + 1, v, prev);
                }
                break;
            }
        }
    }
    free(vals);
    return 0;
}
