/* loader.c - the data loader's engine side: the per-epoch shuffle and one training (or
   evaluation) batch, i.e. the per-sample augmentation pipeline over n images ending in the
   normalised float tensors the model takes. Randomness is the context's RNG only, so a
   checkpoint of that state resumes the same shuffles and augmentations. Not here: the data sets
   (idx.c, cifar.c, decode.c) or the batch tricks (the trainer's step). */
#include "../core/internal.h"

wt_status wt_data_shuffle(wt_ctx *ctx, int32_t *idx, int64_t n) {
  if (!ctx) return WT_ERR_ARG;
  if (n < 0 || n > 0x7fffffff) return WT_FAIL(ctx, WT_ERR_ARG, "n must be in [0, 2^31), got %lld", (long long)n);
  if (n > 0 && !idx) return WT_FAIL(ctx, WT_ERR_ARG, "idx is NULL");
  /* Fisher-Yates from the end: i swaps with j uniform in [0, i]. */
  for (int64_t i = n - 1; i > 0; i--) {
    const int64_t j = wt_rng_below(&ctx->rng, (uint32_t)(i + 1));
    const int32_t t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return WT_OK;
}

wt_status wt_data_batch(wt_ctx *ctx, const wt_aug_step *steps, int n_steps, const uint8_t *src,
                        int64_t n, int64_t H, int64_t W, int64_t C, float *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!steps || !src || !out) return WT_FAIL(ctx, WT_ERR_ARG, "steps, src and out must not be NULL");
  WT_TRY(wt__check_dim(ctx, __func__, "n", n));
  int64_t chw[3];
  int is_float = 0;
  WT_TRY(wt_aug_pipeline_shape(ctx, steps, n_steps, H, W, C, chw, &is_float));
  if (!is_float)
    return WT_FAIL(ctx, WT_ERR_ARG, "the pipeline must contain a TO_TENSOR step (float output)");
  const int64_t dims[4] = {n, H, W, C};
  WT_TRY(wt__check_elems(ctx, __func__, "images", dims, 4, NULL));
  const size_t in_bytes = (size_t)(H * W * C);
  const size_t out_floats = (size_t)(chw[0] * chw[1] * chw[2]);
  for (int64_t i = 0; i < n; i++) {
    const wt_image img = {(uint8_t *)src + (size_t)i * in_bytes, H, W, C};
    WT_TRY(wt_aug_pipeline_run(ctx, steps, n_steps, &img, NULL, out + (size_t)i * out_floats));
  }
  return WT_OK;
}
