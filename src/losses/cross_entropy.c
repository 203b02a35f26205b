/* cross_entropy.c - softmax cross-entropy with integer labels and mean reduction, as
   torch.nn.functional.cross_entropy(logits, labels), and a row-wise softmax. Each row's
   log-sum-exp subtracts the row max and runs in double, so logits of any finite magnitude
   (1e4, 1e30) give the exact float result. Not here: label smoothing, class weights,
   ignore_index (the tricks layer composes those). */
#include <math.h>

#include "../core/internal.h"

static wt_status check_shape(wt_ctx *ctx, const char *func, int64_t N, int64_t K) {
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "K", K));
  const int64_t d[2] = {N, K};
  return wt__check_elems(ctx, func, "logits (N,K)", d, 2, NULL);
}

/* Row max over r[0..K), ignoring NaN (a NaN row then gives NaN through exp below). */
static double row_max(const float *r, int64_t K) {
  double m = -HUGE_VAL;
  for (int64_t j = 0; j < K; j++)
    if ((double)r[j] > m) m = (double)r[j];
  return m;
}

/* logits: (N,K), labels: (N) in [0,K). loss: the mean over rows of
   logsumexp(logits[i]) - logits[i][labels[i]]. dlogits: (N,K) or NULL, WRITTEN with
   (softmax(logits[i]) - onehot(labels[i])) / N. correct: NULL or the count of rows whose first
   argmax (NaN counting as the max, as torch.argmax) equals the label. loss may be NULL.
   Labels are all checked before anything is written. */
wt_status wt_softmax_cross_entropy(wt_ctx *ctx, int64_t N, int64_t K, const float *logits,
                                   const int32_t *labels, float *loss, float *dlogits,
                                   int64_t *correct) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_shape(ctx, __func__, N, K));
  if (!logits) return WT_FAIL(ctx, WT_ERR_ARG, "logits is NULL");
  if (!labels) return WT_FAIL(ctx, WT_ERR_ARG, "labels is NULL");
  for (int64_t i = 0; i < N; i++)
    if (labels[i] < 0 || labels[i] >= K)
      return WT_FAIL(ctx, WT_ERR_ARG, "labels[%lld] = %ld is out of range [0, %lld)",
                     (long long)i, (long)labels[i], (long long)K);
  double total = 0.0;
  int64_t ncorrect = 0;
  const double inv_n = 1.0 / (double)N;
  for (int64_t i = 0; i < N; i++) {
    const float *r = logits + i * K;
    const int32_t y = labels[i];
    const double m = row_max(r, K);
    double s = 0.0;
    for (int64_t j = 0; j < K; j++) s += exp((double)r[j] - m);
    const double lse = m + log(s);
    total += lse - (double)r[y];
    if (dlogits) {
      float *d = dlogits + i * K;
      for (int64_t j = 0; j < K; j++) {
        const double p = exp((double)r[j] - m) / s;
        d[j] = (float)((p - (j == y ? 1.0 : 0.0)) * inv_n);
      }
    }
    int64_t am = 0;
    for (int64_t j = 0; j < K; j++) {
      if (r[am] != r[am]) break; /* a NaN is the max, and the first one wins */
      if (r[j] > r[am] || r[j] != r[j]) am = j;
    }
    if (am == y) ncorrect++;
  }
  if (loss) *loss = (float)(total * inv_n);
  if (correct) *correct = ncorrect;
  return WT_OK;
}

/* logits: (N,K) -> probs: (N,K), probs[i][j] = exp(l_ij - max_i) / sum_j exp(l_ij - max_i),
   computed in double. probs == logits (in place) is allowed. */
wt_status wt_softmax(wt_ctx *ctx, int64_t N, int64_t K, const float *logits, float *probs) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_shape(ctx, __func__, N, K));
  if (!logits) return WT_FAIL(ctx, WT_ERR_ARG, "logits is NULL");
  if (!probs) return WT_FAIL(ctx, WT_ERR_ARG, "probs is NULL");
  for (int64_t i = 0; i < N; i++) {
    const float *r = logits + i * K;
    float *p = probs + i * K;
    const double m = row_max(r, K);
    double s = 0.0;
    for (int64_t j = 0; j < K; j++) s += exp((double)r[j] - m);
    /* Element j is read before it is written, so in place works. */
    for (int64_t j = 0; j < K; j++) p[j] = (float)(exp((double)r[j] - m) / s);
  }
  return WT_OK;
}
