/* wasmtricks.h - the one public C header of the wasmtricks engine.

   wasmtricks trains image classifiers with the "bag of tricks" (label smoothing, mixup, Cutout,
   RICAP, AutoAugment, distillation, AdaBound, ...). The same C11 sources build natively (tests,
   fuzzing, sanitizers) and with Emscripten to one WebAssembly module with SIMD kernels.

   Conventions
   - Every fallible function returns a wt_status; results come back through out-parameters.
     On failure the context keeps a readable message: wt_ctx_last_error(ctx), valid until the
     next call on that context. The library never exits, aborts or prints.
   - Tensors are NCHW float32, row-major and contiguous, as in PyTorch. Shapes are int64_t.
   - The caller owns what it creates: every *_create has a matching *_destroy.
   - Everything random draws from the context's seeded RNG: same seed, same result.
   - Layers: wt_<l>_sizes() validates hyperparameters and reports the floats of parameters and
     the bytes of cache and workspace for a batch; forward() writes y and fills the cache;
     backward() ACCUMULATES into dx and the parameter gradients (zeroing is the caller's call).

   Usage (train the seed's student CNN on one batch):

     wt_status st;
     wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){ .seed = 42 }, &st);
     wt_model *m = NULL;
     if (wt_model_create_student_cnn(ctx, 1, 28, 28, 10, &m) != WT_OK) puts(wt_ctx_last_error(ctx));
     wt_trainer *t = NULL;
     wt_trainer_options to = { .optim = wt_optim_defaults(WT_OPTIM_ADABOUND) };
     to.optim.weight_decay = 5e-4, to.optim.no_bias_decay = 1;
     to.schedule = (wt_schedule){ .kind = WT_SCHEDULE_COSINE, .t_max = 9000, .warmup = 500,
                                  .warmup_start_factor = 0.1 };
     wt_trainer_create(m, &to, &t);
     float loss, acc;
     wt_trainer_step(t, images, labels, 64, &loss, &acc);   // images: (64,1,28,28), labels: (64)
     wt_trainer_destroy(t); wt_model_destroy(m); wt_ctx_destroy(ctx);
*/
#ifndef WASMTRICKS_H
#define WASMTRICKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WT_VERSION_STRING "0.1.0"

/* Largest accepted extent of any single dimension, and of any element count: shapes beyond
   these are rejected before any size product can overflow (wasm32 memory is 4 GiB). */
#define WT_MAX_DIM ((int64_t)1 << 24)
#define WT_MAX_ELEMS ((int64_t)1 << 31)

/* ---------------------------------------------------------------- status and errors */

typedef enum wt_status {
  WT_OK = 0,
  WT_ERR_ARG,         /* a bad argument: NULL, out of range, wrong option */
  WT_ERR_SHAPE,       /* shapes that do not fit together, or absurd sizes */
  WT_ERR_OOM,         /* an allocation failed; everything held before stays valid */
  WT_ERR_UNSUPPORTED, /* a valid request this build does not implement */
  WT_ERR_STATE,       /* the object is not in a state that allows the call */
  WT_ERR_FORMAT,      /* bytes that do not parse (IDX, images, weight files) */
  WT_ERR_NONFINITE,   /* NaN or Inf where finite numbers are required */
  WT_STATUS_COUNT
} wt_status;

/* A constant name for a status ("WT_ERR_SHAPE"); never NULL. */
const char *wt_status_str(wt_status st);

/* ---------------------------------------------------------------- context */

typedef struct wt_ctx wt_ctx;

typedef struct wt_ctx_options {
  uint64_t seed;       /* RNG seed (0 is a valid seed) */
  size_t arena_bytes;  /* scratch arena size; 0 picks the default (1 MiB) */
  int force_scalar;    /* nonzero: use the scalar kernels even where SIMD ones exist */
} wt_ctx_options;

/* opt may be NULL (defaults). Returns NULL and sets *st (if st is not NULL) on failure. */
wt_ctx *wt_ctx_create(const wt_ctx_options *opt, wt_status *st);
void wt_ctx_destroy(wt_ctx *ctx);
/* The message of the last failure on ctx ("wt_conv2d_sizes: C must be >= 1, got 0"), or "". */
const char *wt_ctx_last_error(const wt_ctx *ctx);
/* Bytes and blocks currently allocated through ctx (models, trainers, arena): a leak check. */
size_t wt_ctx_live_bytes(const wt_ctx *ctx);
size_t wt_ctx_live_allocs(const wt_ctx *ctx);
/* Name of the GEMM micro-kernel in use ("wt_f32_gemm_ukernel_4x8__wasmsimd"). */
const char *wt_ctx_kernel_name(const wt_ctx *ctx);

/* ---------------------------------------------------------------- random numbers */

/* PCG32 (O'Neill, pcg-random.org, XSH-RR 64/32). All samplers are deterministic given the seed. */
typedef struct wt_rng {
  uint64_t state;
  uint64_t inc;
} wt_rng;

void wt_rng_seed(wt_rng *rng, uint64_t seed, uint64_t stream);
uint32_t wt_rng_u32(wt_rng *rng);
/* Uniform integer in [0, n), unbiased; n >= 1. */
uint32_t wt_rng_below(wt_rng *rng, uint32_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double wt_rng_uniform(wt_rng *rng);
/* Standard normal N(0, 1). */
double wt_rng_normal(wt_rng *rng);
/* Gamma(shape, 1), shape > 0 (Marsaglia and Tsang 2000; shape < 1 by the U^(1/shape) boost). */
double wt_rng_gamma(wt_rng *rng, double shape);
/* Beta(a, b), a > 0, b > 0, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
double wt_rng_beta(wt_rng *rng, double a, double b);
/* The context's own generator. */
wt_rng *wt_ctx_rng(wt_ctx *ctx);

/* ---------------------------------------------------------------- tensor views */

/* DEPRECATED, removed in the next release: no engine function takes a wt_tensor (they take
   pointers and extents).
   A non-owning view: data pointer, shape and element strides (row-major contiguous when made
   by wt_tensor_nchw). Unused trailing dimensions have extent 1. */
typedef struct wt_tensor {
  float *data;
  int ndim;
  int64_t shape[4];
  int64_t stride[4];
} wt_tensor;

/* A contiguous (N,C,H,W) view over data; fails with WT_ERR_SHAPE on extents < 1 or too large. */
wt_status wt_tensor_nchw(wt_ctx *ctx, float *data, int64_t N, int64_t C, int64_t H, int64_t W,
                         wt_tensor *out);
int64_t wt_tensor_numel(const wt_tensor *t);

/* ---------------------------------------------------------------- layers */

/* What a layer needs, for a batch of N: parameter floats (weights then bias), bytes of cache
   written by forward and read by backward, and bytes of scratch workspace for either pass. */
typedef struct wt_layer_sizes {
  size_t param_floats;
  size_t cache_bytes;
  size_t workspace_bytes;
  int64_t out_elems; /* elements of one sample's output */
} wt_layer_sizes;

/* conv2d, torch.nn.Conv2d(C, OC, (KH,KW), stride, padding) with zero padding, groups = 1.
   weight: (OC,C,KH,KW), bias: (OC) or NULL; dweight/dbias likewise (NULL: not wanted).
   no_bias: the layer has no bias parameters (torch bias=False), so sizes() does not count them
   and bias, dbias stay NULL. */
typedef struct wt_conv2d {
  int64_t C, H, W;           /* input channels and extent */
  int64_t OC, KH, KW;        /* output channels, kernel */
  int64_t stride_h, stride_w;
  int64_t pad_h, pad_w;
  int no_bias;
  int64_t OH, OW;            /* output extent, filled by wt_conv2d_sizes */
  float *weight, *bias;
  float *dweight, *dbias;
} wt_conv2d;
wt_status wt_conv2d_sizes(wt_ctx *ctx, wt_conv2d *l, int64_t N, wt_layer_sizes *out);
wt_status wt_conv2d_forward(wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x, float *y,
                            void *cache, void *workspace);
/* dx may be NULL (first layer). */
wt_status wt_conv2d_backward(wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                             const float *dy, float *dx, const void *cache, void *workspace);
/* PyTorch's default: kaiming_uniform(a = sqrt(5)) for the weight, i.e. U(-1/sqrt(fan_in),
   1/sqrt(fan_in)), and the bias from the same bound; fan_in = C*KH*KW. */
wt_status wt_conv2d_init_params(wt_ctx *ctx, const wt_conv2d *l);

/* linear, torch.nn.Linear(IN, OUT): y = x W^T + b. x: (N,IN), W: (OUT,IN), b: (OUT) or NULL.
   no_bias: no bias parameters (torch bias=False), as for conv2d. */
typedef struct wt_linear {
  int64_t IN, OUT;
  int no_bias;
  float *weight, *bias;
  float *dweight, *dbias;
} wt_linear;
wt_status wt_linear_sizes(wt_ctx *ctx, wt_linear *l, int64_t N, wt_layer_sizes *out);
wt_status wt_linear_forward(wt_ctx *ctx, const wt_linear *l, int64_t N, const float *x, float *y,
                            void *cache, void *workspace);
wt_status wt_linear_backward(wt_ctx *ctx, const wt_linear *l, int64_t N, const float *x,
                             const float *dy, float *dx, const void *cache, void *workspace);
wt_status wt_linear_init_params(wt_ctx *ctx, const wt_linear *l);

/* relu over n elements: y = max(x, 0) (NaN propagates); backward: dx += dy * (y > 0). */
typedef struct wt_relu {
  int64_t elems; /* per sample */
} wt_relu;
wt_status wt_relu_sizes(wt_ctx *ctx, wt_relu *l, int64_t N, wt_layer_sizes *out);
wt_status wt_relu_forward(wt_ctx *ctx, const wt_relu *l, int64_t N, const float *x, float *y,
                          void *cache, void *workspace);
/* y is the forward output (as PyTorch, the mask comes from the result). */
wt_status wt_relu_backward(wt_ctx *ctx, const wt_relu *l, int64_t N, const float *y,
                           const float *dy, float *dx, const void *cache, void *workspace);

/* max-pool 2d, torch.nn.MaxPool2d(kernel, stride, padding) with -inf padding, floor mode.
   The cache holds the argmax of each output (int32, index into the input plane). */
typedef struct wt_maxpool2d {
  int64_t C, H, W;
  int64_t KH, KW, stride_h, stride_w, pad_h, pad_w;
  int64_t OH, OW; /* filled by wt_maxpool2d_sizes */
} wt_maxpool2d;
wt_status wt_maxpool2d_sizes(wt_ctx *ctx, wt_maxpool2d *l, int64_t N, wt_layer_sizes *out);
wt_status wt_maxpool2d_forward(wt_ctx *ctx, const wt_maxpool2d *l, int64_t N, const float *x,
                               float *y, void *cache, void *workspace);
wt_status wt_maxpool2d_backward(wt_ctx *ctx, const wt_maxpool2d *l, int64_t N, const float *x,
                                const float *dy, float *dx, const void *cache, void *workspace);

/* flatten (N,C,H,W) -> (N,C*H*W): on contiguous NCHW memory a copy (or nothing when y == x). */
typedef struct wt_flatten {
  int64_t elems; /* per sample */
} wt_flatten;
wt_status wt_flatten_sizes(wt_ctx *ctx, wt_flatten *l, int64_t N, wt_layer_sizes *out);
wt_status wt_flatten_forward(wt_ctx *ctx, const wt_flatten *l, int64_t N, const float *x, float *y,
                             void *cache, void *workspace);
wt_status wt_flatten_backward(wt_ctx *ctx, const wt_flatten *l, int64_t N, const float *x,
                              const float *dy, float *dx, const void *cache, void *workspace);

/* batch norm 2d, torch.nn.BatchNorm2d(C, eps, momentum) with affine and running statistics.
   training: normalise by the batch mean and biased variance over (N,H,W) and move running_mean /
   running_var (unbiased, n/(n-1)) by momentum; *num_batches_tracked += 1. eval: normalise by the
   running statistics. weight, bias: (C) parameters; running_mean, running_var: (C) buffers;
   num_batches_tracked: 1 int64 or NULL. cache: mean, invstd and the mode of the forward. */
typedef struct wt_batchnorm2d {
  int64_t C, H, W;
  double eps;      /* 1e-5 in torch */
  double momentum; /* 0.1 in torch */
  int training;
  float *weight, *bias, *running_mean, *running_var;
  int64_t *num_batches_tracked;
  float *dweight, *dbias;
} wt_batchnorm2d;
wt_status wt_batchnorm2d_sizes(wt_ctx *ctx, wt_batchnorm2d *l, int64_t N, wt_layer_sizes *out);
wt_status wt_batchnorm2d_forward(wt_ctx *ctx, const wt_batchnorm2d *l, int64_t N, const float *x,
                                 float *y, void *cache, void *workspace);
wt_status wt_batchnorm2d_backward(wt_ctx *ctx, const wt_batchnorm2d *l, int64_t N, const float *x,
                                  const float *dy, float *dx, const void *cache, void *workspace);
/* weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0. */
wt_status wt_batchnorm2d_init_params(wt_ctx *ctx, const wt_batchnorm2d *l);

/* average pool 2d, torch.nn.AvgPool2d(kernel, stride, padding), count_include_pad, floor mode.
   With the kernel equal to (H,W) it is the global average pool (nn.AdaptiveAvgPool2d(1)). */
typedef struct wt_avgpool2d {
  int64_t C, H, W;
  int64_t KH, KW, stride_h, stride_w, pad_h, pad_w;
  int64_t OH, OW; /* filled by wt_avgpool2d_sizes */
} wt_avgpool2d;
wt_status wt_avgpool2d_sizes(wt_ctx *ctx, wt_avgpool2d *l, int64_t N, wt_layer_sizes *out);
wt_status wt_avgpool2d_forward(wt_ctx *ctx, const wt_avgpool2d *l, int64_t N, const float *x,
                               float *y, void *cache, void *workspace);
wt_status wt_avgpool2d_backward(wt_ctx *ctx, const wt_avgpool2d *l, int64_t N, const float *x,
                                const float *dy, float *dx, const void *cache, void *workspace);

/* dropout, torch.nn.Dropout(p): training keeps each element with probability 1 - p (a draw
   from the context's RNG) and scales it by 1 / (1 - p); eval is the identity. */
typedef struct wt_dropout {
  int64_t elems; /* per sample */
  double p;      /* in [0, 1) */
  int training;
} wt_dropout;
wt_status wt_dropout_sizes(wt_ctx *ctx, wt_dropout *l, int64_t N, wt_layer_sizes *out);
wt_status wt_dropout_forward(wt_ctx *ctx, const wt_dropout *l, int64_t N, const float *x, float *y,
                             void *cache, void *workspace);
wt_status wt_dropout_backward(wt_ctx *ctx, const wt_dropout *l, int64_t N, const float *x,
                              const float *dy, float *dx, const void *cache, void *workspace);

/* residual add: y = a + b over (N,elems); backward: da += dy, db += dy. */
typedef struct wt_add {
  int64_t elems; /* per sample */
} wt_add;
wt_status wt_add_sizes(wt_ctx *ctx, wt_add *l, int64_t N, wt_layer_sizes *out);
wt_status wt_add_forward(wt_ctx *ctx, const wt_add *l, int64_t N, const float *a, const float *b,
                         float *y);
wt_status wt_add_backward(wt_ctx *ctx, const wt_add *l, int64_t N, const float *dy, float *da,
                          float *db);

/* silu, torch.nn.SiLU: y = x * sigmoid(x); backward: dx += dy * s * (1 + x * (1 - s)), s =
   sigmoid(x), from the forward's input x. */
typedef struct wt_silu {
  int64_t elems; /* per sample */
} wt_silu;
wt_status wt_silu_sizes(wt_ctx *ctx, wt_silu *l, int64_t N, wt_layer_sizes *out);
wt_status wt_silu_forward(wt_ctx *ctx, const wt_silu *l, int64_t N, const float *x, float *y,
                          void *cache, void *workspace);
wt_status wt_silu_backward(wt_ctx *ctx, const wt_silu *l, int64_t N, const float *x,
                           const float *dy, float *dx, const void *cache, void *workspace);

/* ---------------------------------------------------------------- losses */

/* DEPRECATED, removed in the next release: use wt_cross_entropy (labels, default options),
   which gives the same numbers and also reports non-finite logits.
   Softmax cross-entropy with integer labels, mean over the batch, as
   torch.nn.functional.cross_entropy(logits, labels). logits: (N,K); labels: (N) in [0, K).
   Stable for any finite logits (log-sum-exp with the row max subtracted, in double).
   dlogits (may be NULL) is WRITTEN with d loss / d logits = (softmax - onehot) / N.
   correct (may be NULL) receives how many rows have their label as the (first) argmax. */
wt_status wt_softmax_cross_entropy(wt_ctx *ctx, int64_t N, int64_t K, const float *logits,
                                   const int32_t *labels, float *loss, float *dlogits,
                                   int64_t *correct);

/* Row-wise softmax, probs: (N,K); in place allowed. */
wt_status wt_softmax(wt_ctx *ctx, int64_t N, int64_t K, const float *logits, float *probs);

/* The general cross-entropy, torch.nn.functional.cross_entropy(logits, target, weight,
   reduction=..., label_smoothing=eps) for (N,C) logits. The zero-initialised options are
   PyTorch's defaults (eps 0, 'mean', no weights). Scalars are doubles, as torch's Python floats
   (eps = 0.1f would move gradients near eps / C by ~1e-7 relative). */
typedef enum wt_reduction {
  WT_REDUCTION_MEAN = 0, /* mean over rows; hard labels with weights: / sum_i weight[y_i] */
  WT_REDUCTION_SUM,
  WT_REDUCTION_NONE      /* one loss per row; the gradient is that of their sum */
} wt_reduction;

typedef struct wt_ce_options {
  double label_smoothing; /* eps in [0, 1]: target (1 - eps) * q + eps / C, over ALL C classes */
  wt_reduction reduction;
  const float *weight;    /* (C) per-class weights (finite), or NULL for all 1 */
} wt_ce_options;

/* logits: (N,C). The target is EITHER labels: (N) in [0, C) (the other pointer NULL) OR
   targets: (N,C) probabilities (mixup, CutMix, RICAP; rows need not sum to 1, as in torch).
   With q' the smoothed target ((1 - eps) * onehot(y) + eps / C, or targets * (1 - eps) + eps / C
   as timm smooths a mixed target) and w the weights, each row's loss is
   L_i = -sum_c w_c q'_ic log softmax(z_i)_c, and d L_i / d z_ij = p_ij sum_c w_c q'_ic - w_j q'_ij.
   'mean' divides the sum by N, except for hard labels WITH weights, where it divides by
   sum_i w[y_i] (PyTorch's weighted mean, smoothing term included).
   loss: 1 float (mean, sum) or N floats (none); may be NULL. dlogits: (N,C) or NULL, WRITTEN
   with the gradient of the reduced loss ('none': of the sum). correct: NULL or the sum over
   rows of the raw target mass on the row's first argmax: the count of correct rows for hard
   labels, the lambda-weighted accuracy of the mixup/CutMix reference code for soft targets.
   Errors (nothing written): labels out of range (WT_ERR_ARG), NaN/Inf in logits, targets or
   weight (WT_ERR_NONFINITE, naming row and class), eps outside [0, 1], weights of the labels
   summing to 0 under 'mean'. A loss beyond float range (|logits| near 1e38) is
   WT_ERR_NONFINITE after the outputs were written. Stable for any finite logits. */
wt_status wt_cross_entropy(wt_ctx *ctx, int64_t N, int64_t C, const float *logits,
                           const int32_t *labels, const float *targets, const wt_ce_options *opt,
                           float *loss, float *dlogits, double *correct);

/* Knowledge distillation (Hinton et al. 2015) on logits. */
typedef struct wt_distill_options {
  double temperature; /* T > 0 (required; Hinton / Bag of Tricks use 1..20) */
  int accumulate;     /* 0: dstudent = dKD/ds; nonzero: dstudent += weight * dKD/ds */
  double weight;      /* w of "CE + w * KD", used only with accumulate (the trainer's form) */
} wt_distill_options;

/* student, teacher: (N,C) logits. loss (may be NULL) receives
     KD = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean') * T^2
   (unweighted), i.e. T^2 / N * sum_i KL(softmax(t_i / T) || softmax(s_i / T)). dstudent: (N,C)
   or NULL, the gradient with respect to the student only, T / N * (softmax(s / T) -
   softmax(t / T)); WRITTEN, or scaled by weight and ADDED (opt->accumulate), so a training
   step is: wt_cross_entropy(... dlogits ...) then wt_distillation(... accumulate = 1 ...).
   Teacher probabilities that underflow to 0 contribute 0 (0 log 0 = 0, as kl_div).
   Errors: NaN/Inf logits (WT_ERR_NONFINITE), T not finite and > 0 (WT_ERR_ARG). */
wt_status wt_distillation(wt_ctx *ctx, int64_t N, int64_t C, const float *student,
                          const float *teacher, const wt_distill_options *opt, float *loss,
                          float *dstudent);

/* ---------------------------------------------------------------- optimizers */

/* DEPRECATED, removed in the next release: use wt_optim_* with WT_OPTIM_SGD (same update,
   same kernel, double hyperparameters as PyTorch's). wt_sgd_check validates through
   wt_optim_check's rules.
   torch.optim.SGD: g += weight_decay * p; buf = momentum * buf + (1 - dampening) * g (buf = g on
   the first step); g = nesterov ? g + momentum * buf : buf (when momentum != 0); p -= lr * g. */
typedef struct wt_sgd_options {
  float lr;
  float momentum;
  float dampening;
  float weight_decay;
  int nesterov;
} wt_sgd_options;
wt_status wt_sgd_check(wt_ctx *ctx, const wt_sgd_options *opt);
/* One step over a flat block of n parameters. momentum_buf: n floats (unused if momentum == 0).
   step: steps taken so far (0 before the first); incremented. */
wt_status wt_sgd_step(wt_ctx *ctx, const wt_sgd_options *opt, size_t n, float *params,
                      const float *grads, float *momentum_buf, int64_t *step);

/* The optimizer family over one flat parameter block (the model's, or any caller's), with its
   state in the object: kind, options, moment buffers and step count. PyTorch semantics:
   - WT_OPTIM_SGD: torch.optim.SGD (momentum, dampening, nesterov, L2 weight_decay), as above.
   - WT_OPTIM_ADAM: torch.optim.Adam: g += wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g;
     (amsgrad: vmax = max(vmax, v), used for v); p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
   - WT_OPTIM_ADAMW: torch.optim.AdamW: p *= 1 - lr*wd (decoupled), then Adam without L2.
   - WT_OPTIM_ADABOUND: the official AdaBound (Luolc/AdaBound adabound.py), amsgrad = AMSBound:
     g += wd*p (L2); m, v (vmax) as Adam; step = lr*sqrt(1-b2^t)/(1-b1^t); f = final_lr*lr/base_lr
     (base_lr: the lr at creation, so schedules shrink the bounds too); p -= m * clamp(step /
     (sqrt(v) + eps), f*(1 - 1/(gamma*t + 1)), f*(1 + 1/(gamma*t))).
   Hyperparameters are doubles, as PyTorch's Python floats; the update runs in float32 with the
   scalars rounded where torch rounds them. wt_optim_defaults() gives PyTorch's defaults. */
typedef enum wt_optim_kind {
  WT_OPTIM_SGD = 0,
  WT_OPTIM_ADAM,
  WT_OPTIM_ADAMW,
  WT_OPTIM_ADABOUND,
  WT_OPTIM_KIND_COUNT
} wt_optim_kind;

typedef struct wt_optim_options {
  wt_optim_kind kind;
  double lr;            /* >= 0 (SGD: no default; Adam/AdamW/AdaBound 1e-3) */
  double weight_decay;  /* >= 0; L2 (SGD, Adam, AdaBound) or decoupled (AdamW, default 1e-2) */
  double momentum;      /* SGD */
  double dampening;     /* SGD */
  int nesterov;         /* SGD */
  double beta1, beta2;  /* Adam family: each in [0, 1) (0.9, 0.999) */
  double eps;           /* Adam family: >= 0 (1e-8) */
  int amsgrad;          /* Adam/AdamW: AMSGrad; AdaBound: AMSBound */
  double final_lr;      /* AdaBound: >= 0 (0.1) */
  double gamma;         /* AdaBound: in [0, 1) (1e-3) */
  int no_bias_decay;    /* no weight decay on the ranges given to wt_optim_create (biases) */
} wt_optim_options;

/* PyTorch's (and AdaBound's) defaults for kind; lr is 0 for SGD (torch requires it). */
wt_optim_options wt_optim_defaults(wt_optim_kind kind);
/* Validates opt as the reference constructors do, plus finiteness; names the bad field. */
wt_status wt_optim_check(wt_ctx *ctx, const wt_optim_options *opt);
/* "sgd", "adam", "adamw", "adabound" (NULL for an unknown kind). */
const char *wt_optim_kind_name(wt_optim_kind kind);

/* A slice [offset, offset + count) of a flat parameter block. */
typedef struct wt_param_range {
  size_t offset, count;
} wt_param_range;

typedef struct wt_optim wt_optim;
/* An optimizer for n parameters. no_decay (n_no_decay ranges inside [0, n), may be NULL) are
   the slices exempt from weight decay when opt->no_bias_decay is set: two parameter groups,
   one with weight_decay and one with 0, as torch's param groups. Allocates the moment buffers
   once (zeros); wt_optim_step never allocates. */
wt_status wt_optim_create(wt_ctx *ctx, const wt_optim_options *opt, size_t n,
                          const wt_param_range *no_decay, size_t n_no_decay, wt_optim **out);
void wt_optim_destroy(wt_optim *o);
/* One step: params (n) updated in place from grads (n), with the current lr. */
wt_status wt_optim_step(wt_optim *o, float *params, const float *grads);
/* Parameter groups, as torch's param_groups: each a slice [offset, offset + count) of the block
   with its own base lr and weight_decay, or frozen (requires_grad=False: never updated, no
   decay, its moments stay 0). The parameters no group holds form group 0, the options' lr and
   weight_decay; the no-decay ranges still have no decay inside any group. Groups are non-empty,
   inside [0, n) and disjoint; lr and weight_decay finite and >= 0 (AdaBound: lr > 0, its
   final_lr is scaled by each group's lr / base lr). Replaces any earlier groups; call it before
   the first step (moments of a group are whatever the steps before left). */
typedef struct wt_param_group {
  size_t offset, count;
  double lr, weight_decay;
  int frozen;
} wt_param_group;
wt_status wt_optim_set_groups(wt_optim *o, const wt_param_group *groups, size_t n_groups);
/* 1 + the groups of wt_optim_set_groups, in its order of offsets (group 0: the default). */
size_t wt_optim_group_count(const wt_optim *o);
double wt_optim_group_base_lr(const wt_optim *o, size_t group);
/* The current lr of one group (a schedule's value of that group's base lr). */
wt_status wt_optim_set_group_lr(wt_optim *o, size_t group, double lr);
/* The current lr of group 0 (a schedule's value); every other group gets its base lr times
   lr / group 0's base lr (unchanged when that is 0), so a manual lr scales all groups alike.
   The base lrs stay the ones given at creation and by wt_optim_set_groups. */
wt_status wt_optim_set_lr(wt_optim *o, double lr);
double wt_optim_lr(const wt_optim *o);
int64_t wt_optim_steps(const wt_optim *o);
const wt_optim_options *wt_optim_get_options(const wt_optim *o);
/* The state a checkpoint saves: the moment buffers as one flat float array, in this order
   (each n floats): SGD [momentum] (none without momentum); Adam/AdamW/AdaBound [m, v] plus
   [vmax] with amsgrad; and the step count. Export then import into an optimizer of the same
   options and n continues the run bit for bit. n_floats must equal wt_optim_state_floats(). */
size_t wt_optim_state_floats(const wt_optim *o);
wt_status wt_optim_state_export(const wt_optim *o, float *state, size_t n_floats, int64_t *steps);
wt_status wt_optim_state_import(wt_optim *o, const float *state, size_t n_floats, int64_t steps);

/* ---------------------------------------------------------------- learning-rate schedules */

/* lr(tick) as torch.optim.lr_scheduler computes it, with ticks counted from 0 (the lr before the
   first scheduler.step()); a tick is one optimizer step or one epoch, as the user steps it.
   - CONSTANT: base_lr.  STEP (StepLR): base_lr * gamma^floor(t / step_size).
   - MULTISTEP (MultiStepLR): base_lr * gamma^(number of milestones <= t).
   - COSINE (CosineAnnealingLR): eta_min + (base_lr - eta_min) * (1 + cos(pi * t / t_max)) / 2
     (the closed form of PyTorch's recursion, which also continues past t_max, periodically).
   Warm-up (warmup > 0) is SequentialLR([LinearLR(warmup_start_factor, 1.0, total_iters=warmup),
   main], milestones=[warmup]): for t < warmup, base_lr * (s + (1 - s) * t / warmup); from then on
   the main schedule at t - warmup (its clock starts at the end of the warm-up, so t_max and the
   milestones count from there). */
typedef enum wt_schedule_kind {
  WT_SCHEDULE_CONSTANT = 0,
  WT_SCHEDULE_STEP,
  WT_SCHEDULE_MULTISTEP,
  WT_SCHEDULE_COSINE,
  WT_SCHEDULE_KIND_COUNT
} wt_schedule_kind;

#define WT_SCHEDULE_MAX_MILESTONES 16

typedef struct wt_schedule {
  wt_schedule_kind kind;
  int per_epoch;          /* trainer: 0 ticks per optimizer step, 1 per wt_trainer_end_epoch */
  int64_t step_size;      /* STEP: >= 1 */
  double gamma;           /* STEP, MULTISTEP: factor >= 0 (PyTorch's default 0.1) */
  int64_t milestones[WT_SCHEDULE_MAX_MILESTONES]; /* MULTISTEP: increasing, >= 1 */
  int n_milestones;
  int64_t t_max;          /* COSINE: >= 1 */
  double eta_min;         /* COSINE: >= 0 */
  int64_t warmup;         /* ticks of linear warm-up, 0 for none */
  double warmup_start_factor; /* in (0, 1]; LinearLR's default is 1/3 */
} wt_schedule;

wt_status wt_schedule_check(wt_ctx *ctx, const wt_schedule *s);
/* The lr at tick (>= 0) for base_lr. */
wt_status wt_schedule_lr(wt_ctx *ctx, const wt_schedule *s, double base_lr, int64_t tick,
                         double *lr);

/* ---------------------------------------------------------------- models */

typedef struct wt_model wt_model;

/* The seed's student CNN for inputs (C,H,W), H and W even:
   conv3x3(C->32, pad 1) -> ReLU -> conv3x3(32->64, pad 1) -> ReLU -> maxpool 2x2 -> flatten ->
   linear(64*(H/2)*(W/2) -> 128) -> ReLU -> linear(128 -> classes).
   Weights are initialised as PyTorch does by default, from the context's RNG. */
wt_status wt_model_create_student_cnn(wt_ctx *ctx, int64_t C, int64_t H, int64_t W,
                                      int64_t num_classes, wt_model **out);
void wt_model_destroy(wt_model *m);
wt_ctx *wt_model_ctx(const wt_model *m);
/* Input (C,H,W) and class count. */
void wt_model_shape(const wt_model *m, int64_t chw[3], int64_t *num_classes);
size_t wt_model_param_count(const wt_model *m);
/* The flat parameter block in PyTorch state_dict order (for each layer: weight, then bias). */
float *wt_model_params(wt_model *m);
float *wt_model_grads(wt_model *m);
/* The slices of the parameter block exempt from weight decay under no_bias_decay: every
   layer's bias (and BatchNorm parameters, when the model has them). Writes the first
   min(count, cap) ranges to out (NULL with cap 0 only counts) and returns the count. */
size_t wt_model_no_decay_ranges(const wt_model *m, wt_param_range *out, size_t cap);
/* Train / eval mode, as torch's model.train() / model.eval(): BatchNorm uses batch statistics
   and updates its running ones in training, the running ones in eval; Dropout is on only in
   training. Models start in training mode (as torch modules). wt_model_forward / predict run
   in the current mode; wt_trainer_step always trains the student in training mode and runs a
   distillation teacher in eval mode (each model's own flag is left as it was). */
void wt_model_set_training(wt_model *m, int training);
int wt_model_training(const wt_model *m);
/* Re-initialises every parameter (and BatchNorm buffer) as at creation, from the context's RNG. */
wt_status wt_model_reset_params(wt_model *m);
/* BatchNorm running statistics (for each BatchNorm layer: running_mean (C), running_var (C));
   *n receives the float count. NULL for models without BatchNorm buffers is not an error. */
float *wt_model_buffers(wt_model *m, size_t *n);

/* CIFAR ResNet (He et al. 2016, sec. 4.2) of depth = 6n + 2 (8, 14, 20, 32, 44, 56): a 3x3
   conv(16) + BN + ReLU stem, three stages of n BasicBlocks with 16, 32, 64 channels (strides
   1, 2, 2), global average pool, linear. Shortcuts are option B: a 1x1 conv + BN projection
   where the shape changes, the identity elsewhere. zero_init_residual: each block's last BN
   starts with weight 0 (Goyal et al. 2017; Bag of Tricks). Convs have no bias and start as
   torchvision's (kaiming_normal_, fan_out); BN weight 1, bias 0. State_dict names are
   torchvision's: conv1, bn1, layer1.0.conv1, ..., layer2.0.downsample.0, ..., fc. */
wt_status wt_model_create_resnet(wt_ctx *ctx, int depth, int64_t C, int64_t H, int64_t W,
                                 int64_t num_classes, int zero_init_residual, wt_model **out);
/* ResNet-18 for small inputs (the CIFAR variant): torchvision's resnet18 with a 3x3 stride-1
   stem conv and no max-pool; stages of 2 BasicBlocks with 64, 128, 256, 512 channels. Its
   state_dict equals that of torchvision.models.resnet18(num_classes=K) after
   `m.conv1 = nn.Conv2d(C, 64, 3, 1, 1, bias=False); m.maxpool = nn.Identity()`. */
wt_status wt_model_create_resnet18(wt_ctx *ctx, int64_t C, int64_t H, int64_t W,
                                   int64_t num_classes, int zero_init_residual, wt_model **out);

/* A model from a JSON spec (len bytes, not NUL-terminated necessarily). Either a named model,
     {"model": "resnet", "depth": 20, "input": [3, 32, 32], "classes": 10,
      "zero_init_residual": false}          ("student_cnn", "resnet", "resnet18")
   or an explicit list of layers, each reading the previous layer unless it says otherwise:
     {"input": [1, 28, 28], "classes": 10, "layers": [
        {"type": "conv2d", "name": "conv1", "out_channels": 16, "kernel": 3, "padding": 1,
         "bias": false},
        {"type": "batchnorm2d", "name": "bn1", "id": "a"},
        {"type": "relu"},
        {"type": "add", "inputs": ["a", "@input"]}, ...]}
   Types and keys (defaults in brackets): conv2d out_channels kernel stride[1] padding[0]
   bias[true] init["torch"|"kaiming_out"]; linear out_features bias[true]; batchnorm2d
   eps[1e-5] momentum[0.1] zero_init[false]; relu; silu; flatten; maxpool2d and avgpool2d kernel
   stride[kernel] padding[0]; global_avgpool; dropout p[0.5]; add inputs [a, b]. Every layer
   may have "name" (its state_dict prefix; default: its index, as nn.Sequential), "id" (for
   references; default: its name) and "input" (an id, or "@input" for the model input).
   The last layer must give `classes` values. Unknown keys and types are errors (WT_ERR_FORMAT
   for bad JSON, WT_ERR_ARG / WT_ERR_SHAPE naming the layer and key otherwise). */
wt_status wt_model_create_from_spec(wt_ctx *ctx, const char *spec, size_t len, wt_model **out);
/* The model's spec as JSON (NUL-terminated; owned by the model). Named models give their named
   spec, so wt_model_create_from_spec(wt_model_spec(m)) builds the same architecture. */
const char *wt_model_spec(const wt_model *m);
/* A torchinfo-like table: one row per layer (index, name, type, output shape, parameters),
   then the totals. Writes at most cap bytes (NUL-terminated) and the full length to *len. */
wt_status wt_model_summary(wt_model *m, char *buf, size_t cap, size_t *len);

/* Weights as safetensors (huggingface/safetensors: u64 little-endian header length, a JSON
   header {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, raw little-endian data).
   Names, shapes and order are the PyTorch state_dict's: conv/linear weight and bias, BatchNorm
   weight, bias, running_mean, running_var (F32) and num_batches_tracked (I64, shape []).
   __metadata__ holds {"format": "pt", "spec": <wt_model_spec>} (examples/pytorch/wt_models.py
   writes the same bytes from a PyTorch state_dict).
   Save: with out NULL, only *size is set; otherwise cap must be >= *size. */
wt_status wt_model_save_safetensors(wt_model *m, uint8_t *out, size_t cap, size_t *size);
/* The model's state_dict as JSON, in order: [{"name": "conv1.weight", "shape": [32, 1, 3, 3],
   "block": "params", "offset": 0}, ...]. block: "params" (offset in floats into the flat
   parameter block), "buffers" (into the BatchNorm buffer block) or "counter" (BatchNorm's
   num_batches_tracked, an I64 of shape [] and no offset). Freezing, parameter groups and a new
   head address tensors by these names. Writes at most cap bytes (NUL-terminated) and the full
   length to *len. */
wt_status wt_model_tensor_list(wt_model *m, char *buf, size_t cap, size_t *len);
/* Loads the weights of a file into m: every state_dict tensor of m must be present with its
   dtype and shape, and no other tensor may be. The whole file is validated before anything is
   written (truncation, header length, JSON, dtypes, shapes and their byte sizes, offsets inside
   the data and not overlapping): WT_ERR_FORMAT, or WT_ERR_SHAPE for a mismatch with m. */
wt_status wt_model_load_safetensors(wt_model *m, const uint8_t *bytes, size_t len);
/* Builds the model its __metadata__ spec describes, then loads the weights into it. */
wt_status wt_model_create_from_safetensors(wt_ctx *ctx, const uint8_t *bytes, size_t len,
                                           wt_model **out);
/* Logits (N,K) for x (N,C,H,W); any N >= 1 (processed in chunks). Rejects NaN/Inf input. */
wt_status wt_model_forward(wt_model *m, const float *x, int64_t N, float *logits);
/* Class probabilities (N,K): softmax of the logits. */
wt_status wt_model_predict(wt_model *m, const float *x, int64_t N, float *probs);

/* ---------------------------------------------------------------- data */

/* IDX files (MNIST, Fashion-MNIST), uncompressed bytes: magic 0x0000 08 <ndim>, big-endian
   extents, then uint8 data. Fills ndim, dims and the offset of the data in bytes. */
typedef struct wt_idx_info {
  int ndim;
  int64_t dims[4];
  size_t data_offset;
  size_t data_bytes;
} wt_idx_info;
wt_status wt_idx_parse(wt_ctx *ctx, const uint8_t *bytes, size_t len, wt_idx_info *out);

/* uint8 images (N,C,H,W) to float (x / 255 - mean[c]) / std[c]; mean/std may be NULL (0 and 1). */
wt_status wt_images_u8_to_f32(wt_ctx *ctx, const uint8_t *src, int64_t N, int64_t C, int64_t H,
                              int64_t W, const float *mean, const float *std, float *dst);

/* ---------------------------------------------------------------- augmentation */

/* Per-image augmentation on uint8 images with torchvision 0.14 semantics (tensor path), and the
   float side (ToTensor + Normalize, Cutout, RandomErasing). Images are HWC interleaved (canvas
   ImageData order) with C = 1, 3 or 4. Channel policy for C = 4 (RGBA): colour and pointwise ops
   (Brightness ... Invert, uint8 Cutout/erasing) leave alpha untouched; geometric ops move alpha
   with the pixels, as torchvision does for a 4-channel tensor (fill default 0 on every channel).
   Ops never alias: src and dst must not overlap unless a function says so. Randomness comes
   from the context's RNG only. See docs/augment.md for what matches torchvision exactly. */
typedef struct wt_image {
  uint8_t *data; /* H*W*C bytes, row-major, channels interleaved */
  int64_t H, W, C;
} wt_image;

typedef enum wt_interp { WT_INTERP_NEAREST = 0, WT_INTERP_BILINEAR = 1 } wt_interp;

/* The 14 AutoAugment ops plus Identity, in torchvision RandAugment's order (Invert last). */
typedef enum wt_aug_op {
  WT_AUG_IDENTITY = 0, WT_AUG_SHEAR_X, WT_AUG_SHEAR_Y, WT_AUG_TRANSLATE_X, WT_AUG_TRANSLATE_Y,
  WT_AUG_ROTATE, WT_AUG_BRIGHTNESS, WT_AUG_COLOR, WT_AUG_CONTRAST, WT_AUG_SHARPNESS,
  WT_AUG_POSTERIZE, WT_AUG_SOLARIZE, WT_AUG_AUTOCONTRAST, WT_AUG_EQUALIZE, WT_AUG_INVERT,
  WT_AUG_OP_COUNT
} wt_aug_op;
/* "ShearX", ... as torchvision spells them; NULL when out of range. */
const char *wt_aug_op_name(wt_aug_op op);
/* The op called `name` (case-sensitive torchvision spelling), or -1. */
int wt_aug_op_from_name(const char *name);

typedef enum wt_aug_policy {
  WT_AUG_POLICY_IMAGENET = 0, WT_AUG_POLICY_CIFAR10, WT_AUG_POLICY_SVHN, WT_AUG_POLICY_COUNT
} wt_aug_policy;
/* One AutoAugment policy entry: (op, p, magnitude bin); bin -1 means torchvision's None. */
typedef struct wt_aug_policy_entry {
  uint8_t op;
  int8_t bin;
  float p;
} wt_aug_policy_entry;
/* The 25 sub-policies of a policy, 2 entries each (50 entries), exactly torchvision 0.14's list. */
const wt_aug_policy_entry *wt_aug_policy_table(wt_aug_policy policy);

/* Geometry. dst->H/W/C must be set by the caller to the output extent; dst->data holds
   dst->H*dst->W*dst->C bytes. */
/* torchvision F.resize on a uint8 tensor (antialias=False, the 0.14 tensor default): nearest
   (floor(i * in/out)) or bilinear (align_corners=False, half-pixel centres), rounded half-even. */
wt_status wt_image_resize(wt_ctx *ctx, const wt_image *src, wt_image *dst, wt_interp interp);
/* The crop box (top, left, dst->H, dst->W); parts outside src are 0 (torchvision F.crop). */
wt_status wt_image_crop(wt_ctx *ctx, const wt_image *src, int64_t top, int64_t left, wt_image *dst);
/* torchvision F.center_crop to dst->H x dst->W (zero padding when larger than src). */
wt_status wt_image_center_crop(wt_ctx *ctx, const wt_image *src, wt_image *dst);
/* torchvision F.resized_crop: crop (top, left, h, w) of src, then resize into dst. */
wt_status wt_image_resized_crop(wt_ctx *ctx, const wt_image *src, int64_t top, int64_t left,
                                int64_t h, int64_t w, wt_image *dst, wt_interp interp);
/* Flips (src == dst allowed). */
wt_status wt_image_hflip(wt_ctx *ctx, const wt_image *src, wt_image *dst);
wt_status wt_image_vflip(wt_ctx *ctx, const wt_image *src, wt_image *dst);
/* Output extent of torchvision's Resize(size) with one size (smaller edge) when w is 0. */
wt_status wt_image_resize_extent(wt_ctx *ctx, int64_t H, int64_t W, int64_t size_h, int64_t size_w,
                                 int64_t *out_h, int64_t *out_w);

/* One AutoAugment op with the magnitude torchvision's _apply_op(img, op, magnitude, ...)
   receives: shear value before atan, pixels for Translate (truncated by int()), degrees
   (counter-clockwise) for Rotate, factor = 1 + magnitude for Brightness/Color/Contrast/
   Sharpness, bits for Posterize (int()), the threshold for Solarize; ignored otherwise.
   fill: C values for the area outside a geometric op's source, or NULL (torchvision fill=None:
   zeros, and bilinear blends towards 0 without the fill mask). dst has src's extent; it may be
   src itself (the op then works through scratch from the context's arena). */
wt_status wt_aug_apply(wt_ctx *ctx, wt_aug_op op, double magnitude, wt_interp interp,
                       const float *fill, const wt_image *src, wt_image *dst);

/* Magnitude of bin `bin` of `op` in torchvision's _augmentation_space for num_bins bins
   (AutoAugment 10, RandAugment 31) on an H x W image; wide = TrivialAugmentWide's ranges.
   Ops without magnitudes give 0. Signed ops give the positive value. */
double wt_aug_magnitude(wt_aug_op op, int bin, int num_bins, int64_t H, int64_t W, int wide);
int wt_aug_op_signed(wt_aug_op op);

/* What a random policy drew (demos, logs): the optional last argument of the three policy
   functions below, filled when not NULL (unspecified after an error). Replaying the applied ops in order with
   wt_aug_apply (same interp and fill) gives the policy's output pixel for pixel. */
#define WT_AUG_REPORT_MAX_OPS 64
typedef struct wt_aug_drawn_op {
  wt_aug_op op;
  int bin;          /* magnitude bin, -1 when the op has none (torchvision's None) */
  int applied;      /* 1 applied; 0 skipped by its probability (AutoAugment only) */
  float p;          /* its probability: the AutoAugment table's, else 1 */
  double magnitude; /* signed, as wt_aug_apply takes it (also when skipped); 0 without a bin */
} wt_aug_drawn_op;
typedef struct wt_aug_report {
  int sub_policy;   /* AutoAugment: 0..24, table entries 2*sub_policy and 2*sub_policy+1; else -1 */
  int n_ops;        /* entries of ops: AutoAugment 2, RandAugment num_ops, TrivialAugment 1 */
  wt_aug_drawn_op ops[WT_AUG_REPORT_MAX_OPS];
} wt_aug_report;

/* Random policies, drawing from the context's RNG (src == dst allowed); report may be NULL. */
wt_status wt_aug_autoaugment(wt_ctx *ctx, wt_aug_policy policy, wt_interp interp, const float *fill,
                             const wt_image *src, wt_image *dst, wt_aug_report *report);
/* RandAugment(num_ops, magnitude, num_magnitude_bins); torchvision defaults 2, 9, 31. num_ops is
   at most WT_AUG_REPORT_MAX_OPS (64). */
wt_status wt_aug_randaugment(wt_ctx *ctx, int num_ops, int magnitude, int num_bins, wt_interp interp,
                             const float *fill, const wt_image *src, wt_image *dst,
                             wt_aug_report *report);
/* TrivialAugmentWide(num_magnitude_bins) (default 31). */
wt_status wt_aug_trivialaugment(wt_ctx *ctx, int num_bins, wt_interp interp, const float *fill,
                                const wt_image *src, wt_image *dst, wt_aug_report *report);

/* Samplers, exactly torchvision's get_params (10 attempts each), from the context's RNG.
   box: {top, left, h, w}. */
wt_status wt_aug_rrc_params(wt_ctx *ctx, int64_t H, int64_t W, const float scale[2],
                            const float ratio[2], int64_t box[4]);
/* RandomErasing.get_params: box {top, left, h, w}; *found = 0 when all 10 attempts fail. */
wt_status wt_aug_erasing_params(wt_ctx *ctx, int64_t H, int64_t W, const float scale[2],
                                const float ratio[2], int64_t box[4], int *found);

/* Cutout (DeVries & Taylor, uoguelph-mlrg/Cutout util/cutout.py): zero the rows
   clip(cy - length/2, 0, H) .. clip(cy + length/2, 0, H) (end exclusive) and likewise columns,
   on every channel of a float CHW tensor x (C,H,W) - i.e. after Normalize. */
wt_status wt_aug_cutout_f32_at(wt_ctx *ctx, float *x, int64_t C, int64_t H, int64_t W, int64_t cy,
                               int64_t cx, int64_t length);
/* n_holes holes, centres uniform in [0,H) x [0,W) from the context's RNG. */
wt_status wt_aug_cutout_f32(wt_ctx *ctx, float *x, int64_t C, int64_t H, int64_t W, int n_holes,
                            int64_t length);
/* The same holes on a uint8 image (demos): colour channels set to 0, alpha untouched. */
wt_status wt_aug_cutout_u8_at(wt_ctx *ctx, wt_image *img, int64_t cy, int64_t cx, int64_t length);
wt_status wt_aug_cutout_u8(wt_ctx *ctx, wt_image *img, int n_holes, int64_t length);

/* Erasing value: WT_ERASE_CONST with one value per channel (value[c]), or WT_ERASE_RANDOM
   (float: N(0,1) per element as torchvision's value='random'; uint8: uniform bytes). */
typedef enum wt_erase_mode { WT_ERASE_CONST = 0, WT_ERASE_RANDOM = 1 } wt_erase_mode;
/* torchvision F.erase on a float CHW tensor: box {top, left, h, w}. value: C floats (CONST). */
wt_status wt_aug_erase_f32(wt_ctx *ctx, float *x, int64_t C, int64_t H, int64_t W,
                           const int64_t box[4], wt_erase_mode mode, const float *value);
/* On a uint8 image: value holds the colour channels' bytes (alpha untouched). */
wt_status wt_aug_erase_u8(wt_ctx *ctx, wt_image *img, const int64_t box[4], wt_erase_mode mode,
                          const uint8_t *value);

/* ToTensor + Normalize of one HWC image into CHW floats: the first out_C channels (e.g. 3 of
   RGBA), (x / 255 - mean[c]) / std[c]; mean/std may be NULL. dst: out_C*H*W floats. */
wt_status wt_image_to_tensor(wt_ctx *ctx, const wt_image *src, int64_t out_C, const float *mean,
                             const float *std, float *dst);

/* A per-sample pipeline: an ordered list of steps applied with the context's RNG. Steps before
   WT_STEP_TO_TENSOR act on the uint8 image; WT_STEP_CUTOUT and WT_STEP_ERASING after it act on
   the float tensor (as in the Cutout and torchvision recipes), before it on the uint8 image. */
typedef enum wt_aug_step_kind {
  WT_STEP_RESIZE = 0,          /* size_h, size_w (size_w 0: smaller edge = size_h), interp */
  WT_STEP_CENTER_CROP,         /* size_h, size_w */
  WT_STEP_RANDOM_CROP,         /* size_h, size_w, padding (zero), as RandomCrop(size, padding) */
  WT_STEP_RANDOM_RESIZED_CROP, /* size_h, size_w, scale, ratio, interp */
  WT_STEP_HFLIP,               /* with probability p */
  WT_STEP_VFLIP,               /* with probability p */
  WT_STEP_AUTOAUGMENT,         /* policy, interp, fill */
  WT_STEP_RANDAUGMENT,         /* num_ops, magnitude, num_bins, interp, fill */
  WT_STEP_TRIVIALAUGMENT,      /* num_bins, interp, fill */
  WT_STEP_OP,                  /* op, magnitude, interp, fill, with probability p */
  WT_STEP_TO_TENSOR,           /* out_C (0: all), mean, std */
  WT_STEP_CUTOUT,              /* n_holes, length */
  WT_STEP_ERASING,             /* p, scale, ratio, erase_mode, value */
  WT_STEP_COUNT
} wt_aug_step_kind;
typedef struct wt_aug_step {
  wt_aug_step_kind kind;
  float p;                 /* flips, OP and ERASING; other kinds ignore it */
  int64_t size_h, size_w;
  int64_t padding;
  float scale[2], ratio[2];
  wt_interp interp;
  const float *fill;       /* C values or NULL */
  wt_aug_policy policy;
  int num_ops, magnitude_bin, num_bins;
  wt_aug_op op;
  double magnitude;
  int64_t out_C;
  const float *mean, *std;
  int n_holes;
  int64_t length;
  wt_erase_mode erase_mode;
  const float *value;      /* ERASING: one per channel (float side), or colour bytes/255 */
} wt_aug_step;
/* "resize", "centerCrop", "randomCrop", "randomResizedCrop", "hflip", ... (the JS API's names,
   from the pipeline's step table); NULL when out of range. */
const char *wt_aug_step_name(wt_aug_step_kind kind);
/* Output of the pipeline for an H x W x C input: uint8 extent, or float (out_C, H, W) when a
   TO_TENSOR step is present (*is_float = 1). Validates every step. */
wt_status wt_aug_pipeline_shape(wt_ctx *ctx, const wt_aug_step *steps, int n_steps, int64_t H,
                                int64_t W, int64_t C, int64_t out_chw[3], int *is_float);
/* Runs the pipeline on src. Writes out_u8 (extent from wt_aug_pipeline_shape) or, with a
   TO_TENSOR step, out_f32 (out_C*H*W floats, CHW); the other may be NULL. Scratch images come
   from the context's arena when they fit, otherwise from one tracked allocation freed before
   returning. */
wt_status wt_aug_pipeline_run(wt_ctx *ctx, const wt_aug_step *steps, int n_steps,
                              const wt_image *src, uint8_t *out_u8, float *out_f32);

/* ---------------------------------------------------------------- data sets and loader */

/* CIFAR-10 / CIFAR-100 binary batches (cs.toronto.edu/~kriz/cifar.html): records of label
   byte(s), then 3072 bytes of the 32x32 R, G, B planes. classes 10: one label byte (0..9),
   3073-byte records; classes 100: coarse (0..19) then fine (0..99) label, 3074-byte records,
   the fine label is used. *count receives the number of records; images (count*32*32*3 bytes,
   HWC interleaved) and labels (count int32) may be NULL (count only). Every record is checked
   before anything is written: empty input, a length that is not a whole number of records
   (truncated, or the other variant) and labels out of range are WT_ERR_FORMAT. */
wt_status wt_cifar_parse(wt_ctx *ctx, const uint8_t *bytes, size_t len, int classes,
                         int64_t *count, uint8_t *images, int32_t *labels);

/* PNG and JPEG decoding with stb_image compiled into the engine (no stdio; dimensions up to
   16384). wt_image_decode_info: the file's extent and channel count (1 grey, 2 grey + alpha,
   3 RGB, 4 RGBA) without decoding. */
wt_status wt_image_decode_info(wt_ctx *ctx, const uint8_t *bytes, size_t len, int64_t *H,
                               int64_t *W, int64_t *C);
/* Decodes into dst, whose H, W and C (1, 3 or 4) the caller sets: channels converted as
   stb_image does (grey <-> RGB by luma, alpha dropped or set to 255); an image of another extent
   is resized (bilinear) to cover dst, then centre-cropped - torchvision's Resize + CenterCrop.
   Not an image, truncated or corrupt: WT_ERR_FORMAT with stb_image's reason. */
wt_status wt_image_decode(wt_ctx *ctx, const uint8_t *bytes, size_t len, wt_image *dst);

/* Fisher-Yates shuffle of idx[0..n) with the context's RNG (i from n-1 down to 1 swaps with
   wt_rng_below(i + 1)): the loader's per-epoch order. */
wt_status wt_data_shuffle(wt_ctx *ctx, int32_t *idx, int64_t n);
/* One batch for the model: each of the n HWC uint8 images in src (n*H*W*C bytes, contiguous)
   goes through the pipeline steps, which must contain a TO_TENSOR step; out receives n float
   tensors (N, out_C, OH, OW) as wt_aug_pipeline_shape gives them. Random steps draw from the
   context's RNG, sample by sample in order. */
wt_status wt_data_batch(wt_ctx *ctx, const wt_aug_step *steps, int n_steps, const uint8_t *src,
                        int64_t n, int64_t H, int64_t W, int64_t C, float *out);

/* ---------------------------------------------------------------- batch tricks */

/* mixup (Zhang et al. 2018, facebookresearch/mixup-cifar10 train.py), CutMix (Yun et al. 2019,
   clovaai/CutMix-PyTorch train.py) and RICAP (Takahashi et al. 2018, jackryo/ricap
   trainers.py) over a batch x: (N,C,H,W) floats after Normalize, with labels: (N) in [0, K).
   A mixed batch is 1, 2 or 4 PARTS: part k of output sample i comes from input sample
   perm[k*N + i] with weight weight[k] (sum 1), so
     soft target  t_i = sum_k weight[k] * onehot(labels[perm[k*N + i]])   (N,K), consumed by
                        wt_cross_entropy(targets = t), which equals the official
                        sum_k weight[k] * CE(logits, labels[perm_k]) (any label smoothing);
     accuracy         = sum_k weight[k] * acc(labels[perm_k])             (official reporting).
   mixup and CutMix: part 0 is the batch itself (identity), part 1 its partner permutation,
   weights {lambda, 1 - lambda}. RICAP: four parts, weight[k] = area_k / (H*W).
   Three steps, each usable alone: a sampler (wt_mixup_sample, wt_cutmix_sample,
   wt_ricap_sample, or wt_batch_sample for the options below) or a setter with explicit
   parameters (wt_mixup_params, ...) fills a wt_batch_params; wt_batch_apply mixes the images;
   wt_batch_targets writes the soft targets. wt_batch_mix does all three for a training step.
   Nothing allocates: the caller provides perm storage, the output batch and the targets. */
typedef enum wt_batch_trick {
  WT_BATCH_NONE = 0, /* no mixing (a skipped batch): one part, the identity, weight 1 */
  WT_BATCH_MIXUP,
  WT_BATCH_CUTMIX,
  WT_BATCH_RICAP,
  WT_BATCH_TRICK_COUNT
} wt_batch_trick;

#define WT_BATCH_MAX_PARTS 4

/* What one mixed batch is made of. Set perm (WT_BATCH_MAX_PARTS * N int32 of the caller's)
   before calling a sampler or setter; they fill everything else. */
typedef struct wt_batch_params {
  wt_batch_trick trick;
  int64_t N, H, W;                   /* H = W = 0: any image size (mixup) */
  int n_parts;                       /* 1 (NONE), 2 (mixup, CutMix), 4 (RICAP) */
  double weight[WT_BATCH_MAX_PARTS]; /* part weights, sum 1 (unused entries 0) */
  int32_t *perm;                     /* part k, sample i: source sample perm[k*N + i] */
  double lambda;                     /* mixup: the Beta draw; CutMix: 1 - box area / (H*W) */
  double lambda_drawn;               /* CutMix: the Beta draw the box was sized from */
  int64_t center[2];                 /* CutMix: the drawn centre x (column), y (row); explicit
                                        boxes: their midpoint */
  int64_t box[4];                    /* CutMix: x0, y0, x1, y1 (columns x, rows y; x1, y1 exclusive) */
  int64_t boundary[2];               /* RICAP: w (columns of parts 0, 1), h (rows of parts 0, 2) */
  int64_t offset[WT_BATCH_MAX_PARTS][2]; /* RICAP: part k's crop origin x, y in its source image */
} wt_batch_params;

/* mixup: lambda ~ Beta(alpha, alpha) once per batch (alpha == 0: lambda = 1, as upstream),
   then a uniform random permutation (torch.randperm): out = lambda x + (1 - lambda) x[perm],
   each term rounded to float as torch computes it. alpha: >= 0 (upstream 1.0, Bag of Tricks 0.2). */
wt_status wt_mixup_sample(wt_ctx *ctx, double alpha, int64_t N, wt_batch_params *p);
/* Explicit lambda in [0, 1] and partner permutation perm: (N), entries in [0, N). */
wt_status wt_mixup_params(wt_ctx *ctx, int64_t N, double lambda, const int32_t *perm,
                          wt_batch_params *p);

/* CutMix box, rand_bbox of the official code: cut = sqrt(1 - lambda); rows: cut_h = int(H cut),
   y0 = clip(cy - cut_h / 2, 0, H), y1 = clip(cy + cut_h / 2, 0, H); columns likewise with W, cx.
   box: {x0, y0, x1, y1}. (The official code calls the row axis "W"; each axis uses its own
   extent, so this is the same box.) lambda in [0, 1], centre inside the image. */
void wt_cutmix_box(int64_t H, int64_t W, double lambda, int64_t cx, int64_t cy, int64_t box[4]);
/* Official per-batch draw order: lambda ~ Beta(alpha, alpha) (alpha > 0), permutation, centre
   row cy ~ U{0..H-1}, centre column cx ~ U{0..W-1}; box as above; lambda recomputed as
   1 - box area / (H*W). The box of x[perm] is pasted into x. (The probability gate of the
   official cutmix_prob is wt_batch_sample's prob.) */
wt_status wt_cutmix_sample(wt_ctx *ctx, double alpha, int64_t N, int64_t H, int64_t W,
                           wt_batch_params *p);
/* Explicit box {x0, y0, x1, y1} (0 <= x0 <= x1 <= W, 0 <= y0 <= y1 <= H) and permutation;
   lambda is recomputed from the box. */
wt_status wt_cutmix_params(wt_ctx *ctx, int64_t N, int64_t H, int64_t W, const int64_t box[4],
                           const int32_t *perm, wt_batch_params *p);

/* RICAP boundary: w = round(W * bw), h = round(H * bh), round half to even as np.round;
   bw, bh in [0, 1]. boundary: {w, h}. */
void wt_ricap_boundary(int64_t H, int64_t W, double bw, double bh, int64_t boundary[2]);
/* RICAP, the official order of draws: bh ~ Beta(beta, beta) then bw ~ Beta(beta, beta)
   (beta > 0; the paper uses 0.3); then for each part k: its own permutation, a crop row
   y_k ~ U{0..H-h_k}, a crop column x_k ~ U{0..W-w_k}, one offset per part for the whole batch.
   Part layout (the official code's on NCHW): 0 top-left (w x h), 1 below it (w x (H-h)),
   2 right of 0 ((W-w) x h), 3 bottom-right; part k's crop of its source, at its offset, fills
   its place. weight[k] = w_k h_k / (W H). (The official code calls the row axis "x", so its
   (w, h) is our (h, w); the patches and weights are the same.) */
wt_status wt_ricap_sample(wt_ctx *ctx, double beta, int64_t N, int64_t H, int64_t W,
                          wt_batch_params *p);
/* Explicit boundary {w, h} (0..W, 0..H), offsets[k] = {x_k, y_k} (0 <= x_k <= W - w_k,
   0 <= y_k <= H - h_k) and perms: (4, N), entries in [0, N). */
wt_status wt_ricap_params(wt_ctx *ctx, int64_t N, int64_t H, int64_t W, const int64_t boundary[2],
                          const int64_t offsets[4][2], const int32_t *perms, wt_batch_params *p);

/* Which trick a training step uses. Zero-initialised: none. mixup and CutMix may both be on
   (timm's switch); RICAP excludes both. wt_batch_defaults gives the official settings. */
typedef struct wt_batch_options {
  double mixup_alpha;  /* > 0: mixup, lambda ~ Beta(mixup_alpha, mixup_alpha) */
  double cutmix_alpha; /* > 0: CutMix, lambda ~ Beta(cutmix_alpha, cutmix_alpha) */
  double ricap_beta;   /* > 0: RICAP with Beta(ricap_beta, ricap_beta) boundaries */
  double prob;         /* in [0, 1]: probability that a batch is mixed at all (CutMix's
                          cutmix_prob, timm's prob); otherwise the batch is WT_BATCH_NONE */
  double switch_prob;  /* mixup and CutMix both on: probability of CutMix for a batch (timm 0.5) */
} wt_batch_options;
/* mixup {alpha 1, prob 1}; CutMix {alpha 1, prob 0.5 (CIFAR; ImageNet uses 1)};
   RICAP {beta 0.3, prob 1}; NONE: all zero. */
wt_batch_options wt_batch_defaults(wt_batch_trick trick);
/* Validates options: parameters finite and >= 0, probabilities in [0, 1], RICAP alone. */
wt_status wt_batch_check(wt_ctx *ctx, const wt_batch_options *opt);
/* Draws the batch's trick and parameters: u ~ U[0,1) decides mixing when prob < 1 (mixed iff
   u < prob); with mixup and CutMix both on, v ~ U[0,1) picks CutMix iff v < switch_prob; then
   the trick's sampler. A skipped batch is WT_BATCH_NONE (identity, weight 1). */
wt_status wt_batch_sample(wt_ctx *ctx, const wt_batch_options *opt, int64_t N, int64_t H,
                          int64_t W, wt_batch_params *p);

/* Mixes x: (N,C,H,W) into out: (N,C,H,W) as p says (N = p->N; H, W must be p's unless p->H is
   0, as mixup's own parameters leave it; perm entries are checked to lie in [0, N)). out must
   not overlap x. NONE copies. */
wt_status wt_batch_apply(wt_ctx *ctx, const wt_batch_params *p, int64_t C, int64_t H, int64_t W,
                         const float *x, float *out);
/* targets: (N,K), t_i = (1 - eps) * sum_k weight[k] onehot(labels[perm_k[i]]) + eps / K,
   summed in double and rounded once (eps = 0 for wt_cross_entropy, which smooths itself; eps
   > 0 shows timm's smoothed mixed target). labels: (N) in [0, K). */
wt_status wt_batch_targets(wt_ctx *ctx, const wt_batch_params *p, int64_t K, const int32_t *labels,
                           double label_smoothing, float *targets);
/* The accuracy the official code reports for the mixed batch: the fraction
   sum_k weight[k] * mean_i [argmax_i == labels[perm_k[i]]] (first argmax, as wt_cross_entropy's
   correct count; equal to that count / N for the unsmoothed targets). logits: (N,K), finite. */
wt_status wt_batch_accuracy(wt_ctx *ctx, const wt_batch_params *p, int64_t K, const float *logits,
                            const int32_t *labels, double *accuracy);
/* The training step's one call: wt_batch_sample, wt_batch_apply (x -> out), wt_batch_targets
   (eps 0). p->perm must point at WT_BATCH_MAX_PARTS * N int32. */
wt_status wt_batch_mix(wt_ctx *ctx, const wt_batch_options *opt, int64_t N, int64_t C, int64_t H,
                       int64_t W, int64_t K, const float *x, const int32_t *labels, float *out,
                       float *targets, wt_batch_params *p);

/* ---------------------------------------------------------------- training */

typedef struct wt_trainer wt_trainer;

/* What a trainer does. Zero-initialise it and set what you need: every field added later
   (loss options, ...) means "off" at zero. optim.lr is the base lr; with a schedule (kind not
   CONSTANT, or warmup > 0) the lr of each step is wt_schedule_lr(schedule, optim.lr, tick),
   tick = steps taken so far (per step) or wt_trainer_end_epoch calls so far (per epoch).
   optim.no_bias_decay exempts wt_model_no_decay_ranges() from weight decay. */
typedef struct wt_trainer_options {
  wt_optim_options optim;
  wt_schedule schedule;
  /* The loss: CrossEntropyLoss(label_smoothing) over the labels, or over the soft targets of a
     batch trick (smoothed the timm way). */
  double label_smoothing;
  /* mixup / CutMix / RICAP on every batch (wt_batch_mix); all zero: off. The reported accuracy
     is then the official codes' mixed accuracy (sum_k weight_k * acc(labels of part k)). */
  wt_batch_options batch;
  /* Knowledge distillation: loss = CE + kd_weight * KD(student, teacher, kd_temperature), the
     teacher run in inference on the same (mixed) batch. The teacher is not owned, must outlive
     the trainer, and must have the student's input shape and classes. NULL: off. */
  wt_model *teacher;
  double kd_temperature; /* T > 0, required with a teacher */
  double kd_weight;      /* w >= 0; with a teacher, 0 means 1 (the seed sums CE and KD) */
  /* Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_(params, max_norm): the
     2-norm over all parameter gradients (the model's, before weight decay), and when
     max_norm / (norm + 1e-6) < 1 every gradient is scaled by it. 0: off; else finite > 0. */
  double grad_clip_norm;
} wt_trainer_options;

/* A trainer owns the optimizer state of one model (the model must outlive it). */
wt_status wt_trainer_create(wt_model *m, const wt_trainer_options *opt, wt_trainer **out);
void wt_trainer_destroy(wt_trainer *t);
/* Sets the lr of the next steps (and the base lr AdaBound's bounds scale by stays the one at
   creation, as in the reference); with parameter groups, every group's lr becomes its base lr
   times lr / optim.lr (wt_optim_set_lr). WT_ERR_STATE when a schedule sets the lr. */
wt_status wt_trainer_set_lr(wt_trainer *t, float lr);
/* Freezing and parameter groups (torch's requires_grad=False and param_groups), before the
   first step: groups as wt_optim_set_groups (a frozen group's parameters never change; a
   schedule sets each group's lr from its own base lr, and wt_trainer_set_lr scales every group
   as wt_optim_set_lr). The model then computes no weight gradient for a layer whose parameters
   are all frozen and runs no backward below its lowest layer with a trainable parameter; the
   gradient norm (clipping) covers the trainable parameters only. frozen_bn_eval: a BatchNorm
   whose parameters are all frozen stays in eval mode while the model trains (normalises with
   its running statistics and leaves them fixed, as fine-tuning recipes do); 0: it trains as
   torch's does with requires_grad=False (batch statistics, running statistics move).
   WT_ERR_ARG when every parameter is frozen ("nothing left to train"), WT_ERR_STATE after the
   first step. Each trainer of a model steps with its own configuration (the model takes it at
   the trainer's step; destroying the trainer whose configuration it has restores it as built). */
wt_status wt_trainer_set_groups(wt_trainer *t, const wt_param_group *groups, size_t n_groups,
                                int frozen_bn_eval);
/* The lr the next step uses (the schedule's value at the current tick; group 0's). */
double wt_trainer_lr(const wt_trainer *t);
int64_t wt_trainer_steps(const wt_trainer *t);
/* The 2-norm over all parameter gradients of the last step, before clipping (the value
   clip_grad_norm_ returns); 0 before the first step. */
double wt_trainer_grad_norm(const wt_trainer *t);
/* Ends an epoch: the tick of a per-epoch schedule (as scheduler.step() once per epoch). */
wt_status wt_trainer_end_epoch(wt_trainer *t);
int64_t wt_trainer_epochs(const wt_trainer *t);
/* The trainer's resumable state: the optimizer's moment buffers (wt_optim_state_export's
   layout, wt_trainer_state_floats() floats), steps and epochs. Importing it into a trainer
   created with the same options on a model with the same parameters continues the run bit for
   bit. The parameters themselves are the model's (wt_model_params). */
size_t wt_trainer_state_floats(const wt_trainer *t);
wt_status wt_trainer_state_export(const wt_trainer *t, float *state, size_t n_floats,
                                  int64_t *steps, int64_t *epochs);
wt_status wt_trainer_state_import(wt_trainer *t, const float *state, size_t n_floats,
                                  int64_t steps, int64_t epochs);
/* One step: batch trick, forward, loss (cross-entropy with label smoothing, plus distillation),
   backward, gradient clipping, lr schedule, optimizer. x: (N,C,H,W), labels: (N). loss and
   accuracy (fraction correct before the update; mixed accuracy under a batch trick) may be
   NULL. Validates everything (shapes, labels in range, finite input) before touching the model.
   Divergence: a step whose logits, loss or any gradient is NaN/Inf is refused before the update
   (WT_ERR_NONFINITE, "... at step k (diverged ...)", k = wt_trainer_steps() + 1, the 1-based
   number of the refused step); parameters, moments and the step count stay as they were (the
   forward pass has already updated BatchNorm running statistics, as torch's would). */
wt_status wt_trainer_step(wt_trainer *t, const float *x, const int32_t *labels, int64_t N,
                          float *loss, float *accuracy);

/* Cached features (the head trains on features computed once per image). When every layer
   below the trainable ones (the lowest layer with a trainable parameter, after
   wt_trainer_set_groups) is frozen and deterministic in training (BatchNorms in eval:
   frozen_bn_eval; no Dropout), the trainable layers read one layer's output, a feature vector
   (flat, or (C,1,1)), and there is no batch trick or teacher (they need the images):
   wt_trainer_feature_size gives its floats per image; otherwise WT_ERR_STATE with a message
   naming the condition that fails. wt_trainer_features writes the features of x (N,C,H,W) into
   features (N, floats), running only the layers below, in the mode a step runs them.
   wt_trainer_step_features is wt_trainer_step on the batch whose features those are: the same
   kernels on the same values from the trainable layers up, so the loss, accuracy, gradients and
   update equal wt_trainer_step's bit for bit (features computed for a sample in any batch are
   the same bits: every layer below treats the samples of a batch independently). */
wt_status wt_trainer_feature_size(wt_trainer *t, int64_t *floats);
wt_status wt_trainer_features(wt_trainer *t, const float *x, int64_t N, float *features);
wt_status wt_trainer_step_features(wt_trainer *t, const float *features, const int32_t *labels,
                                   int64_t N, float *loss, float *accuracy);

/* The step in three parts, for data-parallel training over R replicas of one model (each a
   model + trainer in its own context, e.g. one per thread; js/parallel.js): wt_trainer_step is
   exactly mix + compute_grads (loss_scale 1) + apply_grads (no extra blocks).
   1. wt_trainer_mix validates a whole batch (as wt_trainer_step) and applies the batch trick:
      *in and *targets receive the mixed images (N,C,H,W) and soft targets (N,K) in the
      trainer's buffers (valid until its next mix), or x and NULL when no trick mixed the batch
      (then train on the hard labels).
   2. wt_trainer_compute_grads runs forward + loss + backward on one shard of n samples (any
      replica): x: (n,C,H,W) and EITHER labels: (n) OR targets: (n,K) (the other NULL). The
      gradients (written to the model's gradient block) are those of loss_scale * the shard's
      mean loss; with loss_scale = n / N for every shard of an N-sample batch, their sum is the
      batch's mean gradient (up to float reassociation). *loss_sum receives the shard's mean
      loss times n, *correct the shard's correct weight (wt_trainer_step's accuracy is their
      sum over shards / N); either may be NULL. BatchNorm uses the shard's statistics (as
      PyTorch DDP without SyncBatchNorm) and updates this replica's running statistics.
      Refuses non-finite logits or loss as wt_trainer_step does, naming step
      wt_trainer_steps() + 1 (a helper replica can import the step count with
      wt_trainer_state_import).
   3. wt_trainer_apply_grads, on the replica that owns the optimizer, adds extra[0..n_extra)
      (gradient blocks of wt_model_param_count floats each, from the other replicas, in this
      fixed order) to its own shard's gradients, then checks them for NaN/Inf, clips, sets the
      scheduled lr and steps the optimizer. WT_ERR_STATE when no compute_grads preceded it. */
wt_status wt_trainer_mix(wt_trainer *t, const float *x, const int32_t *labels, int64_t N,
                         const float **in, const float **targets);
wt_status wt_trainer_compute_grads(wt_trainer *t, const float *x, const int32_t *labels,
                                   const float *targets, int64_t n, float loss_scale,
                                   double *loss_sum, double *correct);
wt_status wt_trainer_apply_grads(wt_trainer *t, const float *const *extra, size_t n_extra);

#ifdef __cplusplus
}
#endif
#endif /* WASMTRICKS_H */
