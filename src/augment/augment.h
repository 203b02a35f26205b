/* augment.h - what the files of src/augment/ share: image validation, scratch images, and the
   affine sampler used by the geometric ops. Not public: users see src/wasmtricks.h. */
#ifndef WT_AUGMENT_H
#define WT_AUGMENT_H

#include "../core/internal.h"

/* Validates an image (data non-NULL, extents in range, C in {1, 3, 4}), naming it in errors. */
wt_status wt__image_check(wt_ctx *ctx, const char *func, const char *name, const wt_image *img);
/* Bytes of an image (already checked). */
static inline size_t wt__image_bytes(const wt_image *img) {
  return (size_t)img->H * (size_t)img->W * (size_t)img->C;
}
/* Colour channels an op touches: 3 for RGBA (alpha passes through), else C. */
static inline int64_t wt__color_channels(int64_t C) { return C == 4 ? 3 : C; }

/* Scratch bytes: from the arena when they fit, else a tracked allocation. Release with
   wt__scratch_free in reverse order of allocation. */
typedef struct wt__scratch {
  void *p;
  size_t mark;
  int heap;
} wt__scratch;
wt_status wt__scratch_alloc(wt_ctx *ctx, size_t bytes, wt__scratch *s);
void wt__scratch_free(wt_ctx *ctx, wt__scratch *s);

/* Inverse affine warp, torchvision F_t.affine / F_t.rotate (expand=False) on uint8 HWC:
   m is torchvision's inverse matrix (6 doubles, centre-origin coordinates). src != dst. */
void wt__affine_u8(const wt_image *src, wt_image *dst, const double m[6], wt_interp interp,
                   const float *fill);
/* Resize of the box (top, left, h, w) of src (inside it) into dst, F_t.resize semantics. */
void wt__resize_box_u8(const wt_image *src, int64_t top, int64_t left, int64_t h, int64_t w,
                       wt_image *dst, wt_interp interp);

#endif /* WT_AUGMENT_H */
