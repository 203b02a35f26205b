/* sgd.c - stochastic gradient descent exactly as torch.optim.SGD (PyTorch 1.13,
   _single_tensor_sgd), over one flat block of parameters, in float arithmetic like torch's
   float32 tensors. The loop is wt__sgd_update_* (optim_loops.h), shared with the generic
   optimizer (optim.c). Not here: maximize, learning-rate schedules (schedule.c). */
#include <math.h>

#include "../core/internal.h"
#include "optim_loops.h"

/* Validates opt as torch.optim.SGD's constructor does (plus finiteness and the range of
   dampening): lr >= 0, momentum >= 0, weight_decay >= 0, dampening in [0, 1], and nesterov
   only with momentum > 0 and dampening == 0. NaN fails every check. */
wt_status wt_sgd_check(wt_ctx *ctx, const wt_sgd_options *opt) {
  if (!ctx) return WT_ERR_ARG;
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "opt is NULL");
  if (!(opt->lr >= 0.0f) || isinf(opt->lr))
    return WT_FAIL(ctx, WT_ERR_ARG, "lr must be finite and >= 0, got %g", (double)opt->lr);
  if (!(opt->momentum >= 0.0f) || isinf(opt->momentum))
    return WT_FAIL(ctx, WT_ERR_ARG, "momentum must be finite and >= 0, got %g",
                   (double)opt->momentum);
  if (!(opt->weight_decay >= 0.0f) || isinf(opt->weight_decay))
    return WT_FAIL(ctx, WT_ERR_ARG, "weight_decay must be finite and >= 0, got %g",
                   (double)opt->weight_decay);
  if (!(opt->dampening >= 0.0f && opt->dampening <= 1.0f))
    return WT_FAIL(ctx, WT_ERR_ARG, "dampening must be in [0, 1], got %g",
                   (double)opt->dampening);
  if (opt->nesterov && (opt->momentum <= 0.0f || opt->dampening != 0.0f))
    return WT_FAIL(ctx, WT_ERR_ARG,
                   "nesterov requires momentum > 0 and dampening == 0, got momentum %g, "
                   "dampening %g",
                   (double)opt->momentum, (double)opt->dampening);
  return WT_OK;
}

/* params, grads: (n); momentum_buf: (n), or NULL when momentum == 0; step: steps so far.
   Per element, as torch: g = grad + weight_decay * p; if momentum != 0 { buf = (step == 0) ?
   g : momentum * buf + (1 - dampening) * g; g = nesterov ? g + momentum * buf : buf };
   p -= lr * g. Then *step += 1. grads may not alias params. */
wt_status wt_sgd_step(wt_ctx *ctx, const wt_sgd_options *opt, size_t n, float *params,
                      const float *grads, float *momentum_buf, int64_t *step) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(wt_sgd_check(ctx, opt));
  if (!step) return WT_FAIL(ctx, WT_ERR_ARG, "step is NULL");
  if (*step < 0) return WT_FAIL(ctx, WT_ERR_ARG, "*step must be >= 0, got %lld", (long long)*step);
  if (n > 0 && !params) return WT_FAIL(ctx, WT_ERR_ARG, "params is NULL");
  if (n > 0 && !grads) return WT_FAIL(ctx, WT_ERR_ARG, "grads is NULL");
  const bool use_mom = opt->momentum != 0.0f;
  if (n > 0 && use_mom && !momentum_buf)
    return WT_FAIL(ctx, WT_ERR_ARG, "momentum_buf is NULL with momentum = %g",
                   (double)opt->momentum);
  const wt__sgd_args a = {.lr = opt->lr, .momentum = opt->momentum,
                         .damp1 = 1.0f - opt->dampening, .wd = opt->weight_decay,
                         .use_momentum = use_mom, .nesterov = opt->nesterov, .first = *step == 0};
  wt__optim_loops_get(ctx->force_scalar).sgd(n, params, grads, momentum_buf, &a);
  *step += 1;
  return WT_OK;
}
