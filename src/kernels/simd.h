/* simd.h - a tiny vocabulary over wasm_simd128.h for the SIMD kernels: 4 x f32 loads, stores,
   splats, mul-then-add, multiply-add that may fuse, pmin/pmax, partial (tail) loads and stores,
   and the 4x8 micro-kernels' k step and tile store. Include it only from *_wasmsimd*.c files,
   inside their `#if defined(__wasm_simd128__)`.
   Two multiply-adds: wt_f32x4_muladd is always a multiply then an add (two roundings, exactly
   as the scalar twins compute it: the kernels that promise the twins' bits use it);
   wt_f32x4_madd is relaxed SIMD's f32x4.relaxed_madd in the relaxed build
   (dist/wasmtricks-relaxed.wasm, compiled with -mrelaxed-simd, which defines
   __wasm_relaxed_simd__) and muladd otherwise, so the GEMM and direct-convolution kernels are
   written once and become FMA kernels in that build. relaxed_madd fuses or not per host CPU
   (V8 on x86 with FMA3 and on arm64 fuses), so those kernels match their scalar twins within
   a tolerance there, not bit for bit. Partial loads and stores never touch memory past n
   floats. */
#ifndef WT_SIMD_H
#define WT_SIMD_H

#include <stddef.h>
#include <wasm_simd128.h>

typedef v128_t wt_f32x4;

#define WT_SIMD_INLINE static inline __attribute__((always_inline))

WT_SIMD_INLINE wt_f32x4 wt_f32x4_load(const float *p) { return wasm_v128_load(p); }
WT_SIMD_INLINE void wt_f32x4_store(float *p, wt_f32x4 v) { wasm_v128_store(p, v); }
WT_SIMD_INLINE wt_f32x4 wt_f32x4_zero(void) { return wasm_f32x4_const_splat(0.0f); }
WT_SIMD_INLINE wt_f32x4 wt_f32x4_splat(float x) { return wasm_f32x4_splat(x); }
/* Broadcast *p to the four lanes straight from memory (v128.load32_splat). */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_load_splat(const float *p) { return wasm_v128_load32_splat(p); }
/* Lane i of v broadcast to all four lanes. */
#define wt_f32x4_dup_lane(v, i) wasm_i32x4_shuffle((v), (v), (i), (i), (i), (i))
WT_SIMD_INLINE wt_f32x4 wt_f32x4_add(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_add(a, b); }
WT_SIMD_INLINE wt_f32x4 wt_f32x4_mul(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_mul(a, b); }
WT_SIMD_INLINE wt_f32x4 wt_f32x4_sub(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_sub(a, b); }
WT_SIMD_INLINE wt_f32x4 wt_f32x4_div(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_div(a, b); }
/* Correctly rounded, as sqrtf. */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_sqrt(wt_f32x4 a) { return wasm_f32x4_sqrt(a); }
/* IEEE-style max: a NaN in either operand gives NaN (torch.maximum); not a clamp (see pmax). */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_max(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_max(a, b); }
/* acc + a * b, rounded twice (no FMA). */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_muladd(wt_f32x4 acc, wt_f32x4 a, wt_f32x4 b) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b));
}
/* acc + a * b: fused (one rounding) where the relaxed build's host fuses, else as muladd. */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_madd(wt_f32x4 acc, wt_f32x4 a, wt_f32x4 b) {
#if defined(__wasm_relaxed_simd__)
  return wasm_f32x4_relaxed_madd(a, b, acc);
#else
  return wt_f32x4_muladd(acc, a, b);
#endif
}
/* pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a: with the clamp bound as a, a NaN
   in b propagates (the XNNPACK "_x86" operand order; one instruction on x86). */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_pmin(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_pmin(a, b); }
WT_SIMD_INLINE wt_f32x4 wt_f32x4_pmax(wt_f32x4 a, wt_f32x4 b) { return wasm_f32x4_pmax(a, b); }

/* The first n (0..3) floats at p in the low lanes, zeros above. */
WT_SIMD_INLINE wt_f32x4 wt_f32x4_load_tail(const float *p, size_t n) {
  if (n == 1) return wasm_v128_load32_zero(p);
  if (n == 2) return wasm_v128_load64_zero(p);
  if (n == 3) return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
  return wt_f32x4_zero();
}

/* Stores the low n (0..3) lanes of v to p. */
WT_SIMD_INLINE void wt_f32x4_store_tail(float *p, wt_f32x4 v, size_t n) {
  if (n & 2) {
    wasm_v128_store64_lane(p, v, 0);
    v = wasm_i64x2_shuffle(v, v, 1, 1);
    p += 2;
  }
  if (n & 1) wasm_v128_store32_lane(p, v, 0);
}

/* One k step of the 4x8 micro-kernels: acc[i][v] += a[i] * w_v (a[i] broadcast by a splat
   load, i < 4; w0 columns 0-3, w1 columns 4-7). Inlined, the 8 accumulators stay in registers. */
WT_SIMD_INLINE void wt_f32x4_step_4x8(wt_f32x4 acc[4][2], const float *a, wt_f32x4 w0,
                                      wt_f32x4 w1) {
  for (size_t i = 0; i < 4; i++) {
    const wt_f32x4 ai = wt_f32x4_load_splat(a + i);
    acc[i][0] = wt_f32x4_madd(acc[i][0], ai, w0);
    acc[i][1] = wt_f32x4_madd(acc[i][1], ai, w1);
  }
}

/* The store of the 4x8 micro-kernels: rows i < mr, columns j < nc (1..8) of a tile held as
   acc[i][0] (columns 0-3) and acc[i][1] (4-7) to c + i*ldc, added to what c holds when
   accumulate (c + acc, one rounding); nothing past column nc is loaded or stored. */
WT_SIMD_INLINE void wt_f32x4_store_4x8(const wt_f32x4 acc[4][2], size_t mr, size_t nc, float *c,
                                       size_t ldc, int accumulate) {
  for (size_t i = 0; i < mr; i++) {
    float *ci = c + i * ldc;
    wt_f32x4 lo = acc[i][0], hi = acc[i][1];
    if (nc == 8) {
      if (accumulate) {
        lo = wt_f32x4_add(wt_f32x4_load(ci), lo);
        hi = wt_f32x4_add(wt_f32x4_load(ci + 4), hi);
      }
      wt_f32x4_store(ci, lo);
      wt_f32x4_store(ci + 4, hi);
      continue;
    }
    if (accumulate) {
      lo = wt_f32x4_add(nc >= 4 ? wt_f32x4_load(ci) : wt_f32x4_load_tail(ci, nc), lo);
      if (nc > 4) hi = wt_f32x4_add(wt_f32x4_load_tail(ci + 4, nc - 4), hi);
    }
    if (nc >= 4) {
      wt_f32x4_store(ci, lo);
      wt_f32x4_store_tail(ci + 4, hi, nc - 4);
    } else {
      wt_f32x4_store_tail(ci, lo, nc);
    }
  }
}

#endif /* WT_SIMD_H */
