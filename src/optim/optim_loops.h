/* optim_loops.h - the per-element update loops of the optimizers (optim/ only): flat pointers,
   a count and a const scalar-argument struct; no ctx, no allocation, no errors. Each loop has a
   scalar reference (optim_loops.c) and a wasm SIMD twin (optim_wasmsimd.c) with the same
   signature and the same float operations in the same order, so the two agree bit for bit
   (wasm has no FMA; sqrt and div are correctly rounded in both). The scalars are what the
   reference rounds to float32 (torch turns Python floats into float operands). */
#ifndef WT_OPTIM_LOOPS_H
#define WT_OPTIM_LOOPS_H

#include <stddef.h>

/* torch.optim.SGD, per element: g = grad + wd*p; if momentum: buf = first ? g : momentum*buf +
   damp1*g, g = nesterov ? g + momentum*buf : buf; p -= lr*g. */
typedef struct wt__sgd_args {
  float lr, momentum, damp1, wd; /* damp1 = 1 - dampening */
  int use_momentum, nesterov, first;
} wt__sgd_args;

/* torch.optim.Adam / AdamW, per element: p *= decay_mul (AdamW; 1 skips it); g = grad + wd*p
   (Adam's L2; 0 skips it); m = m*beta1 + omb1*g; v = v*beta2 + (omb2*g)*g; amsgrad: vmax =
   max(vmax, v) (NaN propagates), used for v; p = p + (neg_step_size*m) / (sqrt(v)/bc2_sqrt + eps). */
typedef struct wt__adam_args {
  float decay_mul, wd, beta1, omb1, beta2, omb2, bc2_sqrt, eps, neg_step_size;
  int amsgrad;
} wt__adam_args;

/* AdaBound / AMSBound (Luolc/AdaBound), per element: g = grad + wd*p; m, v, vmax as Adam;
   e = step_size / (sqrt(v) + eps) clamped to [lower, upper] as std::min(std::max(e, lower),
   upper) (NaN propagates); p = p - e*m. */
typedef struct wt__adabound_args {
  float wd, beta1, omb1, beta2, omb2, eps, step_size, lower, upper;
  int amsgrad;
} wt__adabound_args;

void wt__sgd_update_scalar(size_t n, float *p, const float *g, float *buf, const wt__sgd_args *a);
void wt__adam_update_scalar(size_t n, float *p, const float *g, float *m, float *v, float *vmax,
                            const wt__adam_args *a);
void wt__adabound_update_scalar(size_t n, float *p, const float *g, float *m, float *v,
                                float *vmax, const wt__adabound_args *a);

#if WT_HAVE_WASMSIMD
void wt__sgd_update_wasmsimd(size_t n, float *p, const float *g, float *buf,
                             const wt__sgd_args *a);
void wt__adam_update_wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                              float *vmax, const wt__adam_args *a);
void wt__adabound_update_wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                                  float *vmax, const wt__adabound_args *a);
#endif

/* One isa's loops; wt__optim_loops_get picks SIMD when built with it and not force_scalar. */
typedef struct wt__optim_loops {
  void (*sgd)(size_t, float *, const float *, float *, const wt__sgd_args *);
  void (*adam)(size_t, float *, const float *, float *, float *, float *, const wt__adam_args *);
  void (*adabound)(size_t, float *, const float *, float *, float *, float *,
                   const wt__adabound_args *);
  const char *isa;
} wt__optim_loops;
wt__optim_loops wt__optim_loops_get(int force_scalar);

#endif /* WT_OPTIM_LOOPS_H */
