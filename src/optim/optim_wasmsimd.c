/* optim_wasmsimd.c - wasm SIMD twins of the optimizer loops (contracts in optim_loops.h): four
   parameters per iteration with the scalar references' float operations in the same order, and
   the last n % 4 elements through the scalar loops themselves, so results are bit-identical.

   This file lives in optim/, not kernels/, and so is outside the CMake glob that gives
   the src/kernels/ SIMD files -msimd128: it enables simd128 for its own functions with a clang
   attribute pragma instead (clang honours target("simd128") per function, and wasm_simd128.h
   declares its intrinsics the same way). Built only when WT_HAVE_WASMSIMD (emcmake). */
#include "optim_loops.h"

#if WT_HAVE_WASMSIMD
#pragma clang attribute push(__attribute__((target("simd128"))), apply_to = function)
#include "../kernels/simd.h"

void wt__sgd_update_wasmsimd(size_t n, float *p, const float *g, float *buf,
                             const wt__sgd_args *a) {
  const wt_f32x4 lr = wt_f32x4_splat(a->lr), mom = wt_f32x4_splat(a->momentum);
  const wt_f32x4 damp1 = wt_f32x4_splat(a->damp1), wd = wt_f32x4_splat(a->wd);
  const int use_wd = a->wd != 0.0f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const wt_f32x4 pi = wt_f32x4_load(p + i);
    wt_f32x4 d = wt_f32x4_load(g + i);
    if (use_wd) d = wt_f32x4_add(d, wt_f32x4_mul(wd, pi));
    if (a->use_momentum) {
      const wt_f32x4 b = a->first ? d
                                  : wt_f32x4_add(wt_f32x4_mul(mom, wt_f32x4_load(buf + i)),
                                                 wt_f32x4_mul(damp1, d));
      wt_f32x4_store(buf + i, b);
      d = a->nesterov ? wt_f32x4_add(d, wt_f32x4_mul(mom, b)) : b;
    }
    wt_f32x4_store(p + i, wt_f32x4_sub(pi, wt_f32x4_mul(lr, d)));
  }
  wt__sgd_update_scalar(n - i, p + i, g + i, a->use_momentum ? buf + i : buf, a);
}

/* m = m*beta1 + omb1*g; v = v*beta2 + (omb2*g)*g, stored; returns the v the step uses (vmax
   with amsgrad). */
#define WT__MOMENTS(i)                                                                         \
  const wt_f32x4 mi = wt_f32x4_add(wt_f32x4_mul(wt_f32x4_load(m + (i)), b1),                \
                                   wt_f32x4_mul(omb1, gi));                                  \
  wt_f32x4 vi = wt_f32x4_add(wt_f32x4_mul(wt_f32x4_load(v + (i)), b2),                      \
                             wt_f32x4_mul(wt_f32x4_mul(omb2, gi), gi));                      \
  wt_f32x4_store(m + (i), mi);                                                               \
  wt_f32x4_store(v + (i), vi);                                                               \
  if (a->amsgrad) {                                                                          \
    vi = wt_f32x4_max(wt_f32x4_load(vmax + (i)), vi);                                        \
    wt_f32x4_store(vmax + (i), vi);                                                          \
  }

void wt__adam_update_wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                              float *vmax, const wt__adam_args *a) {
  const wt_f32x4 decay = wt_f32x4_splat(a->decay_mul), wd = wt_f32x4_splat(a->wd);
  const wt_f32x4 b1 = wt_f32x4_splat(a->beta1), omb1 = wt_f32x4_splat(a->omb1);
  const wt_f32x4 b2 = wt_f32x4_splat(a->beta2), omb2 = wt_f32x4_splat(a->omb2);
  const wt_f32x4 bc2 = wt_f32x4_splat(a->bc2_sqrt), eps = wt_f32x4_splat(a->eps);
  const wt_f32x4 nss = wt_f32x4_splat(a->neg_step_size);
  const int use_decay = a->decay_mul != 1.0f, use_wd = a->wd != 0.0f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    wt_f32x4 pi = wt_f32x4_load(p + i);
    if (use_decay) pi = wt_f32x4_mul(pi, decay);
    wt_f32x4 gi = wt_f32x4_load(g + i);
    if (use_wd) gi = wt_f32x4_add(gi, wt_f32x4_mul(wd, pi));
    WT__MOMENTS(i)
    const wt_f32x4 denom = wt_f32x4_add(wt_f32x4_div(wt_f32x4_sqrt(vi), bc2), eps);
    wt_f32x4_store(p + i, wt_f32x4_add(pi, wt_f32x4_div(wt_f32x4_mul(nss, mi), denom)));
  }
  wt__adam_update_scalar(n - i, p + i, g + i, m + i, v + i, a->amsgrad ? vmax + i : vmax, a);
}

void wt__adabound_update_wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                                  float *vmax, const wt__adabound_args *a) {
  const wt_f32x4 wd = wt_f32x4_splat(a->wd);
  const wt_f32x4 b1 = wt_f32x4_splat(a->beta1), omb1 = wt_f32x4_splat(a->omb1);
  const wt_f32x4 b2 = wt_f32x4_splat(a->beta2), omb2 = wt_f32x4_splat(a->omb2);
  const wt_f32x4 eps = wt_f32x4_splat(a->eps), ss = wt_f32x4_splat(a->step_size);
  const wt_f32x4 lo = wt_f32x4_splat(a->lower), hi = wt_f32x4_splat(a->upper);
  const int use_wd = a->wd != 0.0f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const wt_f32x4 pi = wt_f32x4_load(p + i);
    wt_f32x4 gi = wt_f32x4_load(g + i);
    if (use_wd) gi = wt_f32x4_add(gi, wt_f32x4_mul(wd, pi));
    WT__MOMENTS(i)
    wt_f32x4 e = wt_f32x4_div(ss, wt_f32x4_add(wt_f32x4_sqrt(vi), eps));
    /* pmax(e, lo) = e < lo ? lo : e and pmin(e, hi) = hi < e ? hi : e: std::max/std::min as
       torch's clamp, a NaN e passing through, exactly as the scalar loop. */
    e = wt_f32x4_pmin(wt_f32x4_pmax(e, lo), hi);
    wt_f32x4_store(p + i, wt_f32x4_sub(pi, wt_f32x4_mul(e, mi)));
  }
  wt__adabound_update_scalar(n - i, p + i, g + i, m + i, v + i, a->amsgrad ? vmax + i : vmax, a);
}

#undef WT__MOMENTS
#pragma clang attribute pop
#endif /* WT_HAVE_WASMSIMD */
