/* add.c - the residual sum of two equally shaped tensors, y = a + b (the "out += identity" of a
   ResNet block) through ctx->k.f32_add. Backward hands dy to both inputs. No parameters, cache
   or workspace. */
#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_add *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  return wt__check_batch_elems(ctx, func, "a", N, l->elems);
}

/* a, b: (N,elems) -> y: (N,elems). */
wt_status wt_add_sizes(wt_ctx *ctx, wt_add *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  out->param_floats = 0;
  out->cache_bytes = 0;
  out->workspace_bytes = 0;
  out->out_elems = l->elems;
  return WT_OK;
}

/* a, b: (N,elems) -> y: (N,elems) = a + b (y may be a or b). */
wt_status wt_add_forward(wt_ctx *ctx, const wt_add *l, int64_t N, const float *a, const float *b,
                         float *y) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!a || !b) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", !a ? "a" : "b");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  ctx->k.f32_add((size_t)(N * l->elems), a, b, y);
  return WT_OK;
}

/* dy: (N,elems); da += dy and db += dy (either NULL: not wanted). da == db (the same tensor
   added to itself) receives 2 dy; neither may alias dy. */
wt_status wt_add_backward(wt_ctx *ctx, const wt_add *l, int64_t N, const float *dy, float *da,
                          float *db) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if ((const float *)da == dy || (const float *)db == dy)
    return WT_FAIL(ctx, WT_ERR_ARG, "%s aliases dy (backward accumulates)",
                   (const float *)da == dy ? "da" : "db");
  const size_t n = (size_t)(N * l->elems);
  if (da) ctx->k.f32_add(n, da, dy, da);
  if (db) ctx->k.f32_add(n, db, dy, db);
  return WT_OK;
}
