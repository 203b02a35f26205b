/* test_layers.c - conv2d, linear, relu, maxpool2d, flatten and silu: central-difference gradient
   checks of dx, dW and db (sampled elements, kinks skipped), a naive direct convolution as a
   second forward reference, PyTorch goldens (tests/data/goldens.h), accumulation (backward twice
   doubles the gradient), PyTorch's max-pool tie and NaN rules, and bad arguments. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"
#include "common/layer_check.h"

#define WT_GOLDENS_LAYERS
#include "data/goldens.h"

/* Tolerances. Gradient checks: |numeric - analytic| <= GC_ATOL + GC_RTOL * |analytic|, with
   the loss accumulated in double and step GC_H (the layers are linear or piecewise linear in
   each input, so a large step costs no truncation error). Goldens: float32 vs float32 PyTorch. */
#define GC_H 1e-2
#define GC_ATOL 2e-4
#define GC_RTOL 1e-3
#define GOLD_ATOL 1e-5
#define GOLD_RTOL 1e-4

static void *wsbuf(size_t bytes) {
  void *p = aligned_alloc(16, (bytes + 15) / 16 * 16 + 16);
  if (!p) abort();
  memset(p, 0xAB, bytes); /* garbage: layers must not rely on zeroed scratch */
  return p;
}

static void check_arrays(const char *what, const float *got, const float *want, size_t n,
                         double atol, double rtol) {
  size_t bad = 0;
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double d = fabs((double)got[i] - (double)want[i]);
    const double lim = atol + rtol * fabs((double)want[i]);
    if (!(d <= lim)) {
      if (bad < 3)
        fprintf(stderr, "  %s[%zu]: got %.9g want %.9g\n", what, i, (double)got[i], (double)want[i]);
      bad++;
    }
    if (d > worst) worst = d;
  }
  CHECK_MSG(bad == 0, "%s: %zu of %zu elements off (max abs err %.3g)", what, bad, n, worst);
}

/* ------------------------------------------------------------ the gradient-check harness */

static void grad_check(const char *what, loss_fn f, void *u, float *v, const float *grad, size_t n,
                       size_t nsamples) {
  grad_check_tol(what, f, u, v, grad, n, nsamples, &(gc_tolerance){GC_H, GC_ATOL, GC_RTOL, 1.0});
}

/* ------------------------------------------------------------ conv2d */

typedef struct conv_case {
  int64_t N, C, H, W, OC, KH, KW, sh, sw, ph, pw;
  int bias;
} conv_case;

typedef struct conv_fix {
  wt_conv2d l;
  int64_t N;
  float *x, *y, *r, *dx, *ws;
  size_t nx, ny, nw;
} conv_fix;

static double conv_loss(void *u) {
  conv_fix *f = u;
  wt_status st = wt_conv2d_forward(ctx, &f->l, f->N, f->x, f->y, NULL, f->ws);
  if (st != WT_OK) return (double)NAN;
  return dot(f->y, f->r, f->ny);
}

/* Direct convolution in double: the second, independent forward reference. */
static void conv_naive(const wt_conv2d *l, int64_t N, const float *x, double *y) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t o = 0; o < l->OC; o++)
      for (int64_t oh = 0; oh < l->OH; oh++)
        for (int64_t ow = 0; ow < l->OW; ow++) {
          double s = l->bias ? (double)l->bias[o] : 0.0;
          for (int64_t c = 0; c < l->C; c++)
            for (int64_t kh = 0; kh < l->KH; kh++)
              for (int64_t kw = 0; kw < l->KW; kw++) {
                const int64_t ih = oh * l->stride_h - l->pad_h + kh;
                const int64_t iw = ow * l->stride_w - l->pad_w + kw;
                if (ih < 0 || ih >= l->H || iw < 0 || iw >= l->W) continue;
                s += (double)x[((n * l->C + c) * l->H + ih) * l->W + iw] *
                     (double)l->weight[((o * l->C + c) * l->KH + kh) * l->KW + kw];
              }
          y[((n * l->OC + o) * l->OH + oh) * l->OW + ow] = s;
        }
}

static void test_conv_case(const conv_case *cc) {
  char name[160];
  snprintf(name, sizeof name, "conv N%lld C%lld %lldx%lld OC%lld k%lldx%lld s%lld,%lld p%lld,%lld%s",
           (long long)cc->N, (long long)cc->C, (long long)cc->H, (long long)cc->W,
           (long long)cc->OC, (long long)cc->KH, (long long)cc->KW, (long long)cc->sh,
           (long long)cc->sw, (long long)cc->ph, (long long)cc->pw, cc->bias ? "" : " nobias");
  conv_fix f = {0};
  f.N = cc->N;
  f.l = (wt_conv2d){.C = cc->C, .H = cc->H, .W = cc->W, .OC = cc->OC, .KH = cc->KH,
                    .KW = cc->KW, .stride_h = cc->sh, .stride_w = cc->sw, .pad_h = cc->ph,
                    .pad_w = cc->pw};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_conv2d_sizes(ctx, &f.l, f.N, &sz));
  const int64_t OH = (cc->H + 2 * cc->ph - cc->KH) / cc->sh + 1;
  const int64_t OW = (cc->W + 2 * cc->pw - cc->KW) / cc->sw + 1;
  CHECK(f.l.OH == OH && f.l.OW == OW);
  CHECK(sz.out_elems == cc->OC * OH * OW);
  CHECK(sz.cache_bytes == 0);
  f.nw = (size_t)(cc->OC * cc->C * cc->KH * cc->KW);
  CHECK(sz.param_floats == f.nw + (size_t)cc->OC);
  f.nx = (size_t)(cc->N * cc->C * cc->H * cc->W);
  f.ny = (size_t)(cc->N * sz.out_elems);
  float *params = fbuf(sz.param_floats), *grads = fbuf(sz.param_floats);
  f.l.weight = params;
  f.l.bias = cc->bias ? params + f.nw : NULL;
  f.l.dweight = grads;
  f.l.dbias = cc->bias ? grads + f.nw : NULL;
  CHECK_OK(ctx, wt_conv2d_init_params(ctx, &f.l));
  if (!cc->bias) /* the bias would have been drawn after the weights: nothing else moves */
    CHECK(params[f.nw] == 0.0f);
  f.x = fbuf(f.nx);
  f.y = fbuf(f.ny);
  f.r = fbuf(f.ny);
  f.dx = fbuf(f.nx);
  f.ws = wsbuf(sz.workspace_bytes);
  randn(f.x, f.nx, 1.0);
  randn(f.r, f.ny, 1.0);

  /* forward against the direct convolution */
  CHECK_OK(ctx, wt_conv2d_forward(ctx, &f.l, f.N, f.x, f.y, NULL, f.ws));
  double *ref = malloc(f.ny * sizeof(double));
  float *reff = fbuf(f.ny);
  conv_naive(&f.l, f.N, f.x, ref);
  for (size_t i = 0; i < f.ny; i++) reff[i] = (float)ref[i];
  char what[200];
  snprintf(what, sizeof what, "%s: y vs direct", name);
  check_arrays(what, f.y, reff, f.ny, 1e-5, 1e-5);

  /* backward, with garbage in the workspace again, then the gradient checks */
  memset(f.ws, 0xCD, sz.workspace_bytes);
  CHECK_OK(ctx, wt_conv2d_backward(ctx, &f.l, f.N, f.x, f.r, f.dx, NULL, f.ws));
  snprintf(what, sizeof what, "%s: dx", name);
  grad_check(what, conv_loss, &f, f.x, f.dx, f.nx, 40);
  snprintf(what, sizeof what, "%s: dW", name);
  grad_check(what, conv_loss, &f, f.l.weight, f.l.dweight, f.nw, 40);
  if (cc->bias) {
    snprintf(what, sizeof what, "%s: db", name);
    grad_check(what, conv_loss, &f, f.l.bias, f.l.dbias, (size_t)cc->OC, (size_t)cc->OC);
  }

  /* accumulation: a second backward doubles every gradient */
  float *g1 = fbuf(sz.param_floats), *dx1 = fbuf(f.nx), *g2x = fbuf(sz.param_floats),
        *dx2x = fbuf(f.nx);
  memcpy(g1, grads, sz.param_floats * sizeof(float));
  memcpy(dx1, f.dx, f.nx * sizeof(float));
  CHECK_OK(ctx, wt_conv2d_backward(ctx, &f.l, f.N, f.x, f.r, f.dx, NULL, f.ws));
  for (size_t i = 0; i < sz.param_floats; i++) g2x[i] = 2.0f * g1[i];
  for (size_t i = 0; i < f.nx; i++) dx2x[i] = 2.0f * dx1[i];
  snprintf(what, sizeof what, "%s: 2x backward params", name);
  check_arrays(what, grads, g2x, sz.param_floats, 1e-5, 1e-5);
  snprintf(what, sizeof what, "%s: 2x backward dx", name);
  check_arrays(what, f.dx, dx2x, f.nx, 1e-5, 1e-5);

  /* dx = NULL (a first layer) and dweight/dbias = NULL still work and leave the rest alone */
  memset(grads, 0, sz.param_floats * sizeof(float));
  CHECK_OK(ctx, wt_conv2d_backward(ctx, &f.l, f.N, f.x, f.r, NULL, NULL, f.ws));
  snprintf(what, sizeof what, "%s: params with dx NULL", name);
  check_arrays(what, grads, g1, sz.param_floats, 1e-5, 1e-5);
  wt_conv2d nog = f.l;
  nog.dweight = NULL;
  nog.dbias = NULL;
  memset(f.dx, 0, f.nx * sizeof(float));
  CHECK_OK(ctx, wt_conv2d_backward(ctx, &nog, f.N, f.x, f.r, f.dx, NULL, f.ws));
  snprintf(what, sizeof what, "%s: dx with no param grads", name);
  check_arrays(what, f.dx, dx1, f.nx, 1e-5, 1e-5);

  free(params), free(grads), free(f.x), free(f.y), free(f.r), free(f.dx), free(f.ws);
  free(ref), free(reff), free(g1), free(dx1), free(g2x), free(dx2x);
}

static void test_conv(void) {
  static const conv_case cases[] = {
      {1, 1, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1},  /* N=1, one channel */
      {3, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1},  /* N=3, three channels */
      {2, 2, 7, 8, 3, 3, 2, 2, 2, 0, 1, 1},  /* non-square kernel, stride 2 */
      {3, 3, 8, 9, 2, 5, 5, 2, 2, 2, 2, 1},  /* pad 2 */
      {1, 1, 6, 7, 2, 2, 3, 2, 1, 0, 2, 1},  /* mixed strides and pads */
      {3, 3, 5, 4, 5, 1, 1, 1, 1, 0, 0, 1},  /* pointwise: the no-im2col path */
      {2, 3, 5, 5, 2, 1, 1, 2, 2, 0, 0, 1},  /* 1x1 with stride: im2col path */
      {3, 1, 4, 4, 3, 4, 4, 1, 1, 0, 0, 0},  /* kernel = input, no bias */
      {1, 3, 3, 3, 2, 3, 3, 3, 3, 2, 2, 1},  /* stride > padded extent leftover */
      {2, 2, 2, 5, 3, 3, 3, 3, 3, 1, 1, 1},  /* stride 3 on 2 rows: an input phase with none */
      {2, 5, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1},  /* the ResNet downsampling conv, C and OC not x4 */
      {2, 8, 6, 8, 9, 3, 3, 1, 1, 1, 1, 1},  /* Winograd F(2x2,3x3): OC not x4 */
      {1, 12, 4, 16, 8, 3, 3, 1, 1, 1, 1, 0}, /* Winograd, two groups of tiles, no bias */
      {1, 8, 40, 8, 8, 3, 3, 1, 1, 1, 1, 1},  /* Winograd, two chunks of tile rows */
      {1, 8, 2, 136, 8, 3, 3, 1, 1, 1, 1, 1}, /* Winograd, 68 tiles a row: a 4-column tail */
      /* Past WT_DW_GEMM_P (64) output positions the weight gradient is direct (conv_dw): */
      {2, 5, 18, 18, 6, 3, 3, 2, 2, 1, 1, 1},  /* the downsampling conv, 9x9 out */
      {2, 3, 9, 10, 4, 3, 3, 1, 1, 1, 1, 1},   /* stride 1, C < 8: conv_rows, not Winograd */
      {1, 2, 9, 9, 3, 3, 3, 1, 1, 3, 3, 1},    /* pad = kernel: im2col, 13x13 out */
      /* Few output positions: sample chunks (CHUNK_COLS / P samples each), the last partial */
      {17, 3, 4, 4, 5, 3, 3, 1, 1, 1, 1, 1},   /* 4x4 out: every product by GEMM, 16 + 1 */
      {11, 3, 10, 10, 4, 3, 3, 2, 2, 1, 1, 0}, /* 5x5 out: dW by GEMM, 10 + 1; no bias */
      {5, 4, 2, 2, 3, 3, 3, 1, 1, 2, 2, 1},    /* pad = kernel, 4x4 out: im2col by chunks */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_conv_case(&cases[i]);
}

static void test_conv_golden(const char *tag, int64_t N, int64_t C, int64_t H, int64_t W,
                             int64_t OC, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                             int64_t ph, int64_t pw, int64_t OH, int64_t OW, const float *x,
                             const float *w, const float *b, const float *y, const float *g,
                             const float *dx, const float *dw, const float *db) {
  wt_conv2d l = {.C = C, .H = H, .W = W, .OC = OC, .KH = KH, .KW = KW, .stride_h = sh,
                 .stride_w = sw, .pad_h = ph, .pad_w = pw};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_conv2d_sizes(ctx, &l, N, &sz));
  CHECK(l.OH == OH && l.OW == OW);
  const size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * OC * OH * OW);
  const size_t nw = (size_t)(OC * C * KH * KW);
  float *yy = fbuf(ny), *gx = fbuf(nx), *gw = fbuf(nw), *gb = fbuf((size_t)OC);
  void *ws = wsbuf(sz.workspace_bytes);
  l.weight = (float *)w;
  l.bias = (float *)b;
  l.dweight = gw;
  l.dbias = gb;
  CHECK_OK(ctx, wt_conv2d_forward(ctx, &l, N, x, yy, NULL, ws));
  CHECK_OK(ctx, wt_conv2d_backward(ctx, &l, N, x, g, gx, NULL, ws));
  char what[64];
  snprintf(what, sizeof what, "golden conv %s y", tag);
  check_arrays(what, yy, y, ny, GOLD_ATOL, GOLD_RTOL);
  snprintf(what, sizeof what, "golden conv %s dx", tag);
  check_arrays(what, gx, dx, nx, GOLD_ATOL, GOLD_RTOL);
  snprintf(what, sizeof what, "golden conv %s dW", tag);
  check_arrays(what, gw, dw, nw, GOLD_ATOL, GOLD_RTOL);
  snprintf(what, sizeof what, "golden conv %s db", tag);
  check_arrays(what, gb, db, (size_t)OC, GOLD_ATOL, GOLD_RTOL);
  free(yy), free(gx), free(gw), free(gb), free(ws);
}

static void test_conv_goldens(void) {
#define G(T)                                                                                     \
  test_conv_golden(#T, GOLD_CONV##T##_N, GOLD_CONV##T##_C, GOLD_CONV##T##_H, GOLD_CONV##T##_W,  \
                   GOLD_CONV##T##_OC, GOLD_CONV##T##_KH, GOLD_CONV##T##_KW, GOLD_CONV##T##_SH,  \
                   GOLD_CONV##T##_SW, GOLD_CONV##T##_PH, GOLD_CONV##T##_PW, GOLD_CONV##T##_OH,  \
                   GOLD_CONV##T##_OW, gold_conv##T##_x, gold_conv##T##_w, gold_conv##T##_b,     \
                   gold_conv##T##_y, gold_conv##T##_g, gold_conv##T##_dx, gold_conv##T##_dw,    \
                   gold_conv##T##_db)
  G(A);
  G(B);
#undef G
}

static void test_conv_init(void) {
  /* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias; same seed, same values */
  wt_conv2d l = {.C = 3, .H = 8, .W = 8, .OC = 16, .KH = 3, .KW = 3, .stride_h = 1,
                 .stride_w = 1, .pad_h = 1, .pad_w = 1};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_conv2d_sizes(ctx, &l, 1, &sz));
  float *p = fbuf(sz.param_floats), *q = fbuf(sz.param_floats);
  l.weight = p;
  l.bias = p + 16 * 27;
  wt_ctx *c2 = wt_ctx_create(&(wt_ctx_options){.seed = 7}, NULL);
  wt_ctx *c3 = wt_ctx_create(&(wt_ctx_options){.seed = 7}, NULL);
  CHECK_OK(c2, wt_conv2d_init_params(c2, &l));
  const double bound = 1.0 / sqrt(27.0);
  double mx = 0.0, mean = 0.0;
  for (size_t i = 0; i < sz.param_floats; i++) {
    if (fabs((double)p[i]) > mx) mx = fabs((double)p[i]);
    mean += (double)p[i];
  }
  mean /= (double)sz.param_floats;
  CHECK(mx <= bound && mx > 0.9 * bound);
  CHECK(fabs(mean) < 0.05);
  l.weight = q;
  l.bias = q + 16 * 27;
  wt_rng replay = *wt_ctx_rng(c3); /* the stream init will draw from */
  CHECK_OK(c3, wt_conv2d_init_params(c3, &l));
  CHECK(memcmp(p, q, sz.param_floats * sizeof(float)) == 0);
  /* weights first in memory order, then biases, one uniform draw each */
  bool same = true;
  for (size_t i = 0; i < sz.param_floats; i++)
    same = same && q[i] == (float)((2.0 * wt_rng_uniform(&replay) - 1.0) * bound);
  CHECK_MSG(same, "conv init: not U(-b, b) drawn weights-then-bias from the ctx RNG");
  wt_ctx_destroy(c2);
  wt_ctx_destroy(c3);
  free(p), free(q);
}

static void test_conv_errors(void) {
  wt_layer_sizes sz;
  wt_conv2d l = {.C = 3, .H = 8, .W = 8, .OC = 4, .KH = 3, .KW = 3, .stride_h = 1,
                 .stride_w = 1, .pad_h = 1, .pad_w = 1};
  wt_conv2d b = l;
  /* A Winograd conv whose chunk buffers (2 x 16 x OC x 64 tiles = 2^33 floats) cannot be
     addressed with a 32-bit size_t: a named shape error under wasm, not a wrapped workspace;
     on 64-bit hosts a size that holds them. */
  b.C = 8, b.OC = (int64_t)1 << 22;
  const wt_status big = wt_conv2d_sizes(ctx, &b, 1, &sz);
  if (sizeof(size_t) == 4)
    CHECK(big == WT_ERR_SHAPE && has_msg("does not fit the address space"));
  else
    CHECK(big == WT_OK && sz.workspace_bytes >= ((size_t)1 << 33) * sizeof(float));
  b = l;
  b.C = 0;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("C must be"));
  CHECK(has_msg("wt_conv2d_sizes"));
  b = l;
  b.OC = -1;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("OC"));
  b = l;
  b.stride_w = 0;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_ARG && has_msg("stride_w"));
  b = l;
  b.pad_h = -1;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_ARG && has_msg("pad_h"));
  b = l;
  b.KW = 11;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("KW"));
  b = l;
  b.H = WT_MAX_DIM + 1;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("H must be"));
  b = l;
  b.C = 1 << 12;
  b.H = 1 << 12;
  b.W = 1 << 12;
  CHECK(wt_conv2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("too many elements"));
  CHECK(wt_conv2d_sizes(ctx, &l, 0, &sz) == WT_ERR_SHAPE && has_msg("N must be"));
  CHECK(wt_conv2d_sizes(ctx, NULL, 1, &sz) == WT_ERR_ARG && has_msg("l is NULL"));
  CHECK(wt_conv2d_sizes(ctx, &l, 1, NULL) == WT_ERR_ARG && has_msg("out is NULL"));

  CHECK_OK(ctx, wt_conv2d_sizes(ctx, &l, 2, &sz));
  float *x = fbuf(2 * 3 * 64), *y = fbuf(2 * 4 * 64), *w = fbuf(sz.param_floats);
  void *ws = wsbuf(sz.workspace_bytes);
  CHECK(wt_conv2d_forward(ctx, &l, 2, x, y, NULL, ws) == WT_ERR_ARG && has_msg("l->weight"));
  l.weight = w;
  CHECK(wt_conv2d_forward(ctx, &l, 2, NULL, y, NULL, ws) == WT_ERR_ARG && has_msg("x is NULL"));
  CHECK(wt_conv2d_forward(ctx, &l, 2, x, NULL, NULL, ws) == WT_ERR_ARG && has_msg("y is NULL"));
  CHECK(wt_conv2d_forward(ctx, &l, 2, x, y, NULL, NULL) == WT_ERR_ARG && has_msg("workspace"));
  CHECK(wt_conv2d_backward(ctx, &l, 2, x, NULL, x, NULL, ws) == WT_ERR_ARG && has_msg("dy is NULL"));
  wt_conv2d stale = l;
  stale.pad_h = 0; /* OH no longer matches: sizes() was not rerun */
  CHECK(wt_conv2d_forward(ctx, &stale, 2, x, y, NULL, ws) == WT_ERR_STATE && has_msg("OH"));
  CHECK_OK(ctx, wt_conv2d_forward(ctx, &l, 2, x, y, NULL, ws));
  free(x), free(y), free(w), free(ws);
}

/* ------------------------------------------------------------ linear */

typedef struct lin_fix {
  wt_linear l;
  int64_t N;
  float *x, *y, *r, *ws;
  size_t ny;
} lin_fix;

static double lin_loss(void *u) {
  lin_fix *f = u;
  if (wt_linear_forward(ctx, &f->l, f->N, f->x, f->y, NULL, f->ws) != WT_OK) return (double)NAN;
  return dot(f->y, f->r, f->ny);
}

static void test_linear_case(int64_t N, int64_t IN, int64_t OUT) {
  char name[64], what[96];
  snprintf(name, sizeof name, "linear N%lld %lld->%lld", (long long)N, (long long)IN,
           (long long)OUT);
  lin_fix f = {.l = {.IN = IN, .OUT = OUT}, .N = N};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_linear_sizes(ctx, &f.l, N, &sz));
  CHECK(sz.param_floats == (size_t)(IN * OUT + OUT) && sz.out_elems == OUT);
  float *p = fbuf(sz.param_floats), *g = fbuf(sz.param_floats);
  f.l.weight = p;
  f.l.bias = p + IN * OUT;
  f.l.dweight = g;
  f.l.dbias = g + IN * OUT;
  CHECK_OK(ctx, wt_linear_init_params(ctx, &f.l));
  const double bound = 1.0 / sqrt((double)IN);
  bool inb = true;
  for (size_t i = 0; i < sz.param_floats; i++) inb = inb && fabs((double)p[i]) <= bound;
  CHECK_MSG(inb, "%s: init outside U(-1/sqrt(IN), 1/sqrt(IN))", name);
  const size_t nx = (size_t)(N * IN);
  f.ny = (size_t)(N * OUT);
  f.x = fbuf(nx);
  f.y = fbuf(f.ny);
  f.r = fbuf(f.ny);
  float *dx = fbuf(nx);
  f.ws = wsbuf(sz.workspace_bytes);
  randn(f.x, nx, 1.0);
  randn(f.r, f.ny, 1.0);
  CHECK_OK(ctx, wt_linear_forward(ctx, &f.l, N, f.x, f.y, NULL, f.ws));
  bool fw = true;
  for (int64_t i = 0; i < N; i++)
    for (int64_t o = 0; o < OUT; o++) {
      double s = (double)f.l.bias[o];
      for (int64_t k = 0; k < IN; k++) s += (double)f.x[i * IN + k] * (double)p[o * IN + k];
      fw = fw && fabs(s - (double)f.y[i * OUT + o]) <= 1e-5 + 1e-5 * fabs(s);
    }
  CHECK_MSG(fw, "%s: forward vs direct", name);
  CHECK_OK(ctx, wt_linear_backward(ctx, &f.l, N, f.x, f.r, dx, NULL, f.ws));
  snprintf(what, sizeof what, "%s: dx", name);
  grad_check(what, lin_loss, &f, f.x, dx, nx, 30);
  snprintf(what, sizeof what, "%s: dW", name);
  grad_check(what, lin_loss, &f, f.l.weight, f.l.dweight, (size_t)(IN * OUT), 30);
  snprintf(what, sizeof what, "%s: db", name);
  grad_check(what, lin_loss, &f, f.l.bias, f.l.dbias, (size_t)OUT, (size_t)OUT);
  /* accumulation */
  float *g1 = fbuf(sz.param_floats), *dx1 = fbuf(nx);
  for (size_t i = 0; i < sz.param_floats; i++) g1[i] = 2.0f * g[i];
  for (size_t i = 0; i < nx; i++) dx1[i] = 2.0f * dx[i];
  CHECK_OK(ctx, wt_linear_backward(ctx, &f.l, N, f.x, f.r, dx, NULL, f.ws));
  snprintf(what, sizeof what, "%s: 2x backward params", name);
  check_arrays(what, g, g1, sz.param_floats, 1e-5, 1e-5);
  snprintf(what, sizeof what, "%s: 2x backward dx", name);
  check_arrays(what, dx, dx1, nx, 1e-5, 1e-5);
  free(p), free(g), free(f.x), free(f.y), free(f.r), free(dx), free(f.ws), free(g1), free(dx1);
}

static void test_linear(void) {
  test_linear_case(1, 5, 3);
  test_linear_case(3, 7, 4);
  test_linear_case(3, 17, 9);
  test_linear_case(2, 1, 1);

  /* golden */
  wt_linear l = {.IN = GOLD_LIN_IN, .OUT = GOLD_LIN_OUT};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_linear_sizes(ctx, &l, GOLD_LIN_N, &sz));
  float y[GOLD_LIN_N * GOLD_LIN_OUT], dx[GOLD_LIN_N * GOLD_LIN_IN] = {0},
        dw[GOLD_LIN_OUT * GOLD_LIN_IN] = {0}, db[GOLD_LIN_OUT] = {0};
  void *ws = wsbuf(sz.workspace_bytes);
  l.weight = (float *)gold_lin_w;
  l.bias = (float *)gold_lin_b;
  l.dweight = dw;
  l.dbias = db;
  CHECK_OK(ctx, wt_linear_forward(ctx, &l, GOLD_LIN_N, gold_lin_x, y, NULL, ws));
  CHECK_OK(ctx, wt_linear_backward(ctx, &l, GOLD_LIN_N, gold_lin_x, gold_lin_g, dx, NULL, ws));
  check_arrays("golden linear y", y, gold_lin_y, sizeof y / 4, GOLD_ATOL, GOLD_RTOL);
  check_arrays("golden linear dx", dx, gold_lin_dx, sizeof dx / 4, GOLD_ATOL, GOLD_RTOL);
  check_arrays("golden linear dW", dw, gold_lin_dw, sizeof dw / 4, GOLD_ATOL, GOLD_RTOL);
  check_arrays("golden linear db", db, gold_lin_db, sizeof db / 4, GOLD_ATOL, GOLD_RTOL);

  /* errors */
  wt_linear b = {.IN = 0, .OUT = 3};
  CHECK(wt_linear_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("IN must be"));
  b = (wt_linear){.IN = 3, .OUT = 0};
  CHECK(wt_linear_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("OUT must be"));
  CHECK(wt_linear_forward(ctx, &l, 0, gold_lin_x, y, NULL, ws) == WT_ERR_SHAPE && has_msg("N"));
  CHECK(wt_linear_forward(ctx, &l, GOLD_LIN_N, NULL, y, NULL, ws) == WT_ERR_ARG &&
        has_msg("x is NULL"));
  CHECK(wt_linear_forward(ctx, &l, GOLD_LIN_N, gold_lin_x, y, NULL, NULL) == WT_ERR_ARG &&
        has_msg("workspace"));
  CHECK(wt_linear_backward(ctx, &l, GOLD_LIN_N, gold_lin_x, NULL, dx, NULL, ws) == WT_ERR_ARG &&
        has_msg("dy is NULL"));
  b = l;
  b.weight = NULL;
  CHECK(wt_linear_init_params(ctx, &b) == WT_ERR_ARG && has_msg("weight"));
  free(ws);
}

/* ------------------------------------------------------------ relu */

typedef struct relu_fix {
  wt_relu l;
  int64_t N;
  float *x, *y, *r;
} relu_fix;

static double relu_loss(void *u) {
  relu_fix *f = u;
  if (wt_relu_forward(ctx, &f->l, f->N, f->x, f->y, NULL, NULL) != WT_OK) return (double)NAN;
  return dot(f->y, f->r, (size_t)(f->N * f->l.elems));
}

static void test_relu(void) {
  relu_fix f = {.l = {.elems = 40}, .N = 3};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_relu_sizes(ctx, &f.l, f.N, &sz));
  CHECK(sz.param_floats == 0 && sz.cache_bytes == 0 && sz.workspace_bytes == 0 &&
        sz.out_elems == 40);
  const size_t n = 120;
  f.x = fbuf(n), f.y = fbuf(n), f.r = fbuf(n);
  float *dx = fbuf(n);
  randn(f.x, n, 1.0);
  randn(f.r, n, 1.0);
  f.x[0] = 0.0f;    /* a kink: sampled in full below, so skipped */
  f.x[1] = 0.004f;  /* within the step of 0: skipped too */
  CHECK_OK(ctx, wt_relu_forward(ctx, &f.l, f.N, f.x, f.y, NULL, NULL));
  bool ok = true;
  for (size_t i = 0; i < n; i++) ok = ok && f.y[i] == (f.x[i] > 0.0f ? f.x[i] : 0.0f);
  CHECK(ok);
  CHECK_OK(ctx, wt_relu_backward(ctx, &f.l, f.N, f.y, f.r, dx, NULL, NULL));
  grad_check("relu dx", relu_loss, &f, f.x, dx, n, n);
  float *twice = fbuf(n);
  for (size_t i = 0; i < n; i++) twice[i] = 2.0f * dx[i];
  CHECK_OK(ctx, wt_relu_backward(ctx, &f.l, f.N, f.y, f.r, dx, NULL, NULL));
  check_arrays("relu 2x backward", dx, twice, n, 0.0, 0.0);

  /* NaN propagates forward; in place works; an infinite dy at a dead unit gives 0 */
  float v[4] = {NAN, -1.0f, 2.0f, -INFINITY}, dy[4] = {1.0f, INFINITY, 3.0f, 1.0f};
  float g[4] = {0};
  wt_relu one = {.elems = 4};
  CHECK_OK(ctx, wt_relu_forward(ctx, &one, 1, v, v, NULL, NULL));
  CHECK(isnan(v[0]) && v[1] == 0.0f && v[2] == 2.0f && v[3] == 0.0f);
  CHECK_OK(ctx, wt_relu_backward(ctx, &one, 1, v, dy, g, NULL, NULL));
  /* torch threshold_backward: y <= 0 ? 0 : dy, so NaN y passes dy */
  CHECK(g[0] == 1.0f && g[1] == 0.0f && g[2] == 3.0f && g[3] == 0.0f);

  wt_relu bad = {.elems = 0};
  CHECK(wt_relu_sizes(ctx, &bad, 1, &sz) == WT_ERR_SHAPE && has_msg("elems"));
  CHECK(wt_relu_forward(ctx, &f.l, 0, f.x, f.y, NULL, NULL) == WT_ERR_SHAPE && has_msg("N must"));
  CHECK(wt_relu_forward(ctx, &f.l, 1, NULL, f.y, NULL, NULL) == WT_ERR_ARG && has_msg("x is NULL"));
  CHECK_OK(ctx, wt_relu_backward(ctx, &f.l, 1, f.y, f.r, NULL, NULL, NULL)); /* first layer */
  CHECK(wt_relu_backward(ctx, &f.l, 1, f.y, NULL, dx, NULL, NULL) == WT_ERR_ARG &&
        has_msg("dy is NULL"));
  CHECK(wt_relu_backward(ctx, &f.l, 1, f.y, dx, dx, NULL, NULL) == WT_ERR_ARG &&
        has_msg("aliases"));
  free(f.x), free(f.y), free(f.r), free(dx), free(twice);
}

/* ------------------------------------------------------------ silu */

typedef struct silu_fix {
  wt_silu l;
  int64_t N;
  float *x, *y, *r;
} silu_fix;

static double silu_loss(void *u) {
  silu_fix *f = u;
  if (wt_silu_forward(ctx, &f->l, f->N, f->x, f->y, NULL, NULL) != WT_OK) return (double)NAN;
  return dot(f->y, f->r, (size_t)(f->N * f->l.elems));
}

static void test_silu(void) {
  silu_fix f = {.l = {.elems = 40}, .N = 3};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_silu_sizes(ctx, &f.l, f.N, &sz));
  CHECK(sz.param_floats == 0 && sz.cache_bytes == 0 && sz.workspace_bytes == 0 &&
        sz.out_elems == 40);
  const size_t n = 120;
  f.x = fbuf(n), f.y = fbuf(n), f.r = fbuf(n);
  float *dx = fbuf(n);
  randn(f.x, n, 3.0);
  randn(f.r, n, 1.0);
  CHECK_OK(ctx, wt_silu_forward(ctx, &f.l, f.N, f.x, f.y, NULL, NULL));
  CHECK_OK(ctx, wt_silu_backward(ctx, &f.l, f.N, f.x, f.r, dx, NULL, NULL));
  /* SiLU is smooth: its one-sided differences differ by ~h * y'' everywhere, which is no kink,
     so the kink test is off (every element is checked). */
  grad_check_tol("silu dx", silu_loss, &f, f.x, dx, n, n,
                 &(gc_tolerance){GC_H, GC_ATOL, GC_RTOL, 1e30});
  float *twice = fbuf(n);
  for (size_t i = 0; i < n; i++) twice[i] = 2.0f * dx[i];
  CHECK_OK(ctx, wt_silu_backward(ctx, &f.l, f.N, f.x, f.r, dx, NULL, NULL));
  check_arrays("silu 2x backward", dx, twice, n, 0.0, 0.0);

  /* PyTorch: forward, and backward with dy = g, including saturation (|x| up to 100) */
  const wt_silu gl = {.elems = GOLD_SILU_ELEMS};
  float y[GOLD_SILU_N * GOLD_SILU_ELEMS], gdx[GOLD_SILU_N * GOLD_SILU_ELEMS] = {0};
  CHECK_OK(ctx, wt_silu_forward(ctx, &gl, GOLD_SILU_N, gold_silu_x, y, NULL, NULL));
  CHECK_OK(ctx, wt_silu_backward(ctx, &gl, GOLD_SILU_N, gold_silu_x, gold_silu_g, gdx, NULL, NULL));
  check_arrays("golden silu y", y, gold_silu_y, sizeof y / 4, GOLD_ATOL, GOLD_RTOL);
  check_arrays("golden silu dx", gdx, gold_silu_dx, sizeof gdx / 4, GOLD_ATOL, GOLD_RTOL);
  memcpy(y, gold_silu_x, sizeof y); /* in place */
  CHECK_OK(ctx, wt_silu_forward(ctx, &gl, GOLD_SILU_N, y, y, NULL, NULL));
  check_arrays("golden silu y in place", y, gold_silu_y, sizeof y / 4, GOLD_ATOL, GOLD_RTOL);

  wt_silu bad = {.elems = 0};
  CHECK(wt_silu_sizes(ctx, &bad, 1, &sz) == WT_ERR_SHAPE && has_msg("elems"));
  CHECK(wt_silu_forward(ctx, &f.l, 0, f.x, f.y, NULL, NULL) == WT_ERR_SHAPE && has_msg("N must"));
  CHECK(wt_silu_forward(ctx, &f.l, 1, NULL, f.y, NULL, NULL) == WT_ERR_ARG && has_msg("x is NULL"));
  CHECK_OK(ctx, wt_silu_backward(ctx, &f.l, 1, f.x, f.r, NULL, NULL, NULL)); /* first layer */
  CHECK(wt_silu_backward(ctx, &f.l, 1, f.x, NULL, dx, NULL, NULL) == WT_ERR_ARG &&
        has_msg("dy is NULL"));
  CHECK(wt_silu_backward(ctx, &f.l, 1, f.x, dx, dx, NULL, NULL) == WT_ERR_ARG &&
        has_msg("aliases"));
  free(f.x), free(f.y), free(f.r), free(dx), free(twice);
}

/* ------------------------------------------------------------ maxpool2d */

typedef struct pool_fix {
  wt_maxpool2d l;
  int64_t N;
  float *x, *y, *r;
  int32_t *cache;
  size_t ny;
} pool_fix;

static double pool_loss(void *u) {
  pool_fix *f = u;
  if (wt_maxpool2d_forward(ctx, &f->l, f->N, f->x, f->y, f->cache, NULL) != WT_OK) return (double)NAN;
  return dot(f->y, f->r, f->ny);
}

static void test_pool_case(int64_t N, int64_t C, int64_t H, int64_t W, int64_t KH, int64_t KW,
                           int64_t sh, int64_t sw, int64_t ph, int64_t pw) {
  char name[128], what[160];
  snprintf(name, sizeof name, "maxpool N%lld C%lld %lldx%lld k%lldx%lld s%lld,%lld p%lld,%lld",
           (long long)N, (long long)C, (long long)H, (long long)W, (long long)KH, (long long)KW,
           (long long)sh, (long long)sw, (long long)ph, (long long)pw);
  pool_fix f = {.l = {.C = C, .H = H, .W = W, .KH = KH, .KW = KW, .stride_h = sh,
                      .stride_w = sw, .pad_h = ph, .pad_w = pw},
                .N = N};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_maxpool2d_sizes(ctx, &f.l, N, &sz));
  const int64_t OH = (H + 2 * ph - KH) / sh + 1, OW = (W + 2 * pw - KW) / sw + 1;
  CHECK(f.l.OH == OH && f.l.OW == OW && sz.out_elems == C * OH * OW);
  CHECK(sz.cache_bytes == (size_t)(N * C * OH * OW) * sizeof(int32_t));
  const size_t nx = (size_t)(N * C * H * W);
  f.ny = (size_t)(N * C * OH * OW);
  f.x = fbuf(nx), f.y = fbuf(f.ny), f.r = fbuf(f.ny);
  f.cache = wsbuf(sz.cache_bytes);
  float *dx = fbuf(nx);
  randn(f.x, nx, 1.0);
  randn(f.r, f.ny, 1.0);
  CHECK_OK(ctx, wt_maxpool2d_forward(ctx, &f.l, N, f.x, f.y, f.cache, NULL));
  /* forward against a direct max over each window */
  bool ok = true;
  for (int64_t pl = 0; pl < N * C; pl++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        float m = -INFINITY;
        for (int64_t kh = 0; kh < KH; kh++)
          for (int64_t kw = 0; kw < KW; kw++) {
            const int64_t ih = oh * sh - ph + kh, iw = ow * sw - pw + kw;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W && f.x[(pl * H + ih) * W + iw] > m)
              m = f.x[(pl * H + ih) * W + iw];
          }
        const int64_t o = (pl * OH + oh) * OW + ow;
        ok = ok && f.y[o] == m && f.x[pl * H * W + f.cache[o]] == m;
      }
  CHECK_MSG(ok, "%s: forward vs direct max", name);
  CHECK_OK(ctx, wt_maxpool2d_backward(ctx, &f.l, N, f.x, f.r, dx, f.cache, NULL));
  snprintf(what, sizeof what, "%s: dx", name);
  grad_check(what, pool_loss, &f, f.x, dx, nx, 60);
  float *twice = fbuf(nx);
  for (size_t i = 0; i < nx; i++) twice[i] = 2.0f * dx[i];
  CHECK_OK(ctx, wt_maxpool2d_forward(ctx, &f.l, N, f.x, f.y, f.cache, NULL));
  CHECK_OK(ctx, wt_maxpool2d_backward(ctx, &f.l, N, f.x, f.r, dx, f.cache, NULL));
  snprintf(what, sizeof what, "%s: 2x backward", name);
  check_arrays(what, dx, twice, nx, 1e-5, 1e-5);
  free(f.x), free(f.y), free(f.r), free(f.cache), free(dx), free(twice);
}

static void test_pool_golden(const char *tag, int64_t N, int64_t C, int64_t H, int64_t W,
                             int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph,
                             int64_t pw, int64_t OH, int64_t OW, const float *x, const float *y,
                             const int32_t *arg, const float *g, const float *dx) {
  wt_maxpool2d l = {.C = C, .H = H, .W = W, .KH = KH, .KW = KW, .stride_h = sh,
                    .stride_w = sw, .pad_h = ph, .pad_w = pw};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_maxpool2d_sizes(ctx, &l, N, &sz));
  CHECK(l.OH == OH && l.OW == OW);
  const size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * C * OH * OW);
  float *yy = fbuf(ny), *gx = fbuf(nx);
  int32_t *cache = wsbuf(sz.cache_bytes);
  CHECK_OK(ctx, wt_maxpool2d_forward(ctx, &l, N, x, yy, cache, NULL));
  CHECK_OK(ctx, wt_maxpool2d_backward(ctx, &l, N, x, g, gx, cache, NULL));
  char what[64];
  snprintf(what, sizeof what, "golden maxpool %s y", tag);
  check_arrays(what, yy, y, ny, 0.0, 0.0);
  snprintf(what, sizeof what, "golden maxpool %s dx", tag);
  check_arrays(what, gx, dx, nx, GOLD_ATOL, GOLD_RTOL);
  size_t bad = 0;
  for (size_t i = 0; i < ny; i++) bad += cache[i] != arg[i];
  CHECK_MSG(bad == 0, "golden maxpool %s: %zu argmax differ from torch's indices", tag, bad);
  free(yy), free(gx), free(cache);
}

static void test_maxpool(void) {
  test_pool_case(3, 2, 6, 6, 2, 2, 2, 2, 0, 0);
  test_pool_case(1, 3, 7, 7, 3, 3, 2, 2, 1, 1);
  test_pool_case(2, 1, 5, 6, 2, 3, 1, 2, 1, 1);
  test_pool_case(1, 1, 9, 8, 5, 4, 3, 1, 2, 2);
  test_pool_case(2, 3, 7, 5, 3, 3, 1, 1, 0, 0); /* overlapping windows, floor mode */

#define G(T)                                                                                     \
  test_pool_golden(#T, GOLD_POOL##T##_N, GOLD_POOL##T##_C, GOLD_POOL##T##_H, GOLD_POOL##T##_W,  \
                   GOLD_POOL##T##_KH, GOLD_POOL##T##_KW, GOLD_POOL##T##_SH, GOLD_POOL##T##_SW,  \
                   GOLD_POOL##T##_PH, GOLD_POOL##T##_PW, GOLD_POOL##T##_OH, GOLD_POOL##T##_OW,  \
                   gold_pool##T##_x, gold_pool##T##_y, gold_pool##T##_argmax, gold_pool##T##_g, \
                   gold_pool##T##_dx)
  G(A);
  G(B);
#undef G

  /* ties: the first max in scan order; NaN: the output is NaN and the last NaN is the argmax;
     all -inf: -inf with the first in-bounds element as argmax */
  wt_maxpool2d l = {.C = 1, .H = 2, .W = 6, .KH = 2, .KW = 2, .stride_h = 2, .stride_w = 2};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_maxpool2d_sizes(ctx, &l, 1, &sz));
  /* windows: cols 0-1 (three 3s), cols 2-3 (two NaN), cols 4-5 (all -inf) */
  const float x[12] = {1.0f, 3.0f, NAN, 7.0f, -INFINITY, -INFINITY,
                       3.0f, 3.0f, NAN, 9.0f, -INFINITY, -INFINITY};
  float y[3], dx[12] = {0}, dy[3] = {10.0f, 20.0f, 30.0f};
  int32_t arg[3];
  CHECK_OK(ctx, wt_maxpool2d_forward(ctx, &l, 1, x, y, arg, NULL));
  CHECK(y[0] == 3.0f && arg[0] == 1);            /* first of the three 3s */
  CHECK(isnan(y[1]) && arg[1] == 8);             /* the last NaN, as torch's CPU kernel */
  CHECK(y[2] == -INFINITY && arg[2] == 4);       /* all -inf: the first element */
  CHECK_OK(ctx, wt_maxpool2d_backward(ctx, &l, 1, x, dy, dx, arg, NULL));
  CHECK(dx[1] == 10.0f && dx[8] == 20.0f && dx[4] == 30.0f && dx[0] == 0.0f && dx[2] == 0.0f);

  /* errors */
  wt_maxpool2d b = l;
  b.pad_h = 2; /* more than KH/2 */
  CHECK(wt_maxpool2d_sizes(ctx, &b, 1, &sz) == WT_ERR_ARG && has_msg("pad_h"));
  b = l;
  b.KW = 0;
  CHECK(wt_maxpool2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("KW must be"));
  b = l;
  b.stride_h = 0;
  CHECK(wt_maxpool2d_sizes(ctx, &b, 1, &sz) == WT_ERR_ARG && has_msg("stride_h"));
  b = l;
  b.KH = 3;
  CHECK(wt_maxpool2d_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("KH"));
  CHECK(wt_maxpool2d_forward(ctx, &l, 1, x, y, NULL, NULL) == WT_ERR_ARG && has_msg("cache"));
  CHECK_OK(ctx, wt_maxpool2d_backward(ctx, &l, 1, x, dy, NULL, arg, NULL)); /* first layer */
  CHECK(wt_maxpool2d_backward(ctx, &l, 1, x, NULL, dx, arg, NULL) == WT_ERR_ARG &&
        has_msg("dy is NULL"));
  arg[1] = 12;
  CHECK(wt_maxpool2d_backward(ctx, &l, 1, x, dy, dx, arg, NULL) == WT_ERR_ARG &&
        has_msg("cache[1]"));
}

/* ------------------------------------------------------------ flatten */

static void test_flatten(void) {
  wt_flatten l = {.elems = 12};
  wt_layer_sizes sz;
  CHECK_OK(ctx, wt_flatten_sizes(ctx, &l, 2, &sz));
  CHECK(sz.out_elems == 12 && sz.param_floats == 0 && sz.cache_bytes == 0 &&
        sz.workspace_bytes == 0);
  float x[24], y[24], dy[24], dx[24];
  randn(x, 24, 1.0);
  randn(dy, 24, 1.0);
  CHECK_OK(ctx, wt_flatten_forward(ctx, &l, 2, x, y, NULL, NULL));
  CHECK(memcmp(x, y, sizeof x) == 0);
  CHECK_OK(ctx, wt_flatten_forward(ctx, &l, 2, x, x, NULL, NULL));
  CHECK(memcmp(x, y, sizeof x) == 0);
  for (int i = 0; i < 24; i++) dx[i] = 1.0f;
  CHECK_OK(ctx, wt_flatten_backward(ctx, &l, 2, x, dy, dx, NULL, NULL));
  bool ok = true;
  for (int i = 0; i < 24; i++) ok = ok && dx[i] == 1.0f + dy[i];
  CHECK_MSG(ok, "flatten backward accumulates");
  wt_flatten b = {.elems = 0};
  CHECK(wt_flatten_sizes(ctx, &b, 1, &sz) == WT_ERR_SHAPE && has_msg("elems"));
  CHECK(wt_flatten_backward(ctx, &l, 2, x, dy, (float *)dy, NULL, NULL) == WT_ERR_ARG &&
        has_msg("aliases"));
  CHECK(wt_flatten_forward(ctx, &l, 2, x, NULL, NULL, NULL) == WT_ERR_ARG && has_msg("y is NULL"));
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  if (!ctx) return 1;
  wt_rng_seed(&rng, 12345, 1);
  printf("kernel: %s\n", wt_ctx_kernel_name(ctx));
  test_conv();
  test_conv_goldens();
  test_conv_init();
  test_conv_errors();
  test_linear();
  test_relu();
  test_silu();
  test_maxpool();
  test_flatten();
  wt_ctx_destroy(ctx);
  /* the conv goldens again through the scalar GEMM (under wasm the run above used SIMD) */
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1, .force_scalar = 1}, NULL);
  if (!ctx) return 1;
  printf("kernel: %s\n", wt_ctx_kernel_name(ctx));
  test_conv_goldens();
  test_conv(); /* the gradient checks too */
  wt_ctx_destroy(ctx);
  return check_summary("test_layers");
}
