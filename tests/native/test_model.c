/* test_model.c - the student CNN and the training step: parameter count and PyTorch's default
   init bounds, three SGD steps against PyTorch goldens (tests/data/model_goldens.h, made by
   scripts/gen_model_goldens.py), validation that leaves the model intact, chunked inference,
   learning on a separable toy set, and no leaks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "data/model_goldens.h"
#include "wasmtricks.h"

static void test_golden_steps(int force_scalar) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1, .force_scalar = force_scalar}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, G_C, G_H, G_W, G_K, &m));
  if (!m) return;
  CHECK(wt_model_param_count(m) == G_PARAMS);
  float *p = wt_model_params(m);
  for (size_t i = 0; i < wt_model_param_count(m); i++) p[i] = (float)(0.05 * sin(0.7 * (double)i + 0.3));
  float x[G_N * G_C * G_H * G_W];
  int32_t y[G_N];
  for (int i = 0; i < G_N * G_C * G_H * G_W; i++) x[i] = (float)(cos(1.3 * i) + 0.25 * sin(0.11 * i));
  for (int i = 0; i < G_N; i++) y[i] = i % G_K;
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = G_LR, .momentum = G_MOMENTUM,
                                                     .weight_decay = G_WD}}, &t));
  for (int s = 0; s < G_STEPS; s++) {
    float loss = -1, acc = -1;
    CHECK_OK(ctx, wt_trainer_step(t, x, y, G_N, &loss, &acc));
    CHECK_NEAR(loss, g_step_loss[s], 0, 1e-5);
    CHECK_NEAR(acc, g_step_acc[s], 1e-6, 0);
  }
  CHECK(wt_trainer_steps(t) == G_STEPS);
  float logits[G_N * G_K];
  CHECK_OK(ctx, wt_model_forward(m, x, G_N, logits));
  for (int i = 0; i < G_N * G_K; i++) CHECK_NEAR(logits[i], g_final_logits[i], 1e-5, 1e-4);
  wt_trainer_destroy(t);
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

/* Four classes, each a bright quadrant plus noise: a few epochs of SGD must separate them. */
static void test_learns(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 11}, NULL);
  wt_model *m = NULL;
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m));
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.05, .momentum = 0.9}}, &t));
  enum { B = 16 };
  float x[B * 64];
  int32_t y[B];
  wt_rng *r = wt_ctx_rng(ctx);
  float first = 0, last = 0;
  for (int step = 0; step < 60; step++) {
    for (int n = 0; n < B; n++) {
      y[n] = (int32_t)wt_rng_below(r, 4);
      for (int i = 0; i < 64; i++) {
        const int q = (i / 8 >= 4) * 2 + (i % 8 >= 4);
        x[n * 64 + i] = (q == y[n] ? 1.0f : 0.0f) + 0.3f * (float)wt_rng_normal(r);
      }
    }
    float loss, acc;
    CHECK_OK(ctx, wt_trainer_step(t, x, y, B, &loss, &acc));
    if (step == 0) first = loss;
    last = loss;
  }
  CHECK_MSG(last < 0.2f * first, "loss %g -> %g", (double)first, (double)last);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
}

int main(void) {
  test_golden_steps(1);
  test_golden_steps(0);
  test_init_and_errors();
  test_chunked_predict();
  test_learns();
  return check_summary("test_model");
}
