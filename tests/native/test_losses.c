/* test_losses.c - softmax cross-entropy and softmax: PyTorch goldens (including logits of
   magnitude 1e4 and 3e4) and a central-difference gradient check of wt_cross_entropy's hard-label
   mean; for the deprecated wt_softmax_cross_entropy, exact values for huge logits,
   the argmax count with ties, label validation and argument errors. Then the general losses:
   wt_cross_entropy (label smoothing, soft targets, weights, reductions) and wt_distillation
   against tests/data/loss_goldens.h (scripts/gen_loss_goldens.py), central differences, the
   timm identities, accumulation, and their errors. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

#define WT_GOLDENS_LOSSES
#include "data/goldens.h"
#include "data/loss_goldens.h"

#define GOLD_ATOL 1e-6
#define GOLD_RTOL 1e-5

static wt_ctx *ctx;
static wt_rng rng;

static bool has_msg(const char *needle) { return strstr(wt_ctx_last_error(ctx), needle) != NULL; }

/* The hard-label mean through the live function, wt_cross_entropy with default options (the
   deprecated wt_softmax_cross_entropy's contract keeps its own tests below: huge logits beyond
   float range, NaN rows, its messages). */
static wt_status ce_mean(int64_t N, int64_t K, const float *x, const int32_t *y, float *L, float *d,
                         int64_t *correct) {
  double c = 0.0;
  const wt_status st = wt_cross_entropy(ctx, N, K, x, y, NULL, NULL, L, d, correct ? &c : NULL);
  if (correct) *correct = (int64_t)c;
  return st;
}

static void test_goldens(void) {
  float loss = 0.0f, d[GOLD_CE_N * GOLD_CE_K], p[GOLD_CE_N * GOLD_CE_K];
  int64_t correct = -1;
  CHECK_OK(ctx, ce_mean(GOLD_CE_N, GOLD_CE_K, gold_ce_logits, gold_ce_labels, &loss, d, &correct));
  CHECK_NEAR(loss, gold_ce_loss, GOLD_ATOL, GOLD_RTOL);
  CHECK(correct == GOLD_CE_CORRECT);
  for (int i = 0; i < GOLD_CE_N * GOLD_CE_K; i++) CHECK_NEAR(d[i], gold_ce_dlogits[i], GOLD_ATOL, GOLD_RTOL);
  CHECK_OK(ctx, wt_softmax(ctx, GOLD_CE_N, GOLD_CE_K, gold_ce_logits, p));
  for (int i = 0; i < GOLD_CE_N * GOLD_CE_K; i++) CHECK_NEAR(p[i], gold_ce_softmax[i], GOLD_ATOL, GOLD_RTOL);
}

/* Central differences of the (double-accumulated, float-returned) loss against dlogits. */
static void test_gradcheck(int64_t N, int64_t K, double scale) {
  float x[6 * 7], d[6 * 7], dd[6 * 7];
  int32_t y[6];
  for (int64_t i = 0; i < N * K; i++) x[i] = (float)(wt_rng_normal(&rng) * scale);
  for (int64_t i = 0; i < N; i++) y[i] = (int32_t)wt_rng_below(&rng, (uint32_t)K);
  float L;
  CHECK_OK(ctx, ce_mean(N, K, x, y, &L, d, NULL));
  const float h = 1e-2f;
  double worst = 0.0;
  int bad = 0;
  for (int64_t i = 0; i < N * K; i++) {
    const float o = x[i];
    float Lp, Lm;
    x[i] = o + h;
    const double hp = (double)x[i] - (double)o;
    ce_mean(N, K, x, y, &Lp, dd, NULL);
    x[i] = o - h;
    const double hm = (double)o - (double)x[i];
    ce_mean(N, K, x, y, &Lm, NULL, NULL);
    x[i] = o;
    const double num = ((double)Lp - (double)Lm) / (hp + hm);
    const double err = fabs(num - (double)d[i]);
    if (err > worst) worst = err;
    /* truncation O(h^2 * f''') and float rounding of L (~1e-7 / 2e-2) */
    if (err > 1e-4 + 1e-2 * fabs((double)d[i])) bad++;
  }
  CHECK_MSG(bad == 0, "CE gradcheck N=%lld K=%lld: %d off, max err %.3g", (long long)N,
            (long long)K, bad, worst);
  /* each row of dlogits sums to 0 */
  for (int64_t i = 0; i < N; i++) {
    double s = 0.0;
    for (int64_t j = 0; j < K; j++) s += (double)d[i * K + j];
    CHECK_NEAR(s, 0.0, 1e-6, 0.0);
  }
}

static void test_huge_logits(void) {
  /* exact in double after the max is subtracted: no overflow, no cancellation to 0 */
  const float x[2 * 3] = {1e4f, 0.0f, -1e4f, 3e38f, 3e38f, -3e38f};
  const int32_t y[2] = {1, 2};
  float L, d[6];
  int64_t correct;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 2, 3, x, y, &L, d, &correct));
  /* row 0: lse = 1e4 (+ e^-1e4), loss 1e4; row 1: lse = 3e38 + log 2, loss 6e38 */
  CHECK_NEAR(L, (1e4 + 6e38) / 2.0, 0.0, 1e-6);
  CHECK(isfinite(L));
  CHECK_NEAR(d[0], 0.5, 0.0, 1e-7);
  CHECK_NEAR(d[1], -0.5, 0.0, 1e-7);
  CHECK(d[2] == 0.0f);
  CHECK_NEAR(d[3], 0.25, 0.0, 1e-7);
  CHECK_NEAR(d[4], 0.25, 0.0, 1e-7);
  CHECK_NEAR(d[5], -0.5, 0.0, 1e-7);
  CHECK(correct == 0);
  /* single row: loss of 1e4 exactly representable */
  const float x1[3] = {-5000.0f, 5000.0f, 5000.0f};
  const int32_t y1 = 0;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 1, 3, x1, &y1, &L, NULL, NULL));
  CHECK_NEAR(L, 10000.0 + log(2.0), 0.0, 1e-7);
  float p[3];
  CHECK_OK(ctx, wt_softmax(ctx, 1, 3, x1, p));
  CHECK(p[0] == 0.0f && p[1] == 0.5f && p[2] == 0.5f);
}

static void test_argmax_and_misc(void) {
  /* ties: the first argmax counts; K = 1 is a valid (zero) loss */
  const float x[3 * 3] = {2.0f, 2.0f, 1.0f, 0.0f, 5.0f, 5.0f, 1.0f, 0.0f, 0.0f};
  const int32_t y[3] = {1, 1, 0};
  int64_t correct;
  float L;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 3, 3, x, y, &L, NULL, &correct));
  CHECK(correct == 2);
  const float one[2] = {3.0f, -7.0f};
  const int32_t z[2] = {0, 0};
  float d1[2];
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 2, 1, one, z, &L, d1, &correct));
  CHECK(L == 0.0f && d1[0] == 0.0f && d1[1] == 0.0f && correct == 2);
  /* dlogits is WRITTEN, not accumulated */
  float d[9];
  for (int i = 0; i < 9; i++) d[i] = 100.0f;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 3, 3, x, y, NULL, d, NULL));
  CHECK(fabsf(d[0]) < 1.0f && fabsf(d[8]) < 1.0f);
  /* softmax in place, rows sum to 1 */
  float p[9];
  memcpy(p, x, sizeof p);
  CHECK_OK(ctx, wt_softmax(ctx, 3, 3, p, p));
  for (int i = 0; i < 3; i++) CHECK_NEAR(p[3 * i] + p[3 * i + 1] + p[3 * i + 2], 1.0, 1e-6, 0.0);
  CHECK(p[0] == p[1]);
  /* NaN logits give a NaN loss, as torch */
  const float nanrow[2] = {NAN, 1.0f};
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 1, 2, nanrow, z, &L, NULL, &correct));
  CHECK(isnan(L));
}

static void test_errors(void) {
  const float x[6] = {0};
  int32_t y[2] = {0, 3};
  float L = 123.0f, d[6] = {7, 7, 7, 7, 7, 7};
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, x, y, &L, d, NULL) == WT_ERR_ARG);
  CHECK(has_msg("labels[1] = 3") && has_msg("[0, 3)"));
  CHECK(L == 123.0f && d[0] == 7.0f); /* nothing written on failure */
  y[1] = -1;
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, x, y, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("labels[1] = -1"));
  y[1] = 0;
  CHECK(wt_softmax_cross_entropy(ctx, 0, 3, x, y, &L, d, NULL) == WT_ERR_SHAPE && has_msg("N must"));
  CHECK(wt_softmax_cross_entropy(ctx, 2, 0, x, y, &L, d, NULL) == WT_ERR_SHAPE && has_msg("K must"));
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, NULL, y, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("logits is NULL"));
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, x, NULL, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("labels is NULL"));
  CHECK(has_msg("wt_softmax_cross_entropy"));
  CHECK(wt_softmax(ctx, 2, 3, x, NULL) == WT_ERR_ARG && has_msg("probs is NULL"));
  CHECK(wt_softmax(ctx, -2, 3, x, d) == WT_ERR_SHAPE && has_msg("N must"));
}

/* ---------------------------------------------------------------- general losses */

/* Worst relative error seen against the goldens, over values >= 1e-3 of their case's largest
   (smaller ones are held to an absolute bound of 1e-7 of that largest). */
static double worst_rel;

static double max_abs(const float *x, int64_t n) {
  double m = 0.0;
  for (int64_t i = 0; i < n; i++)
    if (fabs((double)x[i]) > m) m = fabs((double)x[i]);
  return m;
}

/* |a - b| <= 1e-5 |b| + 1e-7 * scale, elementwise; returns the number of misses. */
static int compare(const char *what, const char *name, const float *a, const float *b, int64_t n,
                   double scale) {
  int bad = 0;
  for (int64_t i = 0; i < n; i++) {
    const double err = fabs((double)a[i] - (double)b[i]);
    if (fabs((double)b[i]) >= 1e-3 * scale && err / fabs((double)b[i]) > worst_rel) {
      worst_rel = err / fabs((double)b[i]);
      if (getenv("WT_TRACE")) fprintf(stderr, "worst so far: %s %s [%lld] %.9g vs %.9g\n", name, what, (long long)i, (double)a[i], (double)b[i]);
    }
    if (!(err <= 1e-5 * fabs((double)b[i]) + 1e-7 * scale)) {
      if (bad++ < 3)
        fprintf(stderr, "%s %s [%lld]: %.9g, golden %.9g\n", name, what, (long long)i,
                (double)a[i], (double)b[i]);
    }
  }
  return bad;
}

static wt_ce_options ce_opts(const gold_ce_case *c, const gold_loss_set *s) {
  return (wt_ce_options){.label_smoothing = c->eps, .reduction = (wt_reduction)c->reduction,
                         .weight = c->weighted ? s->weight : NULL};
}

static void test_ce_goldens(void) {
  static float d[2 * 1000], L[8];
  for (int k = 0; k < GOLD_CE_CASES; k++) {
    const gold_ce_case *c = &gold_ce_cases[k];
    const gold_loss_set *s = &gold_loss_sets[c->set];
    const int64_t N = s->N, C = s->C, nl = c->reduction == WT_REDUCTION_NONE ? N : 1;
    const wt_ce_options o = ce_opts(c, s);
    double correct = -1.0;
    CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, s->logits, c->soft ? NULL : s->labels,
                                   c->soft ? s->targets : NULL, &o, L, d, &correct));
    const int bad = compare("loss", c->name, L, c->loss, nl, max_abs(c->loss, nl)) +
                    compare("grad", c->name, d, c->grad, N * C, max_abs(c->grad, N * C));
    CHECK_MSG(bad == 0, "CE golden %s: %d values off", c->name, bad);
    /* correct: target mass on each row's first argmax */
    double want = 0.0;
    for (int64_t i = 0; i < N; i++) {
      int64_t am = 0;
      for (int64_t j = 1; j < C; j++)
        if (s->logits[i * C + j] > s->logits[i * C + am]) am = j;
      want += c->soft ? (double)s->targets[i * C + am] : (am == s->labels[i] ? 1.0 : 0.0);
    }
    CHECK_NEAR(correct, want, 1e-12, 0.0);
    /* loss alone, gradient alone */
    float L2[8];
    CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, s->logits, c->soft ? NULL : s->labels,
                                   c->soft ? s->targets : NULL, &o, L2, NULL, NULL));
    CHECK(memcmp(L, L2, (size_t)nl * sizeof(float)) == 0);
  }
}

static void test_kd_goldens(void) {
  static float d[2 * 1000];
  for (int k = 0; k < GOLD_KD_CASES; k++) {
    const gold_kd_case *c = &gold_kd_cases[k];
    const wt_distill_options o = {.temperature = c->T};
    float L = -1.0f;
    CHECK_OK(ctx, wt_distillation(ctx, c->N, c->C, c->student, c->teacher, &o, &L, d));
    /* KD of a row is O(T^2); student == teacher gives 0 up to rounding of that scale */
    const double scale = fabs((double)c->loss) > c->T * c->T ? fabs((double)c->loss) : c->T * c->T;
    const int bad = compare("loss", c->name, &L, &c->loss, 1, scale) +
                    compare("grad", c->name, d, c->grad, c->N * c->C,
                            max_abs(c->grad, c->N * c->C) > 1e-3 ? max_abs(c->grad, c->N * c->C)
                                                                 : 1e-3);
    CHECK_MSG(bad == 0, "KD golden %s: %d values off", c->name, bad);
  }
}

/* loss(x) as a double: 'none' summed, so its gradient is the one written. */
typedef double (*loss_fn)(const void *arg, const float *x, float *grad);

typedef struct ce_arg {
  int64_t N, C;
  const int32_t *labels;
  const float *targets;
  wt_ce_options o;
} ce_arg;

static double ce_eval(const void *p, const float *x, float *grad) {
  const ce_arg *a = p;
  float L[8];
  if (wt_cross_entropy(ctx, a->N, a->C, x, a->labels, a->targets, &a->o, L, grad, NULL) != WT_OK)
    return (double)NAN;
  double s = 0.0;
  const int64_t n = a->o.reduction == WT_REDUCTION_NONE ? a->N : 1;
  for (int64_t i = 0; i < n; i++) s += (double)L[i];
  return s;
}

typedef struct kd_arg {
  int64_t N, C;
  const float *teacher;
  wt_distill_options o;
} kd_arg;

static double kd_eval(const void *p, const float *x, float *grad) {
  const kd_arg *a = p;
  float L;
  if (wt_distillation(ctx, a->N, a->C, x, a->teacher, &a->o, &L, grad) != WT_OK) return (double)NAN;
  return (double)L;
}

/* Central differences with h = 1e-2 * (1 + |x|) on every element. The loss is a rounded float,
   so the bound is truncation O(h^2) plus ~1e-7 |L| / h. */
static void gradcheck(const char *name, loss_fn f, const void *arg, float *x, int64_t n) {
  static float g[8 * 10], scratch[8 * 10];
  const double L0 = f(arg, x, g);
  int bad = 0;
  double worst = 0.0;
  for (int64_t i = 0; i < n; i++) {
    const float o = x[i], h = 1e-2f * (1.0f + fabsf(o));
    x[i] = o + h;
    const double hp = (double)x[i] - (double)o, Lp = f(arg, x, scratch);
    x[i] = o - h;
    const double hm = (double)o - (double)x[i], Lm = f(arg, x, scratch);
    x[i] = o;
    const double num = (Lp - Lm) / (hp + hm), err = fabs(num - (double)g[i]);
    if (err > worst) worst = err;
    if (!(err <= 2e-4 * (1.0 + fabs(L0)) + 1e-2 * fabs((double)g[i]))) bad++;
  }
  CHECK_MSG(bad == 0, "gradcheck %s: %d of %lld off, max err %.3g", name, bad, (long long)n, worst);
}

static void test_general_gradchecks(void) {
  enum { N = 5, C = 7 };
  float x[N * C], q[N * C], w[C], t[N * C];
  int32_t y[N];
  for (int i = 0; i < N * C; i++) x[i] = (float)(wt_rng_normal(&rng) * 2.0);
  for (int i = 0; i < N * C; i++) t[i] = (float)(wt_rng_normal(&rng) * 3.0);
  for (int i = 0; i < N; i++) y[i] = (int32_t)wt_rng_below(&rng, C);
  for (int j = 0; j < C; j++) w[j] = (float)(0.25 + wt_rng_uniform(&rng));
  for (int i = 0; i < N; i++) { /* mixup-style targets: lambda * onehot(a) + (1 - lambda) onehot(b) */
    const float lam = (float)wt_rng_uniform(&rng);
    for (int j = 0; j < C; j++) q[i * C + j] = 0.0f;
    q[i * C + y[i]] += lam;
    q[i * C + (y[i] + 3) % C] += 1.0f - lam;
  }
  const double eps[3] = {0.0, 0.1, 0.5};
  char name[96];
  for (int e = 0; e < 3; e++)
    for (int r = 0; r < 3; r++)
      for (int soft = 0; soft < 2; soft++)
        for (int weighted = 0; weighted < 2; weighted++) {
          const ce_arg a = {N, C, soft ? NULL : y, soft ? q : NULL,
                            {.label_smoothing = eps[e], .reduction = (wt_reduction)r,
                             .weight = weighted ? w : NULL}};
          snprintf(name, sizeof name, "CE eps=%g red=%d soft=%d weighted=%d", eps[e], r,
                   soft, weighted);
          gradcheck(name, ce_eval, &a, x, N * C);
        }
  const double T[3] = {1.0, 4.0, 20.0};
  for (int k = 0; k < 3; k++) {
    /* logits scaled with T so that softmax(s / T) is not flat */
    float s[N * C], u[N * C];
    for (int i = 0; i < N * C; i++)
      s[i] = (float)((double)x[i] * T[k]), u[i] = (float)((double)t[i] * T[k]);
    const kd_arg a = {N, C, u, {.temperature = T[k]}};
    snprintf(name, sizeof name, "KD T=%g", T[k]);
    gradcheck(name, kd_eval, &a, s, N * C);
  }
}

/* timm identities: smoothing a mixed target is mixing smoothed one-hots; hard labels are one-hot
   soft targets (unweighted); the legacy function is wt_cross_entropy with the defaults. */
static void test_identities(void) {
  enum { N = 4, C = 6 };
  float x[N * C], qm[N * C], qs[N * C], oh[N * C];
  int32_t y[N];
  const double eps = 0.1;
  for (int i = 0; i < N * C; i++) x[i] = (float)(wt_rng_normal(&rng) * 3.0);
  for (int i = 0; i < N; i++) y[i] = (int32_t)wt_rng_below(&rng, C);
  for (int i = 0; i < N; i++) {
    const float lam = (float)wt_rng_uniform(&rng);
    const int32_t b = y[N - 1 - i]; /* timm pairs i with N-1-i */
    for (int j = 0; j < C; j++) {
      const float a1 = j == y[i] ? 1.0f : 0.0f, b1 = j == b ? 1.0f : 0.0f;
      qm[i * C + j] = lam * a1 + (1.0f - lam) * b1;
      const double l = (double)lam, a = (double)a1, bb = (double)b1;
      qs[i * C + j] = (float)(l * (a * (1.0 - eps) + eps / C) + (1.0 - l) * (bb * (1.0 - eps) + eps / C));
      oh[i * C + j] = a1;
    }
  }
  float L1, L2, d1[N * C], d2[N * C];
  const wt_ce_options smooth = {.label_smoothing = eps};
  CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, x, NULL, qm, &smooth, &L1, d1, NULL));
  CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, x, NULL, qs, NULL, &L2, d2, NULL));
  CHECK_NEAR(L1, L2, 1e-6, 1e-6);
  for (int i = 0; i < N * C; i++) CHECK_NEAR(d1[i], d2[i], 1e-7, 1e-5);
  CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, x, y, NULL, &smooth, &L1, d1, NULL));
  CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, x, NULL, oh, &smooth, &L2, d2, NULL));
  CHECK_NEAR(L1, L2, 1e-7, 1e-6);
  for (int i = 0; i < N * C; i++) CHECK_NEAR(d1[i], d2[i], 1e-8, 1e-6);
  int64_t c1;
  double c2;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, N, C, x, y, &L1, d1, &c1));
  CHECK_OK(ctx, wt_cross_entropy(ctx, N, C, x, y, NULL, NULL, &L2, d2, &c2));
  CHECK(L1 == L2 && memcmp(d1, d2, sizeof d1) == 0 && (double)c1 == c2);
}

/* The trainer's form: dlogits = dCE + w * dKD, with KD's loss reported unweighted. */
static void test_kd_accumulate(void) {
  const gold_kd_case *c = &gold_kd_cases[4]; /* c10 T=4 */
  CHECK(c->C == 10 && c->N <= 8);
  float d[8 * 10], dce[8 * 10], L;
  int32_t y[8];
  for (int64_t i = 0; i < c->N; i++) y[i] = (int32_t)(i % c->C);
  CHECK_OK(ctx, wt_cross_entropy(ctx, c->N, c->C, c->student, y, NULL, NULL, NULL, dce, NULL));
  memcpy(d, dce, sizeof d);
  const wt_distill_options o = {.temperature = c->T, .accumulate = 1, .weight = 0.7};
  CHECK_OK(ctx, wt_distillation(ctx, c->N, c->C, c->student, c->teacher, &o, &L, d));
  CHECK_NEAR(L, c->loss, 0.0, 1e-5);
  int bad = 0;
  for (int64_t i = 0; i < c->N * c->C; i++)
    if (!(fabs((double)d[i] - ((double)dce[i] + 0.7 * (double)c->grad[i])) <= 1e-7)) bad++;
  CHECK_MSG(bad == 0, "KD accumulate: %d off", bad);
}

static void test_general_errors(void) {
  float x[6] = {0.5f, -1.0f, 2.0f, 0.0f, 1.0f, 3.0f}, q[6] = {1, 0, 0, 0, 0.5f, 0.5f};
  int32_t y[2] = {0, 2};
  float L = 123.0f, d[6] = {7, 7, 7, 7, 7, 7};
  wt_ce_options o = {0};
  y[1] = 3;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_ARG);
  CHECK(has_msg("wt_cross_entropy: labels[1] = 3 is out of range [0, 3)"));
  CHECK(L == 123.0f && d[0] == 7.0f);
  y[1] = 2;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, q, &o, &L, d, NULL) == WT_ERR_ARG && has_msg("got both"));
  CHECK(wt_cross_entropy(ctx, 2, 3, x, NULL, NULL, &o, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("got neither"));
  o.label_smoothing = 1.5;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("label_smoothing must be in [0, 1], got 1.5"));
  o.label_smoothing = (double)NAN;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("label_smoothing"));
  o.label_smoothing = 0.0;
  o.reduction = (wt_reduction)7;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("reduction must be"));
  o.reduction = WT_REDUCTION_MEAN;
  CHECK(wt_cross_entropy(ctx, 0, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_SHAPE && has_msg("N must"));
  CHECK(wt_cross_entropy(ctx, 2, 0, x, y, NULL, &o, &L, d, NULL) == WT_ERR_SHAPE && has_msg("C must"));
  CHECK(wt_cross_entropy(ctx, 2, 3, NULL, y, NULL, &o, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("logits is NULL"));
  /* NaN / Inf: an error naming row and class, never a silent NaN */
  x[4] = NAN;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_NONFINITE &&
        has_msg("logits[4] (row 1, class 1) is NaN"));
  x[4] = -INFINITY;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_NONFINITE &&
        has_msg("logits[4] (row 1, class 1) is -Inf"));
  x[4] = 1.0f;
  q[2] = INFINITY;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, NULL, q, &o, &L, d, NULL) == WT_ERR_NONFINITE &&
        has_msg("targets[2] (row 0, class 2) is +Inf"));
  q[2] = 0.0f;
  CHECK(L == 123.0f && d[0] == 7.0f);
  float w[3] = {1.0f, NAN, 1.0f};
  o.weight = w;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_NONFINITE &&
        has_msg("weight[1] is NaN"));
  w[0] = 0.0f, w[1] = 1.0f, w[2] = 0.0f;
  CHECK(wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("sum to 0"));
  o.reduction = WT_REDUCTION_SUM; /* the same weights are fine without the division */
  CHECK_OK(ctx, wt_cross_entropy(ctx, 2, 3, x, y, NULL, &o, &L, d, NULL));
  CHECK(L == 0.0f && d[0] == 0.0f);
  /* finite logits whose loss leaves float range */
  const float big[4] = {3e38f, -3e38f, 3e38f, -3e38f};
  const int32_t yb[2] = {1, 1};
  const wt_ce_options sum = {.reduction = WT_REDUCTION_SUM};
  CHECK(wt_cross_entropy(ctx, 2, 2, big, yb, NULL, &sum, &L, NULL, NULL) == WT_ERR_NONFINITE &&
        has_msg("does not fit in float32"));
  const wt_ce_options none = {.reduction = WT_REDUCTION_NONE};
  float L2[2];
  CHECK(wt_cross_entropy(ctx, 2, 2, big, yb, NULL, &none, L2, NULL, NULL) == WT_ERR_NONFINITE);

  /* distillation */
  L = 123.0f, d[0] = 7.0f;
  const float t[6] = {1, 2, 3, 4, 5, 6};
  wt_distill_options k = {.temperature = 0.0};
  CHECK(wt_distillation(ctx, 2, 3, x, t, &k, &L, d) == WT_ERR_ARG &&
        has_msg("wt_distillation: temperature must be finite and > 0, got 0"));
  k.temperature = -1.0;
  CHECK(wt_distillation(ctx, 2, 3, x, t, &k, &L, d) == WT_ERR_ARG && has_msg("got -1"));
  k.temperature = (double)INFINITY;
  CHECK(wt_distillation(ctx, 2, 3, x, t, &k, &L, d) == WT_ERR_ARG && has_msg("temperature"));
  CHECK(wt_distillation(ctx, 2, 3, x, t, NULL, &L, d) == WT_ERR_ARG && has_msg("temperature is required"));
  k.temperature = 4.0;
  k.accumulate = 1;
  k.weight = (double)NAN;
  CHECK(wt_distillation(ctx, 2, 3, x, t, &k, &L, d) == WT_ERR_ARG && has_msg("weight must be finite"));
  k.accumulate = 0;
  CHECK(wt_distillation(ctx, 2, 3, NULL, t, &k, &L, d) == WT_ERR_ARG && has_msg("student logits are NULL"));
  CHECK(wt_distillation(ctx, 2, 3, x, NULL, &k, &L, d) == WT_ERR_ARG && has_msg("teacher logits are NULL"));
  CHECK(wt_distillation(ctx, 2, 0, x, t, &k, &L, d) == WT_ERR_SHAPE && has_msg("C must"));
  x[5] = NAN;
  CHECK(wt_distillation(ctx, 2, 3, x, t, &k, &L, d) == WT_ERR_NONFINITE &&
        has_msg("student[5] (row 1, class 2) is NaN"));
  x[5] = 3.0f;
  const float tn[6] = {1, 2, 3, INFINITY, 5, 6};
  CHECK(wt_distillation(ctx, 2, 3, x, tn, &k, &L, d) == WT_ERR_NONFINITE &&
        has_msg("teacher[3] (row 1, class 0) is +Inf"));
  CHECK(L == 123.0f && d[0] == 7.0f);
  /* a one-hot teacher at 1e4: probabilities of exactly 0 contribute 0 (no NaN) */
  const float s1[3] = {0.0f, 1.0f, 2.0f}, t1[3] = {1e4f, -1e4f, -1e4f};
  k.temperature = 1.0;
  CHECK_OK(ctx, wt_distillation(ctx, 1, 3, s1, t1, &k, &L, d));
  const double lse = log(exp(0.0) + exp(1.0) + exp(2.0));
  CHECK_NEAR(L, lse - 0.0, 0.0, 1e-6); /* KL(onehot_0 || p) = -log p_0 */
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  if (!ctx) return 1;
  wt_rng_seed(&rng, 99, 2);
  test_goldens();
  test_gradcheck(1, 5, 1.0);
  test_gradcheck(4, 7, 2.0);
  test_gradcheck(6, 3, 0.5);
  test_huge_logits();
  test_argmax_and_misc();
  test_errors();
  test_ce_goldens();
  test_kd_goldens();
  test_general_gradchecks();
  test_identities();
  test_kd_accumulate();
  test_general_errors();
  printf("test_losses: %d cross-entropy and %d distillation goldens, worst relative error %.3g\n",
         GOLD_CE_CASES, GOLD_KD_CASES, worst_rel);
  wt_ctx_destroy(ctx);
  return check_summary("test_losses");
}
