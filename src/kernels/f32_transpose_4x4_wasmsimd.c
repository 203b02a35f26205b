/* f32_transpose_4x4_wasmsimd.c - wasm SIMD transpose for the GEMM packing (contract in
   kernels.h): full 4x4 blocks go through registers (four loads, eight shuffles, four stores);
   the ragged right and bottom edges are copied one element at a time. Scalar twin:
   wt_f32_transpose_ukernel_4x4__scalar. */
#include <assert.h>

#include "kernels.h"

#if defined(__wasm_simd128__)
#include "simd.h"

void wt_f32_transpose_ukernel_4x4__wasmsimd(size_t rows, size_t cols, const float *src,
                                            size_t lds, float *dst, size_t ldd) {
  assert(src != NULL && dst != NULL);
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float *s0 = src + r * lds;
    const float *s1 = s0 + lds;
    const float *s2 = s1 + lds;
    const float *s3 = s2 + lds;
    size_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const wt_f32x4 v0 = wt_f32x4_load(s0 + c), v1 = wt_f32x4_load(s1 + c);
      const wt_f32x4 v2 = wt_f32x4_load(s2 + c), v3 = wt_f32x4_load(s3 + c);
      const wt_f32x4 t01lo = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5);
      const wt_f32x4 t23lo = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5);
      const wt_f32x4 t01hi = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7);
      const wt_f32x4 t23hi = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
      float *d = dst + c * ldd + r;
      wt_f32x4_store(d, wasm_i64x2_shuffle(t01lo, t23lo, 0, 2));
      wt_f32x4_store(d + ldd, wasm_i64x2_shuffle(t01lo, t23lo, 1, 3));
      wt_f32x4_store(d + 2 * ldd, wasm_i64x2_shuffle(t01hi, t23hi, 0, 2));
      wt_f32x4_store(d + 3 * ldd, wasm_i64x2_shuffle(t01hi, t23hi, 1, 3));
    }
    for (; c < cols; c++) {
      float *d = dst + c * ldd + r;
      d[0] = s0[c];
      d[1] = s1[c];
      d[2] = s2[c];
      d[3] = s3[c];
    }
  }
  for (; r < rows; r++)
    for (size_t c = 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
}
#endif
