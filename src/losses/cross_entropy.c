/* cross_entropy.c - softmax cross-entropy with PyTorch semantics: hard labels or soft targets,
   label smoothing, per-class weights and the reductions 'mean', 'sum' and 'none', as
   torch.nn.functional.cross_entropy(logits, target, weight, reduction, label_smoothing) (the
   trainer's loss); and wt_softmax_cross_entropy, the older hard-label mean form on the same
   core, which the trainer no longer calls. Log-probabilities come from the shared
   machinery in log_softmax.c (double, row max subtracted), so logits of any finite magnitude
   (1e4, 1e30) give the float-rounded exact result. Not here: ignore_index, spatial (N,C,d...)
   inputs, distillation (distillation.c). */
#include <float.h>
#include <math.h>

#include "losses.h"

/* Labels in [0, C), all checked before anything is written. */
static wt_status check_labels(wt_ctx *ctx, const char *func, int64_t N, int64_t C,
                              const int32_t *labels) {
  for (int64_t i = 0; i < N; i++)
    if (labels[i] < 0 || labels[i] >= C)
      return wt__fail(ctx, WT_ERR_ARG, func, "labels[%lld] = %ld is out of range [0, %lld)",
                      (long long)i, (long)labels[i], (long long)C);
  return WT_OK;
}

/* Everything one pass over the rows needs. */
typedef struct ce_args {
  int64_t N, C;
  const float *logits;   /* (N,C) */
  const int32_t *labels; /* (N) or NULL */
  const float *targets;  /* (N,C) or NULL; exactly one of labels / targets */
  const float *weight;   /* (C) or NULL (all 1) */
  double eps;            /* label smoothing in [0, 1] */
  wt_reduction reduction;
} ce_args;

static inline double class_weight(const ce_args *a, int64_t j) {
  return a->weight ? (double)a->weight[j] : 1.0;
}

/* The smoothed target q'_ij: hard labels (1 - eps) * onehot + eps / C, soft targets
   q_ij * (1 - eps) + eps / C (timm: smoothing the mixed target is the same as mixing the
   smoothed one-hots; also torch's probability-target path). */
static inline double smoothed(const ce_args *a, int64_t i, int64_t j) {
  const double q = a->labels ? (a->labels[i] == j ? 1.0 : 0.0) : (double)a->targets[i * a->C + j];
  return q * (1.0 - a->eps) + a->eps / (double)a->C;
}

/* The common core, no finiteness checks (NaN logits give NaN, as torch). Per row
     L_i = -sum_j w_j q'_ij log softmax(z_i)_j,   dL_i/dz_ij = p_ij S_i - w_j q'_ij,
   S_i = sum_j w_j q'_ij. The reduced loss divides by `denom` (mean: N, or with hard labels
   and weights sum_i w_{y_i}, PyTorch's weighted mean); 'none' writes L_i to loss[i] and the
   gradient is that of sum_i L_i. largest receives the largest magnitude written to loss
   (before float rounding, for the caller's overflow check); correct the target mass on each
   row's argmax. */
static void ce_rows(const ce_args *a, double denom, float *loss, double *largest,
                    float *dlogits, double *correct) {
  const int64_t N = a->N, C = a->C;
  const double scale = a->reduction == WT_REDUCTION_MEAN ? 1.0 / denom : 1.0;
  double total = 0.0, ncorrect = 0.0, big = 0.0;
  for (int64_t i = 0; i < N; i++) {
    const float *z = a->logits + i * C;
    const wt__lse st = wt__row_lse(z, C, 1.0);
    double li = 0.0, S = 0.0;
    for (int64_t j = 0; j < C; j++) {
      const double wq = class_weight(a, j) * smoothed(a, i, j);
      if (wq == 0.0 && z[j] == z[j]) continue; /* 0 * log p = 0; a NaN still propagates */
      li -= wq * wt__log_softmax_at(&st, z[j]);
      S += wq;
    }
    total += li;
    if (a->reduction == WT_REDUCTION_NONE) {
      if (loss) loss[i] = (float)li;
      if (fabs(li) > big) big = fabs(li);
    }
    if (dlogits) {
      float *d = dlogits + i * C;
      for (int64_t j = 0; j < C; j++) {
        const double p = exp(wt__log_softmax_at(&st, z[j]));
        d[j] = (float)(scale * (p * S - class_weight(a, j) * smoothed(a, i, j)));
      }
    }
    const int64_t am = wt__row_argmax(z, C);
    ncorrect += a->labels ? (am == a->labels[i] ? 1.0 : 0.0) : (double)a->targets[i * C + am];
  }
  if (a->reduction == WT_REDUCTION_MEAN) total /= denom;
  if (loss && a->reduction != WT_REDUCTION_NONE) *loss = (float)total;
  if (a->reduction != WT_REDUCTION_NONE) big = fabs(total);
  if (largest) *largest = big;
  if (correct) *correct = ncorrect;
}

wt_status wt_cross_entropy(wt_ctx *ctx, int64_t N, int64_t C, const float *logits,
                           const int32_t *labels, const float *targets, const wt_ce_options *opt,
                           float *loss, float *dlogits, double *correct) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_nc(ctx, __func__, "N", "C", N, C));
  if (!logits) return WT_FAIL(ctx, WT_ERR_ARG, "logits is NULL");
  if (!labels == !targets)
    return WT_FAIL(ctx, WT_ERR_ARG, "pass exactly one of labels (N) and targets (N,C), got %s",
                   labels ? "both" : "neither");
  const wt_ce_options defaults = {0};
  if (!opt) opt = &defaults;
  const double eps = opt->label_smoothing;
  if (!(eps >= 0.0 && eps <= 1.0))
    return WT_FAIL(ctx, WT_ERR_ARG, "label_smoothing must be in [0, 1], got %g", eps);
  if (opt->reduction != WT_REDUCTION_MEAN && opt->reduction != WT_REDUCTION_SUM &&
      opt->reduction != WT_REDUCTION_NONE)
    return WT_FAIL(ctx, WT_ERR_ARG, "reduction must be WT_REDUCTION_MEAN, _SUM or _NONE, got %d",
                   (int)opt->reduction);
  if (opt->weight) {
    const int64_t k = wt__find_nonfinite(opt->weight, (size_t)C);
    if (k >= 0)
      return WT_FAIL(ctx, WT_ERR_NONFINITE, "weight[%lld] is %s", (long long)k,
                     opt->weight[k] != opt->weight[k] ? "NaN" : "Inf");
  }
  if (labels) WT_TRY(check_labels(ctx, __func__, N, C, labels));
  if (targets) WT_TRY(wt__check_finite_nc(ctx, __func__, "targets", targets, N, C));
  WT_TRY(wt__check_finite_nc(ctx, __func__, "logits", logits, N, C));

  const ce_args a = {.N = N, .C = C, .logits = logits, .labels = labels, .targets = targets,
                     .weight = opt->weight, .eps = eps, .reduction = opt->reduction};
  double denom = (double)N;
  if (labels && opt->weight && opt->reduction == WT_REDUCTION_MEAN) {
    denom = 0.0;
    for (int64_t i = 0; i < N; i++) denom += (double)opt->weight[labels[i]];
    if (denom == 0.0)
      return WT_FAIL(ctx, WT_ERR_ARG,
                     "the weights of the labels sum to 0, so the weighted mean is undefined");
  }
  double largest;
  ce_rows(&a, denom, loss, &largest, dlogits, correct);
  /* Finite logits can still give a loss beyond float range (|logits| near 1e38). */
  if (!(largest <= (double)FLT_MAX))
    return WT_FAIL(ctx, WT_ERR_NONFINITE, "the loss (%g) does not fit in float32", largest);
  return WT_OK;
}

/* logits: (N,K), labels: (N) in [0,K). loss: the mean over rows of
   logsumexp(logits[i]) - logits[i][labels[i]]. dlogits: (N,K) or NULL, WRITTEN with
   (softmax(logits[i]) - onehot(labels[i])) / N. correct: NULL or the count of rows whose first
   argmax (NaN counting as the max, as torch.argmax) equals the label. loss may be NULL.
   Labels are all checked before anything is written; NaN logits give a NaN loss (the trainer
   turns that into its "diverged" error). The general wt_cross_entropy core with eps = 0. */
wt_status wt_softmax_cross_entropy(wt_ctx *ctx, int64_t N, int64_t K, const float *logits,
                                   const int32_t *labels, float *loss, float *dlogits,
                                   int64_t *correct) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_nc(ctx, __func__, "N", "K", N, K));
  if (!logits) return WT_FAIL(ctx, WT_ERR_ARG, "logits is NULL");
  if (!labels) return WT_FAIL(ctx, WT_ERR_ARG, "labels is NULL");
  WT_TRY(check_labels(ctx, __func__, N, K, labels));
  const ce_args a = {.N = N, .C = K, .logits = logits, .labels = labels,
                     .reduction = WT_REDUCTION_MEAN};
  double c;
  ce_rows(&a, (double)N, loss, NULL, dlogits, &c);
  if (correct) *correct = (int64_t)c;
  return WT_OK;
}
