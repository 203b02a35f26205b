/* trainer.c - the training step: validate, forward, softmax cross-entropy, backward, update.
   The trainer owns the optimizer (wt_optim: kind, options, moments, step count) of one model,
   with the model's biases as the no-decay group, and applies the lr schedule (a closed form of
   the tick, so steps and epochs are the whole schedule state).
   It clips the gradients by their global norm (torch.nn.utils.clip_grad_norm_) and refuses a
   step whose logits, loss or gradients are not finite, before the update (divergence).
   With parameter groups (wt_trainer_set_groups) it schedules each group's lr from its own base
   lr, configures the model's frozen layers, and zeroes frozen gradients before the norm.
   It also owns the buffers of a batch trick (mixed images, soft targets, permutations), planned
   for the largest batch seen, and runs the distillation teacher in inference beside the student.
   What it is not: the data pipeline (per-sample augmentation, loading). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../models/model.h"

struct wt_trainer {
  wt_model *m;
  wt_trainer_options opt;
  bool scheduled; /* the lr comes from opt.schedule */
  wt_optim *optim;
  int64_t epochs;
  double grad_norm; /* the last step's gradient 2-norm, before clipping */
  bool have_grads;  /* compute has filled m->grads since the last apply */
  wt_param_range *frozen; /* sorted, disjoint frozen slices of the parameter block */
  size_t n_frozen;
  bool bn_eval;           /* frozen BatchNorms stay in eval mode */
  /* batch-trick buffers for up to `capacity` samples (NULL while no trick is on) */
  int64_t capacity;
  float *mixed;     /* (capacity, C, H, W) */
  float *targets;   /* (capacity, K) */
  int32_t *perm;    /* (WT_BATCH_MAX_PARTS * capacity) */
};

static bool batch_trick_on(const wt_batch_options *b) {
  return b->mixup_alpha > 0.0 || b->cutmix_alpha > 0.0 || b->ricap_beta > 0.0;
}

static wt_status check_loss_options(wt_model *m, const wt_trainer_options *opt) {
  wt_ctx *ctx = m->ctx;
  if (!(opt->grad_clip_norm >= 0.0 && isfinite(opt->grad_clip_norm)))
    return WT_FAIL(ctx, WT_ERR_ARG, "grad_clip_norm must be finite and >= 0 (0: off), got %g",
                   opt->grad_clip_norm);
  if (!(opt->label_smoothing >= 0.0 && opt->label_smoothing <= 1.0))
    return WT_FAIL(ctx, WT_ERR_ARG, "label_smoothing must be in [0, 1], got %g",
                   opt->label_smoothing);
  WT_TRY(wt_batch_check(ctx, &opt->batch));
  const wt_model *te = opt->teacher;
  if (!te) return WT_OK;
  if (te == m) return WT_FAIL(ctx, WT_ERR_ARG, "the teacher must be another model than the student");
  if (te->C != m->C || te->H != m->H || te->W != m->W || te->K != m->K)
    return WT_FAIL(ctx, WT_ERR_SHAPE,
                   "teacher takes (%lld,%lld,%lld) -> %lld classes, the student (%lld,%lld,%lld) -> %lld",
                   (long long)te->C, (long long)te->H, (long long)te->W, (long long)te->K,
                   (long long)m->C, (long long)m->H, (long long)m->W, (long long)m->K);
  if (!(opt->kd_temperature > 0.0 && isfinite(opt->kd_temperature)))
    return WT_FAIL(ctx, WT_ERR_ARG, "kd_temperature must be finite and > 0 with a teacher, got %g",
                   opt->kd_temperature);
  if (!(opt->kd_weight >= 0.0 && isfinite(opt->kd_weight)))
    return WT_FAIL(ctx, WT_ERR_ARG, "kd_weight must be finite and >= 0, got %g", opt->kd_weight);
  return WT_OK;
}

/* Plans the batch-trick buffers for N samples (only when a larger batch arrives). */
static wt_status reserve_batch_buffers(wt_trainer *t, int64_t N) {
  if (N <= t->capacity) return WT_OK;
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  float *mixed = wt__alloc(ctx, (size_t)(N * m->C * m->H * m->W) * sizeof(float));
  float *targets = wt__alloc(ctx, (size_t)(N * m->K) * sizeof(float));
  int32_t *perm = wt__alloc(ctx, (size_t)(WT_BATCH_MAX_PARTS * N) * sizeof(int32_t));
  if (!mixed || !targets || !perm) {
    wt__free(ctx, mixed), wt__free(ctx, targets), wt__free(ctx, perm);
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the batch-trick buffers of %lld samples",
                   (long long)N);
  }
  wt__free(ctx, t->mixed), wt__free(ctx, t->targets), wt__free(ctx, t->perm);
  t->mixed = mixed, t->targets = targets, t->perm = perm;
  t->capacity = N;
  return WT_OK;
}

wt_status wt_trainer_create(wt_model *m, const wt_trainer_options *opt, wt_trainer **out) {
  if (!m) return WT_ERR_ARG;
  wt_ctx *ctx = m->ctx;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "opt is NULL");
  WT_TRY(wt_optim_check(ctx, &opt->optim));
  WT_TRY(wt_schedule_check(ctx, &opt->schedule));
  WT_TRY(check_loss_options(m, opt));
  wt_trainer *t = wt__calloc(ctx, sizeof *t);
  if (!t) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the trainer");
  t->m = m;
  t->opt = *opt;
  if (opt->teacher && opt->kd_weight == 0.0) t->opt.kd_weight = 1.0;
  t->scheduled = opt->schedule.kind != WT_SCHEDULE_CONSTANT || opt->schedule.warmup > 0;
  /* At most one no-decay range per layer (a bias, or a BatchNorm's weight and bias). */
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
  if (t->m->freeze_owner == t) {
    wt__model_freeze(t->m, NULL, 0, false);
    t->m->freeze_owner = NULL;
  }
  wt__free(ctx, t->frozen);
  wt__free(ctx, t->mixed), wt__free(ctx, t->targets), wt__free(ctx, t->perm);
  wt__free(ctx, t);
}

wt_status wt_trainer_set_lr(wt_trainer *t, float lr) {
  if (!t) return WT_ERR_ARG;
  if (t->scheduled)
    return WT_FAIL(t->m->ctx, WT_ERR_STATE, "the trainer's schedule sets the lr");
  return wt_optim_set_lr(t->optim, (double)lr);
}

static int compare_offset(const void *a, const void *b) {
  const size_t x = ((const wt_param_range *)a)->offset, y = ((const wt_param_range *)b)->offset;
  return x < y ? -1 : x > y;
}

/* Gives the model this trainer's frozen layers (none: as built) when another trainer of the same
   model set them, so each trainer steps with its own; nothing happens while no trainer freezes. */
static void claim_model(wt_trainer *t) {
  wt_model *m = t->m;
  const void *owner = t->n_frozen > 0 ? t : NULL;
  if (m->freeze_owner == owner) return;
  wt__model_freeze(m, t->frozen, t->n_frozen, t->bn_eval);
  m->freeze_owner = owner;
}

wt_status wt_trainer_set_groups(wt_trainer *t, const wt_param_group *groups, size_t n_groups,
                                int frozen_bn_eval) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  if (wt_optim_steps(t->optim) > 0 || t->have_grads)
    return WT_FAIL(ctx, WT_ERR_STATE, "set the groups before the first step");
  WT_TRY(wt_optim_set_groups(t->optim, groups, n_groups)); /* validates them */
  size_t nf = 0, frozen_floats = 0;
  for (size_t i = 0; i < n_groups; i++)
    if (groups[i].frozen) nf++, frozen_floats += groups[i].count;
  wt_param_range *fr = nf > 0 ? wt__alloc(ctx, nf * sizeof *fr) : NULL;
  if ((nf > 0 && frozen_floats == m->n_params) || (nf > 0 && !fr)) {
    /* back to no groups and nothing frozen: the trainer stays usable */
    wt__free(ctx, fr), wt__free(ctx, t->frozen);
    t->frozen = NULL, t->n_frozen = 0;
    claim_model(t);
    wt_optim_set_groups(t->optim, NULL, 0);
    if (fr) return WT_FAIL(ctx, WT_ERR_ARG, "all %zu parameters are frozen: nothing left to train",
                           m->n_params);
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu frozen ranges", nf);
  }
  nf = 0;
  for (size_t i = 0; i < n_groups; i++)
    if (groups[i].frozen) fr[nf++] = (wt_param_range){groups[i].offset, groups[i].count};
  if (nf > 1) qsort(fr, nf, sizeof *fr, compare_offset);
  wt__free(ctx, t->frozen);
  t->frozen = fr, t->n_frozen = nf, t->bn_eval = frozen_bn_eval != 0;
  claim_model(t);
  return WT_OK;
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

double wt_trainer_grad_norm(const wt_trainer *t) { return t ? t->grad_norm : 0.0; }
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

/* The sum of squares of g[0..n) in double: no overflow for any float input, and NaN/Inf exactly
   when some g[i] is (one pass gives the clipping norm and the divergence check). */
static double sum_squares(const float *g, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)g[i] * (double)g[i];
  return s;
}

/* A non-finite value at step (1-based) k: WT_ERR_NONFINITE naming what and where. */
static wt_status diverged(wt_ctx *ctx, const char *what, int64_t index, float v, int64_t k) {
  const char *kind = v != v ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
  if (index < 0)
    return wt__fail(ctx, WT_ERR_NONFINITE, "wt_trainer_step",
                    "%s is %s at step %lld (diverged; lower the lr or set grad_clip_norm)", what,
                    kind, (long long)k);
  return wt__fail(ctx, WT_ERR_NONFINITE, "wt_trainer_step",
                  "%s[%lld] is %s at step %lld (diverged; lower the lr or set grad_clip_norm)",
                  what, (long long)index, kind, (long long)k);
}

/* Validates a batch of hard labels: (N) in [0, K). */
static wt_status check_labels(wt_model *m, const char *func, const int32_t *labels, int64_t N) {
  if (!labels) return wt__fail(m->ctx, WT_ERR_ARG, func, "labels is NULL");
  for (int64_t i = 0; i < N; i++)
    if (labels[i] < 0 || labels[i] >= m->K)
      return wt__fail(m->ctx, WT_ERR_ARG, func, "labels[%lld] = %d is out of range [0, %lld)",
                      (long long)i, (int)labels[i], (long long)m->K);
  return WT_OK;
}

/* The batch trick of a validated batch: *in, *targets = the mixed images and soft targets in
   the trainer's buffers, or x and NULL (no trick, or a batch the trick's prob skipped). */
static wt_status mix(wt_trainer *t, const float *x, const int32_t *labels, int64_t N,
                     const float **in, const float **targets) {
  wt_model *m = t->m;
  *in = x, *targets = NULL;
  if (!batch_trick_on(&t->opt.batch)) return WT_OK;
  WT_TRY(reserve_batch_buffers(t, N));
  wt_batch_params p = {.perm = t->perm};
  WT_TRY(wt_batch_mix(m->ctx, &t->opt.batch, N, m->C, m->H, m->W, m->K, x, labels, t->mixed,
                      t->targets, &p));
  if (p.trick != WT_BATCH_NONE) *in = t->mixed, *targets = t->targets;
  return WT_OK;
}

/* Forward, loss and backward of a validated (shard of a) batch into m->grads, scaled by
   loss_scale; the forward from layer `from` (0; or the lowest trainable layer, whose inputs
   hold cached features); *loss_sum = the mean loss times N, *correct = the correct weight. */
static wt_status compute(wt_trainer *t, const float *in, const int32_t *labels,
                         const float *targets, int64_t N, float loss_scale, int from,
                         double *loss_sum, double *correct) {
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  t->have_grads = false;
  claim_model(t);
  /* A training step trains: BatchNorm on batch statistics (a frozen one in eval mode may stay
     in it), Dropout on (the model's own train/eval flag is left as it was). */
  WT_TRY(wt__model_forward_layers_mode(m, in, N, from, m->n_layers, 1, true));
  const float *logits = wt__model_logits(m);
  /* Non-finite logits, loss or gradients mean the run diverged: stop before the update spreads
     NaN into the weights, so the caller can lower the learning rate and go on from intact
     parameters (or the last checkpoint). */
  const int64_t k = wt_optim_steps(t->optim) + 1;
  const int64_t bad = wt__find_nonfinite(logits, (size_t)(N * m->K));
  if (bad >= 0) return diverged(ctx, "logits", bad, logits[bad], k);
  const wt_ce_options ce = {.label_smoothing = t->opt.label_smoothing};
  float l;
  WT_TRY(wt_cross_entropy(ctx, N, m->K, logits, targets ? NULL : labels, targets, &ce, &l,
                          wt__model_dlogits(m), correct));
  if (t->opt.teacher) {
    /* The teacher runs in inference: BatchNorm on its running statistics, no Dropout. */
    const wt_status st = wt__model_forward_batch_mode(t->opt.teacher, in, N, 0);
    if (st != WT_OK)
      return WT_FAIL(ctx, st, "teacher: %s", wt_ctx_last_error(t->opt.teacher->ctx));
    const wt_distill_options kd = {
        .temperature = t->opt.kd_temperature, .accumulate = 1, .weight = t->opt.kd_weight};
    float kd_loss;
    WT_TRY(wt_distillation(ctx, N, m->K, logits, wt__model_logits(t->opt.teacher), &kd, &kd_loss,
                           wt__model_dlogits(m)));
    l = (float)((double)l + t->opt.kd_weight * (double)kd_loss);
  }
  if (!isfinite(l)) return diverged(ctx, "the loss", -1, l, k);
  if (loss_scale != 1.0f) {
    float *d = wt__model_dlogits(m);
    for (int64_t i = 0; i < N * m->K; i++) d[i] *= loss_scale;
  }
  WT_TRY(wt__model_backward_batch(m, in, N));
  *loss_sum = (double)l * (double)N;
  t->have_grads = true;
  return WT_OK;
}

/* Sums the extra gradient blocks into m->grads (in order), checks, clips, schedules, steps. */
static wt_status apply(wt_trainer *t, const float *const *extra, size_t n_extra) {
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  t->have_grads = false;
  for (size_t b = 0; b < n_extra; b++) {
    const float *e = extra[b];
    for (size_t i = 0; i < m->n_params; i++) m->grads[i] += e[i];
  }
  /* Frozen parameters have no gradient (torch: None), also in a partly frozen layer. */
  for (size_t i = 0; i < t->n_frozen; i++)
    memset(m->grads + t->frozen[i].offset, 0, t->frozen[i].count * sizeof(float));
  const int64_t k = wt_optim_steps(t->optim) + 1;
  const double sq = sum_squares(m->grads, m->n_params);
  if (!isfinite(sq)) {
    const int64_t g = wt__find_nonfinite(m->grads, m->n_params);
    return diverged(ctx, "the gradient", g, g >= 0 ? m->grads[g] : (float)sq, k);
  }
  t->grad_norm = sqrt(sq);
  if (t->opt.grad_clip_norm > 0.0) {
    /* torch 1.13 clip_grad_norm_ in float32: total = ||g||, coef = (1 / (total + 1e-6)) *
       max_norm (Tensor.__rdiv__), clamped to 1; a coefficient of 1 leaves g as it is. */
    const float total = (float)t->grad_norm;
    const float coef = (1.0f / (total + 1e-6f)) * (float)t->opt.grad_clip_norm;
    if (coef < 1.0f)
      for (size_t i = 0; i < m->n_params; i++) m->grads[i] *= coef;
  }
  if (t->scheduled) /* torch's schedulers set each group's lr from the group's base lr */
    for (size_t g = 0; g < wt_optim_group_count(t->optim); g++) {
      double lr;
      WT_TRY(wt_schedule_lr(ctx, &t->opt.schedule, wt_optim_group_base_lr(t->optim, g), tick(t),
                            &lr));
      WT_TRY(wt_optim_set_group_lr(t->optim, g, lr));
    }
  return wt_optim_step(t->optim, m->params, m->grads);
}

wt_status wt_trainer_step(wt_trainer *t, const float *x, const int32_t *labels, int64_t N,
                          float *loss, float *accuracy) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  WT_TRY(wt__model_check_input(m, __func__, x, N));
  WT_TRY(check_labels(m, __func__, labels, N));
  const float *in, *targets;
  WT_TRY(mix(t, x, labels, N, &in, &targets));
  double loss_sum, correct;
  WT_TRY(compute(t, in, labels, targets, N, 1.0f, 0, &loss_sum, &correct));
  WT_TRY(apply(t, NULL, 0));
  /* loss_sum = l * N exactly (a float times an integer < 2^31 in double), so this is l. */
  if (loss) *loss = (float)(loss_sum / (double)N);
  if (accuracy) *accuracy = (float)(correct / (double)N);
  return WT_OK;
}

/* ---- the step in parts, for data-parallel training (js/parallel.js): the calling replica
   mixes the whole batch, every replica computes the gradients of its shard, the calling one
   sums them and applies the update. wt_trainer_step is mix + compute + apply. */

wt_status wt_trainer_mix(wt_trainer *t, const float *x, const int32_t *labels, int64_t N,
                         const float **in, const float **targets) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  if (!in || !targets) return WT_FAIL(m->ctx, WT_ERR_ARG, "in or targets is NULL");
  *in = NULL, *targets = NULL;
  WT_TRY(wt__model_check_input(m, __func__, x, N));
  WT_TRY(check_labels(m, __func__, labels, N));
  return mix(t, x, labels, N, in, targets);
}

wt_status wt_trainer_compute_grads(wt_trainer *t, const float *x, const int32_t *labels,
                                   const float *targets, int64_t N, float loss_scale,
                                   double *loss_sum, double *correct) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  t->have_grads = false;
  WT_TRY(wt__model_check_input(m, __func__, x, N));
  if (!(loss_scale > 0.0f && isfinite(loss_scale)))
    return WT_FAIL(ctx, WT_ERR_ARG, "loss_scale must be finite and > 0, got %g", (double)loss_scale);
  if ((labels == NULL) == (targets == NULL))
    return WT_FAIL(ctx, WT_ERR_ARG, "give exactly one of labels and targets");
  if (labels) WT_TRY(check_labels(m, __func__, labels, N));
  double ls, c;
  WT_TRY(compute(t, x, labels, targets, N, loss_scale, 0, &ls, &c));
  if (loss_sum) *loss_sum = ls;
  if (correct) *correct = c;
  return WT_OK;
}

wt_status wt_trainer_apply_grads(wt_trainer *t, const float *const *extra, size_t n_extra) {
  if (!t) return WT_ERR_ARG;
  wt_ctx *ctx = t->m->ctx;
  if (!t->have_grads)
    return WT_FAIL(ctx, WT_ERR_STATE, "no gradients to apply: call wt_trainer_compute_grads first");
  if (n_extra > 0 && !extra) return WT_FAIL(ctx, WT_ERR_ARG, "extra is NULL with n_extra = %zu", n_extra);
  for (size_t b = 0; b < n_extra; b++)
    if (!extra[b]) return WT_FAIL(ctx, WT_ERR_ARG, "extra[%zu] is NULL", b);
  return apply(t, extra, n_extra);
}

/* ---- cached features (fit's cacheFeatures): when every layer below the lowest trainable one
   is frozen and deterministic in training, their output for an image never changes, so it is
   computed once (wt_trainer_features) and the trainable layers train on it
   (wt_trainer_step_features): the same kernels on the same values as wt_trainer_step. */

/* The layer whose output the trainable layers read (*cut), or WT_ERR_STATE naming the condition
   that fails. */
static wt_status feature_layer(wt_trainer *t, const char *func, int *cut) {
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  *cut = WT__INPUT;
  if (t->opt.teacher)
    return wt__fail(ctx, WT_ERR_STATE, func, "no cached features with distillation: the teacher reads the images");
  if (batch_trick_on(&t->opt.batch))
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "no cached features with a batch trick: mixup, CutMix and RICAP mix the images");
  claim_model(t);
  const int lo = m->first_backward;
  const wt__layer *low = &m->layers[lo];
  if (lo == 0)
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "no cached features: nothing below the lowest trainable layer (layer 0, %s %s) is frozen",
                    wt__type_of(low)->name, low->name);
  for (int i = 0; i < lo; i++) {
    const wt__layer *l = &m->layers[i];
    if (!wt__type_of(l)->set_training || l->eval_only) continue;
    if (l->param_floats > 0)
      return wt__fail(ctx, WT_ERR_STATE, func,
                      "no cached features: the frozen %s %s trains on batch statistics "
                      "(frozenBatchNorm 'train'), so its output depends on the batch",
                      wt__type_of(l)->name, l->name);
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "no cached features: layer %d (%s) below the lowest trainable layer is random in training",
                    i, wt__type_of(l)->name);
  }
  int f = lo; /* the one layer below lo that layers lo.. read */
  for (int i = lo; i < m->n_layers; i++) {
    const wt__layer *l = &m->layers[i];
    const int src[2] = {l->in, wt__type_of(l)->inputs == 2 ? l->in2 : lo};
    for (int k = 0; k < 2; k++) {
      if (src[k] >= lo) continue;
      if (src[k] == WT__INPUT)
        return wt__fail(ctx, WT_ERR_STATE, func,
                        "no cached features: layer %d (%s %s) trains on the images", i,
                        wt__type_of(l)->name, l->name);
      if (f != lo && f != src[k])
        return wt__fail(ctx, WT_ERR_STATE, func,
                        "no cached features: the trainable layers read two layers below them (%d and %d)",
                        f, src[k]);
      f = src[k];
    }
  }
  WT_ASSERT(f < lo);
  const wt__layer *in = &m->layers[f];
  if (!in->flat && !(in->out_h == 1 && in->out_w == 1))
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "no cached features: the %s %s trains below the head (it reads (%lld,%lld,%lld) "
                    "planes, not the feature vector; freeze every layer up to the classifier)",
                    wt__type_of(low)->name, low->name, (long long)in->out_c, (long long)in->out_h,
                    (long long)in->out_w);
  *cut = f;
  return WT_OK;
}

wt_status wt_trainer_feature_size(wt_trainer *t, int64_t *floats) {
  if (!t) return WT_ERR_ARG;
  if (!floats) return WT_FAIL(t->m->ctx, WT_ERR_ARG, "floats is NULL");
  *floats = 0;
  int f;
  WT_TRY(feature_layer(t, __func__, &f));
  *floats = t->m->layers[f].out_elems;
  return WT_OK;
}

wt_status wt_trainer_features(wt_trainer *t, const float *x, int64_t N, float *features) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  if (!features) return WT_FAIL(m->ctx, WT_ERR_ARG, "features is NULL");
  WT_TRY(wt__model_check_input(m, __func__, x, N));
  int f;
  WT_TRY(feature_layer(t, __func__, &f));
  /* training mode, as wt_trainer_step runs these layers (frozen BatchNorms in eval); no
     backward follows */
  WT_TRY(wt__model_forward_layers_mode(m, x, N, 0, f + 1, 1, false));
  memcpy(features, m->layers[f].out, (size_t)(N * m->layers[f].out_elems) * sizeof(float));
  return WT_OK;
}

wt_status wt_trainer_step_features(wt_trainer *t, const float *features, const int32_t *labels,
                                   int64_t N, float *loss, float *accuracy) {
  if (!t) return WT_ERR_ARG;
  wt_model *m = t->m;
  wt_ctx *ctx = m->ctx;
  int f;
  WT_TRY(feature_layer(t, __func__, &f));
  if (!features) return WT_FAIL(ctx, WT_ERR_ARG, "features is NULL");
  if (N < 1 || N > WT_MAX_DIM)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "batch size must be in [1, %lld], got %lld",
                   (long long)WT_MAX_DIM, (long long)N);
  const int64_t F = m->layers[f].out_elems;
  if (N > (int64_t)(SIZE_MAX / sizeof(float)) / F)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "a batch of %lld is too large", (long long)N);
  const int64_t bad = wt__find_nonfinite(features, (size_t)(N * F));
  if (bad >= 0)
    return WT_FAIL(ctx, WT_ERR_NONFINITE, "features[%lld] (sample %lld) is %s", (long long)bad,
                   (long long)(bad / F), features[bad] != features[bad] ? "NaN" : "Inf");
  WT_TRY(check_labels(m, __func__, labels, N));
  WT_TRY(wt__model_reserve(m, N, true));
  memcpy(m->layers[f].out, features, (size_t)(N * F) * sizeof(float));
  double loss_sum, correct;
  WT_TRY(compute(t, NULL, labels, NULL, N, 1.0f, m->first_backward, &loss_sum, &correct));
  WT_TRY(apply(t, NULL, 0));
  if (loss) *loss = (float)(loss_sum / (double)N);
  if (accuracy) *accuracy = (float)(correct / (double)N);
  return WT_OK;
}
