/* mixup.c - mixup (Zhang, Cisse, Dauphin, Lopez-Paz, ICLR 2018; official
   facebookresearch/mixup-cifar10 train.py mixup_data): one lambda ~ Beta(alpha, alpha) per
   batch, a random partner permutation, out = lambda x + (1 - lambda) x[perm]. The loss and
   accuracy weights are {lambda, 1 - lambda} (batch.c). Not here: the soft targets (batch.c). */
#include <math.h>

#include "batch.h"

static wt_status set(wt_ctx *ctx, const char *func, int64_t N, double lambda, wt_batch_params *p) {
  if (!(lambda >= 0.0 && lambda <= 1.0))
    return wt__fail(ctx, WT_ERR_ARG, func, "lambda must be in [0, 1], got %g", lambda);
  wt__batch_reset(p, N, 0, 0); /* mixup fits any image size */
  wt__batch_identity(p->perm, N);
  p->trick = WT_BATCH_MIXUP;
  p->n_parts = 2;
  p->lambda = p->lambda_drawn = lambda;
  p->weight[0] = lambda;
  p->weight[1] = 1.0 - lambda; /* as the official (1 - lam), in double */
  return WT_OK;
}

wt_status wt_mixup_params(wt_ctx *ctx, int64_t N, double lambda, const int32_t *perm,
                          wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, 1, 1));
  if (!perm) return WT_FAIL(ctx, WT_ERR_ARG, "perm is NULL");
  WT_TRY(wt__batch_check_perm(ctx, __func__, perm, N, 1));
  WT_TRY(set(ctx, __func__, N, lambda, p));
  for (int64_t i = 0; i < N; i++) p->perm[N + i] = perm[i];
  return WT_OK;
}

wt_status wt_mixup_sample(wt_ctx *ctx, double alpha, int64_t N, wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, 1, 1));
  if (!(alpha >= 0.0 && isfinite(alpha)))
    return WT_FAIL(ctx, WT_ERR_ARG, "alpha must be finite and >= 0, got %g", alpha);
  /* mixup_data: lam = np.random.beta(alpha, alpha) if alpha > 0 else 1; index = randperm. */
  const double lambda = alpha > 0.0 ? wt_rng_beta(&ctx->rng, alpha, alpha) : 1.0;
  WT_TRY(set(ctx, __func__, N, lambda, p));
  wt__batch_randperm(&ctx->rng, p->perm + N, N);
  return WT_OK;
}

/* out[i] = l0 * x[perm0[i]] + l1 * x[perm1[i]]: torch's lam * x + (1 - lam) * x[index] on
   float32 rounds the scalar to float, then each product, then the sum; so does this (C11 ISO
   mode and wasm do not contract to FMA). */
void wt__mixup_apply(const wt_batch_params *p, int64_t S, const float *x, float *out) {
  const int64_t N = p->N;
  const float l0 = (float)p->weight[0], l1 = (float)p->weight[1];
  for (int64_t i = 0; i < N; i++) {
    const float *a = x + (int64_t)p->perm[i] * S, *b = x + (int64_t)p->perm[N + i] * S;
    float *o = out + i * S;
    for (int64_t j = 0; j < S; j++) o[j] = l0 * a[j] + l1 * b[j];
  }
}
