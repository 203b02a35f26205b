/* test_batch.c - the batch tricks (src/augment/batch/): mixup, CutMix and RICAP with explicit
   parameters against the official code run in PyTorch (tests/data/batch_goldens.h from
   scripts/gen_batch_goldens.py): mixed pixels, soft targets, the official weighted losses through
   wt_cross_entropy, the reported accuracy. Then the samplers by their distributions (Beta
   moments and Kolmogorov-Smirnov, CutMix box area, RICAP boundaries by chi-square, permutation
   uniformity, the prob gate and the mixup/CutMix switch), wt_batch_mix, and argument errors. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "data/batch_goldens.h"
#include "wasmtricks.h"

static wt_ctx *ctx;
static double worst_pixel, worst_loss;
static int exact_pixels, total_pixels, exact_targets, total_targets;

static bool has_msg(const char *needle) { return strstr(wt_ctx_last_error(ctx), needle) != NULL; }

/* ---------------------------------------------------------------- goldens */

static void params_for(const gold_batch_case *g, const gold_batch_set *s, wt_batch_params *p) {
  const int64_t N = s->N, H = s->H, W = s->W;
  if (g->trick == WT_BATCH_MIXUP) {
    CHECK_OK(ctx, wt_mixup_params(ctx, N, g->lambda_in, g->perm, p));
  } else if (g->trick == WT_BATCH_CUTMIX) {
    int64_t box[4];
    wt_cutmix_box(H, W, g->lambda_in, g->center[0], g->center[1], box);
    CHECK_MSG(memcmp(box, g->box, sizeof box) == 0, "%s: box {%lld %lld %lld %lld}, want {%lld %lld %lld %lld}",
              g->name, (long long)box[0], (long long)box[1], (long long)box[2], (long long)box[3],
              (long long)g->box[0], (long long)g->box[1], (long long)g->box[2], (long long)g->box[3]);
    CHECK_OK(ctx, wt_cutmix_params(ctx, N, H, W, g->box, g->perm, p));
  } else {
    int64_t boundary[2];
    wt_ricap_boundary(H, W, g->draw[0], g->draw[1], boundary);
    CHECK_MSG(boundary[0] == g->boundary[0] && boundary[1] == g->boundary[1], "%s: boundary %lld %lld",
              g->name, (long long)boundary[0], (long long)boundary[1]);
    CHECK_OK(ctx, wt_ricap_params(ctx, N, H, W, g->boundary, g->offsets, g->perm, p));
  }
}

static void test_goldens(void) {
  for (int c = 0; c < GOLD_BATCH_CASES; c++) {
    const gold_batch_case *g = &gold_batch_cases[c];
    const gold_batch_set *s = &gold_batch_sets[g->set];
    const int64_t N = s->N, C = s->C, H = s->H, W = s->W, K = s->K, n = N * C * H * W;
    int32_t perm[4 * GOLD_BATCH_NMAX];
    float out[GOLD_BATCH_NMAX * 2 * 4 * 6], t[GOLD_BATCH_NMAX * 10];
    wt_batch_params p = {.perm = perm};
    params_for(g, s, &p);
    CHECK(p.trick == (wt_batch_trick)g->trick);
    /* Weights are the official doubles exactly (same operations), and sum to 1. */
    double sum = 0.0;
    for (int k = 0; k < 4; k++) {
      CHECK_MSG(p.weight[k] == g->weight[k], "%s: weight[%d] %.17g, want %.17g", g->name, k, p.weight[k], g->weight[k]);
      sum += p.weight[k];
    }
    CHECK_NEAR(sum, 1.0, 1e-15, 0.0);
    if (g->trick != WT_BATCH_RICAP) CHECK_MSG(p.lambda == g->lambda, "%s: lambda %.17g", g->name, p.lambda);

    CHECK_OK(ctx, wt_batch_apply(ctx, &p, C, H, W, s->x, out));
    for (int64_t i = 0; i < n; i++) {
      const double e = fabs((double)out[i] - (double)g->mixed[i]);
      worst_pixel = e > worst_pixel ? e : worst_pixel;
      exact_pixels += out[i] == g->mixed[i];
      CHECK_MSG(e <= 1e-6, "%s: mixed[%lld] %.9g, want %.9g", g->name, (long long)i, (double)out[i], (double)g->mixed[i]);
    }
    total_pixels += (int)n;

    CHECK_OK(ctx, wt_batch_targets(ctx, &p, K, s->labels, 0.0, t));
    for (int64_t i = 0; i < N * K; i++) {
      exact_targets += t[i] == g->targets[i];
      CHECK_MSG(t[i] == g->targets[i], "%s: targets[%lld] %.9g, want %.9g", g->name, (long long)i, (double)t[i], (double)g->targets[i]);
    }
    total_targets += (int)(N * K);
    for (int64_t i = 0; i < N; i++) {
      double row = 0.0;
      for (int64_t k = 0; k < K; k++) row += (double)t[i * K + k];
      CHECK_NEAR(row, 1.0, 1e-6, 0.0);
    }

    /* The official weighted loss == soft-target CE of our targets (eps 0 and eps smoothing
       inside wt_cross_entropy, which is timm's "smooth the mixed target"). */
    float loss = 0.0f;
    double correct = -1.0;
    CHECK_OK(ctx, wt_cross_entropy(ctx, N, K, s->logits, NULL, t, NULL, &loss, NULL, &correct));
    CHECK_NEAR(loss, g->loss, 0.0, 1e-6);
    worst_loss = fmax(worst_loss, fabs((double)loss - g->loss) / g->loss);
    wt_ce_options ls = {.label_smoothing = GOLD_BATCH_EPS};
    CHECK_OK(ctx, wt_cross_entropy(ctx, N, K, s->logits, NULL, t, &ls, &loss, NULL, NULL));
    CHECK_NEAR(loss, g->loss_ls, 0.0, 1e-6);
    worst_loss = fmax(worst_loss, fabs((double)loss - g->loss_ls) / g->loss_ls);
    /* Targets smoothed by wt_batch_targets themselves (the demo's view). */
    float tls[GOLD_BATCH_NMAX * 10];
    CHECK_OK(ctx, wt_batch_targets(ctx, &p, K, s->labels, GOLD_BATCH_EPS, tls));
    for (int64_t i = 0; i < N * K; i++)
      CHECK_MSG(tls[i] == g->targets_ls[i], "%s: targets_ls[%lld] %.9g, want %.9g", g->name, (long long)i,
                (double)tls[i], (double)g->targets_ls[i]);

    double acc = -1.0;
    CHECK_OK(ctx, wt_batch_accuracy(ctx, &p, K, s->logits, s->labels, &acc));
    CHECK_NEAR(acc, g->acc, 1e-12, 0.0);
    CHECK_NEAR(correct / (double)N, g->acc, 1e-6, 0.0); /* float targets: 1e-7-close */
  }
}

/* ---------------------------------------------------------------- distributions */

/* Regularised incomplete beta I_x(a, b): Lentz's continued fraction (Numerical Recipes 6.4). */
static double betacf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  d = fabs(d) < tiny ? tiny : d;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < 10000; m++) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + aa * d, c = 1.0 + aa / c;
    d = fabs(d) < tiny ? tiny : d, c = fabs(c) < tiny ? tiny : c;
    d = 1.0 / d, h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + aa * d, c = 1.0 + aa / c;
    d = fabs(d) < tiny ? tiny : d, c = fabs(c) < tiny ? tiny : c;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-15) break;
  }
  return h;
}
static double beta_cdf(double x, double a, double b) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double lb = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) return exp(lb) * betacf(a, b, x) / a;
  return 1.0 - exp(lb) * betacf(b, a, 1.0 - x) / b;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of xs (sorted here) from Beta(a, a). */
static double ks_beta(double *xs, int n, double a) {
  qsort(xs, (size_t)n, sizeof *xs, cmp_double);
  double D = 0.0;
  for (int i = 0; i < n; i++) {
    const double F = beta_cdf(xs[i], a, a);
    D = fmax(D, fmax(F - (double)i / n, (double)(i + 1) / n - F));
  }
  return D;
}

/* Mean and variance of xs against Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); 6 standard
   errors (the variance's from the sample fourth moment). */
static void check_beta_moments(const char *what, const double *xs, int n, double a) {
  double m = 0.0, s2 = 0.0, s4 = 0.0;
  for (int i = 0; i < n; i++) m += xs[i];
  m /= n;
  for (int i = 0; i < n; i++) {
    const double d = xs[i] - m;
    s2 += d * d, s4 += d * d * d * d;
  }
  const double v = s2 / (n - 1), var = 1.0 / (4.0 * (2.0 * a + 1.0));
  CHECK_MSG(fabs(m - 0.5) < 6 * sqrt(var / n), "%s alpha %g: mean %g", what, a, m);
  CHECK_MSG(fabs(v - var) < 6 * sqrt((s4 / n - v * v) / n), "%s alpha %g: var %g, want %g", what, a, v, var);
}

static bool is_perm(const int32_t *p, int64_t N) {
  bool seen[64] = {false};
  for (int64_t i = 0; i < N; i++) {
    if (p[i] < 0 || p[i] >= N || seen[p[i]]) return false;
    seen[p[i]] = true;
  }
  return true;
}

enum { DRAWS = 50000 };
static double xs[DRAWS];

static void test_mixup_sampler(void) {
  int32_t perm[4 * 8];
  wt_batch_params p = {.perm = perm};
  const double alphas[] = {0.2, 0.3, 0.4, 1.0};
  for (int a = 0; a < 4; a++) {
    int bad_perm = 0, bad_identity = 0;
    for (int i = 0; i < DRAWS; i++) {
      CHECK_OK(ctx, wt_mixup_sample(ctx, alphas[a], 8, &p));
      xs[i] = p.lambda;
      bad_perm += !is_perm(perm + 8, 8);
      for (int j = 0; j < 8; j++) bad_identity += perm[j] != j;
    }
    CHECK(bad_perm == 0 && bad_identity == 0);
    CHECK(p.trick == WT_BATCH_MIXUP && p.n_parts == 2 && p.weight[0] == p.lambda && p.weight[1] == 1.0 - p.lambda);
    check_beta_moments("mixup lambda", xs, DRAWS, alphas[a]);
    const double D = ks_beta(xs, DRAWS, alphas[a]);
    CHECK_MSG(D < 1.95 / sqrt(DRAWS), "mixup lambda alpha %g: KS D = %g", alphas[a], D); /* p = 0.001 */
    printf("mixup Beta(%g, %g): KS D = %.4f (limit %.4f)\n", alphas[a], alphas[a], D, 1.95 / sqrt(DRAWS));
  }
  CHECK_OK(ctx, wt_mixup_sample(ctx, 0.0, 8, &p)); /* upstream: alpha 0 -> lambda 1 */
  CHECK(p.lambda == 1.0 && p.weight[1] == 0.0);

  /* torch.randperm is uniform: all 24 permutations of 4, chi-square with 23 dof. */
  int counts[256] = {0};
  const int n = 24000;
  for (int i = 0; i < n; i++) {
    CHECK_OK(ctx, wt_mixup_sample(ctx, 1.0, 4, &p));
    counts[perm[4] * 64 + perm[5] * 16 + perm[6] * 4 + perm[7]]++;
  }
  double chi2 = 0.0;
  int cells = 0;
  for (int c = 0; c < 256; c++)
    if (counts[c]) chi2 += (counts[c] - n / 24.0) * (counts[c] - n / 24.0) / (n / 24.0), cells++;
  CHECK_MSG(cells == 24 && chi2 < 49.73, "permutations: %d cells, chi2 %g (limit 49.73 at p = 0.001)", cells, chi2);
}

static void test_cutmix_sampler(void) {
  int32_t perm[4 * 8];
  wt_batch_params p = {.perm = perm};
  const int64_t shapes[2][2] = {{32, 32}, {8, 12}};
  for (int s = 0; s < 2; s++) {
    const int64_t H = shapes[s][0], W = shapes[s][1];
    int bad = 0;
    long rows[32] = {0}, cols[32] = {0};
    double area = 0.0, area2 = 0.0;
    for (int i = 0; i < DRAWS; i++) {
      CHECK_OK(ctx, wt_cutmix_sample(ctx, 1.0, 8, H, W, &p));
      int64_t box[4];
      wt_cutmix_box(H, W, p.lambda_drawn, p.center[0], p.center[1], box);
      bad += memcmp(box, p.box, sizeof box) != 0 || !is_perm(perm + 8, 8);
      /* Clipping and int() only shrink the box: the recomputed lambda is never below the draw. */
      bad += p.lambda < p.lambda_drawn - 1e-12 || p.weight[0] + p.weight[1] != 1.0;
      bad += p.center[0] < 0 || p.center[0] >= W || p.center[1] < 0 || p.center[1] >= H;
      xs[i] = p.lambda_drawn;
      cols[p.center[0]]++, rows[p.center[1]]++;
      area += 1.0 - p.lambda, area2 += (1.0 - p.lambda) * (1.0 - p.lambda);
    }
    CHECK_MSG(bad == 0, "CutMix %lldx%lld: %d inconsistent draws", (long long)H, (long long)W, bad);
    check_beta_moments("CutMix lambda", xs, DRAWS, 1.0);
    CHECK(ks_beta(xs, DRAWS, 1.0) < 1.95 / sqrt(DRAWS));
    /* Centres uniform over rows and over columns (chi-square, p = 0.001 limits for 31 / 11 / 7 dof). */
    const double lim[33] = {[7] = 24.32, [11] = 31.26, [31] = 61.10};
    double cr = 0.0, cc = 0.0;
    for (int64_t y = 0; y < H; y++) cr += pow(rows[y] - (double)DRAWS / H, 2) / ((double)DRAWS / H);
    for (int64_t x = 0; x < W; x++) cc += pow(cols[x] - (double)DRAWS / W, 2) / ((double)DRAWS / W);
    CHECK_MSG(cr < lim[H - 1] && cc < lim[W - 1], "CutMix centres: chi2 rows %g, columns %g", cr, cc);
    /* Mean pasted area fraction against its exact expectation for Beta(1, 1): the box area
       averaged over every centre, integrated over lambda (midpoint rule, 4000 steps). */
    double expect = 0.0;
    const int steps = 4000;
    for (int j = 0; j < steps; j++) {
      const double lam = (j + 0.5) / steps;
      int64_t sum = 0;
      for (int64_t cy = 0; cy < H; cy++)
        for (int64_t cx = 0; cx < W; cx++) {
          int64_t b[4];
          wt_cutmix_box(H, W, lam, cx, cy, b);
          sum += (b[2] - b[0]) * (b[3] - b[1]);
        }
      expect += (double)sum / (double)(H * W * H * W) / steps;
    }
    const double mean = area / DRAWS, sd = sqrt(area2 / DRAWS - mean * mean);
    CHECK_MSG(fabs(mean - expect) < 6 * sd / sqrt(DRAWS), "CutMix %lldx%lld: mean area %g, expected %g",
              (long long)H, (long long)W, mean, expect);
    printf("CutMix %lldx%lld alpha 1: mean box area %.4f (exact %.4f), i.e. below the unclipped 0.5\n",
           (long long)H, (long long)W, mean, expect);
  }
}

/* RICAP: boundaries w = round(W B) by chi-square against the exact bin probabilities of
   Beta(0.3, 0.3); each part's mean weight 1/4; offsets inside and uniform; four permutations. */
static void test_ricap_sampler(void) {
  enum { N = 16 };
  int32_t perm[4 * N];
  wt_batch_params p = {.perm = perm};
  const int64_t shapes[2][2] = {{32, 32}, {8, 12}};
  const double beta = 0.3;
  for (int s = 0; s < 2; s++) {
    const int64_t H = shapes[s][0], W = shapes[s][1];
    long cw[33] = {0}, ch[33] = {0};
    double wsum[4] = {0}, u = 0.0;
    int bad = 0, same = 0, nu = 0;
    for (int i = 0; i < DRAWS; i++) {
      CHECK_OK(ctx, wt_ricap_sample(ctx, beta, N, H, W, &p));
      cw[p.boundary[0]]++, ch[p.boundary[1]]++;
      double sum = 0.0;
      for (int k = 0; k < 4; k++) {
        const int64_t w = (k >= 2) ? W - p.boundary[0] : p.boundary[0];
        const int64_t h = (k & 1) ? H - p.boundary[1] : p.boundary[1];
        bad += p.weight[k] != (double)(w * h) / (double)(H * W) || !is_perm(perm + k * N, N);
        bad += p.offset[k][0] < 0 || p.offset[k][0] > W - w || p.offset[k][1] < 0 || p.offset[k][1] > H - h;
        if (w < W) u += (p.offset[k][0] + 0.5) / (double)(W - w + 1), nu++;
        wsum[k] += p.weight[k];
        sum += p.weight[k];
      }
      bad += fabs(sum - 1.0) > 1e-15;
      same += memcmp(perm, perm + N, N * sizeof *perm) == 0;
    }
    CHECK_MSG(bad == 0, "RICAP %lldx%lld: %d inconsistent draws", (long long)H, (long long)W, bad);
    CHECK(same == 0); /* each part its own permutation */
    for (int k = 0; k < 4; k++)
      CHECK_MSG(fabs(wsum[k] / DRAWS - 0.25) < 6 * 0.5 / sqrt(DRAWS), "RICAP part %d mean weight %g", k, wsum[k] / DRAWS);
    CHECK_MSG(fabs(u / nu - 0.5) < 6 * sqrt(1.0 / 12.0 / nu), "RICAP offsets: mean relative position %g", u / nu);
    /* P(round(E B) = j) = I((j + 1/2) / E) - I((j - 1/2) / E); chi-square, p = 0.001 limits. */
    const long *cnt[2] = {cw, ch};
    const int64_t ext[2] = {W, H};
    for (int d = 0; d < 2; d++) {
      double chi2 = 0.0;
      for (int64_t j = 0; j <= ext[d]; j++) {
        const double e = DRAWS * (beta_cdf((j + 0.5) / (double)ext[d], beta, beta) -
                                  beta_cdf((j - 0.5) / (double)ext[d], beta, beta));
        chi2 += (cnt[d][j] - e) * (cnt[d][j] - e) / e;
      }
      const double lim = ext[d] == 32 ? 63.87 : ext[d] == 12 ? 32.91 : 27.88; /* 32, 12, 8 dof */
      CHECK_MSG(chi2 < lim, "RICAP boundary %c over %lld: chi2 %g (limit %g)", d ? 'h' : 'w', (long long)ext[d], chi2, lim);
      printf("RICAP %lldx%lld beta 0.3: boundary %c chi2 %.1f (limit %.1f), P(edge) %.3f\n", (long long)H,
             (long long)W, d ? 'h' : 'w', chi2, lim, (double)(cnt[d][0] + cnt[d][ext[d]]) / DRAWS);
    }
  }
}

/* The prob gate (CutMix's cutmix_prob) and timm's switch between mixup and CutMix. */
static void test_batch_sample(void) {
  int32_t perm[4 * 8];
  wt_batch_params p = {.perm = perm};
  const int n = 20000;
  wt_batch_options o = wt_batch_defaults(WT_BATCH_CUTMIX);
  CHECK(o.cutmix_alpha == 1.0 && o.prob == 0.5);
  int applied = 0, bad = 0;
  for (int i = 0; i < n; i++) {
    CHECK_OK(ctx, wt_batch_sample(ctx, &o, 8, 6, 6, &p));
    applied += p.trick == WT_BATCH_CUTMIX;
    if (p.trick == WT_BATCH_NONE) {
      bad += p.n_parts != 1 || p.weight[0] != 1.0;
      for (int j = 0; j < 8; j++) bad += perm[j] != j;
    }
  }
  CHECK(bad == 0);
  CHECK_MSG(fabs(applied / (double)n - 0.5) < 6 * 0.5 / sqrt(n), "CutMix prob 0.5: applied %d of %d", applied, n);
  o = (wt_batch_options){.mixup_alpha = 0.2, .cutmix_alpha = 1.0, .prob = 0.8, .switch_prob = 0.3};
  int mix = 0, cut = 0, none = 0;
  for (int i = 0; i < n; i++) {
    CHECK_OK(ctx, wt_batch_sample(ctx, &o, 8, 6, 6, &p));
    mix += p.trick == WT_BATCH_MIXUP, cut += p.trick == WT_BATCH_CUTMIX, none += p.trick == WT_BATCH_NONE;
  }
  CHECK_MSG(fabs(none / (double)n - 0.2) < 6 * 0.4 / sqrt(n), "none %d", none);
  CHECK_MSG(fabs(cut / (double)n - 0.8 * 0.3) < 6 * 0.5 / sqrt(n), "cutmix %d", cut);
  CHECK(mix + cut + none == n);
  /* Zero-initialised options: no trick, no draws. */
  wt_rng before = *wt_ctx_rng(ctx);
  CHECK_OK(ctx, wt_batch_sample(ctx, &(wt_batch_options){0}, 8, 6, 6, &p));
  CHECK(p.trick == WT_BATCH_NONE && wt_ctx_rng(ctx)->state == before.state);
  o = wt_batch_defaults(WT_BATCH_RICAP);
  CHECK_OK(ctx, wt_batch_sample(ctx, &o, 8, 6, 6, &p));
  CHECK(p.trick == WT_BATCH_RICAP && o.ricap_beta == 0.3);
  /* Same seed, same batch. */
  wt_ctx *a = wt_ctx_create(&(wt_ctx_options){.seed = 11}, NULL), *b = wt_ctx_create(&(wt_ctx_options){.seed = 11}, NULL);
  int32_t pa[4 * 8], pb[4 * 8];
  wt_batch_params qa = {.perm = pa}, qb = {.perm = pb};
  CHECK_OK(a, wt_ricap_sample(a, 0.3, 8, 9, 7, &qa));
  CHECK_OK(b, wt_ricap_sample(b, 0.3, 8, 9, 7, &qb));
  CHECK(memcmp(pa, pb, sizeof pa) == 0 && memcmp(qa.offset, qb.offset, sizeof qa.offset) == 0 &&
        qa.boundary[0] == qb.boundary[0] && qa.boundary[1] == qb.boundary[1]);
  wt_ctx_destroy(a);
  wt_ctx_destroy(b);
}

/* wt_batch_mix, the trainer's call: the same as sample + apply + targets on a copy of the RNG. */
static void test_mix(void) {
  enum { N = 6, C = 2, H = 5, W = 7, K = 5 };
  static float x[N * C * H * W], out[N * C * H * W], out2[N * C * H * W], t[N * K], t2[N * K];
  int32_t labels[N], perm[4 * N], perm2[4 * N];
  wt_rng r;
  wt_rng_seed(&r, 5, 1);
  for (int i = 0; i < N * C * H * W; i++) x[i] = (float)wt_rng_normal(&r);
  for (int i = 0; i < N; i++) labels[i] = (int32_t)wt_rng_below(&r, K);
  for (int trick = WT_BATCH_NONE; trick <= WT_BATCH_RICAP; trick++) {
    wt_batch_options o = wt_batch_defaults((wt_batch_trick)trick);
    o.prob = trick == WT_BATCH_NONE ? 0.0 : 1.0;
    wt_batch_params p = {.perm = perm}, q = {.perm = perm2};
    wt_rng saved = *wt_ctx_rng(ctx);
    CHECK_OK(ctx, wt_batch_mix(ctx, &o, N, C, H, W, K, x, labels, out, t, &p));
    CHECK(p.trick == (wt_batch_trick)trick);
    *wt_ctx_rng(ctx) = saved;
    CHECK_OK(ctx, wt_batch_sample(ctx, &o, N, H, W, &q));
    CHECK_OK(ctx, wt_batch_apply(ctx, &q, C, H, W, x, out2));
    CHECK_OK(ctx, wt_batch_targets(ctx, &q, K, labels, 0.0, t2));
    CHECK(memcmp(out, out2, sizeof out) == 0 && memcmp(t, t2, sizeof t) == 0);
    for (int i = 0; i < N; i++) {
      double row = 0.0;
      for (int k = 0; k < K; k++) row += (double)t[i * K + k];
      CHECK_NEAR(row, 1.0, 1e-6, 0.0);
    }
    if (trick == WT_BATCH_NONE) CHECK(memcmp(out, x, sizeof out) == 0);
  }
}

static void test_errors(void) {
  int32_t perm[4 * 4] = {0, 1, 2, 3}, bad_perm[4] = {0, 1, 4, 2};
  float x[4 * 2 * 2], out[4 * 2 * 2], t[4 * 3];
  int32_t labels[4] = {0, 1, 2, 0}, bad_labels[4] = {0, 3, 1, 1};
  for (int i = 0; i < 16; i++) x[i] = (float)i;
  wt_batch_params p = {.perm = perm};
  CHECK(wt_mixup_params(ctx, 4, 1.5, perm, &p) == WT_ERR_ARG && has_msg("lambda"));
  CHECK(wt_mixup_params(ctx, 4, 0.5, bad_perm, &p) == WT_ERR_ARG && has_msg("entry 2 is 4"));
  CHECK(wt_mixup_sample(ctx, -1.0, 4, &p) == WT_ERR_ARG && has_msg("alpha"));
  CHECK(wt_cutmix_sample(ctx, 0.0, 4, 2, 2, &p) == WT_ERR_ARG && has_msg("alpha"));
  CHECK(wt_ricap_sample(ctx, (double)NAN, 4, 2, 2, &p) == WT_ERR_ARG && has_msg("beta"));
  CHECK(wt_mixup_sample(ctx, 1.0, 0, &p) == WT_ERR_SHAPE && has_msg("N must be"));
  wt_batch_params nop = {0};
  CHECK(wt_mixup_sample(ctx, 1.0, 4, &nop) == WT_ERR_ARG && has_msg("perm is NULL"));
  CHECK(wt_mixup_sample(ctx, 1.0, 4, NULL) == WT_ERR_ARG);
  CHECK(wt_cutmix_params(ctx, 4, 2, 2, (int64_t[4]){0, 0, 3, 1}, perm, &p) == WT_ERR_ARG && has_msg("x1 <= W"));
  CHECK(wt_ricap_params(ctx, 4, 2, 2, (int64_t[2]){3, 0}, (int64_t[4][2]){{0}}, perm, &p) == WT_ERR_ARG &&
        has_msg("boundary"));
  int32_t perms[16];
  for (int i = 0; i < 16; i++) perms[i] = i % 4;
  CHECK(wt_ricap_params(ctx, 4, 2, 2, (int64_t[2]){1, 1}, (int64_t[4][2]){{0, 0}, {0, 0}, {0, 0}, {2, 0}}, perms, &p) ==
            WT_ERR_ARG && has_msg("offset of part 3"));
  CHECK_OK(ctx, wt_ricap_params(ctx, 4, 2, 2, (int64_t[2]){1, 1}, (int64_t[4][2]){{1, 1}, {0, 0}, {0, 0}, {0, 0}}, perms, &p));
  CHECK(wt_batch_apply(ctx, &p, 1, 2, 3, x, out) == WT_ERR_SHAPE && has_msg("drawn for 2 x 2"));
  CHECK(wt_batch_apply(ctx, &p, 1, 2, 2, x, x + 2) == WT_ERR_ARG && has_msg("overlaps"));
  CHECK(wt_batch_targets(ctx, &p, 3, bad_labels, 0.0, t) == WT_ERR_ARG && has_msg("label 1 is 3"));
  CHECK(wt_batch_targets(ctx, &p, 3, labels, 1.5, t) == WT_ERR_ARG && has_msg("label_smoothing"));
  float logits[12] = {0};
  logits[5] = INFINITY;
  double acc;
  CHECK(wt_batch_accuracy(ctx, &p, 3, logits, labels, &acc) == WT_ERR_NONFINITE && has_msg("row 1, class 2"));
  wt_batch_params broken = p;
  broken.n_parts = 2;
  CHECK(wt_batch_apply(ctx, &broken, 1, 2, 2, x, out) == WT_ERR_ARG && has_msg("not a mixed batch"));
  broken = p;
  broken.offset[1][1] = 2;
  CHECK(wt_batch_apply(ctx, &broken, 1, 2, 2, x, out) == WT_ERR_ARG && has_msg("offset of part 1"));
  wt_batch_options o = {.ricap_beta = 0.3, .mixup_alpha = 1.0, .prob = 1.0};
  CHECK(wt_batch_sample(ctx, &o, 4, 2, 2, &p) == WT_ERR_ARG && has_msg("excludes"));
  o = (wt_batch_options){.mixup_alpha = 1.0, .prob = 2.0};
  CHECK(wt_batch_sample(ctx, &o, 4, 2, 2, &p) == WT_ERR_ARG && has_msg("prob"));
  /* wt_batch_mix checks the labels before the RNG moves. */
  wt_rng before = *wt_ctx_rng(ctx);
  o = wt_batch_defaults(WT_BATCH_MIXUP);
  CHECK(wt_batch_mix(ctx, &o, 4, 1, 2, 2, 3, x, bad_labels, out, t, &p) == WT_ERR_ARG);
  CHECK(wt_ctx_rng(ctx)->state == before.state);
  CHECK(wt_batch_apply(NULL, &p, 1, 2, 2, x, out) == WT_ERR_ARG);
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 6}, NULL);
  if (!ctx) return 1;
  test_goldens();
  printf("test_batch: %d PyTorch goldens: %d/%d pixels bit-exact (worst %.3g), %d/%d targets exact, "
         "worst loss rel. error %.3g\n",
         GOLD_BATCH_CASES, exact_pixels, total_pixels, worst_pixel, exact_targets, total_targets, worst_loss);
  test_mixup_sampler();
  test_cutmix_sampler();
  test_ricap_sampler();
  test_batch_sample();
  test_mix();
  test_errors();
  CHECK(wt_ctx_live_bytes(ctx) > 0);
  wt_ctx_destroy(ctx);
  return check_summary("test_batch");
}
