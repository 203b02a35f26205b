/* test_model.c - the student CNN and the training step: parameter count and PyTorch's default
   init bounds, three SGD steps against PyTorch goldens (tests/data/model_goldens.h, made by
   scripts/gen_model_goldens.py) with plain, label-smoothed and distilled losses, the batch
   tricks inside the step, validation that leaves the model intact, chunked inference,
   learning on a separable toy set, and no leaks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "data/model_goldens.h"
#include "wasmtricks.h"

/* The goldens' model: parameters and inputs from the closed formulas of gen_model_goldens.py. */
static wt_model *golden_model(wt_ctx *ctx, double (*value)(double)) {
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, G_C, G_H, G_W, G_K, &m));
  if (!m) return NULL;
  CHECK(wt_model_param_count(m) == G_PARAMS);
  float *p = wt_model_params(m);
  for (size_t i = 0; i < wt_model_param_count(m); i++) p[i] = (float)value((double)i);
  return m;
}
static double student_value(double i) { return 0.05 * sin(0.7 * i + 0.3); }
static double teacher_value(double i) { return 0.04 * cos(0.3 * i + 0.1); }

enum { PLAIN, SMOOTHED, DISTILLED };

/* Three SGD steps of the student, as PyTorch takes them: plain cross-entropy, label smoothing
   0.1, and CE + 0.5 * KD(T = 4) from a teacher. */
static void test_golden_steps(int force_scalar, int kind) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1, .force_scalar = force_scalar}, NULL);
  wt_model *m = golden_model(ctx, student_value);
  wt_model *teacher = kind == DISTILLED ? golden_model(ctx, teacher_value) : NULL;
  if (!m) return;
  float x[G_N * G_C * G_H * G_W];
  int32_t y[G_N];
  for (int i = 0; i < G_N * G_C * G_H * G_W; i++) x[i] = (float)(cos(1.3 * i) + 0.25 * sin(0.11 * i));
  for (int i = 0; i < G_N; i++) y[i] = i % G_K;
  wt_trainer_options o = {.optim = {.lr = G_LR, .momentum = G_MOMENTUM, .weight_decay = G_WD}};
  if (kind == SMOOTHED) o.label_smoothing = G_EPS;
  if (kind == DISTILLED) o.teacher = teacher, o.kd_temperature = G_KD_T, o.kd_weight = G_KD_W;
  const double *want_loss = kind == PLAIN ? g_step_loss : kind == SMOOTHED ? g_ls_step_loss : g_kd_step_loss;
  const double *want_logits =
      kind == PLAIN ? g_final_logits : kind == SMOOTHED ? g_ls_final_logits : g_kd_final_logits;
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &o, &t));
  for (int s = 0; s < G_STEPS; s++) {
    float loss = -1, acc = -1;
    CHECK_OK(ctx, wt_trainer_step(t, x, y, G_N, &loss, &acc));
    CHECK_NEAR(loss, want_loss[s], 0, 1e-5);
    if (kind == PLAIN) CHECK_NEAR(acc, g_step_acc[s], 1e-6, 0);
  }
  CHECK(wt_trainer_steps(t) == G_STEPS);
  float logits[G_N * G_K];
  CHECK_OK(ctx, wt_model_forward(m, x, G_N, logits));
  for (int i = 0; i < G_N * G_K; i++) CHECK_NEAR(logits[i], want_logits[i], 1e-5, 1e-4);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_model_destroy(teacher);
  wt_ctx_destroy(ctx);
}

/* Under a batch trick the step trains on the mixed batch and its soft targets: the loss it
   reports equals the soft-target cross-entropy of the model (before the update) on the batch
   that wt_batch_mix draws from the same RNG state. */
static void test_batch_trick_step(wt_batch_trick trick) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 21}, NULL);
  wt_ctx *ref = wt_ctx_create(&(wt_ctx_options){.seed = 21}, NULL);
  wt_model *m = golden_model(ctx, student_value);
  if (!m) return;
  wt_rng_seed(wt_ctx_rng(ctx), 21, 0); /* the model's init drew from ctx; align it with ref */
  enum { N = 6, CHW = G_C * G_H * G_W };
  float x[N * CHW], mixed[N * CHW], targets[N * G_K], logits[N * G_K];
  int32_t y[N], perm[WT_BATCH_MAX_PARTS * N];
  for (int i = 0; i < N * CHW; i++) x[i] = (float)sin(0.37 * i);
  for (int i = 0; i < N; i++) y[i] = (i * 3) % G_K;
  wt_trainer_options o = {.optim = {.lr = 0.01}, .label_smoothing = 0.1,
                          .batch = wt_batch_defaults(trick)};
  o.batch.prob = 1.0;
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &o, &t));
  for (int s = 0; s < 3; s++) {
    wt_batch_params p = {.perm = perm};
    CHECK_OK(ref, wt_batch_mix(ref, &o.batch, N, G_C, G_H, G_W, G_K, x, y, mixed, targets, &p));
    CHECK(p.trick == trick);
    CHECK_OK(ctx, wt_model_forward(m, mixed, N, logits));
    float want, loss, acc;
    double correct;
    CHECK_OK(ref, wt_cross_entropy(ref, N, G_K, logits, NULL, targets,
                                   &(wt_ce_options){.label_smoothing = 0.1}, &want, NULL, &correct));
    CHECK_OK(ctx, wt_trainer_step(t, x, y, N, &loss, &acc));
    CHECK_NEAR(loss, want, 1e-6, 1e-5);
    CHECK_NEAR(acc, correct / N, 1e-6, 0);
  }
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
  wt_ctx_destroy(ref);
}

/* Options the trainer refuses, each with a message naming the field. */
static void test_trainer_option_errors(void) {
  wt_ctx *ctx = wt_ctx_create(NULL, NULL);
  wt_model *m = golden_model(ctx, student_value), *other = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, G_C, G_H, G_W, G_K + 1, &other));
  wt_trainer *t = NULL;
  const wt_optim_options sgd = {.lr = 0.1};
  CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = sgd, .label_smoothing = 1.5}, &t) == WT_ERR_ARG);
  CHECK(strstr(wt_ctx_last_error(ctx), "label_smoothing") != NULL);
  CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = sgd, .batch = {.mixup_alpha = -1}}, &t) == WT_ERR_ARG);
  CHECK(strstr(wt_ctx_last_error(ctx), "mixup_alpha") != NULL);
  CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = sgd, .teacher = m, .kd_temperature = 4}, &t) == WT_ERR_ARG);
  CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = sgd, .teacher = other, .kd_temperature = 4}, &t) == WT_ERR_SHAPE);
  CHECK(strstr(wt_ctx_last_error(ctx), "teacher") != NULL);
  wt_model *teacher = golden_model(ctx, teacher_value);
  CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = sgd, .teacher = teacher}, &t) == WT_ERR_ARG);
  CHECK(strstr(wt_ctx_last_error(ctx), "kd_temperature") != NULL);
  CHECK(t == NULL);
  wt_model_destroy(teacher);
  wt_model_destroy(other);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
}

static void test_init_and_errors(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  const size_t base = wt_ctx_live_bytes(ctx);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 28, 28, 10, &m));
  /* torch: 1*32*9+32 + 32*64*9+64 + 12544*128+128 + 128*10+10 */
  CHECK(wt_model_param_count(m) == 320 + 18496 + 1605760 + 1290);
  /* Default init: every weight and bias of a layer within 1/sqrt(fan_in), and spread out. */
  const float *p = wt_model_params(m);
  const struct { size_t n; double fan_in; } blocks[] = {
      {288, 9}, {32, 9}, {18432, 288}, {64, 288}, {1605632, 12544}, {128, 12544}, {1280, 128}, {10, 128}};
  size_t off = 0;
  for (int b = 0; b < 8; b++) {
    const double bound = 1.0 / sqrt(blocks[b].fan_in);
    double mx = 0, s2 = 0;
    for (size_t i = 0; i < blocks[b].n; i++) {
      const double v = (double)p[off + i];
      mx = fabs(v) > mx ? fabs(v) : mx;
      s2 += v * v;
    }
    CHECK_MSG(mx <= bound * (1 + 1e-6), "block %d max %g bound %g", b, mx, bound);
    if (blocks[b].n >= 288) /* U(-b, b) has variance b^2/3 */
      CHECK_NEAR(s2 / blocks[b].n, bound * bound / 3, 0, 0.2);
    off += blocks[b].n;
  }

  wt_trainer *t = NULL;
  CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = -1}}, &t) == WT_ERR_ARG && !t);
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.01, .momentum = 0.9}}, &t));
  const int N = 8;
  float *x = calloc(N * 784, sizeof(float));
  int32_t y[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  float *before = malloc(wt_model_param_count(m) * sizeof(float));
  memcpy(before, p, wt_model_param_count(m) * sizeof(float));

  y[3] = 10;
  CHECK(wt_trainer_step(t, x, y, N, NULL, NULL) == WT_ERR_ARG);
  CHECK(strstr(wt_ctx_last_error(ctx), "labels[3] = 10 is out of range [0, 10)") != NULL);
  y[3] = 3;
  x[784 * 5 + 7] = NAN;
  CHECK(wt_trainer_step(t, x, y, N, NULL, NULL) == WT_ERR_NONFINITE);
  CHECK(strstr(wt_ctx_last_error(ctx), "images[3927] (sample 5) is NaN") != NULL);
  x[784 * 5 + 7] = INFINITY;
  CHECK(wt_trainer_step(t, x, y, N, NULL, NULL) == WT_ERR_NONFINITE);
  x[784 * 5 + 7] = 0;
  CHECK(wt_trainer_step(t, x, y, 0, NULL, NULL) == WT_ERR_SHAPE);
  CHECK(wt_trainer_step(t, NULL, y, N, NULL, NULL) == WT_ERR_ARG);
  CHECK(memcmp(before, p, wt_model_param_count(m) * sizeof(float)) == 0); /* untouched */
  CHECK(wt_trainer_steps(t) == 0);
  float loss, acc;
  CHECK_OK(ctx, wt_trainer_step(t, x, y, N, &loss, &acc)); /* and the next good call works */
  CHECK(loss > 0 && isfinite(loss) && acc >= 0 && acc <= 1);

  /* A diverging run stops before NaN reaches the weights. */
  CHECK_OK(ctx, wt_trainer_set_lr(t, 1e30f));
  for (int i = 0; i < N * 784; i++) x[i] = (float)((i * 7919) % 13) - 6.0f;
  wt_status st = WT_OK;
  for (int i = 0; i < 6 && st == WT_OK; i++) st = wt_trainer_step(t, x, y, N, &loss, &acc);
  CHECK(st == WT_ERR_NONFINITE);
  CHECK(strstr(wt_ctx_last_error(ctx), "diverged") != NULL);
  CHECK(wt_trainer_set_lr(t, NAN) == WT_ERR_ARG);

  wt_model *bad = m;
  CHECK(wt_model_create_student_cnn(ctx, 1, 27, 28, 10, &bad) == WT_ERR_SHAPE && !bad);
  CHECK(wt_model_create_student_cnn(ctx, 0, 28, 28, 10, &bad) == WT_ERR_SHAPE);
  CHECK(wt_model_create_student_cnn(ctx, 1, 28, 28, 1, &bad) == WT_ERR_ARG);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  free(x);
  free(before);
  CHECK(wt_ctx_live_bytes(ctx) == base);
  wt_ctx_destroy(ctx);
}

/* Inference in chunks equals inference in one batch; probabilities sum to one. */
static void test_chunked_predict(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 9}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 3, 4, 4, 7, &m));
  const int N = 300;
  float *x = malloc(sizeof(float) * N * 48), *pa = malloc(sizeof(float) * N * 7), pb[7];
  for (int i = 0; i < N * 48; i++) x[i] = (float)sin(i * 0.37);
  CHECK_OK(ctx, wt_model_predict(m, x, N, pa));
  int rows_ok = 1, match = 1;
  for (int n = 0; n < N; n++) {
    double s = 0;
    for (int k = 0; k < 7; k++) s += (double)pa[n * 7 + k];
    rows_ok &= fabs(s - 1) < 1e-5;
  }
  for (int n = 0; n < N; n += 37) {
    CHECK_OK(ctx, wt_model_predict(m, x + n * 48, 1, pb));
    for (int k = 0; k < 7; k++) match &= fabsf(pb[k] - pa[n * 7 + k]) < 1e-6f;
  }
  CHECK(rows_ok && match);
  free(x);
  free(pa);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
}

/* Four classes, each a bright quadrant plus noise. */
static void quadrant_batch(wt_rng *r, int n_samples, float *x, int32_t *y) {
  for (int n = 0; n < n_samples; n++) {
    y[n] = (int32_t)wt_rng_below(r, 4);
    for (int i = 0; i < 64; i++) {
      const int q = (i / 8 >= 4) * 2 + (i % 8 >= 4);
      x[n * 64 + i] = (q == y[n] ? 1.0f : 0.0f) + 0.3f * (float)wt_rng_normal(r);
    }
  }
}

/* A few dozen SGD steps, with or without a batch trick and label smoothing, must separate the
   quadrant classes on fresh held-out samples. */
static void test_learns(wt_batch_trick trick) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 11}, NULL);
  wt_model *m = NULL;
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m));
  wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9}, .batch = wt_batch_defaults(trick)};
  if (trick != WT_BATCH_NONE) o.label_smoothing = 0.1;
  CHECK_OK(ctx, wt_trainer_create(m, &o, &t));
  enum { B = 16, HELD = 200 };
  static float x[HELD * 64], probs[HELD * 4];
  int32_t y[HELD];
  wt_rng *r = wt_ctx_rng(ctx);
  float first = 0, last = 0;
  for (int step = 0; step < 80; step++) {
    quadrant_batch(r, B, x, y);
    float loss, acc;
    CHECK_OK(ctx, wt_trainer_step(t, x, y, B, &loss, &acc));
    if (step == 0) first = loss;
    last = loss;
  }
  if (trick == WT_BATCH_NONE) CHECK_MSG(last < 0.2f * first, "loss %g -> %g", (double)first, (double)last);
  quadrant_batch(r, HELD, x, y);
  CHECK_OK(ctx, wt_model_predict(m, x, HELD, probs));
  int correct = 0;
  for (int n = 0; n < HELD; n++) {
    int best = 0;
    for (int k = 1; k < 4; k++) best = probs[n * 4 + k] > probs[n * 4 + best] ? k : best;
    correct += best == y[n];
  }
  CHECK_MSG(correct >= HELD * 9 / 10, "trick %d: held-out accuracy %d/%d", (int)trick, correct, HELD);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
}

int main(void) {
  for (int kind = PLAIN; kind <= DISTILLED; kind++) {
    test_golden_steps(1, kind);
    test_golden_steps(0, kind);
  }
  test_batch_trick_step(WT_BATCH_MIXUP);
  test_batch_trick_step(WT_BATCH_CUTMIX);
  test_batch_trick_step(WT_BATCH_RICAP);
  test_trainer_option_errors();
  test_init_and_errors();
  test_chunked_predict();
  for (int trick = WT_BATCH_NONE; trick < WT_BATCH_TRICK_COUNT; trick++) test_learns((wt_batch_trick)trick);
  return check_summary("test_model");
}
