/* f32_bn_wasmsimd.c - wasm SIMD BatchNorm2d kernels (contracts in kernels.h; scalar twins in
   f32_bn_scalar.c). Sums stay in double: each 4 floats are promoted to two f64x2 and added into
   lane-wise partial sums (four f64x2 per 8 floats, so the adds do not wait on each other),
   reduced once at the end; the last cols % 4 of a row (bn_dot: cols % 8) go through scalar
   code, so padding lanes never enter a sum (a zero lane would add mu^2 to the variance).
   bn_affine and bn_dx compute in f32x4 with the scalar twin's operations in its order (a
   multiply, then an add or subtract: never fused), so both give the twins' bits; their tails use
   zero-filled partial loads and lane stores. Nothing past a row is read or written. */
#include <assert.h>

#include "kernels.h"

#if defined(__wasm_simd128__)
#include "simd.h"

/* The low and high two floats of v as doubles (exact). */
WT_SIMD_INLINE v128_t lo_f64(wt_f32x4 v) { return wasm_f64x2_promote_low_f32x4(v); }
WT_SIMD_INLINE v128_t hi_f64(wt_f32x4 v) {
  return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
}
/* Both lanes of v added. */
WT_SIMD_INLINE double hsum_f64(v128_t v) {
  return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1);
}
void wt_f32_bn_sum_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ld,
                                     double *sum) {
  assert(sum != NULL && (rows == 0 || cols == 0 || x != NULL));
  v128_t s0 = wasm_f64x2_const_splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  double tail = 0.0;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld;
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const wt_f32x4 v0 = wt_f32x4_load(p + j), v1 = wt_f32x4_load(p + j + 4);
      s0 = wasm_f64x2_add(s0, lo_f64(v0));
      s1 = wasm_f64x2_add(s1, hi_f64(v0));
      s2 = wasm_f64x2_add(s2, lo_f64(v1));
      s3 = wasm_f64x2_add(s3, hi_f64(v1));
    }
    if (j + 4 <= cols) {
      const wt_f32x4 v0 = wt_f32x4_load(p + j);
      s0 = wasm_f64x2_add(s0, lo_f64(v0));
      s1 = wasm_f64x2_add(s1, hi_f64(v0));
      j += 4;
    }
    for (; j < cols; j++) tail += (double)p[j];
  }
  *sum = hsum_f64(wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3))) + tail;
}

void wt_f32_bn_sumsq_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ld,
                                       double mu, double *ss) {
  assert(ss != NULL && (rows == 0 || cols == 0 || x != NULL));
  const v128_t m = wasm_f64x2_splat(mu);
  v128_t s0 = wasm_f64x2_const_splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  double tail = 0.0;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld;
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const wt_f32x4 v0 = wt_f32x4_load(p + j), v1 = wt_f32x4_load(p + j + 4);
      const v128_t d0 = wasm_f64x2_sub(lo_f64(v0), m), d1 = wasm_f64x2_sub(hi_f64(v0), m);
      const v128_t d2 = wasm_f64x2_sub(lo_f64(v1), m), d3 = wasm_f64x2_sub(hi_f64(v1), m);
      s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(d0, d0));
      s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(d1, d1));
      s2 = wasm_f64x2_add(s2, wasm_f64x2_mul(d2, d2));
      s3 = wasm_f64x2_add(s3, wasm_f64x2_mul(d3, d3));
    }
    if (j + 4 <= cols) {
      const wt_f32x4 v0 = wt_f32x4_load(p + j);
      const v128_t d0 = wasm_f64x2_sub(lo_f64(v0), m), d1 = wasm_f64x2_sub(hi_f64(v0), m);
      s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(d0, d0));
      s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(d1, d1));
      j += 4;
    }
    for (; j < cols; j++) tail += ((double)p[j] - mu) * ((double)p[j] - mu);
  }
  *ss = hsum_f64(wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3))) + tail;
}

void wt_f32_bn_dot_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, const float *dy,
                                     size_t ld, double mu, double *sdy, double *sdyx) {
  assert(sdy != NULL && sdyx != NULL && (rows == 0 || cols == 0 || (x != NULL && dy != NULL)));
  const v128_t m = wasm_f64x2_splat(mu);
  v128_t s[4], t[4];
  for (size_t q = 0; q < 4; q++) s[q] = t[q] = wasm_f64x2_const_splat(0.0);
  double stail = 0.0, ttail = 0.0;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld, *g = dy + r * ld;
    size_t j = 0;
    for (; j + 8 <= cols; j += 8)
      for (size_t h = 0; h < 2; h++) { /* lanes 2h, 2h + 1 of s and t: four floats */
        const wt_f32x4 gv = wt_f32x4_load(g + j + 4 * h), pv = wt_f32x4_load(p + j + 4 * h);
        const v128_t g0 = lo_f64(gv), g1 = hi_f64(gv);
        s[2 * h] = wasm_f64x2_add(s[2 * h], g0);
        s[2 * h + 1] = wasm_f64x2_add(s[2 * h + 1], g1);
        t[2 * h] = wasm_f64x2_add(t[2 * h], wasm_f64x2_mul(g0, wasm_f64x2_sub(lo_f64(pv), m)));
        t[2 * h + 1] =
            wasm_f64x2_add(t[2 * h + 1], wasm_f64x2_mul(g1, wasm_f64x2_sub(hi_f64(pv), m)));
      }
    for (; j < cols; j++) {
      stail += (double)g[j];
      ttail += (double)g[j] * ((double)p[j] - mu);
    }
  }
  *sdy = hsum_f64(wasm_f64x2_add(wasm_f64x2_add(s[0], s[1]), wasm_f64x2_add(s[2], s[3]))) + stail;
  *sdyx = hsum_f64(wasm_f64x2_add(wasm_f64x2_add(t[0], t[1]), wasm_f64x2_add(t[2], t[3]))) + ttail;
}

void wt_f32_bn_affine_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ld,
                                        float a, float b, float *y) {
  assert(rows == 0 || cols == 0 || (x != NULL && y != NULL));
  const wt_f32x4 va = wt_f32x4_splat(a), vb = wt_f32x4_splat(b);
  const size_t tail = cols & 3;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld;
    float *q = y + r * ld;
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const wt_f32x4 v0 = wt_f32x4_load(p + j), v1 = wt_f32x4_load(p + j + 4);
      wt_f32x4_store(q + j, wt_f32x4_add(wt_f32x4_mul(v0, va), vb));
      wt_f32x4_store(q + j + 4, wt_f32x4_add(wt_f32x4_mul(v1, va), vb));
    }
    if (j + 4 <= cols) {
      wt_f32x4_store(q + j, wt_f32x4_add(wt_f32x4_mul(wt_f32x4_load(p + j), va), vb));
      j += 4;
    }
    if (tail)
      wt_f32x4_store_tail(q + j,
                          wt_f32x4_add(wt_f32x4_mul(wt_f32x4_load_tail(p + j, tail), va), vb),
                          tail);
  }
}

/* ((dy - gm) - (x - mu) * k) * is * w for four floats of dy and x, as the scalar twin. */
WT_SIMD_INLINE wt_f32x4 dx_f32(wt_f32x4 g, wt_f32x4 p, wt_f32x4 m, wt_f32x4 gm, wt_f32x4 k,
                               wt_f32x4 is, wt_f32x4 w) {
  const wt_f32x4 t = wt_f32x4_sub(wt_f32x4_sub(g, gm), wt_f32x4_mul(wt_f32x4_sub(p, m), k));
  return wt_f32x4_mul(wt_f32x4_mul(t, is), w);
}

void wt_f32_bn_dx_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, const float *dy,
                                    size_t ld, const wt_f32_bn_dx_params *params, float *dx) {
  assert(params != NULL && (rows == 0 || cols == 0 || (x != NULL && dy != NULL && dx != NULL)));
  const wt_f32x4 m = wt_f32x4_splat(params->mu), gm = wt_f32x4_splat(params->gm);
  const wt_f32x4 k = wt_f32x4_splat(params->k), is = wt_f32x4_splat(params->is);
  const wt_f32x4 w = wt_f32x4_splat(params->w);
  const size_t tail = cols & 3;
  const int acc = params->accumulate;
  for (size_t r = 0; r < rows; r++) {
    const float *p = x + r * ld, *g = dy + r * ld;
    float *d = dx + r * ld;
    size_t j = 0;
    for (; j + 4 <= cols; j += 4) {
      const wt_f32x4 t = dx_f32(wt_f32x4_load(g + j), wt_f32x4_load(p + j), m, gm, k, is, w);
      wt_f32x4_store(d + j, acc ? wt_f32x4_add(wt_f32x4_load(d + j), t) : t);
    }
    if (tail) {
      const wt_f32x4 t = dx_f32(wt_f32x4_load_tail(g + j, tail), wt_f32x4_load_tail(p + j, tail),
                                m, gm, k, is, w);
      wt_f32x4_store_tail(d + j, acc ? wt_f32x4_add(wt_f32x4_load_tail(d + j, tail), t) : t, tail);
    }
  }
}
#endif
