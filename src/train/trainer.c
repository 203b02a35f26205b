/* trainer.c - the training step: validate, forward, softmax cross-entropy, backward, SGD.
   The trainer owns the optimizer state (momentum buffer, step count) of one model.
   What it is not: the data pipeline, schedules or the batch tricks (their own issues). */
#include <string.h>

#include "../models/model.h"

struct wt_trainer {
  wt_model *m;
  wt_sgd_options opt;
  float *momentum; /* n_params floats, same layout as the parameters */
  int64_t step;
};

wt_status wt_trainer_create(wt_model *m, const wt_sgd_options *opt, wt_trainer **out) {
  if (!m) return WT_ERR_ARG;
  wt_ctx *ctx = m->ctx;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "opt is NULL");
  WT_TRY(wt_sgd_check(ctx, opt));
  wt_trainer *t = wt__calloc(ctx, sizeof *t);
  if (!t) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the trainer");
  t->m = m;
  t->opt = *opt;
  if (opt->momentum != 0.0f) {
    t->momentum = wt__calloc(ctx, m->n_params * sizeof(float));
    if (!t->momentum) {
      wt__free(ctx, t);
      return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the momentum buffer (%zu floats)",
                     m->n_params);
    }
  }
  *out = t;
  return WT_OK;
}

void wt_trainer_destroy(wt_trainer *t) {
  if (!t) return;
  wt_ctx *ctx = t->m->ctx;
  wt__free(ctx, t->momentum);
  wt__free(ctx, t);
}

wt_status wt_trainer_set_lr(wt_trainer *t, float lr) {
  if (!t) return WT_ERR_ARG;
  wt_sgd_options o = t->opt;
  o.lr = lr;
  WT_TRY(wt_sgd_check(t->m->ctx, &o));
  t->opt = o;
  return WT_OK;
}

int64_t wt_trainer_steps(const wt_trainer *t) { return t ? t->step : 0; }

wt_status wt_trainer_step(wt_trainer *t, const float *x, const int32_t *labels, int64_t N,
                          float *loss, float *accuracy) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  WT_TRY(wt__model_check_input(m, __func__, x, N));
  if (!labels) return WT_FAIL(ctx, WT_ERR_ARG, "labels is NULL");
  for (int64_t i = 0; i < N; i++)
    if (labels[i] < 0 || labels[i] >= m->K)
      return WT_FAIL(ctx, WT_ERR_ARG, "labels[%lld] = %d is out of range [0, %lld)", (long long)i,
                     (int)labels[i], (long long)m->K);

  WT_TRY(wt__model_forward_batch(m, x, N));
  float l;
  int64_t correct;
  WT_TRY(wt_softmax_cross_entropy(ctx, N, m->K, wt__model_logits(m), labels, &l,
                                  wt__model_dlogits(m), &correct));
  /* A non-finite loss means the run diverged: stop before the update spreads NaN into the
     weights, so the caller can lower the learning rate and go on from intact parameters. */
  if (!(l - l == 0.0f))
    return WT_FAIL(ctx, WT_ERR_NONFINITE, "loss is %s at step %lld (diverged; lower the lr)",
                   l != l ? "NaN" : "Inf", (long long)t->step);
  WT_TRY(wt__model_backward_batch(m, x, N));
  WT_TRY(wt_sgd_step(ctx, &t->opt, m->n_params, m->params, m->grads, t->momentum, &t->step));
  if (loss) *loss = l;
  if (accuracy) *accuracy = (float)correct / (float)N;
  return WT_OK;
}
