/* f32_optim_wasmsimd.c - wasm SIMD twins of the optimizer kernels (contracts in kernels.h):
   four parameters per iteration with the scalar references' float operations in the same
   order, and the last n % 4 elements through the scalar kernels themselves, so results are
   bit-identical. */
#include "kernels.h"

#if defined(__wasm_simd128__)
#include "simd.h"

void wt_f32_sgd_ukernel__wasmsimd(size_t n, float *p, const float *g, float *buf,
                             const wt_f32_sgd_params *a) {
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
  wt_f32_sgd_ukernel__scalar(n - i, p + i, g + i, a->use_momentum ? buf + i : buf, a);
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

void wt_f32_adam_ukernel__wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                              float *vmax, const wt_f32_adam_params *a) {
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
  wt_f32_adam_ukernel__scalar(n - i, p + i, g + i, m + i, v + i, a->amsgrad ? vmax + i : vmax, a);
}

void wt_f32_adabound_ukernel__wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                                  float *vmax, const wt_f32_adabound_params *a) {
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
  wt_f32_adabound_ukernel__scalar(n - i, p + i, g + i, m + i, v + i, a->amsgrad ? vmax + i : vmax, a);
}

#undef WT__MOMENTS
#endif /* __wasm_simd128__ */
