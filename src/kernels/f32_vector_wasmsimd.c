/* f32_vector_wasmsimd.c - wasm SIMD vector kernels of f32_vector.inc (contracts in kernels.h);
   scalar twins in f32_vector_scalar.c. Each gives the same bits as its twin (selects, not
   arithmetic masks), except rowsum, which sums in four lanes (reassociated). Tails are scalar,
   so nothing past n (or a row's cols) is read or written. */
#include <assert.h>
#include <math.h>

#include "kernels.h"

#if defined(__wasm_simd128__)
#include "simd.h"

void wt_f32_relu_ukernel__wasmsimd(size_t n, const float *x, float *y) {
  assert(n == 0 || (x != NULL && y != NULL));
  const wt_f32x4 zero = wt_f32x4_zero();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const wt_f32x4 a = wt_f32x4_load(x + i), b = wt_f32x4_load(x + i + 4);
    /* keep v where v > 0 or v is NaN; +0 elsewhere (as the twin) */
    const v128_t ka = wasm_v128_or(wasm_f32x4_gt(a, zero), wasm_f32x4_ne(a, a));
    const v128_t kb = wasm_v128_or(wasm_f32x4_gt(b, zero), wasm_f32x4_ne(b, b));
    wt_f32x4_store(y + i, wasm_v128_and(a, ka));
    wt_f32x4_store(y + i + 4, wasm_v128_and(b, kb));
  }
  for (; i < n; i++) {
    const float v = x[i];
    y[i] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}

void wt_f32_relu_grad_ukernel__wasmsimd(size_t n, const float *y, const float *dy, float *dx,
                                        int accumulate) {
  assert(n == 0 || (y != NULL && dy != NULL && dx != NULL));
  const wt_f32x4 zero = wt_f32x4_zero();
  size_t i = 0;
  if (!accumulate) { /* dy where y > 0 or NaN, +0 at dead units */
    for (; i + 4 <= n; i += 4) {
      const v128_t dead = wasm_f32x4_le(wt_f32x4_load(y + i), zero);
      wt_f32x4_store(dx + i, wasm_v128_andnot(wt_f32x4_load(dy + i), dead));
    }
    for (; i < n; i++) dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const wt_f32x4 d = wt_f32x4_load(dx + i);
    const v128_t dead = wasm_f32x4_le(wt_f32x4_load(y + i), zero);
    wt_f32x4_store(dx + i, wasm_v128_bitselect(d, wt_f32x4_add(d, wt_f32x4_load(dy + i)), dead));
  }
  for (; i < n; i++)
    if (!(y[i] <= 0.0f)) dx[i] += dy[i];
}

void wt_f32_add_ukernel__wasmsimd(size_t n, const float *a, const float *b, float *y) {
  assert(n == 0 || (a != NULL && b != NULL && y != NULL));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) { /* both loads before the stores: y may alias a or b */
    const wt_f32x4 s0 = wt_f32x4_add(wt_f32x4_load(a + i), wt_f32x4_load(b + i));
    const wt_f32x4 s1 = wt_f32x4_add(wt_f32x4_load(a + i + 4), wt_f32x4_load(b + i + 4));
    wt_f32x4_store(y + i, s0);
    wt_f32x4_store(y + i + 4, s1);
  }
  for (; i < n; i++) y[i] = a[i] + b[i];
}

void wt_f32_rowbias_ukernel__wasmsimd(size_t rows, size_t cols, const float *bias, float *y,
                                      size_t ldy) {
  assert(rows == 0 || cols == 0 || (bias != NULL && y != NULL && ldy >= cols));
  for (size_t r = 0; r < rows; r++) {
    const float b = bias[r];
    const wt_f32x4 vb = wt_f32x4_splat(b);
    float *yr = y + r * ldy;
    size_t j = 0;
    for (; j + 4 <= cols; j += 4) wt_f32x4_store(yr + j, wt_f32x4_add(wt_f32x4_load(yr + j), vb));
    for (; j < cols; j++) yr[j] += b;
  }
}

void wt_f32_rowsum_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ldx,
                                     float *sum) {
  assert(rows == 0 || cols == 0 || (x != NULL && sum != NULL && ldx >= cols));
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * ldx;
    wt_f32x4 s0 = wt_f32x4_zero(), s1 = wt_f32x4_zero();
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      s0 = wt_f32x4_add(s0, wt_f32x4_load(xr + j));
      s1 = wt_f32x4_add(s1, wt_f32x4_load(xr + j + 4));
    }
    if (j + 4 <= cols) s0 = wt_f32x4_add(s0, wt_f32x4_load(xr + j)), j += 4;
    s0 = wt_f32x4_add(s0, s1);
    float s = (wasm_f32x4_extract_lane(s0, 0) + wasm_f32x4_extract_lane(s0, 1)) +
              (wasm_f32x4_extract_lane(s0, 2) + wasm_f32x4_extract_lane(s0, 3));
    for (; j < cols; j++) s += xr[j];
    sum[r] += s;
  }
}

/* Replaces (best, idx) by (v, vi) where v > best or v is NaN: the twin's scan step. */
#define WT_MAXPOOL_STEP(v, vi)                                           \
  do {                                                                   \
    const v128_t take = wasm_v128_or(wasm_f32x4_gt(v, best), wasm_f32x4_ne(v, v)); \
    best = wasm_v128_bitselect(v, best, take);                           \
    idx = wasm_v128_bitselect(vi, idx, take);                            \
  } while (0)

void wt_f32_maxpool2x2_ukernel__wasmsimd(size_t planes, size_t H, size_t W, const float *x,
                                         float *y, int32_t *argmax) {
  assert(H >= 2 && W >= 2 && x != NULL && y != NULL && argmax != NULL);
  const size_t OH = H / 2, OW = W / 2;
  const v128_t lane2 = wasm_i32x4_make(0, 2, 4, 6);
  for (size_t p = 0; p < planes; p++, x += H * W, y += OH * OW, argmax += OH * OW)
    for (size_t oh = 0; oh < OH; oh++) {
      const float *r0 = x + 2 * oh * W, *r1 = r0 + W;
      float *yo = y + oh * OW;
      int32_t *ao = argmax + oh * OW;
      size_t ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        /* 8 inputs of each row: even lanes are window column 0, odd lanes column 1 */
        const wt_f32x4 a0 = wt_f32x4_load(r0 + 2 * ow), a1 = wt_f32x4_load(r0 + 2 * ow + 4);
        const wt_f32x4 b0 = wt_f32x4_load(r1 + 2 * ow), b1 = wt_f32x4_load(r1 + 2 * ow + 4);
        const wt_f32x4 v00 = wasm_i32x4_shuffle(a0, a1, 0, 2, 4, 6);
        const wt_f32x4 v01 = wasm_i32x4_shuffle(a0, a1, 1, 3, 5, 7);
        const wt_f32x4 v10 = wasm_i32x4_shuffle(b0, b1, 0, 2, 4, 6);
        const wt_f32x4 v11 = wasm_i32x4_shuffle(b0, b1, 1, 3, 5, 7);
        const v128_t i00 = wasm_i32x4_add(wasm_i32x4_splat((int32_t)(2 * oh * W + 2 * ow)), lane2);
        const v128_t one = wasm_i32x4_splat(1), w = wasm_i32x4_splat((int32_t)W);
        /* the first window element always wins against -inf (or is -inf itself at the same
           index), so start from it */
        wt_f32x4 best = v00;
        v128_t idx = i00;
        WT_MAXPOOL_STEP(v01, wasm_i32x4_add(i00, one));
        WT_MAXPOOL_STEP(v10, wasm_i32x4_add(i00, w));
        WT_MAXPOOL_STEP(v11, wasm_i32x4_add(wasm_i32x4_add(i00, w), one));
        wt_f32x4_store(yo + ow, best);
        wasm_v128_store(ao + ow, idx);
      }
      for (; ow < OW; ow++) {
        const size_t i0 = 2 * oh * W + 2 * ow;
        const size_t idx[4] = {i0, i0 + 1, i0 + W, i0 + W + 1};
        float best = -INFINITY;
        size_t bi = i0;
        for (size_t t = 0; t < 4; t++) {
          const float v = x[idx[t]];
          if (v > best || v != v) best = v, bi = idx[t];
        }
        yo[ow] = best;
        ao[ow] = (int32_t)bi;
      }
    }
}

void wt_f32_deinterleave2_ukernel__wasmsimd(size_t rows, size_t n, const float *x, size_t ldx,
                                            float *even, float *odd, size_t ldy) {
  assert(rows == 0 || n == 0 || (x != NULL && even != NULL && (n < 2 || odd != NULL)));
  for (size_t r = 0; r < rows; r++, x += ldx, even += ldy, odd += ldy) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const wt_f32x4 a = wt_f32x4_load(x + i), b = wt_f32x4_load(x + i + 4);
      wt_f32x4_store(even + i / 2, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
      wt_f32x4_store(odd + i / 2, wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
    }
    for (; i < n; i++) (i % 2 ? odd : even)[i / 2] = x[i];
  }
}

void wt_f32_copy_ukernel__wasmsimd(size_t rows, size_t n, const float *x, size_t ldx, float *y,
                                   size_t ldy) {
  assert(rows == 0 || n == 0 || (x != NULL && y != NULL));
  for (size_t r = 0; r < rows; r++, x += ldx, y += ldy) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const wt_f32x4 a = wt_f32x4_load(x + i), b = wt_f32x4_load(x + i + 4);
      wt_f32x4_store(y + i, a);
      wt_f32x4_store(y + i + 4, b);
    }
    if (i + 4 <= n) {
      wt_f32x4_store(y + i, wt_f32x4_load(x + i));
      i += 4;
    }
    for (; i < n; i++) y[i] = x[i];
  }
}
#endif
