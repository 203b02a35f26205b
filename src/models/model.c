/* model.c - a sequential model: a list of layers over one flat parameter block, one gradient
   block of the same layout, and one block of activations, caches and workspace sized for a
   batch capacity (re-planned only when a larger batch arrives, never per step).
   What it is not: a general graph; residual blocks and the JSON spec come with the models issue. */
#include <string.h>

#include "model.h"

/* Per-kind dispatch: the only place that knows which wt_<l>_* functions a kind maps to. */
static wt_status layer_sizes(wt_ctx *ctx, wt__layer *l, int64_t N, wt_layer_sizes *s) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_sizes(ctx, &l->u.conv, N, s);
    case WT__LINEAR: return wt_linear_sizes(ctx, &l->u.lin, N, s);
    case WT__RELU: return wt_relu_sizes(ctx, &l->u.relu, N, s);
    case WT__MAXPOOL2D: return wt_maxpool2d_sizes(ctx, &l->u.pool, N, s);
    case WT__FLATTEN: return wt_flatten_sizes(ctx, &l->u.flat, N, s);
  }
  return WT_FAIL(ctx, WT_ERR_ARG, "unknown layer kind %d", (int)l->kind);
}

static wt_status layer_forward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                               float *y, void *ws) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_forward(ctx, &l->u.conv, N, x, y, l->cache, ws);
    case WT__LINEAR: return wt_linear_forward(ctx, &l->u.lin, N, x, y, l->cache, ws);
    case WT__RELU: return wt_relu_forward(ctx, &l->u.relu, N, x, y, l->cache, ws);
    case WT__MAXPOOL2D: return wt_maxpool2d_forward(ctx, &l->u.pool, N, x, y, l->cache, ws);
    case WT__FLATTEN: return wt_flatten_forward(ctx, &l->u.flat, N, x, y, l->cache, ws);
  }
  return WT_FAIL(ctx, WT_ERR_ARG, "unknown layer kind %d", (int)l->kind);
}

/* x: the layer's input, y: its output (ReLU's mask comes from y, as in PyTorch). */
static wt_status layer_backward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                                const float *y, const float *dy, float *dx, void *ws) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_backward(ctx, &l->u.conv, N, x, dy, dx, l->cache, ws);
    case WT__LINEAR: return wt_linear_backward(ctx, &l->u.lin, N, x, dy, dx, l->cache, ws);
    case WT__RELU: return wt_relu_backward(ctx, &l->u.relu, N, y, dy, dx, l->cache, ws);
    case WT__MAXPOOL2D: return wt_maxpool2d_backward(ctx, &l->u.pool, N, x, dy, dx, l->cache, ws);
    case WT__FLATTEN: return wt_flatten_backward(ctx, &l->u.flat, N, x, dy, dx, l->cache, ws);
  }
  return WT_FAIL(ctx, WT_ERR_ARG, "unknown layer kind %d", (int)l->kind);
}

static void layer_bind_params(wt__layer *l, float *p, float *g) {
  float *w = p + l->param_offset, *dw = g + l->param_offset;
  switch (l->kind) {
    case WT__CONV2D: {
      wt_conv2d *c = &l->u.conv;
      const size_t nw = (size_t)(c->OC * c->C * c->KH * c->KW);
      c->weight = w, c->dweight = dw, c->bias = w + nw, c->dbias = dw + nw;
      break;
    }
    case WT__LINEAR: {
      wt_linear *c = &l->u.lin;
      const size_t nw = (size_t)(c->OUT * c->IN);
      c->weight = w, c->dweight = dw, c->bias = w + nw, c->dbias = dw + nw;
      break;
    }
    default: break;
  }
}

static wt_status layer_init_params(wt_ctx *ctx, const wt__layer *l) {
  switch (l->kind) {
    case WT__CONV2D: return wt_conv2d_init_params(ctx, &l->u.conv);
    case WT__LINEAR: return wt_linear_init_params(ctx, &l->u.lin);
    default: return WT_OK;
  }
}

/* Appends a layer whose struct the caller filled; checks it against the running shape. */
static wt_status model_push(wt_model *m, wt__layer l) {
  wt_ctx *ctx = m->ctx;
  if (m->n_layers >= WT__MAX_LAYERS)
    return WT_FAIL(ctx, WT_ERR_ARG, "a model holds at most %d layers", WT__MAX_LAYERS);
  wt_layer_sizes s;
  WT_TRY(layer_sizes(ctx, &l, 1, &s));
  l.in_elems = m->n_layers ? m->layers[m->n_layers - 1].out_elems : m->C * m->H * m->W;
  l.out_elems = s.out_elems;
  l.param_offset = m->n_params;
  l.param_floats = s.param_floats;
  m->n_params += s.param_floats;
  m->layers[m->n_layers++] = l;
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

static wt_status model_finish(wt_model *m) {
  wt_ctx *ctx = m->ctx;
  size_t bytes;
  if (!wt__mul_ok(m->n_params, sizeof(float), &bytes))
    return WT_FAIL(ctx, WT_ERR_OOM, "too many parameters (%zu)", m->n_params);
  m->params = wt__calloc(ctx, bytes);
  m->grads = wt__calloc(ctx, bytes);
  if (!m->params || !m->grads)
    return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %zu parameters", m->n_params);
  for (int i = 0; i < m->n_layers; i++) {
    layer_bind_params(&m->layers[i], m->params, m->grads);
    WT_TRY(layer_init_params(ctx, &m->layers[i]));
  }
  return WT_OK;
}

void wt_model_destroy(wt_model *m) {
  if (!m) return;
  wt_ctx *ctx = m->ctx;
  wt__free(ctx, m->act_block);
  wt__free(ctx, m->params);
  wt__free(ctx, m->grads);
  wt__free(ctx, m);
}

wt_status wt_model_create_student_cnn(wt_ctx *ctx, int64_t C, int64_t H, int64_t W,
                                      int64_t num_classes, wt_model **out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  WT_TRY(wt__check_dim(ctx, __func__, "C", C));
  WT_TRY(wt__check_dim(ctx, __func__, "H", H));
  WT_TRY(wt__check_dim(ctx, __func__, "W", W));
  if (H % 2 || W % 2)
    return WT_FAIL(ctx, WT_ERR_SHAPE, "H and W must be even (the 2x2 max-pool), got %lldx%lld",
                   (long long)H, (long long)W);
  if (num_classes < 2 || num_classes > 100000)
    return WT_FAIL(ctx, WT_ERR_ARG, "num_classes must be in [2, 100000], got %lld",
                   (long long)num_classes);
  const int64_t dims[3] = {64, H / 2, W / 2};
  int64_t flat;
  WT_TRY(wt__check_elems(ctx, __func__, "64*(H/2)*(W/2)", dims, 3, &flat));

  wt_model *m = wt__calloc(ctx, sizeof *m);
  if (!m) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the model");
  m->ctx = ctx, m->C = C, m->H = H, m->W = W, m->K = num_classes;
  wt_status st;
  const wt__layer layers[] = {
      {.kind = WT__CONV2D, .u.conv = {.C = C, .H = H, .W = W, .OC = 32, .KH = 3, .KW = 3,
                                      .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1}},
      {.kind = WT__RELU, .u.relu = {.elems = 32 * H * W}},
      {.kind = WT__CONV2D, .u.conv = {.C = 32, .H = H, .W = W, .OC = 64, .KH = 3, .KW = 3,
                                      .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1}},
      {.kind = WT__RELU, .u.relu = {.elems = 64 * H * W}},
      {.kind = WT__MAXPOOL2D, .u.pool = {.C = 64, .H = H, .W = W, .KH = 2, .KW = 2,
                                         .stride_h = 2, .stride_w = 2}},
      {.kind = WT__FLATTEN, .u.flat = {.elems = flat}},
      {.kind = WT__LINEAR, .u.lin = {.IN = flat, .OUT = 128}},
      {.kind = WT__RELU, .u.relu = {.elems = 128}},
      {.kind = WT__LINEAR, .u.lin = {.IN = 128, .OUT = num_classes}},
  };
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
    if ((st = model_push(m, layers[i])) != WT_OK) goto fail;
  if ((st = model_finish(m)) != WT_OK) goto fail;
  *out = m;
  return WT_OK;
fail:
  wt_model_destroy(m);
  return st;
}

wt_ctx *wt_model_ctx(const wt_model *m) { return m ? m->ctx : NULL; }
size_t wt_model_param_count(const wt_model *m) { return m ? m->n_params : 0; }
float *wt_model_params(wt_model *m) { return m ? m->params : NULL; }
float *wt_model_grads(wt_model *m) { return m ? m->grads : NULL; }

/* The bias slice of a layer with parameters (weights first, then bias, as layer_bind_params
   binds them); false for layers without a bias. */
static bool layer_no_decay(const wt__layer *l, wt_param_range *r) {
  switch (l->kind) {
    case WT__CONV2D: r->count = (size_t)l->u.conv.OC; break;
    case WT__LINEAR: r->count = (size_t)l->u.lin.OUT; break;
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

wt_status wt__model_forward_batch(wt_model *m, const float *x, int64_t N) {
  WT_TRY(model_reserve(m, N));
  const float *in = x;
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    WT_TRY(layer_forward(m->ctx, l, N, in, l->out, m->workspace));
    in = l->out;
  }
  return WT_OK;
}

float *wt__model_logits(wt_model *m) { return m->layers[m->n_layers - 1].out; }
float *wt__model_dlogits(wt_model *m) { return m->layers[m->n_layers - 1].dout; }

wt_status wt__model_backward_batch(wt_model *m, const float *x, int64_t N) {
  memset(m->grads, 0, m->n_params * sizeof(float));
  for (int i = 0; i < m->n_layers - 1; i++)
    memset(m->layers[i].dout, 0, (size_t)(N * m->layers[i].out_elems) * sizeof(float));
  for (int i = m->n_layers - 1; i >= 0; i--) {
    const wt__layer *l = &m->layers[i];
    const float *in = i ? m->layers[i - 1].out : x;
    float *din = i ? m->layers[i - 1].dout : NULL;
    WT_TRY(layer_backward(m->ctx, l, N, in, l->out, l->dout, din, m->workspace));
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
