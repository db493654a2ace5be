#define _POSIX_C_SOURCE 200809L
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *name;
    const cfg_field_t *fields;
    size_t nfields;
    unsigned char *seen;
    char msg[ERR_MSG_LEN]; /* first error found by the handler */
    int msg_line;          /* its line */
    int line;              /* line being parsed (counted by the reader) */
    FILE *fp;              /* source: a file ... */
    const char *text;      /* ... or a string */
} parse_t;

/* fgets-style reader for inih that counts lines, so that the handler knows
 * where it is (Debian's inih is built without handler line numbers). */
static char *reader(char *str, int num, void *stream)
{
    parse_t *p = stream;
    char *out;
    if (p->fp) {
        out = fgets(str, num, p->fp);
    } else {
        if (!*p->text || num < 2)
            return NULL;
        int i = 0;
        while (i < num - 1 && p->text[i] && p->text[i] != '\n')
            i++;
        if (i < num - 1 && p->text[i] == '\n')
            i++;
        memcpy(str, p->text, (size_t)i);
        str[i] = '\0';
        p->text += i;
        out = str;
    }
    if (out) {
        p->line++;
        /* inih reads lines into a fixed buffer; a longer line would be
         * split and its tail parsed as a line of its own.  Refuse it. */
        size_t len = strlen(out);
        int more = p->fp ? !feof(p->fp) : *p->text != '\0';
        if (len == (size_t)num - 1 && out[len - 1] != '\n' && more) {
            if (!p->msg[0]) {
                snprintf(p->msg, sizeof p->msg, "line longer than %d characters", num - 2);
                p->msg_line = p->line;
            }
            return NULL;
        }
    }
    return out;
}

static int set_value(const cfg_field_t *f, const char *value, char *msg, size_t len)
{
    switch (f->type) {
    case CFG_DOUBLE:
        if (parse_double(value, f->dest) != 0) {
            snprintf(msg, len, "'%s': '%s' is not a number", f->key, value);
            return -1;
        }
        if (!isfinite(*(const double *)f->dest)) {
            snprintf(msg, len, "'%s': '%s' is not a finite number", f->key, value);
            return -1;
        }
        return 0;
    case CFG_LONG:
        if (parse_long(value, f->dest) != 0) {
            snprintf(msg, len, "'%s': '%s' is not an integer", f->key, value);
            return -1;
        }
        return 0;
    case CFG_STRING:
        if (strlen(value) >= CFG_STR_MAX) {
            snprintf(msg, len, "'%s': value longer than %d characters", f->key, CFG_STR_MAX - 1);
            return -1;
        }
        strcpy(f->dest, value);
        return 0;
    case CFG_BOOL: {
        int *b = f->dest;
        if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcmp(value, "1"))
            *b = 1;
        else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcmp(value, "0"))
            *b = 0;
        else {
            snprintf(msg, len, "'%s': '%s' is not true or false", f->key, value);
            return -1;
        }
        return 0;
    }
    }
    return -1;
}

/* inih calls this per key; returning 0 marks the line as an error. */
static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_t *p = user;
    if (p->msg[0])
        return 0; /* keep the first error only */
    p->msg_line = p->line;
    for (size_t i = 0; i < p->nfields; i++) {
        const cfg_field_t *f = &p->fields[i];
        if (strcmp(f->section, section) != 0 || strcmp(f->key, key) != 0)
            continue;
        if (p->seen[i]) {
            snprintf(p->msg, sizeof p->msg, "duplicate key '%s' in section [%s]", key, section);
            return 0;
        }
        p->seen[i] = 1;
        return set_value(f, value, p->msg, sizeof p->msg) == 0;
    }
    snprintf(p->msg, sizeof p->msg, "unknown key '%s' in section [%s]", key, section);
    return 0;
}

static int finish_common(parse_t *p, int rc, int apply_defaults, err_t *e);

static int finish(parse_t *p, int rc, err_t *e) { return finish_common(p, rc, 1, e); }

static int finish_common(parse_t *p, int rc, int apply_defaults, err_t *e)
{
    if (rc == -1) {
        free(p->seen);
        return err_set(e, "%s: cannot open", p->name);
    }
    if (rc == 0 && p->msg[0]) { /* the reader stopped the parse */
        free(p->seen);
        return err_set(e, "%s:%d: %s", p->name, p->msg_line, p->msg);
    }
    if (rc != 0) {
        free(p->seen);
        /* inih returns the first bad line: ours if the handler's error came
         * first, else a line inih itself could not parse. */
        if (p->msg[0] && p->msg_line == rc)
            return err_set(e, "%s:%d: %s", p->name, rc, p->msg);
        return err_set(e, "%s:%d: syntax error", p->name, rc);
    }
    for (size_t i = 0; apply_defaults && i < p->nfields; i++) {
        const cfg_field_t *f = &p->fields[i];
        if (p->seen[i])
            continue;
        if (!f->default_value) {
            free(p->seen);
            return err_set(e, "%s: missing key '%s' in section [%s]", p->name, f->key,
                           f->section);
        }
        char msg[ERR_MSG_LEN];
        if (set_value(f, f->default_value, msg, sizeof msg) != 0) {
            free(p->seen);
            return err_set(e, "%s: bad default for %s", p->name, msg);
        }
    }
    free(p->seen);
    return 0;
}

int config_load(const char *path, const cfg_field_t *fields, size_t nfields, err_t *e)
{
    /* Refuse a missing file with the system's reason. */
    FILE *fp = fopen(path, "r");
    if (!fp) {
        char reason[128];
        snprintf(reason, sizeof reason, "%s", strerror(errno));
        return err_set(e, "%s: cannot open: %s", path, reason);
    }
    parse_t p = {.name = path, .fields = fields, .nfields = nfields,
                 .seen = xcalloc(nfields ? nfields : 1, 1), .fp = fp};
    int rc = ini_parse_stream(reader, &p, handler, &p);
    fclose(fp);
    return finish(&p, rc, e);
}

int config_load_string(const char *name, const char *text, const cfg_field_t *fields,
                       size_t nfields, err_t *e)
{
    parse_t p = {.name = name, .fields = fields, .nfields = nfields,
                 .seen = xcalloc(nfields ? nfields : 1, 1), .text = text};
    return finish(&p, ini_parse_stream(reader, &p, handler, &p), e);
}

int config_apply_string(const char *name, const char *text, const cfg_field_t *fields,
                        size_t nfields, err_t *e)
{
    parse_t p = {.name = name, .fields = fields, .nfields = nfields,
                 .seen = xcalloc(nfields ? nfields : 1, 1), .text = text};
    return finish_common(&p, ini_parse_stream(reader, &p, handler, &p), 0, e);
}

char *config_to_string(const cfg_field_t *fields, size_t nfields)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        die("out of memory writing a configuration");
    const char *section = NULL;
    for (size_t i = 0; i < nfields; i++) {
        const cfg_field_t *f = &fields[i];
        if (!section || strcmp(section, f->section) != 0) {
            /* Sections in schema order; a schema lists each section's keys
             * together. */
            if (f->section[0])
                fprintf(fp, "%s[%s]\n", section ? "\n" : "", f->section);
            section = f->section;
        }
        switch (f->type) {
        case CFG_DOUBLE:
            fprintf(fp, "%s = %.17g\n", f->key, *(const double *)f->dest);
            break;
        case CFG_LONG:
            fprintf(fp, "%s = %ld\n", f->key, *(const long *)f->dest);
            break;
        case CFG_STRING:
            fprintf(fp, "%s = %s\n", f->key, (const char *)f->dest);
            break;
        case CFG_BOOL:
            fprintf(fp, "%s = %s\n", f->key, *(const int *)f->dest ? "true" : "false");
            break;
        }
    }
    fclose(fp);
    return buf;
}

int parse_long_list(const char *s, long *out, int max, int *count, err_t *e)
{
    char buf[CFG_STR_MAX];
    if (strlen(s) >= sizeof buf)
        return err_set(e, "list too long");
    strcpy(buf, s);
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        if (n == max)
            return err_set(e, "more than %d entries in '%s'", max, s);
        if (parse_long(tok, &out[n]) != 0)
            return err_set(e, "'%s' is not an integer", tok);
        n++;
    }
    if (n == 0)
        return err_set(e, "empty list");
    *count = n;
    return 0;
}

typedef struct {
    const char *section, *key;
    char *out;
    int found;
} peek_t;

static int peek_handler(void *user, const char *section, const char *key, const char *value)
{
    peek_t *p = user;
    if (!p->found && !strcmp(section, p->section) && !strcmp(key, p->key) &&
        strlen(value) < CFG_STR_MAX) {
        strcpy(p->out, value);
        p->found = 1;
    }
    return 1;
}

int config_peek(const char *path, const char *text, const char *section, const char *key,
                char *out)
{
    peek_t pk = {section, key, out, 0};
    parse_t p = {.name = path ? path : "", .text = text};
    if (path) {
        p.fp = fopen(path, "r");
        if (!p.fp)
            return 0;
    } else if (!text) {
        return 0;
    }
    ini_parse_stream(reader, &p, peek_handler, &pk);
    if (p.fp)
        fclose(p.fp);
    return pk.found;
}
