/* The gemm backends (nn/gemm.h): libxsmm's products equal OpenBLAS's up to
 * the rounding of a K-term sum, for each of the three layouts, with beta 0
 * and 1 and leading dimensions wider than the matrices (the flow's are);
 * above GEMM_XSMM_MAX_MNK the xsmm backend is OpenBLAS, bit for bit; the
 * dense layers' forward pass, input gradient and accumulated weight
 * gradient agree the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/dense.h"
#include "nn/gemm.h"
#include "core/rng.h"
#include "test_util.h"

/* Every test leaves the process's backend as it found it, failed or not. */
static int reset_backend(void **state)
{
    (void)state;
    gemm_set_backend(GEMM_OPENBLAS);
    return 0;
}

enum { OP_NN, OP_NT, OP_TN };

typedef struct {
    int M, N, K;
} shape_t;

/* The dense layers' (B, n_in, n_out) in all three roles, the flow's chunk
 * of 256 rows (H = 64, its 3 inputs and 2 outputs), degenerate sizes, and
 * one shape just above GEMM_XSMM_MAX_MNK (last). */
static const shape_t shapes[] = {
    {100, 10, 30}, {100, 30, 10}, {512, 64, 3}, {256, 64, 64}, {256, 2, 64}, {2, 64, 256},
    {64, 64, 256}, {3, 4, 5},     {1000, 20, 4}, {1, 1, 1},     {130, 256, 256},
};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

/* The operands' stored sizes: A is (M, K) or, for TN, (K, M); B is (K, N)
 * or, for NT, (N, K); each row padded by a few unused entries. */
typedef struct {
    int op, M, N, K, lda, ldb, ldc;
    double *A, *B;
} problem_t;

static size_t a_rows(const problem_t *p) { return p->op == OP_TN ? p->K : p->M; }
static size_t b_rows(const problem_t *p) { return p->op == OP_NT ? p->N : p->K; }

static void problem_make(problem_t *p, int op, shape_t s, rng_t *r)
{
    *p = (problem_t){.op = op, .M = s.M, .N = s.N, .K = s.K};
    p->lda = (op == OP_TN ? s.M : s.K) + 1;
    p->ldb = (op == OP_NT ? s.K : s.N) + 2;
    p->ldc = s.N + 3;
    p->A = malloc(a_rows(p) * p->lda * sizeof *p->A);
    p->B = malloc(b_rows(p) * p->ldb * sizeof *p->B);
    fill_uniform(r, p->A, a_rows(p) * p->lda, 1.0);
    fill_uniform(r, p->B, b_rows(p) * p->ldb, 1.0);
}

static double a_at(const problem_t *p, int i, int k)
{
    return p->op == OP_TN ? p->A[(size_t)k * p->lda + i] : p->A[(size_t)i * p->lda + k];
}

static double b_at(const problem_t *p, int k, int j)
{
    return p->op == OP_NT ? p->B[(size_t)j * p->ldb + k] : p->B[(size_t)k * p->ldb + j];
}

static void problem_run(const problem_t *p, gemm_backend_t be, double beta, double *C)
{
    gemm_set_backend(be);
    void (*f)(int, int, int, const double *, int, const double *, int, double, double *, int) =
        p->op == OP_NN ? gemm_nn : p->op == OP_NT ? gemm_nt : gemm_tn;
    f(p->M, p->N, p->K, p->A, p->lda, p->B, p->ldb, beta, C, p->ldc);
    gemm_set_backend(GEMM_OPENBLAS);
}

/* |x - y| within 4 K ulps of the sum of the terms' magnitudes: what two
 * summation orders of the same K products may differ by. */
static void check_close(const problem_t *p, double beta, const double *C0, const double *x,
                        const double *y)
{
    for (int i = 0; i < p->M; i++)
        for (int j = 0; j < p->N; j++) {
            size_t at = (size_t)i * p->ldc + j;
            double mag = beta * fabs(C0[at]);
            for (int k = 0; k < p->K; k++)
                mag += fabs(a_at(p, i, k) * b_at(p, k, j));
            double tol = 4.0 * (p->K + 1) * DBL_EPSILON * mag;
            if (!(fabs(x[at] - y[at]) <= tol))
                fail_msg("op %d, %dx%dx%d, beta %g: C[%d,%d] %.17g against %.17g (tol %g)",
                         p->op, p->M, p->N, p->K, beta, i, j, x[at], y[at], tol);
        }
}

static void xsmm_products_match_openblas(void **state)
{
    (void)state;
    rng_t r;
    rng_seed(&r, 3);
    for (size_t s = 0; s < N_SHAPES; s++)
        for (int op = OP_NN; op <= OP_TN; op++)
            for (int b = 0; b < 2; b++) {
                problem_t p;
                problem_make(&p, op, shapes[s], &r);
                size_t n = (size_t)p.M * p.ldc;
                double *C0 = malloc(n * sizeof *C0), *ob = malloc(n * sizeof *ob),
                       *xs = malloc(n * sizeof *xs);
                fill_uniform(&r, C0, n, 1.0);
                memcpy(ob, C0, n * sizeof *ob);
                memcpy(xs, C0, n * sizeof *xs);
                problem_run(&p, GEMM_OPENBLAS, (double)b, ob);
                problem_run(&p, GEMM_XSMM, (double)b, xs);
                check_close(&p, (double)b, C0, ob, xs);
                /* The padding between rows is never written. */
                for (int i = 0; i < p.M; i++)
                    for (int j = p.N; j < p.ldc; j++)
                        assert_true(xs[(size_t)i * p.ldc + j] == C0[(size_t)i * p.ldc + j]);
                if ((double)p.M * p.N * p.K > GEMM_XSMM_MAX_MNK)
                    assert_memory_equal(ob, xs, n * sizeof *ob);
                free(C0), free(ob), free(xs), free(p.A), free(p.B);
            }
}

/* The three products of one dense layer under a backend: out with bias,
 * dinp, and dw, db added to the given starting values. */
typedef struct {
    double *out, *dinp, *dw, *db;
} dense_run_t;

static void dense_both(gemm_backend_t be, shape_t s, const double *inp, const double *w,
                       const double *b, const double *dout, const double *dw0, dense_run_t *o)
{
    int B = s.M, in = s.K, out = s.N;
    o->out = malloc((size_t)B * out * sizeof(double));
    o->dinp = malloc((size_t)B * in * sizeof(double));
    o->dw = malloc((size_t)out * in * sizeof(double));
    o->db = calloc((size_t)out, sizeof(double));
    memcpy(o->dw, dw0, (size_t)out * in * sizeof(double));
    gemm_set_backend(be);
    dense_forward(o->out, inp, w, b, B, in, out);
    dense_backward(o->dinp, o->dw, o->db, dout, inp, w, B, in, out);
    gemm_set_backend(GEMM_OPENBLAS);
}

static void close_rel(const double *x, const double *y, size_t n, double tol)
{
    double scale = 0.0, diff = 0.0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(x[i]));
        diff = fmax(diff, fabs(x[i] - y[i]));
    }
    if (!(diff <= tol * scale))
        fail_msg("max difference %g against a scale of %g (tol %g)", diff, scale, tol);
}

static void dense_layer_agrees_across_backends(void **state)
{
    (void)state;
    /* (B, n_out, n_in) as shape_t's (M, N, K). */
    static const shape_t layers[] = {{100, 10, 30}, {512, 64, 3}, {32, 4, 20}, {256, 64, 64}};
    rng_t r;
    rng_seed(&r, 9);
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        shape_t s = layers[l];
        size_t ni = (size_t)s.M * s.K, no = (size_t)s.M * s.N, nw = (size_t)s.N * s.K;
        double *inp = malloc(ni * sizeof *inp), *w = malloc(nw * sizeof *w),
               *b = malloc((size_t)s.N * sizeof *b), *dout = malloc(no * sizeof *dout),
               *dw0 = malloc(nw * sizeof *dw0);
        fill_uniform(&r, inp, ni, 1.0);
        fill_uniform(&r, w, nw, 1.0);
        fill_uniform(&r, b, (size_t)s.N, 1.0);
        fill_uniform(&r, dout, no, 1.0);
        fill_uniform(&r, dw0, nw, 10.0); /* the gradient accumulated so far */
        dense_run_t ob, xs;
        dense_both(GEMM_OPENBLAS, s, inp, w, b, dout, dw0, &ob);
        dense_both(GEMM_XSMM, s, inp, w, b, dout, dw0, &xs);
        double tol = 8.0 * (s.M + s.N + s.K) * DBL_EPSILON;
        close_rel(ob.out, xs.out, no, tol);
        close_rel(ob.dinp, xs.dinp, ni, tol);
        close_rel(ob.dw, xs.dw, nw, tol);
        assert_memory_equal(ob.db, xs.db, (size_t)s.N * sizeof *ob.db); /* no gemm */
        free(inp), free(w), free(b), free(dout), free(dw0);
        dense_run_t *runs[] = {&ob, &xs};
        for (int i = 0; i < 2; i++)
            free(runs[i]->out), free(runs[i]->dinp), free(runs[i]->dw), free(runs[i]->db);
    }
}

static void backend_names_parse(void **state)
{
    (void)state;
    gemm_backend_t b = GEMM_XSMM;
    assert_int_equal(gemm_backend_parse("openblas", &b), 0);
    assert_int_equal(b, GEMM_OPENBLAS);
    assert_int_equal(gemm_backend_parse("xsmm", &b), 0);
    assert_int_equal(b, GEMM_XSMM);
    assert_string_equal(gemm_backend_name(b), "xsmm");
    assert_int_equal(gemm_backend_parse("mkl", &b), -1);
    assert_int_equal(gemm_backend_parse("XSMM", &b), -1);
    assert_int_equal(gemm_get_backend(), GEMM_OPENBLAS); /* the default */
}

const struct CMUnitTest gemm_tests[] = {
    cmocka_unit_test_teardown(backend_names_parse, reset_backend),
    cmocka_unit_test_teardown(xsmm_products_match_openblas, reset_backend),
    cmocka_unit_test_teardown(dense_layer_agrees_across_backends, reset_backend),
};
const size_t gemm_tests_count = sizeof gemm_tests / sizeof gemm_tests[0];
