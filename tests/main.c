/* One runner for every unit-test group (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_groups.h"

int main(void)
{
    int failed = 0;
#define RUN_GROUP(name) failed += _cmocka_run_group_tests(#name, name, name##_count, NULL, NULL);
    TEST_GROUPS(RUN_GROUP)
    return failed ? 1 : 0;
}
