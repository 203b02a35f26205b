/* f32_ppmm_4x8_wasmsimd.c - 4x8 wasm SIMD GEMM micro-kernel on pre-packed A (a[k*4 + i]; contract
   in kernels.h). Per k: two loads of w, four splat loads of a at immediate offsets from one
   pointer, eight multiply-adds; 8 accumulators + 2 w + splat + product fit V8's 15 xmm
   registers. Rows past mr are computed from the zero padding and never stored; columns past
   nc are never loaded or stored. Scalar twin: wt_f32_ppmm_ukernel_4x8__scalar. */
#include <assert.h>

#include "kernels.h"

#if defined(__wasm_simd128__)
#include "simd.h"

void wt_f32_ppmm_ukernel_4x8__wasmsimd(size_t mr, size_t nc, size_t kc, const float *a,
                                       size_t a_stride, const float *w, float *c, size_t c_stride,
                                       const wt_f32_gemm_params *params) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8 && kc >= 1);
  assert(a != NULL && w != NULL && c != NULL && params != NULL);
  (void)a_stride;
  wt_f32x4 c00 = wt_f32x4_zero(), c01 = wt_f32x4_zero(), c10 = wt_f32x4_zero();
  wt_f32x4 c11 = wt_f32x4_zero(), c20 = wt_f32x4_zero(), c21 = wt_f32x4_zero();
  wt_f32x4 c30 = wt_f32x4_zero(), c31 = wt_f32x4_zero();
  do {
    const wt_f32x4 w0 = wt_f32x4_load(w), w1 = wt_f32x4_load(w + 4);
    w += 8;
    const wt_f32x4 a0 = wt_f32x4_load_splat(a);
    c00 = wt_f32x4_muladd(c00, a0, w0);
    c01 = wt_f32x4_muladd(c01, a0, w1);
    const wt_f32x4 a1 = wt_f32x4_load_splat(a + 1);
    c10 = wt_f32x4_muladd(c10, a1, w0);
    c11 = wt_f32x4_muladd(c11, a1, w1);
    const wt_f32x4 a2 = wt_f32x4_load_splat(a + 2);
    c20 = wt_f32x4_muladd(c20, a2, w0);
    c21 = wt_f32x4_muladd(c21, a2, w1);
    const wt_f32x4 a3 = wt_f32x4_load_splat(a + 3);
    c30 = wt_f32x4_muladd(c30, a3, w0);
    c31 = wt_f32x4_muladd(c31, a3, w1);
    a += 4;
  } while (--kc != 0);

  const wt_f32x4 acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  wt_f32x4_store_4x8(acc, mr, nc, c, c_stride, params->accumulate);
}
#endif
