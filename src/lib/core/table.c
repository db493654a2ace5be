#define _POSIX_C_SOURCE 200809L
#include "core/table.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int table_read(const char *path, int min_cols, int max_cols, table_t *t, err_t *e)
{
    memset(t, 0, sizeof *t);
    char *text;
    size_t len;
    if (read_file(path, &text, &len, e) != 0)
        return -1;
    return table_parse(path, text, len, min_cols, max_cols, t, e);
}

int table_parse(const char *path, char *text, size_t len, int min_cols, int max_cols,
                table_t *t, err_t *e)
{
    memset(t, 0, sizeof *t);
    t->text = text;
    /* A NUL byte would end the text there: every row after it dropped. */
    if (text_refuse_nul(path, text, len, e) != 0) {
        table_free(t);
        return -1;
    }
    int cap = 64;
    t->rows = xmalloc(cap * sizeof *t->rows);
    char *save_line = NULL;
    int line_no = 0;
    char *p = t->text;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        char *hash = strchr(p, '#');
        if (hash)
            *hash = '\0';
        table_row_t row = {.line = line_no};
        char *tok = strtok_r(p, " \t\r", &save_line);
        while (tok) {
            if (row.ncols == TABLE_MAX_COLS || row.ncols == max_cols) {
                table_free(t);
                return err_set(e, "%s:%d: more than %d fields", path, line_no, max_cols);
            }
            row.col[row.ncols++] = tok;
            tok = strtok_r(NULL, " \t\r", &save_line);
        }
        if (row.ncols > 0) {
            if (row.ncols < min_cols) {
                table_free(t);
                return err_set(e, "%s:%d: expected at least %d fields, found %d", path,
                               line_no, min_cols, row.ncols);
            }
            if (t->nrows == cap) {
                cap *= 2;
                table_row_t *grown = realloc(t->rows, cap * sizeof *t->rows);
                if (!grown)
                    die("out of memory reading %s", path);
                t->rows = grown;
            }
            t->rows[t->nrows++] = row;
        }
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

void table_free(table_t *t)
{
    free(t->text);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

int key_is_valid(const char *key)
{
    if (!isalpha((unsigned char)key[0]))
        return 0;
    for (const char *c = key; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return 0;
    return 1;
}

void summary_init(summary_t *s) { memset(s, 0, sizeof *s); }

static void summary_vadd(summary_t *s, const char *key, const char *fmt, va_list ap)
{
    if (!key_is_valid(key))
        die("internal error: invalid summary key '%s'", key);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->keys = realloc(s->keys, s->cap * sizeof *s->keys);
        s->values = realloc(s->values, s->cap * sizeof *s->values);
        if (!s->keys || !s->values)
            die("out of memory in summary");
    }
    char buf[256];
    vsnprintf(buf, sizeof buf, fmt, ap);
    s->keys[s->n] = strdup(key);
    s->values[s->n] = strdup(buf);
    if (!s->keys[s->n] || !s->values[s->n])
        die("out of memory in summary");
    s->n++;
}

void summary_add(summary_t *s, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    summary_vadd(s, key, fmt, ap);
    va_end(ap);
}

void summary_add_prefixed(summary_t *s, const char *prefix, const char *name, const char *fmt,
                          ...)
{
    char key[256];
    snprintf(key, sizeof key, "%s_%s", prefix, name);
    va_list ap;
    va_start(ap, fmt);
    summary_vadd(s, key, fmt, ap);
    va_end(ap);
}

int summary_write(const summary_t *s, const char *path, err_t *e)
{
    atomic_file_t af;
    if (atomic_open(&af, path, e) != 0)
        return -1;
    summary_print(s, af.fp);
    return atomic_commit(&af, e);
}

void summary_print(const summary_t *s, FILE *fp)
{
    for (int i = 0; i < s->n; i++)
        fprintf(fp, "%s\t%s\n", s->keys[i], s->values[i]);
}

void summary_free(summary_t *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->keys[i]);
        free(s->values[i]);
    }
    free(s->keys);
    free(s->values);
    memset(s, 0, sizeof *s);
}
