/* maxpool2d.c - torch.nn.MaxPool2d(kernel, stride, padding): -inf padding, floor mode, no
   dilation. Forward saves the argmax of each output (int32, index h*W + w into its input plane)
   and backward scatters dy there. Ties and NaN follow PyTorch's CPU kernel exactly: a value
   replaces the running max if it is greater or NaN, scanning the window row by row, so the
   first of equal maxima wins and the last NaN wins (the output is then NaN). */
#include <math.h>

#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_maxpool2d *l, int64_t N,
                             int64_t *OH, int64_t *OW) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "C", l->C));
  /* As torch: "pad should be at most half of kernel size", so no window is all padding. */
  const wt__window win = {l->H, l->W, l->KH, l->KW, l->stride_h, l->stride_w, l->pad_h, l->pad_w};
  WT_TRY(wt__window_out(ctx, func, &win, true, OH, OW));
  if (l->H * l->W > INT32_MAX)
    return wt__fail(ctx, WT_ERR_SHAPE, func, "H*W = %lld does not fit the int32 argmax",
                    (long long)(l->H * l->W));
  const int64_t in[4] = {N, l->C, l->H, l->W}, out[4] = {N, l->C, *OH, *OW};
  WT_TRY(wt__check_elems(ctx, func, "x (N,C,H,W)", in, 4, NULL));
  WT_TRY(wt__check_elems(ctx, func, "y (N,C,OH,OW)", out, 4, NULL));
  return WT_OK;
}

static wt_status check_call(wt_ctx *ctx, const char *func, const wt_maxpool2d *l, int64_t N) {
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, func, l, N, &OH, &OW));
  if (OH != l->OH || OW != l->OW)
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "l->OH, l->OW = %lld, %lld but the shape gives %lld, %lld: call wt_maxpool2d_sizes first",
                    (long long)l->OH, (long long)l->OW, (long long)OH, (long long)OW);
  return WT_OK;
}

/* x: (N,C,H,W) -> y: (N,C,OH,OW), OH = floor((H + 2*pad_h - KH) / stride_h) + 1 (OW likewise),
   filled into l->OH, l->OW. cache_bytes: one int32 per output. No parameters or workspace. */
wt_status wt_maxpool2d_sizes(wt_ctx *ctx, wt_maxpool2d *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, __func__, l, N, &OH, &OW));
  size_t cache;
  if (!wt__mul_ok((size_t)(N * l->C * OH * OW), sizeof(int32_t), &cache))
    return WT_FAIL(ctx, WT_ERR_SHAPE, "cache size overflows size_t");
  l->OH = OH;
  l->OW = OW;
  out->param_floats = 0;
  out->cache_bytes = cache;
  out->workspace_bytes = 0;
  out->out_elems = l->C * OH * OW;
  return WT_OK;
}

/* x: (N,C,H,W) -> y: (N,C,OH,OW), y = max over the window (padding counts as -inf).
   cache: (N,C,OH,OW) int32, the argmax's index ih*W + iw within its (H,W) plane.
   workspace: unused (may be NULL). */
wt_status wt_maxpool2d_forward(wt_ctx *ctx, const wt_maxpool2d *l, int64_t N, const float *x,
                               float *y, void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_call(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  if (!cache) return WT_FAIL(ctx, WT_ERR_ARG, "cache is NULL");
  int32_t *arg = cache;
  const int64_t H = l->H, W = l->W, OH = l->OH, OW = l->OW;
  /* The common 2x2 / stride 2 / no padding pool: the f32_maxpool2x2 kernel (same scan order,
     ties and NaN rule, same argmax), SIMD when the table has it. */
  if (l->KH == 2 && l->KW == 2 && l->stride_h == 2 && l->stride_w == 2 && l->pad_h == 0 &&
      l->pad_w == 0) {
    ctx->k.f32_maxpool2x2((size_t)(N * l->C), (size_t)H, (size_t)W, x, y, arg);
    return WT_OK;
  }
  for (int64_t plane = 0; plane < N * l->C; plane++) {
    const float *xp = x + plane * H * W;
    float *yp = y + plane * OH * OW;
    int32_t *ap = arg + plane * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      int64_t h0 = oh * l->stride_h - l->pad_h, h1 = h0 + l->KH;
      if (h0 < 0) h0 = 0;
      if (h1 > H) h1 = H;
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t w0 = ow * l->stride_w - l->pad_w, w1 = w0 + l->KW;
        if (w0 < 0) w0 = 0;
        if (w1 > W) w1 = W;
        float best = -INFINITY;
        int64_t bi = h0 * W + w0;
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) {
            const float v = xp[ih * W + iw];
            if (v > best || v != v) {
              best = v;
              bi = ih * W + iw;
            }
          }
        yp[oh * OW + ow] = best;
        ap[oh * OW + ow] = (int32_t)bi;
      }
    }
  }
  return WT_OK;
}

/* dy: (N,C,OH,OW), cache: the forward's argmax, dx: (N,C,H,W) += dy scattered to the argmax
   (overlapping windows add up); dx NULL: nothing to do (a first layer). x is unused (may be
   NULL). workspace: unused. */
wt_status wt_maxpool2d_backward(wt_ctx *ctx, const wt_maxpool2d *l, int64_t N, const float *x,
                                const float *dy, float *dx, const void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_call(ctx, __func__, l, N));
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if (!dx) return WT_OK; /* a first layer: no gradient wanted */
  if (!cache) return WT_FAIL(ctx, WT_ERR_ARG, "cache is NULL");
  const int32_t *arg = cache;
  const int64_t HW = l->H * l->W, P = l->OH * l->OW, planes = N * l->C;
  /* A corrupt cache must not write out of bounds: check every index before touching dx. */
  for (int64_t j = 0; j < planes * P; j++)
    if (arg[j] < 0 || arg[j] >= HW)
      return WT_FAIL(ctx, WT_ERR_ARG, "cache[%lld] = %ld is outside [0, H*W = %lld)",
                     (long long)j, (long)arg[j], (long long)HW);
  for (int64_t plane = 0; plane < planes; plane++) {
    float *dxp = dx + plane * HW;
    const float *dyp = dy + plane * P;
    const int32_t *ap = arg + plane * P;
    for (int64_t p = 0; p < P; p++) dxp[ap[p]] += dyp[p];
  }
  return WT_OK;
}
