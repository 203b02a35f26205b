/* erase.c - Cutout (DeVries & Taylor 2017, official uoguelph-mlrg/Cutout util/cutout.py) and
   RandomErasing's erase (torchvision F.erase), on the float CHW tensor after Normalize (where
   both recipes apply them) and on uint8 HWC images for demos. Not here: the erasing box
   sampler (policies.c). */
#include <math.h>
#include <string.h>

#include "augment.h"

static int64_t clip(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static wt_status check_chw(wt_ctx *ctx, const char *func, const float *x, int64_t C, int64_t H, int64_t W) {
  if (!x) return wt__fail(ctx, WT_ERR_ARG, func, "x is NULL");
  const int64_t dims[3] = {C, H, W};
  static const char *const names[3] = {"C", "H", "W"};
  for (int i = 0; i < 3; i++) WT_TRY(wt__check_dim(ctx, func, names[i], dims[i]));
  return wt__check_elems(ctx, func, "tensor", dims, 3, NULL);
}

/* The hole's rows [y1, y2) and columns [x1, x2), clipped to the image (cutout.py). */
static void hole(int64_t H, int64_t W, int64_t cy, int64_t cx, int64_t length, int64_t b[4]) {
  b[0] = clip(cy - length / 2, 0, H);
  b[1] = clip(cy + length / 2, 0, H);
  b[2] = clip(cx - length / 2, 0, W);
  b[3] = clip(cx + length / 2, 0, W);
}

wt_status wt_aug_cutout_f32_at(wt_ctx *ctx, float *x, int64_t C, int64_t H, int64_t W, int64_t cy,
                               int64_t cx, int64_t length) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_chw(ctx, __func__, x, C, H, W));
  if (length < 0 || length > WT_MAX_DIM) return WT_FAIL(ctx, WT_ERR_ARG, "length must be in 0..2^24, got %lld", (long long)length);
  if (cy < -WT_MAX_DIM || cy > WT_MAX_DIM || cx < -WT_MAX_DIM || cx > WT_MAX_DIM)
    return WT_FAIL(ctx, WT_ERR_ARG, "centre out of range");
  int64_t b[4];
  hole(H, W, cy, cx, length, b);
  for (int64_t c = 0; c < C; c++)
    for (int64_t y = b[0]; y < b[1]; y++) {
      float *row = x + (c * H + y) * W;
      for (int64_t i = b[2]; i < b[3]; i++) row[i] *= 0.0f; /* img * mask as cutout.py: -0 stays -0 */
    }
  return WT_OK;
}

wt_status wt_aug_cutout_f32(wt_ctx *ctx, float *x, int64_t C, int64_t H, int64_t W, int n_holes,
                            int64_t length) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_chw(ctx, __func__, x, C, H, W));
  if (n_holes < 0) return WT_FAIL(ctx, WT_ERR_ARG, "n_holes must be >= 0, got %d", n_holes);
  for (int k = 0; k < n_holes; k++) {
    const int64_t cy = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)H);
    const int64_t cx = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)W);
    WT_TRY(wt_aug_cutout_f32_at(ctx, x, C, H, W, cy, cx, length));
  }
  return WT_OK;
}

wt_status wt_aug_cutout_u8_at(wt_ctx *ctx, wt_image *img, int64_t cy, int64_t cx, int64_t length) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__image_check(ctx, __func__, "img", img));
  if (length < 0 || length > WT_MAX_DIM) return WT_FAIL(ctx, WT_ERR_ARG, "length must be in 0..2^24, got %lld", (long long)length);
  if (cy < -WT_MAX_DIM || cy > WT_MAX_DIM || cx < -WT_MAX_DIM || cx > WT_MAX_DIM)
    return WT_FAIL(ctx, WT_ERR_ARG, "centre out of range");
  const int64_t C = img->C, CC = wt__color_channels(C);
  int64_t b[4];
  hole(img->H, img->W, cy, cx, length, b);
  for (int64_t y = b[0]; y < b[1]; y++)
    for (int64_t i = b[2]; i < b[3]; i++)
      for (int64_t c = 0; c < CC; c++) img->data[(y * img->W + i) * C + c] = 0;
  return WT_OK;
}

wt_status wt_aug_cutout_u8(wt_ctx *ctx, wt_image *img, int n_holes, int64_t length) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__image_check(ctx, __func__, "img", img));
  if (n_holes < 0) return WT_FAIL(ctx, WT_ERR_ARG, "n_holes must be >= 0, got %d", n_holes);
  for (int k = 0; k < n_holes; k++) {
    const int64_t cy = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)img->H);
    const int64_t cx = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)img->W);
    WT_TRY(wt_aug_cutout_u8_at(ctx, img, cy, cx, length));
  }
  return WT_OK;
}

static wt_status check_box(wt_ctx *ctx, const char *func, const int64_t box[4], int64_t H, int64_t W) {
  if (!box) return wt__fail(ctx, WT_ERR_ARG, func, "box is NULL");
  if (box[0] < 0 || box[1] < 0 || box[2] < 0 || box[3] < 0 || box[0] + box[2] > H || box[1] + box[3] > W)
    return wt__fail(ctx, WT_ERR_ARG, func, "box (top %lld, left %lld, h %lld, w %lld) is not inside %lldx%lld",
                    (long long)box[0], (long long)box[1], (long long)box[2], (long long)box[3],
                    (long long)H, (long long)W);
  return WT_OK;
}

wt_status wt_aug_erase_f32(wt_ctx *ctx, float *x, int64_t C, int64_t H, int64_t W,
                           const int64_t box[4], wt_erase_mode mode, const float *value) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_chw(ctx, __func__, x, C, H, W));
  WT_TRY(check_box(ctx, __func__, box, H, W));
  if (mode != WT_ERASE_CONST && mode != WT_ERASE_RANDOM)
    return WT_FAIL(ctx, WT_ERR_ARG, "mode must be WT_ERASE_CONST or WT_ERASE_RANDOM, got %d", (int)mode);
  if (mode == WT_ERASE_CONST && !value) return WT_FAIL(ctx, WT_ERR_ARG, "value is NULL");
  /* value='random': N(0, 1) drawn as a (C, h, w) tensor, in that order. */
  for (int64_t c = 0; c < C; c++)
    for (int64_t y = box[0]; y < box[0] + box[2]; y++) {
      float *row = x + (c * H + y) * W;
      for (int64_t i = box[1]; i < box[1] + box[3]; i++)
        row[i] = mode == WT_ERASE_CONST ? value[c] : (float)wt_rng_normal(&ctx->rng);
    }
  return WT_OK;
}

wt_status wt_aug_erase_u8(wt_ctx *ctx, wt_image *img, const int64_t box[4], wt_erase_mode mode,
                          const uint8_t *value) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__image_check(ctx, __func__, "img", img));
  WT_TRY(check_box(ctx, __func__, box, img->H, img->W));
  if (mode != WT_ERASE_CONST && mode != WT_ERASE_RANDOM)
    return WT_FAIL(ctx, WT_ERR_ARG, "mode must be WT_ERASE_CONST or WT_ERASE_RANDOM, got %d", (int)mode);
  if (mode == WT_ERASE_CONST && !value) return WT_FAIL(ctx, WT_ERR_ARG, "value is NULL");
  const int64_t C = img->C, CC = wt__color_channels(C);
  for (int64_t y = box[0]; y < box[0] + box[2]; y++)
    for (int64_t i = box[1]; i < box[1] + box[3]; i++)
      for (int64_t c = 0; c < CC; c++)
        img->data[(y * img->W + i) * C + c] =
            mode == WT_ERASE_CONST ? value[c] : (uint8_t)(wt_rng_u32(&ctx->rng) >> 24);
  return WT_OK;
}
