/* flatten.c - (N,C,H,W) -> (N,C*H*W). Contiguous NCHW memory is already flat, so forward is a
   copy (nothing when y == x) and backward accumulates dy into dx. */
#include <string.h>

#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_flatten *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  return wt__check_batch_elems(ctx, func, "x", N, l->elems);
}

/* x: (N,elems) -> y: (N,elems); no parameters, cache or workspace. */
wt_status wt_flatten_sizes(wt_ctx *ctx, wt_flatten *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  out->param_floats = 0;
  out->cache_bytes = 0;
  out->workspace_bytes = 0;
  out->out_elems = l->elems;
  return WT_OK;
}

/* x: (N,C,H,W) contiguous -> y: (N,C*H*W), the same bytes; y == x is a no-op. */
wt_status wt_flatten_forward(wt_ctx *ctx, const wt_flatten *l, int64_t N, const float *x, float *y,
                             void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  if (y != x) memmove(y, x, (size_t)(N * l->elems) * sizeof(float));
  return WT_OK;
}

/* dy: (N,C*H*W), dx: (N,C,H,W) += dy; dx NULL: nothing to do (a first layer). x is unused
   (may be NULL); dx == dy would double dx and is rejected. */
wt_status wt_flatten_backward(wt_ctx *ctx, const wt_flatten *l, int64_t N, const float *x,
                              const float *dy, float *dx, const void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if (!dx) return WT_OK; /* a first layer: no gradient wanted */
  if ((const float *)dx == dy)
    return WT_FAIL(ctx, WT_ERR_ARG, "dx aliases dy (backward accumulates: dx += dy)");
  const size_t n = (size_t)(N * l->elems);
  for (size_t i = 0; i < n; i++) dx[i] += dy[i];
  return WT_OK;
}
