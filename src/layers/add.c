/* add.c - the residual sum of two equally shaped tensors, y = a + b (the "out += identity" of a
   ResNet block) through ctx->k.f32_add. Backward hands dy to both inputs. No parameters, cache
   or workspace. */
#include <string.h>

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
  return wt__add_backward_into(ctx, l, N, dy, da, db, false, false);
}

/* As wt_add_backward; assign_a: da = dy (a copy), assign_b likewise (internal.h). da is done
   first, so da == db with assign_a alone still receives 2 dy. */
wt_status wt__add_backward_into(wt_ctx *ctx, const wt_add *l, int64_t N, const float *dy,
                                float *da, float *db, bool assign_a, bool assign_b) {
  if (!ctx) return WT_ERR_ARG;
  const char *func = "wt_add_backward"; /* the name in messages: the public one */
  WT_TRY(check_hyper(ctx, func, l, N));
  if (!dy) return wt__fail(ctx, WT_ERR_ARG, func, "dy is NULL");
  if ((const float *)da == dy || (const float *)db == dy)
    return wt__fail(ctx, WT_ERR_ARG, func, "%s aliases dy (backward accumulates)",
                    (const float *)da == dy ? "da" : "db");
  const size_t n = (size_t)(N * l->elems);
  float *const d[2] = {da, db};
  const bool assign[2] = {assign_a, assign_b};
  for (int i = 0; i < 2; i++) {
    if (!d[i]) continue;
    if (assign[i])
      memcpy(d[i], dy, n * sizeof(float));
    else
      ctx->k.f32_add(n, d[i], dy, d[i]);
  }
  return WT_OK;
}
