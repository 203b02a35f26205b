/* f32_conv_wasmsimd.c - wasm SIMD direct convolution kernels (contracts in kernels.h;
   scalar twins in f32_conv_scalar.c).
   conv_rows 4x8: the ppmm 4x8 kernel (simd.h's k step and tile store) with B rows found through
   off[], once per block of 8 columns (one call covers a whole output row or Winograd chunk):
   per k two loads of the shifted input row, four splat loads of the packed weights, eight
   multiply-adds. Loads 8 floats per row and block whatever nc (the caller's slack); columns
   past nc are never stored.
   conv_dw 4x2: per 4 output columns, four loads of dy rows, two of shifted input rows and eight
   multiply-adds into lane-wise partial sums, reduced once at the end; the last cols % 4 go
   through zero-filled partial loads, so nothing past a row is read. Rows past mr / columns past
   nj alias the last valid one and are not stored.
   wino_in / wino_out: four tiles per vector (lane j = tile j); the input block's columns 2j + q
   come from two loads per row and even/odd shuffles, the output's two columns per tile are
   interleaved back by shuffles. */
#include <assert.h>

#include "kernels.h"

#if defined(__wasm_simd128__)
#include "simd.h"

void wt_f32_conv_rows_ukernel_4x8__wasmsimd(size_t mr, size_t nc, size_t kc, const float *a,
                                            const float *b, const int32_t *off, float *c,
                                            size_t ldc, int accumulate) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && kc >= 1);
  assert(a != NULL && b != NULL && off != NULL && c != NULL);
  for (size_t j0 = 0; j0 < nc; j0 += 8) {
    wt_f32x4 acc[4][2] = {{wt_f32x4_zero(), wt_f32x4_zero()}, {wt_f32x4_zero(), wt_f32x4_zero()},
                          {wt_f32x4_zero(), wt_f32x4_zero()}, {wt_f32x4_zero(), wt_f32x4_zero()}};
    const float *ak = a, *bj = b + j0;
    const int32_t *ok = off;
    size_t k = kc;
    do {
      const float *row = bj + *ok++;
      wt_f32x4_step_4x8(acc, ak, wt_f32x4_load(row), wt_f32x4_load(row + 4));
      ak += 4;
    } while (--k != 0);
    wt_f32x4_store_4x8(acc, mr, nc - j0 < 8 ? nc - j0 : 8, c + j0, ldc, accumulate);
  }
}

/* The four lanes of v added: (v0 + v2) + (v1 + v3). */
WT_SIMD_INLINE float hsum(wt_f32x4 v) {
  v = wt_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wt_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

void wt_f32_conv_dw_ukernel_4x2__wasmsimd(size_t mr, size_t nj, size_t rows, size_t cols,
                                          const float *dy, size_t ldy, size_t dy_row,
                                          const float *x, const int32_t *off, size_t x_row,
                                          float *dw, size_t ldw) {
  assert(mr >= 1 && mr <= 4 && nj >= 1 && nj <= 2 && rows >= 1 && cols >= 1);
  assert(dy != NULL && x != NULL && off != NULL && dw != NULL);
  const float *d0 = dy, *d1 = mr > 1 ? d0 + ldy : d0, *d2 = mr > 2 ? d1 + ldy : d1;
  const float *d3 = mr > 3 ? d2 + ldy : d2;
  const float *x0 = x + off[0], *x1 = nj > 1 ? x + off[1] : x0;
  wt_f32x4 s00 = wt_f32x4_zero(), s01 = wt_f32x4_zero(), s10 = wt_f32x4_zero();
  wt_f32x4 s11 = wt_f32x4_zero(), s20 = wt_f32x4_zero(), s21 = wt_f32x4_zero();
  wt_f32x4 s30 = wt_f32x4_zero(), s31 = wt_f32x4_zero();
  const size_t full = cols & ~(size_t)3, tail = cols - full;
  for (size_t r = 0; r < rows; r++) {
    size_t q = 0;
    for (; q < full; q += 4) {
      const wt_f32x4 u0 = wt_f32x4_load(x0 + q), u1 = wt_f32x4_load(x1 + q);
      const wt_f32x4 v0 = wt_f32x4_load(d0 + q);
      s00 = wt_f32x4_madd(s00, v0, u0);
      s01 = wt_f32x4_madd(s01, v0, u1);
      const wt_f32x4 v1 = wt_f32x4_load(d1 + q);
      s10 = wt_f32x4_madd(s10, v1, u0);
      s11 = wt_f32x4_madd(s11, v1, u1);
      const wt_f32x4 v2 = wt_f32x4_load(d2 + q);
      s20 = wt_f32x4_madd(s20, v2, u0);
      s21 = wt_f32x4_madd(s21, v2, u1);
      const wt_f32x4 v3 = wt_f32x4_load(d3 + q);
      s30 = wt_f32x4_madd(s30, v3, u0);
      s31 = wt_f32x4_madd(s31, v3, u1);
    }
    if (tail) {
      const wt_f32x4 u0 = wt_f32x4_load_tail(x0 + q, tail), u1 = wt_f32x4_load_tail(x1 + q, tail);
      const wt_f32x4 v0 = wt_f32x4_load_tail(d0 + q, tail), v1 = wt_f32x4_load_tail(d1 + q, tail);
      const wt_f32x4 v2 = wt_f32x4_load_tail(d2 + q, tail), v3 = wt_f32x4_load_tail(d3 + q, tail);
      s00 = wt_f32x4_madd(s00, v0, u0);
      s01 = wt_f32x4_madd(s01, v0, u1);
      s10 = wt_f32x4_madd(s10, v1, u0);
      s11 = wt_f32x4_madd(s11, v1, u1);
      s20 = wt_f32x4_madd(s20, v2, u0);
      s21 = wt_f32x4_madd(s21, v2, u1);
      s30 = wt_f32x4_madd(s30, v3, u0);
      s31 = wt_f32x4_madd(s31, v3, u1);
    }
    d0 += dy_row, d1 += dy_row, d2 += dy_row, d3 += dy_row;
    x0 += x_row, x1 += x_row;
  }
  const wt_f32x4 s[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};
  for (size_t i = 0; i < mr; i++)
    for (size_t j = 0; j < nj; j++) dw[i * ldw + j] += hsum(s[i][j]);
}

/* (x0 - x2, x1 + x2, x2 - x1, x1 - x3), lane-wise: one row (or column) of B^T d B. */
WT_SIMD_INLINE void bt4(const wt_f32x4 x[4], wt_f32x4 y[4]) {
  y[0] = wt_f32x4_sub(x[0], x[2]);
  y[1] = wt_f32x4_add(x[1], x[2]);
  y[2] = wt_f32x4_sub(x[2], x[1]);
  y[3] = wt_f32x4_sub(x[1], x[3]);
}

void wt_f32_wino_in_ukernel__wasmsimd(size_t n4, const float *d, size_t ld, float *v, size_t vs) {
  assert(n4 >= 1 && d != NULL && v != NULL);
  for (size_t g = 0; g < n4; g++, d += 8, v += 4) {
    wt_f32x4 e[4][4], col[4], out[4];
    for (size_t r = 0; r < 4; r++) {
      const float *row = d + r * ld; /* tile j, column q: row[2j + q] */
      const wt_f32x4 a = wt_f32x4_load(row), b = wt_f32x4_load(row + 4);
      const wt_f32x4 c = wt_f32x4_load(row + 2), h = wt_f32x4_load(row + 6);
      const wt_f32x4 x[4] = {wasm_i32x4_shuffle(a, b, 0, 2, 4, 6),
                             wasm_i32x4_shuffle(a, b, 1, 3, 5, 7),
                             wasm_i32x4_shuffle(c, h, 0, 2, 4, 6),
                             wasm_i32x4_shuffle(c, h, 1, 3, 5, 7)};
      bt4(x, e[r]);
    }
    for (size_t q = 0; q < 4; q++) {
      for (size_t r = 0; r < 4; r++) col[r] = e[r][q];
      bt4(col, out);
      for (size_t r = 0; r < 4; r++) wt_f32x4_store(v + (4 * r + q) * vs, out[r]);
    }
  }
}

void wt_f32_wino_out_ukernel__wasmsimd(size_t n4, const float *m, size_t ms, float *y,
                                       size_t ldy, int accumulate) {
  assert(n4 >= 1 && m != NULL && y != NULL);
  for (size_t g = 0; g < n4; g++, m += 4, y += 8) {
    wt_f32x4 r[2][4];
    for (size_t q = 0; q < 4; q++) {
      const wt_f32x4 m0 = wt_f32x4_load(m + q * ms), m1 = wt_f32x4_load(m + (4 + q) * ms);
      const wt_f32x4 m2 = wt_f32x4_load(m + (8 + q) * ms), m3 = wt_f32x4_load(m + (12 + q) * ms);
      r[0][q] = wt_f32x4_add(wt_f32x4_add(m0, m1), m2);
      r[1][q] = wt_f32x4_sub(wt_f32x4_sub(m1, m2), m3);
    }
    for (size_t a = 0; a < 2; a++) {
      const wt_f32x4 y0 = wt_f32x4_add(wt_f32x4_add(r[a][0], r[a][1]), r[a][2]);
      const wt_f32x4 y1 = wt_f32x4_sub(wt_f32x4_sub(r[a][1], r[a][2]), r[a][3]);
      wt_f32x4 lo = wasm_i32x4_shuffle(y0, y1, 0, 4, 1, 5), hi = wasm_i32x4_shuffle(y0, y1, 2, 6, 3, 7);
      float *o = y + a * ldy;
      if (accumulate) {
        lo = wt_f32x4_add(wt_f32x4_load(o), lo);
        hi = wt_f32x4_add(wt_f32x4_load(o + 4), hi);
      }
      wt_f32x4_store(o, lo);
      wt_f32x4_store(o + 4, hi);
    }
  }
}
#endif
