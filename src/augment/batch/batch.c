/* batch.c - what mixup, CutMix and RICAP share (src/augment/batch/): parameter checks, the
   permutation sampler, the per-batch choice of trick (prob gate, timm's mixup/CutMix switch),
   wt_batch_apply's dispatch, the soft targets and the mixed accuracy. Not here: each trick's
   sampler and mixing loop (mixup.c, cutmix.c, ricap.c). */
#include <math.h>
#include <string.h>

#include "batch.h"

wt_status wt__batch_check_dims(wt_ctx *ctx, const char *func, const wt_batch_params *p, int64_t N,
                               int64_t H, int64_t W) {
  if (!p) return wt__fail(ctx, WT_ERR_ARG, func, "params is NULL");
  if (!p->perm) return wt__fail(ctx, WT_ERR_ARG, func, "params->perm is NULL (it must point at 4*N int32)");
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "H", H));
  WT_TRY(wt__check_dim(ctx, func, "W", W));
  const int64_t dims[3] = {N, H, W};
  return wt__check_elems(ctx, func, "N*H*W", dims, 3, NULL);
}

wt_status wt__batch_check_perm(wt_ctx *ctx, const char *func, const int32_t *perm, int64_t N,
                               int part) {
  for (int64_t i = 0; i < N; i++)
    if (perm[i] < 0 || perm[i] >= N)
      return wt__fail(ctx, WT_ERR_ARG, func, "permutation of part %d: entry %lld is %d, outside [0, N = %lld)",
                      part, (long long)i, (int)perm[i], (long long)N);
  return WT_OK;
}

void wt__batch_reset(wt_batch_params *p, int64_t N, int64_t H, int64_t W) {
  int32_t *perm = p->perm;
  memset(p, 0, sizeof *p);
  p->perm = perm;
  p->trick = WT_BATCH_NONE;
  p->N = N, p->H = H, p->W = W;
  p->n_parts = 1;
  p->weight[0] = 1.0;
  p->lambda = p->lambda_drawn = 1.0;
}

void wt__batch_identity(int32_t *perm, int64_t N) {
  for (int64_t i = 0; i < N; i++) perm[i] = (int32_t)i;
}

void wt__batch_randperm(wt_rng *rng, int32_t *perm, int64_t N) {
  wt__batch_identity(perm, N);
  for (int64_t i = N - 1; i > 0; i--) {
    const int64_t j = (int64_t)wt_rng_below(rng, (uint32_t)(i + 1));
    const int32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

wt_batch_options wt_batch_defaults(wt_batch_trick trick) {
  wt_batch_options o = {0};
  switch (trick) {
    case WT_BATCH_MIXUP: o.mixup_alpha = 1.0, o.prob = 1.0; break;        /* mixup-cifar10 --alpha */
    case WT_BATCH_CUTMIX: o.cutmix_alpha = 1.0, o.prob = 0.5; break;      /* CutMix README, CIFAR */
    case WT_BATCH_RICAP: o.ricap_beta = 0.3, o.prob = 1.0; break;         /* ricap README */
    default: break;
  }
  o.switch_prob = 0.5; /* timm Mixup */
  return o;
}

static bool unit(double v) { return v >= 0.0 && v <= 1.0; }
static bool nonneg(double v) { return v >= 0.0 && isfinite(v); }

wt_status wt_batch_check(wt_ctx *ctx, const wt_batch_options *opt) {
  if (!ctx) return WT_ERR_ARG;
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "options is NULL");
  if (!nonneg(opt->mixup_alpha) || !nonneg(opt->cutmix_alpha) || !nonneg(opt->ricap_beta))
    return WT_FAIL(ctx, WT_ERR_ARG, "mixup_alpha %g, cutmix_alpha %g, ricap_beta %g must be finite and >= 0",
                   opt->mixup_alpha, opt->cutmix_alpha, opt->ricap_beta);
  if (!unit(opt->prob) || !unit(opt->switch_prob))
    return WT_FAIL(ctx, WT_ERR_ARG, "prob %g and switch_prob %g must lie in [0, 1]", opt->prob, opt->switch_prob);
  if (opt->ricap_beta > 0.0 && (opt->mixup_alpha > 0.0 || opt->cutmix_alpha > 0.0))
    return WT_FAIL(ctx, WT_ERR_ARG, "RICAP excludes mixup and CutMix (ricap_beta %g with mixup_alpha %g, cutmix_alpha %g)",
                   opt->ricap_beta, opt->mixup_alpha, opt->cutmix_alpha);
  return WT_OK;
}

wt_status wt_batch_sample(wt_ctx *ctx, const wt_batch_options *opt, int64_t N, int64_t H,
                          int64_t W, wt_batch_params *p) {
  WT_TRY(wt_batch_check(ctx, opt));
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, H, W));
  const bool mix = opt->mixup_alpha > 0.0, cut = opt->cutmix_alpha > 0.0, ricap = opt->ricap_beta > 0.0;
  wt__batch_reset(p, N, H, W);
  wt__batch_identity(p->perm, N);
  if (!mix && !cut && !ricap) return WT_OK;
  /* CutMix train.py: r = np.random.rand(1); mix iff r < cutmix_prob (drawn only when it can fail). */
  if (opt->prob < 1.0 && !(wt_rng_uniform(&ctx->rng) < opt->prob)) return WT_OK;
  wt_status st;
  if (ricap) {
    st = wt_ricap_sample(ctx, opt->ricap_beta, N, H, W, p);
  } else {
    bool use_cutmix = cut;
    if (mix && cut) use_cutmix = wt_rng_uniform(&ctx->rng) < opt->switch_prob; /* timm Mixup */
    st = use_cutmix ? wt_cutmix_sample(ctx, opt->cutmix_alpha, N, H, W, p)
                    : wt_mixup_sample(ctx, opt->mixup_alpha, N, p);
  }
  p->H = H, p->W = W;
  return st;
}

/* The parts of p are well formed: trick, part count, finite weights, perms in [0, N), CutMix
   box and RICAP boundary/offsets inside the image. */
static wt_status check_params(wt_ctx *ctx, const char *func, const wt_batch_params *p) {
  if (!p) return wt__fail(ctx, WT_ERR_ARG, func, "params is NULL");
  static const int parts[WT_BATCH_TRICK_COUNT] = {1, 2, 2, 4};
  if ((int)p->trick < 0 || p->trick >= WT_BATCH_TRICK_COUNT || p->n_parts != parts[p->trick])
    return wt__fail(ctx, WT_ERR_ARG, func, "params: trick %d with %d parts is not a mixed batch",
                    (int)p->trick, p->n_parts);
  const bool sized = p->trick == WT_BATCH_CUTMIX || p->trick == WT_BATCH_RICAP;
  WT_TRY(wt__batch_check_dims(ctx, func, p, p->N, sized ? p->H : 1, sized ? p->W : 1));
  for (int k = 0; k < p->n_parts; k++) {
    if (!(p->weight[k] >= 0.0 && p->weight[k] <= 1.0))
      return wt__fail(ctx, WT_ERR_ARG, func, "params: weight of part %d is %g, outside [0, 1]", k, p->weight[k]);
    WT_TRY(wt__batch_check_perm(ctx, func, p->perm + k * p->N, p->N, k));
  }
  const int64_t H = p->H, W = p->W, *b = p->box;
  if (p->trick == WT_BATCH_CUTMIX &&
      !(0 <= b[0] && b[0] <= b[2] && b[2] <= W && 0 <= b[1] && b[1] <= b[3] && b[3] <= H))
    return wt__fail(ctx, WT_ERR_ARG, func, "params: CutMix box outside the %lld x %lld image",
                    (long long)H, (long long)W);
  if (p->trick == WT_BATCH_RICAP) {
    if (!(0 <= p->boundary[0] && p->boundary[0] <= W && 0 <= p->boundary[1] && p->boundary[1] <= H))
      return wt__fail(ctx, WT_ERR_ARG, func, "params: RICAP boundary outside the image");
    for (int k = 0; k < 4; k++) {
      int64_t x, y, w, h;
      wt__ricap_part(p, k, &x, &y, &w, &h);
      if (!(0 <= p->offset[k][0] && p->offset[k][0] <= W - w && 0 <= p->offset[k][1] &&
            p->offset[k][1] <= H - h))
        return wt__fail(ctx, WT_ERR_ARG, func, "params: RICAP offset of part %d outside its source", k);
    }
  }
  return WT_OK;
}

wt_status wt_batch_apply(wt_ctx *ctx, const wt_batch_params *p, int64_t C, int64_t H, int64_t W,
                         const float *x, float *out) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_params(ctx, __func__, p));
  if (!x || !out) return WT_FAIL(ctx, WT_ERR_ARG, "x or out is NULL");
  const int64_t dims[4] = {p->N, C, H, W};
  int64_t n;
  WT_TRY(wt__check_dim(ctx, __func__, "C", C));
  WT_TRY(wt__check_dim(ctx, __func__, "H", H));
  WT_TRY(wt__check_dim(ctx, __func__, "W", W));
  WT_TRY(wt__check_elems(ctx, __func__, "batch", dims, 4, &n));
  if (p->H != 0 && (p->H != H || p->W != W))
    return WT_FAIL(ctx, WT_ERR_SHAPE, "params were drawn for %lld x %lld images, the batch is %lld x %lld",
                   (long long)p->H, (long long)p->W, (long long)H, (long long)W);
  if (x < out + n && out < x + n) return WT_FAIL(ctx, WT_ERR_ARG, "out overlaps x (mixing reads the original batch)");
  const int64_t bad = wt__find_nonfinite(x, (size_t)n);
  if (bad >= 0)
    return WT_FAIL(ctx, WT_ERR_NONFINITE, "x[%lld] (sample %lld) is %s", (long long)bad,
                   (long long)(bad / (C * H * W)), x[bad] != x[bad] ? "NaN" : "Inf");
  switch (p->trick) {
    case WT_BATCH_MIXUP: wt__mixup_apply(p, C * H * W, x, out); break;
    case WT_BATCH_CUTMIX: wt__cutmix_apply(p, C, x, out); break;
    case WT_BATCH_RICAP: wt__ricap_apply(p, C, x, out); break;
    default: memcpy(out, x, (size_t)n * sizeof *out); break;
  }
  return WT_OK;
}

static wt_status check_labels(wt_ctx *ctx, const char *func, const int32_t *labels, int64_t N, int64_t K) {
  if (!labels) return wt__fail(ctx, WT_ERR_ARG, func, "labels is NULL");
  WT_TRY(wt__check_dim(ctx, func, "K", K));
  for (int64_t i = 0; i < N; i++)
    if (labels[i] < 0 || labels[i] >= K)
      return wt__fail(ctx, WT_ERR_ARG, func, "label %lld is %d, outside [0, K = %lld)", (long long)i,
                      (int)labels[i], (long long)K);
  return WT_OK;
}

wt_status wt_batch_targets(wt_ctx *ctx, const wt_batch_params *p, int64_t K, const int32_t *labels,
                           double label_smoothing, float *targets) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_params(ctx, __func__, p));
  const int64_t N = p->N;
  WT_TRY(check_labels(ctx, __func__, labels, N, K));
  if (!targets) return WT_FAIL(ctx, WT_ERR_ARG, "targets is NULL");
  if (!unit(label_smoothing))
    return WT_FAIL(ctx, WT_ERR_ARG, "label_smoothing must lie in [0, 1], got %g", label_smoothing);
  const int64_t dims[2] = {N, K};
  WT_TRY(wt__check_elems(ctx, __func__, "targets", dims, 2, NULL));
  const double eps = label_smoothing, off = eps / (double)K;
  for (int64_t i = 0; i < N; i++) {
    /* The parts' (label, weight) pairs with equal labels merged, summed in part order. */
    int32_t lab[WT_BATCH_MAX_PARTS];
    double mass[WT_BATCH_MAX_PARTS];
    int n = 0;
    for (int k = 0; k < p->n_parts; k++) {
      const int32_t y = labels[p->perm[k * N + i]];
      int j = 0;
      while (j < n && lab[j] != y) j++;
      if (j == n) lab[n] = y, mass[n++] = 0.0;
      mass[j] += p->weight[k];
    }
    float *t = targets + i * K;
    for (int64_t c = 0; c < K; c++) t[c] = (float)off;
    for (int j = 0; j < n; j++) t[lab[j]] = (float)((1.0 - eps) * mass[j] + off);
  }
  return WT_OK;
}

wt_status wt_batch_accuracy(wt_ctx *ctx, const wt_batch_params *p, int64_t K, const float *logits,
                            const int32_t *labels, double *accuracy) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_params(ctx, __func__, p));
  const int64_t N = p->N;
  WT_TRY(check_labels(ctx, __func__, labels, N, K));
  if (!logits || !accuracy) return WT_FAIL(ctx, WT_ERR_ARG, "logits or accuracy is NULL");
  const int64_t dims[2] = {N, K};
  WT_TRY(wt__check_elems(ctx, __func__, "logits", dims, 2, NULL));
  const int64_t bad = wt__find_nonfinite(logits, (size_t)(N * K));
  if (bad >= 0)
    return WT_FAIL(ctx, WT_ERR_NONFINITE, "logits[%lld] (row %lld, class %lld) is not finite",
                   (long long)bad, (long long)(bad / K), (long long)(bad % K));
  /* Official: correct += lam * pred.eq(y_a).sum() + (1 - lam) * pred.eq(y_b).sum() (mixup,
     CutMix); RICAP: sum_k W_k * accuracy(output, c_k). Counts per part, then weighted. */
  int64_t hits[WT_BATCH_MAX_PARTS] = {0};
  for (int64_t i = 0; i < N; i++) {
    const float *z = logits + i * K;
    int64_t best = 0;
    for (int64_t c = 1; c < K; c++)
      if (z[c] > z[best]) best = c;
    for (int k = 0; k < p->n_parts; k++) hits[k] += labels[p->perm[k * N + i]] == best;
  }
  double acc = 0.0;
  for (int k = 0; k < p->n_parts; k++) acc += p->weight[k] * (double)hits[k];
  *accuracy = acc / (double)N;
  return WT_OK;
}

wt_status wt_batch_mix(wt_ctx *ctx, const wt_batch_options *opt, int64_t N, int64_t C, int64_t H,
                       int64_t W, int64_t K, const float *x, const int32_t *labels, float *out,
                       float *targets, wt_batch_params *p) {
  if (!ctx) return WT_ERR_ARG;
  /* Everything the later steps check, checked before the RNG moves. */
  WT_TRY(wt__batch_check_dims(ctx, __func__, p, N, H, W));
  WT_TRY(check_labels(ctx, __func__, labels, N, K));
  if (!x || !out || !targets) return WT_FAIL(ctx, WT_ERR_ARG, "x, out or targets is NULL");
  WT_TRY(wt__check_dim(ctx, __func__, "C", C));
  WT_TRY(wt_batch_sample(ctx, opt, N, H, W, p));
  WT_TRY(wt_batch_apply(ctx, p, C, H, W, x, out));
  return wt_batch_targets(ctx, p, K, labels, 0.0, targets);
}
