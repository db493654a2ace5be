/* libFuzzer: judge's expected-verdicts reader (judge --expect; verdicts_parse,
 * src/lib/report/claims.c) against a fixed set of claims.  An accepted file names
 * known claims, each once, with known outcomes, and holds no NUL byte. */
#include "report/claims.h"
#include "fuzz.h"

static const char CLAIMS[] =
    "# id\tclaim\tsource\treport\tmeasure\trule\targs\n"
    "r-above\tA is positive\tsrc\t-\tloss\tabove\tA 0\n"
    "w-greater\tA above B\tsrc\t-\tloss\tgreater\tA B\n"
    "r-ratio\tbig 50x small\tsrc\t100x\tratio\tratio_above\tbig small 50\n"
    "v-match\taccuracy 95\tsrc\t95 %\taccuracy\tvalue\tacc 0.95 0.01 higher\n"
    "e-value\tP is 10\tsrc\t10\tparameters\texact_value\tP 10 0\n"
    "u-all\tall hold\tsrc\t-\t-\tall\tr-above w-greater\n"
    "n-t\tcannot test\tsrc\t-\t-\tnone\ta representability argument\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *claims_text;
    static claims_t cl;
    err_t e = {{0}};
    if (!claims_text) {
        claims_text = strdup(CLAIMS);
        if (!claims_text ||
            claims_parse("fuzz/claims.tsv", "fuzz", 0, claims_text, strlen(claims_text), &cl,
                         &e) != 0)
            abort();
    }
    char *text = fuzz_text(data, size);
    expected_verdict_t *ex = NULL;
    int n = 0;
    if (verdicts_parse("fuzz/verdicts.tsv", text, size, &cl, &ex, &n, &e) == 0) {
        if (memchr(data, '\0', size) || n < 1 || n > cl.n)
            abort();
        for (int i = 0; i < n; i++) {
            if (ex[i].claim < cl.c || ex[i].claim >= cl.c + cl.n || (int)ex[i].want < 0 ||
                (int)ex[i].want >= N_OUTCOMES || ex[i].line < 1)
                abort();
            for (int j = 0; j < i; j++)
                if (ex[j].claim == ex[i].claim)
                    abort();
        }
        free(ex);
    } else if (memchr(data, '\0', size) && !strstr(e.msg, "NUL byte")) {
        abort();
    }
    free(text);
    return 0;
}
