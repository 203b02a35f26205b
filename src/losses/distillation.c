/* distillation.c - Hinton knowledge distillation on logits, as PyTorch writes it:
     KD = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean') * T^2
   with the gradient with respect to the student logits only (the teacher is a constant).
   Both log-softmaxes come from log_softmax.c (double, row max subtracted), so logits of
   magnitude 1e4 and T in [1, 20] are exact to float rounding. Not here: the hard-label term
   (cross_entropy.c) or the choice of weights (the trainer; see docs/losses.md). */
#include <math.h>

#include "losses.h"

/* student, teacher: (N,C). loss: KD above. dstudent (N,C) or NULL: with p = softmax(s / T),
   q = softmax(t / T), dKD/ds = T * (p - q) / N (the 1/T of the chain rule times T^2); WRITTEN,
   or with opt->accumulate ADDED after scaling by opt->weight. Teacher probabilities that
   underflow to 0 contribute 0 (0 * log 0 = 0, as kl_div's xlogy). */
wt_status wt_distillation(wt_ctx *ctx, int64_t N, int64_t C, const float *student,
                          const float *teacher, const wt_distill_options *opt, float *loss,
                          float *dstudent) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt__check_nc(ctx, __func__, "N", "C", N, C));
  if (!student) return WT_FAIL(ctx, WT_ERR_ARG, "student logits are NULL");
  if (!teacher) return WT_FAIL(ctx, WT_ERR_ARG, "teacher logits are NULL");
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "options are NULL (the temperature is required)");
  const double t = opt->temperature;
  if (!(t > 0.0 && t - t == 0.0))
    return WT_FAIL(ctx, WT_ERR_ARG, "temperature must be finite and > 0, got %g", t);
  if (opt->accumulate && !(opt->weight - opt->weight == 0.0))
    return WT_FAIL(ctx, WT_ERR_ARG, "weight must be finite, got %g", opt->weight);
  WT_TRY(wt__check_finite_nc(ctx, __func__, "student", student, N, C));
  WT_TRY(wt__check_finite_nc(ctx, __func__, "teacher", teacher, N, C));

  const double inv_t = 1.0 / t;
  const double gscale = (opt->accumulate ? opt->weight : 1.0) * t / (double)N;
  double kl = 0.0;
  for (int64_t i = 0; i < N; i++) {
    const float *s = student + i * C, *u = teacher + i * C;
    const wt__lse ss = wt__row_lse(s, C, inv_t), su = wt__row_lse(u, C, inv_t);
    float *d = dstudent ? dstudent + i * C : NULL;
    for (int64_t j = 0; j < C; j++) {
      const double lq = wt__log_softmax_at(&su, u[j]), lp = wt__log_softmax_at(&ss, s[j]);
      const double q = exp(lq);
      if (q > 0.0) kl += q * (lq - lp);
      if (d) {
        const double g = gscale * (exp(lp) - q);
        d[j] = opt->accumulate ? (float)((double)d[j] + g) : (float)g;
      }
    }
  }
  if (loss) *loss = (float)(kl * t * t / (double)N);
  return WT_OK;
}
