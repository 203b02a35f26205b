/* trainer.c - the training step: validate, forward, softmax cross-entropy, backward, update.
   The trainer owns the optimizer (wt_optim: kind, options, moments, step count) of one model,
   with the model's biases as the no-decay group, and applies the lr schedule (a closed form of
   the tick, so steps and epochs are the whole schedule state).
   What it is not: the data pipeline or the batch tricks (their own issues). */
#include <string.h>

#include "../models/model.h"

struct wt_trainer {
  wt_model *m;
  wt_trainer_options opt;
  bool scheduled; /* the lr comes from opt.schedule */
  wt_optim *optim;
  int64_t epochs;
};

wt_status wt_trainer_create(wt_model *m, const wt_trainer_options *opt, wt_trainer **out) {
  if (!m) return WT_ERR_ARG;
  wt_ctx *ctx = m->ctx;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "opt is NULL");
  WT_TRY(wt_optim_check(ctx, &opt->optim));
  WT_TRY(wt_schedule_check(ctx, &opt->schedule));
  wt_trainer *t = wt__calloc(ctx, sizeof *t);
  if (!t) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the trainer");
  t->m = m;
  t->opt = *opt;
  t->scheduled = opt->schedule.kind != WT_SCHEDULE_CONSTANT || opt->schedule.warmup > 0;
  /* At most one bias per layer today; BatchNorm will add at most one range per layer. */
  wt_param_range nd[2 * WT__MAX_LAYERS];
  const size_t n_nd = wt_model_no_decay_ranges(m, nd, 2 * WT__MAX_LAYERS);
  WT_ASSERT(n_nd <= 2 * WT__MAX_LAYERS);
  const wt_status st = wt_optim_create(ctx, &opt->optim, m->n_params, nd, n_nd, &t->optim);
  if (st != WT_OK) {
    wt__free(ctx, t);
    return st;
  }
  *out = t;
  return WT_OK;
}

void wt_trainer_destroy(wt_trainer *t) {
  if (!t) return;
  wt_ctx *ctx = t->m->ctx;
  wt_optim_destroy(t->optim);
  wt__free(ctx, t);
}

wt_status wt_trainer_set_lr(wt_trainer *t, float lr) {
  if (!t) return WT_ERR_ARG;
  if (t->scheduled)
    return WT_FAIL(t->m->ctx, WT_ERR_STATE, "the trainer's schedule sets the lr");
  return wt_optim_set_lr(t->optim, (double)lr);
}

/* The schedule's tick: optimizer steps, or ended epochs for a per-epoch schedule. */
static int64_t tick(const wt_trainer *t) {
  return t->opt.schedule.per_epoch ? t->epochs : wt_optim_steps(t->optim);
}

double wt_trainer_lr(const wt_trainer *t) {
  if (!t) return 0.0;
  if (!t->scheduled) return wt_optim_lr(t->optim);
  double lr = 0.0;
  wt_schedule_lr(t->m->ctx, &t->opt.schedule, t->opt.optim.lr, tick(t), &lr);
  return lr;
}

int64_t wt_trainer_steps(const wt_trainer *t) { return t ? wt_optim_steps(t->optim) : 0; }
int64_t wt_trainer_epochs(const wt_trainer *t) { return t ? t->epochs : 0; }

wt_status wt_trainer_end_epoch(wt_trainer *t) {
  if (!t) return WT_ERR_ARG;
  t->epochs++;
  return WT_OK;
}

size_t wt_trainer_state_floats(const wt_trainer *t) {
  return t ? wt_optim_state_floats(t->optim) : 0;
}

wt_status wt_trainer_state_export(const wt_trainer *t, float *state, size_t n_floats,
                                  int64_t *steps, int64_t *epochs) {
  if (!t) return WT_ERR_ARG;
  WT_TRY(wt_optim_state_export(t->optim, state, n_floats, steps));
  if (epochs) *epochs = t->epochs;
  return WT_OK;
}

wt_status wt_trainer_state_import(wt_trainer *t, const float *state, size_t n_floats,
                                  int64_t steps, int64_t epochs) {
  if (!t) return WT_ERR_ARG;
  if (epochs < 0)
    return WT_FAIL(t->m->ctx, WT_ERR_ARG, "epochs must be >= 0, got %lld", (long long)epochs);
  WT_TRY(wt_optim_state_import(t->optim, state, n_floats, steps));
  t->epochs = epochs;
  return WT_OK;
}

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
                   l != l ? "NaN" : "Inf", (long long)wt_optim_steps(t->optim));
  WT_TRY(wt__model_backward_batch(m, x, N));
  if (t->scheduled) {
    double lr;
    WT_TRY(wt_schedule_lr(ctx, &t->opt.schedule, t->opt.optim.lr, tick(t), &lr));
    WT_TRY(wt_optim_set_lr(t->optim, lr));
  }
  WT_TRY(wt_optim_step(t->optim, m->params, m->grads));
  if (loss) *loss = l;
  if (accuracy) *accuracy = (float)correct / (float)N;
  return WT_OK;
}
