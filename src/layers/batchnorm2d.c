/* batchnorm2d.c - torch.nn.BatchNorm2d(C, eps, momentum, affine=True, track_running_stats=True)
   (Ioffe & Szegedy 2015). Training: per-channel batch mean and biased variance over (N,H,W)
   normalise; running_mean/running_var move by momentum towards the batch mean and the UNBIASED
   variance (n/(n-1)), and *num_batches_tracked counts the batches, as PyTorch. Eval: the running
   statistics normalise, nothing is updated. Sums run in double, the elementwise passes (the
   affine map, the input gradient) in float, as ATen's. The cache keeps the mean and
   1/sqrt(var + eps) that forward used and the mode, so backward matches the forward it follows.
   Each pass over a channel (N rows of H*W floats at stride C*H*W) is a ctx->k kernel
   (f32_bn_*, contracts in kernels.h): wasm SIMD, or the scalar twins.
   What it is not: BatchNorm1d, momentum=None (cumulative average), or sync across devices. */
#include <math.h>
#include <string.h>

#include "../core/internal.h"

/* Cache layout: mean (C floats), invstd (C floats), then the mode as one float (1 = training). */
static size_t cache_floats(const wt_batchnorm2d *l) { return (size_t)(2 * l->C + 4); }

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_batchnorm2d *l, int64_t N) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "C", l->C));
  WT_TRY(wt__check_dim(ctx, func, "H", l->H));
  WT_TRY(wt__check_dim(ctx, func, "W", l->W));
  if (!(l->eps > 0.0 && isfinite(l->eps)))
    return wt__fail(ctx, WT_ERR_ARG, func, "eps must be finite and > 0, got %g", l->eps);
  if (!(l->momentum >= 0.0 && l->momentum <= 1.0))
    return wt__fail(ctx, WT_ERR_ARG, func, "momentum must be in [0, 1], got %g", l->momentum);
  const int64_t d[4] = {N, l->C, l->H, l->W};
  return wt__check_elems(ctx, func, "x (N,C,H,W)", d, 4, NULL);
}

/* x: (N,C,H,W) -> y: (N,C,H,W). param_floats = 2*C (weight, then bias); running statistics are
   buffers outside the parameter block. cache_bytes: (2*C + 4) floats. No workspace. */
wt_status wt_batchnorm2d_sizes(wt_ctx *ctx, wt_batchnorm2d *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  WT_TRY(check_hyper(ctx, __func__, l, N));
  out->param_floats = (size_t)(2 * l->C);
  out->cache_bytes = cache_floats(l) * sizeof(float);
  out->workspace_bytes = 0;
  out->out_elems = l->C * l->H * l->W;
  return WT_OK;
}

/* x: (N,C,H,W) -> y: (N,C,H,W), y = (x - mu_c) / sqrt(var_c + eps) * weight_c + bias_c.
   weight, bias: (C); running_mean, running_var: (C), num_batches_tracked: 1 int64 (may be NULL).
   Training (l->training): mu, var from the batch (n = N*H*W > 1 values per channel, biased
   var); running = (1 - momentum) * running + momentum * (mu, var * n / (n - 1)).
   Eval: mu, var = running_mean, running_var. cache: (2*C + 4) floats. y == x is allowed. */
wt_status wt_batchnorm2d_forward(wt_ctx *ctx, const wt_batchnorm2d *l, int64_t N, const float *x,
                                 float *y, void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_hyper(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  if (!cache) return WT_FAIL(ctx, WT_ERR_ARG, "cache is NULL");
  if (!l->weight || !l->bias) return WT_FAIL(ctx, WT_ERR_ARG, "l->weight or l->bias is NULL");
  if (!l->running_mean || !l->running_var)
    return WT_FAIL(ctx, WT_ERR_ARG, "l->running_mean or l->running_var is NULL");
  const int64_t C = l->C, HW = l->H * l->W, n = N * HW;
  if (l->training && n < 2)
    return WT_FAIL(ctx, WT_ERR_SHAPE,
                   "training needs more than 1 value per channel (N*H*W = %lld), as torch",
                   (long long)n);
  const wt_kernels *k = &ctx->k;
  const size_t rows = (size_t)N, cols = (size_t)HW, ld = (size_t)(C * HW);
  float *mean = cache, *invstd = (float *)cache + C;
  for (int64_t c = 0; c < C; c++) {
    const float *xc = x + c * HW;
    double mu, var;
    if (l->training) {
      double s, ss;
      k->f32_bn_sum(rows, cols, xc, ld, &s);
      mu = s / (double)n;
      k->f32_bn_sumsq(rows, cols, xc, ld, mu, &ss); /* two passes: no cancellation */
      var = ss / (double)n;
      const double mom = l->momentum;
      l->running_mean[c] = (float)((1.0 - mom) * (double)l->running_mean[c] + mom * mu);
      l->running_var[c] =
          (float)((1.0 - mom) * (double)l->running_var[c] + mom * var * (double)n / (double)(n - 1));
    } else {
      mu = (double)l->running_mean[c];
      var = (double)l->running_var[c];
    }
    const float is = (float)(1.0 / sqrt(var + l->eps));
    mean[c] = (float)mu, invstd[c] = is;
    const float a = l->weight[c] * is, b = l->bias[c] - (float)mu * a;
    k->f32_bn_affine(rows, cols, xc, ld, a, b, y + c * HW); /* ATen's alpha, beta form */
  }
  ((float *)cache)[2 * C] = l->training ? 1.0f : 0.0f;
  if (l->training && l->num_batches_tracked) (*l->num_batches_tracked)++;
  return WT_OK;
}

/* x: (N,C,H,W) the forward input, dy: (N,C,H,W), cache: the forward's. With xhat = (x - mu) *
   invstd: dweight_c += sum dy*xhat, dbias_c += sum dy (either may be NULL), and
   training: dx += weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) (means over N,H,W);
   eval: dx += weight * invstd * dy. dx NULL: no input gradient. workspace: unused. */
wt_status wt_batchnorm2d_backward(wt_ctx *ctx, const wt_batchnorm2d *l, int64_t N, const float *x,
                                  const float *dy, float *dx, const void *cache, void *workspace) {
  return wt__batchnorm2d_backward_into(ctx, l, N, x, dy, dx, cache, workspace, false);
}

/* As wt_batchnorm2d_backward; assign: dx = the gradient instead of dx += (internal.h). */
wt_status wt__batchnorm2d_backward_into(wt_ctx *ctx, const wt_batchnorm2d *l, int64_t N,
                                        const float *x, const float *dy, float *dx,
                                        const void *cache, void *workspace, bool assign) {
  if (!ctx) return WT_ERR_ARG;
  const char *func = "wt_batchnorm2d_backward"; /* the name in messages: the public one */
  WT_TRY(check_hyper(ctx, func, l, N));
  if (!x) return wt__fail(ctx, WT_ERR_ARG, func, "x is NULL");
  if (!dy) return wt__fail(ctx, WT_ERR_ARG, func, "dy is NULL");
  if (!cache) return wt__fail(ctx, WT_ERR_ARG, func, "cache is NULL");
  if (!l->weight) return wt__fail(ctx, WT_ERR_ARG, func, "l->weight is NULL");
  if (dx && (const float *)dx == dy)
    return wt__fail(ctx, WT_ERR_ARG, func, "dx aliases dy (backward accumulates: dx += dy)");
  const int64_t C = l->C, HW = l->H * l->W, n = N * HW;
  const float *mean = cache, *invstd = (const float *)cache + C;
  const bool training = ((const float *)cache)[2 * C] != 0.0f;
  const wt_kernels *k = &ctx->k;
  const size_t rows = (size_t)N, cols = (size_t)HW, ld = (size_t)(C * HW);
  for (int64_t c = 0; c < C; c++) {
    const double mu = (double)mean[c], is = (double)invstd[c];
    double sdy, sdyx; /* sum dy, sum dy * (x - mu) */
    k->f32_bn_dot(rows, cols, x + c * HW, dy + c * HW, ld, mu, &sdy, &sdyx);
    if (l->dweight) l->dweight[c] += (float)(sdyx * is);
    if (l->dbias) l->dbias[c] += (float)sdy;
    if (!dx) continue;
    /* The elementwise part in float, as ATen's (its sums stay double above). */
    const wt_f32_bn_dx_params p = {.mu = mean[c],
                                   .gm = training ? (float)(sdy / (double)n) : 0.0f,
                                   .k = training ? (float)(sdyx * is * is / (double)n) : 0.0f,
                                   .is = invstd[c],
                                   .w = l->weight[c],
                                   .accumulate = !assign};
    k->f32_bn_dx(rows, cols, x + c * HW, dy + c * HW, ld, &p, dx + c * HW);
  }
  return WT_OK;
}

/* PyTorch's reset_parameters: weight 1, bias 0; running_mean 0, running_var 1, count 0. */
wt_status wt_batchnorm2d_init_params(wt_ctx *ctx, const wt_batchnorm2d *l) {
  if (!ctx) return WT_ERR_ARG;
  if (!l) return WT_FAIL(ctx, WT_ERR_ARG, "l is NULL");
  for (int64_t c = 0; c < l->C; c++) {
    if (l->weight) l->weight[c] = 1.0f;
    if (l->bias) l->bias[c] = 0.0f;
    if (l->running_mean) l->running_mean[c] = 0.0f;
    if (l->running_var) l->running_var[c] = 1.0f;
  }
  if (l->num_batches_tracked) *l->num_batches_tracked = 0;
  return WT_OK;
}
