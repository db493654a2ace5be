/* The small matrix multiplies of the dense layers and of the flow's field,
 * through one of two backends chosen for the whole process:
 *   GEMM_OPENBLAS  cblas_dgemm, as always (the default);
 *   GEMM_XSMM      libxsmm's JIT kernels, one thread each, where the shape
 *                  is small enough (M N K <= GEMM_XSMM_MAX_MNK),
 *                  cblas_dgemm otherwise.
 * Both compute the same sums in a different order, so their results
 * differ by rounding only.  libxsmm's kernels sum each element's K terms
 * in order with FMAs whatever the vector width: its AVX2 and AVX-512
 * kernels give the same bits (checked with LIBXSMM_TARGET=hsw), so the
 * xsmm backend needs no pinning where OpenBLAS needs OPENBLAS_CORETYPE;
 * a CPU without FMA gives other bits.  A shape libxsmm cannot generate a kernel for
 * falls back to cblas_dgemm silently: it is a speed matter, not an error.
 *
 * Every matrix is row-major with the leading dimension given; alpha is 1
 * and beta is 0 (overwrite C) or 1 (add into C). */
#ifndef NODE_NN_GEMM_H
#define NODE_NN_GEMM_H

typedef enum { GEMM_OPENBLAS, GEMM_XSMM } gemm_backend_t;

/* The largest product sent to libxsmm: 128 x 256 x 256, the largest shape
 * measured, where its kernels still took half OpenBLAS's time on one core
 * (OPENBLAS_CORETYPE=Haswell, which the pipeline runs with). */
#define GEMM_XSMM_MAX_MNK (128 * 256 * 256)

/* "openblas", "xsmm" -> backend; -1 if unknown. */
int gemm_backend_parse(const char *name, gemm_backend_t *out);
const char *gemm_backend_name(gemm_backend_t b);
/* For the whole process; set it before any solve starts. */
void gemm_set_backend(gemm_backend_t b);
gemm_backend_t gemm_get_backend(void);

/* C (M, N) = A (M, K) B (K, N) + beta C. */
void gemm_nn(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc);
/* C (M, N) = A (M, K) B^T + beta C, B stored (N, K). */
void gemm_nt(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc);
/* C (M, N) = A^T B (K, N) + beta C, A stored (K, M). */
void gemm_tn(int M, int N, int K, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc);

#endif
