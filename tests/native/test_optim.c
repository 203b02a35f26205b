/* test_optim.c - optimizers and schedules.
   - wt_sgd_step: PyTorch trajectories (momentum + weight decay, nesterov, dampening, plain with
     weight decay) over 5 steps with fixed gradients, a double-precision re-derivation of the
     update rule, and torch.optim.SGD's argument errors.
   - wt_optim (SGD, Adam, AdamW, AdaBound, AMSBound; amsgrad; no-decay groups; with schedules):
     200-step trajectories against torch.optim and the AdaBound transcription
     (tests/data/optim_goldens.h, scripts/gen_optim_goldens.py) at 1e-5 relative; the SIMD loops
     against their scalar twins bit for bit (tails, NaN); a run split by state export/import
     against an uninterrupted one bit for bit; argument errors.
   - wt_schedule: PyTorch's chained lr values at 1e-6 relative.
   - the trainer's options: kinds, schedules, no_bias_decay from the model, state round trip. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

#define WT_GOLDENS_OPTIM
#include "data/goldens.h"
#include "data/optim_goldens.h"

#define GOLD_ATOL 1e-6
#define GOLD_RTOL 1e-5

static wt_ctx *ctx;

static bool has_msg(const char *needle) { return strstr(wt_ctx_last_error(ctx), needle) != NULL; }

static void run_golden(const char *tag, int n, int steps, float lr, float mom, float damp,
                       float wd, int nesterov, const float *p0, const float *grads,
                       const float *traj) {
  const wt_sgd_options o = {.lr = lr, .momentum = mom, .dampening = damp, .weight_decay = wd,
                            .nesterov = nesterov};
  float p[64], buf[64];
  double rp[64], rb[64];
  memcpy(p, p0, (size_t)n * sizeof(float));
  for (int i = 0; i < n; i++) rp[i] = (double)p0[i], rb[i] = 0.0;
  int64_t step = 0;
  for (int t = 0; t < steps; t++) {
    const float *g = grads + t * n;
    CHECK_OK(ctx, wt_sgd_step(ctx, &o, (size_t)n, p, g, mom != 0.0f ? buf : NULL, &step));
    CHECK(step == t + 1);
    int bad = 0, badref = 0;
    for (int i = 0; i < n; i++) {
      const double want = (double)traj[t * n + i];
      if (!(fabs((double)p[i] - want) <= GOLD_ATOL + GOLD_RTOL * fabs(want))) bad++;
      /* the rule in double, straight from torch.optim.SGD's docs */
      double d = (double)g[i] + (double)wd * rp[i];
      if (mom != 0.0f) {
        rb[i] = t == 0 ? d : (double)mom * rb[i] + (1.0 - (double)damp) * d;
        d = nesterov ? d + (double)mom * rb[i] : rb[i];
      }
      rp[i] -= (double)lr * d;
      if (!(fabs(rp[i] - want) <= GOLD_ATOL + GOLD_RTOL * fabs(want))) badref++;
    }
    CHECK_MSG(bad == 0, "SGD %s step %d: %d params differ from torch", tag, t + 1, bad);
    CHECK_MSG(badref == 0, "SGD %s step %d: the double reference differs from torch", tag, t + 1);
  }
}

static void test_goldens(void) {
#define G(T)                                                                                     \
  run_golden(#T, GOLD_SGD##T##_N, GOLD_SGD##T##_STEPS, gold_sgd##T##_lr, gold_sgd##T##_momentum, \
             gold_sgd##T##_dampening, gold_sgd##T##_weight_decay, GOLD_SGD##T##_NESTEROV,         \
             gold_sgd##T##_p0, gold_sgd##T##_grads, gold_sgd##T##_traj)
  G(A);
  G(B);
  G(C);
  G(D);
#undef G
}

static void test_first_step_and_zero(void) {
  /* the first step copies g into the buffer without dampening */
  const wt_sgd_options o = {.lr = 1.0f, .momentum = 0.5f, .dampening = 0.5f};
  float p[2] = {1.0f, 2.0f}, g[2] = {0.25f, -1.0f}, buf[2] = {99.0f, 99.0f};
  int64_t step = 0;
  CHECK_OK(ctx, wt_sgd_step(ctx, &o, 2, p, g, buf, &step));
  CHECK(buf[0] == 0.25f && buf[1] == -1.0f && p[0] == 0.75f && p[1] == 3.0f);
  CHECK_OK(ctx, wt_sgd_step(ctx, &o, 2, p, g, buf, &step));
  /* buf = 0.5 * 0.25 + 0.5 * 0.25 */
  CHECK(buf[0] == 0.25f && p[0] == 0.5f && step == 2);
  /* lr = 0 leaves params alone; n = 0 only counts the step */
  const wt_sgd_options z = {.lr = 0.0f};
  CHECK_OK(ctx, wt_sgd_step(ctx, &z, 2, p, g, NULL, &step));
  CHECK(p[0] == 0.5f && step == 3);
  CHECK_OK(ctx, wt_sgd_step(ctx, &z, 0, NULL, NULL, NULL, &step));
  CHECK(step == 4);
}

static void test_errors(void) {
  struct {
    wt_sgd_options o;
    const char *msg;
  } bad[] = {
      {{.lr = -0.1f}, "lr"},
      {{.lr = NAN}, "lr"},
      {{.lr = INFINITY}, "lr"},
      {{.lr = 0.1f, .momentum = -0.9f}, "momentum"},
      {{.lr = 0.1f, .momentum = NAN}, "momentum"},
      {{.lr = 0.1f, .weight_decay = -1e-4f}, "weight_decay"},
      {{.lr = 0.1f, .dampening = 1.5f}, "dampening"},
      {{.lr = 0.1f, .dampening = -0.5f}, "dampening"},
      {{.lr = 0.1f, .nesterov = 1}, "nesterov"},
      {{.lr = 0.1f, .momentum = 0.9f, .dampening = 0.1f, .nesterov = 1}, "nesterov"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_MSG(wt_sgd_check(ctx, &bad[i].o) == WT_ERR_ARG && has_msg(bad[i].msg), "case %zu: %s",
              i, wt_ctx_last_error(ctx));
  }
  CHECK(has_msg("wt_sgd_check"));
  CHECK_OK(ctx, wt_sgd_check(ctx, &(wt_sgd_options){.lr = 0.1f, .momentum = 0.9f, .nesterov = 1}));
  CHECK_OK(ctx, wt_sgd_check(ctx, &(wt_sgd_options){.lr = 0.0f, .dampening = 1.0f}));
  CHECK(wt_sgd_check(ctx, NULL) == WT_ERR_ARG && has_msg("opt is NULL"));

  const wt_sgd_options o = {.lr = 0.1f, .momentum = 0.9f};
  float p[2] = {0}, g[2] = {0}, buf[2];
  int64_t step = 0;
  CHECK(wt_sgd_step(ctx, &o, 2, p, g, NULL, &step) == WT_ERR_ARG && has_msg("momentum_buf"));
  CHECK(wt_sgd_step(ctx, &o, 2, NULL, g, buf, &step) == WT_ERR_ARG && has_msg("params"));
  CHECK(wt_sgd_step(ctx, &o, 2, p, NULL, buf, &step) == WT_ERR_ARG && has_msg("grads"));
  CHECK(wt_sgd_step(ctx, &o, 2, p, g, buf, NULL) == WT_ERR_ARG && has_msg("step"));
  CHECK(wt_sgd_step(ctx, &bad[0].o, 2, p, g, buf, &step) == WT_ERR_ARG && has_msg("lr"));
  CHECK(step == 0);
}


/* ---------------------------------------------------------------- wt_optim */

static wt_ctx *scalar_ctx; /* force_scalar: the scalar twins (the same as ctx natively) */
static double worst_rel_optim, worst_abs_optim, worst_rel_sched;
static const char *worst_case = "";

static double rel_err(double got, double want) {
  return fabs(got - want) / fmax(fabs(want), 1e-30);
}

/* Runs a golden case on c; writes the final params to out (GOLD_OPT_N). */
static void run_case(wt_ctx *c, const gold_opt_case *k, float *out, bool compare) {
  wt_optim *o = NULL;
  CHECK_OK(c, wt_optim_create(c, &k->opt, GOLD_OPT_N, gold_opt_no_decay, 2, &o));
  if (!o) return;
  float p[GOLD_OPT_N];
  memcpy(p, gold_opt_p0, sizeof p);
  int snap = 0, bad = 0;
  for (int t = 0; t < GOLD_OPT_STEPS; t++) {
    double lr;
    CHECK_OK(c, wt_schedule_lr(c, &k->sched, k->opt.lr, t, &lr));
    if (compare && !(rel_err(lr, k->lrs[t]) <= 1e-6)) bad++;
    CHECK_OK(c, wt_optim_set_lr(o, lr));
    CHECK_OK(c, wt_optim_step(o, p, k->grads + (size_t)t * GOLD_OPT_N));
    if (snap < GOLD_OPT_SNAPSHOTS && gold_opt_snapshots[snap] == t + 1) {
      const float *want = k->traj + (size_t)snap * GOLD_OPT_N;
      for (int i = 0; compare && i < GOLD_OPT_N; i++) {
        const double w = (double)want[i], d = fabs((double)p[i] - w);
        if (!(d <= GOLD_ATOL + GOLD_RTOL * fabs(w))) {
          if (bad++ < 3)
            fprintf(stderr, "%s step %d p[%d] = %.9g, reference %.9g\n", k->name, t + 1, i,
                    (double)p[i], w);
        }
        if (d > worst_abs_optim) worst_abs_optim = d;
        if (fabs(w) > 0.1 && rel_err((double)p[i], w) > worst_rel_optim) {
          worst_rel_optim = rel_err((double)p[i], w);
          worst_case = k->name;
        }
      }
      snap++;
    }
  }
  CHECK_MSG(bad == 0, "%s: %d values differ from the reference", k->name, bad);
  CHECK(wt_optim_steps(o) == GOLD_OPT_STEPS);
  memcpy(out, p, sizeof p);
  wt_optim_destroy(o);
}

static void test_optim_goldens(void) {
  const size_t n_cases = sizeof gold_opt_cases / sizeof gold_opt_cases[0];
  for (size_t i = 0; i < n_cases; i++) {
    float simd[GOLD_OPT_N], scalar[GOLD_OPT_N];
    run_case(ctx, &gold_opt_cases[i], simd, true);
    run_case(scalar_ctx, &gold_opt_cases[i], scalar, false);
    CHECK_MSG(memcmp(simd, scalar, sizeof simd) == 0, "%s: SIMD and scalar loops differ",
              gold_opt_cases[i].name);
  }
  printf("optim goldens: %zu cases x %d steps, worst relative error %.3g (%s, where |p| > 0.1), "
         "worst absolute error %.3g\n", n_cases, GOLD_OPT_STEPS, worst_rel_optim, worst_case,
         worst_abs_optim);
}

static void test_schedule_goldens(void) {
  const size_t n = sizeof gold_sched_cases / sizeof gold_sched_cases[0];
  for (size_t i = 0; i < n; i++) {
    const gold_sched_case *k = &gold_sched_cases[i];
    int bad = 0;
    for (int t = 0; t < GOLD_SCHED_TICKS; t++) {
      double lr;
      CHECK_OK(ctx, wt_schedule_lr(ctx, &k->sched, k->base_lr, t, &lr));
      const double e = rel_err(lr, k->lrs[t]);
      if (e > worst_rel_sched) worst_rel_sched = e;
      if (!(e <= 1e-6) && bad++ < 3)
        fprintf(stderr, "schedule %s tick %d: %.17g, torch %.17g\n", k->name, t, lr, k->lrs[t]);
    }
    CHECK_MSG(bad == 0, "schedule %s: %d ticks differ from torch", k->name, bad);
  }
  printf("schedule goldens: %zu schedules x %d ticks, worst relative error %.3g\n", n,
         GOLD_SCHED_TICKS, worst_rel_sched);
}

/* Pseudo-random floats in [-1, 1) (an LCG: the tests own their data). */
static void fill(float *x, size_t n, uint32_t seed, float scale) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = ((float)(seed >> 8) / 8388608.0f - 1.0f) * scale;
  }
}

static wt_optim_options kind_options(int which) {
  wt_optim_options o;
  switch (which) {
    case 0: o = (wt_optim_options){.kind = WT_OPTIM_SGD, .lr = 0.1, .momentum = 0.9, .nesterov = 1, .weight_decay = 1e-3}; break;
    case 1: o = (wt_optim_options){.kind = WT_OPTIM_SGD, .lr = 0.1, .momentum = 0.5, .dampening = 0.2}; break;
    case 2: o = (wt_optim_options){.kind = WT_OPTIM_SGD, .lr = 0.1, .weight_decay = 1e-2}; break;
    case 3: o = wt_optim_defaults(WT_OPTIM_ADAM), o.weight_decay = 1e-2; break;
    case 4: o = wt_optim_defaults(WT_OPTIM_ADAM), o.amsgrad = 1; break;
    case 5: o = wt_optim_defaults(WT_OPTIM_ADAMW); break;
    case 6: o = wt_optim_defaults(WT_OPTIM_ADAMW), o.amsgrad = 1; break;
    case 7: o = wt_optim_defaults(WT_OPTIM_ADABOUND), o.weight_decay = 5e-4; break;
    default: o = wt_optim_defaults(WT_OPTIM_ADABOUND), o.amsgrad = 1, o.gamma = 0.1; break;
  }
  o.no_bias_decay = 1;
  return o;
}
#define N_KINDS 9

/* The SIMD loops against the scalar twins, bit for bit: every n in 0..37 (every tail), odd
   no-decay slices (unaligned starts), sparse gradients, and NaN in a gradient (the same lanes
   become NaN). Natively both contexts run the scalar loops and this checks determinism. */
static void test_simd_vs_scalar(void) {
  enum { NMAX = 37, STEPS = 7 };
  for (int k = 0; k < N_KINDS; k++) {
    const wt_optim_options opt = kind_options(k);
    for (size_t n = 0; n <= NMAX; n++) {
      const wt_param_range nd[2] = {{n / 3, n / 4}, {n - n / 5, n / 5}};
      wt_optim *a = NULL, *b = NULL;
      CHECK_OK(ctx, wt_optim_create(ctx, &opt, n, nd, 2, &a));
      CHECK_OK(scalar_ctx, wt_optim_create(scalar_ctx, &opt, n, nd, 2, &b));
      float pa[NMAX], pb[NMAX], g[NMAX];
      fill(pa, n, (uint32_t)(n + 1), 1.0f);
      memcpy(pb, pa, sizeof pa);
      int bad = 0;
      for (int t = 0; t < STEPS; t++) {
        fill(g, n, (uint32_t)(1000 * t + n), 3.0f);
        for (size_t i = 0; i < n; i += 3) g[i] = 0.0f;
        if (t == STEPS - 1 && n > 5) g[5] = NAN;
        CHECK_OK(ctx, wt_optim_step(a, pa, g));
        CHECK_OK(scalar_ctx, wt_optim_step(b, pb, g));
      }
      for (size_t i = 0; i < n; i++)
        if (!(memcmp(&pa[i], &pb[i], 4) == 0 || (pa[i] != pa[i] && pb[i] != pb[i]))) bad++;
      if (n > 5) CHECK_MSG(pa[5] != pa[5], "kind %d n %zu: a NaN gradient must give a NaN", k, n);
      /* moments too */
      const size_t ns = wt_optim_state_floats(a);
      float sa[3 * NMAX], sb[3 * NMAX];
      CHECK_OK(ctx, wt_optim_state_export(a, sa, ns, NULL));
      CHECK_OK(ctx, wt_optim_state_export(b, sb, ns, NULL));
      for (size_t i = 0; i < ns; i++)
        if (!(memcmp(&sa[i], &sb[i], 4) == 0 || (sa[i] != sa[i] && sb[i] != sb[i]))) bad++;
      CHECK_MSG(bad == 0, "kind %d n %zu: %d values differ between SIMD and scalar", k, n, bad);
      wt_optim_destroy(a);
      wt_optim_destroy(b);
    }
  }
}

/* A run split in two by export/import into a fresh optimizer equals the uninterrupted run, bit
   for bit, for every kind; the state layout is the documented one. */
static void test_state_roundtrip(void) {
  enum { N = 45, STEPS = 40 };
  for (int k = 0; k < N_KINDS; k++) {
    const wt_optim_options opt = kind_options(k);
    const wt_param_range nd[1] = {{40, 5}};
    wt_optim *whole = NULL, *first = NULL, *second = NULL;
    CHECK_OK(ctx, wt_optim_create(ctx, &opt, N, nd, 1, &whole));
    CHECK_OK(ctx, wt_optim_create(ctx, &opt, N, nd, 1, &first));
    CHECK_OK(ctx, wt_optim_create(ctx, &opt, N, nd, 1, &second));
    float pw[N], ps[N], g[N];
    fill(pw, N, 7, 1.0f);
    memcpy(ps, pw, sizeof pw);
    for (int t = 0; t < STEPS; t++) {
      fill(g, N, (uint32_t)(31 * t + 1), 2.0f);
      const double lr = opt.lr * (1.0 - t / 80.0);
      CHECK_OK(ctx, wt_optim_set_lr(whole, lr));
      CHECK_OK(ctx, wt_optim_step(whole, pw, g));
      wt_optim *o = t < STEPS / 2 ? first : second;
      if (t == STEPS / 2) {
        float st[3 * N];
        int64_t steps = -1;
        const size_t ns = wt_optim_state_floats(first);
        CHECK(ns == (size_t)(k == 2 ? 0 : (k < 2 ? 1 : (k == 4 || k == 6 || k == 8) ? 3 : 2)) * N);
        CHECK_OK(ctx, wt_optim_state_export(first, st, ns, &steps));
        CHECK(steps == STEPS / 2);
        CHECK_OK(ctx, wt_optim_state_import(second, st, ns, steps));
        CHECK(wt_optim_steps(second) == STEPS / 2);
      }
      CHECK_OK(ctx, wt_optim_set_lr(o, lr));
      CHECK_OK(ctx, wt_optim_step(o, ps, g));
    }
    CHECK_MSG(memcmp(pw, ps, sizeof pw) == 0, "kind %d: the split run differs", k);
    wt_optim_destroy(whole);
    wt_optim_destroy(first);
    wt_optim_destroy(second);
  }
}

/* Weight decay groups: unsorted, overlapping and adjacent ranges mean their union; the exempt
   slices move exactly as with weight_decay 0, the others as with the decay. */
static void test_no_decay_groups(void) {
  enum { N = 30 };
  const wt_param_range messy[4] = {{20, 3}, {4, 6}, {8, 4}, {23, 2}}; /* = [4,12) + [20,25) */
  for (int k = 0; k < N_KINDS; k++) {
    wt_optim_options opt = kind_options(k);
    if (opt.weight_decay == 0.0) opt.weight_decay = 0.1;
    wt_optim_options plain = opt;
    plain.weight_decay = 0.0;
    wt_optim *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(ctx, wt_optim_create(ctx, &opt, N, messy, 4, &a));
    CHECK_OK(ctx, wt_optim_create(ctx, &plain, N, NULL, 0, &b));
    CHECK_OK(ctx, wt_optim_create(ctx, &opt, N, NULL, 0, &c));
    float pa[N], pb[N], pc[N], g[N];
    fill(pa, N, 3, 1.0f);
    memcpy(pb, pa, sizeof pa);
    memcpy(pc, pa, sizeof pa);
    for (int t = 0; t < 5; t++) {
      fill(g, N, (uint32_t)(t + 9), 1.0f);
      CHECK_OK(ctx, wt_optim_step(a, pa, g));
      CHECK_OK(ctx, wt_optim_step(b, pb, g));
      CHECK_OK(ctx, wt_optim_step(c, pc, g));
    }
    int bad = 0;
    for (int i = 0; i < N; i++) {
      const bool exempt = (i >= 4 && i < 12) || (i >= 20 && i < 25);
      if (memcmp(&pa[i], exempt ? &pb[i] : &pc[i], 4) != 0) bad++;
    }
    CHECK_MSG(bad == 0, "kind %d: %d params in the wrong decay group", k, bad);
    /* no_bias_decay off: the ranges are ignored */
    wt_optim *d = NULL;
    opt.no_bias_decay = 0;
    CHECK_OK(ctx, wt_optim_create(ctx, &opt, N, messy, 4, &d));
    fill(pa, N, 3, 1.0f);
    for (int t = 0; t < 5; t++) {
      fill(g, N, (uint32_t)(t + 9), 1.0f);
      CHECK_OK(ctx, wt_optim_step(d, pa, g));
    }
    CHECK(memcmp(pa, pc, sizeof pa) == 0);
    wt_optim_destroy(a);
    wt_optim_destroy(b);
    wt_optim_destroy(c);
    wt_optim_destroy(d);
  }
}

static void test_optim_errors(void) {
  const wt_optim_options adam = wt_optim_defaults(WT_OPTIM_ADAM);
  const wt_optim_options ab = wt_optim_defaults(WT_OPTIM_ADABOUND);
  CHECK(adam.lr == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.eps == 1e-8 &&
        adam.weight_decay == 0.0);
  CHECK(wt_optim_defaults(WT_OPTIM_ADAMW).weight_decay == 1e-2);
  CHECK(ab.final_lr == 0.1 && ab.gamma == 1e-3 && ab.lr == 1e-3 && !ab.amsgrad);
  CHECK(strcmp(wt_optim_kind_name(WT_OPTIM_ADABOUND), "adabound") == 0);
  CHECK(wt_optim_kind_name((wt_optim_kind)42) == NULL);
  struct {
    wt_optim_options o;
    const char *msg;
  } bad[8];
  size_t nb = 0;
  bad[nb].o = adam, bad[nb].o.lr = -1e-3, bad[nb++].msg = "adam: lr must be finite and >= 0";
  bad[nb].o = adam, bad[nb].o.beta1 = 1.0, bad[nb++].msg = "beta1 must be in [0, 1)";
  bad[nb].o = adam, bad[nb].o.beta2 = (double)NAN, bad[nb++].msg = "beta2 must be in [0, 1)";
  bad[nb].o = adam, bad[nb].o.momentum = 0.9, bad[nb++].msg = "apply to sgd only";
  bad[nb].o = adam, bad[nb].o.final_lr = 0.1, bad[nb++].msg = "apply to adabound only";
  bad[nb].o = ab, bad[nb].o.gamma = 0.0, bad[nb++].msg = "gamma must be in (0, 1)";
  bad[nb].o = ab, bad[nb].o.lr = 0.0, bad[nb++].msg = "adabound: lr must be > 0";
  bad[nb].o = (wt_optim_options){.kind = WT_OPTIM_SGD, .lr = 0.1, .beta1 = 0.9},
  bad[nb++].msg = "do not apply";
  for (size_t i = 0; i < nb; i++)
    CHECK_MSG(wt_optim_check(ctx, &bad[i].o) == WT_ERR_ARG && has_msg(bad[i].msg), "case %zu: %s",
              i, wt_ctx_last_error(ctx));
  CHECK(wt_optim_check(ctx, &(wt_optim_options){.kind = (wt_optim_kind)9}) == WT_ERR_ARG &&
        has_msg("unknown optimizer kind 9"));
  CHECK(wt_optim_check(ctx, &(wt_optim_options){.kind = WT_OPTIM_SGD, .lr = 0.1, .nesterov = 1}) ==
            WT_ERR_ARG && has_msg("nesterov"));
  wt_optim *o = NULL;
  const wt_param_range out_of[1] = {{8, 5}};
  wt_optim_options nd = adam;
  nd.no_bias_decay = 1;
  CHECK(wt_optim_create(ctx, &nd, 10, out_of, 1, &o) == WT_ERR_ARG && !o && has_msg("outside"));
  CHECK(wt_optim_create(ctx, &bad[0].o, 10, NULL, 0, &o) == WT_ERR_ARG && !o);
  CHECK_OK(ctx, wt_optim_create(ctx, &adam, 10, NULL, 0, &o));
  float p[10] = {0}, g[10] = {0}, st[20];
  CHECK(wt_optim_step(o, NULL, g) == WT_ERR_ARG && has_msg("params is NULL"));
  CHECK(wt_optim_step(o, p, NULL) == WT_ERR_ARG && has_msg("grads is NULL"));
  CHECK(wt_optim_set_lr(o, -1.0) == WT_ERR_ARG && has_msg("lr must be"));
  CHECK(wt_optim_set_lr(o, (double)INFINITY) == WT_ERR_ARG);
  CHECK(wt_optim_lr(o) == 1e-3);
  CHECK(wt_optim_state_floats(o) == 20);
  CHECK(wt_optim_state_export(o, st, 19, NULL) == WT_ERR_SHAPE && has_msg("20 floats"));
  CHECK(wt_optim_state_import(o, st, 20, -1) == WT_ERR_ARG && has_msg("steps"));
  CHECK(wt_optim_steps(o) == 0);
  wt_optim_destroy(o);
  wt_optim_destroy(NULL);

  const wt_schedule sbad[] = {
      {.kind = WT_SCHEDULE_STEP, .step_size = 0},
      {.kind = WT_SCHEDULE_MULTISTEP, .n_milestones = 2, .milestones = {5, 5}, .gamma = 0.1},
      {.kind = WT_SCHEDULE_MULTISTEP, .n_milestones = 0},
      {.kind = WT_SCHEDULE_COSINE, .t_max = 0},
      {.kind = WT_SCHEDULE_COSINE, .t_max = 10, .eta_min = -1.0},
      {.kind = WT_SCHEDULE_CONSTANT, .warmup = 5, .warmup_start_factor = 0.0},
      {.kind = WT_SCHEDULE_STEP, .step_size = 3, .gamma = (double)NAN},
      {.kind = (wt_schedule_kind)7},
  };
  const char *smsg[] = {"step_size", "increasing", "milestones", "t_max", "eta_min",
                        "warmup_start_factor", "gamma", "unknown schedule kind"};
  for (size_t i = 0; i < sizeof sbad / sizeof sbad[0]; i++)
    CHECK_MSG(wt_schedule_check(ctx, &sbad[i]) == WT_ERR_ARG && has_msg(smsg[i]), "schedule %zu: %s",
              i, wt_ctx_last_error(ctx));
  double lr;
  CHECK(wt_schedule_lr(ctx, &(wt_schedule){0}, 0.1, -1, &lr) == WT_ERR_ARG && has_msg("tick"));
  CHECK_OK(ctx, wt_schedule_lr(ctx, &(wt_schedule){0}, 0.1, 12345, &lr));
  CHECK(lr == 0.1);
}

/* ---------------------------------------------------------------- the trainer's optimizer */

/* The student CNN's biases are its no-decay ranges: one per conv/linear layer, each the tail
   of its layer's slice (weights first, then bias). */
static void test_model_no_decay_ranges(void) {
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m));
  wt_param_range r[8];
  CHECK(wt_model_no_decay_ranges(m, NULL, 0) == 4);
  CHECK(wt_model_no_decay_ranges(m, r, 8) == 4);
  const size_t flat = 64 * 4 * 4;
  const size_t want[4][2] = {{32 * 9, 32},
                             {32 * 9 + 32 + 64 * 32 * 9, 64},
                             {32 * 9 + 32 + 64 * 32 * 9 + 64 + 128 * flat, 128},
                             {wt_model_param_count(m) - 4, 4}};
  for (int i = 0; i < 4; i++)
    CHECK_MSG(r[i].offset == want[i][0] && r[i].count == want[i][1], "range %d = [%zu, +%zu)", i,
              r[i].offset, r[i].count);
  CHECK(wt_model_no_decay_ranges(m, r, 1) == 4 && r[0].offset == want[0][0]);
  CHECK(wt_model_no_decay_ranges(NULL, r, 8) == 0);
  wt_model_destroy(m);
}

static void make_batch(float *x, int32_t *y, int n, uint32_t seed) {
  fill(x, (size_t)n * 64, seed, 1.0f);
  for (int i = 0; i < n; i++) y[i] = (int32_t)((i * 7 + (int)seed) % 4);
}

/* A trainer run split in two (state and parameters exported, a new model and trainer, state
   imported) equals the uninterrupted run bit for bit, with AdaBound, no-decay groups and a
   warm-up + cosine schedule per step, and with Adam and a per-epoch step schedule. */
static void test_trainer_resume(void) {
  enum { B = 6, STEPS = 8, HALF = 4 };
  wt_trainer_options opts[2];
  opts[0] = (wt_trainer_options){.optim = wt_optim_defaults(WT_OPTIM_ADABOUND),
                                 .schedule = {.kind = WT_SCHEDULE_COSINE, .t_max = 10,
                                              .warmup = 3, .warmup_start_factor = 0.1}};
  opts[0].optim.weight_decay = 5e-2, opts[0].optim.no_bias_decay = 1, opts[0].optim.amsgrad = 1;
  opts[1] = (wt_trainer_options){.optim = wt_optim_defaults(WT_OPTIM_ADAMW),
                                 .schedule = {.kind = WT_SCHEDULE_STEP, .step_size = 1,
                                              .gamma = 0.5, .per_epoch = 1}};
  for (int c = 0; c < 2; c++) {
    wt_model *m1 = NULL, *m2 = NULL, *m3 = NULL;
    wt_trainer *t1 = NULL, *t2 = NULL, *t3 = NULL;
    CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m1));
    CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m2));
    const size_t np = wt_model_param_count(m1);
    memcpy(wt_model_params(m2), wt_model_params(m1), np * sizeof(float));
    CHECK_OK(ctx, wt_trainer_create(m1, &opts[c], &t1));
    CHECK_OK(ctx, wt_trainer_create(m2, &opts[c], &t2));
    float x[B * 64], loss;
    int32_t y[B];
    for (int s = 0; s < STEPS; s++) {
      make_batch(x, y, B, (uint32_t)s + 1);
      if (c == 0) {
        double want;
        CHECK_OK(ctx, wt_schedule_lr(ctx, &opts[c].schedule, opts[c].optim.lr, s, &want));
        CHECK(wt_trainer_lr(t1) == want);
      }
      CHECK_OK(ctx, wt_trainer_step(t1, x, y, B, &loss, NULL));
      if (s % 2 == 1) CHECK_OK(ctx, wt_trainer_end_epoch(t1));
      if (s == HALF) {
        /* resume: a fresh model (other weights) and trainer get the params and the state */
        const size_t ns = wt_trainer_state_floats(t2);
        CHECK(ns == (size_t)(c == 0 ? 3 : 2) * np);
        float *st = malloc(ns * sizeof(float));
        int64_t steps = -1, epochs = -1;
        CHECK_OK(ctx, wt_trainer_state_export(t2, st, ns, &steps, &epochs));
        CHECK(steps == HALF && epochs == HALF / 2);
        CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m3));
        memcpy(wt_model_params(m3), wt_model_params(m2), np * sizeof(float));
        CHECK_OK(ctx, wt_trainer_create(m3, &opts[c], &t3));
        CHECK(wt_trainer_state_import(t3, st, ns - 1, steps, epochs) == WT_ERR_SHAPE);
        CHECK(wt_trainer_state_import(t3, st, ns, steps, -1) == WT_ERR_ARG && has_msg("epochs"));
        CHECK_OK(ctx, wt_trainer_state_import(t3, st, ns, steps, epochs));
        CHECK(wt_trainer_steps(t3) == HALF && wt_trainer_epochs(t3) == HALF / 2);
        free(st);
        wt_trainer_destroy(t2);
        wt_model_destroy(m2);
        t2 = t3, m2 = m3;
      }
      CHECK_OK(ctx, wt_trainer_step(t2, x, y, B, &loss, NULL));
      if (s % 2 == 1) CHECK_OK(ctx, wt_trainer_end_epoch(t2));
    }
    CHECK(wt_trainer_steps(t1) == STEPS && wt_trainer_epochs(t1) == STEPS / 2);
    if (c == 1) CHECK(wt_trainer_lr(t1) == 1e-3 * 0.0625); /* 4 epochs of x0.5 */
    CHECK_MSG(memcmp(wt_model_params(m1), wt_model_params(m2), np * sizeof(float)) == 0,
              "case %d: the resumed run differs", c);
    CHECK(wt_trainer_set_lr(t1, 0.1f) == WT_ERR_STATE && has_msg("schedule"));
    wt_trainer_destroy(t1);
    wt_trainer_destroy(t2);
    wt_model_destroy(m1);
    wt_model_destroy(m2);
  }
}

/* The trainer rejects bad optimizer and schedule options with the optimizer's messages; with
   no schedule, set_lr sets the lr of the next step. */
static void test_trainer_options(void) {
  wt_model *m = NULL;
  wt_trainer *t = NULL;
  CHECK_OK(ctx, wt_model_create_student_cnn(ctx, 1, 8, 8, 4, &m));
  wt_trainer_options o = {.optim = wt_optim_defaults(WT_OPTIM_ADAM)};
  o.optim.beta2 = 1.0;
  CHECK(wt_trainer_create(m, &o, &t) == WT_ERR_ARG && !t && has_msg("beta2"));
  o.optim.beta2 = 0.999;
  o.schedule = (wt_schedule){.kind = WT_SCHEDULE_COSINE};
  CHECK(wt_trainer_create(m, &o, &t) == WT_ERR_ARG && !t && has_msg("t_max"));
  CHECK(wt_trainer_create(m, NULL, &t) == WT_ERR_ARG && has_msg("opt is NULL"));
  o.schedule = (wt_schedule){0};
  CHECK_OK(ctx, wt_trainer_create(m, &o, &t));
  CHECK(wt_trainer_lr(t) == 1e-3);
  CHECK_OK(ctx, wt_trainer_set_lr(t, 0.5f));
  CHECK(wt_trainer_lr(t) == 0.5);
  CHECK(wt_trainer_set_lr(t, -1.0f) == WT_ERR_ARG);
  CHECK(wt_trainer_state_floats(t) == 2 * wt_model_param_count(m));
  wt_trainer_destroy(t);
  wt_model_destroy(m);
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  if (!ctx) return 1;
  test_goldens();
  test_first_step_and_zero();
  test_errors();
  scalar_ctx = wt_ctx_create(&(wt_ctx_options){.seed = 5, .force_scalar = 1}, NULL);
  if (!scalar_ctx) return 1;
  const size_t live0 = wt_ctx_live_bytes(ctx); /* the arena */
  test_optim_goldens();
  test_schedule_goldens();
  test_simd_vs_scalar();
  test_state_roundtrip();
  test_no_decay_groups();
  test_optim_errors();
  test_model_no_decay_ranges();
  test_trainer_resume();
  test_trainer_options();
  CHECK(wt_ctx_live_bytes(ctx) == live0 && wt_ctx_live_bytes(scalar_ctx) == live0);
  wt_ctx_destroy(scalar_ctx);
  wt_ctx_destroy(ctx);
  return check_summary("test_optim");
}
