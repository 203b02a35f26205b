/* f32_vector_scalar.c - the scalar references of the vector kernels of f32_vector.inc
   (contracts in kernels.h). Their wasm SIMD twins are in f32_vector_wasmsimd.c; the six small
   ops share a file per isa so a twin pair reads side by side. */
#include <assert.h>
#include <math.h>

#include "kernels.h"

void wt_f32_relu_ukernel__scalar(size_t n, const float *x, float *y) {
  assert(n == 0 || (x != NULL && y != NULL));
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}

void wt_f32_relu_grad_ukernel__scalar(size_t n, const float *y, const float *dy, float *dx,
                                      int accumulate) {
  assert(n == 0 || (y != NULL && dy != NULL && dx != NULL));
  if (!accumulate) {
    for (size_t i = 0; i < n; i++) dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (!(y[i] <= 0.0f)) dx[i] += dy[i];
}

void wt_f32_add_ukernel__scalar(size_t n, const float *a, const float *b, float *y) {
  assert(n == 0 || (a != NULL && b != NULL && y != NULL));
  for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void wt_f32_rowbias_ukernel__scalar(size_t rows, size_t cols, const float *bias, float *y,
                                    size_t ldy) {
  assert(rows == 0 || cols == 0 || (bias != NULL && y != NULL && ldy >= cols));
  for (size_t r = 0; r < rows; r++) {
    const float b = bias[r];
    float *yr = y + r * ldy;
    for (size_t j = 0; j < cols; j++) yr[j] += b;
  }
}

void wt_f32_rowsum_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ldx,
                                   float *sum) {
  assert(rows == 0 || cols == 0 || (x != NULL && sum != NULL && ldx >= cols));
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * ldx;
    float s = 0.0f;
    for (size_t j = 0; j < cols; j++) s += xr[j];
    sum[r] += s;
  }
}

void wt_f32_maxpool2x2_ukernel__scalar(size_t planes, size_t H, size_t W, const float *x,
                                       float *y, int32_t *argmax) {
  assert(H >= 2 && W >= 2 && x != NULL && y != NULL && argmax != NULL);
  const size_t OH = H / 2, OW = W / 2;
  for (size_t p = 0; p < planes; p++, x += H * W, y += OH * OW, argmax += OH * OW)
    for (size_t oh = 0; oh < OH; oh++)
      for (size_t ow = 0; ow < OW; ow++) {
        const size_t i0 = 2 * oh * W + 2 * ow;
        const size_t idx[4] = {i0, i0 + 1, i0 + W, i0 + W + 1};
        float best = -INFINITY;
        size_t bi = i0;
        for (size_t t = 0; t < 4; t++) {
          const float v = x[idx[t]];
          if (v > best || v != v) best = v, bi = idx[t];
        }
        y[oh * OW + ow] = best;
        argmax[oh * OW + ow] = (int32_t)bi;
      }
}

void wt_f32_deinterleave2_ukernel__scalar(size_t rows, size_t n, const float *x, size_t ldx,
                                          float *even, float *odd, size_t ldy) {
  assert(rows == 0 || n == 0 || (x != NULL && even != NULL && (n < 2 || odd != NULL)));
  for (size_t r = 0; r < rows; r++, x += ldx, even += ldy, odd += ldy) {
    for (size_t i = 0; 2 * i < n; i++) even[i] = x[2 * i];
    for (size_t i = 0; 2 * i + 1 < n; i++) odd[i] = x[2 * i + 1];
  }
}

void wt_f32_copy_ukernel__scalar(size_t rows, size_t n, const float *x, size_t ldx, float *y,
                                 size_t ldy) {
  assert(rows == 0 || n == 0 || (x != NULL && y != NULL));
  for (size_t r = 0; r < rows; r++, x += ldx, y += ldy)
    for (size_t i = 0; i < n; i++) y[i] = x[i];
}
