/* ops.c - the 14 AutoAugment ops on uint8 HWC images, each with torchvision 0.14's tensor-path
   arithmetic (functional_tensor.py): float32 blends truncated back to uint8, the grayscale
   0.2989/0.587/0.114 weights, the 3x3 [1 1 1; 1 5 1; 1 1 1]/13 sharpness kernel with original
   borders, per-channel autocontrast and equalize, and affine warps through an inverse-matrix grid
   sampled as grid_sample(align_corners=False) does. Not here: bins, policies, RNG (policies.c). */
#include <math.h>
#include <string.h>

#include "augment.h"

/* CPython's math.degrees / math.radians constants, so the shear angle round trip is the same. */
static const double RAD_TO_DEG = 180.0 / 3.14159265358979323846;
static const double DEG_TO_RAD = 3.14159265358979323846 / 180.0;

/* torchvision _get_inverse_affine_matrix (inverted=True), angle/shear in degrees. */
static void inverse_affine(const double center[2], double angle, const double translate[2],
                           double scale, const double shear[2], double m[6]) {
  const double rot = angle * DEG_TO_RAD, sx = shear[0] * DEG_TO_RAD, sy = shear[1] * DEG_TO_RAD;
  const double cx = center[0], cy = center[1], tx = translate[0], ty = translate[1];
  const double a = cos(rot - sy) / cos(sy);
  const double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
  const double c = sin(rot - sy) / cos(sy);
  const double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
  m[0] = d / scale; m[1] = -b / scale; m[2] = 0.0 / scale;
  m[3] = -c / scale; m[4] = a / scale; m[5] = 0.0 / scale;
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
}

static uint8_t round_u8(float v) {
  v = nearbyintf(v);
  return (uint8_t)(v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v));
}

void wt__affine_u8(const wt_image *src, wt_image *dst, const double m[6], wt_interp interp,
                   const float *fill) {
  const int64_t H = src->H, W = src->W, C = src->C;
  /* _gen_affine_grid: theta (float32) transposed and divided by (W/2, H/2); the base grid is the
     pixel centres -W/2 + 0.5 + x. grid_sample then unnormalises (g + 1) * size/2 - 0.5. */
  const float hw = (float)(0.5 * (double)W), hh = (float)(0.5 * (double)H);
  const float r00 = (float)m[0] / hw, r10 = (float)m[1] / hw, r20 = (float)m[2] / hw;
  const float r01 = (float)m[3] / hh, r11 = (float)m[4] / hh, r21 = (float)m[5] / hh;
  const float sw = (float)W / 2.0f, sh = (float)H / 2.0f;
  for (int64_t y = 0; y < H; y++) {
    const float by = (float)(-(double)H * 0.5 + 0.5) + (float)y;
    uint8_t *d = dst->data + y * W * C;
    for (int64_t x = 0; x < W; x++, d += C) {
      const float bx = (float)(-(double)W * 0.5 + 0.5) + (float)x;
      const float gx = bx * r00 + by * r10 + r20;
      const float gy = bx * r01 + by * r11 + r21;
      const float ix = (gx + 1.0f) * sw - 0.5f, iy = (gy + 1.0f) * sh - 0.5f;
      if (interp == WT_INTERP_NEAREST) {
        const float fx = nearbyintf(ix), fy = nearbyintf(iy);
        if (fx >= 0.0f && fx < (float)W && fy >= 0.0f && fy < (float)H) {
          memcpy(d, src->data + ((int64_t)fy * W + (int64_t)fx) * C, (size_t)C);
        } else {
          for (int64_t c = 0; c < C; c++) d[c] = fill ? round_u8(fill[c]) : 0;
        }
        continue;
      }
      const float x0f = floorf(ix), y0f = floorf(iy);
      const float wx = ix - x0f, e = 1.0f - wx, n = iy - y0f, s = 1.0f - n;
      const float wts[4] = {s * e, s * wx, n * e, n * wx}; /* nw, ne, sw, se */
      const int64_t x0 = (int64_t)x0f, y0 = (int64_t)y0f;
      const int64_t xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
      int in[4];
      for (int k = 0; k < 4; k++) in[k] = xs[k] >= 0 && xs[k] < W && ys[k] >= 0 && ys[k] < H;
      float mask = 0.0f;
      if (fill) {
        for (int k = 0; k < 4; k++) mask += in[k] ? wts[k] : 0.0f;
      }
      for (int64_t c = 0; c < C; c++) {
        float v = 0.0f;
        for (int k = 0; k < 4; k++)
          v += (in[k] ? (float)src->data[(ys[k] * W + xs[k]) * C + c] : 0.0f) * wts[k];
        /* _apply_grid_transform with a fill: img * mask + (1 - mask) * fill. */
        if (fill) v = v * mask + (1.0f - mask) * fill[c];
        d[c] = round_u8(v);
      }
    }
  }
}

/* blend(a, b, r) = clamp(r*a + (1-r)*b, 0, 255) truncated, in float32 (functional_tensor._blend). */
static inline uint8_t blend(float r, float q, float a, float b) {
  float v = r * a;
  v = v + q * b;
  v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
  return (uint8_t)v;
}

/* rgb_to_grayscale: (0.2989 r + 0.587 g + 0.114 b) in float32, truncated. */
static inline uint8_t gray(const uint8_t *p) {
  float v = 0.2989f * (float)p[0];
  v = v + 0.587f * (float)p[1];
  v = v + 0.114f * (float)p[2];
  return (uint8_t)v;
}

static void op_enhance(wt_aug_op op, double factor, const wt_image *src, wt_image *dst,
                       const uint8_t *degenerate) {
  const int64_t C = src->C, CC = wt__color_channels(C), n = src->H * src->W;
  const float r = (float)factor, q = (float)(1.0 - factor);
  const uint8_t *s = src->data;
  uint8_t *d = dst->data;
  if (op == WT_AUG_BRIGHTNESS) {
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < CC; c++) d[i * C + c] = blend(r, q, (float)s[i * C + c], 0.0f);
  } else if (op == WT_AUG_COLOR) {
    if (CC == 1) return; /* adjust_saturation leaves 1-channel images alone (as PIL) */
    for (int64_t i = 0; i < n; i++) {
      const float g = (float)gray(s + i * C);
      for (int64_t c = 0; c < 3; c++) d[i * C + c] = blend(r, q, (float)s[i * C + c], g);
    }
  } else if (op == WT_AUG_CONTRAST) {
    /* The mean of the (truncated) grayscale image as a float32 scalar: sum / count. Integer
       sums are exact, as torch's float32 sum is for images up to 256x256. */
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++) sum += CC == 3 ? gray(s + i * C) : s[i * C];
    const float mean = (float)sum / (float)n;
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < CC; c++) d[i * C + c] = blend(r, q, (float)s[i * C + c], mean);
  } else { /* SHARPNESS: blend with the blurred image (borders keep the original pixels) */
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < CC; c++)
        d[i * C + c] = blend(r, q, (float)s[i * C + c], (float)degenerate[i * C + c]);
  }
}

/* _blurred_degenerate_image: conv2d with [1 1 1; 1 5 1; 1 1 1]/13, rounded; borders copied.
   The float32 result is within 1e-5 of S/13 for the integer sum S, which is never within 1/26
   of a .5 tie, so round(S / 13) computed in integers is exactly torch's value. */
static void degenerate_image(const wt_image *src, uint8_t *out) {
  const int64_t H = src->H, W = src->W, C = src->C, CC = wt__color_channels(C);
  memcpy(out, src->data, wt__image_bytes(src));
  for (int64_t y = 1; y < H - 1; y++)
    for (int64_t x = 1; x < W - 1; x++)
      for (int64_t c = 0; c < CC; c++) {
        int32_t sum = 0;
        for (int64_t dy = -1; dy <= 1; dy++)
          for (int64_t dx = -1; dx <= 1; dx++) sum += src->data[((y + dy) * W + x + dx) * C + c];
        sum += 4 * src->data[(y * W + x) * C + c];
        out[(y * W + x) * C + c] = (uint8_t)((2 * sum + 13) / 26);
      }
}

static void op_autocontrast(const wt_image *src, wt_image *dst) {
  const int64_t C = src->C, CC = wt__color_channels(C), n = src->H * src->W;
  for (int64_t c = 0; c < CC; c++) {
    uint8_t lo = 255, hi = 0;
    for (int64_t i = 0; i < n; i++) {
      const uint8_t v = src->data[i * C + c];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    float mn = (float)lo, scale = 255.0f / ((float)hi - (float)lo);
    if (hi == lo) {
      mn = 0.0f;
      scale = 1.0f;
    }
    for (int64_t i = 0; i < n; i++) {
      float v = ((float)src->data[i * C + c] - mn) * scale;
      v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
      dst->data[i * C + c] = (uint8_t)v;
    }
  }
}

static void op_equalize(const wt_image *src, wt_image *dst) {
  const int64_t C = src->C, CC = wt__color_channels(C), n = src->H * src->W;
  for (int64_t c = 0; c < CC; c++) {
    int64_t hist[256] = {0};
    for (int64_t i = 0; i < n; i++) hist[src->data[i * C + c]]++;
    /* step = (sum of the nonzero bins except the last nonzero one) // 255 */
    int64_t last = 255;
    while (last > 0 && hist[last] == 0) last--;
    const int64_t step = (n - hist[last]) / 255;
    uint8_t lut[256];
    if (step == 0) {
      for (int v = 0; v < 256; v++) lut[v] = (uint8_t)v;
    } else {
      int64_t cum = 0;
      lut[0] = 0;
      for (int v = 0; v < 255; v++) { /* lut shifted right by one, clamped to 255 */
        cum += hist[v];
        const int64_t l = (cum + step / 2) / step;
        lut[v + 1] = (uint8_t)(l > 255 ? 255 : l);
      }
    }
    for (int64_t i = 0; i < n; i++) dst->data[i * C + c] = lut[src->data[i * C + c]];
  }
}

static void op_pointwise(wt_aug_op op, double magnitude, const wt_image *src, wt_image *dst) {
  const int64_t C = src->C, CC = wt__color_channels(C), n = src->H * src->W;
  uint8_t lut[256];
  if (op == WT_AUG_POSTERIZE) {
    const int bits = (int)magnitude; /* int() truncates */
    const int mask = bits >= 8 ? 0xff : (bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff);
    for (int v = 0; v < 256; v++) lut[v] = (uint8_t)(v & mask);
  } else if (op == WT_AUG_SOLARIZE) {
    const float thr = (float)magnitude; /* compared in float32 */
    for (int v = 0; v < 256; v++) lut[v] = (float)v >= thr ? (uint8_t)(255 - v) : (uint8_t)v;
  } else { /* INVERT */
    for (int v = 0; v < 256; v++) lut[v] = (uint8_t)(255 - v);
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t c = 0; c < CC; c++) dst->data[i * C + c] = lut[src->data[i * C + c]];
}

/* The op table: one row per op, so nothing depends on the enum's order. geometric: an affine
   warp (interpolation and fill apply); signed: the policies negate its magnitude half the time. */
static const struct op_info {
  const char *name; /* torchvision's spelling */
  bool geometric, signed_magnitude;
} OPS[] = {
    [WT_AUG_IDENTITY] = {"Identity", false, false},
    [WT_AUG_SHEAR_X] = {"ShearX", true, true},
    [WT_AUG_SHEAR_Y] = {"ShearY", true, true},
    [WT_AUG_TRANSLATE_X] = {"TranslateX", true, true},
    [WT_AUG_TRANSLATE_Y] = {"TranslateY", true, true},
    [WT_AUG_ROTATE] = {"Rotate", true, true},
    [WT_AUG_BRIGHTNESS] = {"Brightness", false, true},
    [WT_AUG_COLOR] = {"Color", false, true},
    [WT_AUG_CONTRAST] = {"Contrast", false, true},
    [WT_AUG_SHARPNESS] = {"Sharpness", false, true},
    [WT_AUG_POSTERIZE] = {"Posterize", false, false},
    [WT_AUG_SOLARIZE] = {"Solarize", false, false},
    [WT_AUG_AUTOCONTRAST] = {"AutoContrast", false, false},
    [WT_AUG_EQUALIZE] = {"Equalize", false, false},
    [WT_AUG_INVERT] = {"Invert", false, false},
};
_Static_assert(sizeof OPS / sizeof OPS[0] == WT_AUG_OP_COUNT, "an op without a table row");

const char *wt_aug_op_name(wt_aug_op op) {
  return (int)op >= 0 && op < WT_AUG_OP_COUNT ? OPS[op].name : NULL;
}

int wt_aug_op_from_name(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < WT_AUG_OP_COUNT; i++)
    if (strcmp(name, OPS[i].name) == 0) return i;
  return -1;
}

int wt_aug_op_signed(wt_aug_op op) {
  return (int)op >= 0 && op < WT_AUG_OP_COUNT && OPS[op].signed_magnitude;
}

static int is_geometric(wt_aug_op op) { return OPS[op].geometric; }

wt_status wt_aug_apply(wt_ctx *ctx, wt_aug_op op, double magnitude, wt_interp interp,
                       const float *fill, const wt_image *src, wt_image *dst) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__image_check(ctx, __func__, "src", src));
  WT_TRY(wt__image_check(ctx, __func__, "dst", dst));
  if (dst->H != src->H || dst->W != src->W || dst->C != src->C)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "dst (%lldx%lldx%lld) must have src's extent (%lldx%lldx%lld)",
                   (long long)dst->H, (long long)dst->W, (long long)dst->C, (long long)src->H,
                   (long long)src->W, (long long)src->C);
  if ((int)op < 0 || op >= WT_AUG_OP_COUNT)
    return WT_FAIL(ctx, WT_ERR_ARG, "unknown op %d", (int)op);
  if (interp != WT_INTERP_NEAREST && interp != WT_INTERP_BILINEAR)
    return WT_FAIL(ctx, WT_ERR_ARG, "interp must be nearest (0) or bilinear (1), got %d", (int)interp);
  if (!isfinite(magnitude)) return WT_FAIL(ctx, WT_ERR_ARG, "%s: magnitude must be finite", OPS[op].name);
  if (op >= WT_AUG_BRIGHTNESS && op <= WT_AUG_SHARPNESS && 1.0 + magnitude < 0.0)
    return WT_FAIL(ctx, WT_ERR_ARG, "%s: factor 1 + magnitude = %g must be >= 0", OPS[op].name, 1.0 + magnitude);
  if (op == WT_AUG_POSTERIZE && ((int)magnitude < 0 || (int)magnitude > 8))
    return WT_FAIL(ctx, WT_ERR_ARG, "Posterize: bits must be in 0..8, got %g", magnitude);
  if (fill)
    for (int64_t c = 0; c < src->C; c++)
      if (!isfinite(fill[c])) return WT_FAIL(ctx, WT_ERR_ARG, "fill[%lld] must be finite", (long long)c);
  if (fill && !is_geometric(op)) fill = NULL;

  /* Ops that read neighbours need the source intact: copy it aside when dst is src. */
  const int needs_copy = (is_geometric(op) || op == WT_AUG_SHARPNESS) && src->data == dst->data;
  const int sharp = op == WT_AUG_SHARPNESS && src->H > 2 && src->W > 2;
  const size_t bytes = wt__image_bytes(src);
  wt__scratch s1 = {0}, s2 = {0};
  wt_image in = *src;
  if (needs_copy) {
    WT_TRY(wt__scratch_alloc(ctx, bytes, &s1));
    memcpy(s1.p, src->data, bytes);
    in.data = s1.p;
  }
  if (sharp) {
    wt_status st = wt__scratch_alloc(ctx, bytes, &s2);
    if (st != WT_OK) {
      if (needs_copy) wt__scratch_free(ctx, &s1);
      return st;
    }
  }
  /* Ops that skip channels (alpha, or all of them) start from a copy of the source. */
  if (dst->data != src->data && !is_geometric(op)) memcpy(dst->data, src->data, bytes);

  double m[6];
  const double zero2[2] = {0.0, 0.0};
  switch (op) {
    case WT_AUG_IDENTITY: break;
    case WT_AUG_SHEAR_X:
    case WT_AUG_SHEAR_Y: {
      /* affine(shear=degrees(atan(m)), center=[0, 0]): centre_f = (-W/2, -H/2) */
      const double deg = atan(magnitude) * RAD_TO_DEG;
      const double shear[2] = {op == WT_AUG_SHEAR_X ? deg : 0.0, op == WT_AUG_SHEAR_Y ? deg : 0.0};
      const double center[2] = {0.0 - (double)src->W * 0.5, 0.0 - (double)src->H * 0.5};
      inverse_affine(center, 0.0, zero2, 1.0, shear, m);
      wt__affine_u8(&in, dst, m, interp, fill);
      break;
    }
    case WT_AUG_TRANSLATE_X:
    case WT_AUG_TRANSLATE_Y: {
      const double t = (double)(int64_t)magnitude; /* int() truncates toward zero */
      const double tr[2] = {op == WT_AUG_TRANSLATE_X ? t : 0.0, op == WT_AUG_TRANSLATE_Y ? t : 0.0};
      inverse_affine(zero2, 0.0, tr, 1.0, zero2, m);
      wt__affine_u8(&in, dst, m, interp, fill);
      break;
    }
    case WT_AUG_ROTATE:
      /* F.rotate passes -angle to the inverse matrix: positive magnitude is counter-clockwise. */
      inverse_affine(zero2, -magnitude, zero2, 1.0, zero2, m);
      wt__affine_u8(&in, dst, m, interp, fill);
      break;
    case WT_AUG_BRIGHTNESS:
    case WT_AUG_COLOR:
    case WT_AUG_CONTRAST:
      op_enhance(op, 1.0 + magnitude, &in, dst, NULL);
      break;
    case WT_AUG_SHARPNESS:
      if (sharp) { /* adjust_sharpness leaves images of width or height <= 2 unchanged */
        degenerate_image(&in, s2.p);
        op_enhance(op, 1.0 + magnitude, &in, dst, s2.p);
      }
      break;
    case WT_AUG_POSTERIZE:
    case WT_AUG_SOLARIZE:
    case WT_AUG_INVERT: op_pointwise(op, magnitude, &in, dst); break;
    case WT_AUG_AUTOCONTRAST: op_autocontrast(&in, dst); break;
    case WT_AUG_EQUALIZE: op_equalize(&in, dst); break;
    default: break;
  }
  if (sharp) wt__scratch_free(ctx, &s2);
  if (needs_copy) wt__scratch_free(ctx, &s1);
  return WT_OK;
}
