/* Whitespace-separated text tables: summaries (`key value`) and expected
 * numbers (`key value tolerance`).  '#' starts a comment; blank lines are
 * skipped.  Each row keeps its line number so errors can point at it. */
#ifndef NODE_CORE_TABLE_H
#define NODE_CORE_TABLE_H

#include "core/util.h"

#define TABLE_MAX_COLS 8

typedef struct {
    int line;
    int ncols;
    char *col[TABLE_MAX_COLS];
} table_row_t;

typedef struct {
    char *text; /* owns the strings the rows point into */
    int nrows;
    table_row_t *rows;
} table_t;

/* Every row must have between min_cols and max_cols fields. */
int table_read(const char *path, int min_cols, int max_cols, table_t *t, err_t *e);
/* The same from text in memory (len bytes, text[len] == '\0'), named path in
 * messages; t takes ownership of text (freed by table_free, or on an error).
 * A NUL byte is an error naming the line. */
int table_parse(const char *path, char *text, size_t len, int min_cols, int max_cols,
                table_t *t, err_t *e);
void table_free(table_t *t);

/* A summary being built: key/value pairs written as a TSV, atomically. */
typedef struct {
    int n, cap;
    char **keys;
    char **values;
} summary_t;

void summary_init(summary_t *s);
void summary_add(summary_t *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds the key PREFIX_NAME. */
void summary_add_prefixed(summary_t *s, const char *prefix, const char *name, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));
int summary_write(const summary_t *s, const char *path, err_t *e);
/* Prints the key/value lines to fp (an output opened by the caller, e.g.
 * one of several committed together with atomic_commit_all). */
void summary_print(const summary_t *s, FILE *fp);
void summary_free(summary_t *s);

/* True if key is a valid summary key: [A-Za-z][A-Za-z0-9_]*. */
int key_is_valid(const char *key);

#endif
