/* losses.h - what the loss files share and users never see: the one log-softmax machinery
   (row max, log-sum-exp and log-probabilities of z / T, in double) and the argmax rule.
   Not here: reductions or gradients (each loss owns its own). */
#ifndef WT_LOSSES_H
#define WT_LOSSES_H

#include "../core/internal.h"

/* Statistics of one row of log_softmax(z / T): m = max_j z_j (NaN ignored), inv_t = 1 / T and
   lse = log sum_j exp((z_j - m) / T). Then log softmax(z / T)_j = (z_j - m) / T - lse exactly
   in double: no overflow for any finite z (the largest term is exp(0) = 1) and no
   cancellation to 0 (log-probabilities are formed by subtraction, never as log(exp(...))).
   A NaN in the row makes lse NaN, so it propagates to whatever uses the row. */
typedef struct wt__lse {
  double m;
  double inv_t;
  double lse;
} wt__lse;

wt__lse wt__row_lse(const float *z, int64_t C, double inv_t);

/* log softmax(z / T)_j for the row r was made from. */
static inline double wt__log_softmax_at(const wt__lse *r, float zj) {
  return ((double)zj - r->m) * r->inv_t - r->lse;
}

/* Index of the first maximum of z[0..C), a NaN counting as the maximum (torch.argmax). */
int64_t wt__row_argmax(const float *z, int64_t C);

/* Validates N and C (named n_name / c_name in messages, e.g. "K" for the legacy API) and the
   element count of an (N,C) matrix. */
wt_status wt__check_nc(wt_ctx *ctx, const char *func, const char *n_name, const char *c_name,
                       int64_t N, int64_t C);

/* WT_ERR_NONFINITE naming the first NaN/Inf of x (N,C) as "what[i] (row r, class c) is NaN". */
wt_status wt__check_finite_nc(wt_ctx *ctx, const char *func, const char *what, const float *x,
                              int64_t N, int64_t C);

#endif /* WT_LOSSES_H */
