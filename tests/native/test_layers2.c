/* test_layers2.c - batchnorm2d (training and eval), avgpool2d (and as a global pool), dropout
   and the residual add: central-difference gradient checks of dx and the parameter gradients,
   forward against direct formulas (torch's running-statistics update, unbiased variance),
   accumulation (backward twice doubles), dropout's inverted scaling and mode, bad arguments.
   Whole-model PyTorch parity of these layers is in test_resnet.c. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reference formulas below mix float data with double math on purpose. */
#pragma GCC diagnostic ignored "-Wdouble-promotion"

#include "common/check.h"
#include "wasmtricks.h"
#include "common/layer_check.h"

#define GC_H 1e-2
#define GC_ATOL 2e-4
#define GC_RTOL 2e-3

/* Kinks here are judged 10x looser than in test_layers.c: BatchNorm's batch statistics make
   the one-sided differences disagree more at the same step. */
static void grad_check(const char *what, loss_fn f, void *u, float *v, const float *grad, size_t n,
                       size_t nsamples, double h) {
  grad_check_tol(what, f, u, v, grad, n, nsamples, &(gc_tolerance){h, GC_ATOL, GC_RTOL, 10.0});
}

/* ------------------------------------------------------------ batchnorm2d */

typedef struct bn_fix {
  wt_batchnorm2d l;
  int64_t N;
  float *x, *y, *r, *cache, *rm, *rv;
  size_t ny;
} bn_fix;

static double bn_loss(void *u) {
  bn_fix *f = u;
  /* running statistics move on every training forward; the output does not depend on them */
  if (wt_batchnorm2d_forward(ctx, &f->l, f->N, f->x, f->y, f->cache, NULL) != WT_OK) return (double)NAN;
  return dot(f->y, f->r, f->ny);
}

static void test_bn_case(int64_t N, int64_t C, int64_t H, int64_t W, int training) {
  char name[96], what[160];
  snprintf(name, sizeof name, "batchnorm2d N%lld C%lld %lldx%lld %s", (long long)N, (long long)C,
           (long long)H, (long long)W, training ? "train" : "eval");
  bn_fix f = {.l = {.C = C, .H = H, .W = W, .eps = 1e-5, .momentum = 0.1, .training = training}, .N = N};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_batchnorm2d_sizes(ctx, &f.l, N, &sz));
  CHECK(sz.param_floats == (size_t)(2 * C) && sz.out_elems == C * H * W);
  const size_t nx = (size_t)(N * C * H * W);
  f.ny = nx;
  f.x = fbuf(nx), f.y = fbuf(nx), f.r = fbuf(nx), f.cache = fbuf(sz.cache_bytes / 4 + 1);
  float *w = fbuf((size_t)C), *b = fbuf((size_t)C), *dw = fbuf((size_t)C), *db = fbuf((size_t)C);
  f.rm = fbuf((size_t)C), f.rv = fbuf((size_t)C);
  int64_t nbt = 0;
  f.l.weight = w, f.l.bias = b, f.l.dweight = dw, f.l.dbias = db;
  f.l.running_mean = f.rm, f.l.running_var = f.rv, f.l.num_batches_tracked = &nbt;
  CHECK_OK(ctx, wt_batchnorm2d_init_params(ctx, &f.l));
  CHECK(w[0] == 1.0f && b[0] == 0.0f && f.rm[0] == 0.0f && f.rv[0] == 1.0f);
  randn(f.x, nx, 2.0);
  for (size_t i = 0; i < nx; i++) f.x[i] += 0.5f;
  randn(w, (size_t)C, 1.0), randn(b, (size_t)C, 1.0), randn(f.r, nx, 1.0);
  if (!training)
    for (int64_t c = 0; c < C; c++) f.rm[c] = 0.3f * (float)c, f.rv[c] = 0.5f + 0.25f * (float)c;
  float *rm0 = fbuf((size_t)C), *rv0 = fbuf((size_t)C);
  memcpy(rm0, f.rm, (size_t)C * 4), memcpy(rv0, f.rv, (size_t)C * 4);
  CHECK_OK(ctx, wt_batchnorm2d_forward(ctx, &f.l, N, f.x, f.y, f.cache, NULL));
  /* forward against the direct formula, and torch's running update */
  const int64_t HW = H * W, n = N * HW;
  bool ok = true;
  for (int64_t c = 0; c < C; c++) {
    double mu = 0, var = 0;
    for (int64_t i = 0; i < N; i++)
      for (int64_t j = 0; j < HW; j++) mu += f.x[(i * C + c) * HW + j];
    mu /= (double)n;
    for (int64_t i = 0; i < N; i++)
      for (int64_t j = 0; j < HW; j++) var += pow(f.x[(i * C + c) * HW + j] - mu, 2);
    var /= (double)n;
    if (training) {
      ok = ok && fabs(f.rm[c] - (0.9 * rm0[c] + 0.1 * mu)) < 1e-5;
      ok = ok && fabs(f.rv[c] - (0.9 * rv0[c] + 0.1 * var * (double)n / (double)(n - 1))) < 1e-5 * (1 + var);
    } else {
      mu = rm0[c], var = rv0[c];
      ok = ok && f.rm[c] == rm0[c] && f.rv[c] == rv0[c];
    }
    for (int64_t i = 0; i < N; i++)
      for (int64_t j = 0; j < HW; j++) {
        const size_t o = (size_t)((i * C + c) * HW + j);
        const double want = (f.x[o] - mu) / sqrt(var + 1e-5) * w[c] + b[c];
        ok = ok && fabs(f.y[o] - want) <= 1e-5 + 1e-5 * fabs(want);
      }
  }
  CHECK_MSG(ok, "%s: forward and running statistics vs the formula", name);
  CHECK(nbt == (training ? 1 : 0));
  float *dx = fbuf(nx);
  CHECK_OK(ctx, wt_batchnorm2d_backward(ctx, &f.l, N, f.x, f.r, dx, f.cache, NULL));
  snprintf(what, sizeof what, "%s: dx", name);
  grad_check(what, bn_loss, &f, f.x, dx, nx, 60, GC_H);
  snprintf(what, sizeof what, "%s: dweight", name);
  grad_check(what, bn_loss, &f, w, dw, (size_t)C, (size_t)C, GC_H);
  snprintf(what, sizeof what, "%s: dbias", name);
  grad_check(what, bn_loss, &f, b, db, (size_t)C, (size_t)C, GC_H);
  /* accumulation */
  float *dx2 = fbuf(nx);
  memcpy(dx2, dx, nx * 4);
  const float dw0 = dw[0];
  CHECK_OK(ctx, wt_batchnorm2d_forward(ctx, &f.l, N, f.x, f.y, f.cache, NULL));
  CHECK_OK(ctx, wt_batchnorm2d_backward(ctx, &f.l, N, f.x, f.r, dx2, f.cache, NULL));
  ok = true;
  for (size_t i = 0; i < nx; i++) ok = ok && fabs(dx2[i] - 2 * dx[i]) <= 1e-5 + 1e-5 * fabs(dx[i]);
  CHECK_MSG(ok && fabs(dw[0] - 2 * dw0) <= 1e-4 * (1 + fabs(dw0)), "%s: backward accumulates", name);
  free(f.x), free(f.y), free(f.r), free(f.cache), free(w), free(b), free(dw), free(db);
  free(f.rm), free(f.rv), free(rm0), free(rv0), free(dx), free(dx2);
}

static void test_batchnorm(void) {
  test_bn_case(4, 3, 3, 3, 1);
  test_bn_case(2, 5, 2, 3, 1);
  test_bn_case(3, 1, 1, 1, 1); /* n = 3 values per channel */
  test_bn_case(2, 3, 3, 2, 0);
  wt_batchnorm2d l = {.C = 2, .H = 1, .W = 1, .eps = 1e-5, .momentum = 0.1, .training = 1};
  float w[2] = {1, 1}, b[2] = {0, 0}, rm[2] = {0, 0}, rv[2] = {1, 1}, x[2] = {1, 2}, y[2], cache[8];
  l.weight = w, l.bias = b, l.running_mean = rm, l.running_var = rv;
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_batchnorm2d_sizes(ctx, &l, 1, &sz));
  CHECK(wt_batchnorm2d_forward(ctx, &l, 1, x, y, cache, NULL) == WT_ERR_SHAPE &&
        has_msg("more than 1 value per channel"));
  l.training = 0;
  CHECK_OK(ctx, wt_batchnorm2d_forward(ctx, &l, 1, x, y, cache, NULL)); /* eval: fine */
  wt_batchnorm2d e = l;
  e.eps = 0;
  CHECK(wt_batchnorm2d_sizes(ctx, &e, 1, &sz) == WT_ERR_ARG && has_msg("eps"));
  e = l, e.momentum = 1.5;
  CHECK(wt_batchnorm2d_sizes(ctx, &e, 1, &sz) == WT_ERR_ARG && has_msg("momentum"));
  e = l, e.running_var = NULL;
  CHECK(wt_batchnorm2d_forward(ctx, &e, 1, x, y, cache, NULL) == WT_ERR_ARG && has_msg("running_var"));
  CHECK(wt_batchnorm2d_backward(ctx, &l, 1, x, y, y, cache, NULL) == WT_ERR_ARG && has_msg("aliases"));
}

/* ------------------------------------------------------------ avgpool2d */

typedef struct avg_fix {
  wt_avgpool2d l;
  int64_t N;
  float *x, *y, *r;
  size_t ny;
} avg_fix;

static double avg_loss(void *u) {
  avg_fix *f = u;
  if (wt_avgpool2d_forward(ctx, &f->l, f->N, f->x, f->y, NULL, NULL) != WT_OK) return (double)NAN;
  return dot(f->y, f->r, f->ny);
}

static void test_avg_case(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t s, int64_t p) {
  char what[128];
  avg_fix f = {.l = {.C = C, .H = H, .W = W, .KH = K, .KW = K, .stride_h = s, .stride_w = s,
                     .pad_h = p, .pad_w = p},
               .N = N};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_avgpool2d_sizes(ctx, &f.l, N, &sz));
  const int64_t OH = f.l.OH, OW = f.l.OW;
  CHECK(OH == (H + 2 * p - K) / s + 1 && OW == (W + 2 * p - K) / s + 1);
  const size_t nx = (size_t)(N * C * H * W);
  f.ny = (size_t)(N * C * OH * OW);
  f.x = fbuf(nx), f.y = fbuf(f.ny), f.r = fbuf(f.ny);
  float *dx = fbuf(nx);
  randn(f.x, nx, 1.0), randn(f.r, f.ny, 1.0);
  CHECK_OK(ctx, wt_avgpool2d_forward(ctx, &f.l, N, f.x, f.y, NULL, NULL));
  bool ok = true; /* count_include_pad: always / K*K */
  for (int64_t pl = 0; pl < N * C; pl++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        double sum = 0;
        for (int64_t kh = 0; kh < K; kh++)
          for (int64_t kw = 0; kw < K; kw++) {
            const int64_t ih = oh * s - p + kh, iw = ow * s - p + kw;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) sum += f.x[(pl * H + ih) * W + iw];
          }
        ok = ok && fabs(f.y[(pl * OH + oh) * OW + ow] - sum / (double)(K * K)) < 1e-6;
      }
  CHECK_MSG(ok, "avgpool k%lld s%lld p%lld: forward vs direct", (long long)K, (long long)s, (long long)p);
  CHECK_OK(ctx, wt_avgpool2d_backward(ctx, &f.l, N, f.x, f.r, dx, NULL, NULL));
  snprintf(what, sizeof what, "avgpool N%lld C%lld %lldx%lld k%lld s%lld p%lld: dx", (long long)N,
           (long long)C, (long long)H, (long long)W, (long long)K, (long long)s, (long long)p);
  grad_check(what, avg_loss, &f, f.x, dx, nx, 60, GC_H);
  free(f.x), free(f.y), free(f.r), free(dx);
}

static void test_avgpool(void) {
  test_avg_case(2, 3, 6, 6, 2, 2, 0);
  test_avg_case(1, 2, 7, 5, 3, 2, 1);
  test_avg_case(2, 4, 4, 4, 4, 4, 0); /* the global pool of a ResNet head */
  wt_avgpool2d l = {.C = 1, .H = 4, .W = 4, .KH = 2, .KW = 2, .stride_h = 2, .stride_w = 2, .pad_h = 2};
  wt_layer_sizes sz;
  CHECK(wt_avgpool2d_sizes(ctx, &l, 1, &sz) == WT_ERR_ARG && has_msg("pad_h"));
  l.pad_h = 0, l.stride_w = 0;
  CHECK(wt_avgpool2d_sizes(ctx, &l, 1, &sz) == WT_ERR_ARG && has_msg("stride_w"));
  l.stride_w = 2;
  CHECK_OK(ctx, wt_avgpool2d_sizes(ctx, &l, 1, &sz));
  l.H = 6;
  float x[36] = {0}, y[9];
  CHECK(wt_avgpool2d_forward(ctx, &l, 1, x, y, NULL, NULL) == WT_ERR_STATE && has_msg("sizes first"));
}

/* ------------------------------------------------------------ dropout and add */

static void test_dropout(void) {
  enum { N = 4, E = 2500 };
  wt_dropout l = {.elems = E, .p = 0.3, .training = 1};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_dropout_sizes(ctx, &l, N, &sz));
  CHECK(sz.cache_bytes == (size_t)N * E * sizeof(float));
  float *x = fbuf(N * E), *y = fbuf(N * E), *cache = fbuf(N * E), *dy = fbuf(N * E), *dx = fbuf(N * E);
  randn(x, N * E, 1.0), randn(dy, N * E, 1.0);
  for (int i = 0; i < N * E; i++) x[i] += 3.0f; /* no exact zeros */
  CHECK_OK(ctx, wt_dropout_forward(ctx, &l, N, x, y, cache, NULL));
  size_t zeros = 0;
  bool ok = true;
  for (int i = 0; i < N * E; i++) {
    if (y[i] == 0.0f) zeros++;
    else ok = ok && fabsf(y[i] - x[i] / 0.7f) <= 1e-6f * fabsf(y[i]);
  }
  const double frac = (double)zeros / (N * E); /* ~0.3, sd 0.0046 */
  CHECK_MSG(ok && fabs(frac - 0.3) < 0.03, "dropout: kept scaled by 1/(1-p), dropped fraction %.4f", frac);
  CHECK_OK(ctx, wt_dropout_backward(ctx, &l, N, x, dy, dx, cache, NULL));
  ok = true;
  for (int i = 0; i < N * E; i++) ok = ok && dx[i] == dy[i] * cache[i] && (y[i] == 0.0f) == (dx[i] == 0.0f || dy[i] == 0.0f);
  CHECK_MSG(ok, "dropout backward: dx = dy * mask / (1 - p)");
  /* same seed, same mask */
  wt_ctx *a = wt_ctx_create(&(wt_ctx_options){.seed = 9}, NULL), *b = wt_ctx_create(&(wt_ctx_options){.seed = 9}, NULL);
  float *y2 = fbuf(N * E), *c2 = fbuf(N * E);
  CHECK_OK(a, wt_dropout_forward(a, &l, N, x, y, cache, NULL));
  CHECK_OK(b, wt_dropout_forward(b, &l, N, x, y2, c2, NULL));
  CHECK(memcmp(y, y2, N * E * sizeof(float)) == 0);
  wt_ctx_destroy(a), wt_ctx_destroy(b);
  l.training = 0;
  CHECK_OK(ctx, wt_dropout_forward(ctx, &l, N, x, y, cache, NULL));
  CHECK(memcmp(x, y, N * E * sizeof(float)) == 0);
  l.p = 1.0;
  CHECK(wt_dropout_sizes(ctx, &l, N, &sz) == WT_ERR_ARG && has_msg("p must be in [0, 1)"));
  free(x), free(y), free(cache), free(dy), free(dx), free(y2), free(c2);
}

static void test_add(void) {
  wt_add l = {.elems = 6};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_add_sizes(ctx, &l, 2, &sz));
  CHECK(sz.out_elems == 6 && sz.param_floats == 0);
  float a[12], b[12], y[12], dy[12], da[12], db[12];
  randn(a, 12, 1), randn(b, 12, 1), randn(dy, 12, 1);
  for (int i = 0; i < 12; i++) da[i] = 1.0f, db[i] = 2.0f;
  CHECK_OK(ctx, wt_add_forward(ctx, &l, 2, a, b, y));
  bool ok = true;
  for (int i = 0; i < 12; i++) ok = ok && y[i] == a[i] + b[i];
  CHECK_OK(ctx, wt_add_backward(ctx, &l, 2, dy, da, db));
  for (int i = 0; i < 12; i++) ok = ok && da[i] == 1.0f + dy[i] && db[i] == 2.0f + dy[i];
  CHECK_MSG(ok, "add: forward sums, backward hands dy to both (accumulating)");
  float d2[12] = {0};
  CHECK_OK(ctx, wt_add_backward(ctx, &l, 2, dy, d2, d2)); /* x + x */
  ok = true;
  for (int i = 0; i < 12; i++) ok = ok && d2[i] == 2.0f * dy[i];
  CHECK_MSG(ok, "add of a tensor to itself: 2 dy");
  CHECK(wt_add_forward(ctx, &l, 2, a, NULL, y) == WT_ERR_ARG && has_msg("b is NULL"));
  CHECK(wt_add_backward(ctx, &l, 2, dy, (float *)dy, db) == WT_ERR_ARG && has_msg("da aliases dy"));
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  if (!ctx) return 1;
  wt_rng_seed(&rng, 777, 1);
  test_batchnorm();
  test_avgpool();
  test_dropout();
  test_add();
  wt_ctx_destroy(ctx);
  return check_summary("test_layers2");
}
