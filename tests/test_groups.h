/* The unit-test groups: each tests/test_X.c defines X_tests[] and
 * X_tests_count; add a line here for a new group. */
#ifndef NODE_TEST_GROUPS_H
#define NODE_TEST_GROUPS_H

#include <stddef.h>
struct CMUnitTest;

#define TEST_GROUPS(X) \
    X(idx_tests) \
    X(ode_tests) \
    X(grad_tests) \
    X(dataset_tests) \
    X(optim_tests) \
    X(config_tests) \
    X(conv_tests) \
    X(cnf_tests) \
    X(moons_tests) \
    X(rnn_tests) \
    X(latent_tests) \
    X(rnnbase_tests) \
    X(kinds_tests)

#define DECLARE_GROUP(name) extern const struct CMUnitTest name[]; extern const size_t name##_count;
TEST_GROUPS(DECLARE_GROUP)

#endif
