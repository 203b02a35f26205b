/* test_trainer.c - the training step's reliability: gradient clipping by global norm against
   PyTorch's clip_grad_norm_ (tests/data/clip_goldens.h, made by scripts/gen_clip_goldens.py),
   divergence (NaN/Inf logits, loss or gradients refused before the update, naming the step,
   the model left as it was and still trainable), bitwise determinism of two runs with one seed
   (batch tricks and dropout draw from the context RNG), and a flat live-allocation count over
   many steps. Runs natively (scalar kernels) and in wasm under node (SIMD and scalar). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "data/clip_goldens.h"
#include "wasmtricks.h"

static int has_msg(wt_ctx *ctx, const char *s) { return strstr(wt_ctx_last_error(ctx), s) != NULL; }

/* The goldens' student CNN and batch, from the closed formulas of gen_clip_goldens.py, trained
   CG_STEPS SGD steps with grad_clip_norm = max_norm (0: off). */
static void test_clip_golden(int force_scalar, int run, double max_norm) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1, .force_scalar = force_scalar}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, CG_C, CG_H, CG_W, CG_K, &m));
  if (!m) return;
  CHECK(wt_model_param_count(m) == CG_PARAMS);
  float *p = wt_model_params(m);
  for (size_t i = 0; i < CG_PARAMS; i++) p[i] = (float)(0.08 * sin(0.37 * (double)i + 0.5));
  float x[CG_N * CG_C * CG_H * CG_W], logits[CG_N * CG_K];
  int32_t y[CG_N];
  for (int i = 0; i < CG_N * CG_C * CG_H * CG_W; i++) x[i] = (float)(cos(0.9 * i) + 0.5 * sin(0.13 * i));
  for (int i = 0; i < CG_N; i++) y[i] = i % CG_K;
  wt_trainer_options o = {.optim = {.lr = CG_LR, .momentum = CG_MOMENTUM, .weight_decay = CG_WD},
                          .grad_clip_norm = max_norm};
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &o, &t));
  CHECK(wt_trainer_grad_norm(t) == 0.0);
  for (int s = 0; s < CG_STEPS && t; s++) {
    float loss;
    CHECK_OK(ctx, wt_trainer_step(t, x, y, CG_N, &loss, NULL));
    CHECK_NEAR(loss, cg_loss[run][s], 1e-6, 1e-5);
    CHECK_NEAR(wt_trainer_grad_norm(t), cg_grad_norm[run][s], 1e-7, 1e-5);
  }
  for (int j = 0; j < CG_SAMPLES; j++) CHECK_NEAR(p[j * CG_STRIDE], cg_params[run][j], 1e-6, 1e-4);
  double sum = 0;
  for (size_t i = 0; i < CG_PARAMS; i++) sum += (double)p[i];
  CHECK_NEAR(sum, cg_param_sum[run], 1e-3, 1e-5);
  CHECK_OK(ctx, wt_model_forward(m, x, CG_N, logits));
  for (int j = 0; j < CG_N * CG_K; j++) CHECK_NEAR(logits[j], cg_logits[run][j], 1e-5, 1e-4);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
}

static void test_clip_options(void) {
  wt_ctx *ctx = wt_ctx_create(NULL, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 4, 4, 2, &m));
  const double bad[] = {-1.0, (double)NAN, (double)INFINITY, -(double)INFINITY};
  for (int i = 0; i < 4; i++) {
    wt_trainer *t = (wt_trainer *)m; /* must come back NULL */
    CHECK(wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.1}, .grad_clip_norm = bad[i]},
                            &t) == WT_ERR_ARG && t == NULL);
    CHECK(has_msg(ctx, "grad_clip_norm must be finite and >= 0"));
  }
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.1}, .grad_clip_norm = 1.0}, &t));
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  CHECK(wt_ctx_live_allocs(ctx) == 1); /* the arena */
  wt_ctx_destroy(ctx);
}

/* flatten -> fc1 (4 -> 4) -> relu -> fc2 (4 -> 3), a model small enough to set by hand. */
static const char TINY[] =
    "{\"input\":[1,2,2],\"classes\":3,\"layers\":[{\"type\":\"flatten\"},"
    "{\"type\":\"linear\",\"name\":\"fc1\",\"out_features\":4},{\"type\":\"relu\"},"
    "{\"type\":\"linear\",\"name\":\"fc2\",\"out_features\":3}]}";

/* A step whose logits and loss are finite but whose gradient overflows: fc1 passes 1e-30, fc2's
   rows are +-3.4e38, so dL/dh = 3.4e38 + 3.4e38 = +Inf. The step is refused with the gradient's
   index and the step number; nothing changes; a sane model then trains on. And an lr that
   blows the weights up is stopped at the first non-finite logits. */
static void test_divergence(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_from_spec(ctx, TINY, sizeof TINY - 1, &m));
  if (!m) return;
  CHECK(wt_model_param_count(m) == 16 + 4 + 12 + 3);
  float *p = wt_model_params(m);
  const size_t n = wt_model_param_count(m);
  float *saved = malloc(n * sizeof(float));
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.1, .momentum = 0.9}}, &t));
  const float x[4] = {0.5f, -1.0f, 2.0f, 0.25f};
  const int32_t y[1] = {1};
  float loss = 0;
  CHECK_OK(ctx, wt_trainer_step(t, x, y, 1, &loss, NULL)); /* one good step: steps = 1 */
  for (int i = 0; i < 16; i++) p[i] = 0.0f;
  for (int i = 16; i < 20; i++) p[i] = 1e-30f;
  for (int j = 0; j < 4; j++) p[20 + j] = 3.4e38f, p[24 + j] = -3.4e38f, p[28 + j] = 0.0f;
  for (int k = 0; k < 3; k++) p[32 + k] = 0.0f;
  memcpy(saved, p, n * sizeof(float));
  const size_t bytes = wt_ctx_live_bytes(ctx);
  CHECK(wt_trainer_step(t, x, y, 1, &loss, NULL) == WT_ERR_NONFINITE);
  CHECK_MSG(has_msg(ctx, "wt_trainer_step: the gradient[") && has_msg(ctx, "Inf at step 2 (diverged"),
            "%s", wt_ctx_last_error(ctx));
  CHECK(memcmp(saved, p, n * sizeof(float)) == 0);
  CHECK(wt_trainer_steps(t) == 1);
  CHECK(wt_ctx_live_bytes(ctx) == bytes);
  /* Clipping does not rescue an infinite norm: the step is refused all the same. */
  wt_trainer *tc = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.1}, .grad_clip_norm = 1}, &tc));
  CHECK(wt_trainer_step(tc, x, y, 1, &loss, NULL) == WT_ERR_NONFINITE && has_msg(ctx, "at step 1 "));
  CHECK(memcmp(saved, p, n * sizeof(float)) == 0);
  wt_trainer_destroy(tc);

  /* Back to sane weights: the same trainer goes on. */
  CHECK_OK(ctx, wt_model_reset_params(m));
  CHECK_OK(ctx, wt_trainer_step(t, x, y, 1, &loss, NULL));
  CHECK(wt_trainer_steps(t) == 2 && isfinite(loss));

  /* lr 1e30: the weights explode, the next forward overflows, and that step is refused. */
  CHECK_OK(ctx, wt_trainer_set_lr(t, 1e30f));
  wt_status st = WT_OK;
  int64_t refused = 0;
  for (int i = 0; i < 8 && st == WT_OK; i++) {
    memcpy(saved, p, n * sizeof(float));
    refused = wt_trainer_steps(t) + 1;
    st = wt_trainer_step(t, x, y, 1, &loss, NULL);
  }
  CHECK(st == WT_ERR_NONFINITE);
  char want[64];
  snprintf(want, sizeof want, "at step %lld (diverged", (long long)refused);
  CHECK_MSG(has_msg(ctx, want), "%s (want %s)", wt_ctx_last_error(ctx), want);
  CHECK(memcmp(saved, p, n * sizeof(float)) == 0);
  for (size_t i = 0; i < n; i++) CHECK(isfinite(p[i]) || !"weights stay finite");
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  free(saved);
  wt_ctx_destroy(ctx);
}

/* FNV-1a over the bytes of n floats. */
static uint64_t fnv1a(const float *x, size_t n) {
  const unsigned char *b = (const unsigned char *)x;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n * sizeof(float); i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

/* Weights after `steps` steps from a seeded context: mixup + CutMix (switch) and dropout draw
   from the RNG every step; the batch is fixed. Returns the FNV-1a hash; params copied to out. */
static uint64_t seeded_run(uint64_t seed, int force_scalar, int steps, float *out, size_t *n_out) {
  static const char SPEC[] =
      "{\"input\":[1,8,8],\"classes\":4,\"layers\":["
      "{\"type\":\"conv2d\",\"name\":\"c\",\"out_channels\":4,\"kernel\":3,\"padding\":1},"
      "{\"type\":\"batchnorm2d\",\"name\":\"bn\"},{\"type\":\"relu\"},"
      "{\"type\":\"maxpool2d\",\"kernel\":2},{\"type\":\"flatten\"},{\"type\":\"dropout\",\"p\":0.2},"
      "{\"type\":\"linear\",\"name\":\"fc\",\"out_features\":4}]}";
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = seed, .force_scalar = force_scalar}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_from_spec(ctx, SPEC, sizeof SPEC - 1, &m));
  wt_trainer *t = NULL;
  wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4},
                          .batch = {.mixup_alpha = 0.4, .cutmix_alpha = 1.0, .prob = 1.0, .switch_prob = 0.5},
                          .grad_clip_norm = 2.0};
  CHECK_OK(ctx, wt_trainer_create(m, &o, &t));
  enum { N = 8 };
  float x[N * 64];
  int32_t y[N];
  for (int i = 0; i < N * 64; i++) x[i] = (float)sin(0.37 * i) + (float)((i / 64) % 4 == (i % 4));
  for (int i = 0; i < N; i++) y[i] = i % 4;
  for (int s = 0; s < steps && t; s++) CHECK_OK(ctx, wt_trainer_step(t, x, y, N, NULL, NULL));
  const size_t n = wt_model_param_count(m);
  memcpy(out, wt_model_params(m), n * sizeof(float));
  *n_out = n;
  const uint64_t h = fnv1a(out, n);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
  return h;
}

static void test_determinism(int force_scalar) {
  float a[4096], b[4096], c[4096];
  size_t na = 0, nb = 0, nc = 0;
  const uint64_t ha = seeded_run(42, force_scalar, 30, a, &na);
  const uint64_t hb = seeded_run(42, force_scalar, 30, b, &nb);
  const uint64_t hc = seeded_run(43, force_scalar, 30, c, &nc);
  CHECK(na == nb && na == nc && na > 0);
  CHECK(memcmp(a, b, na * sizeof(float)) == 0 && ha == hb); /* bitwise, not "close" */
  CHECK(memcmp(a, c, na * sizeof(float)) != 0 && ha != hc); /* the seed matters */
  printf("determinism (%s): 30 steps, seed 42 twice -> %016llx, seed 43 -> %016llx\n",
         force_scalar ? "scalar" : "default kernels", (unsigned long long)ha, (unsigned long long)hc);
}

/* Many steps allocate nothing: the live counters are those after the first step. */
static void test_flat_allocations(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m));
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_trainer_create(m, &(wt_trainer_options){.optim = {.lr = 0.01, .momentum = 0.9},
                                                            .batch = {.cutmix_alpha = 1.0, .prob = 0.5},
                                                            .grad_clip_norm = 1.0}, &t));
  float x[8 * 64];
  int32_t y[8];
  for (int i = 0; i < 8 * 64; i++) x[i] = (float)cos(0.21 * i);
  for (int i = 0; i < 8; i++) y[i] = i % 4;
  size_t allocs1 = 0, bytes1 = 0;
  for (int s = 0; s < 300 && t; s++) {
    CHECK_OK(ctx, wt_trainer_step(t, x, y, 8, NULL, NULL));
    if (s == 0) allocs1 = wt_ctx_live_allocs(ctx), bytes1 = wt_ctx_live_bytes(ctx);
  }
  CHECK(wt_ctx_live_allocs(ctx) == allocs1 && wt_ctx_live_bytes(ctx) == bytes1);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  CHECK(wt_ctx_live_allocs(ctx) == 1); /* only the arena is left */
  wt_ctx_destroy(ctx);
}

int main(void) {
  for (int scalar = 1; scalar >= 0; scalar--)
    for (int run = 0; run < CG_RUNS; run++) test_clip_golden(scalar, run, cg_max_norm[run]);
  /* max_norm 1000 never clips: no clipping matches the same goldens. */
  test_clip_golden(1, 1, 0.0);
  test_clip_options();
  test_divergence();
  test_determinism(1);
  test_determinism(0);
  test_flat_allocations();
  return check_summary("test_trainer");
}
