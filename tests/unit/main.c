/* One runner for every unit-test group (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

/* TEST_GROUPS(X): X(NAME_tests) for every tests/unit/.../test_NAME.c,
 * written by tests/tests.mk. */
#include "test_groups.h"

#define DECLARE_GROUP(name) extern const struct CMUnitTest name[]; extern const size_t name##_count;
TEST_GROUPS(DECLARE_GROUP)

/* UNIT_FILTER=PATTERN runs only the tests whose names match (cmocka's
 * wildcards * and ?), e.g. UNIT_FILTER='dense_*' build/tests/unit. */
int main(void)
{
    const char *filter = getenv("UNIT_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
    int failed = 0;
#define RUN_GROUP(name) failed += _cmocka_run_group_tests(#name, name, name##_count, NULL, NULL);
    TEST_GROUPS(RUN_GROUP)
    return failed ? 1 : 0;
}
