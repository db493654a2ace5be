/* libFuzzer: the INI reader (src/lib/core/config.c) through a run's configuration
 * (runcfg_load_string, then the same text as --set overrides and the
 * effective configuration written and read back), and through a schema of
 * every value type. */
#include "core/config.h"
#include "fuzz.h"
#include "train/runcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    err_t e = {{0}};
    runcfg_t rc;
    if (runcfg_load_string("fuzz.ini", text, &rc, &e) == 0) {
        char *back = runcfg_to_string(&rc);
        runcfg_t rc2;
        if (runcfg_load_string("back.ini", back, &rc2, &e) != 0) {
            fprintf(stderr, "effective configuration refused: %s\n%s", e.msg, back);
            abort();
        }
        free(back);
        runcfg_override(&rc, "--set", text, &e);
    }
    double d;
    long l, list[8];
    int b, n;
    char s[CFG_STR_MAX];
    const cfg_field_t fields[] = {
        {"", "top", CFG_LONG, "1", &l},
        {"a", "d", CFG_DOUBLE, "0.5", &d},
        {"a", "s", CFG_STRING, "x", s},
        {"b", "flag", CFG_BOOL, "false", &b},
        {"b", "need", CFG_STRING, NULL, s},
    };
    config_load_string("schema.ini", text, fields, sizeof fields / sizeof *fields, &e);
    config_apply_string("schema.ini", text, fields, sizeof fields / sizeof *fields, &e);
    parse_long_list(text, list, 8, &n, &e);
    free(text);
    return 0;
}
