/* f32_bn_scalar.c - the scalar references of the BatchNorm2d kernels (bn_sum, bn_sumsq, bn_dot,
   bn_affine, bn_dx; contracts in kernels.h): one channel, rows of cols floats at stride ld, sums
   in double in row-then-column order, the elementwise ones in float. Their wasm SIMD twins are in f32_bn_wasmsimd.c. */
#include <assert.h>

#include "kernels.h"

void wt_f32_bn_sum_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ld,
                                   double *sum) {
  assert(sum != NULL && (rows == 0 || cols == 0 || x != NULL));
  double s = 0.0;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld;
    for (size_t j = 0; j < cols; j++) s += (double)p[j];
  }
  *sum = s;
}

void wt_f32_bn_sumsq_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ld,
                                     double mu, double *ss) {
  assert(ss != NULL && (rows == 0 || cols == 0 || x != NULL));
  double s = 0.0;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld;
    for (size_t j = 0; j < cols; j++) s += ((double)p[j] - mu) * ((double)p[j] - mu);
  }
  *ss = s;
}

void wt_f32_bn_dot_ukernel__scalar(size_t rows, size_t cols, const float *x, const float *dy,
                                   size_t ld, double mu, double *sdy, double *sdyx) {
  assert(sdy != NULL && sdyx != NULL && (rows == 0 || cols == 0 || (x != NULL && dy != NULL)));
  double s = 0.0, t = 0.0;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld, *g = dy + r * ld;
    for (size_t j = 0; j < cols; j++) {
      s += (double)g[j];
      t += (double)g[j] * ((double)p[j] - mu);
    }
  }
  *sdy = s, *sdyx = t;
}

void wt_f32_bn_affine_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ld,
                                      float a, float b, float *y) {
  assert(rows == 0 || cols == 0 || (x != NULL && y != NULL));
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld;
    float *q = y + r * ld;
    for (size_t j = 0; j < cols; j++) q[j] = p[j] * a + b;
  }
}

void wt_f32_bn_dx_ukernel__scalar(size_t rows, size_t cols, const float *x, const float *dy,
                                  size_t ld, const wt_f32_bn_dx_params *params, float *dx) {
  assert(params != NULL && (rows == 0 || cols == 0 || (x != NULL && dy != NULL && dx != NULL)));
  const float mu = params->mu, gm = params->gm, k = params->k, is = params->is, w = params->w;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld, *g = dy + r * ld;
    float *d = dx + r * ld;
    for (size_t j = 0; j < cols; j++) {
      const float t = ((g[j] - gm) - (p[j] - mu) * k) * is * w;
      d[j] = params->accumulate ? d[j] + t : t;
    }
  }
}
