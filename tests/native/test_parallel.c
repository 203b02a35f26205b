/* test_parallel.c - the training step in parts (wt_trainer_mix / compute_grads / apply_grads), as
   js/parallel.js drives it over threads: R replicas (one context each) compute the gradients of
   their shard of the mixed batch with loss_scale = shard / N, the first sums them in order and
   steps. Without BatchNorm or Dropout this must follow one-replica training up to float
   reassociation (5 steps: every loss and the final weights within 1e-5 relative), with batch
   tricks, label smoothing, clipping and distillation; wt_trainer_step must equal its parts bit
   for bit; bad calls fail with a message and leave the trainer usable. Runs natively (scalar)
   and in wasm under node (SIMD and scalar). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

static int has_msg(wt_ctx *ctx, const char *s) { return strstr(wt_ctx_last_error(ctx), s) != NULL; }

enum { C = 1, H = 8, W = 8, K = 4, N = 10, STEPS = 5, MAX_R = 3 };

/* Batch s of N images (smooth patterns plus a class-dependent bump) and labels. */
static void make_batch(int s, float *x, int32_t *y) {
  for (int i = 0; i < N; i++) {
    y[i] = (i + s) % K;
    for (int j = 0; j < C * H * W; j++)
      x[i * C * H * W + j] = (float)sin(0.37 * j + 0.11 * i + 0.7 * s) + (j % K == y[i] ? 0.8f : 0.0f);
  }
}

typedef struct replica {
  wt_ctx *ctx;
  wt_model *m, *teacher;
  wt_trainer *t;
} replica;

/* A student CNN replica (seed 7: the same initial weights in every replica), with a teacher
   (seed 9) when distill is set. */
static void replica_make(replica *r, int force_scalar, const wt_trainer_options *base, int distill) {
  r->ctx = wt_ctx_create(&(wt_ctx_options){.seed = 7, .force_scalar = force_scalar}, NULL);
  r->teacher = NULL;
  CHECK_OK(r->ctx, wt_model_create_student_cnn(r->ctx, C, H, W, K, &r->m));
  wt_trainer_options o = *base;
  if (distill) {
    wt_ctx *tc = wt_ctx_create(&(wt_ctx_options){.seed = 9, .force_scalar = force_scalar}, NULL);
    CHECK_OK(tc, wt_model_create_student_cnn(tc, C, H, W, K, &r->teacher));
    o.teacher = r->teacher, o.kd_temperature = 4.0, o.kd_weight = 0.5;
  }
  CHECK_OK(r->ctx, wt_trainer_create(r->m, &o, &r->t));
}

static void replica_free(replica *r) {
  wt_trainer_destroy(r->t);
  wt_model_destroy(r->m);
  wt_ctx_destroy(r->ctx);
  if (r->teacher) {
    wt_ctx *tc = wt_model_ctx(r->teacher);
    wt_model_destroy(r->teacher);
    wt_ctx_destroy(tc);
  }
}

/* ||a - b|| / ||b|| over n floats. */
static double rel_l2(const float *a, const float *b, size_t n) {
  double d = 0, s = 0;
  for (size_t i = 0; i < n; i++) {
    const double ai = (double)a[i], bi = (double)b[i];
    d += (ai - bi) * (ai - bi), s += bi * bi;
  }
  return sqrt(d / s);
}

/* STEPS steps with one trainer (wt_trainer_step) beside R replicas stepping in parts. */
static void test_equivalence(const char *what, int force_scalar, int R, const wt_trainer_options *o,
                             int distill) {
  replica one, rep[MAX_R];
  replica_make(&one, force_scalar, o, distill);
  /* Helper replicas only compute: no batch trick (the first replica mixes), no clipping. */
  wt_trainer_options helper = *o;
  helper.batch = (wt_batch_options){0};
  helper.grad_clip_norm = 0.0;
  for (int r = 0; r < R; r++) replica_make(&rep[r], force_scalar, r == 0 ? o : &helper, distill);
  const size_t P = wt_model_param_count(one.m);
  float x[N * C * H * W];
  int32_t y[N];
  double worst_loss = 0, worst_acc = 0;
  for (int s = 0; s < STEPS; s++) {
    make_batch(s, x, y);
    float loss1 = 0, acc1 = 0;
    CHECK_OK(one.ctx, wt_trainer_step(one.t, x, y, N, &loss1, &acc1));
    /* The first replica mixes the whole batch and owns the optimizer; the others get its
       weights, then every replica computes its shard (sizes differ by at most one). */
    const float *in = NULL, *targets = NULL;
    CHECK_OK(rep[0].ctx, wt_trainer_mix(rep[0].t, x, y, N, &in, &targets));
    double loss_sum = 0, correct = 0;
    const float *extra[MAX_R];
    for (int r = R - 1; r >= 0; r--) {
      if (r > 0) memcpy(wt_model_params(rep[r].m), wt_model_params(rep[0].m), P * sizeof(float));
      const int64_t lo = (int64_t)N * r / R, n = (int64_t)N * (r + 1) / R - lo;
      double ls = 0, c = 0;
      CHECK_OK(rep[r].ctx, wt_trainer_compute_grads(rep[r].t, in + lo * C * H * W,
                                                    targets ? NULL : y + lo,
                                                    targets ? targets + lo * K : NULL, n,
                                                    (float)n / (float)N, &ls, &c));
      loss_sum += ls, correct += c;
      if (r > 0) extra[r - 1] = wt_model_grads(rep[r].m);
    }
    CHECK_OK(rep[0].ctx, wt_trainer_apply_grads(rep[0].t, extra, (size_t)(R - 1)));
    const double loss_r = loss_sum / N, acc_r = correct / N;
    CHECK_NEAR(loss_r, loss1, 1e-7, 1e-5);
    CHECK_NEAR(acc_r, acc1, 1e-6, 1e-5);
    worst_loss = fmax(worst_loss, fabs(loss_r - (double)loss1) / fabs((double)loss1));
    worst_acc = fmax(worst_acc, fabs(acc_r - (double)acc1));
    CHECK(wt_trainer_steps(rep[0].t) == s + 1);
    CHECK_NEAR(wt_trainer_grad_norm(rep[0].t), wt_trainer_grad_norm(one.t), 1e-9, 1e-5);
  }
  const float *p1 = wt_model_params(one.m), *pr = wt_model_params(rep[0].m);
  const double rel = rel_l2(pr, p1, P);
  CHECK_MSG(rel <= 1e-5, "%s: weights %.3g relative from one replica", what, rel);
  double max_abs = 0;
  for (size_t i = 0; i < P; i++) max_abs = fmax(max_abs, fabs((double)pr[i] - (double)p1[i]));
  CHECK(max_abs <= 1e-5);
  /* The weights moved, so the comparison is not of two untouched models. */
  replica fresh;
  replica_make(&fresh, force_scalar, o, 0);
  CHECK(rel_l2(wt_model_params(fresh.m), p1, P) > 1e-3);
  replica_free(&fresh);
  printf("%s (%s, %d replicas): %d steps, weights %.2e relative (max abs %.2e), loss %.2e, "
         "accuracy %.2e\n", what, force_scalar ? "scalar" : "default kernels", R, STEPS, rel,
         max_abs, worst_loss, worst_acc);
  for (int r = 0; r < R; r++) replica_free(&rep[r]);
  replica_free(&one);
}

/* wt_trainer_step == mix + compute_grads(1) + apply_grads(none), bit for bit (mixup and CutMix
   draw from the context RNG, so the parts must draw as the step does). */
static void test_step_is_its_parts(int force_scalar) {
  const wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4},
                                .label_smoothing = 0.1,
                                .batch = {.mixup_alpha = 0.4, .cutmix_alpha = 1.0, .prob = 1.0, .switch_prob = 0.5},
                                .grad_clip_norm = 1.0};
  replica a, b;
  replica_make(&a, force_scalar, &o, 0);
  replica_make(&b, force_scalar, &o, 0);
  float x[N * C * H * W];
  int32_t y[N];
  int same_loss = 1;
  for (int s = 0; s < STEPS; s++) {
    make_batch(s, x, y);
    float loss = 0, acc = 0;
    CHECK_OK(a.ctx, wt_trainer_step(a.t, x, y, N, &loss, &acc));
    const float *in = NULL, *targets = NULL;
    CHECK_OK(b.ctx, wt_trainer_mix(b.t, x, y, N, &in, &targets));
    double ls = 0, c = 0;
    CHECK_OK(b.ctx, wt_trainer_compute_grads(b.t, in, targets ? NULL : y, targets, N, 1.0f, &ls, &c));
    CHECK_OK(b.ctx, wt_trainer_apply_grads(b.t, NULL, 0));
    same_loss &= (float)(ls / N) == loss && (float)(c / N) == acc;
  }
  CHECK(same_loss);
  CHECK(memcmp(wt_model_params(a.m), wt_model_params(b.m), wt_model_param_count(a.m) * sizeof(float)) == 0);
  replica_free(&a);
  replica_free(&b);
}

/* Bad calls: a status and a message, nothing applied, and the trainer steps on afterwards. */
static void test_errors(void) {
  const wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9}};
  replica r;
  replica_make(&r, 0, &o, 0);
  wt_ctx *ctx = r.ctx;
  const size_t P = wt_model_param_count(r.m);
  float *before = malloc(P * sizeof(float));
  memcpy(before, wt_model_params(r.m), P * sizeof(float));
  float x[N * C * H * W], soft[N * K];
  int32_t y[N];
  make_batch(0, x, y);
  for (int i = 0; i < N * K; i++) soft[i] = i % K == 0 ? 1.0f : 0.0f;
  double ls, c;
  CHECK(wt_trainer_apply_grads(r.t, NULL, 0) == WT_ERR_STATE && has_msg(ctx, "call wt_trainer_compute_grads first"));
  CHECK(wt_trainer_compute_grads(r.t, x, y, soft, N, 1.0f, &ls, &c) == WT_ERR_ARG &&
        has_msg(ctx, "exactly one of labels and targets"));
  CHECK(wt_trainer_compute_grads(r.t, x, NULL, NULL, N, 1.0f, &ls, &c) == WT_ERR_ARG);
  const float bad_scale[] = {0.0f, -0.5f, NAN, INFINITY};
  for (int i = 0; i < 4; i++)
    CHECK(wt_trainer_compute_grads(r.t, x, y, NULL, N, bad_scale[i], &ls, &c) == WT_ERR_ARG &&
          has_msg(ctx, "loss_scale must be finite and > 0"));
  y[3] = K;
  CHECK(wt_trainer_compute_grads(r.t, x, y, NULL, N, 1.0f, &ls, &c) == WT_ERR_ARG &&
        has_msg(ctx, "wt_trainer_compute_grads: labels[3] = 4 is out of range [0, 4)"));
  const float *in, *tg;
  CHECK(wt_trainer_mix(r.t, x, y, N, &in, &tg) == WT_ERR_ARG && has_msg(ctx, "wt_trainer_mix: labels[3]"));
  y[3] = 0;
  x[5] = NAN;
  CHECK(wt_trainer_compute_grads(r.t, x, y, NULL, N, 1.0f, &ls, &c) == WT_ERR_NONFINITE);
  CHECK(wt_trainer_mix(r.t, x, y, N, &in, &tg) == WT_ERR_NONFINITE);
  x[5] = 0.5f;
  CHECK(wt_trainer_mix(r.t, x, y, N, NULL, &tg) == WT_ERR_ARG);
  /* A failed compute leaves nothing to apply. */
  CHECK(wt_trainer_apply_grads(r.t, NULL, 0) == WT_ERR_STATE);
  CHECK_OK(ctx, wt_trainer_compute_grads(r.t, x, y, NULL, N, 1.0f, &ls, &c));
  CHECK(wt_trainer_apply_grads(r.t, NULL, 2) == WT_ERR_ARG);
  const float *nul[1] = {NULL};
  CHECK(wt_trainer_apply_grads(r.t, nul, 1) == WT_ERR_ARG && has_msg(ctx, "extra[0] is NULL"));
  CHECK(memcmp(before, wt_model_params(r.m), P * sizeof(float)) == 0 && wt_trainer_steps(r.t) == 0);
  /* The gradients computed above are still there to apply. */
  CHECK_OK(ctx, wt_trainer_apply_grads(r.t, NULL, 0));
  CHECK(wt_trainer_steps(r.t) == 1 && memcmp(before, wt_model_params(r.m), P * sizeof(float)) != 0);
  CHECK(wt_trainer_apply_grads(r.t, NULL, 0) == WT_ERR_STATE); /* once per compute */
  /* A helper replica (plain SGD: no moments) names the step of the run it helps, its step
     count imported. */
  replica h;
  replica_make(&h, 0, &(wt_trainer_options){.optim = {.lr = 0.05}}, 0);
  CHECK(wt_trainer_state_floats(h.t) == 0);
  CHECK_OK(h.ctx, wt_trainer_state_import(h.t, NULL, 0, 41, 0));
  float *p = wt_model_params(h.m);
  const size_t PH = wt_model_param_count(h.m);
  const float keep = p[PH - 1];
  p[PH - 1] = INFINITY; /* the last bias: every logit of class K-1 is +Inf */
  CHECK(wt_trainer_compute_grads(h.t, x, y, NULL, N, 0.5f, &ls, &c) == WT_ERR_NONFINITE &&
        has_msg(h.ctx, "at step 42"));
  p[PH - 1] = keep;
  CHECK(wt_trainer_apply_grads(h.t, NULL, 0) == WT_ERR_STATE);
  CHECK_OK(h.ctx, wt_trainer_compute_grads(h.t, x, y, NULL, N, 0.5f, &ls, &c));
  CHECK(isfinite(ls) && ls > 0 && c >= 0 && c <= N);
  replica_free(&h);
  free(before);
  replica_free(&r);
}

int main(void) {
  const wt_trainer_options plain = {.optim = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4}};
  const wt_trainer_options tricks = {
      .optim = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = 1},
      .label_smoothing = 0.1,
      .batch = {.mixup_alpha = 0.4, .cutmix_alpha = 1.0, .prob = 1.0, .switch_prob = 0.5},
      .grad_clip_norm = 0.5};
  wt_trainer_options ricap = {.optim = wt_optim_defaults(WT_OPTIM_ADAM), .batch = {.ricap_beta = 0.3}};
  ricap.optim.lr = 1e-3;
  for (int fs = 0; fs <= 1; fs++) {
    test_equivalence("sgd", fs, 2, &plain, 0);
    test_equivalence("sgd", fs, 3, &plain, 0);
    test_equivalence("mixup+cutmix, smoothing, clipping", fs, 2, &tricks, 0);
    test_equivalence("ricap, adam", fs, 3, &ricap, 0);
    test_equivalence("distillation", fs, 2, &plain, 1);
    test_step_is_its_parts(fs);
  }
  test_errors();
  return check_summary("test_parallel");
}
