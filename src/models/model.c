/* model.c - a model as a list of layers where each layer reads an earlier layer's output (the
   previous one by default; a residual ADD reads two), over one flat parameter block, one
   gradient block of the same layout, one block of BatchNorm running statistics, and one block
   of activations, caches and workspace sized for a batch capacity (re-planned only when a
   larger batch arrives, never per step). Layers only read earlier layers, so the list order is
   a topological order: forward runs it front to back, backward back to front, accumulating each
   layer's output gradient from all its readers. In the activation block, buffers that no step
   uses together share memory (the memory plan, wt__model_reserve).
   Each kind runs through its entry of the layer table (layer_table.c); nothing here knows one
   kind from another.
   What it is not: the spec parser and named models (spec.c), weight files (safetensors.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

wt_status wt__model_begin(wt_ctx *ctx, int64_t C, int64_t H, int64_t W, wt_model **out) {
  *out = NULL;
  WT_TRY(wt__check_dim(ctx, "wt_model", "C", C));
  WT_TRY(wt__check_dim(ctx, "wt_model", "H", H));
  WT_TRY(wt__check_dim(ctx, "wt_model", "W", W));
  const int64_t d[3] = {C, H, W};
  WT_TRY(wt__check_elems(ctx, "wt_model", "input (C,H,W)", d, 3, NULL));
  wt_model *m = wt__calloc(ctx, sizeof *m);
  if (!m) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the model");
  m->ctx = ctx, m->C = C, m->H = H, m->W = W, m->training = 1;
  *out = m;
  return WT_OK;
}

/* Appends layer l: its kind, hyperparameters, name and sources set by the caller; the input
   extents (C,H,W / elems / IN) are filled from the sources here and checked. */
wt_status wt__model_push(wt_model *m, wt__layer *l) {
  wt_ctx *ctx = m->ctx;
  const int n = m->n_layers;
  if (n >= WT__MAX_LAYERS)
    return WT_FAIL(ctx, WT_ERR_ARG, "a model holds at most %d layers", WT__MAX_LAYERS);
  if ((unsigned)l->kind >= WT__KIND_COUNT)
    return WT_FAIL(ctx, WT_ERR_ARG, "layer %d has an unknown kind %d", n, (int)l->kind);
  const wt__layer_type *t = wt__type_of(l);
  const bool two = t->inputs == 2;
  if (l->in < WT__INPUT || l->in >= n || (two && (l->in2 < WT__INPUT || l->in2 >= n)))
    return WT_FAIL(ctx, WT_ERR_ARG, "layer %d reads layer %d, not an earlier one", n,
                   l->in >= n ? l->in : l->in2);
  const wt__layer *src = l->in == WT__INPUT ? NULL : &m->layers[l->in];
  const int64_t C = src ? src->out_c : m->C, H = src ? src->out_h : m->H, W = src ? src->out_w : m->W;
  const bool flat = src ? src->flat : false;
  const int64_t elems = C * H * W;
  const char *kname = t->name;
  if (t->input == WT__IN_PLANES && flat)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "layer %d (%s) needs a (C,H,W) input, got a vector of %lld",
                   n, kname, (long long)elems);
  if (t->input == WT__IN_VECTOR && !flat && !(H == 1 && W == 1))
    return WT_FAIL(ctx, WT_ERR_SHAPE, "layer %d (%s) needs a vector input (add a flatten), got (%lld,%lld,%lld)",
                   n, kname, (long long)C, (long long)H, (long long)W);
  l->out_c = C, l->out_h = H, l->out_w = W, l->flat = flat;
  if (two) {
    const wt__layer *s2 = l->in2 == WT__INPUT ? NULL : &m->layers[l->in2];
    const int64_t C2 = s2 ? s2->out_c : m->C, H2 = s2 ? s2->out_h : m->H, W2 = s2 ? s2->out_w : m->W;
    if (C2 != C || H2 != H || W2 != W)
      return WT_FAIL(ctx, WT_ERR_SHAPE, "layer %d (%s) sums (%lld,%lld,%lld) and (%lld,%lld,%lld)",
                     n, kname, (long long)C, (long long)H, (long long)W, (long long)C2, (long long)H2,
                     (long long)W2);
  }
  if (t->connect) t->connect(l, C, H, W);
  wt_layer_sizes s;
  const wt_status st = t->sizes(ctx, l, 1, &s);
  if (st != WT_OK) {
    char msg[WT_ERR_LEN];
    snprintf(msg, sizeof msg, "%s", wt_ctx_last_error(ctx));
    return WT_FAIL(ctx, st, "layer %d (%s%s%s): %s", n, kname, l->name[0] ? " " : "", l->name, msg);
  }
  if (t->output) t->output(l);
  l->out_elems = s.out_elems;
  WT_ASSERT(l->out_elems == l->out_c * l->out_h * l->out_w);
  l->param_offset = m->n_params;
  l->param_floats = s.param_floats;
  if (l->param_floats > SIZE_MAX / 8 || m->n_params > SIZE_MAX / 8 - l->param_floats)
    return WT_FAIL(ctx, WT_ERR_SHAPE,
                   "layer %d (%s%s%s): the model would have more than %zu parameters (the memory limit)",
                   n, kname, l->name[0] ? " " : "", l->name, SIZE_MAX / 8);
  m->n_params += l->param_floats;
  l->buffer_offset = m->n_buffers;
  if (t->buffer_floats) m->n_buffers += t->buffer_floats(l);
  l->last_reader = -1;
  if (l->in != WT__INPUT) m->layers[l->in].last_reader = n;
  if (two && l->in2 != WT__INPUT) m->layers[l->in2].last_reader = n;
  m->layers[m->n_layers++] = *l;
  return WT_OK;
}
/* ---------------------------------------------------------------- the memory plan

   A training step is a timeline: the forward of layer i is step i, the loss step n, the
   backward of layer i step 2n - i. Each buffer of the activation block is live from the step
   that first writes it to the last step that reads it:
   - a layer's output from its forward to its last reader's forward, or to the backward of its
     last reader whose backward reads x, or to its own backward when that reads y (ReLU's mask):
     a BatchNorm's or an Add's output feeding a ReLU is dead after that ReLU's forward;
   - its output gradient from the backward of its last reader (the first to accumulate into it;
     a residual input's gradient is thus live across the whole block) to its own backward;
   - its cache from its forward to its backward; the workspace always; the logits to the end.
   Buffers with disjoint lifetimes share memory. The plan assumes the whole backward runs
   (first_backward 0), so a frozen model's shorter backward only ends lifetimes earlier, and a
   forward of some layers (inference, cached features) only reads what its own steps wrote.
   An inference plan (no backward) has the forward steps only: no output gradients, and every
   output and cache dies at its last forward reader. */

enum { PLAN_OUT, PLAN_DOUT, PLAN_CACHE, PLAN_KINDS };

typedef struct plan_buf {
  size_t bytes, offset;
  int first, last; /* the live steps, inclusive */
} plan_buf;

static int backward_step(const wt_model *m, int i) { return 2 * m->n_layers - i; }

/* The lifetimes of b[PLAN_KINDS * i + kind] for every layer i, with a backward or not; the sizes
   are set by the caller. */
static void lifetimes(const wt_model *m, bool backward, plan_buf *b) {
  const int n = m->n_layers;
  for (int i = 0; i < n; i++) {
    const int bw = backward ? backward_step(m, i) : i;
    plan_buf *o = &b[PLAN_KINDS * i];
    o[PLAN_OUT].first = i;
    o[PLAN_OUT].last = wt__type_of(&m->layers[i])->backward_reads_y ? bw : i;
    o[PLAN_DOUT].first = o[PLAN_DOUT].last = bw; /* no reader: zeroed for its own backward */
    o[PLAN_CACHE].first = i, o[PLAN_CACHE].last = bw;
  }
  for (int j = 0; j < n; j++) {
    const wt__layer *l = &m->layers[j];
    const wt__layer_type *t = wt__type_of(l);
    const int src[2] = {l->in, t->inputs == 2 ? l->in2 : WT__INPUT};
    for (int k = 0; k < 2; k++) {
      if (src[k] == WT__INPUT) continue;
      plan_buf *o = &b[PLAN_KINDS * src[k]];
      const int read = backward && k == 0 && t->backward_reads_x ? backward_step(m, j) : j;
      if (read > o[PLAN_OUT].last) o[PLAN_OUT].last = read;
      if (backward && backward_step(m, j) < o[PLAN_DOUT].first)
        o[PLAN_DOUT].first = backward_step(m, j);
    }
  }
  /* The loss writes the logits' gradient; the logits are read after the step too. */
  if (backward) b[PLAN_KINDS * (n - 1) + PLAN_DOUT].first = n;
  b[PLAN_KINDS * (n - 1) + PLAN_OUT].last = 2 * n + 1;
}

/* Largest first (then in plan order), for the greedy placement. */
static int by_size(const void *a, const void *b) {
  const plan_buf *p = *(const plan_buf *const *)a, *q = *(const plan_buf *const *)b;
  if (p->bytes != q->bytes) return p->bytes > q->bytes ? -1 : 1;
  return p < q ? -1 : p > q;
}
static int by_offset(const void *a, const void *b) {
  const plan_buf *p = *(const plan_buf *const *)a, *q = *(const plan_buf *const *)b;
  return p->offset < q->offset ? -1 : p->offset > q->offset;
}

/* Offsets for the nb buffers, largest first, each at the lowest offset where it overlaps no
   placed buffer that is live at a common step (the greedy-by-size arena planner of TFLite);
   shared: false puts each at its own offset. Returns the block's size. */
static size_t place(plan_buf *b, int nb, bool shared) {
  size_t total = 0;
  if (!shared) {
    for (int i = 0; i < nb; i++) b[i].offset = total, total += b[i].bytes;
    return total;
  }
  plan_buf *order[PLAN_KINDS * WT__MAX_LAYERS + 1], *near[PLAN_KINDS * WT__MAX_LAYERS + 1];
  for (int i = 0; i < nb; i++) order[i] = &b[i];
  qsort(order, (size_t)nb, sizeof order[0], by_size);
  for (int i = 0; i < nb; i++) {
    plan_buf *p = order[i];
    int nn = 0; /* the placed buffers live with p */
    for (int j = 0; j < i; j++)
      if (order[j]->first <= p->last && p->first <= order[j]->last) near[nn++] = order[j];
    qsort(near, (size_t)nn, sizeof near[0], by_offset);
    size_t at = 0;
    for (int j = 0; j < nn && near[j]->offset < at + p->bytes; j++)
      if (near[j]->offset + near[j]->bytes > at) at = near[j]->offset + near[j]->bytes;
    p->offset = at;
    if (at + p->bytes > total) total = at + p->bytes;
  }
  return total;
}

/* (Re)plans the batch-dependent memory for a batch of N: every layer's output, output gradient
   (with a backward) and cache, and one workspace for all layers (the max), sharing memory
   between buffers that are never live together. An inference plan that gets its first backward
   is re-planned for that batch (so a predict in chunks of 128 before training leaves no
   training plan for 128); a plan with a backward keeps it. */
wt_status wt__model_reserve(wt_model *m, int64_t N, bool backward) {
  wt_ctx *ctx = m->ctx;
  const bool add_backward = backward && !m->plan_backward;
  if (N <= m->capacity && !add_backward) return WT_OK;
  backward = backward || m->plan_backward;
  const int n = m->n_layers, nb = PLAN_KINDS * n + 1;
  plan_buf b[PLAN_KINDS * WT__MAX_LAYERS + 1];
  lifetimes(m, backward, b);
  size_t ws = 0;
  for (int i = 0; i < n; i++) {
    wt__layer *l = &m->layers[i];
    wt_layer_sizes s;
    WT_TRY(wt__type_of(l)->sizes(ctx, l, N, &s));
    size_t act;
    if (!wt__mul_ok((size_t)N, (size_t)l->out_elems * sizeof(float), &act) || act > SIZE_MAX / 4 ||
        s.cache_bytes > SIZE_MAX / 4)
      return WT_FAIL(ctx, WT_ERR_OOM, "a batch of %lld is too large for this model", (long long)N);
    b[PLAN_KINDS * i + PLAN_OUT].bytes = (act + 15) / 16 * 16;
    b[PLAN_KINDS * i + PLAN_DOUT].bytes = backward ? (act + 15) / 16 * 16 : 0;
    b[PLAN_KINDS * i + PLAN_CACHE].bytes = (s.cache_bytes + 15) / 16 * 16;
    if (s.workspace_bytes > ws) ws = s.workspace_bytes;
  }
  b[nb - 1] = (plan_buf){.bytes = (ws + 15) / 16 * 16, .first = 0, .last = 2 * n + 1};
  size_t total = 0; /* the unshared sum bounds the plan: check it before placing */
  for (int i = 0; i < nb; i++) {
    if (b[i].bytes > SIZE_MAX / 2 - total)
      return WT_FAIL(ctx, WT_ERR_OOM, "a batch of %lld is too large for this model", (long long)N);
    total += b[i].bytes;
  }
  total = place(b, nb, !m->plan_unshared);
  unsigned char *block = wt__alloc(ctx, total ? total : 16);
  if (!block)
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for a batch of %lld (%zu bytes)", (long long)N,
                   total);
  wt__free(ctx, m->act_block);
  m->act_block = block;
  m->act_bytes = total;
  for (int i = 0; i < n; i++) {
    m->layers[i].out = (float *)(block + b[PLAN_KINDS * i + PLAN_OUT].offset);
    m->layers[i].dout = (float *)(block + b[PLAN_KINDS * i + PLAN_DOUT].offset);
    m->layers[i].cache = block + b[PLAN_KINDS * i + PLAN_CACHE].offset;
  }
  m->workspace = block + b[nb - 1].offset;
  m->capacity = N;
  m->plan_backward = backward;
  return WT_OK;
}

wt_status wt__model_finish(wt_model *m, int64_t num_classes) {
  wt_ctx *ctx = m->ctx;
  if (m->n_layers < 1) return WT_FAIL(ctx, WT_ERR_ARG, "the model has no layers");
  const wt__layer *last = &m->layers[m->n_layers - 1];
  if (num_classes < 2 || num_classes > 100000)
    return WT_FAIL(ctx, WT_ERR_ARG, "num_classes must be in [2, 100000], got %lld",
                   (long long)num_classes);
  if (last->out_elems != num_classes)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "the last layer gives %lld values per sample, not the %lld classes",
                   (long long)last->out_elems, (long long)num_classes);
  m->K = num_classes;
  size_t bytes, bbytes;
  if (!wt__mul_ok(m->n_params, sizeof(float), &bytes) || !wt__mul_ok(m->n_buffers, sizeof(float), &bbytes))
    return WT_FAIL(ctx, WT_ERR_OOM, "too many parameters (%zu)", m->n_params);
  /* All three blocks before any is written: a model too large for memory fails without
     touching (in wasm: committing) the pages of the blocks that did fit. */
  m->params = wt__alloc(ctx, bytes);
  m->grads = wt__alloc(ctx, bytes);
  m->buffers = wt__alloc(ctx, bbytes ? bbytes : 16);
  if (!m->params || !m->grads || !m->buffers)
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu parameters (%zu bytes each for weights and gradients)",
                   m->n_params, bytes);
  memset(m->params, 0, bytes), memset(m->grads, 0, bytes), memset(m->buffers, 0, bbytes);
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    const wt__layer_type *t = wt__type_of(l);
    if (t->bind)
      t->bind(l, m->params + l->param_offset, m->grads + l->param_offset,
              m->buffers + l->buffer_offset);
    if (t->init) WT_TRY(t->init(ctx, l));
  }
  wt_model_set_training(m, 1);
  return WT_OK;
}

void wt_model_destroy(wt_model *m) {
  if (!m) return;
  wt_ctx *ctx = m->ctx;
  wt__free(ctx, m->act_block);
  wt__free(ctx, m->params);
  wt__free(ctx, m->grads);
  wt__free(ctx, m->buffers);
  wt__free(ctx, m->spec);
  wt__free(ctx, m);
}

void wt_model_set_training(wt_model *m, int training) {
  if (!m) return;
  m->training = training ? 1 : 0;
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    if (wt__type_of(l)->set_training)
      wt__type_of(l)->set_training(l, m->training && !l->eval_only);
  }
}

/* True when [b, e) lies inside one of the sorted, disjoint ranges r[0..n). */
static bool covered(const wt_param_range *r, size_t n, size_t b, size_t e) {
  for (size_t i = 0; i < n; i++)
    if (r[i].offset <= b && e <= r[i].offset + r[i].count) return true;
  return false;
}

void wt__model_freeze(wt_model *m, const wt_param_range *frozen, size_t n, bool bn_eval) {
  m->first_backward = n > 0 ? m->n_layers : 0;
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    const wt__layer_type *t = wt__type_of(l);
    const size_t b = l->param_offset, e = b + l->param_floats;
    l->frozen = n > 0 && l->param_floats > 0 && covered(frozen, n, b, e);
    l->eval_only = l->frozen && bn_eval && t->set_training;
    if (t->bind)
      t->bind(l, m->params + b, l->frozen ? NULL : m->grads + b, m->buffers + l->buffer_offset);
    if (l->param_floats > 0 && !l->frozen && i < m->first_backward) m->first_backward = i;
  }
  wt_model_set_training(m, m->training);
}
int wt_model_training(const wt_model *m) { return m ? m->training : 0; }

wt_status wt_model_reset_params(wt_model *m) {
  if (!m) return WT_ERR_ARG;
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    if (wt__type_of(l)->init) WT_TRY(wt__type_of(l)->init(m->ctx, l));
  }
  return WT_OK;
}

float *wt_model_buffers(wt_model *m, size_t *n) {
  if (n) *n = m ? m->n_buffers : 0;
  return m ? m->buffers : NULL;
}

wt_ctx *wt_model_ctx(const wt_model *m) { return m ? m->ctx : NULL; }
size_t wt_model_param_count(const wt_model *m) { return m ? m->n_params : 0; }
float *wt_model_params(wt_model *m) { return m ? m->params : NULL; }
float *wt_model_grads(wt_model *m) { return m ? m->grads : NULL; }

size_t wt_model_no_decay_ranges(const wt_model *m, wt_param_range *out, size_t cap) {
  if (!m) return 0;
  size_t count = 0;
  for (int i = 0; i < m->n_layers; i++) {
    /* the layer's last floats: a conv or linear bias, BatchNorm's weight and bias */
    const wt__layer *l = &m->layers[i];
    const size_t n = wt__type_of(l)->no_decay ? wt__type_of(l)->no_decay(l) : 0;
    if (!n) continue;
    if (out && count < cap) out[count] = (wt_param_range){l->param_offset + l->param_floats - n, n};
    count++;
  }
  return count;
}
void wt_model_shape(const wt_model *m, int64_t chw[3], int64_t *num_classes) {
  chw[0] = m->C, chw[1] = m->H, chw[2] = m->W;
  *num_classes = m->K;
}

wt_status wt__model_check_input(wt_model *m, const char *func, const float *x, int64_t N) {
  wt_ctx *ctx = m->ctx;
  if (!x) return wt__fail(ctx, WT_ERR_ARG, func, "images is NULL");
  if (N < 1 || N > WT_MAX_DIM)
    return wt__fail(ctx, WT_ERR_SHAPE, func, "batch size must be in [1, %lld], got %lld",
                    (long long)WT_MAX_DIM, (long long)N);
  const int64_t dims[4] = {N, m->C, m->H, m->W};
  int64_t n;
  WT_TRY(wt__check_elems(ctx, func, "images", dims, 4, &n));
  const int64_t bad = wt__find_nonfinite(x, (size_t)n);
  if (bad >= 0) {
    const int64_t per = m->C * m->H * m->W;
    return wt__fail(ctx, WT_ERR_NONFINITE, func, "images[%lld] (sample %lld) is %s",
                    (long long)bad, (long long)(bad / per), x[bad] != x[bad] ? "NaN" : "Inf");
  }
  return WT_OK;
}

static const float *layer_src(const wt_model *m, int i, const float *x) {
  return i == WT__INPUT ? x : m->layers[i].out;
}

wt_status wt__model_forward_batch(wt_model *m, const float *x, int64_t N) {
  return wt__model_forward_layers(m, x, N, 0, m->n_layers, true);
}

wt_status wt__model_forward_layers(wt_model *m, const float *x, int64_t N, int from, int to,
                                   bool backward) {
  WT_TRY(wt__model_reserve(m, N, backward));
  for (int i = from; i < to; i++) {
    wt__layer *l = &m->layers[i];
    const wt__layer_type *t = wt__type_of(l);
    const float *in2 = t->inputs == 2 ? layer_src(m, l->in2, x) : NULL;
    WT_TRY(t->forward(m->ctx, l, N, layer_src(m, l->in, x), in2, l->out, m->workspace));
  }
  return WT_OK;
}

wt_status wt__model_forward_batch_mode(wt_model *m, const float *x, int64_t N, int training) {
  return wt__model_forward_layers_mode(m, x, N, 0, m->n_layers, training, false);
}

wt_status wt__model_forward_layers_mode(wt_model *m, const float *x, int64_t N, int from, int to,
                                        int training, bool backward) {
  const int was = m->training;
  if (was != (training ? 1 : 0)) wt_model_set_training(m, training);
  const wt_status st = wt__model_forward_layers(m, x, N, from, to, backward);
  if (was != m->training) wt_model_set_training(m, was);
  return st;
}

float *wt__model_logits(wt_model *m) { return m->layers[m->n_layers - 1].out; }
float *wt__model_dlogits(wt_model *m) { return m->layers[m->n_layers - 1].dout; }

static void zero_dout(wt_model *m, int i, int64_t N) {
  memset(m->layers[i].dout, 0, (size_t)(N * m->layers[i].out_elems) * sizeof(float));
}

/* The gradient of source src that layer i's backward accumulates into: NULL below lo (or the
   model input). When i is its first writer (its last reader), a kind with backward_assigns
   writes it (*assign), else it is zeroed first. */
static float *input_grad(wt_model *m, int i, int src, int lo, int64_t N, bool *assign) {
  *assign = false;
  if (src < lo) return NULL;
  if (m->layers[src].last_reader == i) {
    if (wt__type_of(&m->layers[i])->backward_assigns)
      *assign = true;
    else
      zero_dout(m, src, N);
  }
  return m->layers[src].dout;
}

wt_status wt__model_backward_batch(wt_model *m, const float *x, int64_t N) {
  /* Layers below first_backward hold no trainable parameter and no layer above reads their
     gradients: neither their backward nor the input gradients into them run. An output
     gradient's memory is its own only from its first writer on (the memory plan), so it is
     zeroed there, not up front. */
  const int lo = m->first_backward;
  if (!m->plan_backward || N > m->capacity)
    return WT_FAIL(m->ctx, WT_ERR_STATE, "no forward of a batch of %lld planned for a backward",
                   (long long)N);
  memset(m->grads, 0, m->n_params * sizeof(float));
  for (int i = m->n_layers - 1; i >= lo; i--) {
    wt__layer *l = &m->layers[i];
    const wt__layer_type *t = wt__type_of(l);
    if (l->last_reader < 0 && i < m->n_layers - 1) zero_dout(m, i, N); /* read by no layer */
    float *din = input_grad(m, i, l->in, lo, N, &l->assign_din);
    /* a source read twice (add(x, x)) is written once, by dx, then added into by dx2 */
    l->assign_din2 = false;
    float *din2 = t->inputs != 2 ? NULL
                  : l->in2 == l->in ? din
                                    : input_grad(m, i, l->in2, lo, N, &l->assign_din2);
    WT_TRY(t->backward(m->ctx, l, N, t->backward_reads_x ? layer_src(m, l->in, x) : NULL,
                       t->backward_reads_y ? l->out : NULL, l->dout, din, din2, m->workspace));
  }
  return WT_OK;
}

/* Inference runs in chunks of the planned capacity so a 10,000-image test set never plans
   activations for 10,000 images at once. */
#define WT__EVAL_CHUNK 128

wt_status wt_model_forward(wt_model *m, const float *x, int64_t N, float *logits) {
  if (!m) return WT_ERR_ARG;
  if (!logits) return WT_FAIL(m->ctx, WT_ERR_ARG, "logits is NULL");
  WT_TRY(wt__model_check_input(m, __func__, x, N));
  const int64_t per = m->C * m->H * m->W;
  const int64_t chunk = m->capacity > 0 ? m->capacity : (N < WT__EVAL_CHUNK ? N : WT__EVAL_CHUNK);
  for (int64_t i = 0; i < N; i += chunk) {
    const int64_t n = N - i < chunk ? N - i : chunk;
    WT_TRY(wt__model_forward_layers(m, x + i * per, n, 0, m->n_layers, false));
    memcpy(logits + i * m->K, wt__model_logits(m), (size_t)(n * m->K) * sizeof(float));
  }
  return WT_OK;
}

wt_status wt_model_predict(wt_model *m, const float *x, int64_t N, float *probs) {
  WT_TRY(wt_model_forward(m, x, N, probs));
  return wt_softmax(m->ctx, N, m->K, probs, probs);
}
