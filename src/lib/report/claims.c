#define _XOPEN_SOURCE 700 /* realpath, strndup */
#include "report/claims.h"

#include <stdlib.h>
#include <string.h>

#include "core/table.h"

const rule_info_t RULES[N_RULES] = {
    [ABOVE] = {"above", "KEY T", 2, 2},
    [BELOW] = {"below", "KEY T", 2, 2},
    [GREATER] = {"greater", "A B [M]", 2, 3},
    [LESS] = {"less", "A B [M]", 2, 3},
    [RATIO_ABOVE] = {"ratio_above", "A B R", 3, 3},
    [RATIO_BELOW] = {"ratio_below", "A B R", 3, 3},
    [EXACT_ABOVE] = {"exact_above", "KEY T", 2, 2},
    [EXACT_BELOW] = {"exact_below", "KEY T", 2, 2},
    [EXACT_VALUE] = {"exact_value", "KEY REF TOL", 3, 3},
    [VALUE] = {"value", "KEY REF TOL higher|lower", 4, 4},
    [ALL] = {"all", "ID [ID ...]", 1, -1},
    [NONE] = {"none", "REASON...", 1, -1},
};

const char *const OUTCOME[N_OUTCOMES] = {
    "reproduced", "contradicted", "inconclusive", "matches", "better", "worse", "differs",
    "not testable"};
/* The same with '-' for spaces: TSV and --expect. */
const char *const OUTCOME_WORD[N_OUTCOMES] = {
    "reproduced", "contradicted", "inconclusive", "matches", "better", "worse", "differs",
    "not-testable"};
const char *const OUTCOME_MACRO[N_OUTCOMES] = {
    "Reproduced", "Contradicted", "Inconclusive", "Matches", "Better", "Worse", "Differs",
    "NotTestable"};

/* The whole file (util's read_file), kept in texts. */
static char *slurp(const char *path, texts_t *texts, size_t *len, err_t *e)
{
    char *buf;
    if (read_file(path, &buf, len, e) != 0)
        return NULL;
    GROW(texts->text, texts->n, texts->cap);
    texts->text[texts->n++] = buf;
    return buf;
}

void texts_free(texts_t *texts)
{
    for (int i = 0; i < texts->n; i++)
        free(texts->text[i]);
    free(texts->text);
    memset(texts, 0, sizeof *texts);
}

/* The first control character (other than TAB) in s, or 0. */
static int control_char(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
            return *c;
    return 0;
}

/* The next line of a buffer being consumed, NUL-terminated and without its '\r'; NULL at
 * the end. */
static char *next_line(char **p)
{
    if (!*p || !**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r')
        line[len - 1] = '\0';
    return line;
}

/* A samples file: `KEY V1 [V2 ...]` lines; '#' starts a comment, as in every summary
 * (core/table.h). */
int samples_parse(const char *path, char *text, size_t len, samples_t *ss, err_t *e)
{
    if (text_refuse_nul(path, text, len, e) != 0)
        return -1;
    int line = 0;
    for (char *p = text, *l; (l = next_line(&p));) {
        line++;
        char *hash = strchr(l, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL, *key = strtok_r(l, " \t", &save);
        if (!key)
            continue;
        if (!key_is_valid(key))
            return err_set(e, "%s:%d: '%s' is not a key (a letter, then letters, digits, '_')",
                           path, line, key);
        sample_t s = {.key = key, .file = path, .line = line, .seq = ss->n};
        int cap = 0;
        for (char *v; (v = strtok_r(NULL, " \t", &save));) {
            int cc = control_char(v);
            if (cc) {
                free(s.text);
                return err_set(e, "%s:%d: key '%s': a value holds the control character "
                                  "0x%02x", path, line, key, cc);
            }
            GROW(s.text, s.n, cap);
            s.text[s.n++] = v;
        }
        if (s.n == 0)
            return err_set(e, "%s:%d: key '%s' has no value", path, line, key);
        GROW(ss->s, ss->n, ss->cap);
        ss->s[ss->n++] = s;
    }
    return 0;
}

int samples_read(const char *path, texts_t *texts, samples_t *ss, err_t *e)
{
    size_t len;
    char *text = slurp(path, texts, &len, e);
    return text ? samples_parse(path, text, len, ss, e) : -1;
}

void samples_free(samples_t *ss)
{
    for (int i = 0; i < ss->n; i++) {
        free(ss->s[i].text);
        free(ss->s[i].x);
    }
    free(ss->s);
    memset(ss, 0, sizeof *ss);
}

static int by_key(const void *a, const void *b)
{
    const sample_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorts the samples by key for lookup; a key given twice is an error naming both places
 * (the first duplicate read, if several). */
int samples_index(samples_t *ss, err_t *e)
{
    if (ss->n > 1) /* qsort's base may not be NULL, as it is with no samples */
        qsort(ss->s, (size_t)ss->n, sizeof *ss->s, by_key);
    const sample_t *first = NULL, *again = NULL;
    for (int i = 1; i < ss->n; i++)
        if (!strcmp(ss->s[i - 1].key, ss->s[i].key) && (!again || ss->s[i].seq < again->seq)) {
            first = &ss->s[i - 1];
            again = &ss->s[i];
        }
    if (again)
        return err_set(e, "%s:%d: key '%s' already given at %s:%d", again->file, again->line,
                       again->key, first->file, first->line);
    return 0;
}

sample_t *samples_find(const samples_t *ss, const char *key)
{
    sample_t probe = {.key = key, .seq = -1};
    int lo = 0, hi = ss->n;
    while (lo < hi) { /* first sample whose key is not below key */
        int mid = lo + (hi - lo) / 2;
        if (by_key(&ss->s[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ss->n && !strcmp(ss->s[lo].key, key) ? &ss->s[lo] : NULL;
}

/* Splits a line at tabs into at most max fields; returns the count (max + 1: more). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            return n;
        *t = '\0';
        p = t + 1;
    }
    return max + 1;
}

static int is_id(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(*s == '-' || *s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* The name of the directory holding path (stages/sines/report-claims.tsv -> "sines"),
 * read from the path, or from the directory's real path for ".", ".." or none. */
char *claims_stage_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        die("out of memory");
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0';
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        char *real = realpath(dir, NULL);
        if (real) {
            free(dir);
            dir = real;
            base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
        }
    }
    char *stage = strdup(*base ? base : "/");
    free(dir);
    if (!stage)
        die("out of memory");
    return stage;
}

/* A claim line's seven fields f: none empty, blank or holding a control
 * character, an id given once (cl: the claims so far), a known rule, and
 * a measure unless the rule is all or none.  Returns the rule, or -1. */
static int check_fields(const char *path, int line, char *const f[7], const claims_t *cl,
                        err_t *e)
{
    static const char *const field[7] = {"id", "claim", "source", "report value", "measure",
                                         "rule", "args"};
    int cc;
    for (int i = 0; i < 7; i++) {
        if (!*f[i])
            return err_set(e, "%s:%d: claim '%s': field %d (%s) is empty (write - for none)",
                           path, line, f[0], i + 1, field[i]);
        if (!f[i][strspn(f[i], " ")])
            return err_set(e, "%s:%d: claim '%s': field %d (%s) is blank (write - for none)",
                           path, line, f[0], i + 1, field[i]);
        if ((cc = control_char(f[i])))
            return err_set(e, "%s:%d: field %d (%s) holds the control character 0x%02x", path,
                           line, i + 1, field[i], cc);
    }
    if (!is_id(f[0]))
        return err_set(e, "%s:%d: '%s' is not an id (letters, digits, '-', '_')", path, line,
                       f[0]);
    for (int i = 0; i < cl->n; i++)
        if (!strcmp(cl->c[i].id, f[0]))
            return err_set(e, "%s:%d: claim '%s' is already listed at %s:%d", path, line, f[0],
                           cl->c[i].file, cl->c[i].line);
    int rule = 0;
    while (rule < N_RULES && strcmp(RULES[rule].name, f[5]))
        rule++;
    if (rule == N_RULES)
        return err_set(e, "%s:%d: claim '%s': unknown rule '%s' (above, below, greater, less, "
                          "ratio_above, ratio_below, exact_above, exact_below, exact_value, "
                          "value, all, none)", path, line, f[0], f[5]);
    if (!strcmp(f[4], "-") && rule != ALL && rule != NONE)
        return err_set(e, "%s:%d: claim '%s': rule %s needs the measure (what the numbers are, "
                          "with unit); '-' is for all and none", path, line, f[0], f[5]);
    return rule;
}

/* A claim's args (not rule none's) split at single spaces into its argv,
 * in its own copy args_split, and counted against its rule. */
static int split_args(const char *path, int line, claim_t *c, err_t *e)
{
    c->args_split = strdup(c->args);
    if (!c->args_split)
        die("out of memory");
    int cap = 0;
    for (char *q = c->args_split;;) {
        char *sp = strchr(q, ' ');
        if (sp)
            *sp = '\0';
        if (!*q)
            return err_set(e, "%s:%d: claim '%s': the args '%s' are not separated by single "
                              "spaces", path, line, c->id, c->args);
        GROW(c->argv, c->argc, cap);
        c->argv[c->argc++] = q;
        if (!sp)
            break;
        q = sp + 1;
    }
    int lo = RULES[c->rule].min_args, hi = RULES[c->rule].max_args;
    if (c->argc < lo || (hi >= 0 && c->argc > hi)) {
        char want[32];
        if (hi < 0)
            snprintf(want, sizeof want, "%d or more", lo);
        else if (hi > lo)
            snprintf(want, sizeof want, "%d or %d", lo, hi);
        else
            snprintf(want, sizeof want, "%d", lo);
        return err_set(e, "%s:%d: claim '%s': rule %s takes %s (%s arguments), not %d", path,
                       line, c->id, RULES[c->rule].name, RULES[c->rule].args, want, c->argc);
    }
    return 0;
}

int claims_parse(const char *path, const char *stage, int is_ref, char *text, size_t len,
                 claims_t *cl, err_t *e)
{
    if (text_refuse_nul(path, text, len, e) != 0)
        return -1;
    int cc = control_char(stage);
    if (cc)
        return err_set(e, "%s: its stage (directory) name holds the control character 0x%02x",
                       path, cc);
    int line = 0, first = cl->n;
    for (char *p = text, *l; (l = next_line(&p));) {
        line++;
        if (!*l || l[0] == '#')
            continue;
        char *f[7];
        int nf = split_tabs(l, f, 7);
        if (nf != 7)
            return err_set(e, "%s:%d: claim '%s': a claim has 7 tab-separated fields (id, claim, "
                              "source, report value, measure, rule, args), not %s%d", path, line,
                           f[0], nf > 7 ? "more than " : "", nf > 7 ? 7 : nf);
        int rule = check_fields(path, line, f, cl, e);
        if (rule < 0)
            return -1;
        GROW(cl->c, cl->n, cl->cap);
        claim_t *c = &cl->c[cl->n++];
        *c = (claim_t){.file = path, .stage = stage, .line = line, .is_ref = is_ref,
                       .id = f[0], .claim = f[1], .source = f[2], .report = f[3],
                       .measure = f[4], .rule = (rule_t)rule, .args = f[6]};
        if (rule == NONE) {
            if (!strcmp(c->args, "-"))
                return err_set(e, "%s:%d: claim '%s': rule none needs the reason", path, line,
                               c->id);
            continue;
        }
        if (split_args(path, line, c, e) != 0)
            return -1;
    }
    if (cl->n == first)
        return err_set(e, "%s: no claims: nothing would be judged", path);
    return 0;
}

int claims_read(const char *path, int is_ref, texts_t *texts, char **stage, claims_t *cl,
                err_t *e)
{
    size_t len;
    char *text = slurp(path, texts, &len, e);
    if (!text)
        return -1;
    *stage = claims_stage_of(path);
    return claims_parse(path, *stage, is_ref, text, len, cl, e);
}

void claims_free(claims_t *cl)
{
    for (int i = 0; i < cl->n; i++) {
        free(cl->c[i].argv);
        free(cl->c[i].args_split);
    }
    free(cl->c);
    memset(cl, 0, sizeof *cl);
}

/* Rows `id outcome`; every id a claim, every outcome a known word, no id twice. */
int verdicts_parse(const char *path, char *text, size_t len, const claims_t *cl,
                   expected_verdict_t **out, int *n_out, err_t *e)
{
    if (text_refuse_nul(path, text, len, e) != 0)
        return -1;
    expected_verdict_t *ex = NULL;
    int n = 0, cap = 0, line = 0;
    for (char *p = text, *l; (l = next_line(&p));) {
        line++;
        char *hash = strchr(l, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL, *f[3];
        int nf = 0;
        for (char *t = strtok_r(l, " \t", &save); t && nf < 3; t = strtok_r(NULL, " \t", &save))
            f[nf++] = t;
        if (nf == 0)
            continue;
        int bad = 0;
        if (nf != 2)
            bad = err_set(e, "%s:%d: a row is `id outcome`, not %s%d fields", path, line,
                          nf > 2 ? "more than " : "", nf > 2 ? 2 : nf);
        int o = 0;
        while (!bad && o < N_OUTCOMES && strcmp(OUTCOME_WORD[o], f[1]))
            o++;
        if (!bad && o == N_OUTCOMES)
            bad = err_set(e, "%s:%d: '%s' is not an outcome (reproduced, contradicted, "
                             "inconclusive, matches, better, worse, differs, not-testable)",
                          path, line, f[1]);
        const claim_t *c = NULL;
        for (int i = 0; !bad && i < cl->n && !c; i++)
            if (!strcmp(cl->c[i].id, f[0]))
                c = &cl->c[i];
        if (!bad && !c)
            bad = err_set(e, "%s:%d: no claim has the id '%s'", path, line, f[0]);
        for (int i = 0; !bad && i < n; i++)
            if (ex[i].claim == c)
                bad = err_set(e, "%s:%d: claim '%s' already expected at line %d", path, line,
                              f[0], ex[i].line);
        if (bad) {
            free(ex);
            return -1;
        }
        GROW(ex, n, cap);
        ex[n++] = (expected_verdict_t){c, (outcome_t)o, line};
    }
    if (n == 0) {
        free(ex);
        return err_set(e, "%s: no expected verdicts: nothing would be checked", path);
    }
    *out = ex;
    *n_out = n;
    return 0;
}

int verdicts_read(const char *path, texts_t *texts, const claims_t *cl,
                  expected_verdict_t **out, int *n_out, err_t *e)
{
    size_t len;
    char *text = slurp(path, texts, &len, e);
    return text ? verdicts_parse(path, text, len, cl, out, n_out, e) : -1;
}
