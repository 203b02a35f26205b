/* bench_augment.c - images/s of the augmentation pipeline (src/augment/pipeline.c), one image
   at a time as a data loader would run it: the CIFAR recipe (RandomCrop 32 pad 4 + flip +
   AutoAugment CIFAR10 + ToTensor/Normalize + Cutout 16) on 32x32 RGB and the ImageNet recipe
   (RandomResizedCrop 224 bilinear + flip + AutoAugment IMAGENET + ToTensor/Normalize) on
   256x256 RGB. Native: cc -O2 -Isrc bench/bench_augment.c build/libwasmtricks.a -lm. Wasm:
   emcc -O3 -Isrc bench/bench_augment.c build-wasm/libwasmtricks.a -o /tmp/b.js; node /tmp/b.js.
   Not part of ctest. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wasmtricks.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double run(wt_ctx *ctx, const wt_aug_step *steps, int n, int64_t H, int64_t W, double seconds) {
  uint8_t *img = malloc((size_t)(H * W * 3));
  for (int64_t i = 0; i < H * W * 3; i++) img[i] = (uint8_t)((i * 2654435761u) >> 24);
  int64_t chw[3];
  int is_float;
  wt_aug_pipeline_shape(ctx, steps, n, H, W, 3, chw, &is_float);
  float *out = malloc((size_t)(chw[0] * chw[1] * chw[2]) * sizeof(float));
  wt_image src = {img, H, W, 3};
  long count = 0;
  const double t0 = now();
  double t;
  do {
    for (int k = 0; k < 50; k++)
      if (wt_aug_pipeline_run(ctx, steps, n, &src, NULL, out) != WT_OK) {
        printf("error: %s\n", wt_ctx_last_error(ctx));
        return 0;
      }
    count += 50;
    t = now() - t0;
  } while (t < seconds);
  free(img);
  free(out);
  return (double)count / t;
}

int main(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  static const float cmean[3] = {125.3f / 255, 123.0f / 255, 113.9f / 255}, cstd[3] = {63.0f / 255, 62.1f / 255, 66.7f / 255};
  static const float imean[3] = {0.485f, 0.456f, 0.406f}, istd[3] = {0.229f, 0.224f, 0.225f};
  const wt_aug_step cifar[5] = {
      {.kind = WT_STEP_RANDOM_CROP, .size_h = 32, .size_w = 32, .padding = 4},
      {.kind = WT_STEP_HFLIP, .p = 0.5f},
      {.kind = WT_STEP_AUTOAUGMENT, .policy = WT_AUG_POLICY_CIFAR10},
      {.kind = WT_STEP_TO_TENSOR, .mean = cmean, .std = cstd},
      {.kind = WT_STEP_CUTOUT, .n_holes = 1, .length = 16},
  };
  const wt_aug_step in1k[4] = {
      {.kind = WT_STEP_RANDOM_RESIZED_CROP, .size_h = 224, .size_w = 224, .scale = {0.08f, 1.0f},
       .ratio = {3.0f / 4.0f, 4.0f / 3.0f}, .interp = WT_INTERP_BILINEAR},
      {.kind = WT_STEP_HFLIP, .p = 0.5f},
      {.kind = WT_STEP_AUTOAUGMENT, .policy = WT_AUG_POLICY_IMAGENET},
      {.kind = WT_STEP_TO_TENSOR, .mean = imean, .std = istd},
  };
  printf("CIFAR recipe (32x32: pad-crop, flip, AutoAugment CIFAR10, normalize, Cutout 16): %.0f images/s\n",
         run(ctx, cifar, 5, 32, 32, 1.5));
  printf("ImageNet recipe (256x256 -> RRC 224, flip, AutoAugment IMAGENET, normalize): %.0f images/s\n",
         run(ctx, in1k, 4, 256, 256, 1.5));
  wt_ctx_destroy(ctx);
  return 0;
}
