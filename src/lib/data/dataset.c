#define _POSIX_C_SOURCE 200809L
#include "data/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"

#define MAX_LABEL 1000000 /* the largest class index a TSV file may hold */

void dataset_free(dataset_t *d)
{
    free(d->x);
    free(d->labels);
    free(d->y);
    free(d->t);
    free(d->seq_start);
    free(d->obs_start);
    free(d->obs_rows);
    free(d->truth_start);
    free(d->truth_rows);
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
    d->rows = im.rows;
    d->cols = im.cols;
    d->n_classes = 10;
    d->x = im.pixels; /* ownership moves to the dataset */
    d->labels = xmalloc((size_t)lb.count * sizeof *d->labels);
    for (int i = 0; i < lb.count; i++)
        d->labels[i] = lb.labels[i];
    idx_free_labels(&lb);
    return 0;
}

/* Column roles from the header. */
enum { COL_X, COL_Y, COL_LABEL, COL_T, COL_SEQ, COL_OBSERVED };

/* The role of a header column; for x and y columns *index is their number
 * (x3: 3), written without sign or leading zeros. */
static int column_role(const char *name, int *role, int *index)
{
    *index = 0;
    if (strcmp(name, "label") == 0)
        *role = COL_LABEL;
    else if (strcmp(name, "t") == 0)
        *role = COL_T;
    else if (strcmp(name, "seq") == 0)
        *role = COL_SEQ;
    else if (strcmp(name, "observed") == 0)
        *role = COL_OBSERVED;
    else if ((name[0] == 'x' || name[0] == 'y') && name[1] >= '1' && name[1] <= '9') {
        long k = 0;
        for (const char *c = name + 1; *c; c++) {
            if (*c < '0' || *c > '9' || k > 100000)
                return -1;
            k = 10 * k + (*c - '0');
        }
        *role = name[0] == 'x' ? COL_X : COL_Y;
        *index = (int)k;
    } else
        return -1;
    return 0;
}

/* The sequences kind from the parsed rows vals (n, ncol) read from the file
 * lines lines (n): checks the rules in data/dataset.h and builds the per-sequence
 * offsets and row lists.  Frees whatever it built on failure. */
static int load_sequences(const char *path, const double *vals, const int *lines,
                          const int *roles, int ncol, int n, dataset_t *d, err_t *e)
{
    int ny = d->n_targets, col_seq = -1, col_t = -1, col_obs = -1;
    for (int c = 0; c < ncol; c++) {
        if (roles[c] == COL_SEQ)
            col_seq = c;
        else if (roles[c] == COL_T)
            col_t = c;
        else if (roles[c] == COL_OBSERVED)
            col_obs = c;
    }
    d->count = n;
    d->y = xmalloc((size_t)n * ny * sizeof *d->y);
    d->t = xmalloc((size_t)n * sizeof *d->t);
    unsigned char *observed = xmalloc((size_t)n); /* (n) */
    /* First pass: values, order, counts.  A sequence index can grow by one
     * per row at most, so n + 1 bounds the offset arrays. */
    d->seq_start = xmalloc((size_t)(n + 1) * sizeof *d->seq_start);
    d->obs_start = xmalloc((size_t)(n + 1) * sizeof *d->obs_start);
    d->truth_start = xmalloc((size_t)(n + 1) * sizeof *d->truth_start);
    int seq = -1, n_obs_here = 0;
    for (int i = 0; i < n; i++) {
        const double *row = vals + (size_t)i * ncol;
        int line = lines[i];
        double s = row[col_seq], t = row[col_t], o = row[col_obs];
        if (o != 0.0 && o != 1.0) {
            err_set(e, "%s:%d: observed must be 0 or 1, not %g", path, line, o);
            goto fail;
        }
        int new_seq = i == 0 || s != (double)seq; /* row 0 starts one, whatever its index */
        if (new_seq && s != (double)(seq + 1)) {
            if (seq < 0)
                err_set(e, "%s:%d: sequence index %g out of order (the first must be 0)", path,
                        line, s);
            else
                err_set(e, "%s:%d: sequence index %g out of order (after %d: expected %d or %d)",
                        path, line, s, seq, seq, seq + 1);
            goto fail;
        }
        if (new_seq) {
            if (seq >= 0 && n_obs_here < 2) {
                err_set(e, "%s:%d: sequence %d has %d observation%s (at least 2 needed)", path,
                        lines[i - 1], seq, n_obs_here, n_obs_here == 1 ? "" : "s");
                goto fail;
            }
            seq++;
            d->seq_start[seq] = i;
            n_obs_here = 0;
        } else {
            double prev_t = d->t[i - 1];
            if (t < prev_t) {
                err_set(e, "%s:%d: time %g after %g in sequence %d (times must not decrease)",
                        path, line, t, prev_t, seq);
                goto fail;
            }
            if (t == prev_t && !(observed[i - 1] == 0 && o == 1.0)) {
                err_set(e, "%s:%d: repeated time %g in sequence %d (only a truth row then an "
                           "observation row may share a time)", path, line, t, seq);
                goto fail;
            }
        }
        d->t[i] = t;
        observed[i] = (unsigned char)o;
        n_obs_here += observed[i];
        d->n_observed += observed[i];
        int iy = 0;
        for (int c = 0; c < ncol; c++)
            if (roles[c] == COL_Y)
                d->y[(size_t)i * ny + iy++] = row[c];
    }
    if (n_obs_here < 2) {
        err_set(e, "%s:%d: sequence %d has %d observation%s (at least 2 needed)", path,
                lines[n - 1], seq, n_obs_here, n_obs_here == 1 ? "" : "s");
        goto fail;
    }
    d->n_sequences = seq + 1;
    d->seq_start[d->n_sequences] = n;
    /* Give back what the n + 1 bound overestimated (shrinking cannot fail
     * in practice; if it does, the larger block is kept). */
    size_t offsets = (size_t)(d->n_sequences + 1) * sizeof(int);
    int *shrunk;
    if ((shrunk = realloc(d->seq_start, offsets)))
        d->seq_start = shrunk;
    if ((shrunk = realloc(d->obs_start, offsets)))
        d->obs_start = shrunk;
    if ((shrunk = realloc(d->truth_start, offsets)))
        d->truth_start = shrunk;
    d->n_truth = n - d->n_observed;
    /* Second pass: the observation and truth rows, sequence by sequence. */
    d->obs_rows = xmalloc((size_t)(d->n_observed ? d->n_observed : 1) * sizeof *d->obs_rows);
    d->truth_rows = xmalloc((size_t)(d->n_truth ? d->n_truth : 1) * sizeof *d->truth_rows);
    int k_obs = 0, k_truth = 0;
    for (int s = 0; s < d->n_sequences; s++) {
        d->obs_start[s] = k_obs;
        d->truth_start[s] = k_truth;
        for (int i = d->seq_start[s]; i < d->seq_start[s + 1]; i++) {
            if (observed[i])
                d->obs_rows[k_obs++] = i;
            else
                d->truth_rows[k_truth++] = i;
        }
    }
    d->obs_start[d->n_sequences] = k_obs;
    d->truth_start[d->n_sequences] = k_truth;
    free(observed);
    return 0;
fail:
    free(observed);
    dataset_free(d);
    return -1;
}

int dataset_load_tsv(const char *path, dataset_t *d, err_t *e)
{
    memset(d, 0, sizeof *d);
    char *text;
    size_t text_len;
    if (read_file(path, &text, &text_len, e) != 0)
        return -1;
    return dataset_parse_tsv(path, text, text_len, d, e);
}

int dataset_parse_tsv(const char *path, char *text, size_t text_len, dataset_t *d, err_t *e)
{
    memset(d, 0, sizeof *d);
    /* A NUL byte would end the text early and drop every row after it. */
    if (text_refuse_nul(path, text, text_len, e) != 0) {
        free(text);
        return -1;
    }
    /* A UTF-8 byte-order mark (some editors save one) is named, not skipped:
     * the pipeline's other readers of these files (awk, gnuplot, the
     * checksum stamps) take the header literally, so a file this loader
     * accepted would still be misread elsewhere; and without this check the
     * mark glued to the first name gives a misleading "unknown column". */
    if (text_len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        free(text);
        return err_set(e, "%s:1: starts with a UTF-8 byte-order mark (bytes EF BB BF); save the "
                          "file without it", path);
    }
    int roles[256], ncol = 0, nx = 0, ny = 0, nlabel = 0, nt = 0, nseq = 0, nobs = 0;
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
        int index;
        if (column_role(tok, &roles[ncol], &index) != 0) {
            err_set(e, "%s:1: unknown column '%s' (expected x1.., y1.., label, t, seq or observed)",
                    path, tok);
            free(text);
            return -1;
        }
        /* Features and targets are numbered from 1 in order, features
         * first: x1..xd, then y1..yk. */
        if (roles[ncol] == COL_X && (index != nx + 1 || ny)) {
            if (ny)
                err_set(e, "%s:1: column %d is '%s' after a target column (expected x1..xd, "
                           "then y1..yk, in order)", path, ncol + 1, tok);
            else
                err_set(e, "%s:1: column %d is '%s' where x%d belongs (expected x1..xd, then "
                           "y1..yk, in order)", path, ncol + 1, tok, nx + 1);
            free(text);
            return -1;
        }
        if (roles[ncol] == COL_Y && index != ny + 1) {
            err_set(e, "%s:1: column %d is '%s' where y%d belongs (expected x1..xd, then "
                       "y1..yk, in order)", path, ncol + 1, tok, ny + 1);
            free(text);
            return -1;
        }
        nx += roles[ncol] == COL_X;
        ny += roles[ncol] == COL_Y;
        nlabel += roles[ncol] == COL_LABEL;
        nt += roles[ncol] == COL_T;
        nseq += roles[ncol] == COL_SEQ;
        nobs += roles[ncol] == COL_OBSERVED;
        ncol++;
    }
    int sequences = nseq || nobs;
    if (sequences ? nseq > 1 || nobs > 1 || nt != 1 || !ny || nx || nlabel || !nseq || !nobs
                  : nlabel > 1 || nt > 1 || (nlabel && ny) || (nt && (nx || nlabel)) ||
                        (!nt && !nx) || (nt && !ny)) {
        free(text);
        return err_set(e, "%s:1: header must be x1..xd (with label or y1..yk), t with "
                          "y1..yk, or seq, t, y1..yk and observed", path);
    }
    d->kind = sequences ? DATA_SEQUENCES
              : nt      ? DATA_TRAJECTORY
              : nlabel ? DATA_CLASSIFY
              : ny     ? DATA_REGRESS
                       : DATA_DENSITY;
    d->n_features = nx;
    d->n_targets = ny;
    int cap = 1024, n = 0, line_no = 1;
    double *vals = xmalloc((size_t)cap * ncol * sizeof *vals); /* (n, ncol) */
    int *lines = xmalloc((size_t)cap * sizeof *lines);         /* (n): file line of each row */
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
            int *grown_lines = realloc(lines, (size_t)cap * sizeof *lines);
            if (!grown_lines)
                die("out of memory reading %s", path);
            lines = grown_lines;
        }
        lines[n] = line_no;
        int c = 0;
        char *rsave = NULL;
        for (char *tok = strtok_r(row, "\t \r", &rsave); tok; tok = strtok_r(NULL, "\t \r", &rsave)) {
            double *v = &vals[(size_t)n * ncol + c];
            if (c < ncol && parse_double(tok, v) == 0 && !isfinite(*v)) {
                err_set(e, "%s:%d: column %d: %g is not a finite number", path, line_no, c + 1,
                        *v);
                free(vals);
                free(lines);
                free(text);
                return -1;
            }
            if (c == ncol || parse_double(tok, v) != 0) {
                if (c < ncol)
                    err_set(e, "%s:%d: column %d: '%s' is not a number", path, line_no, c + 1,
                            tok);
                else
                    err_set(e, "%s:%d: more than the header's %d fields", path, line_no, ncol);
                free(vals);
                free(lines);
                free(text);
                return -1;
            }
            c++;
        }
        if (c != ncol) {
            free(vals);
            free(lines);
            free(text);
            return err_set(e, "%s:%d: expected %d fields, found %d", path, line_no, ncol, c);
        }
        n++;
    }
    free(text);
    if (n == 0) {
        free(vals);
        free(lines);
        return err_set(e, "%s: no data rows", path);
    }
    if (sequences) {
        int rc = load_sequences(path, vals, lines, roles, ncol, n, d, e);
        free(vals);
        free(lines);
        return rc;
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
                /* The range first: only then is the cast to int defined. */
                if (!(v >= 0 && v <= MAX_LABEL) || v != floor(v)) {
                    err_set(e, "%s:%d: column %d: label %g is not a class index (0..%d)", path,
                            lines[i], c + 1, v, MAX_LABEL);
                    free(vals);
                    free(lines);
                    dataset_free(d);
                    return -1;
                }
                d->labels[i] = (int)v;
                if ((int)v + 1 > d->n_classes)
                    d->n_classes = (int)v + 1;
                break;
            case COL_T:
                d->t[i] = v;
                if (i > 0 && !(v > d->t[i - 1])) {
                    err_set(e, "%s:%d: times must increase (%g after %g)", path, lines[i], v,
                            d->t[i - 1]);
                    free(vals);
                    free(lines);
                    dataset_free(d);
                    return -1;
                }
                break;
            }
        }
    }
    free(vals);
    free(lines);
    return 0;
}
