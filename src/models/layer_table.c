/* layer_table.c - the layer table: for each kind of src/layers/layers.inc, what the model
   (model.c), the spec parser (spec.c), weight files (safetensors.c) and the benches run it with,
   as adapters from a wt__layer to the layer's own wt_<name>_* functions. The only file that
   knows which kind is which: everything else iterates the table.
   What it is not: the layers' math (src/layers/) or the graph's execution (model.c). */
#include <math.h>

#include "model.h"

/* The usual three: wt_<fn>_sizes(ctx, l, N, s), wt_<fn>_forward(ctx, l, N, x, y, cache, ws) and
   wt_<fn>_backward(ctx, l, N, x, dy, dx, cache, ws) on the union member u.<name>. A kind whose
   backward can write its input gradient (backward_assigns) goes through PASSES_ASSIGN: backward
   is wt__<fn>_backward_into(..., l->assign_din) (internal.h). */
#define SIZES_FORWARD(name, fn)                                                                  \
  static wt_status name##_sizes(wt_ctx *ctx, wt__layer *l, int64_t N, wt_layer_sizes *s) {     \
    return wt_##fn##_sizes(ctx, &l->u.name, N, s);                                              \
  }                                                                                             \
  static wt_status name##_forward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,  \
                                  const float *x2, float *y, void *ws) {                        \
    return wt_##fn##_forward(ctx, &l->u.name, N, x, y, l->cache, ws);                           \
  }
#define BACKWARD(name, call)                                                                     \
  static wt_status name##_backward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x, \
                                   const float *y, const float *dy, float *dx, float *dx2,      \
                                   void *ws) {                                                  \
    return call;                                                                                \
  }
#define PASSES(name, fn)    \
  SIZES_FORWARD(name, fn)   \
  BACKWARD(name, wt_##fn##_backward(ctx, &l->u.name, N, x, dy, dx, l->cache, ws))
#define PASSES_ASSIGN(name, fn) \
  SIZES_FORWARD(name, fn)       \
  BACKWARD(name, wt__##fn##_backward_into(ctx, &l->u.name, N, x, dy, dx, l->cache, ws, l->assign_din))
#define HOOKS(name) .sizes = name##_sizes, .forward = name##_forward, .backward = name##_backward

static const char *const no_keys[] = {NULL};

/* A weight (and bias unless bias is NULL) of a conv or linear: its two state_dict entries. */
static int weight_bias_state(wt__state_tensor *out, int ndim, const int64_t *wshape, float *w,
                             const int64_t *bshape, float *b) {
  out[0] = (wt__state_tensor){.suffix = "weight", .ndim = ndim, .data = w};
  for (int d = 0; d < ndim; d++) out[0].shape[d] = wshape[d];
  if (!b) return 1;
  out[1] = (wt__state_tensor){.suffix = "bias", .ndim = 1, .shape = {bshape[0]}, .data = b};
  return 2;
}

/* ---------------------------------------------------------------- conv2d */

PASSES_ASSIGN(conv2d, conv2d)

static wt_status conv2d_parse(wt__spec *s, wt__layer *l) {
  static const char *const inits[] = {"torch", "kaiming_out", NULL};
  int64_t oc, k, st, pad;
  bool bias;
  int init;
  WT_TRY(wt__spec_int(s, "out_channels", 0, 1, WT_MAX_DIM, true, &oc));
  WT_TRY(wt__spec_int(s, "kernel", 0, 1, WT_MAX_DIM, true, &k));
  WT_TRY(wt__spec_int(s, "stride", 1, 1, WT_MAX_DIM, false, &st));
  WT_TRY(wt__spec_int(s, "padding", 0, 0, WT_MAX_DIM, false, &pad));
  WT_TRY(wt__spec_bool(s, "bias", true, &bias));
  WT_TRY(wt__spec_choice(s, "init", inits, &init));
  l->u.conv2d = (wt_conv2d){.OC = oc, .KH = k, .KW = k, .stride_h = st, .stride_w = st,
                            .pad_h = pad, .pad_w = pad, .no_bias = !bias};
  l->init = init ? WT__INIT_KAIMING_OUT : WT__INIT_TORCH;
  return WT_OK;
}
static void conv2d_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.conv2d.C = C, l->u.conv2d.H = H, l->u.conv2d.W = W;
}
static void conv2d_output(wt__layer *l) {
  l->out_c = l->u.conv2d.OC, l->out_h = l->u.conv2d.OH, l->out_w = l->u.conv2d.OW;
}
static void conv2d_bind(wt__layer *l, float *w, float *dw, float *buf) {
  wt_conv2d *c = &l->u.conv2d;
  const size_t nw = (size_t)(c->OC * c->C * c->KH * c->KW);
  c->weight = w, c->dweight = dw;
  c->bias = c->no_bias ? NULL : w + nw, c->dbias = c->no_bias || !dw ? NULL : dw + nw;
}
/* WT__INIT_KAIMING_OUT is torchvision ResNet's kaiming_normal_(w, mode='fan_out',
   nonlinearity='relu'): N(0, 2 / (OC*KH*KW)), bias 0. */
static wt_status conv2d_init(wt_ctx *ctx, wt__layer *l) {
  const wt_conv2d *c = &l->u.conv2d;
  if (l->init != WT__INIT_KAIMING_OUT) return wt_conv2d_init_params(ctx, c);
  const double std = sqrt(2.0 / (double)(c->OC * c->KH * c->KW));
  const size_t n = (size_t)(c->OC * c->C * c->KH * c->KW);
  for (size_t i = 0; i < n; i++) c->weight[i] = (float)(wt_rng_normal(&ctx->rng) * std);
  if (c->bias)
    for (int64_t o = 0; o < c->OC; o++) c->bias[o] = 0.0f;
  return WT_OK;
}
static size_t conv2d_no_decay(const wt__layer *l) {
  return l->u.conv2d.no_bias ? 0 : (size_t)l->u.conv2d.OC;
}
static int conv2d_state(wt__layer *l, wt__state_tensor *out) {
  const wt_conv2d *c = &l->u.conv2d;
  const int64_t ws[4] = {c->OC, c->C, c->KH, c->KW};
  return weight_bias_state(out, 4, ws, c->weight, &c->OC, c->bias);
}
static const wt__layer_type conv2d_type = {
    .name = "conv2d", .inputs = 1, .input = WT__IN_PLANES,
    .keys = (const char *const[]){"out_channels", "kernel", "stride", "padding", "bias", "init", NULL},
    .parse = conv2d_parse, .connect = conv2d_connect, .output = conv2d_output, HOOKS(conv2d),
    .backward_reads_x = true, .backward_assigns = true, .bind = conv2d_bind,
    .init = conv2d_init, .no_decay = conv2d_no_decay, .state = conv2d_state};

/* ---------------------------------------------------------------- linear */

PASSES(linear, linear)

static wt_status linear_parse(wt__spec *s, wt__layer *l) {
  int64_t out;
  bool bias;
  WT_TRY(wt__spec_int(s, "out_features", 0, 1, WT_MAX_DIM, true, &out));
  WT_TRY(wt__spec_bool(s, "bias", true, &bias));
  l->u.linear = (wt_linear){.OUT = out, .no_bias = !bias};
  return WT_OK;
}
static void linear_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.linear.IN = C * H * W;
}
static void linear_output(wt__layer *l) {
  l->out_c = l->u.linear.OUT, l->out_h = l->out_w = 1, l->flat = true;
}
static void linear_bind(wt__layer *l, float *w, float *dw, float *buf) {
  wt_linear *c = &l->u.linear;
  const size_t nw = (size_t)(c->OUT * c->IN);
  c->weight = w, c->dweight = dw;
  c->bias = c->no_bias ? NULL : w + nw, c->dbias = c->no_bias || !dw ? NULL : dw + nw;
}
static wt_status linear_init(wt_ctx *ctx, wt__layer *l) {
  return wt_linear_init_params(ctx, &l->u.linear);
}
static size_t linear_no_decay(const wt__layer *l) {
  return l->u.linear.no_bias ? 0 : (size_t)l->u.linear.OUT;
}
static int linear_state(wt__layer *l, wt__state_tensor *out) {
  const wt_linear *c = &l->u.linear;
  const int64_t ws[2] = {c->OUT, c->IN};
  return weight_bias_state(out, 2, ws, c->weight, &c->OUT, c->bias);
}
static const wt__layer_type linear_type = {
    .name = "linear", .inputs = 1, .input = WT__IN_VECTOR,
    .keys = (const char *const[]){"out_features", "bias", NULL},
    .parse = linear_parse, .connect = linear_connect, .output = linear_output, HOOKS(linear),
    .backward_reads_x = true, .bind = linear_bind, .init = linear_init,
    .no_decay = linear_no_decay, .state = linear_state};

/* ---------------------------------------------------------------- relu */

static wt_status relu_sizes(wt_ctx *ctx, wt__layer *l, int64_t N, wt_layer_sizes *s) {
  return wt_relu_sizes(ctx, &l->u.relu, N, s);
}
static wt_status relu_forward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                              const float *x2, float *y, void *ws) {
  return wt_relu_forward(ctx, &l->u.relu, N, x, y, l->cache, ws);
}
/* The mask comes from the output y, as in PyTorch. */
static wt_status relu_backward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                               const float *y, const float *dy, float *dx, float *dx2, void *ws) {
  return wt__relu_backward_into(ctx, &l->u.relu, N, y, dy, dx, l->assign_din);
}
static void relu_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.relu.elems = C * H * W;
}
static const wt__layer_type relu_type = {
    .name = "relu", .inputs = 1, .keys = no_keys, .connect = relu_connect, HOOKS(relu),
    .backward_reads_y = true, .backward_assigns = true};

/* ---------------------------------------------------------------- maxpool2d, avgpool2d */

PASSES(maxpool2d, maxpool2d)
PASSES(avgpool2d, avgpool2d)
PASSES(global_avgpool, avgpool2d)

static const char *const pool_keys[] = {"kernel", "stride", "padding", NULL};

/* kernel, stride[kernel], padding[0]: square windows. */
static wt_status pool_parse(wt__spec *s, int64_t *k, int64_t *st, int64_t *pad) {
  WT_TRY(wt__spec_int(s, "kernel", 0, 1, WT_MAX_DIM, true, k));
  WT_TRY(wt__spec_int(s, "stride", *k, 1, WT_MAX_DIM, false, st));
  return wt__spec_int(s, "padding", 0, 0, WT_MAX_DIM, false, pad);
}
/* maxpool2d and avgpool2d share their keys, fields and shapes: one definition of the hooks,
   made per struct type. */
#define POOL_TYPE(L, T)                                                                            \
  static wt_status L##_parse(wt__spec *s, wt__layer *l) {                                          \
    int64_t k, st, pad;                                                                            \
    WT_TRY(pool_parse(s, &k, &st, &pad));                                                          \
    l->u.L = (T){.KH = k, .KW = k, .stride_h = st, .stride_w = st, .pad_h = pad, .pad_w = pad};    \
    return WT_OK;                                                                                  \
  }                                                                                                \
  static void L##_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {                         \
    l->u.L.C = C, l->u.L.H = H, l->u.L.W = W;                                                      \
  }                                                                                                \
  static void L##_output(wt__layer *l) { l->out_h = l->u.L.OH, l->out_w = l->u.L.OW; }             \
  static const wt__layer_type L##_type = {                                                         \
      .name = #L, .inputs = 1, .input = WT__IN_PLANES, .keys = pool_keys,                          \
      .parse = L##_parse, .connect = L##_connect, .output = L##_output, HOOKS(L)};

POOL_TYPE(maxpool2d, wt_maxpool2d)
POOL_TYPE(avgpool2d, wt_avgpool2d)

/* The average pool whose kernel is the whole plane (nn.AdaptiveAvgPool2d(1)): (C,1,1). */
static void global_avgpool_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.global_avgpool = (wt_avgpool2d){.C = C, .H = H, .W = W, .KH = H, .KW = W,
                                       .stride_h = H, .stride_w = W};
}
static void global_avgpool_output(wt__layer *l) { l->out_h = l->out_w = 1; }
static const wt__layer_type global_avgpool_type = {
    .name = "global_avgpool", .inputs = 1, .input = WT__IN_PLANES, .keys = no_keys,
    .connect = global_avgpool_connect, .output = global_avgpool_output, HOOKS(global_avgpool)};

/* ---------------------------------------------------------------- flatten */

PASSES(flatten, flatten)

static void flatten_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.flatten.elems = C * H * W;
}
static void flatten_output(wt__layer *l) {
  l->out_c = l->u.flatten.elems, l->out_h = l->out_w = 1, l->flat = true;
}
static const wt__layer_type flatten_type = {
    .name = "flatten", .inputs = 1, .keys = no_keys, .connect = flatten_connect,
    .output = flatten_output, HOOKS(flatten)};

/* ---------------------------------------------------------------- batchnorm2d */

PASSES_ASSIGN(batchnorm2d, batchnorm2d)

static wt_status batchnorm2d_parse(wt__spec *s, wt__layer *l) {
  bool zero;
  WT_TRY(wt__spec_num(s, "eps", 1e-5, &l->u.batchnorm2d.eps));
  WT_TRY(wt__spec_num(s, "momentum", 0.1, &l->u.batchnorm2d.momentum));
  WT_TRY(wt__spec_bool(s, "zero_init", false, &zero));
  if (zero) l->init = WT__INIT_ZERO_GAMMA;
  return WT_OK;
}
static void batchnorm2d_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.batchnorm2d.C = C, l->u.batchnorm2d.H = H, l->u.batchnorm2d.W = W;
}
static size_t batchnorm2d_buffer_floats(const wt__layer *l) {
  return (size_t)(2 * l->u.batchnorm2d.C); /* running_mean, running_var */
}
static void batchnorm2d_bind(wt__layer *l, float *w, float *dw, float *buf) {
  wt_batchnorm2d *b = &l->u.batchnorm2d;
  b->weight = w, b->dweight = dw, b->bias = w + b->C, b->dbias = dw ? dw + b->C : NULL;
  b->running_mean = buf, b->running_var = buf + b->C;
  b->num_batches_tracked = &l->num_batches_tracked;
}
/* WT__INIT_ZERO_GAMMA: weight 0, the zero-init of a residual block's last BatchNorm. */
static wt_status batchnorm2d_init(wt_ctx *ctx, wt__layer *l) {
  WT_TRY(wt_batchnorm2d_init_params(ctx, &l->u.batchnorm2d));
  if (l->init == WT__INIT_ZERO_GAMMA)
    for (int64_t c = 0; c < l->u.batchnorm2d.C; c++) l->u.batchnorm2d.weight[c] = 0.0f;
  return WT_OK;
}
static void batchnorm2d_set_training(wt__layer *l, int training) {
  l->u.batchnorm2d.training = training;
}
/* weight and bias together (2*C floats) */
static size_t batchnorm2d_no_decay(const wt__layer *l) { return (size_t)(2 * l->u.batchnorm2d.C); }
static int batchnorm2d_state(wt__layer *l, wt__state_tensor *out) {
  const wt_batchnorm2d *b = &l->u.batchnorm2d;
  const char *const f32[4] = {"weight", "bias", "running_mean", "running_var"};
  float *const data[4] = {b->weight, b->bias, b->running_mean, b->running_var};
  for (int i = 0; i < 4; i++)
    out[i] = (wt__state_tensor){.suffix = f32[i], .ndim = 1, .shape = {b->C}, .data = data[i]};
  out[4] = (wt__state_tensor){.suffix = "num_batches_tracked", .i64 = true, .ndim = 0,
                              .data = &l->num_batches_tracked};
  return 5;
}
static const wt__layer_type batchnorm2d_type = {
    .name = "batchnorm2d", .inputs = 1, .input = WT__IN_PLANES,
    .keys = (const char *const[]){"eps", "momentum", "zero_init", NULL},
    .parse = batchnorm2d_parse, .connect = batchnorm2d_connect, HOOKS(batchnorm2d),
    .backward_reads_x = true, .backward_assigns = true,
    .buffer_floats = batchnorm2d_buffer_floats, .bind = batchnorm2d_bind,
    .init = batchnorm2d_init, .set_training = batchnorm2d_set_training,
    .no_decay = batchnorm2d_no_decay, .state = batchnorm2d_state};

/* ---------------------------------------------------------------- dropout */

PASSES(dropout, dropout)

static wt_status dropout_parse(wt__spec *s, wt__layer *l) {
  return wt__spec_num(s, "p", 0.5, &l->u.dropout.p);
}
static void dropout_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.dropout.elems = C * H * W;
}
static void dropout_set_training(wt__layer *l, int training) { l->u.dropout.training = training; }
static const wt__layer_type dropout_type = {
    .name = "dropout", .inputs = 1, .keys = (const char *const[]){"p", NULL},
    .parse = dropout_parse, .connect = dropout_connect, HOOKS(dropout),
    .set_training = dropout_set_training};

/* ---------------------------------------------------------------- add */

static wt_status add_sizes(wt_ctx *ctx, wt__layer *l, int64_t N, wt_layer_sizes *s) {
  return wt_add_sizes(ctx, &l->u.add, N, s);
}
static wt_status add_forward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                             const float *x2, float *y, void *ws) {
  return wt_add_forward(ctx, &l->u.add, N, x, x2, y);
}
static wt_status add_backward(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                              const float *y, const float *dy, float *dx, float *dx2, void *ws) {
  return wt__add_backward_into(ctx, &l->u.add, N, dy, dx, dx2, l->assign_din, l->assign_din2);
}
static wt_status add_parse(wt__spec *s, wt__layer *l) {
  return wt__spec_refs2(s, "inputs", &l->in, &l->in2);
}
static void add_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.add.elems = C * H * W;
}
static const wt__layer_type add_type = {
    .name = "add", .inputs = 2, .keys = (const char *const[]){"inputs", NULL},
    .parse = add_parse, .connect = add_connect, HOOKS(add), .backward_assigns = true};

/* ---------------------------------------------------------------- silu */

PASSES(silu, silu)

static void silu_connect(wt__layer *l, int64_t C, int64_t H, int64_t W) {
  l->u.silu.elems = C * H * W;
}
static const wt__layer_type silu_type = {
    .name = "silu", .inputs = 1, .keys = no_keys, .connect = silu_connect, HOOKS(silu),
    .backward_reads_x = true};

/* ---------------------------------------------------------------- the table */

/* One entry per line of layers.inc: a line without its <name>_type here does not compile, an
   entry without its line is an unused static (an error under -Werror). */
const wt__layer_type *const wt__layer_types[] = {
#define WT_LAYER(KIND, name, type) [WT__##KIND] = &name##_type,
#include "../layers/layers.inc"
#undef WT_LAYER
};
_Static_assert(sizeof wt__layer_types / sizeof wt__layer_types[0] == WT__KIND_COUNT,
               "wt__layer_types has one entry per kind");
