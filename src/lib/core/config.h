/* Strict INI configuration on libinih: every key of a file must be in the
 * caller's schema, required keys must be present, no key twice, and every
 * value must parse completely as its type.  Errors name the file, the line
 * (where inih reports one) and the key.
 *
 * Debian's libinih (r55) is built with ';' inline comments (after
 * whitespace) and '#' or ';' full-line comments; "key = 1e-3 # note" is
 * therefore the value "1e-3 # note", which is refused as not a number.
 * Continuation lines (indented) repeat the key and are refused as
 * duplicates.  A real value must be finite (nan and inf are refused). */
#ifndef NODE_CORE_CONFIG_H
#define NODE_CORE_CONFIG_H

#include <stddef.h>

#include "core/util.h"

typedef enum { CFG_DOUBLE, CFG_LONG, CFG_STRING, CFG_BOOL } cfg_type_t;

#define CFG_STR_MAX 256

typedef struct {
    const char *section;       /* "" for keys before any section */
    const char *key;
    cfg_type_t type;
    const char *default_value; /* NULL = required */
    void *dest; /* double *, long *, char[CFG_STR_MAX], int * (true/false/yes/no/1/0) */
} cfg_field_t;

int config_load(const char *path, const cfg_field_t *fields, size_t nfields, err_t *e);
/* The same from text in memory; `name` is used in messages. */
int config_load_string(const char *name, const char *text, const cfg_field_t *fields,
                       size_t nfields, err_t *e);
/* Overrides: sets only the keys present in text (same checks, no defaults,
 * nothing required). */
int config_apply_string(const char *name, const char *text, const cfg_field_t *fields,
                        size_t nfields, err_t *e);
/* The raw value of one key of a file (path) or of text (path NULL) into
 * out (CFG_STR_MAX), nothing else checked: 1 if found, 0 if absent or
 * unreadable (a strict load that follows says why).  For a schema that
 * depends on one key's value (train/runcfg.c: [model] kind). */
int config_peek(const char *path, const char *text, const char *section, const char *key,
                char *out);
/* The effective values as INI text (malloc'd; doubles with %.17g, so that
 * loading it back gives identical values). */
char *config_to_string(const cfg_field_t *fields, size_t nfields);
/* "64,64" or "64 64" -> longs; at most max entries. */
int parse_long_list(const char *s, long *out, int max, int *count, err_t *e);

#endif
