/* relu.c - y = max(x, 0) elementwise, as torch.relu: NaN propagates forward, and backward masks
   on the output like torch's threshold_backward (dx += y <= 0 ? 0 : dy). No cache, no workspace.
   The loops are the f32_relu / f32_relu_grad kernels of ctx->k (SIMD with scalar twins). */
#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_relu *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  return wt__check_batch_elems(ctx, func, "x", N, l->elems);
}

/* x: (N,elems) -> y: (N,elems); no parameters, cache or workspace. */
wt_status wt_relu_sizes(wt_ctx *ctx, wt_relu *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  out->param_floats = 0;
  out->cache_bytes = 0;
  out->workspace_bytes = 0;
  out->out_elems = l->elems;
  return WT_OK;
}

/* x: (N,elems) -> y: (N,elems) = max(x, 0), NaN kept. y == x (in place) is allowed.
   cache, workspace: unused (may be NULL). */
wt_status wt_relu_forward(wt_ctx *ctx, const wt_relu *l, int64_t N, const float *x, float *y,
                          void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  ctx->k.f32_relu((size_t)(N * l->elems), x, y);
  return WT_OK;
}

/* y: (N,elems) the forward output, dy: (N,elems), dx: (N,elems) += (y <= 0 ? 0 : dy),
   or NULL (a first layer: nothing to do).
   A select, not dy * mask, so an infinite dy at a dead unit gives 0 (as torch); a NaN y passes
   dy through (NaN <= 0 is false, as torch). dx must not alias dy. cache, workspace: unused. */
wt_status wt_relu_backward(wt_ctx *ctx, const wt_relu *l, int64_t N, const float *y,
                           const float *dy, float *dx, const void *cache, void *workspace) {
  return wt__relu_backward_into(ctx, l, N, y, dy, dx, false);
}

/* As wt_relu_backward; assign: dx = (y <= 0 ? +0 : dy) (internal.h). */
wt_status wt__relu_backward_into(wt_ctx *ctx, const wt_relu *l, int64_t N, const float *y,
                                 const float *dy, float *dx, bool assign) {
  if (!ctx) return WT_ERR_ARG;
  const char *func = "wt_relu_backward"; /* the name in messages: the public one */
  WT_TRY(check_hyper(ctx, func, l, N));
  if (!y) return wt__fail(ctx, WT_ERR_ARG, func, "y is NULL");
  if (!dy) return wt__fail(ctx, WT_ERR_ARG, func, "dy is NULL");
  if (!dx) return WT_OK; /* a first layer: no gradient wanted */
  if ((const float *)dx == dy)
    return wt__fail(ctx, WT_ERR_ARG, func, "dx aliases dy (backward accumulates: dx += dy)");
  ctx->k.f32_relu_grad((size_t)(N * l->elems), y, dy, dx, !assign);
  return WT_OK;
}
