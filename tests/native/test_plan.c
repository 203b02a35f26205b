/* test_plan.c - the memory plan (model.c): buffers that no step uses together share memory,
   and that changes no number. Each model trains twice from the same seed, once on the shared
   plan and once on the unshared one (every buffer its own memory, m->plan_unshared), and the
   two must agree bit for bit: losses, parameters, gradients, BatchNorm statistics and logits
   after every step, a prediction first (an inference plan, then re-planned for the first
   step's backward; a backward on the inference plan is refused), a larger batch (a new plan),
   chunked inference, a frozen body (a shorter backward) and cached features. A lifetime cut too short lets a later buffer overwrite a
   value backward still reads, and the bits differ. The models: a spec with every layer kind,
   a skip over five layers, an add of a layer with itself, a branch nothing reads and a skip from
   a Dropout; ResNet-8 (residual blocks with downsampling); the student CNN. The shared plan must
   also be smaller than the unshared one. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "models/model.h" /* internals: the plan switch, block size, logits, layer offsets */
#include "wasmtricks.h"

/* Every kind: conv2d, batchnorm2d, relu, silu, add (a skip over five layers, and 13 = 12 + 12),
   dropout, maxpool2d, avgpool2d, a 1x1 conv nothing reads (15), global_avgpool, flatten,
   linear. */
static const char EVERY_KIND[] =
    "{\"input\":[3,8,8],\"classes\":5,\"layers\":["
    "{\"type\":\"conv2d\",\"name\":\"c0\",\"out_channels\":6,\"kernel\":3,\"padding\":1},"
    "{\"type\":\"batchnorm2d\",\"name\":\"bn0\"},{\"type\":\"relu\"},"
    "{\"type\":\"conv2d\",\"name\":\"c1\",\"out_channels\":6,\"kernel\":3,\"padding\":1},"
    "{\"type\":\"batchnorm2d\",\"name\":\"bn1\"},{\"type\":\"silu\"},"
    "{\"type\":\"conv2d\",\"name\":\"c2\",\"out_channels\":6,\"kernel\":1},"
    "{\"type\":\"batchnorm2d\",\"name\":\"bn2\"},"
    "{\"type\":\"add\",\"inputs\":[\"bn2\",\"2\"]},{\"type\":\"relu\"},"
    "{\"type\":\"dropout\",\"p\":0.3},{\"type\":\"maxpool2d\",\"kernel\":2},"
    "{\"type\":\"conv2d\",\"name\":\"c3\",\"out_channels\":8,\"kernel\":3,\"padding\":1},"
    "{\"type\":\"add\",\"inputs\":[\"c3\",\"c3\"]},{\"type\":\"avgpool2d\",\"kernel\":2},"
    "{\"type\":\"conv2d\",\"name\":\"dead\",\"input\":\"11\",\"out_channels\":2,\"kernel\":1},"
    "{\"type\":\"global_avgpool\",\"input\":\"14\"},{\"type\":\"flatten\"},"
    "{\"type\":\"linear\",\"name\":\"fc\",\"out_features\":5}]}";

enum { STUDENT, RESNET8, EVERY };
enum { BIG = 9, MAX_N = 20 };

static wt_model *make(wt_ctx *ctx, int which) {
  wt_model *m = NULL;
  if (which == STUDENT) CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 3, 8, 8, 5, &m));
  if (which == RESNET8) CHECK_OK(ctx, wt_model_create_resnet(ctx, 8, 3, 8, 8, 5, 0, &m));
  if (which == EVERY)
    CHECK_OK(ctx, wt_model_create_from_spec(ctx, EVERY_KIND, sizeof EVERY_KIND - 1, &m));
  return m;
}

/* One model and its trainer, on the shared or the unshared plan. */
typedef struct run {
  wt_ctx *ctx;
  wt_model *m;
  wt_trainer *t;
} run;

/* A new trainer for the model (groups are set before a trainer's first step). */
static void new_trainer(run *r) {
  wt_trainer_destroy(r->t);
  r->t = NULL;
  wt_trainer_options o = {.optim = wt_optim_defaults(WT_OPTIM_SGD)};
  o.optim.lr = 0.05, o.optim.momentum = 0.9, o.optim.weight_decay = 1e-3;
  CHECK_OK(r->ctx, wt_trainer_create(r->m, &o, &r->t));
}
static void open_run(run *r, int which, bool unshared) {
  r->ctx = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  r->m = make(r->ctx, which);
  r->t = NULL;
  if (!r->m) return;
  r->m->plan_unshared = unshared;
  new_trainer(r);
}
static void close_run(run *r) {
  wt_trainer_destroy(r->t);
  wt_model_destroy(r->m);
  wt_ctx_destroy(r->ctx);
}

static bool same(const void *a, const void *b, size_t bytes) { return memcmp(a, b, bytes) == 0; }

/* The two runs' state, bit for bit. */
static void check_same(const char *what, run *a, run *b, int64_t N) {
  const size_t np = wt_model_param_count(a->m);
  CHECK_MSG(same(wt_model_params(a->m), wt_model_params(b->m), np * sizeof(float)), "%s: parameters", what);
  CHECK_MSG(same(wt_model_grads(a->m), wt_model_grads(b->m), np * sizeof(float)), "%s: gradients", what);
  size_t nb, nb2;
  const float *ba = wt_model_buffers(a->m, &nb), *bb = wt_model_buffers(b->m, &nb2);
  CHECK_MSG(nb == nb2 && same(ba, bb, nb * sizeof(float)), "%s: BatchNorm statistics", what);
  CHECK_MSG(same(wt__model_logits(a->m), wt__model_logits(b->m), (size_t)(N * a->m->K) * sizeof(float)),
            "%s: the logits after the step", what);
}

static void step_both(const char *what, run *a, run *b, const float *x, const int32_t *y, int64_t N) {
  float la = 0, lb = 0, acc_a = 0, acc_b = 0;
  CHECK_OK(a->ctx, wt_trainer_step(a->t, x, y, N, &la, &acc_a));
  CHECK_OK(b->ctx, wt_trainer_step(b->t, x, y, N, &lb, &acc_b));
  CHECK_MSG(same(&la, &lb, sizeof la) && acc_a == acc_b, "%s: loss %.9g vs %.9g", what, (double)la,
            (double)lb);
  check_same(what, a, b, N);
}

/* A new trainer with every parameter below the last layer's (the head) frozen, BatchNorms in
   eval. */
static void freeze_body(run *r) {
  new_trainer(r);
  if (!r->t) return;
  const wt__layer *head = &r->m->layers[r->m->n_layers - 1];
  const wt_param_group body = {0, head->param_offset, 0, 0, 1};
  CHECK_OK(r->ctx, wt_trainer_set_groups(r->t, &body, 1, 1));
}

static void test_plan(int which, const char *tag) {
  run a, b;
  open_run(&a, which, false);
  open_run(&b, which, true);
  if (!a.t || !b.t) return;
  int64_t chw[3], K;
  wt_model_shape(a.m, chw, &K);
  const int64_t per = chw[0] * chw[1] * chw[2];
  float *x = malloc((size_t)(MAX_N * per) * sizeof(float));
  int32_t y[MAX_N];
  for (int64_t i = 0; i < MAX_N * per; i++) x[i] = (float)(sin(0.37 * (double)i) + 0.2 * cos(0.05 * (double)i));
  for (int i = 0; i < MAX_N; i++) y[i] = (int32_t)((i * 3) % K);
  char what[96];
  /* a prediction first: an inference plan (no output gradients, outputs dead after their
     readers), which the first step re-plans for its batch with a backward */
  float pa[MAX_N * 5], pb[MAX_N * 5];
  CHECK_OK(a.ctx, wt_model_predict(a.m, x, MAX_N, pa));
  CHECK_OK(b.ctx, wt_model_predict(b.m, x, MAX_N, pb));
  CHECK_MSG(same(pa, pb, sizeof(float) * (size_t)(MAX_N * K)), "%s: inference before training", tag);
  CHECK(!a.m->plan_backward && a.m->capacity == MAX_N);
  const size_t infer_bytes = a.m->act_bytes;
  CHECK(wt__model_backward_batch(a.m, x, MAX_N) == WT_ERR_STATE);
  CHECK(strstr(wt_ctx_last_error(a.ctx), "planned for a backward") != NULL);
  for (int s = 0; s < 3; s++) {
    snprintf(what, sizeof what, "%s step %d (batch 6)", tag, s + 1);
    step_both(what, &a, &b, x + s * per, y + s, 6);
  }
  CHECK(a.m->plan_backward && a.m->capacity == 6);
  CHECK_MSG(a.m->act_bytes < b.m->act_bytes, "%s: the shared plan (%zu bytes) is not smaller than %zu",
            tag, a.m->act_bytes, b.m->act_bytes);
  snprintf(what, sizeof what, "%s step 4 (batch %d, a new plan)", tag, BIG);
  step_both(what, &a, &b, x, y, BIG);
  snprintf(what, sizeof what, "%s step 5 (batch 4 in the plan of %d)", tag, BIG);
  step_both(what, &a, &b, x + 7 * per, y + 7, 4);
  /* inference in chunks of the plan's capacity */
  CHECK_OK(a.ctx, wt_model_predict(a.m, x, MAX_N, pa));
  CHECK_OK(b.ctx, wt_model_predict(b.m, x, MAX_N, pb));
  CHECK_MSG(same(pa, pb, sizeof(float) * (size_t)(MAX_N * K)), "%s: chunked inference", tag);
  /* the body frozen: backward stops at the head */
  freeze_body(&a);
  freeze_body(&b);
  snprintf(what, sizeof what, "%s step 6 (body frozen)", tag);
  step_both(what, &a, &b, x + 2 * per, y + 2, 8);
  /* cached features on the shared plan against images on the unshared one (the spec's
     Dropout below the head stops caching) */
  int64_t F = 0;
  if (which != EVERY) {
    CHECK_OK(a.ctx, wt_trainer_feature_size(a.t, &F));
    float *f = malloc((size_t)(8 * F) * sizeof(float));
    CHECK_OK(a.ctx, wt_trainer_features(a.t, x + 5 * per, 8, f));
    float la = 0, lb = 0;
    CHECK_OK(a.ctx, wt_trainer_step_features(a.t, f, y + 5, 8, &la, NULL));
    CHECK_OK(b.ctx, wt_trainer_step(b.t, x + 5 * per, y + 5, 8, &lb, NULL));
    snprintf(what, sizeof what, "%s step 7 (cached features)", tag);
    CHECK_MSG(same(&la, &lb, sizeof la), "%s: loss %.9g vs %.9g", what, (double)la, (double)lb);
    check_same(what, &a, &b, 8);
    free(f);
  }
  printf("  %-10s shared plan %7zu bytes, unshared %7zu (batch %d); inference plan %7zu (batch %d)\n",
         tag, a.m->act_bytes, b.m->act_bytes, BIG, infer_bytes, MAX_N);
  free(x);
  close_run(&a);
  close_run(&b);
}

/* The lifetimes behind the saving, on ResNet-8 at batch 64: what backward reads is kept (conv
   outputs for BatchNorm, ReLU outputs for their mask and the next conv) and the rest shares; the
   activation block is about a third of the unshared one (44.4 MB of 142.0 MB), an inference
   plan a tenth (14.0 MB). */
static void test_resnet8_size(void) {
  wt_ctx *ctx = wt_ctx_create(NULL, NULL);
  wt_model *m[3] = {NULL, NULL, NULL}; /* shared, unshared, inference */
  for (int i = 0; i < 3; i++) CHECK_OK(ctx, wt_model_create_resnet(ctx, 8, 3, 32, 32, 10, 0, &m[i]));
  if (m[0] && m[1] && m[2]) {
    m[1]->plan_unshared = true;
    CHECK_OK(ctx, wt__model_reserve(m[0], 64, true));
    CHECK_OK(ctx, wt__model_reserve(m[1], 64, true));
    CHECK_OK(ctx, wt__model_reserve(m[2], 64, false));
    const double train = (double)m[0]->act_bytes / (double)m[1]->act_bytes;
    const double infer = (double)m[2]->act_bytes / (double)m[1]->act_bytes;
    CHECK_MSG(train < 0.35 && infer < 0.11, "ResNet-8 at batch 64: shared plan %zu bytes, inference %zu, unshared %zu",
              m[0]->act_bytes, m[2]->act_bytes, m[1]->act_bytes);
    printf("  resnet8 batch 64: activation block %.1f MB shared, %.1f MB unshared, %.1f MB for inference\n",
           (double)m[0]->act_bytes / 1e6, (double)m[1]->act_bytes / 1e6, (double)m[2]->act_bytes / 1e6);
  }
  for (int i = 0; i < 3; i++) wt_model_destroy(m[i]);
  wt_ctx_destroy(ctx);
}

int main(void) {
  test_plan(EVERY, "every kind");
  test_plan(RESNET8, "resnet8");
  test_plan(STUDENT, "student");
  test_resnet8_size();
  return check_summary("test_plan");
}
