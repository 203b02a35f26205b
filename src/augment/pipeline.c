/* pipeline.c - the per-sample augmentation pipeline: an ordered list of wt_aug_step applied
   with the context's RNG (same seed, same images natively, in Node and in browsers). The uint8
   stage ping-pongs between two scratch images; TO_TENSOR converts into the caller's float
   buffer, where Cutout and RandomErasing then act. Not here: the ops themselves. */
#include <math.h>
#include <string.h>

#include "augment.h"

typedef struct shape3 {
  int64_t H, W, C;
} shape3;

/* The step table: one row per kind, so nothing depends on the enum's order. */
typedef struct step_info {
  const char *name;  /* wt_aug_step_name: the API's spelling (js/loader.js) */
  const char *upper; /* the enum's spelling, in messages */
  bool in_place;     /* a uint8 step that rewrites the current image (else it writes the next one) */
  bool on_tensor;    /* may follow TO_TENSOR, acting on the float tensor there */
} step_info;
static const step_info STEPS[] = {
    [WT_STEP_RESIZE] = {"resize", "RESIZE", false, false},
    [WT_STEP_CENTER_CROP] = {"centerCrop", "CENTER_CROP", false, false},
    [WT_STEP_RANDOM_CROP] = {"randomCrop", "RANDOM_CROP", false, false},
    [WT_STEP_RANDOM_RESIZED_CROP] = {"randomResizedCrop", "RANDOM_RESIZED_CROP", false, false},
    [WT_STEP_HFLIP] = {"hflip", "HFLIP", true, false},
    [WT_STEP_VFLIP] = {"vflip", "VFLIP", true, false},
    [WT_STEP_AUTOAUGMENT] = {"autoAugment", "AUTOAUGMENT", true, false},
    [WT_STEP_RANDAUGMENT] = {"randAugment", "RANDAUGMENT", true, false},
    [WT_STEP_TRIVIALAUGMENT] = {"trivialAugment", "TRIVIALAUGMENT", true, false},
    [WT_STEP_OP] = {"op", "OP", true, false},
    [WT_STEP_TO_TENSOR] = {"toTensor", "TO_TENSOR", false, false},
    [WT_STEP_CUTOUT] = {"cutout", "CUTOUT", true, true},
    [WT_STEP_ERASING] = {"erasing", "ERASING", true, true},
};
_Static_assert(sizeof STEPS / sizeof STEPS[0] == WT_STEP_COUNT, "a step kind without a table row");

const char *wt_aug_step_name(wt_aug_step_kind kind) {
  return (unsigned)kind < WT_STEP_COUNT ? STEPS[kind].name : NULL;
}

/* Extent after step s for input `in`; validates the step's options. */
static wt_status step_shape(wt_ctx *ctx, int k, const wt_aug_step *s, shape3 in, int is_float, shape3 *out) {
  const char *f = "wt_aug_pipeline_shape";
  if ((int)s->kind < 0 || s->kind >= WT_STEP_COUNT)
    return wt__fail(ctx, WT_ERR_ARG, f, "step %d: unknown kind %d", k, (int)s->kind);
  const char *name = STEPS[s->kind].upper;
  if (is_float && !STEPS[s->kind].on_tensor)
    return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): only CUTOUT and ERASING may follow TO_TENSOR", k, name);
  if (s->interp != WT_INTERP_NEAREST && s->interp != WT_INTERP_BILINEAR)
    return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): interp must be 0 (nearest) or 1 (bilinear)", k, name);
  if (!(s->p >= 0.0f && s->p <= 1.0f))
    return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): p must be in [0, 1], got %g", k, name, (double)s->p);
  *out = in;
  switch (s->kind) {
    case WT_STEP_RESIZE:
      if (s->size_h < 1 || s->size_w < 0 || s->size_h > WT_MAX_DIM || s->size_w > WT_MAX_DIM)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): size must be positive, got %lldx%lld", k, name,
                        (long long)s->size_h, (long long)s->size_w);
      return wt_image_resize_extent(ctx, in.H, in.W, s->size_h, s->size_w, &out->H, &out->W);
    case WT_STEP_CENTER_CROP:
    case WT_STEP_RANDOM_CROP:
    case WT_STEP_RANDOM_RESIZED_CROP:
      if (s->size_h < 1 || s->size_w < 1 || s->size_h > WT_MAX_DIM || s->size_w > WT_MAX_DIM)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): size must be positive, got %lldx%lld", k, name,
                        (long long)s->size_h, (long long)s->size_w);
      if (s->kind == WT_STEP_RANDOM_CROP &&
          (s->padding < 0 || s->padding > WT_MAX_DIM || in.H + 2 * s->padding < s->size_h ||
           in.W + 2 * s->padding < s->size_w))
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): crop %lldx%lld larger than the padded %lldx%lld image",
                        k, name, (long long)s->size_h, (long long)s->size_w,
                        (long long)(in.H + 2 * s->padding), (long long)(in.W + 2 * s->padding));
      if (s->kind == WT_STEP_RANDOM_RESIZED_CROP &&
          !(s->scale[0] >= 0.0f && s->scale[0] <= s->scale[1] && s->ratio[0] > 0.0f && s->ratio[0] <= s->ratio[1]))
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): need 0 <= scale[0] <= scale[1] and 0 < ratio[0] <= ratio[1]", k, name);
      out->H = s->size_h;
      out->W = s->size_w;
      return WT_OK;
    case WT_STEP_AUTOAUGMENT:
      if ((int)s->policy < 0 || s->policy >= WT_AUG_POLICY_COUNT)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): unknown policy %d", k, name, (int)s->policy);
      return WT_OK;
    case WT_STEP_RANDAUGMENT:
      if (s->num_bins < 1 || s->magnitude_bin < 0 || s->magnitude_bin >= s->num_bins || s->num_ops < 0)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): need num_ops >= 0 and 0 <= magnitude < num_bins", k, name);
      return WT_OK;
    case WT_STEP_TRIVIALAUGMENT:
      if (s->num_bins < 1) return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): num_bins must be >= 1", k, name);
      return WT_OK;
    case WT_STEP_OP:
      if ((int)s->op < 0 || s->op >= WT_AUG_OP_COUNT)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): unknown op %d", k, name, (int)s->op);
      return WT_OK;
    case WT_STEP_TO_TENSOR:
      if (s->out_C < 0 || s->out_C > in.C)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): out_C must be in 0..%lld", k, name, (long long)in.C);
      if (s->out_C) out->C = s->out_C;
      return WT_OK;
    case WT_STEP_CUTOUT:
      if (s->n_holes < 0 || s->length < 0)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): n_holes and length must be >= 0", k, name);
      return WT_OK;
    case WT_STEP_ERASING:
      if (!(s->scale[0] >= 0.0f && s->scale[0] <= s->scale[1] && s->ratio[0] > 0.0f && s->ratio[0] <= s->ratio[1]))
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): need 0 <= scale[0] <= scale[1] and 0 < ratio[0] <= ratio[1]", k, name);
      if (s->erase_mode != WT_ERASE_CONST && s->erase_mode != WT_ERASE_RANDOM)
        return wt__fail(ctx, WT_ERR_ARG, f, "step %d (%s): unknown erase mode %d", k, name, (int)s->erase_mode);
      return WT_OK;
    default: return WT_OK;
  }
}

/* Walks the steps; *max_bytes is the largest uint8 image along the way. */
static wt_status walk(wt_ctx *ctx, const wt_aug_step *steps, int n, shape3 in, shape3 *out,
                      int *is_float, size_t *max_bytes) {
  if (n < 0 || (n > 0 && !steps)) return WT_FAIL(ctx, WT_ERR_ARG, "steps is NULL or n_steps < 0");
  *is_float = 0;
  *max_bytes = (size_t)(in.H * in.W * in.C);
  for (int k = 0; k < n; k++) {
    shape3 next;
    WT_TRY(step_shape(ctx, k, &steps[k], in, *is_float, &next));
    const int64_t dims[3] = {next.H, next.W, next.C};
    WT_TRY(wt__check_elems(ctx, "wt_aug_pipeline_shape", "image", dims, 3, NULL));
    if (steps[k].kind == WT_STEP_TO_TENSOR) *is_float = 1;
    if (!*is_float && (size_t)(next.H * next.W * next.C) > *max_bytes)
      *max_bytes = (size_t)(next.H * next.W * next.C);
    in = next;
  }
  *out = in;
  return WT_OK;
}

wt_status wt_aug_pipeline_shape(wt_ctx *ctx, const wt_aug_step *steps, int n_steps, int64_t H,
                                int64_t W, int64_t C, int64_t out_chw[3], int *is_float) {
  if (!ctx) return WT_ERR_ARG;
  if (!out_chw || !is_float) return WT_FAIL(ctx, WT_ERR_ARG, "out_chw and is_float must not be NULL");
  WT_TRY(wt__check_dim(ctx, __func__, "H", H));
  WT_TRY(wt__check_dim(ctx, __func__, "W", W));
  if (C != 1 && C != 3 && C != 4) return WT_FAIL(ctx, WT_ERR_SHAPE, "C must be 1, 3 or 4, got %lld", (long long)C);
  shape3 out;
  size_t max_bytes;
  WT_TRY(walk(ctx, steps, n_steps, (shape3){H, W, C}, &out, is_float, &max_bytes));
  out_chw[0] = out.C;
  out_chw[1] = out.H;
  out_chw[2] = out.W;
  return WT_OK;
}

static int coin(wt_ctx *ctx, float p) { return wt_rng_uniform(&ctx->rng) < (double)p; }

/* One uint8 step from *cur into *next (or in place in *cur); sets *moved when next is used. */
static wt_status run_u8(wt_ctx *ctx, const wt_aug_step *s, wt_image *cur, wt_image *next, int *moved) {
  *moved = 0;
  next->C = cur->C;
  switch (s->kind) {
    case WT_STEP_RESIZE:
      WT_TRY(wt_image_resize_extent(ctx, cur->H, cur->W, s->size_h, s->size_w, &next->H, &next->W));
      *moved = 1;
      return wt_image_resize(ctx, cur, next, s->interp);
    case WT_STEP_CENTER_CROP:
      next->H = s->size_h;
      next->W = s->size_w;
      *moved = 1;
      return wt_image_center_crop(ctx, cur, next);
    case WT_STEP_RANDOM_CROP: {
      /* RandomCrop(size, padding): zero-pad by `padding`, then a uniform crop (get_params). */
      const int64_t ph = cur->H + 2 * s->padding, pw = cur->W + 2 * s->padding;
      int64_t i = 0, j = 0;
      if (!(ph == s->size_h && pw == s->size_w)) {
        i = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(ph - s->size_h + 1));
        j = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(pw - s->size_w + 1));
      }
      next->H = s->size_h;
      next->W = s->size_w;
      *moved = 1;
      return wt_image_crop(ctx, cur, i - s->padding, j - s->padding, next);
    }
    case WT_STEP_RANDOM_RESIZED_CROP: {
      int64_t box[4];
      WT_TRY(wt_aug_rrc_params(ctx, cur->H, cur->W, s->scale, s->ratio, box));
      next->H = s->size_h;
      next->W = s->size_w;
      *moved = 1;
      return wt_image_resized_crop(ctx, cur, box[0], box[1], box[2], box[3], next, s->interp);
    }
    case WT_STEP_HFLIP: return coin(ctx, s->p) ? wt_image_hflip(ctx, cur, cur) : WT_OK;
    case WT_STEP_VFLIP: return coin(ctx, s->p) ? wt_image_vflip(ctx, cur, cur) : WT_OK;
    case WT_STEP_AUTOAUGMENT: return wt_aug_autoaugment(ctx, s->policy, s->interp, s->fill, cur, cur, NULL);
    case WT_STEP_RANDAUGMENT:
      return wt_aug_randaugment(ctx, s->num_ops, s->magnitude_bin, s->num_bins, s->interp, s->fill, cur, cur, NULL);
    case WT_STEP_TRIVIALAUGMENT: return wt_aug_trivialaugment(ctx, s->num_bins, s->interp, s->fill, cur, cur, NULL);
    case WT_STEP_OP: return coin(ctx, s->p) ? wt_aug_apply(ctx, s->op, s->magnitude, s->interp, s->fill, cur, cur) : WT_OK;
    case WT_STEP_CUTOUT: return wt_aug_cutout_u8(ctx, cur, s->n_holes, s->length);
    case WT_STEP_ERASING: {
      if (!coin(ctx, s->p)) return WT_OK;
      int64_t box[4];
      int found;
      WT_TRY(wt_aug_erasing_params(ctx, cur->H, cur->W, s->scale, s->ratio, box, &found));
      if (!found) return WT_OK;
      uint8_t v[4] = {0, 0, 0, 0};
      for (int64_t c = 0; s->value && c < wt__color_channels(cur->C); c++) {
        const float x = s->value[c];
        v[c] = (uint8_t)(x < 0.0f ? 0.0f : (x > 255.0f ? 255.0f : nearbyintf(x)));
      }
      return wt_aug_erase_u8(ctx, cur, box, s->erase_mode, v);
    }
    default: return WT_OK;
  }
}

static wt_status run_f32(wt_ctx *ctx, const wt_aug_step *s, float *x, shape3 t) {
  if (s->kind == WT_STEP_CUTOUT) return wt_aug_cutout_f32(ctx, x, t.C, t.H, t.W, s->n_holes, s->length);
  /* ERASING: torchvision RandomErasing.forward: rand < p, get_params, erase. */
  if (!coin(ctx, s->p)) return WT_OK;
  int64_t box[4];
  int found;
  WT_TRY(wt_aug_erasing_params(ctx, t.H, t.W, s->scale, s->ratio, box, &found));
  if (!found) return WT_OK;
  float zeros[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  return wt_aug_erase_f32(ctx, x, t.C, t.H, t.W, box, s->erase_mode, s->value ? s->value : zeros);
}

wt_status wt_aug_pipeline_run(wt_ctx *ctx, const wt_aug_step *steps, int n_steps,
                              const wt_image *src, uint8_t *out_u8, float *out_f32) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__image_check(ctx, __func__, "src", src));
  shape3 out;
  int is_float;
  size_t max_bytes;
  WT_TRY(walk(ctx, steps, n_steps, (shape3){src->H, src->W, src->C}, &out, &is_float, &max_bytes));
  if (is_float ? !out_f32 : !out_u8)
    return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", is_float ? "out_f32" : "out_u8");
  wt__scratch buf;
  WT_TRY(wt__scratch_alloc(ctx, 2 * max_bytes, &buf));
  uint8_t *bufs[2] = {buf.p, (uint8_t *)buf.p + max_bytes};
  wt_image cur = *src;
  int owned = -1; /* which scratch buffer holds cur, -1: still the caller's src */
  wt_status st = WT_OK;
  int k = 0;
  for (; k < n_steps && steps[k].kind != WT_STEP_TO_TENSOR; k++) {
    if (STEPS[steps[k].kind].in_place && owned < 0) { /* never write into the caller's image */
      memcpy(bufs[0], cur.data, wt__image_bytes(&cur));
      cur.data = bufs[0];
      owned = 0;
    }
    const int target = owned == 0 ? 1 : 0;
    wt_image next = {bufs[target], 0, 0, cur.C};
    int moved;
    st = run_u8(ctx, &steps[k], &cur, &next, &moved);
    if (st != WT_OK) goto done;
    if (moved) {
      cur = next;
      owned = target;
    }
  }
  if (k == n_steps) {
    memcpy(out_u8, cur.data, wt__image_bytes(&cur));
    goto done;
  }
  {
    const wt_aug_step *t = &steps[k];
    const int64_t oc = t->out_C ? t->out_C : cur.C;
    st = wt_image_to_tensor(ctx, &cur, oc, t->mean, t->std, out_f32);
    if (st != WT_OK) goto done;
    const shape3 ts = {cur.H, cur.W, oc};
    for (k++; k < n_steps; k++) {
      st = run_f32(ctx, &steps[k], out_f32, ts);
      if (st != WT_OK) goto done;
    }
  }
done:
  wt__scratch_free(ctx, &buf);
  return st;
}
