/* test_data.c - the data set parsers and the loader's engine side: CIFAR binary batches (good,
   truncated, wrong variant, bad labels), PNG/JPEG decoding through stb_image (round trips of
   images written by stb_image_write, fitting to another extent, corrupt and truncated files),
   the seeded shuffle, and a loader batch against the plain uint8 -> float conversion. */
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

/* stb_image_write (Debian's libstb-dev), by path so the emcc build finds it too. */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include "/usr/include/stb/stb_image_write.h"
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

typedef struct membuf {
  uint8_t *p;
  size_t n, cap;
} membuf;

static void put(void *ctx, void *data, int size) {
  membuf *b = ctx;
  if (b->n + (size_t)size > b->cap) {
    b->cap = (b->n + (size_t)size) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, data, (size_t)size);
  b->n += (size_t)size;
}

static void test_cifar(wt_ctx *ctx) {
  enum { REC10 = 3073, REC100 = 3074, N = 3 };
  uint8_t *b = malloc(N * REC100);
  for (int i = 0; i < N; i++) {
    uint8_t *r = b + i * REC10;
    r[0] = (uint8_t)(7 + i);  /* 7, 8, 9 */
    for (int p = 0; p < 3072; p++) r[1 + p] = (uint8_t)(p * 3 + i);
  }
  int64_t count = 0;
  CHECK_OK(ctx, wt_cifar_parse(ctx, b, N * REC10, 10, &count, NULL, NULL));
  CHECK(count == N);
  uint8_t *img = malloc(N * 3072);
  int32_t labels[N];
  CHECK_OK(ctx, wt_cifar_parse(ctx, b, N * REC10, 10, &count, img, labels));
  CHECK(labels[0] == 7 && labels[2] == 9);
  /* HWC: pixel p, channel c comes from plane c. */
  int hwc_ok = 1;
  for (int i = 0; i < N; i++)
    for (int p = 0; p < 1024; p++)
      for (int c = 0; c < 3; c++)
        hwc_ok &= img[i * 3072 + p * 3 + c] == (uint8_t)((c * 1024 + p) * 3 + i);
  CHECK(hwc_ok);
  /* Truncated: one byte short. */
  CHECK(wt_cifar_parse(ctx, b, N * REC10 - 1, 10, &count, img, labels) == WT_ERR_FORMAT);
  CHECK(strstr(wt_ctx_last_error(ctx), "not a multiple of the 3073-byte record") != NULL);
  CHECK(wt_cifar_parse(ctx, b, 0, 10, &count, NULL, NULL) == WT_ERR_FORMAT);
  /* A label out of range, nothing written. */
  b[REC10] = 10;
  labels[1] = -1;
  CHECK(wt_cifar_parse(ctx, b, N * REC10, 10, &count, img, labels) == WT_ERR_FORMAT);
  CHECK(strstr(wt_ctx_last_error(ctx), "record 1 has label 10") != NULL);
  CHECK(labels[1] == -1);
  /* CIFAR-100: coarse then fine label. */
  for (int i = 0; i < N; i++) {
    uint8_t *r = b + i * REC100;
    r[0] = 19, r[1] = (uint8_t)(97 + i);
  }
  CHECK_OK(ctx, wt_cifar_parse(ctx, b, N * REC100, 100, &count, NULL, labels));
  CHECK(count == N && labels[0] == 97 && labels[2] == 99);
  b[1] = 100;
  CHECK(wt_cifar_parse(ctx, b, N * REC100, 100, &count, NULL, labels) == WT_ERR_FORMAT);
  b[0] = 20, b[1] = 5;
  CHECK(wt_cifar_parse(ctx, b, N * REC100, 100, &count, NULL, labels) == WT_ERR_FORMAT);
  CHECK(strstr(wt_ctx_last_error(ctx), "coarse") != NULL);
  CHECK(wt_cifar_parse(ctx, b, N * REC100, 7, &count, NULL, NULL) == WT_ERR_ARG);
  free(img);
  free(b);
}

static void test_decode(wt_ctx *ctx) {
  enum { H = 12, W = 20 };
  uint8_t rgb[H * W * 3];
  for (int i = 0; i < H * W * 3; i++) rgb[i] = (uint8_t)(i * 37 % 251);
  membuf png = {0}, jpg = {0};
  CHECK(stbi_write_png_to_func(put, &png, W, H, 3, rgb, W * 3));
  CHECK(stbi_write_jpg_to_func(put, &jpg, W, H, 3, rgb, 95));

  int64_t h, w, c;
  CHECK_OK(ctx, wt_image_decode_info(ctx, png.p, png.n, &h, &w, &c));
  CHECK(h == H && w == W && c == 3);
  CHECK_OK(ctx, wt_image_decode_info(ctx, jpg.p, jpg.n, &h, &w, &c));
  CHECK(h == H && w == W && c == 3);

  uint8_t out[H * W * 4];
  wt_image d = {out, H, W, 3};
  CHECK_OK(ctx, wt_image_decode(ctx, png.p, png.n, &d));
  CHECK(memcmp(out, rgb, sizeof rgb) == 0); /* PNG is lossless */
  CHECK_OK(ctx, wt_image_decode(ctx, jpg.p, jpg.n, &d));
  CHECK(out[0] != 0 || out[1] != 0 || out[2] != 0);
  /* RGBA: alpha added as 255; grey: one channel. */
  d.C = 4;
  CHECK_OK(ctx, wt_image_decode(ctx, png.p, png.n, &d));
  CHECK(out[3] == 255 && out[0] == rgb[0] && out[4 * 5 + 1] == rgb[3 * 5 + 1]);
  d.C = 1;
  CHECK_OK(ctx, wt_image_decode(ctx, png.p, png.n, &d));

  /* Another extent: Resize to cover (12x20 -> 8x13), then CenterCrop 8x8: equals doing it by
     hand with the public ops. */
  uint8_t small[8 * 8 * 3], mid[8 * 13 * 3], want[8 * 8 * 3];
  wt_image s = {small, 8, 8, 3};
  CHECK_OK(ctx, wt_image_decode(ctx, png.p, png.n, &s));
  wt_image src = {rgb, H, W, 3}, m = {mid, 8, 13, 3}, wnt = {want, 8, 8, 3};
  CHECK_OK(ctx, wt_image_resize(ctx, &src, &m, WT_INTERP_BILINEAR));
  CHECK_OK(ctx, wt_image_center_crop(ctx, &m, &wnt));
  CHECK(memcmp(small, want, sizeof want) == 0);

  /* Corrupt and truncated files: WT_ERR_FORMAT with a reason; nothing leaks. */
  const size_t live = wt_ctx_live_bytes(ctx);
  d.C = 3;
  CHECK(wt_image_decode(ctx, png.p, png.n / 2, &d) == WT_ERR_FORMAT);
  CHECK(strstr(wt_ctx_last_error(ctx), "cannot decode") != NULL);
  CHECK(wt_image_decode(ctx, jpg.p, 20, &d) == WT_ERR_FORMAT);
  uint8_t junk[64];
  for (int i = 0; i < 64; i++) junk[i] = (uint8_t)(i * 13 + 1);
  CHECK(wt_image_decode_info(ctx, junk, sizeof junk, &h, &w, &c) == WT_ERR_FORMAT);
  CHECK(wt_image_decode(ctx, junk, sizeof junk, &d) == WT_ERR_FORMAT);
  CHECK(wt_image_decode(ctx, junk, 0, &d) == WT_ERR_FORMAT);
  png.p[1] = 'X'; /* broken PNG signature */
  CHECK(wt_image_decode(ctx, png.p, png.n, &d) == WT_ERR_FORMAT);
  CHECK(wt_ctx_live_bytes(ctx) == live);
  free(png.p);
  free(jpg.p);
}

static void test_shuffle_and_batch(void) {
  wt_ctx *a = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  wt_ctx *b = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  enum { N = 1000 };
  int32_t x[N], y[N];
  for (int i = 0; i < N; i++) x[i] = y[i] = i;
  CHECK_OK(a, wt_data_shuffle(a, x, N));
  CHECK_OK(b, wt_data_shuffle(b, y, N));
  CHECK(memcmp(x, y, sizeof x) == 0); /* same seed, same order */
  int seen[N] = {0}, moved = 0;
  for (int i = 0; i < N; i++) seen[x[i]]++, moved += x[i] != i;
  int perm = 1;
  for (int i = 0; i < N; i++) perm &= seen[i] == 1;
  CHECK(perm && moved > N / 2);
  CHECK(wt_data_shuffle(a, x, -1) == WT_ERR_ARG);

  /* A batch through ToTensor + Normalize equals wt_images_u8_to_f32 (C = 1: HWC is CHW). */
  enum { B = 3, S = 6 };
  uint8_t img[B * S * S];
  for (int i = 0; i < B * S * S; i++) img[i] = (uint8_t)(i * 7);
  const float mean[1] = {0.25f}, sd[1] = {0.5f};
  wt_aug_step steps[2] = {{.kind = WT_STEP_TO_TENSOR, .mean = mean, .std = sd}};
  float got[B * S * S], want[B * S * S];
  CHECK_OK(a, wt_data_batch(a, steps, 1, img, B, S, S, 1, got));
  CHECK_OK(a, wt_images_u8_to_f32(a, img, B, 1, S, S, mean, sd, want));
  CHECK(memcmp(got, want, sizeof got) == 0);
  /* Random crop with padding: deterministic given the seed. */
  steps[0] = (wt_aug_step){.kind = WT_STEP_RANDOM_CROP, .size_h = S, .size_w = S, .padding = 2};
  steps[1] = (wt_aug_step){.kind = WT_STEP_TO_TENSOR};
  float g1[B * S * S], g2[B * S * S];
  CHECK_OK(a, wt_data_batch(a, steps, 2, img, B, S, S, 1, g1));
  CHECK_OK(b, wt_data_batch(b, steps, 2, img, B, S, S, 1, g2));
  CHECK(memcmp(g1, g2, sizeof g1) == 0);
  /* No TO_TENSOR: refused. */
  CHECK(wt_data_batch(a, steps, 1, img, B, S, S, 1, g1) == WT_ERR_ARG);
  CHECK(strstr(wt_ctx_last_error(a), "TO_TENSOR") != NULL);
  wt_ctx_destroy(a);
  wt_ctx_destroy(b);
}

int main(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  test_cifar(ctx);
  test_decode(ctx);
  test_shuffle_and_batch();
  wt_ctx_destroy(ctx);
  return check_summary("test_data");
}
