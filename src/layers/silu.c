/* silu.c - y = x * sigmoid(x) elementwise, as torch.nn.SiLU (Elfwing et al. 2017; "swish" with
   beta 1, Ramachandran et al. 2017), with torch's formulas: forward x / (1 + exp(-x)), backward
   dx += dy * s * (1 + x * (1 - s)) with s = 1 / (1 + exp(-x)), so saturation matches (exp(-x)
   overflows to inf below x = -88: y = -0, dx += 0). Backward reads the input x. No cache, no
   workspace; plain loops (no SIMD kernel: expf has no wasm SIMD instruction). */
#include <math.h>

#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_silu *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  return wt__check_batch_elems(ctx, func, "x", N, l->elems);
}

/* x: (N,elems) -> y: (N,elems); no parameters, cache or workspace. */
wt_status wt_silu_sizes(wt_ctx *ctx, wt_silu *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  out->param_floats = 0;
  out->cache_bytes = 0;
  out->workspace_bytes = 0;
  out->out_elems = l->elems;
  return WT_OK;
}

/* x: (N,elems) -> y: (N,elems) = x / (1 + exp(-x)). y == x (in place) is allowed.
   cache, workspace: unused (may be NULL). */
wt_status wt_silu_forward(wt_ctx *ctx, const wt_silu *l, int64_t N, const float *x, float *y,
                          void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  const size_t n = (size_t)(N * l->elems);
  for (size_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i]));
  return WT_OK;
}

/* x: (N,elems) the forward input, dy: (N,elems), dx: (N,elems) += dy * s * (1 + x * (1 - s)),
   s = sigmoid(x); dx NULL: nothing to do (a first layer). dx must not alias dy.
   cache, workspace: unused. */
wt_status wt_silu_backward(wt_ctx *ctx, const wt_silu *l, int64_t N, const float *x,
                           const float *dy, float *dx, const void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if (!dx) return WT_OK;
  if ((const float *)dx == dy)
    return WT_FAIL(ctx, WT_ERR_ARG, "dx aliases dy (backward accumulates: dx += dy)");
  const size_t n = (size_t)(N * l->elems);
  for (size_t i = 0; i < n; i++) {
    const float s = 1.0f / (1.0f + expf(-x[i]));
    dx[i] += dy[i] * s * (1.0f + x[i] * (1.0f - s));
  }
  return WT_OK;
}
