/* fuzz_image.c - libFuzzer target for the engine's PNG/JPEG decoding (stb_image inside
   src/data/decode.c): wt_image_decode_info, then wt_image_decode into destinations of another
   extent and channel count (the resize + centre-crop path) and, for small images, of the
   file's own extent (the copy path). Outputs are exactly sized, so ASan sees any overrun. */
#include "fuzz.h"

static int decode_into(wt_ctx *ctx, const uint8_t *data, size_t size, int64_t H, int64_t W,
                        int64_t C) {
  wt_image dst = {malloc((size_t)(H * W * C)), H, W, C};
  WT_FUZZ_CHECK(dst.data != NULL);
  const wt_status st = wt_image_decode(ctx, data, size, &dst);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  if (st == WT_OK) {
    unsigned sum = 0; /* MSan-style use: the output is fully written (ASan: in bounds) */
    for (int64_t i = 0; i < H * W * C; i++) sum += dst.data[i];
    (void)sum;
  }
  free(dst.data);
  return st == WT_OK;
}

static int wt_fuzz_image(const uint8_t *data, size_t size) {
  wt_ctx *ctx = wt_fuzz_ctx();
  const size_t allocs = wt_ctx_live_allocs(ctx);
  int64_t H = 0, W = 0, C = 0;
  const wt_status st = wt_image_decode_info(ctx, data, size, &H, &W, &C);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  int ok = st == WT_OK;
  if (st == WT_OK) {
    WT_FUZZ_CHECK(H >= 1 && W >= 1 && C >= 1 && C <= 4);
    ok &= decode_into(ctx, data, size, 16, 16, 3);
    ok &= decode_into(ctx, data, size, 5, 9, 1);
    if (H * W <= 64 * 64) ok &= decode_into(ctx, data, size, H, W, C == 2 ? 4 : C);
  } else {
    /* the decoder gets the bytes too: its checks are not the info's */
    (void)decode_into(ctx, data, size, 4, 4, 4);
  }
  WT_FUZZ_CHECK(wt_ctx_live_allocs(ctx) == allocs);
  wt_ctx_destroy(ctx);
  return ok;
}
WT_FUZZ_MAIN(wt_fuzz_image)
