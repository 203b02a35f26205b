/* ricap.c - RICAP, random image cropping and patching (Takahashi, Matsubara, Uehara, ACML 2018;
   official jackryo/ricap trainers.py TrainerRICAP.ricap): a boundary (w, h) drawn from
   Beta(beta, beta) splits the output into four parts; part k is a crop of its own random
   permutation of the batch, at one offset per part for the whole batch, and weighs
   area_k / (H W) in the loss and the accuracy. Not here: the soft targets (batch.c). */
#include <math.h>
#include <string.h>

#include "batch.h"

void wt_ricap_boundary(int64_t H, int64_t W, double bw, double bh, int64_t boundary[2]) {
  /* int(np.round(extent * beta)): round half to even, which nearbyint does in the default
     rounding mode. */
  boundary[0] = (int64_t)nearbyint((double)W * bw);
  boundary[1] = (int64_t)nearbyint((double)H * bh);
}

/* Part k: columns [x, x + w) and rows [y, y + h) of the output. The official code concatenates
   crops 0 and 1 along dim 2 (rows) into the left strip, 2 and 3 into the right one. */
void wt__ricap_part(const wt_batch_params *p, int k, int64_t *x, int64_t *y, int64_t *w, int64_t *h) {
  const int64_t bw = p->boundary[0], bh = p->boundary[1];
  const int right = k >= 2, bottom = k & 1;
  *x = right ? bw : 0;
  *y = bottom ? bh : 0;
  *w = right ? p->W - bw : bw;
  *h = bottom ? p->H - bh : bh;
}

static wt_status set(wt_ctx *ctx, const char *func, int64_t N, int64_t H, int64_t W,
                     const int64_t boundary[2], const int64_t offsets[4][2], wt_batch_params *p) {
  if (!boundary || !offsets) return wt__fail(ctx, WT_ERR_ARG, func, "boundary or offsets is NULL");
  if (!(0 <= boundary[0] && boundary[0] <= W && 0 <= boundary[1] && boundary[1] <= H))
    return wt__fail(ctx, WT_ERR_ARG, func, "boundary {w %lld, h %lld} must lie in [0, W = %lld] x [0, H = %lld]",
                    (long long)boundary[0], (long long)boundary[1], (long long)W, (long long)H);
  wt_batch_params q = *p; /* p stays untouched on failure */
  wt__batch_reset(&q, N, H, W);
  q.trick = WT_BATCH_RICAP;
  q.n_parts = 4;
  q.boundary[0] = boundary[0];
  q.boundary[1] = boundary[1];
  for (int k = 0; k < 4; k++) {
    int64_t x, y, w, h;
    wt__ricap_part(&q, k, &x, &y, &w, &h);
    if (!(0 <= offsets[k][0] && offsets[k][0] <= W - w && 0 <= offsets[k][1] && offsets[k][1] <= H - h))
      return wt__fail(ctx, WT_ERR_ARG, func,
                      "offset of part %d {x %lld, y %lld} must lie in [0, %lld] x [0, %lld] for its %lld x %lld crop",
                      k, (long long)offsets[k][0], (long long)offsets[k][1], (long long)(W - w),
                      (long long)(H - h), (long long)w, (long long)h);
    q.offset[k][0] = offsets[k][0];
    q.offset[k][1] = offsets[k][1];
    /* W_[k] = w_[k] * h_[k] / (I_x * I_y), Python's true division in double. */
    q.weight[k] = (double)(w * h) / ((double)H * (double)W);
  }
  *p = q;
  return WT_OK;
}

wt_status wt_ricap_params(wt_ctx *ctx, int64_t N, int64_t H, int64_t W, const int64_t boundary[2],
                          const int64_t offsets[4][2], const int32_t *perms, wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, H, W));
  if (!perms) return WT_FAIL(ctx, WT_ERR_ARG, "perms is NULL");
  for (int k = 0; k < 4; k++) WT_TRY(wt__batch_check_perm(ctx, __func__, perms + k * N, N, k));
  WT_TRY(set(ctx, __func__, N, H, W, boundary, offsets, p));
  memcpy(p->perm, perms, (size_t)(4 * N) * sizeof *perms);
  return WT_OK;
}

wt_status wt_ricap_sample(wt_ctx *ctx, double beta, int64_t N, int64_t H, int64_t W,
                          wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, H, W));
  if (!(beta > 0.0 && isfinite(beta)))
    return WT_FAIL(ctx, WT_ERR_ARG, "beta must be finite and > 0, got %g", beta);
  /* ricap(): the first Beta sizes dim 2 (rows), the second dim 3 (columns). */
  const double bh = wt_rng_beta(&ctx->rng, beta, beta);
  const double bw = wt_rng_beta(&ctx->rng, beta, beta);
  int64_t boundary[2], offsets[4][2];
  wt_ricap_boundary(H, W, bw, bh, boundary);
  wt_batch_params q = *p;
  q.N = N, q.H = H, q.W = W, q.boundary[0] = boundary[0], q.boundary[1] = boundary[1];
  for (int k = 0; k < 4; k++) {
    int64_t x, y, w, h;
    wt__ricap_part(&q, k, &x, &y, &w, &h);
    /* idx = randperm; x_k = randint(0, I_x - w_k + 1) over rows; y_k likewise over columns. */
    wt__batch_randperm(&ctx->rng, p->perm + k * N, N);
    offsets[k][1] = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(H - h + 1));
    offsets[k][0] = (int64_t)wt_rng_below(&ctx->rng, (uint32_t)(W - w + 1));
  }
  return set(ctx, __func__, N, H, W, boundary, offsets, p);
}

/* Each part's crop, row segment by row segment: out[i, c, y + r, x + s] =
   x[perm_k[i], c, oy + r, ox + s]. Parts of zero area copy nothing. */
void wt__ricap_apply(const wt_batch_params *p, int64_t C, const float *src, float *out) {
  const int64_t N = p->N, H = p->H, W = p->W, S = C * H * W;
  for (int k = 0; k < 4; k++) {
    int64_t x, y, w, h;
    wt__ricap_part(p, k, &x, &y, &w, &h);
    if (w == 0 || h == 0) continue;
    const int64_t ox = p->offset[k][0], oy = p->offset[k][1];
    for (int64_t i = 0; i < N; i++) {
      const float *a = src + (int64_t)p->perm[k * N + i] * S;
      float *o = out + i * S;
      for (int64_t c = 0; c < C; c++)
        for (int64_t r = 0; r < h; r++)
          memcpy(o + (c * H + y + r) * W + x, a + (c * H + oy + r) * W + ox, (size_t)w * sizeof *o);
    }
  }
}
