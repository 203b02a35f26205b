/* images.c - uint8 images to the network's float input: ToTensor then Normalize, for NCHW
   batches (IDX data) and for one HWC image (canvas ImageData, the augmentation pipeline). */
#include "../core/internal.h"

static wt_status check_mean_std(wt_ctx *ctx, const char *func, int64_t C, const float *mean,
                                const float *std) {
  for (int64_t c = 0; c < C; c++) {
    if (std && !(std[c] > 0.0f && std[c] - std[c] == 0.0f))
      return wt__fail(ctx, WT_ERR_ARG, func, "std[%lld] must be finite and > 0, got %g", (long long)c,
                      (double)std[c]);
    if (mean && !(mean[c] - mean[c] == 0.0f))
      return wt__fail(ctx, WT_ERR_ARG, func, "mean[%lld] must be finite", (long long)c);
  }
  return WT_OK;
}

/* One channel plane: n values read every `stride` bytes of s, written contiguously to d.
   Same arithmetic order as torchvision: (x / 255 - mean) / std. */
static void plane_to_f32(const uint8_t *s, int64_t stride, int64_t n, float mu, float sd, float *d) {
  for (int64_t i = 0; i < n; i++) d[i] = ((float)s[i * stride] / 255.0f - mu) / sd;
}

wt_status wt_images_u8_to_f32(wt_ctx *ctx, const uint8_t *src, int64_t N, int64_t C, int64_t H,
                              int64_t W, const float *mean, const float *std, float *dst) {
  if (!ctx) return WT_ERR_ARG;
  if (!src || !dst) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", src ? "dst" : "src");
  const int64_t dims[4] = {N, C, H, W};
  static const char *const names[4] = {"N", "C", "H", "W"};
  for (int i = 0; i < 4; i++) WT_TRY(wt__check_dim(ctx, __func__, names[i], dims[i]));
  WT_TRY(wt__check_elems(ctx, __func__, "images", dims, 4, NULL));
  WT_TRY(check_mean_std(ctx, __func__, C, mean, std));
  const int64_t plane = H * W;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      plane_to_f32(src + (n * C + c) * plane, 1, plane, mean ? mean[c] : 0.0f, std ? std[c] : 1.0f,
                   dst + (n * C + c) * plane);
  return WT_OK;
}

wt_status wt_image_to_tensor(wt_ctx *ctx, const wt_image *src, int64_t out_C, const float *mean,
                             const float *std, float *dst) {
  if (!ctx) return WT_ERR_ARG;
  if (!src || !src->data || !dst) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", dst ? "src" : "dst");
  const int64_t dims[3] = {src->H, src->W, src->C};
  static const char *const names[3] = {"H", "W", "C"};
  for (int i = 0; i < 3; i++) WT_TRY(wt__check_dim(ctx, __func__, names[i], dims[i]));
  WT_TRY(wt__check_elems(ctx, __func__, "image", dims, 3, NULL));
  if (out_C < 1 || out_C > src->C)
    return WT_FAIL(ctx, WT_ERR_ARG, "out_C must be in 1..%lld, got %lld", (long long)src->C, (long long)out_C);
  WT_TRY(check_mean_std(ctx, __func__, out_C, mean, std));
  const int64_t plane = src->H * src->W;
  for (int64_t c = 0; c < out_C; c++)
    plane_to_f32(src->data + c, src->C, plane, mean ? mean[c] : 0.0f, std ? std[c] : 1.0f, dst + c * plane);
  return WT_OK;
}
