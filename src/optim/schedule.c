/* schedule.c - learning-rate schedules as torch.optim.lr_scheduler computes them (PyTorch 1.13):
   StepLR, MultiStepLR, CosineAnnealingLR, and a LinearLR warm-up composed with them as
   SequentialLR([LinearLR, main], milestones=[warmup]). Closed forms of a tick count, so the
   state to checkpoint is the tick alone; PyTorch's own chained (recursive) values are the
   goldens (tests/native/test_optim.c, 1e-6 relative). Not here: who ticks (the trainer). */
#include <math.h>

#include "../core/internal.h"

static const double WT__PI = 3.14159265358979323846;

wt_status wt_schedule_check(wt_ctx *ctx, const wt_schedule *s) {
  if (!ctx) return WT_ERR_ARG;
  if (!s) return WT_FAIL(ctx, WT_ERR_ARG, "schedule is NULL");
  switch (s->kind) {
    case WT_SCHEDULE_CONSTANT: break;
    case WT_SCHEDULE_STEP:
      if (s->step_size < 1)
        return WT_FAIL(ctx, WT_ERR_ARG, "step: step_size must be >= 1, got %lld", (long long)s->step_size);
      break;
    case WT_SCHEDULE_MULTISTEP:
      if (s->n_milestones < 1 || s->n_milestones > WT_SCHEDULE_MAX_MILESTONES)
        return WT_FAIL(ctx, WT_ERR_ARG, "multistep: between 1 and %d milestones, got %d",
                       WT_SCHEDULE_MAX_MILESTONES, s->n_milestones);
      for (int i = 0; i < s->n_milestones; i++)
        if (s->milestones[i] < 1 || (i > 0 && s->milestones[i] <= s->milestones[i - 1]))
          return WT_FAIL(ctx, WT_ERR_ARG,
                         "multistep: milestones must be increasing and >= 1, got milestones[%d] = %lld",
                         i, (long long)s->milestones[i]);
      break;
    case WT_SCHEDULE_COSINE:
      if (s->t_max < 1)
        return WT_FAIL(ctx, WT_ERR_ARG, "cosine: t_max must be >= 1, got %lld", (long long)s->t_max);
      if (!(s->eta_min >= 0.0) || isinf(s->eta_min))
        return WT_FAIL(ctx, WT_ERR_ARG, "cosine: eta_min must be finite and >= 0, got %g", s->eta_min);
      break;
    default: return WT_FAIL(ctx, WT_ERR_ARG, "unknown schedule kind %d", (int)s->kind);
  }
  if ((s->kind == WT_SCHEDULE_STEP || s->kind == WT_SCHEDULE_MULTISTEP) &&
      (!(s->gamma >= 0.0) || isinf(s->gamma)))
    return WT_FAIL(ctx, WT_ERR_ARG, "gamma must be finite and >= 0, got %g", s->gamma);
  if (s->warmup < 0)
    return WT_FAIL(ctx, WT_ERR_ARG, "warmup must be >= 0, got %lld", (long long)s->warmup);
  /* LinearLR's recursion divides by total_iters * start_factor at the second tick. */
  if (s->warmup > 0 && !(s->warmup_start_factor > 0.0 && s->warmup_start_factor <= 1.0))
    return WT_FAIL(ctx, WT_ERR_ARG, "warmup_start_factor must be in (0, 1], got %g",
                   s->warmup_start_factor);
  return WT_OK;
}

wt_status wt_schedule_lr(wt_ctx *ctx, const wt_schedule *s, double base_lr, int64_t tick,
                         double *lr) {
  WT_TRY(wt_schedule_check(ctx, s));
  if (!lr) return WT_FAIL(ctx, WT_ERR_ARG, "lr is NULL");
  if (tick < 0) return WT_FAIL(ctx, WT_ERR_ARG, "tick must be >= 0, got %lld", (long long)tick);
  if (tick < s->warmup) {
    /* LinearLR closed form, end_factor 1. */
    const double f = s->warmup_start_factor;
    *lr = base_lr * (f + (1.0 - f) * (double)tick / (double)s->warmup);
    return WT_OK;
  }
  const int64_t t = tick - s->warmup;
  switch (s->kind) {
    case WT_SCHEDULE_CONSTANT: *lr = base_lr; break;
    case WT_SCHEDULE_STEP: *lr = base_lr * pow(s->gamma, (double)(t / s->step_size)); break;
    case WT_SCHEDULE_MULTISTEP: {
      int passed = 0; /* bisect_right(milestones, t) */
      while (passed < s->n_milestones && s->milestones[passed] <= t) passed++;
      *lr = base_lr * pow(s->gamma, (double)passed);
      break;
    }
    case WT_SCHEDULE_COSINE:
      *lr = s->eta_min + (base_lr - s->eta_min) *
                             (1.0 + cos(WT__PI * (double)t / (double)s->t_max)) / 2.0;
      break;
    default: break;
  }
  return WT_OK;
}
