/* test_optim.c - SGD: PyTorch trajectories (momentum + weight decay, nesterov, dampening, plain
   with weight decay) over 5 steps with fixed gradients, a double-precision re-derivation of
   the update rule, and torch.optim.SGD's argument errors. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

#define WT_GOLDENS_OPTIM
#include "data/goldens.h"

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

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  if (!ctx) return 1;
  test_goldens();
  test_first_step_and_zero();
  test_errors();
  wt_ctx_destroy(ctx);
  return check_summary("test_optim");
}
