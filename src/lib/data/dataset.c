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

/* The first pass over the sequences kind's rows. */
typedef struct {
    const char *path;
    const int *lines;        /* (n): the file line of each row */
    const int *roles;        /* (ncol) */
    int ncol;
    int col_seq, col_t, col_obs;
    unsigned char *observed; /* (n): each row's flag */
    int seq, n_obs_here;     /* the current sequence and its observations so far */
} seq_pass_t;

/* Row i (its values row) of the first pass: checks its observed flag, its
 * sequence index against the current sequence and its time against the
 * row before, starts a sequence where the index moves on, and stores its
 * time, flag and targets. */
static int sequence_row(seq_pass_t *p, const double *row, int i, dataset_t *d, err_t *e)
{
    const char *path = p->path;
    int ny = d->n_targets, line = p->lines[i];
    double s = row[p->col_seq], t = row[p->col_t], o = row[p->col_obs];
    if (o != 0.0 && o != 1.0)
        return err_set(e, "%s:%d: observed must be 0 or 1, not %g", path, line, o);
    int new_seq = i == 0 || s != (double)p->seq; /* row 0 starts one, whatever its index */
    if (new_seq && s != (double)(p->seq + 1)) {
        if (p->seq < 0)
            return err_set(e, "%s:%d: sequence index %g out of order (the first must be 0)",
                           path, line, s);
        return err_set(e, "%s:%d: sequence index %g out of order (after %d: expected %d or %d)",
                       path, line, s, p->seq, p->seq, p->seq + 1);
    }
    if (new_seq) {
        if (p->seq >= 0 && p->n_obs_here < 2)
            return err_set(e, "%s:%d: sequence %d has %d observation%s (at least 2 needed)",
                           path, p->lines[i - 1], p->seq, p->n_obs_here,
                           p->n_obs_here == 1 ? "" : "s");
        p->seq++;
        d->seq_start[p->seq] = i;
        p->n_obs_here = 0;
    } else {
        double prev_t = d->t[i - 1];
        if (t < prev_t)
            return err_set(e, "%s:%d: time %g after %g in sequence %d (times must not decrease)",
                           path, line, t, prev_t, p->seq);
        if (t == prev_t && !(p->observed[i - 1] == 0 && o == 1.0))
            return err_set(e, "%s:%d: repeated time %g in sequence %d (only a truth row then an "
                              "observation row may share a time)", path, line, t, p->seq);
    }
    d->t[i] = t;
    p->observed[i] = (unsigned char)o;
    p->n_obs_here += p->observed[i];
    d->n_observed += p->observed[i];
    int iy = 0;
    for (int c = 0; c < p->ncol; c++)
        if (p->roles[c] == COL_Y)
            d->y[(size_t)i * ny + iy++] = row[c];
    return 0;
}

/* The second pass: each sequence's observation and truth rows, listed in
 * order (observed (n): the rows' flags). */
static void list_sequence_rows(const unsigned char *observed, int n, dataset_t *d)
{
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
}

/* The sequences kind from the parsed rows vals (n, ncol) read from the file
 * lines lines (n): checks the rules in data/dataset.h and builds the per-sequence
 * offsets and row lists.  Frees whatever it built on failure. */
static int load_sequences(const char *path, const double *vals, const int *lines,
                          const int *roles, int ncol, int n, dataset_t *d, err_t *e)
{
    seq_pass_t p = {.path = path, .lines = lines, .roles = roles, .ncol = ncol, .col_seq = -1,
                    .col_t = -1, .col_obs = -1, .seq = -1};
    for (int c = 0; c < ncol; c++) {
        if (roles[c] == COL_SEQ)
            p.col_seq = c;
        else if (roles[c] == COL_T)
            p.col_t = c;
        else if (roles[c] == COL_OBSERVED)
            p.col_obs = c;
    }
    d->count = n;
    d->y = xmalloc((size_t)n * d->n_targets * sizeof *d->y);
    d->t = xmalloc((size_t)n * sizeof *d->t);
    p.observed = xmalloc((size_t)n);
    /* First pass: values, order, counts.  A sequence index can grow by one
     * per row at most, so n + 1 bounds the offset arrays. */
    d->seq_start = xmalloc((size_t)(n + 1) * sizeof *d->seq_start);
    d->obs_start = xmalloc((size_t)(n + 1) * sizeof *d->obs_start);
    d->truth_start = xmalloc((size_t)(n + 1) * sizeof *d->truth_start);
    for (int i = 0; i < n; i++)
        if (sequence_row(&p, vals + (size_t)i * ncol, i, d, e) != 0)
            goto fail;
    if (p.n_obs_here < 2) {
        err_set(e, "%s:%d: sequence %d has %d observation%s (at least 2 needed)", path,
                lines[n - 1], p.seq, p.n_obs_here, p.n_obs_here == 1 ? "" : "s");
        goto fail;
    }
    d->n_sequences = p.seq + 1;
    d->seq_start[d->n_sequences] = n;
    list_sequence_rows(p.observed, n, d); /* the second pass */
    free(p.observed);
    return 0;
fail:
    free(p.observed);
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

/* A TSV header: each column's role and how many of each role. */
typedef struct {
    int roles[256], ncol;
    int nx, ny, nlabel, nt, nseq, nobs;
} tsv_header_t;

/* The header line (line 1), tokenized in place: every name known, x1..xd
 * then y1..yk in order, and the roles together one of the kinds. */
static int parse_header(const char *path, char *line, tsv_header_t *h, err_t *e)
{
    char *fsave = NULL;
    for (char *tok = strtok_r(line, "\t \r", &fsave); tok; tok = strtok_r(NULL, "\t \r", &fsave)) {
        int ncol = h->ncol, nx = h->nx, ny = h->ny, *role = &h->roles[ncol];
        if (ncol == 256)
            return err_set(e, "%s:1: more than 256 columns", path);
        int index;
        if (column_role(tok, role, &index) != 0)
            return err_set(e, "%s:1: unknown column '%s' (expected x1.., y1.., label, t, seq or "
                              "observed)", path, tok);
        /* Features and targets are numbered from 1 in order, features
         * first: x1..xd, then y1..yk. */
        if (*role == COL_X && (index != nx + 1 || ny)) {
            if (ny)
                return err_set(e, "%s:1: column %d is '%s' after a target column (expected "
                                  "x1..xd, then y1..yk, in order)", path, ncol + 1, tok);
            return err_set(e, "%s:1: column %d is '%s' where x%d belongs (expected x1..xd, then "
                              "y1..yk, in order)", path, ncol + 1, tok, nx + 1);
        }
        if (*role == COL_Y && index != ny + 1)
            return err_set(e, "%s:1: column %d is '%s' where y%d belongs (expected x1..xd, then "
                              "y1..yk, in order)", path, ncol + 1, tok, ny + 1);
        h->nx += *role == COL_X;
        h->ny += *role == COL_Y;
        h->nlabel += *role == COL_LABEL;
        h->nt += *role == COL_T;
        h->nseq += *role == COL_SEQ;
        h->nobs += *role == COL_OBSERVED;
        h->ncol++;
    }
    int sequences = h->nseq || h->nobs;
    if (sequences ? h->nseq > 1 || h->nobs > 1 || h->nt != 1 || !h->ny || h->nx || h->nlabel ||
                        !h->nseq || !h->nobs
                  : h->nlabel > 1 || h->nt > 1 || (h->nlabel && h->ny) ||
                        (h->nt && (h->nx || h->nlabel)) || (!h->nt && !h->nx) ||
                        (h->nt && !h->ny))
        return err_set(e, "%s:1: header must be x1..xd (with label or y1..yk), t with "
                          "y1..yk, or seq, t, y1..yk and observed", path);
    return 0;
}

/* One data row (file line line_no), tokenized in place, into v (ncol):
 * exactly ncol fields, each a finite number. */
static int parse_row(const char *path, char *row, int line_no, int ncol, double *v_row,
                     err_t *e)
{
    int c = 0;
    char *rsave = NULL;
    for (char *tok = strtok_r(row, "\t \r", &rsave); tok; tok = strtok_r(NULL, "\t \r", &rsave)) {
        double *v = &v_row[c];
        if (c < ncol && parse_double(tok, v) == 0 && !isfinite(*v))
            return err_set(e, "%s:%d: column %d: %g is not a finite number", path, line_no, c + 1,
                           *v);
        if (c == ncol || parse_double(tok, v) != 0) {
            if (c < ncol)
                return err_set(e, "%s:%d: column %d: '%s' is not a number", path, line_no, c + 1,
                               tok);
            return err_set(e, "%s:%d: more than the header's %d fields", path, line_no, ncol);
        }
        c++;
    }
    if (c != ncol)
        return err_set(e, "%s:%d: expected %d fields, found %d", path, line_no, ncol, c);
    return 0;
}

/* The data rows after the header, from p on (line 2 of the file), in
 * place: blank lines skipped, but counted.  Into *vals_out (n, ncol) and
 * *lines_out (n: each row's file line), both freed on failure. */
static int read_rows(const char *path, char *p, int ncol, double **vals_out, int **lines_out,
                     int *n_out, err_t *e)
{
    int cap = 1024, n = 0, line_no = 1;
    double *vals = xmalloc((size_t)cap * ncol * sizeof *vals); /* (n, ncol) */
    int *lines = xmalloc((size_t)cap * sizeof *lines);         /* (n): file line of each row */
    /* strtok_r skips empty lines, so count lines from the raw text. */
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
        if (parse_row(path, row, line_no, ncol, vals + (size_t)n * ncol, e) != 0) {
            free(vals);
            free(lines);
            return -1;
        }
        n++;
    }
    *vals_out = vals;
    *lines_out = lines;
    *n_out = n;
    return 0;
}

/* The kinds other than sequences from the parsed rows vals (n, ncol):
 * features, targets, labels (class indices) and times (increasing).
 * Frees whatever it built on failure. */
static int fill_columns(const char *path, const double *vals, const int *lines,
                        const tsv_header_t *h, int n, dataset_t *d, err_t *e)
{
    int ncol = h->ncol, nx = h->nx, ny = h->ny;
    d->count = n;
    if (nx)
        d->x = xmalloc((size_t)n * nx * sizeof *d->x);
    if (ny)
        d->y = xmalloc((size_t)n * ny * sizeof *d->y);
    if (h->nlabel)
        d->labels = xmalloc((size_t)n * sizeof *d->labels);
    if (h->nt)
        d->t = xmalloc((size_t)n * sizeof *d->t);
    for (int i = 0; i < n; i++) {
        int ix = 0, iy = 0;
        for (int c = 0; c < ncol; c++) {
            double v = vals[(size_t)i * ncol + c];
            switch (h->roles[c]) {
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
                    dataset_free(d);
                    return -1;
                }
                break;
            }
        }
    }
    return 0;
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
    tsv_header_t h = {.ncol = 0};
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    if (!line) {
        free(text);
        return err_set(e, "%s: empty file (expected a header line)", path);
    }
    if (parse_header(path, line, &h, e) != 0) {
        free(text);
        return -1;
    }
    int sequences = h.nseq || h.nobs;
    d->kind = sequences ? DATA_SEQUENCES
              : h.nt      ? DATA_TRAJECTORY
              : h.nlabel ? DATA_CLASSIFY
              : h.ny     ? DATA_REGRESS
                         : DATA_DENSITY;
    d->n_features = h.nx;
    d->n_targets = h.ny;
    double *vals;
    int *lines, n;
    int status = read_rows(path, save, h.ncol, &vals, &lines, &n, e);
    free(text);
    if (status != 0)
        return -1;
    if (n == 0)
        status = err_set(e, "%s: no data rows", path);
    else if (sequences)
        status = load_sequences(path, vals, lines, h.roles, h.ncol, n, d, e);
    else
        status = fill_columns(path, vals, lines, &h, n, d, e);
    free(vals);
    free(lines);
    return status;
}
