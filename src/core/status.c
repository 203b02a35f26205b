/* status.c - status names and the per-context error message. */
#include <stdio.h>

#include "internal.h"

const char *wt_status_str(wt_status st) {
  static const char *const names[WT_STATUS_COUNT] = {
      "WT_OK",          "WT_ERR_ARG",    "WT_ERR_SHAPE",     "WT_ERR_OOM",
      "WT_ERR_UNSUPPORTED", "WT_ERR_STATE", "WT_ERR_FORMAT", "WT_ERR_NONFINITE",
  };
  if ((int)st < 0 || st >= WT_STATUS_COUNT) return "WT_ERR_UNKNOWN";
  return names[st];
}

wt_status wt__fail(wt_ctx *ctx, wt_status code, const char *func, const char *fmt, ...) {
  if (!ctx) return code;
  int n = snprintf(ctx->err, sizeof ctx->err, "%s: ", func);
  if (n < 0 || (size_t)n >= sizeof ctx->err) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->err + n, sizeof ctx->err - (size_t)n, fmt, ap);
  va_end(ap);
  return code;
}

const char *wt_ctx_last_error(const wt_ctx *ctx) { return ctx ? ctx->err : "wt_ctx is NULL"; }

wt_status wt__check_dim(wt_ctx *ctx, const char *func, const char *name, int64_t v) {
  if (v < 1 || v > WT_MAX_DIM)
    return wt__fail(ctx, WT_ERR_SHAPE, func, "%s must be in [1, %lld], got %lld", name,
                    (long long)WT_MAX_DIM, (long long)v);
  return WT_OK;
}

wt_status wt__check_elems(wt_ctx *ctx, const char *func, const char *what, const int64_t *dims,
                          int n, int64_t *out) {
  int64_t p = 1;
  for (int i = 0; i < n; i++) {
    if (dims[i] < 1 || dims[i] > WT_MAX_ELEMS || p > WT_MAX_ELEMS / dims[i])
      return wt__fail(ctx, WT_ERR_SHAPE, func, "%s has too many elements (limit %lld)", what,
                      (long long)WT_MAX_ELEMS);
    p *= dims[i];
  }
  if (out) *out = p;
  return WT_OK;
}

bool wt__mul_ok(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

int64_t wt__find_nonfinite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!(x[i] - x[i] == 0.0f)) return (int64_t)i; /* NaN and +-Inf give NaN */
  return -1;
}

wt_status wt__window_out(wt_ctx *ctx, const char *func, const wt__window *w, bool pool_padding,
                         int64_t *OH, int64_t *OW) {
  WT_TRY(wt__check_dim(ctx, func, "H", w->H));
  WT_TRY(wt__check_dim(ctx, func, "W", w->W));
  WT_TRY(wt__check_dim(ctx, func, "KH", w->KH));
  WT_TRY(wt__check_dim(ctx, func, "KW", w->KW));
  const int64_t stride[2] = {w->stride_h, w->stride_w}, pad[2] = {w->pad_h, w->pad_w};
  const int64_t k[2] = {w->KH, w->KW}, extent[2] = {w->H, w->W};
  static const char *const axis[2] = {"h", "w"}, *const kname[2] = {"KH", "KW"};
  static const char *const what[2] = {"height H + 2*pad_h", "width W + 2*pad_w"};
  int64_t o[2];
  for (int i = 0; i < 2; i++) {
    if (stride[i] < 1 || stride[i] > WT_MAX_DIM)
      return wt__fail(ctx, WT_ERR_ARG, func, "stride_%s must be in [1, %lld], got %lld", axis[i],
                      (long long)WT_MAX_DIM, (long long)stride[i]);
    const int64_t max_pad = pool_padding ? k[i] / 2 : WT_MAX_DIM;
    if (pad[i] < 0 || pad[i] > max_pad) {
      if (pool_padding)
        return wt__fail(ctx, WT_ERR_ARG, func, "pad_%s must be in [0, %s/2 = %lld], got %lld",
                        axis[i], kname[i], (long long)max_pad, (long long)pad[i]);
      return wt__fail(ctx, WT_ERR_ARG, func, "pad_%s must be in [0, %lld], got %lld", axis[i],
                      (long long)max_pad, (long long)pad[i]);
    }
    const int64_t padded = extent[i] + 2 * pad[i];
    if (k[i] > padded)
      return wt__fail(ctx, WT_ERR_SHAPE, func, "%s = %lld exceeds the padded %s = %lld", kname[i],
                      (long long)k[i], what[i], (long long)padded);
    o[i] = (padded - k[i]) / stride[i] + 1;
  }
  *OH = o[0], *OW = o[1];
  return WT_OK;
}

wt_status wt__check_batch_elems(wt_ctx *ctx, const char *func, const char *what, int64_t N,
                                int64_t elems) {
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  if (elems < 1 || elems > WT_MAX_ELEMS)
    return wt__fail(ctx, WT_ERR_SHAPE, func, "elems must be in [1, %lld], got %lld",
                    (long long)WT_MAX_ELEMS, (long long)elems);
  const int64_t d[2] = {N, elems};
  char name[32];
  snprintf(name, sizeof name, "%s (N,elems)", what);
  return wt__check_elems(ctx, func, name, d, 2, NULL);
}
