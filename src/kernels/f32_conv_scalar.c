/* f32_conv_scalar.c - the scalar references of the direct convolution kernels (conv_rows,
   conv_dw; contracts in kernels.h). Their wasm SIMD twins are in f32_conv_wasmsimd.c. */
#include <assert.h>

#include "kernels.h"

void wt_f32_conv_rows_ukernel_4x8__scalar(size_t mr, size_t nc, size_t kc, const float *a,
                                          const float *b, const int32_t *off, float *c,
                                          size_t ldc, int accumulate) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8 && kc >= 1);
  assert(a != NULL && b != NULL && off != NULL && c != NULL);
  for (size_t i = 0; i < mr; i++)
    for (size_t j = 0; j < nc; j++) {
      float acc = 0.0f;
      for (size_t k = 0; k < kc; k++) acc += a[k * 4 + i] * b[off[k] + (ptrdiff_t)j];
      float *ci = c + i * ldc + j;
      *ci = accumulate ? *ci + acc : acc;
    }
}

void wt_f32_conv_dw_ukernel_4x2__scalar(size_t mr, size_t nj, size_t rows, size_t cols,
                                        const float *dy, size_t ldy, size_t dy_row,
                                        const float *x, const int32_t *off, size_t x_row,
                                        float *dw, size_t ldw) {
  assert(mr >= 1 && mr <= 4 && nj >= 1 && nj <= 2 && rows >= 1 && cols >= 1);
  assert(dy != NULL && x != NULL && off != NULL && dw != NULL);
  for (size_t i = 0; i < mr; i++)
    for (size_t j = 0; j < nj; j++) {
      float acc = 0.0f;
      for (size_t r = 0; r < rows; r++) {
        const float *d = dy + i * ldy + r * dy_row, *xr = x + off[j] + (ptrdiff_t)(r * x_row);
        for (size_t q = 0; q < cols; q++) acc += d[q] * xr[q];
      }
      dw[i * ldw + j] += acc;
    }
}
