/* test_groups.c - parameter groups and freezing (issue #24).
   - wt_optim with groups (own lr and weight decay, a frozen slice) and no-decay ranges inside
     and outside them, each group's lr scheduled from its own base lr (warm-up + cosine with
     eta_min): 30-step trajectories against torch.optim / the AdaBound transcription with the same
     param groups (tests/data/group_goldens.h, scripts/gen_group_goldens.py) at 1e-5 relative;
     the frozen slice and its moments bitwise unchanged.
   - bad groups (overlap, outside, NaN lr, AdaBound lr 0) fail with a message and leave the
     optimizer as it was.
   - the trainer: a frozen run equals, bit for bit on the trainable parameters, the run that
     trains everything with the frozen slice at lr 0 (the frozen layers then compute no weight
     gradient: their gradient block stays 0); the gradient norm covers the trainable parameters
     only; a frozen BatchNorm in eval mode keeps its running statistics, in train mode they move;
     "nothing left to train"; groups after the first step; two trainers of one model; training
     the head only writes no output gradient below it (the backward floor).
   - cached features: steps on features computed once (in other batches) equal steps on the
     images bit for bit; wt_trainer_feature_size names each condition that stops caching.
   - ResNet-8 with conv1, bn1 and layer1 frozen and their BatchNorms in eval mode: logits, loss,
     gradients and running statistics of one step against PyTorch (tests/data/freeze_parity.h,
     scripts/gen_freeze_parity.py) at 1e-4 relative; frozen gradients exactly 0. */
#pragma GCC diagnostic ignored "-Wdouble-promotion" /* float goldens compared in double */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "models/model.h" /* internals: the logits of a step */
#include "wasmtricks.h"

#include "data/freeze_parity.h"
#include "data/group_goldens.h"

#define GOLD_ATOL 1e-6
#define GOLD_RTOL 1e-5

static wt_ctx *ctx;

static bool has_msg(const char *needle) { return strstr(wt_ctx_last_error(ctx), needle) != NULL; }

static void test_golden(const gold_group_case *c) {
  enum { N = GOLD_GROUP_N, NG = sizeof gold_groups / sizeof gold_groups[0] };
  wt_optim *o = NULL;
  CHECK_OK(ctx, wt_optim_create(ctx, &c->opt, N, gold_group_no_decay, 3, &o));
  wt_param_group g[NG];
  for (int i = 0; i < NG; i++)
    g[i] = (wt_param_group){gold_groups[i].offset, gold_groups[i].count,
                            c->opt.lr * gold_groups[i].lr_factor, gold_groups[i].weight_decay,
                            gold_groups[i].frozen};
  CHECK_OK(ctx, wt_optim_set_groups(o, g, NG));
  CHECK(wt_optim_group_count(o) == NG + 1);
  float p[N];
  memcpy(p, gold_group_p0, sizeof p);
  int snap = 0, bad = 0;
  for (int t = 0; t < GOLD_GROUP_STEPS; t++) {
    /* as the trainer: every group's lr from its own base lr */
    for (size_t k = 0; k < wt_optim_group_count(o); k++) {
      double lr;
      CHECK_OK(ctx, wt_schedule_lr(ctx, &gold_group_schedule, wt_optim_group_base_lr(o, k), t, &lr));
      CHECK_OK(ctx, wt_optim_set_group_lr(o, k, lr));
    }
    CHECK_OK(ctx, wt_optim_step(o, p, gold_group_grads + t * N));
    if (snap < GOLD_GROUP_SNAPS && t + 1 == gold_group_snapshots[snap]) {
      for (int i = 0; i < N; i++) {
        const double want = c->traj[snap * N + i];
        if (!(fabs((double)p[i] - want) <= GOLD_ATOL + GOLD_RTOL * fabs(want))) {
          if (bad++ < 5) printf("  %s step %d p[%d] = %.9g, torch %.9g\n", c->name, t + 1, i, (double)p[i], want);
        }
      }
      snap++;
    }
  }
  CHECK(snap == GOLD_GROUP_SNAPS);
  CHECK_MSG(bad == 0, "%s: %d values off torch's", c->name, bad);
  /* The frozen slice: bitwise the start, its moments 0. */
  CHECK(memcmp(p, gold_group_p0, 5 * sizeof(float)) == 0);
  const size_t nf = wt_optim_state_floats(o);
  float *state = malloc(nf * sizeof(float) + 1);
  int64_t steps = 0;
  CHECK_OK(ctx, wt_optim_state_export(o, state, nf, &steps));
  for (size_t b = 0; b < nf / N; b++)
    for (int i = 0; i < 5; i++) CHECK(state[b * N + (size_t)i] == 0.0f);
  free(state);
  wt_optim_destroy(o);
  printf("groups %-12s: %d steps, warm-up + cosine per group, a frozen slice, no-decay ranges: torch's\n",
         c->name, GOLD_GROUP_STEPS);
}

static void test_bad_groups(void) {
  const wt_optim_options opt = {.kind = WT_OPTIM_SGD, .lr = 0.1, .momentum = 0.9};
  wt_optim *o = NULL;
  CHECK_OK(ctx, wt_optim_create(ctx, &opt, 10, NULL, 0, &o));
  const wt_param_group ok = {0, 4, 0.5, 0.0, 0};
  CHECK_OK(ctx, wt_optim_set_groups(o, &ok, 1));
  const wt_param_group overlap[2] = {{0, 4, 0.1, 0, 0}, {3, 2, 0.1, 0, 1}};
  CHECK(wt_optim_set_groups(o, overlap, 2) == WT_ERR_ARG && has_msg("overlaps"));
  const wt_param_group outside = {8, 4, 0.1, 0, 0};
  CHECK(wt_optim_set_groups(o, &outside, 1) == WT_ERR_ARG && has_msg("outside the 10 parameters"));
  const wt_param_group nan_lr = {0, 2, NAN, 0, 0};
  CHECK(wt_optim_set_groups(o, &nan_lr, 1) == WT_ERR_ARG && has_msg("groups[0]: lr must be finite"));
  const wt_param_group neg_wd = {0, 2, 0.1, -1, 0};
  CHECK(wt_optim_set_groups(o, &neg_wd, 1) == WT_ERR_ARG && has_msg("weight_decay"));
  CHECK(wt_optim_set_groups(o, NULL, 1) == WT_ERR_ARG && has_msg("groups is NULL"));
  /* still the good groups: group 1 steps with lr 0.5, the rest with 0.1 */
  CHECK(wt_optim_group_count(o) == 2 && wt_optim_group_base_lr(o, 1) == 0.5);
  float p[10] = {0}, gr[10];
  for (int i = 0; i < 10; i++) gr[i] = 1.0f;
  CHECK_OK(ctx, wt_optim_step(o, p, gr));
  CHECK(p[0] == -0.5f && p[9] == -0.1f);
  /* a manual lr scales every group alike */
  CHECK_OK(ctx, wt_optim_set_lr(o, 0.05));
  CHECK_OK(ctx, wt_optim_step(o, p, gr));
  wt_optim_destroy(o);

  wt_optim_options ab = wt_optim_defaults(WT_OPTIM_ADABOUND);
  CHECK_OK(ctx, wt_optim_create(ctx, &ab, 10, NULL, 0, &o));
  const wt_param_group zero = {0, 2, 0.0, 0, 0};
  CHECK(wt_optim_set_groups(o, &zero, 1) == WT_ERR_ARG && has_msg("adabound: lr must be > 0"));
  const wt_param_group frozen_zero = {0, 2, 0.0, 0, 1}; /* a frozen group's lr is never read */
  CHECK_OK(ctx, wt_optim_set_groups(o, &frozen_zero, 1));
  wt_optim_destroy(o);
}

/* conv c: [0, 40), bn: [40, 48), fc: [48, 308). */
static const char SPEC[] =
    "{\"input\":[1,8,8],\"classes\":4,\"layers\":["
    "{\"type\":\"conv2d\",\"name\":\"c\",\"out_channels\":4,\"kernel\":3,\"padding\":1},"
    "{\"type\":\"batchnorm2d\",\"name\":\"bn\"},{\"type\":\"relu\"},"
    "{\"type\":\"maxpool2d\",\"kernel\":2},{\"type\":\"flatten\"},"
    "{\"type\":\"linear\",\"name\":\"fc\",\"out_features\":4}]}";
enum { BATCH = 8, STEPS = 6 };

typedef struct run_out {
  float params[308], grads[308], buffers[8];
  double grad_norm;
} run_out;

/* STEPS steps of SGD (momentum, weight decay) from seed 3 with groups g (n of them). */
static wt_status run(const wt_param_group *g, size_t n, int bn_eval, double clip, run_out *out) {
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, SPEC, sizeof SPEC - 1, &m));
  CHECK(wt_model_param_count(m) == 308);
  wt_trainer *t = NULL;
  const wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-3},
                                .grad_clip_norm = clip};
  CHECK_OK(c, wt_trainer_create(m, &o, &t));
  wt_status st = n ? wt_trainer_set_groups(t, g, n, bn_eval) : WT_OK;
  if (st == WT_OK) {
    float x[BATCH * 64];
    int32_t y[BATCH];
    for (int i = 0; i < BATCH * 64; i++) x[i] = (float)sin(0.37 * i) + (float)((i / 64) % 4 == (i % 4));
    for (int i = 0; i < BATCH; i++) y[i] = i % 4;
    for (int s = 0; s < STEPS; s++) CHECK_OK(c, wt_trainer_step(t, x, y, BATCH, NULL, NULL));
    memcpy(out->params, wt_model_params(m), sizeof out->params);
    memcpy(out->grads, wt_model_grads(m), sizeof out->grads);
    size_t nb = 0;
    memcpy(out->buffers, wt_model_buffers(m, &nb), sizeof out->buffers);
    CHECK(nb == 8);
    out->grad_norm = wt_trainer_grad_norm(t);
    /* groups after a step */
    CHECK(wt_trainer_set_groups(t, g, n, bn_eval) == WT_ERR_STATE);
  } else {
    snprintf((char *)out->params, 200, "%s", wt_ctx_last_error(c));
  }
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
  return st;
}

static bool same(const float *a, const float *b, size_t from, size_t to) {
  return memcmp(a + from, b + from, (to - from) * sizeof(float)) == 0;
}

static void test_trainer_freeze(void) {
  static run_out none, frozen, masked, e, tr;
  CHECK_OK(ctx, run(NULL, 0, 0, 0, &none));
  /* start: the weights of a run of 0 steps */
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, SPEC, sizeof SPEC - 1, &m));
  float p0[308];
  memcpy(p0, wt_model_params(m), sizeof p0);
  wt_model_destroy(m);
  wt_ctx_destroy(c);

  /* Freezing the conv and the BatchNorm (train mode, to compare with the masked run), the fc,
     or the conv weight alone (a partly frozen layer). */
  const wt_param_range cases[3] = {{0, 48}, {48, 260}, {0, 36}};
  for (int k = 0; k < 3; k++) {
    const size_t a = cases[k].offset, b = a + cases[k].count;
    const wt_param_group fg = {a, b - a, 0, 0, 1};
    const wt_param_group mg = {a, b - a, 0.0, 0.0, 0}; /* lr 0, no decay: p - 0 * buf == p */
    CHECK_OK(ctx, run(&fg, 1, 0, 0, &frozen));
    CHECK_OK(ctx, run(&mg, 1, 0, 0, &masked));
    CHECK_MSG(same(frozen.params, p0, a, b), "case %d: the frozen slice moved", k);
    CHECK(same(masked.params, p0, a, b));
    CHECK_MSG(same(frozen.params, masked.params, 0, 308), "case %d: the trainable parameters differ", k);
    CHECK(memcmp(frozen.buffers, masked.buffers, sizeof frozen.buffers) == 0);
    for (size_t i = a; i < b; i++) CHECK(frozen.grads[i] == 0.0f);
    bool masked_has_grads = false;
    for (size_t i = a; i < b; i++) masked_has_grads |= masked.grads[i] != 0.0f;
    CHECK(masked_has_grads);
    CHECK(!same(none.params, frozen.params, 0, 308)); /* freezing matters */
    /* the gradient norm covers the trainable parameters only */
    double sq = 0.0;
    for (size_t i = 0; i < 308; i++)
      if (i < a || i >= b) sq += (double)masked.grads[i] * (double)masked.grads[i];
    CHECK(frozen.grad_norm == sqrt(sq) && masked.grad_norm > frozen.grad_norm);
  }
  /* with clipping (by that norm) the frozen slice stays fixed too */
  const wt_param_group head = {0, 48, 0, 0, 1};
  CHECK_OK(ctx, run(&head, 1, 0, 0.05, &frozen));
  CHECK(same(frozen.params, p0, 0, 48));

  /* A frozen BatchNorm in eval mode keeps its running statistics; in train mode they move. */
  CHECK_OK(ctx, run(&head, 1, 1, 0, &e));
  CHECK_OK(ctx, run(&head, 1, 0, 0, &tr));
  CHECK(same(e.params, p0, 0, 48));
  for (int i = 0; i < 4; i++) CHECK(e.buffers[i] == 0.0f && e.buffers[4 + i] == 1.0f);
  CHECK(tr.buffers[0] != 0.0f && tr.buffers[4] != 1.0f);
  CHECK(!same(e.params, tr.params, 48, 308)); /* eval BN changes the forward */
  /* groups of the conv only: the BatchNorm trains, eval does not apply */
  const wt_param_group conv = {0, 40, 0, 0, 1};
  CHECK_OK(ctx, run(&conv, 1, 1, 0, &e));
  CHECK(e.buffers[0] != 0.0f);

  /* nothing left to train; the trainer then trains everything as before */
  const wt_param_group all = {0, 308, 0, 0, 1};
  CHECK(run(&all, 1, 1, 0, &e) == WT_ERR_ARG && strstr((char *)e.params, "nothing left to train"));
  const wt_param_group two[2] = {{0, 100, 0, 0, 1}, {100, 208, 0, 0, 1}};
  CHECK(run(two, 2, 1, 0, &e) == WT_ERR_ARG);
  printf("trainer: frozen slices bitwise fixed, trainable ones equal to the lr-0 run, eval BatchNorm fixed\n");
}

/* Two trainers of one model: each steps with its own frozen layers, and destroying an older
   frozen trainer (js: a schedule resolved by fit) leaves a newer one's configuration. */
static void test_two_trainers(void) {
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, SPEC, sizeof SPEC - 1, &m));
  const wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9}};
  const wt_param_group head = {0, 48, 0, 0, 1};
  wt_trainer *old = NULL, *young = NULL, *plain = NULL;
  CHECK_OK(c, wt_trainer_create(m, &o, &old));
  CHECK_OK(c, wt_trainer_set_groups(old, &head, 1, 1));
  CHECK_OK(c, wt_trainer_create(m, &o, &young));
  CHECK_OK(c, wt_trainer_set_groups(young, &head, 1, 1));
  wt_trainer_destroy(old);
  float x[BATCH * 64];
  int32_t y[BATCH];
  for (int i = 0; i < BATCH * 64; i++) x[i] = (float)cos(0.21 * i);
  for (int i = 0; i < BATCH; i++) y[i] = i % 4;
  size_t nb = 0;
  const float *buf = wt_model_buffers(m, &nb);
  CHECK_OK(c, wt_trainer_step(young, x, y, BATCH, NULL, NULL));
  CHECK(buf[0] == 0.0f && buf[4] == 1.0f); /* the BatchNorm stayed in eval */
  CHECK(wt_model_grads(m)[0] == 0.0f);
  CHECK_OK(c, wt_trainer_create(m, &o, &plain));
  CHECK_OK(c, wt_trainer_step(plain, x, y, BATCH, NULL, NULL)); /* trains everything */
  CHECK(buf[0] != 0.0f && wt_model_grads(m)[0] != 0.0f);
  const float mean0 = buf[0];
  CHECK_OK(c, wt_trainer_step(young, x, y, BATCH, NULL, NULL));
  CHECK(buf[0] == mean0 && wt_model_grads(m)[0] == 0.0f);
  wt_trainer_destroy(young);
  CHECK_OK(c, wt_trainer_step(plain, x, y, BATCH, NULL, NULL));
  CHECK(buf[0] != mean0);
  wt_trainer_destroy(plain);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
}

/* Training the head only runs no backward below it: the output gradients of the layers under
   the fc (conv, BatchNorm, relu, pool, flatten) are never written. Their memory is their own
   here (the unshared plan): the shared one lends it to other buffers. */
static void test_backward_floor(void) {
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, SPEC, sizeof SPEC - 1, &m));
  m->plan_unshared = true;
  const wt_trainer_options o = {.optim = {.lr = 0.05}};
  wt_trainer *t = NULL;
  CHECK_OK(c, wt_trainer_create(m, &o, &t));
  const wt_param_group body = {0, 48, 0, 0, 1};
  CHECK_OK(c, wt_trainer_set_groups(t, &body, 1, 1));
  CHECK(m->first_backward == 5 && m->layers[5].kind == WT__LINEAR);
  float x[BATCH * 64];
  int32_t y[BATCH];
  for (int i = 0; i < BATCH * 64; i++) x[i] = (float)cos(0.21 * i);
  for (int i = 0; i < BATCH; i++) y[i] = i % 4;
  CHECK_OK(c, wt_trainer_step(t, x, y, BATCH, NULL, NULL)); /* plans the activations */
  for (int l = 0; l < 5; l++)
    for (int64_t i = 0; i < BATCH * m->layers[l].out_elems; i++) m->layers[l].dout[i] = 7.0f;
  CHECK_OK(c, wt_trainer_step(t, x, y, BATCH, NULL, NULL));
  int touched = 0;
  for (int l = 0; l < 5; l++)
    for (int64_t i = 0; i < BATCH * m->layers[l].out_elems; i++) touched += m->layers[l].dout[i] != 7.0f;
  CHECK_MSG(touched == 0, "%d output gradients below the head were written", touched);
  /* the same model trained whole writes them */
  wt_trainer_destroy(t);
  CHECK(m->first_backward == 0);
  CHECK_OK(c, wt_trainer_create(m, &o, &t));
  CHECK_OK(c, wt_trainer_step(t, x, y, BATCH, NULL, NULL));
  CHECK(m->layers[4].dout[0] != 7.0f);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
}

/* Cached features: with the body (conv, bn) frozen and its BatchNorm in eval, steps on features
   computed once, in other batches (5, 5, 2 images), equal steps on the images bit for bit
   (losses, accuracies, parameters, running statistics); each failing condition is named. */
enum { POOL = 12, FEAT = 64 };
static void features_run(bool cached, float *params, float *losses) {
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, SPEC, sizeof SPEC - 1, &m));
  const wt_trainer_options o = {.optim = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-3},
                                .label_smoothing = 0.1};
  wt_trainer *t = NULL;
  CHECK_OK(c, wt_trainer_create(m, &o, &t));
  const wt_param_group body = {0, 48, 0, 0, 1};
  CHECK_OK(c, wt_trainer_set_groups(t, &body, 1, 1));
  static float x[POOL * 64], feats[POOL * FEAT], xb[BATCH * 64], fb[BATCH * FEAT];
  int32_t y[POOL], yb[BATCH];
  for (int i = 0; i < POOL * 64; i++) x[i] = (float)sin(0.37 * i) + (float)((i / 64) % 4 == (i % 4));
  for (int i = 0; i < POOL; i++) y[i] = (i * 7) % 4;
  if (cached) {
    int64_t F = 0;
    CHECK_OK(c, wt_trainer_feature_size(t, &F));
    CHECK(F == FEAT);
    for (int at = 0; at < POOL; at += 5) {
      const int n = POOL - at < 5 ? POOL - at : 5;
      CHECK_OK(c, wt_trainer_features(t, x + at * 64, n, feats + at * FEAT));
    }
  }
  for (int s = 0; s < STEPS; s++) {
    const int n = s % 3 == 2 ? 3 : BATCH; /* a short last batch too */
    for (int j = 0; j < n; j++) {
      const int k = (s * 5 + j * 7) % POOL;
      memcpy(xb + j * 64, x + k * 64, 64 * sizeof(float));
      memcpy(fb + j * FEAT, feats + k * FEAT, FEAT * sizeof(float));
      yb[j] = y[k];
    }
    float acc;
    if (cached) CHECK_OK(c, wt_trainer_step_features(t, fb, yb, n, &losses[s], &acc));
    else CHECK_OK(c, wt_trainer_step(t, xb, yb, n, &losses[s], &acc));
  }
  memcpy(params, wt_model_params(m), 308 * sizeof(float));
  size_t nb = 0;
  memcpy(params + 308, wt_model_buffers(m, &nb), 8 * sizeof(float));
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
}

/* The message of wt_trainer_feature_size for groups g (n) and options o, in buf. */
static wt_status feature_refusal(const wt_trainer_options *o, const wt_param_group *g, size_t n,
                                 int bn_eval, char *buf, size_t len) {
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, SPEC, sizeof SPEC - 1, &m));
  wt_trainer *t = NULL;
  CHECK_OK(c, wt_trainer_create(m, o, &t));
  if (n) CHECK_OK(c, wt_trainer_set_groups(t, g, n, bn_eval));
  int64_t F = -1;
  const wt_status st = wt_trainer_feature_size(t, &F);
  snprintf(buf, len, "%s", wt_ctx_last_error(c));
  if (st != WT_OK) {
    float f[FEAT] = {0};
    int32_t y = 0;
    CHECK(F == 0 && wt_trainer_step_features(t, f, &y, 1, NULL, NULL) == st);
  }
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
  return st;
}

static void test_cached_features(void) {
  static float a[316], b[316];
  float la[STEPS], lb[STEPS];
  features_run(false, a, la);
  features_run(true, b, lb);
  CHECK_MSG(memcmp(la, lb, sizeof la) == 0, "losses: %.9g vs %.9g", (double)la[0], (double)lb[0]);
  CHECK(memcmp(a, b, sizeof a) == 0);
  char msg[WT_ERR_LEN];
  const wt_trainer_options o = {.optim = {.lr = 0.05}};
  const wt_param_group body = {0, 48, 0, 0, 1}, conv = {0, 40, 0, 0, 1};
  CHECK(feature_refusal(&o, NULL, 0, 1, msg, sizeof msg) == WT_ERR_STATE);
  CHECK_MSG(strstr(msg, "nothing below the lowest trainable layer (layer 0, conv2d c) is frozen"), "%s", msg);
  CHECK(feature_refusal(&o, &body, 1, 0, msg, sizeof msg) == WT_ERR_STATE);
  CHECK_MSG(strstr(msg, "the frozen batchnorm2d bn trains on batch statistics (frozenBatchNorm 'train')"), "%s", msg);
  CHECK(feature_refusal(&o, &conv, 1, 1, msg, sizeof msg) == WT_ERR_STATE);
  CHECK_MSG(strstr(msg, "the batchnorm2d bn trains below the head (it reads (4,8,8) planes"), "%s", msg);
  wt_trainer_options mix = o;
  mix.batch.mixup_alpha = 1.0;
  CHECK(feature_refusal(&mix, &body, 1, 1, msg, sizeof msg) == WT_ERR_STATE);
  CHECK_MSG(strstr(msg, "batch trick"), "%s", msg);
  CHECK(feature_refusal(&o, &body, 1, 1, msg, sizeof msg) == WT_OK);
  /* a Dropout below the head draws in training: no caching */
  static const char DROP[] =
      "{\"input\":[1,8,8],\"classes\":4,\"layers\":["
      "{\"type\":\"conv2d\",\"name\":\"c\",\"out_channels\":4,\"kernel\":3,\"padding\":1},"
      "{\"type\":\"relu\"},{\"type\":\"flatten\"},{\"type\":\"dropout\",\"p\":0.5},"
      "{\"type\":\"linear\",\"name\":\"fc\",\"out_features\":4}]}";
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, DROP, sizeof DROP - 1, &m));
  wt_trainer *t = NULL;
  CHECK_OK(c, wt_trainer_create(m, &o, &t));
  CHECK_OK(c, wt_trainer_set_groups(t, &conv, 1, 1)); /* c: [0, 40) */
  int64_t F = -1;
  CHECK(wt_trainer_feature_size(t, &F) == WT_ERR_STATE && F == 0);
  CHECK_MSG(strstr(wt_ctx_last_error(c), "layer 3 (dropout) below the lowest trainable layer is random in training"),
            "%s", wt_ctx_last_error(c));
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
}

/* A run without groups is the run it was before groups existed: the same bits as a trainer that
   was given an empty group list. */
static void test_no_groups_unchanged(void) {
  static run_out a, b;
  CHECK_OK(ctx, run(NULL, 0, 0, 0, &a));
  const wt_param_group one = {0, 308, 0.05, 5e-3, 0}; /* one group equal to the defaults */
  CHECK_OK(ctx, run(&one, 1, 1, 0, &b));
  CHECK(memcmp(a.params, b.params, sizeof a.params) == 0);
}

/* |got - want| / (|want| + scale) */
static double rel_err(double got, double want, double scale) {
  return fabs(got - want) / (fabs(want) + scale);
}

static void test_freeze_parity(void) {
  wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  wt_model *m = NULL;
  CHECK_OK(c, wt_model_create_from_spec(c, fp_spec, strlen(fp_spec), &m));
  CHECK(wt_model_param_count(m) == FP_PARAMS);
  float *p = wt_model_params(m);
  for (size_t i = 0; i < FP_PARAMS; i++) p[i] = (float)(0.1 * sin(0.7 * (double)i + 0.3));
  const size_t nx = FP_N * 3 * 8 * 8;
  float x[FP_N * 3 * 8 * 8];
  for (size_t i = 0; i < nx; i++) x[i] = (float)(cos(1.3 * (double)i) + 0.25 * sin(0.11 * (double)i));
  CHECK_OK(c, wt__model_forward_batch(m, fp_x0, FP_N)); /* the running statistics */
  wt_trainer *t = NULL;
  const wt_trainer_options o = {.optim = {.lr = 0.1}};
  CHECK_OK(c, wt_trainer_create(m, &o, &t));
  wt_param_group g[FP_RANGES];
  for (int i = 0; i < FP_RANGES; i++) g[i] = (wt_param_group){fp_frozen[i].offset, fp_frozen[i].count, 0, 0, 1};
  CHECK_OK(c, wt_trainer_set_groups(t, g, FP_RANGES, 1));
  int32_t labels[FP_N];
  for (int i = 0; i < FP_N; i++) labels[i] = i % 10;
  double loss_sum = 0;
  CHECK_OK(c, wt_trainer_compute_grads(t, x, labels, NULL, FP_N, 1.0f, &loss_sum, NULL));
  double worst = 0;
  const float *logits = wt__model_logits(m);
  for (int i = 0; i < FP_N * 10; i++) {
    const double e = rel_err(logits[i], fp_logits[i], 1e-3);
    if (e > worst) worst = e;
  }
  CHECK_MSG(worst <= 1e-4, "frozen ResNet-8 logits: worst relative error %.3g", worst);
  CHECK_NEAR(loss_sum / FP_N, fp_loss, 0, 1e-5);
  const float *gr = wt_model_grads(m);
  size_t off = 0;
  worst = 0;
  int nonzero_frozen = 0;
  for (int k = 0; k < FP_TENSORS; k++) {
    const size_t n = (size_t)fp_numel[k];
    if (fp_frozen_tensor[k]) {
      for (size_t i = 0; i < n; i++) nonzero_frozen += gr[off + i] != 0.0f;
    } else {
      const double rms = sqrt(fp_gsq[k] / (double)n);
      double s = 0, sq = 0;
      for (size_t i = 0; i < n; i++) s += (double)gr[off + i], sq += (double)gr[off + i] * (double)gr[off + i];
      double e = rel_err(s, fp_gsum[k], rms * sqrt((double)n));
      if (e > worst) worst = e;
      e = rel_err(sq, fp_gsq[k], 0);
      if (e > worst) worst = e;
      for (int j = 0; j < 16 && (size_t)j < n; j++) {
        const size_t i = ((size_t)j * 7919 + 13) % n;
        e = rel_err(gr[off + i], fp_gsample[k * 16 + j], rms);
        if (e > worst) worst = e;
      }
    }
    off += n;
  }
  CHECK(off == FP_PARAMS);
  CHECK_MSG(nonzero_frozen == 0, "%d frozen gradients are not 0", nonzero_frozen);
  CHECK_MSG(worst <= 1e-4, "frozen ResNet-8 gradients: worst relative error %.3g", worst);
  size_t nb = 0;
  const float *b = wt_model_buffers(m, &nb);
  CHECK(nb == sizeof fp_buffers / sizeof fp_buffers[0]);
  worst = 0;
  for (size_t i = 0; i < nb; i++) {
    const double e = rel_err(b[i], fp_buffers[i], 1e-3);
    if (e > worst) worst = e;
  }
  CHECK_MSG(worst <= 1e-4, "frozen ResNet-8 running statistics: worst relative error %.3g", worst);
  printf("frozen ResNet-8 (conv1, bn1, layer1; BatchNorm eval): logits, gradients, statistics: torch's\n");
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(c);
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  for (size_t i = 0; i < sizeof gold_group_cases / sizeof gold_group_cases[0]; i++)
    test_golden(&gold_group_cases[i]);
  test_bad_groups();
  test_trainer_freeze();
  test_no_groups_unchanged();
  test_two_trainers();
  test_backward_floor();
  test_freeze_parity();
  test_cached_features();
  wt_ctx_destroy(ctx);
  return check_summary("test_groups");
}
