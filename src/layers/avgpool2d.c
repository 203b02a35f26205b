/* avgpool2d.c - torch.nn.AvgPool2d(kernel, stride, padding) with zero padding counted in the
   divisor (count_include_pad=True, torch's default), floor mode. The global average pool of a
   ResNet head (nn.AdaptiveAvgPool2d(1)) is this layer with the kernel equal to the plane.
   No cache: backward spreads dy / (KH*KW) over each window. Not here: ceil mode, divisor_override. */
#include "../core/internal.h"

static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_avgpool2d *l, int64_t N,
                             int64_t *OH, int64_t *OW) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "C", l->C));
  /* As torch: "pad should be at most half of kernel size", so no window is all padding. */
  const wt__window win = {l->H, l->W, l->KH, l->KW, l->stride_h, l->stride_w, l->pad_h, l->pad_w};
  WT_TRY(wt__window_out(ctx, func, &win, true, OH, OW));
  const int64_t in[4] = {N, l->C, l->H, l->W}, out[4] = {N, l->C, *OH, *OW};
  WT_TRY(wt__check_elems(ctx, func, "x (N,C,H,W)", in, 4, NULL));
  WT_TRY(wt__check_elems(ctx, func, "y (N,C,OH,OW)", out, 4, NULL));
  return WT_OK;
}

static wt_status check_call(wt_ctx *ctx, const char *func, const wt_avgpool2d *l, int64_t N) {
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, func, l, N, &OH, &OW));
  if (OH != l->OH || OW != l->OW)
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "l->OH, l->OW = %lld, %lld but the shape gives %lld, %lld: call wt_avgpool2d_sizes first",
                    (long long)l->OH, (long long)l->OW, (long long)OH, (long long)OW);
  return WT_OK;
}

/* x: (N,C,H,W) -> y: (N,C,OH,OW), OH = floor((H + 2*pad_h - KH) / stride_h) + 1 (OW likewise),
   filled into l->OH, l->OW. No parameters, cache or workspace. */
wt_status wt_avgpool2d_sizes(wt_ctx *ctx, wt_avgpool2d *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, __func__, l, N, &OH, &OW));
  l->OH = OH;
  l->OW = OW;
  out->param_floats = 0;
  out->cache_bytes = 0;
  out->workspace_bytes = 0;
  out->out_elems = l->C * OH * OW;
  return WT_OK;
}

/* x: (N,C,H,W) -> y: (N,C,OH,OW), y = sum over the window's in-image elements / (KH*KW),
   summed in double. cache, workspace: unused (may be NULL). */
wt_status wt_avgpool2d_forward(wt_ctx *ctx, const wt_avgpool2d *l, int64_t N, const float *x,
                               float *y, void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_call(ctx, __func__, l, N));
  if (!x) return WT_FAIL(ctx, WT_ERR_ARG, "x is NULL");
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  const int64_t H = l->H, W = l->W, OH = l->OH, OW = l->OW;
  const double inv = 1.0 / (double)(l->KH * l->KW);
  for (int64_t plane = 0; plane < N * l->C; plane++) {
    const float *xp = x + plane * H * W;
    float *yp = y + plane * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      int64_t h0 = oh * l->stride_h - l->pad_h, h1 = h0 + l->KH;
      if (h0 < 0) h0 = 0;
      if (h1 > H) h1 = H;
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t w0 = ow * l->stride_w - l->pad_w, w1 = w0 + l->KW;
        if (w0 < 0) w0 = 0;
        if (w1 > W) w1 = W;
        double s = 0.0;
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) s += (double)xp[ih * W + iw];
        yp[oh * OW + ow] = (float)(s * inv);
      }
    }
  }
  return WT_OK;
}

/* dy: (N,C,OH,OW), dx: (N,C,H,W) += dy / (KH*KW) over each window's in-image elements
   (overlapping windows add up); dx NULL: nothing to do. x, cache, workspace: unused. */
wt_status wt_avgpool2d_backward(wt_ctx *ctx, const wt_avgpool2d *l, int64_t N, const float *x,
                                const float *dy, float *dx, const void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_call(ctx, __func__, l, N));
  if (!dy) return WT_FAIL(ctx, WT_ERR_ARG, "dy is NULL");
  if (!dx) return WT_OK;
  if ((const float *)dx == dy)
    return WT_FAIL(ctx, WT_ERR_ARG, "dx aliases dy (backward accumulates: dx += dy)");
  const int64_t H = l->H, W = l->W, OH = l->OH, OW = l->OW;
  const float inv = (float)(1.0 / (double)(l->KH * l->KW));
  for (int64_t plane = 0; plane < N * l->C; plane++) {
    float *dxp = dx + plane * H * W;
    const float *dyp = dy + plane * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      int64_t h0 = oh * l->stride_h - l->pad_h, h1 = h0 + l->KH;
      if (h0 < 0) h0 = 0;
      if (h1 > H) h1 = H;
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t w0 = ow * l->stride_w - l->pad_w, w1 = w0 + l->KW;
        if (w0 < 0) w0 = 0;
        if (w1 > W) w1 = W;
        const float g = dyp[oh * OW + ow] * inv;
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) dxp[ih * W + iw] += g;
      }
    }
  }
  return WT_OK;
}
