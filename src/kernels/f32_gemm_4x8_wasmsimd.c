/* f32_gemm_4x8_wasmsimd.c - 4x8 wasm SIMD GEMM micro-kernel (contract in kernels.h; body in
   f32_gemm_wasmsimd.h). Scalar twin: wt_f32_gemm_ukernel_4x8__scalar. */
#include "kernels.h"

#if defined(__wasm_simd128__)
#include "f32_gemm_wasmsimd.h"

void wt_f32_gemm_ukernel_4x8__wasmsimd(size_t mr, size_t nc, size_t kc, const float *a,
                                       size_t a_stride, const float *w, float *c, size_t c_stride,
                                       const wt_f32_gemm_params *params) {
  wt__f32_gemm_wasmsimd(4, 2, mr, nc, kc, a, a_stride, w, c, c_stride, params);
}
#endif
