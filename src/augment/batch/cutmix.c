/* cutmix.c - CutMix (Yun et al., ICCV 2019; official clovaai/CutMix-PyTorch train.py, rand_bbox
   and the training loop): a box of area about (1 - lambda) H W, centre uniform in the image,
   clipped to it, filled from the partner x[perm]; lambda then recomputed from the clipped box.
   Not here: the cutmix_prob gate (batch.c, wt_batch_sample) and the soft targets (batch.c). */
#include <math.h>
#include <string.h>

#include "batch.h"

static int64_t clip(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

void wt_cutmix_box(int64_t H, int64_t W, double lambda, int64_t cx, int64_t cy, int64_t box[4]) {
  /* cut_rat = np.sqrt(1 - lam); cut = np.int(extent * cut_rat) truncates; c -+ cut // 2. */
  const double cut = sqrt(1.0 - lambda);
  const int64_t cut_w = (int64_t)((double)W * cut), cut_h = (int64_t)((double)H * cut);
  box[0] = clip(cx - cut_w / 2, 0, W);
  box[1] = clip(cy - cut_h / 2, 0, H);
  box[2] = clip(cx + cut_w / 2, 0, W);
  box[3] = clip(cy + cut_h / 2, 0, H);
}

static wt_status set_box(wt_ctx *ctx, const char *func, int64_t N, int64_t H, int64_t W,
                         const int64_t box[4], wt_batch_params *p) {
  if (!box) return wt__fail(ctx, WT_ERR_ARG, func, "box is NULL");
  if (!(0 <= box[0] && box[0] <= box[2] && box[2] <= W && 0 <= box[1] && box[1] <= box[3] &&
        box[3] <= H))
    return wt__fail(ctx, WT_ERR_ARG, func,
                    "box {x0 %lld, y0 %lld, x1 %lld, y1 %lld} must satisfy 0 <= x0 <= x1 <= W = %lld "
                    "and 0 <= y0 <= y1 <= H = %lld",
                    (long long)box[0], (long long)box[1], (long long)box[2], (long long)box[3],
                    (long long)W, (long long)H);
  wt__batch_reset(p, N, H, W);
  wt__batch_identity(p->perm, N);
  p->trick = WT_BATCH_CUTMIX;
  p->n_parts = 2;
  memcpy(p->box, box, sizeof p->box);
  /* lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (W * H)), in double as Python's true division. */
  const double area = (double)((box[2] - box[0]) * (box[3] - box[1]));
  p->lambda = p->lambda_drawn = 1.0 - area / ((double)H * (double)W);
  p->weight[0] = p->lambda;
  p->weight[1] = 1.0 - p->lambda;
  p->center[0] = (box[0] + box[2]) / 2;
  p->center[1] = (box[1] + box[3]) / 2;
  return WT_OK;
}

wt_status wt_cutmix_params(wt_ctx *ctx, int64_t N, int64_t H, int64_t W, const int64_t box[4],
                           const int32_t *perm, wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, H, W));
  if (!perm) return WT_FAIL(ctx, WT_ERR_ARG, "perm is NULL");
  WT_TRY(wt__batch_check_perm(ctx, __func__, perm, N, 1));
  WT_TRY(set_box(ctx, __func__, N, H, W, box, p));
  for (int64_t i = 0; i < N; i++) p->perm[N + i] = perm[i];
  return WT_OK;
}

wt_status wt_cutmix_sample(wt_ctx *ctx, double alpha, int64_t N, int64_t H, int64_t W,
                           wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, H, W));
  if (!(alpha > 0.0 && isfinite(alpha)))
    return WT_FAIL(ctx, WT_ERR_ARG, "alpha must be finite and > 0, got %g", alpha);
  /* train.py: lam = np.random.beta(beta, beta); rand_index = randperm; rand_bbox draws the row
     centre (its "cx" over size[2]) and then the column centre. */
  const double drawn = wt_rng_beta(&ctx->rng, alpha, alpha);
  wt__batch_randperm(&ctx->rng, p->perm + N, N);
  const int64_t cy = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)H);
  const int64_t cx = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)W);
  int64_t box[4];
  wt_cutmix_box(H, W, drawn, cx, cy, box);
  WT_TRY(set_box(ctx, __func__, N, H, W, box, p));
  p->lambda_drawn = drawn;
  p->center[0] = cx;
  p->center[1] = cy;
  return WT_OK;
}

/* out[i] = x[perm0[i]] with the box taken from x[perm1[i]]. */
void wt__cutmix_apply(const wt_batch_params *p, int64_t C, const float *x, float *out) {
  const int64_t N = p->N, H = p->H, W = p->W, S = C * H * W;
  const int64_t x0 = p->box[0], y0 = p->box[1], bw = p->box[2] - p->box[0];
  for (int64_t i = 0; i < N; i++) {
    const float *a = x + (int64_t)p->perm[i] * S, *b = x + (int64_t)p->perm[N + i] * S;
    float *o = out + i * S;
    memcpy(o, a, (size_t)S * sizeof *o);
    if (bw == 0) continue;
    for (int64_t c = 0; c < C; c++)
      for (int64_t y = y0; y < p->box[3]; y++) {
        const int64_t at = (c * H + y) * W + x0;
        memcpy(o + at, b + at, (size_t)bw * sizeof *o);
      }
  }
}
