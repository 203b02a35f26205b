/* f32_ppmm_4x8_scalar.c - the scalar reference of the pre-packed-A GEMM micro-kernel (contract
   in kernels.h, wt_f32_gemm_ukernel_fn with a packed: a[k*4 + i]; a_stride is unused). */
#include <assert.h>

#include "kernels.h"

void wt_f32_ppmm_ukernel_4x8__scalar(size_t mr, size_t nc, size_t kc, const float *a,
                                     size_t a_stride, const float *w, float *c, size_t c_stride,
                                     const wt_f32_gemm_params *params) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8 && kc >= 1);
  assert(a != NULL && w != NULL && c != NULL && params != NULL);
  (void)a_stride;
  float acc[4][8] = {{0}};
  for (size_t k = 0; k < kc; k++) {
    const float *wk = w + k * 8, *ak = a + k * 4;
    for (size_t i = 0; i < mr; i++)
      for (size_t j = 0; j < 8; j++) acc[i][j] += ak[i] * wk[j];
  }
  for (size_t i = 0; i < mr; i++) {
    float *ci = c + i * c_stride;
    for (size_t j = 0; j < nc; j++) ci[j] = params->accumulate ? ci[j] + acc[i][j] : acc[i][j];
  }
}
