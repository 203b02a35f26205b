/* f32_optim_scalar.c - the scalar references of the optimizer kernels of f32_vector.inc (sgd,
   adam, adabound; contracts in kernels.h): the float operations in the order the PyTorch /
   AdaBound references apply them. Their wasm SIMD twins (f32_optim_wasmsimd.c) give the same
   bits. */
#include <math.h>

#include "kernels.h"

void wt_f32_sgd_ukernel__scalar(size_t n, float *p, const float *g, float *buf, const wt_f32_sgd_params *a) {
  const float lr = a->lr, mom = a->momentum, damp1 = a->damp1, wd = a->wd;
  for (size_t i = 0; i < n; i++) {
    float d = g[i];
    if (wd != 0.0f) d = d + wd * p[i];
    if (a->use_momentum) {
      const float b = a->first ? d : mom * buf[i] + damp1 * d;
      buf[i] = b;
      d = a->nesterov ? d + mom * b : b;
    }
    p[i] = p[i] - lr * d;
  }
}

/* max(a, b) with a NaN in b propagating (torch.maximum); a is never NaN unless b was before. */
static inline float max_nan(float a, float b) { return (b > a || b != b) ? b : a; }

void wt_f32_adam_ukernel__scalar(size_t n, float *p, const float *g, float *m, float *v, float *vmax,
                            const wt_f32_adam_params *a) {
  for (size_t i = 0; i < n; i++) {
    float pi = p[i];
    if (a->decay_mul != 1.0f) pi = pi * a->decay_mul;
    float gi = g[i];
    if (a->wd != 0.0f) gi = gi + a->wd * pi;
    const float mi = m[i] * a->beta1 + a->omb1 * gi;
    float vi = v[i] * a->beta2 + a->omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (a->amsgrad) vi = vmax[i] = max_nan(vmax[i], vi);
    const float denom = sqrtf(vi) / a->bc2_sqrt + a->eps;
    p[i] = pi + a->neg_step_size * mi / denom;
  }
}

void wt_f32_adabound_ukernel__scalar(size_t n, float *p, const float *g, float *m, float *v,
                                float *vmax, const wt_f32_adabound_params *a) {
  for (size_t i = 0; i < n; i++) {
    const float pi = p[i];
    float gi = g[i];
    if (a->wd != 0.0f) gi = gi + a->wd * pi;
    const float mi = m[i] * a->beta1 + a->omb1 * gi;
    float vi = v[i] * a->beta2 + a->omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (a->amsgrad) vi = vmax[i] = max_nan(vmax[i], vi);
    float e = a->step_size / (sqrtf(vi) + a->eps);
    e = e < a->lower ? a->lower : e; /* std::max(e, lower) */
    e = a->upper < e ? a->upper : e; /* std::min(e, upper) */
    p[i] = pi - e * mi;
  }
}
