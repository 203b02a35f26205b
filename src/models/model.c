/* model.c - a model as a list of layers where each layer reads an earlier layer's output (the
   previous one by default; a residual ADD reads two), over one flat parameter block, one
   gradient block of the same layout, one block of BatchNorm running statistics, and one block
   of activations, caches and workspace sized for a batch capacity (re-planned only when a
   larger batch arrives, never per step). Layers only read earlier layers, so the list order is
   a topological order: forward runs it front to back, backward back to front, accumulating each
   layer's output gradient from all its readers.
   What it is not: the spec parser and named models (spec.c), weight files (safetensors.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

const char *wt__layer_kind_name(wt__layer_kind k) {
  static const char *const names[WT__KIND_COUNT] = {
      "conv2d", "linear", "relu", "maxpool2d", "flatten", "batchnorm2d", "avgpool2d", "dropout", "add"};
  return (unsigned)k < WT__KIND_COUNT ? names[k] : "?";
}

/* Per-kind dispatch: the only place that knows which wt_<l>_* functions a kind maps to. */
static wt_status layer_sizes(wt_ctx *ctx, wt__layer *l, int64_t N, wt_layer_sizes *s) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_sizes(ctx, &l->u.conv, N, s);
    case WT__LINEAR: return wt_linear_sizes(ctx, &l->u.lin, N, s);
    case WT__RELU: return wt_relu_sizes(ctx, &l->u.relu, N, s);
    case WT__MAXPOOL2D: return wt_maxpool2d_sizes(ctx, &l->u.pool, N, s);
    case WT__FLATTEN: return wt_flatten_sizes(ctx, &l->u.flat, N, s);
    case WT__BATCHNORM2D: return wt_batchnorm2d_sizes(ctx, &l->u.bn, N, s);
    case WT__AVGPOOL2D: return wt_avgpool2d_sizes(ctx, &l->u.avg, N, s);
    case WT__DROPOUT: return wt_dropout_sizes(ctx, &l->u.drop, N, s);
    case WT__ADD: return wt_add_sizes(ctx, &l->u.add, N, s);
    case WT__KIND_COUNT: break;
  }
  return WT_FAIL(ctx, WT_ERR_ARG, "unknown layer kind %d", (int)l->kind);
}

/* x, x2: the layer's inputs (x2: ADD's second), y: its output. */
static wt_status layer_forward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                               const float *x2, float *y, void *ws) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_forward(ctx, &l->u.conv, N, x, y, l->cache, ws);
    case WT__LINEAR: return wt_linear_forward(ctx, &l->u.lin, N, x, y, l->cache, ws);
    case WT__RELU: return wt_relu_forward(ctx, &l->u.relu, N, x, y, l->cache, ws);
    case WT__MAXPOOL2D: return wt_maxpool2d_forward(ctx, &l->u.pool, N, x, y, l->cache, ws);
    case WT__FLATTEN: return wt_flatten_forward(ctx, &l->u.flat, N, x, y, l->cache, ws);
    case WT__BATCHNORM2D: return wt_batchnorm2d_forward(ctx, &l->u.bn, N, x, y, l->cache, ws);
    case WT__AVGPOOL2D: return wt_avgpool2d_forward(ctx, &l->u.avg, N, x, y, l->cache, ws);
    case WT__DROPOUT: return wt_dropout_forward(ctx, &l->u.drop, N, x, y, l->cache, ws);
    case WT__ADD: return wt_add_forward(ctx, &l->u.add, N, x, x2, y);
    case WT__KIND_COUNT: break;
  }
  return WT_FAIL(ctx, WT_ERR_ARG, "unknown layer kind %d", (int)l->kind);
}

/* x: the layer's input, y: its output (ReLU's mask comes from y, as in PyTorch); dx, dx2: the
   gradients of its sources (NULL for the model input). */
static wt_status layer_backward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                                const float *y, const float *dy, float *dx, float *dx2, void *ws) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_backward(ctx, &l->u.conv, N, x, dy, dx, l->cache, ws);
    case WT__LINEAR: return wt_linear_backward(ctx, &l->u.lin, N, x, dy, dx, l->cache, ws);
    case WT__RELU: return wt_relu_backward(ctx, &l->u.relu, N, y, dy, dx, l->cache, ws);
    case WT__MAXPOOL2D: return wt_maxpool2d_backward(ctx, &l->u.pool, N, x, dy, dx, l->cache, ws);
    case WT__FLATTEN: return wt_flatten_backward(ctx, &l->u.flat, N, x, dy, dx, l->cache, ws);
    case WT__BATCHNORM2D: return wt_batchnorm2d_backward(ctx, &l->u.bn, N, x, dy, dx, l->cache, ws);
    case WT__AVGPOOL2D: return wt_avgpool2d_backward(ctx, &l->u.avg, N, x, dy, dx, l->cache, ws);
    case WT__DROPOUT: return wt_dropout_backward(ctx, &l->u.drop, N, x, dy, dx, l->cache, ws);
    case WT__ADD: return wt_add_backward(ctx, &l->u.add, N, dy, dx, dx2);
    case WT__KIND_COUNT: break;
  }
  return WT_FAIL(ctx, WT_ERR_ARG, "unknown layer kind %d", (int)l->kind);
}

static void layer_bind_params(wt_model *m, wt__layer *l) {
  float *w = m->params + l->param_offset, *dw = m->grads + l->param_offset;
  switch (l->kind) {
    case WT__CONV2D: {
      wt_conv2d *c = &l->u.conv;
      const size_t nw = (size_t)(c->OC * c->C * c->KH * c->KW);
      c->weight = w, c->dweight = dw;
      c->bias = l->bias ? w + nw : NULL, c->dbias = l->bias ? dw + nw : NULL;
      break;
    }
    case WT__LINEAR: {
      wt_linear *c = &l->u.lin;
      const size_t nw = (size_t)(c->OUT * c->IN);
      c->weight = w, c->dweight = dw;
      c->bias = l->bias ? w + nw : NULL, c->dbias = l->bias ? dw + nw : NULL;
      break;
    }
    case WT__BATCHNORM2D: {
      wt_batchnorm2d *b = &l->u.bn;
      b->weight = w, b->dweight = dw, b->bias = w + b->C, b->dbias = dw + b->C;
      b->running_mean = m->buffers + l->buffer_offset;
      b->running_var = m->buffers + l->buffer_offset + b->C;
      b->num_batches_tracked = &l->num_batches_tracked;
      break;
    }
    default: break;
  }
}

/* kaiming_normal_(w, mode='fan_out', nonlinearity='relu'): N(0, 2 / (OC*KH*KW)). */
static void kaiming_normal_fan_out(wt_ctx *ctx, const wt_conv2d *c) {
  const double std = sqrt(2.0 / (double)(c->OC * c->KH * c->KW));
  const size_t n = (size_t)(c->OC * c->C * c->KH * c->KW);
  for (size_t i = 0; i < n; i++) c->weight[i] = (float)(wt_rng_normal(&ctx->rng) * std);
  if (c->bias)
    for (int64_t o = 0; o < c->OC; o++) c->bias[o] = 0.0f;
}

static wt_status layer_init_params(wt_ctx *ctx, wt__layer *l) {
  switch (l->kind) {
    case WT__CONV2D:
      if (l->init == WT__INIT_KAIMING_OUT) {
        kaiming_normal_fan_out(ctx, &l->u.conv);
        return WT_OK;
      }
      return wt_conv2d_init_params(ctx, &l->u.conv);
    case WT__LINEAR: return wt_linear_init_params(ctx, &l->u.lin);
    case WT__BATCHNORM2D:
      WT_TRY(wt_batchnorm2d_init_params(ctx, &l->u.bn));
      if (l->init == WT__INIT_ZERO_GAMMA)
        for (int64_t c = 0; c < l->u.bn.C; c++) l->u.bn.weight[c] = 0.0f;
      return WT_OK;
    default: return WT_OK;
  }
}

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
  if (l->in < WT__INPUT || l->in >= n || (l->kind == WT__ADD && (l->in2 < WT__INPUT || l->in2 >= n)))
    return WT_FAIL(ctx, WT_ERR_ARG, "layer %d reads layer %d, not an earlier one", n,
                   l->in >= n ? l->in : l->in2);
  const wt__layer *src = l->in == WT__INPUT ? NULL : &m->layers[l->in];
  const int64_t C = src ? src->out_c : m->C, H = src ? src->out_h : m->H, W = src ? src->out_w : m->W;
  const bool flat = src ? src->flat : false;
  const int64_t elems = C * H * W;
  const char *kname = wt__layer_kind_name(l->kind);
  switch (l->kind) {
    case WT__CONV2D: case WT__BATCHNORM2D: case WT__MAXPOOL2D: case WT__AVGPOOL2D:
      if (flat)
        return WT_FAIL(ctx, WT_ERR_SHAPE, "layer %d (%s) needs a (C,H,W) input, got a vector of %lld",
                       n, kname, (long long)elems);
      break;
    case WT__LINEAR:
      if (!flat && !(H == 1 && W == 1))
        return WT_FAIL(ctx, WT_ERR_SHAPE, "layer %d (linear) needs a vector input (add a flatten), got (%lld,%lld,%lld)",
                       n, (long long)C, (long long)H, (long long)W);
      break;
    default: break;
  }
  l->out_c = C, l->out_h = H, l->out_w = W, l->flat = flat;
  switch (l->kind) {
    case WT__CONV2D: l->u.conv.C = C, l->u.conv.H = H, l->u.conv.W = W; break;
    case WT__BATCHNORM2D: l->u.bn.C = C, l->u.bn.H = H, l->u.bn.W = W; break;
    case WT__MAXPOOL2D: l->u.pool.C = C, l->u.pool.H = H, l->u.pool.W = W; break;
    case WT__AVGPOOL2D:
      l->u.avg.C = C, l->u.avg.H = H, l->u.avg.W = W;
      if (l->global) l->u.avg.KH = H, l->u.avg.KW = W, l->u.avg.stride_h = H, l->u.avg.stride_w = W;
      break;
    case WT__LINEAR: l->u.lin.IN = elems; break;
    case WT__RELU: l->u.relu.elems = elems; break;
    case WT__FLATTEN: l->u.flat.elems = elems; break;
    case WT__DROPOUT: l->u.drop.elems = elems; break;
    case WT__ADD: {
      const wt__layer *s2 = l->in2 == WT__INPUT ? NULL : &m->layers[l->in2];
      const int64_t C2 = s2 ? s2->out_c : m->C, H2 = s2 ? s2->out_h : m->H, W2 = s2 ? s2->out_w : m->W;
      if (C2 != C || H2 != H || W2 != W)
        return WT_FAIL(ctx, WT_ERR_SHAPE, "layer %d (add) sums (%lld,%lld,%lld) and (%lld,%lld,%lld)",
                       n, (long long)C, (long long)H, (long long)W, (long long)C2, (long long)H2,
                       (long long)W2);
      l->u.add.elems = elems;
      break;
    }
    case WT__KIND_COUNT: break;
  }
  wt_layer_sizes s;
  const wt_status st = layer_sizes(ctx, l, 1, &s);
  if (st != WT_OK) {
    char msg[WT_ERR_LEN];
    snprintf(msg, sizeof msg, "%s", wt_ctx_last_error(ctx));
    return WT_FAIL(ctx, st, "layer %d (%s%s%s): %s", n, kname, l->name[0] ? " " : "", l->name, msg);
  }
  switch (l->kind) {
    case WT__CONV2D: l->out_c = l->u.conv.OC, l->out_h = l->u.conv.OH, l->out_w = l->u.conv.OW; break;
    case WT__MAXPOOL2D: l->out_h = l->u.pool.OH, l->out_w = l->u.pool.OW; break;
    case WT__AVGPOOL2D: l->out_h = l->u.avg.OH, l->out_w = l->u.avg.OW; break;
    case WT__LINEAR: l->out_c = l->u.lin.OUT, l->out_h = l->out_w = 1, l->flat = true; break;
    case WT__FLATTEN: l->out_c = elems, l->out_h = l->out_w = 1, l->flat = true; break;
    default: break;
  }
  l->out_elems = s.out_elems;
  WT_ASSERT(l->out_elems == l->out_c * l->out_h * l->out_w);
  l->param_offset = m->n_params;
  l->param_floats = s.param_floats;
  if ((l->kind == WT__CONV2D || l->kind == WT__LINEAR) && !l->bias)
    l->param_floats -= (size_t)(l->kind == WT__CONV2D ? l->u.conv.OC : l->u.lin.OUT);
  if (l->param_floats > SIZE_MAX / 8 || m->n_params > SIZE_MAX / 8 - l->param_floats)
    return WT_FAIL(ctx, WT_ERR_SHAPE,
                   "layer %d (%s%s%s): the model would have more than %zu parameters (the memory limit)",
                   n, kname, l->name[0] ? " " : "", l->name, SIZE_MAX / 8);
  m->n_params += l->param_floats;
  if (l->kind == WT__BATCHNORM2D) {
    l->buffer_offset = m->n_buffers;
    m->n_buffers += (size_t)(2 * l->u.bn.C);
  }
  m->layers[m->n_layers++] = *l;
  return WT_OK;
}
/* (Re)plans the batch-dependent memory for a batch of N: every layer's output and output
   gradient, its cache, and one workspace shared by all layers (the max). */
static wt_status model_reserve(wt_model *m, int64_t N) {
  wt_ctx *ctx = m->ctx;
  if (N <= m->capacity) return WT_OK;
  size_t total = 0, ws = 0;
  size_t offs[WT__MAX_LAYERS][3];
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    wt_layer_sizes s;
    WT_TRY(layer_sizes(ctx, l, N, &s));
    size_t act;
    if (!wt__mul_ok((size_t)N, (size_t)l->out_elems * sizeof(float), &act) || act > SIZE_MAX / 4)
      return WT_FAIL(ctx, WT_ERR_OOM, "a batch of %lld is too large for this model", (long long)N);
    act = (act + 15) / 16 * 16;
    offs[i][0] = total, total += act;  /* out */
    offs[i][1] = total, total += act;  /* dout */
    offs[i][2] = total, total += (s.cache_bytes + 15) / 16 * 16;
    if (s.workspace_bytes > ws) ws = s.workspace_bytes;
    if (total > SIZE_MAX / 2)
      return WT_FAIL(ctx, WT_ERR_OOM, "a batch of %lld is too large for this model", (long long)N);
  }
  const size_t ws_off = total;
  total += (ws + 15) / 16 * 16;
  unsigned char *block = wt__alloc(ctx, total);
  if (!block)
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for a batch of %lld (%zu bytes)", (long long)N,
                   total);
  wt__free(ctx, m->act_block);
  m->act_block = block;
  for (int i = 0; i < m->n_layers; i++) {
    m->layers[i].out = (float *)(block + offs[i][0]);
    m->layers[i].dout = (float *)(block + offs[i][1]);
    m->layers[i].cache = block + offs[i][2];
  }
  m->workspace = block + ws_off;
  m->capacity = N;
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
    layer_bind_params(m, &m->layers[i]);
    WT_TRY(layer_init_params(ctx, &m->layers[i]));
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
    if (l->kind == WT__BATCHNORM2D) l->u.bn.training = m->training;
    if (l->kind == WT__DROPOUT) l->u.drop.training = m->training;
  }
}
int wt_model_training(const wt_model *m) { return m ? m->training : 0; }

wt_status wt_model_reset_params(wt_model *m) {
  if (!m) return WT_ERR_ARG;
  for (int i = 0; i < m->n_layers; i++) WT_TRY(layer_init_params(m->ctx, &m->layers[i]));
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

/* The no-decay slice of a layer: a conv or linear bias (weights first, then bias, as
   layer_bind_params binds them), or a BatchNorm's weight and bias together (2*C floats);
   false for layers without such parameters. */
static bool layer_no_decay(const wt__layer *l, wt_param_range *r) {
  switch (l->kind) {
    case WT__CONV2D: if (!l->bias) return false; r->count = (size_t)l->u.conv.OC; break;
    case WT__LINEAR: if (!l->bias) return false; r->count = (size_t)l->u.lin.OUT; break;
    case WT__BATCHNORM2D: r->count = (size_t)(2 * l->u.bn.C); break;
    default: return false;
  }
  r->offset = l->param_offset + l->param_floats - r->count;
  return true;
}

size_t wt_model_no_decay_ranges(const wt_model *m, wt_param_range *out, size_t cap) {
  if (!m) return 0;
  size_t count = 0;
  for (int i = 0; i < m->n_layers; i++) {
    wt_param_range r;
    if (!layer_no_decay(&m->layers[i], &r)) continue;
    if (out && count < cap) out[count] = r;
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
  WT_TRY(model_reserve(m, N));
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    const float *in2 = l->kind == WT__ADD ? layer_src(m, l->in2, x) : NULL;
    WT_TRY(layer_forward(m->ctx, l, N, layer_src(m, l->in, x), in2, l->out, m->workspace));
  }
  return WT_OK;
}

wt_status wt__model_forward_batch_mode(wt_model *m, const float *x, int64_t N, int training) {
  const int was = m->training;
  if (was != (training ? 1 : 0)) wt_model_set_training(m, training);
  const wt_status st = wt__model_forward_batch(m, x, N);
  if (was != m->training) wt_model_set_training(m, was);
  return st;
}

float *wt__model_logits(wt_model *m) { return m->layers[m->n_layers - 1].out; }
float *wt__model_dlogits(wt_model *m) { return m->layers[m->n_layers - 1].dout; }

wt_status wt__model_backward_batch(wt_model *m, const float *x, int64_t N) {
  memset(m->grads, 0, m->n_params * sizeof(float));
  for (int i = 0; i < m->n_layers - 1; i++)
    memset(m->layers[i].dout, 0, (size_t)(N * m->layers[i].out_elems) * sizeof(float));
  for (int i = m->n_layers - 1; i >= 0; i--) {
    const wt__layer *l = &m->layers[i];
    float *din = l->in == WT__INPUT ? NULL : m->layers[l->in].dout;
    float *din2 = l->kind == WT__ADD && l->in2 != WT__INPUT ? m->layers[l->in2].dout : NULL;
    WT_TRY(layer_backward(m->ctx, l, N, layer_src(m, l->in, x), l->out, l->dout, din, din2,
                          m->workspace));
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
    WT_TRY(wt__model_forward_batch(m, x + i * per, n));
    memcpy(logits + i * m->K, wt__model_logits(m), (size_t)(n * m->K) * sizeof(float));
  }
  return WT_OK;
}

wt_status wt_model_predict(wt_model *m, const float *x, int64_t N, float *probs) {
  WT_TRY(wt_model_forward(m, x, N, probs));
  return wt_softmax(m->ctx, N, m->K, probs, probs);
}
