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
  wt_f32x4 acc[4][2] = {{wt_f32x4_zero(), wt_f32x4_zero()}, {wt_f32x4_zero(), wt_f32x4_zero()},
                        {wt_f32x4_zero(), wt_f32x4_zero()}, {wt_f32x4_zero(), wt_f32x4_zero()}};
  do {
    wt_f32x4_step_4x8(acc, a, wt_f32x4_load(w), wt_f32x4_load(w + 4));
    w += 8;
    a += 4;
  } while (--kc != 0);
  wt_f32x4_store_4x8(acc, mr, nc, c, c_stride, params->accumulate);
}
#endif
