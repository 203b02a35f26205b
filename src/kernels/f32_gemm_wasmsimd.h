/* f32_gemm_wasmsimd.h - the one body of the wasm SIMD GEMM micro-kernels (contract in kernels.h),
   instantiated per tile by the f32_gemm_<MR>x<NR>_wasmsimd*.c files. MR and NV (NR / 4) are
   constants at each call site, so clang unrolls the row and vector loops and keeps the MR x NV
   accumulators in registers; one body keeps the tiles identical except for their shape, which
   is what the benchmark chooses between. Include only inside `#if defined(__wasm_simd128__)`.

   "splat" style (XNNPACK f32-gemm-*-wasmsimd-splat): per k, load the NR floats of the packed w
   row, broadcast a[i][k] of each row and multiply-add. Rows past mr alias the last valid row
   (same a, same c), so they are computed and stored twice with identical values and nothing
   past row mr-1 is read or written; columns past nc are never loaded or stored. */
#ifndef WT_F32_GEMM_WASMSIMD_H
#define WT_F32_GEMM_WASMSIMD_H

#include <assert.h>

#include "kernels.h"
#include "simd.h"

#define WT_GEMM_MAX_MR 8
#define WT_GEMM_MAX_NV 4

WT_SIMD_INLINE void wt__f32_gemm_wasmsimd(const size_t MR, const size_t NV, size_t mr, size_t nc,
                                          size_t kc, const float *a, size_t a_stride,
                                          const float *w, float *c, size_t c_stride,
                                          const wt_f32_gemm_params *params) {
  assert(mr >= 1 && mr <= MR);
  assert(nc >= 1 && nc <= NV * 4);
  assert(kc >= 1);
  assert(a != NULL && w != NULL && c != NULL && params != NULL);

  const float *ap[WT_GEMM_MAX_MR];
  float *cp[WT_GEMM_MAX_MR];
  ap[0] = a;
  cp[0] = c;
  for (size_t i = 1; i < MR; i++) {
    ap[i] = i < mr ? ap[i - 1] + a_stride : ap[i - 1];
    cp[i] = i < mr ? cp[i - 1] + c_stride : cp[i - 1];
  }

  wt_f32x4 acc[WT_GEMM_MAX_MR][WT_GEMM_MAX_NV];
  for (size_t i = 0; i < MR; i++)
    for (size_t v = 0; v < NV; v++) acc[i][v] = wt_f32x4_zero();
  if (params->accumulate) {
    for (size_t i = 0; i < MR; i++)
      for (size_t v = 0; v < NV; v++) {
        if (nc >= 4 * v + 4)
          acc[i][v] = wt_f32x4_load(cp[i] + 4 * v);
        else if (nc > 4 * v)
          acc[i][v] = wt_f32x4_load_tail(cp[i] + 4 * v, nc - 4 * v);
      }
  }

  for (size_t k = 0; k < kc; k++) {
    wt_f32x4 wv[WT_GEMM_MAX_NV];
    for (size_t v = 0; v < NV; v++) wv[v] = wt_f32x4_load(w + 4 * v);
    w += 4 * NV;
    for (size_t i = 0; i < MR; i++) {
      const wt_f32x4 va = wt_f32x4_load_splat(ap[i] + k);
      for (size_t v = 0; v < NV; v++) acc[i][v] = wt_f32x4_madd(acc[i][v], va, wv[v]);
    }
  }

  if (nc == 4 * NV) {
    for (size_t i = 0; i < MR; i++)
      for (size_t v = 0; v < NV; v++) wt_f32x4_store(cp[i] + 4 * v, acc[i][v]);
    return;
  }
  for (size_t v = 0; v < NV; v++) {
    if (nc >= 4 * v + 4) {
      for (size_t i = 0; i < MR; i++) wt_f32x4_store(cp[i] + 4 * v, acc[i][v]);
    } else {
      for (size_t i = 0; i < MR; i++) wt_f32x4_store_tail(cp[i] + 4 * v, acc[i][v], nc - 4 * v);
      break;
    }
  }
}

#endif /* WT_F32_GEMM_WASMSIMD_H */
