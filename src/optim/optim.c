/* optim.c - the generic optimizer object: kind + options + moment buffers + step count over one
   flat parameter block, with weight-decay groups (slices exempt from decay, e.g. biases), the
   current lr (set by a schedule), and state export/import for checkpoints.

   Per step it computes the reference's scalars in double, exactly as the Python code does
   (bias corrections, step sizes, AdaBound's bounds), rounds them to float where torch hands
   them to float32 tensor ops, and runs the context's optimizer kernel (the SIMD or scalar twin
   of src/kernels/f32_optim_*.c, through ctx->k) over each group's slice. Each kind is one row
   of the optimizer table (OPTIMS): name, defaults, option check, buffers, step. It never
   allocates after create. Also the deprecated standalone SGD (wt_sgd_*), on the same check and
   kernel. Not here: the update loops (src/kernels/), schedules (schedule.c). */
#include <math.h>
#include <string.h>

#include "../core/internal.h"

/* A run of parameters that all decay, or all do not. */
typedef struct segment {
  size_t offset, count;
  bool decays;
} segment;

struct wt_optim {
  wt_ctx *ctx;
  wt_optim_options opt;
  size_t n;
  double base_lr, lr;
  int64_t step;
  float *state;  /* n_bufs * n floats: one block holding the buffers below */
  int n_bufs;
  float *buf;    /* SGD momentum */
  float *m, *v, *vmax;
  size_t n_segs;
  segment segs[]; /* cover [0, n) in order */
};

static bool nonneg(double x) { return x >= 0.0 && !isinf(x); } /* NaN fails */

/* Per-kind option checks (lr and weight_decay are checked for every kind first, in
   check_options); f names the public function in messages. */
static wt_status check_sgd(wt_ctx *ctx, const char *f, const wt_optim_options *o) {
  if (o->beta1 != 0.0 || o->beta2 != 0.0 || o->eps != 0.0 || o->amsgrad || o->final_lr != 0.0 ||
      o->gamma != 0.0)
    return wt__fail(ctx, WT_ERR_ARG, f,
                    "sgd: beta1, beta2, eps, amsgrad, final_lr and gamma do not apply (leave 0)");
  if (!nonneg(o->momentum))
    return wt__fail(ctx, WT_ERR_ARG, f, "sgd: momentum must be finite and >= 0, got %g", o->momentum);
  if (!(o->dampening >= 0.0 && o->dampening <= 1.0))
    return wt__fail(ctx, WT_ERR_ARG, f, "sgd: dampening must be in [0, 1], got %g", o->dampening);
  if (o->nesterov && (o->momentum <= 0.0 || o->dampening != 0.0))
    return wt__fail(ctx, WT_ERR_ARG, f,
                    "sgd: nesterov requires momentum > 0 and dampening == 0, got momentum %g, "
                    "dampening %g", o->momentum, o->dampening);
  return WT_OK;
}
/* Adam, AdamW and AdaBound share betas and eps. */
static wt_status check_adam_family(wt_ctx *ctx, const char *f, const char *name,
                                   const wt_optim_options *o) {
  if (o->momentum != 0.0 || o->dampening != 0.0 || o->nesterov)
    return wt__fail(ctx, WT_ERR_ARG, f, "%s: momentum, dampening and nesterov apply to sgd only", name);
  if (!(o->beta1 >= 0.0 && o->beta1 < 1.0))
    return wt__fail(ctx, WT_ERR_ARG, f, "%s: beta1 must be in [0, 1), got %g", name, o->beta1);
  if (!(o->beta2 >= 0.0 && o->beta2 < 1.0))
    return wt__fail(ctx, WT_ERR_ARG, f, "%s: beta2 must be in [0, 1), got %g", name, o->beta2);
  if (!nonneg(o->eps))
    return wt__fail(ctx, WT_ERR_ARG, f, "%s: eps must be finite and >= 0, got %g", name, o->eps);
  return WT_OK;
}
static wt_status check_adam(wt_ctx *ctx, const char *f, const wt_optim_options *o) {
  const char *name = wt_optim_kind_name(o->kind);
  WT_TRY(check_adam_family(ctx, f, name, o));
  if (o->final_lr != 0.0 || o->gamma != 0.0)
    return wt__fail(ctx, WT_ERR_ARG, f, "%s: final_lr and gamma apply to adabound only", name);
  return WT_OK;
}
static wt_status check_adabound(wt_ctx *ctx, const char *f, const wt_optim_options *o) {
  WT_TRY(check_adam_family(ctx, f, "adabound", o));
  if (!nonneg(o->final_lr))
    return wt__fail(ctx, WT_ERR_ARG, f, "adabound: final_lr must be finite and >= 0, got %g", o->final_lr);
  /* The reference accepts gamma = 0 but then divides by gamma * t; lr = 0 divides by base_lr. */
  if (!(o->gamma > 0.0 && o->gamma < 1.0))
    return wt__fail(ctx, WT_ERR_ARG, f, "adabound: gamma must be in (0, 1), got %g", o->gamma);
  if (!(o->lr > 0.0))
    return wt__fail(ctx, WT_ERR_ARG, f,
                    "adabound: lr must be > 0 (final_lr is scaled by lr / base_lr), got %g", o->lr);
  return WT_OK;
}

/* Moment buffers a kind keeps (each n floats). */
static int buffers_sgd(const wt_optim_options *o) { return o->momentum != 0.0 ? 1 : 0; }
static int buffers_adam(const wt_optim_options *o) { return o->amsgrad ? 3 : 2; }

static void step_sgd(wt_optim *o, float *params, const float *grads, int64_t t);
static void step_adam(wt_optim *o, float *params, const float *grads, int64_t t);
static void step_adabound(wt_optim *o, float *params, const float *grads, int64_t t);

/* The optimizer table: one row per kind. defaults: what wt_optim_defaults returns (PyTorch's;
   AdaBound's official code's); check: the kind's own options; buffers: the moment buffers it
   keeps; step: one update at step count t (1 on the first), through the kernel table. */
typedef struct optim_info {
  const char *name;
  wt_optim_options defaults;
  wt_status (*check)(wt_ctx *ctx, const char *func, const wt_optim_options *o);
  int (*buffers)(const wt_optim_options *o);
  void (*step)(wt_optim *o, float *params, const float *grads, int64_t t);
} optim_info;
#define WT__ADAM_DEFAULTS .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8
static const optim_info OPTIMS[] = {
    [WT_OPTIM_SGD] = {"sgd", {.kind = WT_OPTIM_SGD}, check_sgd, buffers_sgd, step_sgd},
    [WT_OPTIM_ADAM] = {"adam", {.kind = WT_OPTIM_ADAM, WT__ADAM_DEFAULTS}, check_adam, buffers_adam,
                       step_adam},
    [WT_OPTIM_ADAMW] = {"adamw", {.kind = WT_OPTIM_ADAMW, WT__ADAM_DEFAULTS, .weight_decay = 1e-2},
                        check_adam, buffers_adam, step_adam},
    [WT_OPTIM_ADABOUND] = {"adabound",
                           {.kind = WT_OPTIM_ADABOUND, WT__ADAM_DEFAULTS, .final_lr = 0.1, .gamma = 1e-3},
                           check_adabound, buffers_adam, step_adabound},
};
#undef WT__ADAM_DEFAULTS
_Static_assert(sizeof OPTIMS / sizeof OPTIMS[0] == WT_OPTIM_KIND_COUNT,
               "an optimizer kind without a table row");

const char *wt_optim_kind_name(wt_optim_kind kind) {
  return (unsigned)kind < WT_OPTIM_KIND_COUNT ? OPTIMS[kind].name : NULL;
}

wt_optim_options wt_optim_defaults(wt_optim_kind kind) {
  if ((unsigned)kind < WT_OPTIM_KIND_COUNT) return OPTIMS[kind].defaults;
  return (wt_optim_options){.kind = kind};
}

/* The one validation of optimizer options (wt_optim_check, wt_optim_create and the deprecated
   wt_sgd_check); f names the caller in messages. */
static wt_status check_options(wt_ctx *ctx, const char *f, const wt_optim_options *o) {
  if (!ctx) return WT_ERR_ARG;
  if (!o) return wt__fail(ctx, WT_ERR_ARG, f, "opt is NULL");
  const char *name = wt_optim_kind_name(o->kind);
  if (!name) return wt__fail(ctx, WT_ERR_ARG, f, "unknown optimizer kind %d", (int)o->kind);
  if (!nonneg(o->lr)) return wt__fail(ctx, WT_ERR_ARG, f, "%s: lr must be finite and >= 0, got %g", name, o->lr);
  if (!nonneg(o->weight_decay))
    return wt__fail(ctx, WT_ERR_ARG, f, "%s: weight_decay must be finite and >= 0, got %g", name,
                    o->weight_decay);
  return OPTIMS[o->kind].check(ctx, f, o);
}

wt_status wt_optim_check(wt_ctx *ctx, const wt_optim_options *o) { return check_options(ctx, __func__, o); }

/* Sorts and merges the no-decay ranges (validated inside [0, n)) and writes the segments that
   cover [0, n): at most 2 * n_ranges + 1. Returns the count. */
static size_t build_segments(wt_param_range *r, size_t nr, size_t n, segment *out) {
  for (size_t i = 1; i < nr; i++) /* insertion sort by offset: a handful of ranges */
    for (size_t j = i; j > 0 && r[j].offset < r[j - 1].offset; j--) {
      const wt_param_range t = r[j];
      r[j] = r[j - 1], r[j - 1] = t;
    }
  size_t ns = 0, at = 0;
  for (size_t i = 0; i < nr; i++) {
    size_t b = r[i].offset, e = r[i].offset + r[i].count;
    if (r[i].count == 0) continue;
    if (b < at) b = at; /* overlaps the previous range */
    if (e <= b) continue;
    if (b > at) out[ns++] = (segment){at, b - at, true};
    if (ns > 0 && !out[ns - 1].decays && out[ns - 1].offset + out[ns - 1].count == b)
      out[ns - 1].count += e - b;
    else
      out[ns++] = (segment){b, e - b, false};
    at = e;
  }
  if (at < n || ns == 0) out[ns++] = (segment){at, n - at, true};
  return ns;
}

wt_status wt_optim_create(wt_ctx *ctx, const wt_optim_options *opt, size_t n,
                          const wt_param_range *no_decay, size_t n_no_decay, wt_optim **out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  WT_TRY(wt_optim_check(ctx, opt));
  if (n > (size_t)WT_MAX_ELEMS)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "n = %zu exceeds %lld parameters", n, (long long)WT_MAX_ELEMS);
  if (!opt->no_bias_decay) n_no_decay = 0;
  if (n_no_decay > 0 && !no_decay) return WT_FAIL(ctx, WT_ERR_ARG, "no_decay is NULL");
  if (n_no_decay > 4096)
    return WT_FAIL(ctx, WT_ERR_ARG, "at most 4096 no-decay ranges, got %zu", n_no_decay);
  for (size_t i = 0; i < n_no_decay; i++)
    if (no_decay[i].offset > n || no_decay[i].count > n - no_decay[i].offset)
      return WT_FAIL(ctx, WT_ERR_ARG, "no_decay[%zu] = [%zu, +%zu) is outside the %zu parameters",
                     i, no_decay[i].offset, no_decay[i].count, n);
  const int nb = OPTIMS[opt->kind].buffers(opt);
  const size_t max_segs = 2 * n_no_decay + 1;
  wt_optim *o = wt__calloc(ctx, sizeof *o + max_segs * sizeof(segment));
  if (!o) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the optimizer");
  o->ctx = ctx, o->opt = *opt, o->n = n, o->base_lr = o->lr = opt->lr, o->n_bufs = nb;
  if (nb > 0 && n > 0) {
    o->state = wt__calloc(ctx, (size_t)nb * n * sizeof(float));
    if (!o->state) {
      wt__free(ctx, o);
      return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %d moment buffers of %zu floats", nb, n);
    }
  }
  if (opt->kind == WT_OPTIM_SGD) {
    o->buf = o->state;
  } else if (o->state) {
    o->m = o->state, o->v = o->state + n;
    if (opt->amsgrad) o->vmax = o->state + 2 * n;
  }
  /* The ranges are sorted in a copy, never in the caller's array. */
  wt_param_range tmp[64];
  wt_param_range *r = n_no_decay <= 64 ? tmp : wt__alloc(ctx, n_no_decay * sizeof *r);
  if (!r) {
    wt_optim_destroy(o);
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu ranges", n_no_decay);
  }
  if (n_no_decay) memcpy(r, no_decay, n_no_decay * sizeof *r);
  o->n_segs = build_segments(r, n_no_decay, n, o->segs);
  if (r != tmp) wt__free(ctx, r);
  *out = o;
  return WT_OK;
}

void wt_optim_destroy(wt_optim *o) {
  if (!o) return;
  wt__free(o->ctx, o->state);
  wt__free(o->ctx, o);
}

wt_status wt_optim_set_lr(wt_optim *o, double lr) {
  if (!o) return WT_ERR_ARG;
  if (!nonneg(lr)) return WT_FAIL(o->ctx, WT_ERR_ARG, "lr must be finite and >= 0, got %g", lr);
  o->lr = lr;
  return WT_OK;
}

double wt_optim_lr(const wt_optim *o) { return o ? o->lr : 0.0; }
int64_t wt_optim_steps(const wt_optim *o) { return o ? o->step : 0; }
const wt_optim_options *wt_optim_get_options(const wt_optim *o) { return o ? &o->opt : NULL; }

/* torch.optim.SGD over each group's slice. */
static void step_sgd(wt_optim *o, float *params, const float *grads, int64_t t) {
  const wt_optim_options *op = &o->opt;
  wt_f32_sgd_params a = {.lr = (float)o->lr, .momentum = (float)op->momentum,
                         .damp1 = (float)(1.0 - op->dampening), .use_momentum = op->momentum != 0.0,
                         .nesterov = op->nesterov, .first = t == 1};
  for (size_t s = 0; s < o->n_segs; s++) {
    const segment *g = &o->segs[s];
    a.wd = g->decays ? (float)op->weight_decay : 0.0f;
    o->ctx->k.f32_sgd(g->count, params + g->offset, grads + g->offset,
                      o->buf ? o->buf + g->offset : NULL, &a);
  }
}

/* torch.optim.Adam / AdamW: step_size = lr / bc1; denom = sqrt(v) / sqrt(bc2) + eps; AdamW
   first multiplies p by 1 - lr * weight_decay. */
static void step_adam(wt_optim *o, float *params, const float *grads, int64_t t) {
  const wt_optim_options *op = &o->opt;
  const double lr = o->lr, b1 = op->beta1, b2 = op->beta2;
  const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
  const bool decoupled = op->kind == WT_OPTIM_ADAMW;
  wt_f32_adam_params a = {.beta1 = (float)b1, .omb1 = (float)(1.0 - b1), .beta2 = (float)b2,
                          .omb2 = (float)(1.0 - b2), .bc2_sqrt = (float)sqrt(bc2),
                          .eps = (float)op->eps, .neg_step_size = (float)(-(lr / bc1)),
                          .amsgrad = op->amsgrad};
  for (size_t s = 0; s < o->n_segs; s++) {
    const segment *g = &o->segs[s];
    const double gwd = g->decays ? op->weight_decay : 0.0;
    a.decay_mul = decoupled ? (float)(1.0 - lr * gwd) : 1.0f;
    a.wd = decoupled ? 0.0f : (float)gwd;
    const size_t off = g->offset;
    o->ctx->k.f32_adam(g->count, params + off, grads + off, o->m + off, o->v + off,
                       o->vmax ? o->vmax + off : NULL, &a);
  }
}

/* adabound.py: step_size = lr * sqrt(bc2) / bc1; final_lr = final_lr * lr / base_lr; the step
   clamped to [lower, upper]. */
static void step_adabound(wt_optim *o, float *params, const float *grads, int64_t t) {
  const wt_optim_options *op = &o->opt;
  const double lr = o->lr, b1 = op->beta1, b2 = op->beta2;
  const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
  const double step_size = lr * sqrt(bc2) / bc1;
  const double final_lr = op->final_lr * lr / o->base_lr;
  const double lower = final_lr * (1.0 - 1.0 / (op->gamma * (double)t + 1.0));
  const double upper = final_lr * (1.0 + 1.0 / (op->gamma * (double)t));
  wt_f32_adabound_params a = {.beta1 = (float)b1, .omb1 = (float)(1.0 - b1), .beta2 = (float)b2,
                              .omb2 = (float)(1.0 - b2), .eps = (float)op->eps,
                              .step_size = (float)step_size, .lower = (float)lower,
                              .upper = (float)upper, .amsgrad = op->amsgrad};
  for (size_t s = 0; s < o->n_segs; s++) {
    const segment *g = &o->segs[s];
    a.wd = g->decays ? (float)op->weight_decay : 0.0f;
    const size_t off = g->offset;
    o->ctx->k.f32_adabound(g->count, params + off, grads + off, o->m + off, o->v + off,
                           o->vmax ? o->vmax + off : NULL, &a);
  }
}

wt_status wt_optim_step(wt_optim *o, float *params, const float *grads) {
  if (!o) return WT_ERR_ARG;
  wt_ctx *ctx = o->ctx;
  const size_t n = o->n;
  if (n > 0 && !params) return WT_FAIL(ctx, WT_ERR_ARG, "params is NULL");
  if (n > 0 && !grads) return WT_FAIL(ctx, WT_ERR_ARG, "grads is NULL");
  OPTIMS[o->opt.kind].step(o, params, grads, o->step + 1);
  o->step += 1;
  return WT_OK;
}

size_t wt_optim_state_floats(const wt_optim *o) { return o ? (size_t)o->n_bufs * o->n : 0; }

wt_status wt_optim_state_export(const wt_optim *o, float *state, size_t n_floats, int64_t *steps) {
  if (!o) return WT_ERR_ARG;
  const size_t need = wt_optim_state_floats(o);
  if (n_floats != need)
    return WT_FAIL(o->ctx, WT_ERR_SHAPE, "the state holds %zu floats, got room for %zu", need, n_floats);
  if (need > 0 && !state) return WT_FAIL(o->ctx, WT_ERR_ARG, "state is NULL");
  if (need > 0) memcpy(state, o->state, need * sizeof(float));
  if (steps) *steps = o->step;
  return WT_OK;
}

wt_status wt_optim_state_import(wt_optim *o, const float *state, size_t n_floats, int64_t steps) {
  if (!o) return WT_ERR_ARG;
  const size_t need = wt_optim_state_floats(o);
  if (n_floats != need)
    return WT_FAIL(o->ctx, WT_ERR_SHAPE, "the state of this %s optimizer holds %zu floats, got %zu",
                   OPTIMS[o->opt.kind].name, need, n_floats);
  if (need > 0 && !state) return WT_FAIL(o->ctx, WT_ERR_ARG, "state is NULL");
  if (steps < 0 || steps > ((int64_t)1 << 53))
    return WT_FAIL(o->ctx, WT_ERR_ARG, "steps must be in [0, 2^53], got %lld", (long long)steps);
  const int64_t bad = need > 0 ? wt__find_nonfinite(state, need) : -1;
  if (bad >= 0)
    return WT_FAIL(o->ctx, WT_ERR_NONFINITE, "state[%lld] is %s (a corrupt optimizer state)",
                   (long long)bad, state[bad] != state[bad] ? "NaN" : "Inf");
  if (need > 0) memcpy(o->state, state, need * sizeof(float));
  o->step = steps;
  return WT_OK;
}

/* Deprecated (wasmtricks.h): the standalone SGD of the first release, validated by the table's
   SGD check and stepped by the same kernel. */
wt_status wt_sgd_check(wt_ctx *ctx, const wt_sgd_options *opt) {
  if (!ctx) return WT_ERR_ARG;
  if (!opt) return WT_FAIL(ctx, WT_ERR_ARG, "opt is NULL");
  const wt_optim_options o = {.kind = WT_OPTIM_SGD, .lr = (double)opt->lr,
                              .momentum = (double)opt->momentum,
                              .dampening = (double)opt->dampening,
                              .weight_decay = (double)opt->weight_decay, .nesterov = opt->nesterov};
  return check_options(ctx, __func__, &o);
}

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
  const wt_f32_sgd_params a = {.lr = opt->lr, .momentum = opt->momentum,
                               .damp1 = 1.0f - opt->dampening, .wd = opt->weight_decay,
                               .use_momentum = use_mom, .nesterov = opt->nesterov,
                               .first = *step == 0};
  ctx->k.f32_sgd(n, params, grads, momentum_buf, &a);
  *step += 1;
  return WT_OK;
}
