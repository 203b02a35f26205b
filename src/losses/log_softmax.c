/* log_softmax.c - the shared log-softmax machinery of the losses (row statistics in double,
   argmax, shape and finiteness checks) and the public row-wise softmax. Every loss that needs
   log softmax(z / T) goes through wt__row_lse, so stability is argued once, here. */
#include <math.h>

#include "losses.h"

wt__lse wt__row_lse(const float *z, int64_t C, double inv_t) {
  double m = -HUGE_VAL;
  for (int64_t j = 0; j < C; j++)
    if ((double)z[j] > m) m = (double)z[j];
  /* A row of NaN only: m stays -inf; make it NaN so lse and everything after is NaN. */
  if (m == -HUGE_VAL) m = (double)NAN;
  double s = 0.0;
  for (int64_t j = 0; j < C; j++) s += exp(((double)z[j] - m) * inv_t);
  return (wt__lse){.m = m, .inv_t = inv_t, .lse = log(s)};
}

int64_t wt__row_argmax(const float *z, int64_t C) {
  int64_t am = 0;
  for (int64_t j = 0; j < C; j++) {
    if (z[am] != z[am]) break; /* a NaN is the max, and the first one wins */
    if (z[j] > z[am] || z[j] != z[j]) am = j;
  }
  return am;
}

wt_status wt__check_nc(wt_ctx *ctx, const char *func, const char *n_name, const char *c_name,
                       int64_t N, int64_t C) {
  WT_TRY(wt__check_dim(ctx, func, n_name, N));
  WT_TRY(wt__check_dim(ctx, func, c_name, C));
  const int64_t d[2] = {N, C};
  return wt__check_elems(ctx, func, "logits (N,C)", d, 2, NULL);
}

wt_status wt__check_finite_nc(wt_ctx *ctx, const char *func, const char *what, const float *x,
                              int64_t N, int64_t C) {
  const int64_t k = wt__find_nonfinite(x, (size_t)(N * C));
  if (k < 0) return WT_OK;
  return wt__fail(ctx, WT_ERR_NONFINITE, func, "%s[%lld] (row %lld, class %lld) is %s", what,
                  (long long)k, (long long)(k / C), (long long)(k % C),
                  x[k] != x[k] ? "NaN" : (x[k] > 0 ? "+Inf" : "-Inf"));
}

/* logits: (N,K) -> probs: (N,K), probs[i][j] = exp(l_ij - max_i) / sum_j exp(l_ij - max_i),
   computed in double. probs == logits (in place) is allowed. */
wt_status wt_softmax(wt_ctx *ctx, int64_t N, int64_t K, const float *logits, float *probs) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_nc(ctx, __func__, "N", "K", N, K));
  if (!logits) return WT_FAIL(ctx, WT_ERR_ARG, "logits is NULL");
  if (!probs) return WT_FAIL(ctx, WT_ERR_ARG, "probs is NULL");
  for (int64_t i = 0; i < N; i++) {
    const float *r = logits + i * K;
    float *p = probs + i * K;
    const wt__lse st = wt__row_lse(r, K, 1.0);
    /* Element j is read before it is written, so in place works. */
    for (int64_t j = 0; j < K; j++) p[j] = (float)exp(wt__log_softmax_at(&st, r[j]));
  }
  return WT_OK;
}
