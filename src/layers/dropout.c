/* dropout.c - torch.nn.Dropout(p) (Srivastava et al. 2014), inverted: in training each element
   is kept with probability 1 - p and scaled by 1 / (1 - p); in eval it is the identity. The
   mask comes from the context's RNG (one uniform draw per element: same seed, same mask), not
   torch's generator, so masks are not PyTorch's. The cache holds the per-element scale (0 or
   1 / (1 - p)) that backward multiplies by. Not here: Dropout2d (whole channels). */
#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_dropout *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  WT_TRY(wt__check_batch_elems(ctx, func, "x", N, l->elems));
  if (!(l->p >= 0.0 && l->p < 1.0))
    return wt__fail(ctx, WT_ERR_ARG, func, "p must be in [0, 1), got %g", l->p);
  return WT_OK;
}

/* x: (N,elems) -> y: (N,elems). cache_bytes: N*elems floats (the scale of each element). */
wt_status wt_dropout_sizes(wt_ctx *ctx, wt_dropout *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  out->param_floats = 0;
  out->cache_bytes = (size_t)(N * l->elems) * sizeof(float);
  out->workspace_bytes = 0;
  out->out_elems = l->elems;
  return WT_OK;
}

/* x: (N,elems) -> y: (N,elems). training: scale_i = (u_i >= p) / (1 - p) with u_i ~ U[0,1) from
   the context's RNG, y_i = x_i * scale_i; eval (or p = 0): y = x, scale = 1.
   cache: (N,elems) floats, the scales. y == x is allowed. */
wt_status wt_dropout_forward(wt_ctx *ctx, const wt_dropout *l, int64_t N, const float *x, float *y,
                             void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  if (!cache) return WT_FAIL(ctx, WT_ERR_ARG, "cache is NULL");
  float *scale = cache;
  const size_t n = (size_t)(N * l->elems);
  const bool on = l->training && l->p > 0.0;
  const float keep = (float)(1.0 / (1.0 - l->p));
  for (size_t i = 0; i < n; i++) {
    scale[i] = on ? (wt_rng_uniform(&ctx->rng) >= l->p ? keep : 0.0f) : 1.0f;
    y[i] = x[i] * scale[i];
  }
  return WT_OK;
}

/* dy: (N,elems), cache: the forward's scales, dx: (N,elems) += dy * scale; dx NULL: nothing
   to do. x, workspace: unused. */
wt_status wt_dropout_backward(wt_ctx *ctx, const wt_dropout *l, int64_t N, const float *x,
                              const float *dy, float *dx, const void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if (!dx) return WT_OK;
  if (!cache) return WT_FAIL(ctx, WT_ERR_ARG, "cache is NULL");
  if ((const float *)dx == dy)
    return WT_FAIL(ctx, WT_ERR_ARG, "dx aliases dy (backward accumulates: dx += dy)");
  const float *scale = cache;
  const size_t n = (size_t)(N * l->elems);
  for (size_t i = 0; i < n; i++) dx[i] += dy[i] * scale[i];
  return WT_OK;
}
