/* images.c - uint8 image batches to the network's float input: ToTensor then Normalize. */
#include "../core/internal.h"

wt_status wt_images_u8_to_f32(wt_ctx *ctx, const uint8_t *src, int64_t N, int64_t C, int64_t H,
                              int64_t W, const float *mean, const float *std, float *dst) {
  if (!ctx) return WT_ERR_ARG;
  if (!src || !dst) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", src ? "dst" : "src");
  const int64_t dims[4] = {N, C, H, W};
  static const char *const names[4] = {"N", "C", "H", "W"};
  for (int i = 0; i < 4; i++) WT_TRY(wt__check_dim(ctx, __func__, names[i], dims[i]));
  WT_TRY(wt__check_elems(ctx, __func__, "images", dims, 4, NULL));
  for (int64_t c = 0; c < C; c++) {
    if (std && !(std[c] > 0.0f && std[c] - std[c] == 0.0f))
      return WT_FAIL(ctx, WT_ERR_ARG, "std[%lld] must be finite and > 0, got %g", (long long)c,
                     (double)std[c]);
    if (mean && !(mean[c] - mean[c] == 0.0f))
      return WT_FAIL(ctx, WT_ERR_ARG, "mean[%lld] must be finite", (long long)c);
  }
  const int64_t plane = H * W;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      /* Same arithmetic order as torchvision: (x / 255 - mean) / std. */
      const float mu = mean ? mean[c] : 0.0f, sd = std ? std[c] : 1.0f;
      const uint8_t *s = src + (n * C + c) * plane;
      float *d = dst + (n * C + c) * plane;
      for (int64_t i = 0; i < plane; i++) d[i] = ((float)s[i] / 255.0f - mu) / sd;
    }
  return WT_OK;
}
