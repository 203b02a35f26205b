/* f32_conv_scalar.c - the scalar references of the direct convolution kernels (conv_rows,
   conv_dw, the Winograd transforms wino_in / wino_out; contracts in kernels.h). Their wasm SIMD twins are in f32_conv_wasmsimd.c. */
#include <assert.h>

#include "kernels.h"

void wt_f32_conv_rows_ukernel_4x8__scalar(size_t mr, size_t nc, size_t kc, const float *a,
                                          const float *b, const int32_t *off, float *c,
                                          size_t ldc, int accumulate) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && kc >= 1);
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

/* (x0 - x2, x1 + x2, x2 - x1, x1 - x3): one row (or column) of B^T d B. */
static void bt4(const float x[4], float y[4]) {
  y[0] = x[0] - x[2];
  y[1] = x[1] + x[2];
  y[2] = x[2] - x[1];
  y[3] = x[1] - x[3];
}

void wt_f32_wino_in_ukernel__scalar(size_t n4, const float *d, size_t ld, float *v, size_t vs) {
  assert(n4 >= 1 && d != NULL && v != NULL);
  for (size_t j = 0; j < 4 * n4; j++) {
    float e[4][4], col[4], out[4];
    for (size_t r = 0; r < 4; r++) bt4(d + r * ld + 2 * j, e[r]);
    for (size_t q = 0; q < 4; q++) {
      for (size_t r = 0; r < 4; r++) col[r] = e[r][q];
      bt4(col, out);
      for (size_t r = 0; r < 4; r++) v[(4 * r + q) * vs + j] = out[r];
    }
  }
}

void wt_f32_wino_out_ukernel__scalar(size_t n4, const float *m, size_t ms, float *y, size_t ldy,
                                     int accumulate) {
  assert(n4 >= 1 && m != NULL && y != NULL);
  for (size_t j = 0; j < 4 * n4; j++) {
    float r[2][4];
    for (size_t q = 0; q < 4; q++) {
      const float m0 = m[q * ms + j], m1 = m[(4 + q) * ms + j], m2 = m[(8 + q) * ms + j];
      const float m3 = m[(12 + q) * ms + j];
      r[0][q] = (m0 + m1) + m2;
      r[1][q] = (m1 - m2) - m3;
    }
    for (size_t a = 0; a < 2; a++) {
      const float y0 = (r[a][0] + r[a][1]) + r[a][2], y1 = (r[a][1] - r[a][2]) - r[a][3];
      float *o = y + a * ldy + 2 * j;
      o[0] = accumulate ? o[0] + y0 : y0;
      o[1] = accumulate ? o[1] + y1 : y1;
    }
  }
}
