/* policies.c - AutoAugment (torchvision 0.14's IMAGENET, CIFAR10 and SVHN lists), RandAugment,
   TrivialAugmentWide (each can report what it drew: wt_aug_report), their magnitude bins, and
   the samplers of RandomResizedCrop and RandomErasing (get_params, 10 attempts). Random draws
   come from the context's RNG; the distributions are torchvision's, the streams are not (tests
   compare distributions). */
#include <math.h>
#include <string.h>

#include "augment.h"

#define E(op, p, bin) {WT_AUG_##op, bin, p}
#define N_ -1
/* Transcribed from torchvision/transforms/autoaugment.py (0.14) AutoAugment._get_policies; the
   native test compares every entry with a fixture generated from torchvision itself. */
static const wt_aug_policy_entry IMAGENET[50] = {
    E(POSTERIZE, 0.4f, 8), E(ROTATE, 0.6f, 9),          E(SOLARIZE, 0.6f, 5), E(AUTOCONTRAST, 0.6f, N_),
    E(EQUALIZE, 0.8f, N_), E(EQUALIZE, 0.6f, N_),       E(POSTERIZE, 0.6f, 7), E(POSTERIZE, 0.6f, 6),
    E(EQUALIZE, 0.4f, N_), E(SOLARIZE, 0.2f, 4),        E(EQUALIZE, 0.4f, N_), E(ROTATE, 0.8f, 8),
    E(SOLARIZE, 0.6f, 3), E(EQUALIZE, 0.6f, N_),        E(POSTERIZE, 0.8f, 5), E(EQUALIZE, 1.0f, N_),
    E(ROTATE, 0.2f, 3), E(SOLARIZE, 0.6f, 8),           E(EQUALIZE, 0.6f, N_), E(POSTERIZE, 0.4f, 6),
    E(ROTATE, 0.8f, 8), E(COLOR, 0.4f, 0),              E(ROTATE, 0.4f, 9), E(EQUALIZE, 0.6f, N_),
    E(EQUALIZE, 0.0f, N_), E(EQUALIZE, 0.8f, N_),       E(INVERT, 0.6f, N_), E(EQUALIZE, 1.0f, N_),
    E(COLOR, 0.6f, 4), E(CONTRAST, 1.0f, 8),            E(ROTATE, 0.8f, 8), E(COLOR, 1.0f, 2),
    E(COLOR, 0.8f, 8), E(SOLARIZE, 0.8f, 7),            E(SHARPNESS, 0.4f, 7), E(INVERT, 0.6f, N_),
    E(SHEAR_X, 0.6f, 5), E(EQUALIZE, 1.0f, N_),         E(COLOR, 0.4f, 0), E(EQUALIZE, 0.6f, N_),
    E(EQUALIZE, 0.4f, N_), E(SOLARIZE, 0.2f, 4),        E(SOLARIZE, 0.6f, 5), E(AUTOCONTRAST, 0.6f, N_),
    E(INVERT, 0.6f, N_), E(EQUALIZE, 1.0f, N_),         E(COLOR, 0.6f, 4), E(CONTRAST, 1.0f, 8),
    E(EQUALIZE, 0.8f, N_), E(EQUALIZE, 0.6f, N_),
};
static const wt_aug_policy_entry CIFAR10[50] = {
    E(INVERT, 0.1f, N_), E(CONTRAST, 0.2f, 6),          E(ROTATE, 0.7f, 2), E(TRANSLATE_X, 0.3f, 9),
    E(SHARPNESS, 0.8f, 1), E(SHARPNESS, 0.9f, 3),       E(SHEAR_Y, 0.5f, 8), E(TRANSLATE_Y, 0.7f, 9),
    E(AUTOCONTRAST, 0.5f, N_), E(EQUALIZE, 0.9f, N_),   E(SHEAR_Y, 0.2f, 7), E(POSTERIZE, 0.3f, 7),
    E(COLOR, 0.4f, 3), E(BRIGHTNESS, 0.6f, 7),          E(SHARPNESS, 0.3f, 9), E(BRIGHTNESS, 0.7f, 9),
    E(EQUALIZE, 0.6f, N_), E(EQUALIZE, 0.5f, N_),       E(CONTRAST, 0.6f, 7), E(SHARPNESS, 0.6f, 5),
    E(COLOR, 0.7f, 7), E(TRANSLATE_X, 0.5f, 8),         E(EQUALIZE, 0.3f, N_), E(AUTOCONTRAST, 0.4f, N_),
    E(TRANSLATE_Y, 0.4f, 3), E(SHARPNESS, 0.2f, 6),     E(BRIGHTNESS, 0.9f, 6), E(COLOR, 0.2f, 8),
    E(SOLARIZE, 0.5f, 2), E(INVERT, 0.0f, N_),          E(EQUALIZE, 0.2f, N_), E(AUTOCONTRAST, 0.6f, N_),
    E(EQUALIZE, 0.2f, N_), E(EQUALIZE, 0.6f, N_),       E(COLOR, 0.9f, 9), E(EQUALIZE, 0.6f, N_),
    E(AUTOCONTRAST, 0.8f, N_), E(SOLARIZE, 0.2f, 8),    E(BRIGHTNESS, 0.1f, 3), E(COLOR, 0.7f, 0),
    E(SOLARIZE, 0.4f, 5), E(AUTOCONTRAST, 0.9f, N_),    E(TRANSLATE_Y, 0.9f, 9), E(TRANSLATE_Y, 0.7f, 9),
    E(AUTOCONTRAST, 0.9f, N_), E(SOLARIZE, 0.8f, 3),    E(EQUALIZE, 0.8f, N_), E(INVERT, 0.1f, N_),
    E(TRANSLATE_Y, 0.7f, 9), E(AUTOCONTRAST, 0.9f, N_),
};
static const wt_aug_policy_entry SVHN[50] = {
    E(SHEAR_X, 0.9f, 4), E(INVERT, 0.2f, N_),           E(SHEAR_Y, 0.9f, 8), E(INVERT, 0.7f, N_),
    E(EQUALIZE, 0.6f, N_), E(SOLARIZE, 0.6f, 6),        E(INVERT, 0.9f, N_), E(EQUALIZE, 0.6f, N_),
    E(EQUALIZE, 0.6f, N_), E(ROTATE, 0.9f, 3),          E(SHEAR_X, 0.9f, 4), E(AUTOCONTRAST, 0.8f, N_),
    E(SHEAR_Y, 0.9f, 8), E(INVERT, 0.4f, N_),           E(SHEAR_Y, 0.9f, 5), E(SOLARIZE, 0.2f, 6),
    E(INVERT, 0.9f, N_), E(AUTOCONTRAST, 0.8f, N_),     E(EQUALIZE, 0.6f, N_), E(ROTATE, 0.9f, 3),
    E(SHEAR_X, 0.9f, 4), E(SOLARIZE, 0.3f, 3),          E(SHEAR_Y, 0.8f, 8), E(INVERT, 0.7f, N_),
    E(EQUALIZE, 0.9f, N_), E(TRANSLATE_Y, 0.6f, 6),     E(INVERT, 0.9f, N_), E(EQUALIZE, 0.6f, N_),
    E(CONTRAST, 0.3f, 3), E(ROTATE, 0.8f, 4),           E(INVERT, 0.8f, N_), E(TRANSLATE_Y, 0.0f, 2),
    E(SHEAR_Y, 0.7f, 6), E(SOLARIZE, 0.4f, 8),          E(INVERT, 0.6f, N_), E(ROTATE, 0.8f, 4),
    E(SHEAR_Y, 0.3f, 7), E(TRANSLATE_X, 0.9f, 3),       E(SHEAR_X, 0.1f, 6), E(INVERT, 0.6f, N_),
    E(SOLARIZE, 0.7f, 2), E(TRANSLATE_Y, 0.6f, 7),      E(SHEAR_Y, 0.8f, 4), E(INVERT, 0.8f, N_),
    E(SHEAR_X, 0.7f, 9), E(TRANSLATE_Y, 0.8f, 3),       E(SHEAR_Y, 0.8f, 5), E(AUTOCONTRAST, 0.7f, N_),
    E(SHEAR_X, 0.7f, 2), E(INVERT, 0.1f, N_),
};
#undef E
#undef N_

const wt_aug_policy_entry *wt_aug_policy_table(wt_aug_policy policy) {
  switch (policy) {
    case WT_AUG_POLICY_IMAGENET: return IMAGENET;
    case WT_AUG_POLICY_CIFAR10: return CIFAR10;
    case WT_AUG_POLICY_SVHN: return SVHN;
    default: return NULL;
  }
}

/* torch.linspace(start, end, steps)[i] in float32 with the scalar formula of PyTorch's CPU
   kernel (RangeFactoriesKernel.cpp): step = (end - start) / (steps - 1); the first half counts
   up from start, the second half down from end. PyTorch's vectorised lanes (and FMA contraction)
   round a few bins differently by one float32 ulp; the native test allows exactly that and
   checks that the integer magnitudes (int(translate), posterize bits) are identical. */
static float linspace_f32(float start, float end, int steps, int i) {
  if (steps == 1) return start;
  const float step = (end - start) / (float)(steps - 1);
  return i < steps / 2 ? start + step * (float)i : end - step * (float)(steps - 1 - i);
}

double wt_aug_magnitude(wt_aug_op op, int bin, int num_bins, int64_t H, int64_t W, int wide) {
  if (num_bins < 1 || bin < 0 || bin >= num_bins) return 0.0;
  switch (op) {
    case WT_AUG_SHEAR_X:
    case WT_AUG_SHEAR_Y: return (double)linspace_f32(0.0f, wide ? 0.99f : 0.3f, num_bins, bin);
    case WT_AUG_TRANSLATE_X:
    case WT_AUG_TRANSLATE_Y: {
      const double ext = (double)(op == WT_AUG_TRANSLATE_X ? W : H);
      return (double)linspace_f32(0.0f, wide ? 32.0f : (float)(150.0 / 331.0 * ext), num_bins, bin);
    }
    case WT_AUG_ROTATE: return (double)linspace_f32(0.0f, wide ? 135.0f : 30.0f, num_bins, bin);
    case WT_AUG_BRIGHTNESS:
    case WT_AUG_COLOR:
    case WT_AUG_CONTRAST:
    case WT_AUG_SHARPNESS: return (double)linspace_f32(0.0f, wide ? 0.99f : 0.9f, num_bins, bin);
    case WT_AUG_POSTERIZE: {
      /* 8 - round(arange(n) / ((n - 1) / (wide ? 6 : 4))), float32 division, round half even */
      if (num_bins == 1) return 8.0;
      const float q = (float)bin / (float)((double)(num_bins - 1) / (wide ? 6.0 : 4.0));
      return 8.0 - (double)nearbyintf(q);
    }
    case WT_AUG_SOLARIZE: return (double)linspace_f32(255.0f, 0.0f, num_bins, bin);
    default: return 0.0;
  }
}

static int has_bins(wt_aug_op op) { return op >= WT_AUG_SHEAR_X && op <= WT_AUG_SOLARIZE; }

/* One drawn op into the report (when there is one). */
static void note(wt_aug_report *r, wt_aug_op op, int bin, int applied, float p, double magnitude) {
  if (!r || r->n_ops >= WT_AUG_REPORT_MAX_OPS) return;
  r->ops[r->n_ops++] = (wt_aug_drawn_op){op, bin, applied, p, magnitude};
}

static void report_start(wt_aug_report *r, int sub_policy) {
  if (!r) return;
  r->sub_policy = sub_policy;
  r->n_ops = 0;
}

wt_status wt_aug_autoaugment(wt_ctx *ctx, wt_aug_policy policy, wt_interp interp, const float *fill,
                             const wt_image *src, wt_image *dst, wt_aug_report *report) {
  if (!ctx) return WT_ERR_ARG;
  const wt_aug_policy_entry *table = wt_aug_policy_table(policy);
  if (!table) return WT_FAIL(ctx, WT_ERR_ARG, "unknown policy %d (IMAGENET 0, CIFAR10 1, SVHN 2)", (int)policy);
  WT_TRY(wt__image_check(ctx, __func__, "src", src));
  /* get_params: sub-policy ~ U{0..24}, two uniforms, two signs (sign 0 negates). */
  wt_rng *rng = &ctx->rng;
  const uint32_t id = wt_rng_below(rng, 25);
  const double probs[2] = {wt_rng_uniform(rng), wt_rng_uniform(rng)};
  const uint32_t signs[2] = {wt_rng_below(rng, 2), wt_rng_below(rng, 2)};
  report_start(report, (int)id);
  const wt_image *in = src;
  int applied = 0;
  for (int i = 0; i < 2; i++) {
    const wt_aug_policy_entry *e = &table[2 * id + (uint32_t)i];
    const wt_aug_op op = (wt_aug_op)e->op;
    double mag = e->bin >= 0 ? wt_aug_magnitude(op, e->bin, 10, src->H, src->W, 0) : 0.0;
    if (wt_aug_op_signed(op) && signs[i] == 0) mag = -mag;
    const int on = probs[i] <= (double)e->p;
    note(report, op, e->bin, on, e->p, mag);
    if (!on) continue;
    WT_TRY(wt_aug_apply(ctx, op, mag, interp, fill, in, dst));
    in = dst;
    applied = 1;
  }
  if (!applied) return wt_aug_apply(ctx, WT_AUG_IDENTITY, 0.0, interp, NULL, src, dst);
  return WT_OK;
}

wt_status wt_aug_randaugment(wt_ctx *ctx, int num_ops, int magnitude, int num_bins, wt_interp interp,
                             const float *fill, const wt_image *src, wt_image *dst,
                             wt_aug_report *report) {
  if (!ctx) return WT_ERR_ARG;
  if (num_ops < 0 || num_ops > WT_AUG_REPORT_MAX_OPS)
    return WT_FAIL(ctx, WT_ERR_ARG, "num_ops must be in 0..%d, got %d", WT_AUG_REPORT_MAX_OPS, num_ops);
  if (num_bins < 1) return WT_FAIL(ctx, WT_ERR_ARG, "num_magnitude_bins must be >= 1, got %d", num_bins);
  if (magnitude < 0 || magnitude >= num_bins)
    return WT_FAIL(ctx, WT_ERR_ARG, "magnitude must be in 0..%d (num_magnitude_bins - 1), got %d",
                   num_bins - 1, magnitude);
  WT_TRY(wt__image_check(ctx, __func__, "src", src));
  WT_TRY(wt_aug_apply(ctx, WT_AUG_IDENTITY, 0.0, interp, NULL, src, dst));
  report_start(report, -1);
  for (int k = 0; k < num_ops; k++) {
    /* Identity .. Equalize (14 ops, no Invert), uniform with replacement. */
    const wt_aug_op op = (wt_aug_op)wt_rng_below(&ctx->rng, WT_AUG_INVERT);
    double mag = has_bins(op) ? wt_aug_magnitude(op, magnitude, num_bins, src->H, src->W, 0) : 0.0;
    if (wt_aug_op_signed(op) && wt_rng_below(&ctx->rng, 2)) mag = -mag;
    note(report, op, has_bins(op) ? magnitude : -1, 1, 1.0f, mag);
    WT_TRY(wt_aug_apply(ctx, op, mag, interp, fill, dst, dst));
  }
  return WT_OK;
}

wt_status wt_aug_trivialaugment(wt_ctx *ctx, int num_bins, wt_interp interp, const float *fill,
                                const wt_image *src, wt_image *dst, wt_aug_report *report) {
  if (!ctx) return WT_ERR_ARG;
  if (num_bins < 1) return WT_FAIL(ctx, WT_ERR_ARG, "num_magnitude_bins must be >= 1, got %d", num_bins);
  WT_TRY(wt__image_check(ctx, __func__, "src", src));
  const wt_aug_op op = (wt_aug_op)wt_rng_below(&ctx->rng, WT_AUG_INVERT);
  double mag = 0.0;
  int bin = -1;
  if (has_bins(op)) {
    bin = (int)wt_rng_below(&ctx->rng, (uint32_t)num_bins);
    mag = wt_aug_magnitude(op, bin, num_bins, src->H, src->W, 1);
  }
  if (wt_aug_op_signed(op) && wt_rng_below(&ctx->rng, 2)) mag = -mag;
  report_start(report, -1);
  note(report, op, bin, 1, 1.0f, mag);
  return wt_aug_apply(ctx, op, mag, interp, fill, src, dst);
}

static wt_status check_range(wt_ctx *ctx, const char *func, const float scale[2], const float ratio[2]) {
  if (!scale || !ratio) return wt__fail(ctx, WT_ERR_ARG, func, "scale and ratio must not be NULL");
  if (!(scale[0] >= 0.0f && scale[0] <= scale[1] && isfinite(scale[1])))
    return wt__fail(ctx, WT_ERR_ARG, func, "scale must satisfy 0 <= scale[0] <= scale[1], got (%g, %g)",
                    (double)scale[0], (double)scale[1]);
  if (!(ratio[0] > 0.0f && ratio[0] <= ratio[1] && isfinite(ratio[1])))
    return wt__fail(ctx, WT_ERR_ARG, func, "ratio must satisfy 0 < ratio[0] <= ratio[1], got (%g, %g)",
                    (double)ratio[0], (double)ratio[1]);
  return WT_OK;
}

/* One attempt's (area, aspect): area * U(scale), exp(U(log ratio)) (log-uniform aspect). */
static void draw_area_aspect(wt_rng *rng, double area, const float scale[2], const float ratio[2],
                             double *target, double *aspect) {
  const double s0 = (double)scale[0], s1 = (double)scale[1], l0 = log((double)ratio[0]), l1 = log((double)ratio[1]);
  *target = area * (s0 + (s1 - s0) * wt_rng_uniform(rng));
  *aspect = exp(l0 + (l1 - l0) * wt_rng_uniform(rng));
}

wt_status wt_aug_rrc_params(wt_ctx *ctx, int64_t H, int64_t W, const float scale[2],
                            const float ratio[2], int64_t box[4]) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_dim(ctx, __func__, "H", H));
  WT_TRY(wt__check_dim(ctx, __func__, "W", W));
  WT_TRY(check_range(ctx, __func__, scale, ratio));
  if (!box) return WT_FAIL(ctx, WT_ERR_ARG, "box is NULL");
  const double area = (double)H * (double)W;
  for (int attempt = 0; attempt < 10; attempt++) {
    double target, aspect;
    draw_area_aspect(&ctx->rng, area, scale, ratio, &target, &aspect);
    const int64_t w = (int64_t)nearbyint(sqrt(target * aspect));
    const int64_t h = (int64_t)nearbyint(sqrt(target / aspect));
    if (0 < w && w <= W && 0 < h && h <= H) {
      box[0] = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(H - h + 1));
      box[1] = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(W - w + 1));
      box[2] = h;
      box[3] = w;
      return WT_OK;
    }
  }
  /* Fallback: the central crop with the aspect clamped into ratio. */
  const double in_ratio = (double)W / (double)H;
  int64_t w = W, h = H;
  if (in_ratio < (double)ratio[0]) {
    h = (int64_t)nearbyint((double)W / (double)ratio[0]);
  } else if (in_ratio > (double)ratio[1]) {
    w = (int64_t)nearbyint((double)H * (double)ratio[1]);
  }
  box[0] = (H - h) / 2;
  box[1] = (W - w) / 2;
  box[2] = h;
  box[3] = w;
  return WT_OK;
}

wt_status wt_aug_erasing_params(wt_ctx *ctx, int64_t H, int64_t W, const float scale[2],
                                const float ratio[2], int64_t box[4], int *found) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_dim(ctx, __func__, "H", H));
  WT_TRY(wt__check_dim(ctx, __func__, "W", W));
  WT_TRY(check_range(ctx, __func__, scale, ratio));
  if (!box || !found) return WT_FAIL(ctx, WT_ERR_ARG, "box and found must not be NULL");
  const double area = (double)H * (double)W;
  for (int attempt = 0; attempt < 10; attempt++) {
    double target, aspect;
    draw_area_aspect(&ctx->rng, area, scale, ratio, &target, &aspect);
    /* Note the swap against RandomResizedCrop: h from area * aspect. */
    const int64_t h = (int64_t)nearbyint(sqrt(target * aspect));
    const int64_t w = (int64_t)nearbyint(sqrt(target / aspect));
    if (!(h < H && w < W)) continue;
    box[0] = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(H - h + 1));
    box[1] = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(W - w + 1));
    box[2] = h;
    box[3] = w;
    *found = 1;
    return WT_OK;
  }
  box[0] = box[1] = 0;
  box[2] = H;
  box[3] = W;
  *found = 0;
  return WT_OK;
}
