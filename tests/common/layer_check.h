/* layer_check.h - what the layer test files share: the test context and RNG, buffers, and the
   central-difference gradient check. Include after check.h and wasmtricks.h. */
#ifndef WT_LAYER_CHECK_H
#define WT_LAYER_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static wt_ctx *ctx;
static wt_rng rng;

static float *fbuf(size_t n) {
  float *p = aligned_alloc(16, (n * sizeof(float) + 15) / 16 * 16 + 16);
  if (!p) abort();
  memset(p, 0, n * sizeof(float));
  return p;
}
static void randn(float *p, size_t n, double scale) {
  for (size_t i = 0; i < n; i++) p[i] = (float)(wt_rng_normal(&rng) * scale);
}
static bool has_msg(const char *needle) { return strstr(wt_ctx_last_error(ctx), needle) != NULL; }

static double dot(const float *y, const float *r, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)y[i] * (double)r[i];
  return s;
}

/* A layer under test: forward runs it on the current inputs/params and returns
   L = sum_i y_i * r_i in double, for a fixed random r (so dL/dy = r). */
typedef double (*loss_fn)(void *u);

typedef struct gc_tolerance {
  double h;           /* central-difference step */
  double atol, rtol;  /* pass: |numeric - analytic| <= atol + rtol * |analytic| */
  double kink;        /* an element is a kink when its one-sided differences disagree by more
                         than kink * (atol + rtol * |numeric|) */
} gc_tolerance;

/* Compares grad[i] (analytic, from backward with dy = r) with the central difference of L over
   nsamples elements of v (inputs or params, perturbed in place). An element whose one-sided
   differences disagree sits on a kink (relu at 0, a max-pool argmax switch) and is skipped. */
static void grad_check_tol(const char *what, loss_fn f, void *u, float *v, const float *grad,
                           size_t n, size_t nsamples, const gc_tolerance *t) {
  size_t bad = 0, skipped = 0, checked = 0;
  double worst = 0.0;
  const double L0 = f(u);
  for (size_t s = 0; s < nsamples && s < n; s++) {
    const size_t i = nsamples >= n ? s : wt_rng_below(&rng, (uint32_t)n);
    const float orig = v[i];
    v[i] = (float)((double)orig + t->h);
    const double hp = (double)v[i] - (double)orig, Lp = f(u);
    v[i] = (float)((double)orig - t->h);
    const double hm = (double)orig - (double)v[i], Lm = f(u);
    v[i] = orig;
    const double fwd = (Lp - L0) / hp, bwd = (L0 - Lm) / hm, num = (Lp - Lm) / (hp + hm);
    const double ana = (double)grad[i];
    if (fabs(fwd - bwd) > t->kink * (t->atol + t->rtol * fabs(num))) {
      skipped++;
      continue;
    }
    checked++;
    const double err = fabs(num - ana);
    if (err > worst) worst = err;
    if (err > t->atol + t->rtol * fabs(ana)) {
      if (bad < 3) fprintf(stderr, "  %s[%zu]: numeric %.7g analytic %.7g\n", what, i, num, ana);
      bad++;
    }
  }
  printf("  %-60s %3zu checked %2zu kinks, max err %.2e\n", what, checked, skipped, worst);
  CHECK_MSG(bad == 0, "%s: %zu of %zu sampled gradients off (max err %.3g)", what, bad, checked,
            worst);
  CHECK_MSG(checked > 0 && skipped <= checked, "%s: %zu checked, %zu skipped as kinks", what,
            checked, skipped);
}

#endif /* WT_LAYER_CHECK_H */
