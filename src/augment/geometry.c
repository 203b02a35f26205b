/* geometry.c - resize, crops and flips on uint8 HWC images with torchvision 0.14 tensor-path
   semantics (uint8 -> float32, torch.nn.functional.interpolate with antialias=False, round
   half-to-even back to uint8). Not here: affine warps (ops.c), random parameters (policies.c). */
#include <math.h>
#include <string.h>

#include "augment.h"

wt_status wt__image_check(wt_ctx *ctx, const char *func, const char *name, const wt_image *img) {
  if (!img) return wt__fail(ctx, WT_ERR_ARG, func, "%s is NULL", name);
  if (!img->data) return wt__fail(ctx, WT_ERR_ARG, func, "%s->data is NULL", name);
  if (img->C != 1 && img->C != 3 && img->C != 4)
    return wt__fail(ctx, WT_ERR_SHAPE, func, "%s has %lld channels; expected 1, 3 or 4", name,
                    (long long)img->C);
  WT_TRY(wt__check_dim(ctx, func, "H", img->H));
  WT_TRY(wt__check_dim(ctx, func, "W", img->W));
  const int64_t dims[3] = {img->H, img->W, img->C};
  return wt__check_elems(ctx, func, name, dims, 3, NULL);
}

wt_status wt__scratch_alloc(wt_ctx *ctx, size_t bytes, wt__scratch *s) {
  s->mark = wt__arena_mark(ctx);
  s->heap = 0;
  if (bytes <= ctx->arena.size - ctx->arena.used) {
    s->p = wt__arena_alloc(ctx, bytes);
    if (s->p) return WT_OK;
  }
  s->heap = 1;
  s->p = wt__alloc(ctx, bytes);
  if (!s->p) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu bytes of scratch image", bytes);
  return WT_OK;
}

void wt__scratch_free(wt_ctx *ctx, wt__scratch *s) {
  if (s->heap) wt__free(ctx, s->p);
  else wt__arena_release(ctx, s->mark);
  s->p = NULL;
}

/* Source index of torch's upsample_nearest (nearest_idx): floor(i * (float)in / out). */
static int64_t nearest_src(int64_t i, int64_t in, int64_t out, float scale) {
  if (out == in) return i;
  if (out == 2 * in) return i >> 1;
  int64_t s = (int64_t)floorf((float)i * scale);
  return s < in - 1 ? s : in - 1;
}

/* torch's compute_indices_weights_linear, align_corners=False: the source index and the
   weight of its right neighbour for output i. */
static void linear_src(int64_t i, int64_t in, float scale, int64_t *i0, int64_t *off, float *l1) {
  float real = (float)((double)scale * ((double)i + 0.5) - 0.5);
  if (real < 0.0f) real = 0.0f;
  int64_t idx = (int64_t)floorf(real);
  if (idx > in - 1) idx = in - 1;
  float lam = real - (float)idx;
  lam = lam < 0.0f ? 0.0f : (lam > 1.0f ? 1.0f : lam);
  *i0 = idx;
  *off = idx < in - 1 ? 1 : 0;
  *l1 = lam;
}

static uint8_t round_u8(float v) {
  v = nearbyintf(v); /* torch.round: half to even (default rounding mode) */
  return (uint8_t)(v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v));
}

void wt__resize_box_u8(const wt_image *src, int64_t top, int64_t left, int64_t h, int64_t w,
                       wt_image *dst, wt_interp interp) {
  const int64_t C = src->C, OH = dst->H, OW = dst->W, rs = src->W * C;
  const uint8_t *base = src->data + top * rs + left * C;
  if (OH == h && OW == w) { /* F.resize returns the image itself */
    for (int64_t y = 0; y < h; y++) memcpy(dst->data + y * OW * C, base + y * rs, (size_t)(w * C));
    return;
  }
  const float sh = (float)h / (float)OH, sw = (float)w / (float)OW;
  if (interp == WT_INTERP_NEAREST) {
    for (int64_t y = 0; y < OH; y++) {
      const uint8_t *row = base + nearest_src(y, h, OH, sh) * rs;
      uint8_t *d = dst->data + y * OW * C;
      for (int64_t x = 0; x < OW; x++) {
        const uint8_t *p = row + nearest_src(x, w, OW, sw) * C;
        for (int64_t c = 0; c < C; c++) d[x * C + c] = p[c];
      }
    }
    return;
  }
  /* Bilinear, in torch's order: (p00*wx0 + p01*wx1)*wy0 + (p10*wx0 + p11*wx1)*wy1, float32. */
  for (int64_t y = 0; y < OH; y++) {
    int64_t y0, yo;
    float ly1;
    linear_src(y, h, sh, &y0, &yo, &ly1);
    const float ly0 = 1.0f - ly1;
    const uint8_t *r0 = base + y0 * rs, *r1 = base + (y0 + yo) * rs;
    uint8_t *d = dst->data + y * OW * C;
    for (int64_t x = 0; x < OW; x++) {
      int64_t x0, xo;
      float lx1;
      linear_src(x, w, sw, &x0, &xo, &lx1);
      const float lx0 = 1.0f - lx1;
      const int64_t a = x0 * C, b = (x0 + xo) * C;
      for (int64_t c = 0; c < C; c++) {
        float t0 = (float)r0[a + c] * lx0;
        t0 += (float)r0[b + c] * lx1;
        float t1 = (float)r1[a + c] * lx0;
        t1 += (float)r1[b + c] * lx1;
        float v = t0 * ly0;
        v += t1 * ly1;
        d[x * C + c] = round_u8(v);
      }
    }
  }
}

static wt_status check_pair(wt_ctx *ctx, const char *func, const wt_image *src, const wt_image *dst) {
  WT_TRY(wt__image_check(ctx, func, "src", src));
  WT_TRY(wt__image_check(ctx, func, "dst", dst));
  if (dst->C != src->C)
    return wt__fail(ctx, WT_ERR_SHAPE, func, "dst has %lld channels, src %lld", (long long)dst->C,
                    (long long)src->C);
  return WT_OK;
}

static int overlaps(const wt_image *a, const wt_image *b) {
  const uint8_t *a0 = a->data, *a1 = a->data + wt__image_bytes(a);
  const uint8_t *b0 = b->data, *b1 = b->data + wt__image_bytes(b);
  return a0 < b1 && b0 < a1;
}

wt_status wt_image_resized_crop(wt_ctx *ctx, const wt_image *src, int64_t top, int64_t left,
                                int64_t h, int64_t w, wt_image *dst, wt_interp interp) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_pair(ctx, __func__, src, dst));
  if (interp != WT_INTERP_NEAREST && interp != WT_INTERP_BILINEAR)
    return WT_FAIL(ctx, WT_ERR_ARG, "interp must be nearest (0) or bilinear (1), got %d", (int)interp);
  if (h < 1 || w < 1 || top < 0 || left < 0 || top + h > src->H || left + w > src->W)
    return WT_FAIL(ctx, WT_ERR_ARG, "box (top %lld, left %lld, h %lld, w %lld) is not inside the %lldx%lld image",
                   (long long)top, (long long)left, (long long)h, (long long)w, (long long)src->H,
                   (long long)src->W);
  if (overlaps(src, dst)) return WT_FAIL(ctx, WT_ERR_ARG, "src and dst overlap");
  wt__resize_box_u8(src, top, left, h, w, dst, interp);
  return WT_OK;
}

wt_status wt_image_resize(wt_ctx *ctx, const wt_image *src, wt_image *dst, wt_interp interp) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__image_check(ctx, __func__, "src", src));
  return wt_image_resized_crop(ctx, src, 0, 0, src->H, src->W, dst, interp);
}

wt_status wt_image_resize_extent(wt_ctx *ctx, int64_t H, int64_t W, int64_t size_h, int64_t size_w,
                                 int64_t *out_h, int64_t *out_w) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_dim(ctx, __func__, "H", H));
  WT_TRY(wt__check_dim(ctx, __func__, "W", W));
  WT_TRY(wt__check_dim(ctx, __func__, "size", size_h));
  if (size_w != 0) {
    WT_TRY(wt__check_dim(ctx, __func__, "size_w", size_w));
    *out_h = size_h;
    *out_w = size_w;
    return WT_OK;
  }
  /* _compute_resized_output_size: the short edge becomes size, the long int(size * long / short). */
  const int64_t s = W <= H ? W : H, l = W <= H ? H : W;
  int64_t nl = (int64_t)((double)size_h * (double)l / (double)s);
  if (nl < 1) nl = 1;
  WT_TRY(wt__check_dim(ctx, __func__, "resized long edge", nl));
  *out_w = W <= H ? size_h : nl;
  *out_h = W <= H ? nl : size_h;
  return WT_OK;
}

wt_status wt_image_crop(wt_ctx *ctx, const wt_image *src, int64_t top, int64_t left, wt_image *dst) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_pair(ctx, __func__, src, dst));
  if (overlaps(src, dst)) return WT_FAIL(ctx, WT_ERR_ARG, "src and dst overlap");
  if (top < -WT_MAX_DIM || top > WT_MAX_DIM || left < -WT_MAX_DIM || left > WT_MAX_DIM)
    return WT_FAIL(ctx, WT_ERR_ARG, "top/left out of range");
  const int64_t C = src->C;
  for (int64_t y = 0; y < dst->H; y++) {
    uint8_t *d = dst->data + y * dst->W * C;
    const int64_t sy = top + y;
    if (sy < 0 || sy >= src->H) {
      memset(d, 0, (size_t)(dst->W * C));
      continue;
    }
    /* Columns [x0, x1) of the output come from inside the source; the rest are zero. */
    int64_t x0 = -left, x1 = src->W - left;
    x0 = x0 < 0 ? 0 : (x0 > dst->W ? dst->W : x0);
    x1 = x1 < x0 ? x0 : (x1 > dst->W ? dst->W : x1);
    memset(d, 0, (size_t)(x0 * C));
    memcpy(d + x0 * C, src->data + (sy * src->W + left + x0) * C, (size_t)((x1 - x0) * C));
    memset(d + x1 * C, 0, (size_t)((dst->W - x1) * C));
  }
  return WT_OK;
}

wt_status wt_image_center_crop(wt_ctx *ctx, const wt_image *src, wt_image *dst) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_pair(ctx, __func__, src, dst));
  /* F.center_crop: pad (left (cw - W) // 2, ...) when the crop is larger, then round((H - ch) / 2). */
  int64_t H = src->H, W = src->W, pt = 0, pl = 0;
  if (dst->W > W || dst->H > H) {
    if (dst->W > W) pl = (dst->W - W) / 2;
    if (dst->H > H) pt = (dst->H - H) / 2;
    if (dst->W > W) W = dst->W;
    if (dst->H > H) H = dst->H;
  }
  const int64_t top = (int64_t)nearbyint((double)(H - dst->H) / 2.0) - pt;
  const int64_t left = (int64_t)nearbyint((double)(W - dst->W) / 2.0) - pl;
  return wt_image_crop(ctx, src, top, left, dst);
}

static void swap_px(uint8_t *a, uint8_t *b, int64_t C) {
  for (int64_t c = 0; c < C; c++) {
    uint8_t t = a[c];
    a[c] = b[c];
    b[c] = t;
  }
}

wt_status wt_image_hflip(wt_ctx *ctx, const wt_image *src, wt_image *dst) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_pair(ctx, __func__, src, dst));
  if (dst->H != src->H || dst->W != src->W) return WT_FAIL(ctx, WT_ERR_SHAPE, "dst extent differs from src");
  const int64_t C = src->C, W = src->W;
  if (src->data == dst->data) {
    for (int64_t y = 0; y < src->H; y++) {
      uint8_t *r = dst->data + y * W * C;
      for (int64_t x = 0; x < W / 2; x++) swap_px(r + x * C, r + (W - 1 - x) * C, C);
    }
    return WT_OK;
  }
  if (overlaps(src, dst)) return WT_FAIL(ctx, WT_ERR_ARG, "src and dst overlap");
  for (int64_t y = 0; y < src->H; y++) {
    const uint8_t *s = src->data + y * W * C;
    uint8_t *d = dst->data + y * W * C;
    for (int64_t x = 0; x < W; x++) memcpy(d + x * C, s + (W - 1 - x) * C, (size_t)C);
  }
  return WT_OK;
}

wt_status wt_image_vflip(wt_ctx *ctx, const wt_image *src, wt_image *dst) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_pair(ctx, __func__, src, dst));
  if (dst->H != src->H || dst->W != src->W) return WT_FAIL(ctx, WT_ERR_SHAPE, "dst extent differs from src");
  const int64_t H = src->H;
  const size_t row = (size_t)(src->W * src->C);
  if (src->data == dst->data) {
    for (int64_t y = 0; y < H / 2; y++) {
      uint8_t *a = dst->data + (size_t)y * row, *b = dst->data + (size_t)(H - 1 - y) * row;
      for (size_t i = 0; i < row; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
      }
    }
    return WT_OK;
  }
  if (overlaps(src, dst)) return WT_FAIL(ctx, WT_ERR_ARG, "src and dst overlap");
  for (int64_t y = 0; y < H; y++) memcpy(dst->data + (size_t)y * row, src->data + (size_t)(H - 1 - y) * row, row);
  return WT_OK;
}
