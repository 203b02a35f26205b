/* dispatch.c - chooses the kernel table and drives the GEMM micro-kernels over whole matrices:
   packs B into NR-wide panels (and A^T into rows when transposed), then walks MR x NR tiles. */
#include <string.h>

#include "kernels.h"

void wt__kernels_select(wt_kernels *k, int force_scalar) {
  memset(k, 0, sizeof *k);
  /* The last entry of the list that this build compiled wins unless scalar is forced; the
     scalar twin is always first. */
#define WT_UKERNEL(isa, fn, mr, nr)                                         \
  if (!k->f32_gemm || !force_scalar) {                                      \
    k->f32_gemm = fn;                                                       \
    k->gemm_mr = mr;                                                        \
    k->gemm_nr = nr;                                                        \
    k->f32_gemm_name = #fn;                                                 \
  }
#include "f32_gemm.inc"
#undef WT_UKERNEL
}

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

size_t wt__gemm_workspace_floats(const wt_kernels *k, bool trans_a, bool trans_b, size_t M,
                                 size_t N, size_t K) {
  (void)trans_b;
  size_t floats = K * round_up(N, k->gemm_nr);
  if (trans_a) floats += M * K;
  return floats + 4; /* keeps the A block 16-byte aligned after the panels */
}

void wt__gemm(const wt_kernels *k, bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
              const float *A, size_t lda, const float *B, size_t ldb, bool accumulate, float *C,
              size_t ldc, float *ws) {
  const size_t nr = k->gemm_nr, mr = k->gemm_mr;
  const size_t n_panels = (N + nr - 1) / nr;
  /* Pack op(B) into panels: panel p holds columns [p*nr, p*nr+nr), K rows of nr floats. */
  float *wp = ws;
  for (size_t p = 0; p < n_panels; p++) {
    float *dst = wp + p * K * nr;
    const size_t j0 = p * nr, nc = N - j0 < nr ? N - j0 : nr;
    for (size_t kk = 0; kk < K; kk++) {
      float *row = dst + kk * nr;
      for (size_t j = 0; j < nc; j++)
        row[j] = trans_b ? B[(j0 + j) * ldb + kk] : B[kk * ldb + j0 + j];
      for (size_t j = nc; j < nr; j++) row[j] = 0.0f;
    }
  }
  const float *a = A;
  size_t a_stride = lda;
  if (trans_a) {
    float *at = ws + round_up(n_panels * K * nr, 4);
    for (size_t i = 0; i < M; i++)
      for (size_t kk = 0; kk < K; kk++) at[i * K + kk] = A[kk * lda + i];
    a = at;
    a_stride = K;
  }
  const wt_f32_gemm_params params = {.accumulate = accumulate ? 1 : 0};
  for (size_t i = 0; i < M; i += mr) {
    const size_t m = M - i < mr ? M - i : mr;
    for (size_t p = 0; p < n_panels; p++) {
      const size_t j0 = p * nr, nc = N - j0 < nr ? N - j0 : nr;
      k->f32_gemm(m, nc, K, a + i * a_stride, a_stride, wp + p * K * nr, C + i * ldc + j0, ldc,
                  &params);
    }
  }
}
