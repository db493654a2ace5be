/* libFuzzer: judge's claims and samples readers (claims_parse, samples_parse,
 * samples_index, src/lib/report/claims.c).  Each input is read as a claims file and
 * as a samples file.  A parsed claim has 7 non-blank fields without control
 * characters and its rule's number of arguments; every sample key is found
 * again after indexing.  The parsed claims are then checked against expected
 * verdicts naming each of them (verdicts_parse). */
#include "report/claims.h"
#include "fuzz.h"

static int has_control(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t e = {{0}};
    int nul = memchr(data, '\0', size) != NULL;
    char *text = fuzz_text(data, size);
    claims_t cl = {0};
    if (claims_parse("fuzz/claims.tsv", "fuzz", size % 2, text, size, &cl, &e) == 0) {
        if (nul || cl.n < 1)
            abort();
        size_t cap = 64, len = 0;
        char *verdicts = malloc(cap);
        for (int i = 0; i < cl.n; i++) {
            const claim_t *c = &cl.c[i];
            const char *f[] = {c->id, c->claim, c->source, c->report, c->measure, c->args};
            for (size_t k = 0; k < sizeof f / sizeof *f; k++)
                if (!*f[k] || !f[k][strspn(f[k], " ")] || has_control(f[k]))
                    abort();
            int lo = RULES[c->rule].min_args, hi = RULES[c->rule].max_args;
            if (c->rule != NONE && (c->argc < lo || (hi >= 0 && c->argc > hi)))
                abort();
            size_t need = strlen(c->id) + 32;
            if (len + need >= cap) {
                cap = 2 * (len + need);
                verdicts = realloc(verdicts, cap);
                if (!verdicts)
                    abort();
            }
            len += (size_t)snprintf(verdicts + len, cap - len, "%s %s\n", c->id,
                                    OUTCOME_WORD[i % N_OUTCOMES]);
        }
        expected_verdict_t *ex = NULL;
        int n_ex = 0;
        if (verdicts_parse("fuzz/verdicts.tsv", verdicts, len, &cl, &ex, &n_ex, &e) != 0 ||
            n_ex != cl.n)
            abort(); /* a verdict for each claim, each once: must be accepted */
        for (int i = 0; i < n_ex; i++)
            if (ex[i].claim != &cl.c[i] || ex[i].want != (outcome_t)(i % N_OUTCOMES))
                abort();
        free(ex);
        free(verdicts);
    } else if (nul && !strstr(e.msg, "NUL byte")) {
        abort();
    }
    claims_free(&cl);
    free(text);

    text = fuzz_text(data, size);
    samples_t ss = {0};
    if (samples_parse("fuzz/samples.tsv", text, size, &ss, &e) == 0 &&
        samples_index(&ss, &e) == 0) {
        if (nul)
            abort();
        for (int i = 0; i < ss.n; i++)
            if (samples_find(&ss, ss.s[i].key) != &ss.s[i] || ss.s[i].n < 1)
                abort();
    }
    samples_free(&ss);
    free(text);
    return 0;
}
