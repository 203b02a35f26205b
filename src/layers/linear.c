/* linear.c - fully connected layer as torch.nn.Linear(IN, OUT): y = x W^T + b, three GEMMs
   through ctx->k. No cache; the workspace is the GEMM packing scratch. */
#include <math.h>

#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_linear *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "IN", l->IN));
  WT_TRY(wt__check_dim(ctx, func, "OUT", l->OUT));
  const int64_t xd[2] = {N, l->IN}, yd[2] = {N, l->OUT}, wd[2] = {l->OUT, l->IN};
  WT_TRY(wt__check_elems(ctx, func, "x (N,IN)", xd, 2, NULL));
  WT_TRY(wt__check_elems(ctx, func, "y (N,OUT)", yd, 2, NULL));
  WT_TRY(wt__check_elems(ctx, func, "weight (OUT,IN)", wd, 2, NULL));
  return WT_OK;
}

/* GEMM scratch floats: the max over y = x W^T, dW += dy^T x and dx += dy W. */
static size_t gemm_floats(const wt_ctx *ctx, const wt_linear *l, int64_t N) {
  const size_t n = (size_t)N, in = (size_t)l->IN, out = (size_t)l->OUT;
  size_t g = wt__gemm_workspace_floats(&ctx->k, false, true, n, out, in);
  size_t g2 = wt__gemm_workspace_floats(&ctx->k, true, false, out, in, n);
  size_t g3 = wt__gemm_workspace_floats(&ctx->k, false, false, n, in, out);
  if (g2 > g) g = g2;
  if (g3 > g) g = g3;
  return g;
}

/* x: (N,IN) -> y: (N,OUT). param_floats = OUT*IN + OUT (weight, then bias; no bias floats with
   no_bias). cache_bytes = 0. workspace_bytes: the GEMM packing scratch. */
wt_status wt_linear_sizes(wt_ctx *ctx, wt_linear *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  size_t ws;
  if (!wt__mul_ok(gemm_floats(ctx, l, N), sizeof(float), &ws))
    return WT_FAIL(ctx, WT_ERR_SHAPE, "workspace size overflows size_t");
  out->param_floats = (size_t)(l->OUT * l->IN + (l->no_bias ? 0 : l->OUT));
  out->cache_bytes = 0;
  out->workspace_bytes = ws;
  out->out_elems = l->OUT;
  return WT_OK;
}

/* x: (N,IN), weight: (OUT,IN), bias: (OUT) or NULL -> y: (N,OUT) = x W^T + b.
   cache: unused. workspace: wt_linear_sizes().workspace_bytes, 16-byte aligned. */
wt_status wt_linear_forward(wt_ctx *ctx, const wt_linear *l, int64_t N, const float *x, float *y,
                            void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  if (!l->weight) return WT_FAIL(ctx, WT_ERR_ARG, "l->weight is NULL");
  if (!workspace) return WT_FAIL(ctx, WT_ERR_ARG, "workspace is NULL");
  const size_t n = (size_t)N, in = (size_t)l->IN, out = (size_t)l->OUT;
  wt__gemm(&ctx->k, false, true, n, out, in, x, in, l->weight, in, false, y, out, workspace);
  if (l->bias)
    for (size_t i = 0; i < n; i++)
      for (size_t o = 0; o < out; o++) y[i * out + o] += l->bias[o];
  return WT_OK;
}

/* x: (N,IN), dy: (N,OUT), dx: (N,IN) or NULL. Accumulates dweight: (OUT,IN) += dy^T x,
   dbias: (OUT) += column sums of dy, dx += dy W. NULL dweight/dbias/dx: not computed.
   cache: unused. workspace as for forward. */
wt_status wt_linear_backward(wt_ctx *ctx, const wt_linear *l, int64_t N, const float *x,
                             const float *dy, float *dx, const void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if (!l->weight) return WT_FAIL(ctx, WT_ERR_ARG, "l->weight is NULL");
  if (!workspace) return WT_FAIL(ctx, WT_ERR_ARG, "workspace is NULL");
  const size_t n = (size_t)N, in = (size_t)l->IN, out = (size_t)l->OUT;
  if (l->dweight)
    wt__gemm(&ctx->k, true, false, out, in, n, dy, out, x, in, true, l->dweight, in, workspace);
  if (l->dbias)
    for (size_t o = 0; o < out; o++) {
      float s = 0.0f;
      for (size_t i = 0; i < n; i++) s += dy[i * out + o];
      l->dbias[o] += s;
    }
  if (dx) wt__gemm(&ctx->k, false, false, n, in, out, dy, out, l->weight, in, true, dx, in, workspace);
  return WT_OK;
}

/* weight: (OUT,IN) ~ U(-1/sqrt(IN), 1/sqrt(IN)) (torch's kaiming_uniform_(a = sqrt(5))), then
   bias: (OUT) from the same bound if not NULL; drawn from wt_ctx_rng(ctx) in memory order. */
wt_status wt_linear_init_params(wt_ctx *ctx, const wt_linear *l) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, 1));
  if (!l->weight) return WT_FAIL(ctx, WT_ERR_ARG, "l->weight is NULL");
  const double bound = 1.0 / sqrt((double)l->IN);
  wt_rng *rng = wt_ctx_rng(ctx);
  const size_t nw = (size_t)(l->OUT * l->IN);
  for (size_t i = 0; i < nw; i++)
    l->weight[i] = (float)((2.0 * wt_rng_uniform(rng) - 1.0) * bound);
  if (l->bias)
    for (int64_t o = 0; o < l->OUT; o++)
      l->bias[o] = (float)((2.0 * wt_rng_uniform(rng) - 1.0) * bound);
  return WT_OK;
}
