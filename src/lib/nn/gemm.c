#include "core/util.h"
#include "nn/gemm.h"

#include <cblas.h>
#include <libxsmm.h>
#include <stdlib.h>
#include <string.h>

static gemm_backend_t g_backend = GEMM_OPENBLAS;

static const char *const backend_names[] = {"openblas", "xsmm"};

int gemm_backend_parse(const char *name, gemm_backend_t *out)
{
    int i = name_index(backend_names, 2, name);
    if (i < 0)
        return -1;
    *out = (gemm_backend_t)i;
    return 0;
}

const char *gemm_backend_name(gemm_backend_t b) { return backend_names[b]; }

void gemm_set_backend(gemm_backend_t b) { g_backend = b; }

gemm_backend_t gemm_get_backend(void) { return g_backend; }

/* The largest B whose transposed copy is made on the stack (gemm_nt);
 * a larger one (MNIST's 784 -> 20 layer) goes to the heap. */
#define BT_STACK (64 * 64)

/* Whether a product goes to libxsmm at all. */
static int small(int M, int N, int K, double beta)
{
    return g_backend == GEMM_XSMM && (beta == 0.0 || beta == 1.0) && M > 0 && N > 0 &&
           K > 0 && (double)M * N * K <= GEMM_XSMM_MAX_MNK;
}

/* libxsmm is column-major: a row-major C = op(A) op(B) is the column-major
 * C^T = op(B)^T op(A)^T, so the kernel's m, n are our N, M and its first
 * operand is our B.  Runs it and returns 0, or returns -1 when the shape
 * is too large or has no kernel (the caller uses cblas). */
static int xsmm(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
                double beta, double *C, int ldc, int trans_a)
{
    if (!small(M, N, K, beta))
        return -1;
    const libxsmm_blasint ka = ldb, kb = lda, kc = ldc;
    const double alpha = 1.0;
    const int flags = trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
    libxsmm_dmmfunction k = libxsmm_dmmdispatch(N, M, K, &ka, &kb, &kc, &alpha, &beta, &flags, NULL);
    if (!k)
        return -1;
    k(B, A, C);
    return 0;
}

/* C = op(A) B + beta C through libxsmm, or cblas where it declines. */
static void gemm_a(int trans_a, int M, int N, int K, const double *A, int lda, const double *B,
                   int ldb, double beta, double *C, int ldc)
{
    if (xsmm(M, N, K, A, lda, B, ldb, beta, C, ldc, trans_a) == 0)
        return;
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, M, N, K, 1.0, A,
                lda, B, ldb, beta, C, ldc);
}

void gemm_nn(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc)
{
    gemm_a(0, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

/* bt (K, N) <- B (N, K) with leading dimension ldb. */
static void transpose(double *bt, const double *B, int N, int K, int ldb)
{
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            bt[(size_t)k * N + n] = B[(size_t)n * ldb + k];
}

/* libxsmm 1.17 generates no kernel with its first operand (our B)
 * transposed, so B is transposed here into a (K, N) copy and the product
 * is a gemm_nn: N K copies against M N K multiply-adds.  0 if done. */
static int xsmm_nt(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
                   double beta, double *C, int ldc)
{
    if (!small(M, N, K, beta))
        return -1;
    if ((size_t)N * K <= BT_STACK) {
        double bt[BT_STACK];
        transpose(bt, B, N, K, ldb);
        return xsmm(M, N, K, A, lda, bt, N, beta, C, ldc, 0);
    }
    double *bt = malloc((size_t)N * K * sizeof *bt);
    if (!bt)
        return -1;
    transpose(bt, B, N, K, ldb);
    int done = xsmm(M, N, K, A, lda, bt, N, beta, C, ldc, 0);
    free(bt);
    return done;
}

void gemm_nt(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc)
{
    if (xsmm_nt(M, N, K, A, lda, B, ldb, beta, C, ldc) == 0)
        return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0, A, lda, B, ldb, beta, C,
                ldc);
}

void gemm_tn(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc)
{
    gemm_a(1, M, N, K, A, lda, B, ldb, beta, C, ldc);
}
