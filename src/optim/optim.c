/* optim.c - the generic optimizer object: kind + options + moment buffers + step count over one
   flat parameter block, with parameter groups (torch's param_groups: slices with their own base
   lr and weight decay, or frozen), weight-decay exemptions (slices without decay, e.g. biases,
   inside any group), each group's current lr (set by a schedule), and state export/import for
   checkpoints.

   Per step it computes the reference's scalars in double, exactly as the Python code does
   (bias corrections, step sizes, AdaBound's bounds), rounds them to float where torch hands
   them to float32 tensor ops, and runs the context's optimizer kernel (the SIMD or scalar twin
   of src/kernels/f32_optim_*.c, through ctx->k) over each group's slice. Each kind is one row
   of the optimizer table (OPTIMS): name, defaults, option check, buffers, step. It never
   allocates after create. Also the deprecated standalone SGD (wt_sgd_*), on the same check and
   kernel. Not here: the update loops (src/kernels/), schedules (schedule.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"

/* A run of parameters of one group that all decay, or all do not. */
typedef struct segment {
  size_t offset, count;
  bool decays;
  size_t group; /* index into wt_optim.groups (0: the default group) */
} segment;

/* A parameter group: group 0 is the options' lr and weight_decay (every parameter no other group
   holds). A frozen group is skipped (torch's requires_grad=False: no grad, no update). */
typedef struct group {
  double base_lr, lr, weight_decay;
  bool frozen;
} group;

struct wt_optim {
  wt_ctx *ctx;
  wt_optim_options opt;
  size_t n;
  int64_t step;
  float *state;  /* n_bufs * n floats: one block holding the buffers below */
  int n_bufs;
  float *buf;    /* SGD momentum */
  float *m, *v, *vmax;
  wt_param_range *no_decay; /* sorted, merged: segments are rebuilt from it with the groups */
  size_t n_no_decay;
  group *groups;
  size_t n_groups;
  segment *segs; /* cover [0, n) in order */
  size_t n_segs;
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

static int compare_size(const void *a, const void *b) {
  const size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}
static int compare_offset(const void *a, const void *b) {
  const size_t x = ((const wt_param_range *)a)->offset, y = ((const wt_param_range *)b)->offset;
  return x < y ? -1 : x > y;
}

/* Sorts and merges ranges (validated inside the block) in place; returns how many remain. */
static size_t merge_ranges(wt_param_range *r, size_t nr) {
  qsort(r, nr, sizeof *r, compare_offset);
  size_t k = 0;
  for (size_t i = 0; i < nr; i++) {
    if (r[i].count == 0) continue;
    if (k > 0 && r[i].offset <= r[k - 1].offset + r[k - 1].count) {
      const size_t e = r[i].offset + r[i].count;
      if (e > r[k - 1].offset + r[k - 1].count) r[k - 1].count = e - r[k - 1].offset;
    } else {
      r[k++] = r[i];
    }
  }
  return k;
}

/* Rebuilds o->segs: the maximal runs of [0, n) with one group and one decay flag, from the
   merged no-decay ranges and the groups' ranges (gr[i] is group i + 1; sorted by offset,
   disjoint). Without groups these are the runs of the no-decay ranges alone. */
static wt_status build_segments(wt_optim *o, const wt_param_range *gr, size_t ngr) {
  wt_ctx *ctx = o->ctx;
  const size_t np = 2 * (o->n_no_decay + ngr) + 2;
  size_t *pts = wt__alloc(ctx, np * sizeof *pts);
  segment *segs = wt__alloc(ctx, np * sizeof *segs);
  if (!pts || !segs) {
    wt__free(ctx, pts), wt__free(ctx, segs);
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu parameter segments", np);
  }
  size_t k = 0;
  pts[k++] = 0, pts[k++] = o->n;
  for (size_t i = 0; i < o->n_no_decay; i++)
    pts[k++] = o->no_decay[i].offset, pts[k++] = o->no_decay[i].offset + o->no_decay[i].count;
  for (size_t i = 0; i < ngr; i++) pts[k++] = gr[i].offset, pts[k++] = gr[i].offset + gr[i].count;
  qsort(pts, k, sizeof *pts, compare_size);
  size_t ns = 0, a = 0, b = 0; /* a, b: the next no-decay range, group range that may hold p */
  for (size_t i = 0; i + 1 < k; i++) {
    const size_t p = pts[i], q = pts[i + 1];
    if (p == q) continue;
    while (a < o->n_no_decay && o->no_decay[a].offset + o->no_decay[a].count <= p) a++;
    while (b < ngr && gr[b].offset + gr[b].count <= p) b++;
    const bool decays = !(a < o->n_no_decay && o->no_decay[a].offset <= p);
    const size_t g = b < ngr && gr[b].offset <= p ? b + 1 : 0;
    if (ns > 0 && segs[ns - 1].decays == decays && segs[ns - 1].group == g)
      segs[ns - 1].count += q - p;
    else
      segs[ns++] = (segment){p, q - p, decays, g};
  }
  if (ns == 0) segs[ns++] = (segment){0, 0, true, 0};
  wt__free(ctx, pts);
  wt__free(ctx, o->segs);
  o->segs = segs, o->n_segs = ns;
  return WT_OK;
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
  wt_optim *o = wt__calloc(ctx, sizeof *o);
  if (!o) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the optimizer");
  o->ctx = ctx, o->opt = *opt, o->n = n, o->n_bufs = nb;
  o->groups = wt__calloc(ctx, sizeof *o->groups);
  if (!o->groups) {
    wt__free(ctx, o);
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the optimizer");
  }
  o->groups[0] = (group){opt->lr, opt->lr, opt->weight_decay, false}, o->n_groups = 1;
  if (nb > 0 && n > 0) {
    o->state = wt__calloc(ctx, (size_t)nb * n * sizeof(float));
    if (!o->state) {
      wt_optim_destroy(o);
      return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %d moment buffers of %zu floats", nb, n);
    }
  }
  if (opt->kind == WT_OPTIM_SGD) {
    o->buf = o->state;
  } else if (o->state) {
    o->m = o->state, o->v = o->state + n;
    if (opt->amsgrad) o->vmax = o->state + 2 * n;
  }
  /* The ranges are kept sorted and merged in a copy, never in the caller's array. */
  if (n_no_decay > 0) {
    o->no_decay = wt__alloc(ctx, n_no_decay * sizeof *o->no_decay);
    if (!o->no_decay) {
      wt_optim_destroy(o);
      return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu ranges", n_no_decay);
    }
    memcpy(o->no_decay, no_decay, n_no_decay * sizeof *no_decay);
    o->n_no_decay = merge_ranges(o->no_decay, n_no_decay);
  }
  const wt_status st = build_segments(o, NULL, 0);
  if (st != WT_OK) {
    wt_optim_destroy(o);
    return st;
  }
  *out = o;
  return WT_OK;
}

void wt_optim_destroy(wt_optim *o) {
  if (!o) return;
  wt__free(o->ctx, o->state);
  wt__free(o->ctx, o->no_decay);
  wt__free(o->ctx, o->groups);
  wt__free(o->ctx, o->segs);
  wt__free(o->ctx, o);
}

wt_status wt_optim_set_groups(wt_optim *o, const wt_param_group *groups, size_t n_groups) {
  if (!o) return WT_ERR_ARG;
  wt_ctx *ctx = o->ctx;
  if (n_groups > 4096) return WT_FAIL(ctx, WT_ERR_ARG, "at most 4096 groups, got %zu", n_groups);
  if (n_groups > 0 && !groups) return WT_FAIL(ctx, WT_ERR_ARG, "groups is NULL");
  const char *name = OPTIMS[o->opt.kind].name;
  for (size_t i = 0; i < n_groups; i++) {
    const wt_param_group *g = &groups[i];
    if (g->offset > o->n || g->count > o->n - g->offset || g->count == 0)
      return WT_FAIL(ctx, WT_ERR_ARG, "groups[%zu] = [%zu, +%zu) is empty or outside the %zu parameters",
                     i, g->offset, g->count, o->n);
    if (g->frozen) continue; /* a frozen group's lr and weight decay are never read */
    if (!nonneg(g->lr))
      return WT_FAIL(ctx, WT_ERR_ARG, "groups[%zu]: lr must be finite and >= 0, got %g", i, g->lr);
    if (!nonneg(g->weight_decay))
      return WT_FAIL(ctx, WT_ERR_ARG, "groups[%zu]: weight_decay must be finite and >= 0, got %g", i,
                     g->weight_decay);
    if (o->opt.kind == WT_OPTIM_ADABOUND && !(g->lr > 0.0))
      return WT_FAIL(ctx, WT_ERR_ARG,
                     "groups[%zu]: %s: lr must be > 0 (final_lr is scaled by lr / base_lr), got %g",
                     i, name, g->lr);
  }
  /* The groups sorted by offset (their index kept in count's place while sorting). */
  wt_param_range *r = wt__alloc(ctx, (n_groups ? n_groups : 1) * sizeof *r);
  group *gs = wt__alloc(ctx, (n_groups + 1) * sizeof *gs);
  size_t *idx = wt__alloc(ctx, (n_groups ? n_groups : 1) * sizeof *idx);
  wt_status st = WT_OK;
  if (!r || !gs || !idx) {
    st = WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu groups", n_groups);
    goto done;
  }
  for (size_t i = 0; i < n_groups; i++) r[i] = (wt_param_range){groups[i].offset, i};
  qsort(r, n_groups, sizeof *r, compare_offset);
  for (size_t i = 0; i < n_groups; i++) idx[i] = r[i].count;
  for (size_t i = 0; i < n_groups; i++) {
    const wt_param_group *g = &groups[idx[i]];
    if (i > 0) {
      const wt_param_group *p = &groups[idx[i - 1]];
      if (g->offset < p->offset + p->count) {
        st = WT_FAIL(ctx, WT_ERR_ARG, "groups[%zu] = [%zu, +%zu) overlaps groups[%zu] = [%zu, +%zu)",
                     idx[i], g->offset, g->count, idx[i - 1], p->offset, p->count);
        goto done;
      }
    }
    r[i] = (wt_param_range){g->offset, g->count};
    gs[i + 1] = g->frozen ? (group){.frozen = true} : (group){g->lr, g->lr, g->weight_decay, false};
  }
  gs[0] = o->groups[0];
  st = build_segments(o, r, n_groups);
  if (st != WT_OK) goto done;
  wt__free(ctx, o->groups);
  o->groups = gs, o->n_groups = n_groups + 1, gs = NULL;
done:
  wt__free(ctx, r), wt__free(ctx, gs), wt__free(ctx, idx);
  return st;
}

/* Sets the default group's lr; every other group's lr becomes its base lr scaled by
   lr / base lr of the default group (a group's lr stays as it is when that base lr is 0). */
wt_status wt_optim_set_lr(wt_optim *o, double lr) {
  if (!o) return WT_ERR_ARG;
  if (!nonneg(lr)) return WT_FAIL(o->ctx, WT_ERR_ARG, "lr must be finite and >= 0, got %g", lr);
  const double base = o->groups[0].base_lr;
  o->groups[0].lr = lr;
  for (size_t g = 1; g < o->n_groups; g++)
    if (base > 0.0) o->groups[g].lr = o->groups[g].base_lr * (lr / base);
  return WT_OK;
}

size_t wt_optim_group_count(const wt_optim *o) { return o ? o->n_groups : 0; }
double wt_optim_group_base_lr(const wt_optim *o, size_t g) {
  return o && g < o->n_groups ? o->groups[g].base_lr : 0.0;
}
wt_status wt_optim_set_group_lr(wt_optim *o, size_t g, double lr) {
  if (!o) return WT_ERR_ARG;
  if (g >= o->n_groups)
    return WT_FAIL(o->ctx, WT_ERR_ARG, "group %zu of %zu does not exist", g, o->n_groups);
  if (!nonneg(lr)) return WT_FAIL(o->ctx, WT_ERR_ARG, "lr must be finite and >= 0, got %g", lr);
  o->groups[g].lr = lr;
  return WT_OK;
}

double wt_optim_lr(const wt_optim *o) { return o ? o->groups[0].lr : 0.0; }
int64_t wt_optim_steps(const wt_optim *o) { return o ? o->step : 0; }
const wt_optim_options *wt_optim_get_options(const wt_optim *o) { return o ? &o->opt : NULL; }

/* torch.optim.SGD over each segment (frozen groups skipped), with its group's lr and decay. */
static void step_sgd(wt_optim *o, float *params, const float *grads, int64_t t) {
  const wt_optim_options *op = &o->opt;
  wt_f32_sgd_params a = {.momentum = (float)op->momentum, .damp1 = (float)(1.0 - op->dampening),
                         .use_momentum = op->momentum != 0.0, .nesterov = op->nesterov,
                         .first = t == 1};
  for (size_t s = 0; s < o->n_segs; s++) {
    const segment *g = &o->segs[s];
    const group *gr = &o->groups[g->group];
    if (gr->frozen) continue;
    a.lr = (float)gr->lr;
    a.wd = g->decays ? (float)gr->weight_decay : 0.0f;
    o->ctx->k.f32_sgd(g->count, params + g->offset, grads + g->offset,
                      o->buf ? o->buf + g->offset : NULL, &a);
  }
}

/* torch.optim.Adam / AdamW: step_size = lr / bc1; denom = sqrt(v) / sqrt(bc2) + eps; AdamW
   first multiplies p by 1 - lr * weight_decay (lr, weight_decay: the segment's group's). */
static void step_adam(wt_optim *o, float *params, const float *grads, int64_t t) {
  const wt_optim_options *op = &o->opt;
  const double b1 = op->beta1, b2 = op->beta2;
  const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
  const bool decoupled = op->kind == WT_OPTIM_ADAMW;
  wt_f32_adam_params a = {.beta1 = (float)b1, .omb1 = (float)(1.0 - b1), .beta2 = (float)b2,
                          .omb2 = (float)(1.0 - b2), .bc2_sqrt = (float)sqrt(bc2),
                          .eps = (float)op->eps, .amsgrad = op->amsgrad};
  for (size_t s = 0; s < o->n_segs; s++) {
    const segment *g = &o->segs[s];
    const group *gr = &o->groups[g->group];
    if (gr->frozen) continue;
    const double lr = gr->lr, gwd = g->decays ? gr->weight_decay : 0.0;
    a.neg_step_size = (float)(-(lr / bc1));
    a.decay_mul = decoupled ? (float)(1.0 - lr * gwd) : 1.0f;
    a.wd = decoupled ? 0.0f : (float)gwd;
    const size_t off = g->offset;
    o->ctx->k.f32_adam(g->count, params + off, grads + off, o->m + off, o->v + off,
                       o->vmax ? o->vmax + off : NULL, &a);
  }
}

/* adabound.py per group: step_size = lr * sqrt(bc2) / bc1; final_lr = final_lr * lr / base_lr
   (the group's own lr and base lr); the step clamped to [lower, upper]. */
static void step_adabound(wt_optim *o, float *params, const float *grads, int64_t t) {
  const wt_optim_options *op = &o->opt;
  const double b1 = op->beta1, b2 = op->beta2;
  const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
  wt_f32_adabound_params a = {.beta1 = (float)b1, .omb1 = (float)(1.0 - b1), .beta2 = (float)b2,
                              .omb2 = (float)(1.0 - b2), .eps = (float)op->eps,
                              .amsgrad = op->amsgrad};
  for (size_t s = 0; s < o->n_segs; s++) {
    const segment *g = &o->segs[s];
    const group *gr = &o->groups[g->group];
    if (gr->frozen) continue;
    const double lr = gr->lr;
    const double final_lr = op->final_lr * lr / gr->base_lr;
    a.step_size = (float)(lr * sqrt(bc2) / bc1);
    a.lower = (float)(final_lr * (1.0 - 1.0 / (op->gamma * (double)t + 1.0)));
    a.upper = (float)(final_lr * (1.0 + 1.0 / (op->gamma * (double)t)));
    a.wd = g->decays ? (float)gr->weight_decay : 0.0f;
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
