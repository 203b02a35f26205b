/* conv2d.c - 2-d convolution as torch.nn.Conv2d (zero padding, groups = 1, no dilation), by
   shape:
   - 1x1 stride 1 unpadded: a plain GEMM on x.
   - padding < kernel, any stride (the 3x3 convs of the student CNN and of ResNets, the 1x1
     stride-2 shortcuts): direct. Each sample is copied into a zero-padded plane stack once; the
     kernels ctx->k.f32_conv_rows (forward, and the input gradient: per input phase, a stride-1
     conv of the padded dy with a flipped sub-kernel) and ctx->k.f32_conv_dw (weight gradient)
     read its shifted rows through an offset table, so no im2col matrix is written, packed or
     scattered back (that was 30% of a ResNet-8 step).
   - anything else (padding >= kernel): im2col per sample and per chunk of output positions
     (sized for L2), then GEMMs through ctx->k.
   - few output positions (chunk_samples, few_positions): the weight gradient when OH*OW <= 64,
     every product when OH*OW <= 16, by GEMMs over chunks of samples' im2col side by side.
   Backward recomputes from x, so the layer keeps no cache. Not here: groups, dilation, other
   padding modes, transposed conv. */
#include <math.h>
#include <string.h>

#include "../core/internal.h"

/* Floats rounded up to a multiple of 4, so every workspace block stays 16-byte aligned. */
static size_t round4(size_t v) { return (v + 3) / 4 * 4; }

/* A 1x1, stride-1, unpadded conv is a plain GEMM on x: no im2col, no col buffers. */
static bool is_pointwise(const wt_conv2d *l) {
  return l->KH == 1 && l->KW == 1 && l->stride_h == 1 && l->stride_w == 1 && l->pad_h == 0 &&
         l->pad_w == 0;
}

/* im2col works on chunks of the P = OH*OW output positions, so the col block (K x chunk) and
   its packed copy stay in L2 between im2col and the GEMM that reads it: P is cut into equal
   chunks of at most WT_CONV_CHUNK_FLOATS / K columns, rounded up to 8 (the GEMM's NR). */
#ifndef WT_CONV_CHUNK_FLOATS
#define WT_CONV_CHUNK_FLOATS 65536 /* -DWT_CONV_CHUNK_FLOATS=... for tests of the chunk edges */
#endif
static size_t chunk_cols(size_t K, size_t P) {
  const size_t chunks = (P * K + WT_CONV_CHUNK_FLOATS - 1) / WT_CONV_CHUNK_FLOATS;
  size_t pc = (P + chunks - 1) / chunks;
  pc = (pc + 7) / 8 * 8;
  return pc < P ? pc : P;
}

/* Padding smaller than the kernel (any stride, not the plain-GEMM 1x1): the direct kernels.
   Padding as wide as the kernel (windows of padding alone) stays on the im2col path. */
static bool is_direct(const wt_conv2d *l) {
  return !is_pointwise(l) && l->pad_h < l->KH && l->pad_w < l->KW;
}

/* The 3x3 stride-1 pad-1 convs of ResNets go through Winograd F(2x2, 3x3) (wino_conv) in the
   forward pass and the input gradient: 16 products per 2x2 outputs and input channel instead of
   36. It needs whole tiles in groups of four (OH even, OW a multiple of 8) and enough channels
   both ways for the transforms to pay (C, OC >= 8); else conv_rows. */
static bool is_wino(const wt_conv2d *l) {
  return l->KH == 3 && l->KW == 3 && l->stride_h == 1 && l->stride_w == 1 && l->pad_h == 1 &&
         l->pad_w == 1 && l->H % 2 == 0 && l->W % 8 == 0 && l->C >= 8 && l->OC >= 8;
}

/* Winograd chunks: whole tile rows (at least one), about this many tiles. With few channels
   (C, OC <= 32: the weights U of a chunk's products fit L1) 8, so the chunk's transformed input
   and products (16 x channels x tiles each) stay in L1 too: 1.10-1.14x per ResNet-8 step
   against 64. With more, 64, so each pass over U (up to MBs) serves more tiles: 8 there was
   0.88x per ResNet-18 step. */
static size_t wino_tiles(size_t Cm) { return Cm <= 32 ? 8 : 64; }

/* The direct path's padded input: C planes of Hp = H + 2 pad_h rows; each row holds its Wp =
   W + 2 pad_w columns split by column phase (col % stride_w), Lw = ceil(Wp / stride_w) columns
   per phase, so padded column col of row r sits at r*RP + (col % s)*Lw + col / s (RP = s*Lw:
   the row pitch). Output (oh, ow) of kernel tap (kh, kw) then reads row oh*stride_h + kh, phase
   kw % s, column ow + kw / s: for each tap, contiguous in ow, at offset
   c*Hp*RP + kh*RP + (kw % s)*Lw + kw / s from the output row's start oh*stride_h*RP. With
   stride 1 this is the plain zero-padded plane (Lw = RP = Wp).
   The input gradient goes by input phase (phase_of): the rows (columns) of dx of one phase are a
   stride-1 correlation of dy, zero-padded by qt rows on top (ql columns on the left) into dyp
   (OC, Hq, Wq), with a flipped sub-kernel. With stride 1 there is one phase: dx itself, the
   conv of dy padded by K - 1 - pad with the flipped, transposed weight.
   Workspace, in floats, each block a multiple of 4: xp (C*Hp*RP + 8: the 8-float loads of
   conv_rows past the last row), the packed weight (OC rounded up to 4 rows of K), the offset
   table (int32), dyp + 8, every phase's packed sub-kernel (C rounded up to 4 rows; at most
   OC*KH*KW columns in all) and offsets, and (stride > 1) one phase of dx, added into dx after.
   With is_wino also: the transformed weights of the forward pass and of the input gradient
   (16 panels each), the offsets of a chunk's rows, and a chunk's transformed input and products
   (16 x max(C, OC) rows of tbp floats each; tbp = the chunk's tiles rounded up to 8). */
typedef struct direct_layout {
  size_t Hp, Lw, RP, Hq, Wq, qt, ql, trows, tbp; /* planes; Winograd chunk: tile rows, pitch */
  size_t xp, wpack, off, dyp, wtpack, offt, dxph;        /* offsets (floats) */
  size_t uf, ub, woff, wv, wm, total;                    /* Winograd (is_wino) blocks; total */
} direct_layout;

/* One input phase a (< stride s) along one axis of extent n_in, kernel K, padding pad: the
   input rows ih = a + s*i, i < n, get the taps k = first + s*m, m < M, from output rows
   oh = i + shift - m. Reading the taps flipped (m' = M-1-m), row i reads dy rows
   i + shift - M + 1 + m', a stride-1 correlation. */
typedef struct phase_taps {
  size_t n, first, M, shift;
} phase_taps;

static phase_taps phase_of(size_t n_in, size_t K, size_t s, size_t pad, size_t a) {
  const size_t A = a + pad, first = A % s;
  phase_taps p = {a < n_in ? (n_in - a + s - 1) / s : 0, first,
                  first < K ? (K - first + s - 1) / s : 0, A / s};
  return p;
}

/* Phase (a, b) of the input gradient: false when it has no rows, columns or taps (dx += 0). */
static bool phase_at(const wt_conv2d *l, size_t a, size_t b, phase_taps *ph, phase_taps *pw) {
  *ph = phase_of((size_t)l->H, (size_t)l->KH, (size_t)l->stride_h, (size_t)l->pad_h, a);
  *pw = phase_of((size_t)l->W, (size_t)l->KW, (size_t)l->stride_w, (size_t)l->pad_w, b);
  return ph->n && ph->M && pw->n && pw->M;
}

/* dyp's padding along one axis: qt rows before dy so that every phase's first read
   (shift - M + 1 + qt) is a row of dyp, and the extent *nq that holds every phase's last read
   (n - 1 + shift + qt) and dy's n_out rows. */
static void dy_padding(size_t n_in, size_t n_out, size_t K, size_t s, size_t pad, size_t *qt,
                       size_t *nq) {
  *qt = 0;
  *nq = 0;
  for (size_t a = 0; a < s && a < n_in; a++) {
    const phase_taps p = phase_of(n_in, K, s, pad, a);
    if (p.M && p.M - 1 > p.shift && p.M - 1 - p.shift > *qt) *qt = p.M - 1 - p.shift;
  }
  for (size_t a = 0; a < s && a < n_in; a++) {
    const phase_taps p = phase_of(n_in, K, s, pad, a);
    if (p.M && p.n + p.shift + *qt > *nq) *nq = p.n + p.shift + *qt;
  }
  if (n_out + *qt > *nq) *nq = n_out + *qt;
}

static bool direct_layout_of(const wt_conv2d *l, int64_t OH, int64_t OW, direct_layout *d) {
  const size_t C = (size_t)l->C, OC = (size_t)l->OC, KH = (size_t)l->KH, KW = (size_t)l->KW;
  const size_t s = (size_t)l->stride_w, Wp = (size_t)(l->W + 2 * l->pad_w);
  const size_t sh = (size_t)l->stride_h, H = (size_t)l->H, W = (size_t)l->W;
  d->Hp = (size_t)(l->H + 2 * l->pad_h), d->Lw = (Wp + s - 1) / s, d->RP = s * d->Lw;
  dy_padding(H, (size_t)OH, KH, sh, (size_t)l->pad_h, &d->qt, &d->Hq);
  dy_padding(W, (size_t)OW, KW, s, (size_t)l->pad_w, &d->ql, &d->Wq);
  /* Every product checked (size_t is 32 bits in wasm); check_hyper bounds C*KH and OC*KH. */
  size_t K, KT, xp, dyp, wp, wtp, t1, t2, t3, ph = 0;
  if (!wt__mul_ok(C * KH, KW, &K) || !wt__mul_ok(OC * KH, KW, &KT) ||
      !wt__mul_ok(C, d->Hp, &t1) || !wt__mul_ok(t1, d->RP, &xp) ||
      !wt__mul_ok(OC, d->Hq, &t2) || !wt__mul_ok(t2, d->Wq, &dyp) ||
      !wt__mul_ok(round4(OC), K, &wp) || !wt__mul_ok(round4(C), KT, &wtp) ||
      !wt__mul_ok(C, (H + sh - 1) / sh, &t3) || !wt__mul_ok(t3, (W + s - 1) / s, &ph))
    return false;
  if (xp > INT32_MAX - 16 || dyp > INT32_MAX - 16) return false; /* int32 offset tables */
  if (sh == 1 && s == 1) ph = 0; /* the one phase is dx itself */
  size_t uf = 0, ub = 0, woff = 0, wv = 0;
  d->trows = d->tbp = 0;
  if (is_wino(l)) {
    const size_t TW = W / 2, Cm = C > OC ? C : OC;
    size_t t4;
    d->trows = TW >= wino_tiles(Cm) ? 1 : wino_tiles(Cm) / TW;
    d->tbp = (d->trows * TW + 7) / 8 * 8;
    woff = Cm;
    /* round4(OC)*C and round4(C)*OC fit: wp and wtp, 9 times as large, were checked */
    if (!wt__mul_ok(16, round4(OC) * C, &uf) || !wt__mul_ok(16, round4(C) * OC, &ub) ||
        !wt__mul_ok(16, Cm, &t4) || !wt__mul_ok(t4, d->tbp, &wv))
      return false;
  }
  const size_t sz[12] = {xp + 8, wp, K, dyp + 8, wtp, KT, ph, uf, ub, woff, wv, wv};
  size_t *at[12] = {&d->xp,   &d->wpack, &d->off, &d->dyp,  &d->wtpack, &d->offt,
                    &d->dxph, &d->uf,    &d->ub,  &d->woff, &d->wv,     &d->wm};
  size_t o = 0;
  for (int i = 0; i < 12; i++) {
    *at[i] = o;
    if (sz[i] > SIZE_MAX / 8 - o) return false;
    o += round4(sz[i]);
  }
  d->total = o;
  return true;
}

/* Validates the hyperparameters and N, and computes the output extent (OH, OW). */
static wt_status check_hyper(wt_ctx *ctx, const char *func, const wt_conv2d *l, int64_t N,
                             int64_t *OH, int64_t *OW) {
  if (!l) return wt__fail(ctx, WT_ERR_ARG, func, "l is NULL");
  WT_TRY(wt__check_dim(ctx, func, "N", N));
  WT_TRY(wt__check_dim(ctx, func, "C", l->C));
  WT_TRY(wt__check_dim(ctx, func, "OC", l->OC));
  const wt__window win = {l->H, l->W, l->KH, l->KW, l->stride_h, l->stride_w, l->pad_h, l->pad_w};
  WT_TRY(wt__window_out(ctx, func, &win, false, OH, OW));
  const int64_t in[4] = {N, l->C, l->H, l->W}, out[4] = {N, l->OC, *OH, *OW};
  const int64_t wdims[4] = {l->OC, l->C, l->KH, l->KW};
  const int64_t cdims[5] = {l->C, l->KH, l->KW, *OH, *OW};
  WT_TRY(wt__check_elems(ctx, func, "x (N,C,H,W)", in, 4, NULL));
  WT_TRY(wt__check_elems(ctx, func, "y (N,OC,OH,OW)", out, 4, NULL));
  WT_TRY(wt__check_elems(ctx, func, "weight (OC,C,KH,KW)", wdims, 4, NULL));
  WT_TRY(wt__check_elems(ctx, func, "im2col buffer (C*KH*KW, OH*OW)", cdims, 5, NULL));
  return WT_OK;
}

/* Workspace floats of the path: [col | dcol | gemm scratch], each block a multiple of 4 floats;
   col and dcol hold K x chunk_cols() floats. The GEMM scratch is the max over the three products
   (forward, dW, dcol). */
static bool path_floats(const wt_ctx *ctx, const wt_conv2d *l, int64_t OH, int64_t OW,
                        size_t *out) {
  if (is_direct(l)) {
    direct_layout d;
    if (!direct_layout_of(l, OH, OW, &d)) return false;
    *out = d.total;
    return true;
  }
  const size_t OCs = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  size_t P = (size_t)(OH * OW);
  if (!is_pointwise(l)) P = chunk_cols(K, P); /* K * P fits size_t: checked by check_hyper */
  size_t g = wt__gemm_workspace_floats(&ctx->k, false, false, OCs, P, K);
  size_t g2 = wt__gemm_workspace_floats(&ctx->k, false, true, OCs, K, P);
  size_t g3 = wt__gemm_workspace_floats(&ctx->k, true, false, K, P, OCs);
  if (g2 > g) g = g2;
  if (g3 > g) g = g3;
  g = round4(g);
  size_t col = 0;
  if (!is_pointwise(l)) {
    if (!wt__mul_ok(K, P, &col)) return false;
    col = round4(col);
    if (col > (SIZE_MAX - g) / 2) return false;
  }
  *out = 2 * col + g;
  return true;
}

/* Convs with few output positions P = OH*OW (the 8x8 and 4x4 stages of the CIFAR ResNets) go
   by GEMMs over chunks of S = CHUNK_COLS / P samples side by side (col_c: the chunk's im2col,
   K x S*P, sample j's columns at j*P; likewise dy_c, y_c: OC x S*P), so the products are
   CHUNK_COLS (= GEMM_KC) wide or deep, as GEMM wants them:
   - P <= WT_DW_GEMM_P: the weight gradient, dW += dy_c col_c^T (chunk_backward). Per sample
     its reduction would be P long: the direct kernel's dot products (or a per-sample GEMM)
     were then mostly call, lane-reduction and C-tile overhead.
   - P <= WT_FEW_P (4x4): forward and input gradient too (few_forward, chunk_backward): there
     the direct kernel's 8-wide rows are half empty (OW = 4) and Winograd does not apply.
   Their blocks follow the path's workspace: col_c, y_c (or dy_c), the GEMMs' scratch. */
#ifndef WT_DW_GEMM_P
#define WT_DW_GEMM_P 64
#endif
#ifndef WT_FEW_P
#define WT_FEW_P 16
#endif
#define CHUNK_COLS 256
static size_t chunk_samples(int64_t OH, int64_t OW) {
  const size_t P = (size_t)(OH * OW);
  return P > WT_DW_GEMM_P ? 0 : CHUNK_COLS / P > 0 ? CHUNK_COLS / P : 1;
}
static bool few_positions(int64_t OH, int64_t OW) { return OH * OW <= WT_FEW_P; }

static bool chunk_floats(const wt_ctx *ctx, const wt_conv2d *l, int64_t OH, int64_t OW,
                         size_t *out) {
  const size_t S = chunk_samples(OH, OW), OC = (size_t)l->OC;
  const size_t K = (size_t)(l->C * l->KH * l->KW), SP = S * (size_t)(OH * OW);
  size_t col, dyc;
  *out = 0;
  if (!S) return true;
  if (!wt__mul_ok(K, SP, &col) || !wt__mul_ok(OC, SP, &dyc)) return false;
  size_t g = wt__gemm_workspace_floats(&ctx->k, false, true, OC, K, SP);
  if (few_positions(OH, OW)) {
    const size_t g2 = wt__gemm_workspace_floats(&ctx->k, false, false, OC, SP, K);
    const size_t g3 = wt__gemm_workspace_floats(&ctx->k, true, false, K, SP, OC);
    g = g2 > g ? g2 : g;
    g = g3 > g ? g3 : g;
  }
  if (col > SIZE_MAX / 8 || dyc > SIZE_MAX / 8 || g > SIZE_MAX / 8) return false;
  *out = round4(col) + round4(dyc) + round4(g);
  return true;
}

static bool workspace_floats(const wt_ctx *ctx, const wt_conv2d *l, int64_t OH, int64_t OW,
                             size_t *out) {
  size_t path = 0, dw;
  if (!few_positions(OH, OW) && !path_floats(ctx, l, OH, OW, &path)) return false;
  if (!chunk_floats(ctx, l, OH, OW, &dw) ||
      dw > SIZE_MAX / 8 - path)
    return false;
  *out = path + dw;
  return true;
}


/* x: (N,C,H,W) -> out: (N,OC,OH,OW) with OH = floor((H + 2*pad_h - KH) / stride_h) + 1 (and
   OW likewise), filled into l->OH, l->OW. param_floats = OC*C*KH*KW + OC (weight, then bias;
   the OC bias floats only without no_bias). cache_bytes = 0. workspace_bytes: direct path, the
   padded planes of one sample's x and dy plus the packed weights (direct_layout_of); else a
   chunk of im2col and of its gradient, (C*KH*KW, chunk of OH*OW) floats each, plus the GEMM
   packing scratch; with few output positions also (or, OH*OW <= 16, only) the sample-chunk
   blocks (chunk_floats). */
wt_status wt_conv2d_sizes(wt_ctx *ctx, wt_conv2d *l, int64_t N, wt_layer_sizes *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, __func__, l, N, &OH, &OW));
  size_t ws;
  if (!workspace_floats(ctx, l, OH, OW, &ws) || !wt__mul_ok(ws, sizeof(float), &ws))
    return WT_FAIL(ctx, WT_ERR_SHAPE,
                   "the workspace of a conv with C = %lld, OC = %lld, a %lldx%lld kernel on "
                   "%lldx%lld does not fit the address space",
                   (long long)l->C, (long long)l->OC, (long long)l->KH, (long long)l->KW,
                   (long long)l->H, (long long)l->W);
  l->OH = OH;
  l->OW = OW;
  out->param_floats = (size_t)(l->OC * l->C * l->KH * l->KW + (l->no_bias ? 0 : l->OC));
  out->cache_bytes = 0;
  out->workspace_bytes = ws;
  out->out_elems = l->OC * OH * OW;
  return WT_OK;
}

/* Shared checks of forward and backward: hyperparameters, a fresh OH/OW, the weight. */
static wt_status check_call(wt_ctx *ctx, const char *func, const wt_conv2d *l, int64_t N,
                            const float *x, const void *workspace) {
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, func, l, N, &OH, &OW));
  if (OH != l->OH || OW != l->OW)
    return wt__fail(ctx, WT_ERR_STATE, func,
                    "l->OH, l->OW = %lld, %lld but the shape gives %lld, %lld: call wt_conv2d_sizes first",
                    (long long)l->OH, (long long)l->OW, (long long)OH, (long long)OW);
  if (!x) return wt__fail(ctx, WT_ERR_ARG, func, "x is NULL");
  if (!l->weight) return wt__fail(ctx, WT_ERR_ARG, func, "l->weight is NULL");
  if (!workspace) return wt__fail(ctx, WT_ERR_ARG, func, "workspace is NULL");
  return WT_OK;
}

/* The outputs ow of one kernel column kw whose input column iw = ow*stride_w - pad_w + kw is
   inside [0, W): ow in [*lo, *hi). Outside it the window sees the zero padding. */
static void valid_cols(const wt_conv2d *l, int64_t kw, int64_t *lo, int64_t *hi) {
  const int64_t s = l->stride_w, first = l->pad_w - kw; /* iw >= 0  <=>  ow*s >= first */
  int64_t a = first <= 0 ? 0 : (first + s - 1) / s;
  int64_t b = (l->W - 1 + l->pad_w - kw); /* iw <= W-1  <=>  ow*s <= b */
  b = b < 0 ? 0 : b / s + 1;
  if (b > l->OW) b = l->OW;
  if (a > b) a = b;
  *lo = a, *hi = b;
}

/* x: (C,H,W) of one sample -> col: (C*KH*KW, p1 - p0) with row pitch ld, the output positions
   p in [p0, p1) of im2col: row (c*KH + kh)*KW + kw, column p - p0 holds x[c, oh*stride_h - pad_h + kh,
   ow*stride_w - pad_w + kw] with p = oh*OW + ow, zero outside the image. Each output row segment
   is a zero head, a copied middle (contiguous when stride_w is 1) and a zero tail, so the inner
   loops carry no bounds test. */
static void im2col(const wt_conv2d *l, const float *x, int64_t p0, int64_t p1, float *col,
                   size_t ld) {
  const int64_t H = l->H, W = l->W, OW = l->OW, sw = l->stride_w;
  for (int64_t c = 0; c < l->C; c++)
    for (int64_t kh = 0; kh < l->KH; kh++)
      for (int64_t kw = 0; kw < l->KW; kw++) {
        float *row = col + (size_t)((c * l->KH + kh) * l->KW + kw) * ld;
        const float *plane = x + c * H * W;
        int64_t lo, hi;
        valid_cols(l, kw, &lo, &hi);
        for (int64_t oh = p0 / OW; oh * OW < p1; oh++) {
          const int64_t a = p0 > oh * OW ? p0 - oh * OW : 0;
          const int64_t b = p1 - oh * OW < OW ? p1 - oh * OW : OW; /* ow in [a, b) */
          const int64_t ih = oh * l->stride_h - l->pad_h + kh;
          float *r = row + (oh * OW + a - p0); /* r[ow - a] is output (oh, ow) */
          if (ih < 0 || ih >= H) {
            for (int64_t ow = a; ow < b; ow++) r[ow - a] = 0.0f;
            continue;
          }
          const int64_t vlo = lo > a ? lo : a, vhi = hi < b ? hi : b;
          for (int64_t ow = a; ow < b && ow < vlo; ow++) r[ow - a] = 0.0f;
          for (int64_t ow = vhi > a ? vhi : a; ow < b; ow++) r[ow - a] = 0.0f;
          if (vlo >= vhi) continue;
          /* src[j] is input column iw of output ow = vlo + j */
          const float *src = plane + ih * W + (vlo * sw - l->pad_w + kw);
          float *dst = r + (vlo - a);
          if (sw == 1)
            for (int64_t j = 0; j < vhi - vlo; j++) dst[j] = src[j];
          else
            for (int64_t j = 0; j < vhi - vlo; j++) dst[j] = src[j * sw];
        }
      }
}

/* The adjoint of im2col over [p0, p1): dx: (C,H,W) += scatter of dcol: (C*KH*KW, p1 - p0),
   row pitch ld. */
static void col2im_add(const wt_conv2d *l, const float *dcol, int64_t p0, int64_t p1, size_t ld,
                       float *dx) {
  const int64_t H = l->H, W = l->W, OW = l->OW, sw = l->stride_w;
  for (int64_t c = 0; c < l->C; c++)
    for (int64_t kh = 0; kh < l->KH; kh++)
      for (int64_t kw = 0; kw < l->KW; kw++) {
        const float *row = dcol + (size_t)((c * l->KH + kh) * l->KW + kw) * ld;
        float *plane = dx + c * H * W;
        int64_t lo, hi;
        valid_cols(l, kw, &lo, &hi);
        for (int64_t oh = p0 / OW; oh * OW < p1; oh++) {
          const int64_t ih = oh * l->stride_h - l->pad_h + kh;
          if (ih < 0 || ih >= H) continue;
          const int64_t a = p0 > oh * OW ? p0 - oh * OW : 0;
          const int64_t b = p1 - oh * OW < OW ? p1 - oh * OW : OW;
          const int64_t vlo = lo > a ? lo : a, vhi = hi < b ? hi : b;
          if (vlo >= vhi) continue;
          const float *r = row + (oh * OW + vlo - p0);
          float *dst = plane + ih * W + (vlo * sw - l->pad_w + kw);
          if (sw == 1)
            for (int64_t j = 0; j < vhi - vlo; j++) dst[j] += r[j];
          else
            for (int64_t j = 0; j < vhi - vlo; j++) dst[j * sw] += r[j];
        }
      }
}

static void pad_planes(const wt_kernels *k, size_t planes, size_t H, size_t W, const float *src,
                       size_t Hd, size_t RP, size_t s, size_t Lw, size_t t, size_t t2,
                       float *dst);
static void tap_offsets(const wt_conv2d *l, const direct_layout *d, int32_t *off);

/* im2col of one sample through the direct path's padded planes (is_direct; direct_ws: that
   path's workspace, xp's border zeroed and the tap offsets written by the caller): x padded
   into xp, then row k, output row oh of col is the OW floats at xp + off[k] + oh*stride_h*RP,
   which conv_rows would read. The values of im2col, without its bounds tests per segment. */
static void im2col_padded(const wt_kernels *k, const wt_conv2d *l, const float *x,
                          float *direct_ws, float *col, size_t ld) {
  direct_layout d;
  direct_layout_of(l, l->OH, l->OW, &d); /* succeeded in wt_conv2d_sizes */
  const size_t K = (size_t)(l->C * l->KH * l->KW), OH = (size_t)l->OH, OW = (size_t)l->OW;
  const size_t row = (size_t)l->stride_h * d.RP;
  float *xp = direct_ws + d.xp;
  const int32_t *off = (const int32_t *)(direct_ws + d.off);
  pad_planes(k, (size_t)l->C, (size_t)l->H, (size_t)l->W, x, d.Hp, d.RP, (size_t)l->stride_w,
             d.Lw, (size_t)l->pad_h, (size_t)l->pad_w, xp);
  for (size_t kk = 0; kk < K; kk++)
    for (size_t oh = 0; oh < OH; oh++) {
      const float *src = xp + off[kk] + oh * row;
      float *dst = col + kk * ld + oh * OW;
      for (size_t ow = 0; ow < OW; ow++) dst[ow] = src[ow];
    }
}

/* The chunk of samples [n0, n0 + ns) side by side (chunk_samples): col_c (K x ns*P) from x by
   im2col when col is not NULL (through the padded planes when direct_ws is not NULL:
   im2col_padded); dy_c (OC x ns*P) from dy when dy is not NULL. */
static void chunk_gather(const wt_kernels *k, const wt_conv2d *l, size_t n0, size_t ns,
                         const float *x, const float *dy, float *col, float *dyc,
                         float *direct_ws) {
  const size_t OC = (size_t)l->OC, P = (size_t)(l->OH * l->OW);
  const size_t in = (size_t)(l->C * l->H * l->W), cols = ns * P;
  for (size_t j = 0; j < ns; j++) {
    if (col && direct_ws)
      im2col_padded(k, l, x + (n0 + j) * in, direct_ws, col + j * P, cols);
    else if (col)
      im2col(l, x + (n0 + j) * in, 0, (int64_t)P, col + j * P, cols);
    if (!dy) continue;
    k->f32_copy(OC, P, dy + (n0 + j) * OC * P, P, dyc + j * P, cols);
  }
}

/* few_positions: y = W col + b, a chunk of samples per GEMM (into y_c, then copied out per
   sample). ws: the chunk_floats() block. */
static void few_forward(const wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                        float *y, float *ws) {
  const size_t OC = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  const size_t P = (size_t)(l->OH * l->OW), S = chunk_samples(l->OH, l->OW);
  float *col = ws, *yc = col + round4(K * S * P), *gws = yc + round4(OC * S * P);
  for (size_t n0 = 0; n0 < (size_t)N; n0 += S) {
    const size_t ns = (size_t)N - n0 < S ? (size_t)N - n0 : S, cols = ns * P;
    chunk_gather(&ctx->k, l, n0, ns, x, NULL, col, NULL, NULL);
    wt__gemm(&ctx->k, false, false, OC, cols, K, l->weight, K, col, cols, false, yc, cols, gws);
    for (size_t j = 0; j < ns; j++) {
      float *yn = y + (n0 + j) * OC * P;
      for (size_t o = 0; o < OC; o++) memcpy(yn + o * P, yc + o * cols + j * P, P * sizeof(float));
      if (l->bias) ctx->k.f32_rowbias(OC, P, l->bias, yn, P);
    }
  }
}

/* By chunks of samples (chunk_samples): dweight += dy_c col_c^T when dw, and, when dx is not
   NULL (few_positions only), dx_n += col2im of W^T dy_c (computed into col_c). ws: the
   chunk_floats() block; direct_ws: the direct path's workspace (is_direct, not few_positions:
   the im2col goes through its padded planes), else NULL. */
static void chunk_backward(const wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                           const float *dy, float *dx, bool dw, float *ws, float *direct_ws) {
  const size_t OC = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  const size_t P = (size_t)(l->OH * l->OW), in = (size_t)(l->C * l->H * l->W);
  const size_t S = chunk_samples(l->OH, l->OW);
  float *col = ws, *dyc = col + round4(K * S * P), *gws = dyc + round4(OC * S * P);
  if (dw && direct_ws) {
    direct_layout d;
    direct_layout_of(l, l->OH, l->OW, &d);
    tap_offsets(l, &d, (int32_t *)(direct_ws + d.off));
    memset(direct_ws + d.xp, 0, ((size_t)l->C * d.Hp * d.RP + 8) * sizeof(float));
  }
  for (size_t n0 = 0; n0 < (size_t)N; n0 += S) {
    const size_t ns = (size_t)N - n0 < S ? (size_t)N - n0 : S, cols = ns * P;
    chunk_gather(&ctx->k, l, n0, ns, x, dy, dw ? col : NULL, dyc, dw ? direct_ws : NULL);
    if (dw)
      wt__gemm(&ctx->k, false, true, OC, K, cols, dyc, cols, col, cols, true, l->dweight, K, gws);
    if (!dx) continue;
    wt__gemm(&ctx->k, true, false, K, cols, OC, l->weight, K, dyc, cols, false, col, cols, gws);
    for (size_t j = 0; j < ns; j++)
      col2im_add(l, col + j * P, 0, (int64_t)P, cols, dx + (n0 + j) * in);
  }
}

/* ---- the direct path (is_direct) ---- */

/* src: planes of (H, W) -> dst: planes of Hd rows of pitch RP, source row h at row t + h and
   source column w at padded column col = t2 + w, stored at (col % s)*Lw + col / s of its row
   (direct_layout; s = 1: a copy at column t2; s = 2: the deinterleave2 kernel). The border
   of dst is left as it is (zeroed once per call). */
static void pad_planes(const wt_kernels *k, size_t planes, size_t H, size_t W, const float *src,
                       size_t Hd, size_t RP, size_t s, size_t Lw, size_t t, size_t t2,
                       float *dst) {
  for (size_t p = 0; p < planes; p++) {
    const float *plane = src + p * H * W;
    float *q0 = dst + (p * Hd + t) * RP;
    if (s == 1) {
      k->f32_copy(H, W, plane, W, q0 + t2, RP);
      continue;
    }
    if (s == 2) { /* source column 0 is padded column t2: phase t2 % 2, index t2 / 2 */
      k->f32_deinterleave2(H, W, plane, W, q0 + (t2 % 2) * Lw + t2 / 2,
                           q0 + (1 - t2 % 2) * Lw + (t2 + 1) / 2, RP);
      continue;
    }
    for (size_t h = 0; h < H; h++) {
      const float *r = plane + h * W;
      float *q = q0 + h * RP;
      /* phase by phase: the source columns w0, w0 + s, ... of phase ph are contiguous there */
      for (size_t ph = 0; ph < s; ph++) {
        const size_t w0 = (ph + s - t2 % s) % s;
        float *qp = q + ph * Lw + (t2 + w0) / s;
        for (size_t w = w0; w < W; w += s) *qp++ = r[w];
      }
    }
  }
}

/* The offset of tap (c, kh, kw) in xp (direct_layout), for conv_rows and conv_dw. */
static void tap_offsets(const wt_conv2d *l, const direct_layout *d, int32_t *off) {
  const size_t KH = (size_t)l->KH, KW = (size_t)l->KW, s = (size_t)l->stride_w;
  for (size_t c = 0; c < (size_t)l->C; c++)
    for (size_t kh = 0; kh < KH; kh++)
      for (size_t kw = 0; kw < KW; kw++)
        off[(c * KH + kh) * KW + kw] =
            (int32_t)((c * d->Hp + kh) * d->RP + kw % s * d->Lw + kw / s);
}

/* Packs rows r of a (rows, K) matrix, read as m(r, k), into 4-row k-major panels:
   pack[(r / 4) * 4K + k*4 + r % 4]; rows past `rows` in the last panel are zero. */
#define PACK4(pack, rows, K, m)                                                    \
  do {                                                                             \
    for (size_t r0 = 0; r0 < (rows); r0 += 4)                                      \
      for (size_t k = 0; k < (K); k++)                                             \
        for (size_t i = 0; i < 4; i++) {                                           \
          const size_t r = r0 + i;                                                 \
          (pack)[r0 * (K) + k * 4 + i] = r < (rows) ? (m) : 0.0f;                  \
        }                                                                          \
  } while (0)

/* Per 4 rows of out (OCo channels of Ho x Wo planes) and output row h: out[o, h, :] from
   conv_rows over the padded input `in` (row stride Win), kc rows found through off. */
static void direct_rows(const wt_kernels *k, size_t OCo, size_t Ho, size_t Wo, size_t kc,
                        const float *pack, const float *in, size_t Win, const int32_t *off,
                        float *out, int accumulate) {
  const size_t P = Ho * Wo;
  for (size_t o0 = 0; o0 < OCo; o0 += 4) {
    const size_t mr = OCo - o0 < 4 ? OCo - o0 : 4;
    const float *a = pack + o0 * kc;
    for (size_t h = 0; h < Ho; h++)
      k->f32_conv_rows(mr, Wo, kc, a, in + h * Win, off, out + o0 * P + h * Wo, P, accumulate);
  }
}

/* U = G g G^T of every 3x3 kernel g, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1], packed as 16
   GEMM operands: U[e*round4(Co)*Ci + (o/4)*4*Ci + c*4 + o%4] = U_oc[e] (e = 4r + q; rows past
   Co zero). Forward: g = W[o, c] (Co = OC, Ci = C); input gradient (flip): g = W[c, o] turned
   by 180 degrees (Co = C, Ci = OC). In double, rounded once. */
static void wino_weights(const wt_conv2d *l, bool flip, float *U) {
  const size_t C = (size_t)l->C, OC = (size_t)l->OC;
  const size_t Co = flip ? C : OC, Ci = flip ? OC : C, Cp = round4(Co);
  memset(U, 0, 16 * Cp * Ci * sizeof(float));
  for (size_t o = 0; o < Co; o++)
    for (size_t c = 0; c < Ci; c++) {
      const float *w = l->weight + ((flip ? c * C + o : o * C + c) * 9);
      double g[3][3], t[4][3];
      for (size_t i = 0; i < 9; i++) g[i / 3][i % 3] = (double)(flip ? w[8 - i] : w[i]);
      for (size_t j = 0; j < 3; j++) {
        t[0][j] = g[0][j];
        t[1][j] = 0.5 * (g[0][j] + g[1][j] + g[2][j]);
        t[2][j] = 0.5 * (g[0][j] - g[1][j] + g[2][j]);
        t[3][j] = g[2][j];
      }
      for (size_t r = 0; r < 4; r++) {
        const double u[4] = {t[r][0], 0.5 * (t[r][0] + t[r][1] + t[r][2]),
                             0.5 * (t[r][0] - t[r][1] + t[r][2]), t[r][2]};
        for (size_t q = 0; q < 4; q++)
          U[(4 * r + q) * Cp * Ci + (o / 4) * 4 * Ci + c * 4 + o % 4] = (float)u[q];
      }
    }
}

/* out (Co planes of Ho x Wo) = (accumulate: +=) the valid 3x3 correlation of `in` (Ci planes,
   plane stride ps, row pitch ld, Ho + 2 rows and Wo + 2 columns read) with the weights U
   (wino_weights), by Winograd F(2x2, 3x3), one chunk of whole tile rows at a time: transform
   the chunk's input (V, 16 x Ci rows of d->tbp), 16 products U[e] V[e] (conv_rows with B rows
   at off[c] = c*tbp) into M (16 x Co rows), transform M back into out. */
static void wino_conv(const wt_kernels *k, const direct_layout *d, size_t Ci, size_t Co,
                      size_t Ho, size_t Wo, const float *in, size_t ps, size_t ld, const float *U,
                      float *ws, float *out, int accumulate) {
  const size_t TH = Ho / 2, TW = Wo / 2, n4 = TW / 4, tbp = d->tbp, Cp = round4(Co);
  const size_t rows = d->trows; /* tbp holds rows * TW tiles */
  float *V = ws + d->wv, *M = ws + d->wm;
  int32_t *off = (int32_t *)(ws + d->woff);
  for (size_t c = 0; c < Ci; c++) off[c] = (int32_t)(c * tbp);
  for (size_t ty0 = 0; ty0 < TH; ty0 += rows) {
    const size_t nr = TH - ty0 < rows ? TH - ty0 : rows, nt = nr * TW;
    for (size_t c = 0; c < Ci; c++)
      for (size_t r = 0; r < nr; r++)
        k->f32_wino_in(n4, in + c * ps + 2 * (ty0 + r) * ld, ld, V + c * tbp + r * TW, Ci * tbp);
    for (size_t e = 0; e < 16; e++)
      for (size_t o0 = 0; o0 < Co; o0 += 4) {
        const size_t mr = Co - o0 < 4 ? Co - o0 : 4;
        k->f32_conv_rows(mr, nt, Ci, U + (e * Cp + o0) * Ci, V + e * Ci * tbp, off,
                         M + (e * Co + o0) * tbp, tbp, 0);
      }
    for (size_t o = 0; o < Co; o++)
      for (size_t r = 0; r < nr; r++)
        k->f32_wino_out(n4, M + o * tbp + r * TW, Co * tbp, out + (o * Ho + 2 * (ty0 + r)) * Wo,
                        Wo, accumulate);
  }
}

static void direct_forward(const wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                           float *y, float *ws) {
  direct_layout d;
  direct_layout_of(l, l->OH, l->OW, &d); /* succeeded in wt_conv2d_sizes */
  const size_t C = (size_t)l->C, OC = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  const size_t OH = (size_t)l->OH, OW = (size_t)l->OW, P = OH * OW;
  const size_t H = (size_t)l->H, W = (size_t)l->W, in = C * H * W;
  float *xp = ws + d.xp, *pack = ws + d.wpack;
  int32_t *off = (int32_t *)(ws + d.off);
  const bool wino = is_wino(l);
  if (wino) {
    wino_weights(l, false, ws + d.uf);
  } else {
    tap_offsets(l, &d, off);
    PACK4(pack, OC, K, l->weight[r * K + k]);
  }
  memset(xp, 0, (C * d.Hp * d.RP + 8) * sizeof(float));
  for (int64_t n = 0; n < N; n++) {
    float *yn = y + (size_t)n * OC * P;
    pad_planes(&ctx->k, C, H, W, x + (size_t)n * in, d.Hp, d.RP, (size_t)l->stride_w, d.Lw,
               (size_t)l->pad_h, (size_t)l->pad_w, xp);
    if (wino)
      wino_conv(&ctx->k, &d, C, OC, OH, OW, xp, d.Hp * d.RP, d.RP, ws + d.uf, ws, yn, 0);
    else
      direct_rows(&ctx->k, OC, OH, OW, K, pack, xp, (size_t)l->stride_h * d.RP, off, yn, 0);
    if (l->bias) ctx->k.f32_rowbias(OC, P, l->bias, yn, P);
  }
}

/* The input gradient's offsets and packed sub-kernels, every phase (phase_at) in turn: phase
   (a, b) reads dyp through offt[(o*Mh + m')*Mw + n'] with the weight
   W[o, c, first_h + sh*(Mh-1-m'), first_w + sw*(Mw-1-n')] in row c of its panel. */
static void pack_phases(const wt_conv2d *l, const direct_layout *d, float *packt, int32_t *offt) {
  const size_t C = (size_t)l->C, OC = (size_t)l->OC, KH = (size_t)l->KH, KW = (size_t)l->KW;
  const size_t sh = (size_t)l->stride_h, sw = (size_t)l->stride_w;
  for (size_t a = 0; a < sh; a++)
    for (size_t b = 0; b < sw; b++) {
      phase_taps ph, pw;
      if (!phase_at(l, a, b, &ph, &pw)) continue;
      const size_t Mh = ph.M, Mw = pw.M, kt = OC * Mh * Mw;
      const size_t top = ph.shift + 1 + d->qt - Mh, left = pw.shift + 1 + d->ql - Mw;
      for (size_t o = 0; o < OC; o++)
        for (size_t m = 0; m < Mh; m++)
          for (size_t n = 0; n < Mw; n++)
            offt[(o * Mh + m) * Mw + n] = (int32_t)((o * d->Hq + top + m) * d->Wq + left + n);
      PACK4(packt, C, kt,
            l->weight[((k / (Mh * Mw)) * C + r) * KH * KW +
                      (ph.first + sh * (Mh - 1 - k / Mw % Mh)) * KW +
                      (pw.first + sw * (Mw - 1 - k % Mw))]);
      packt += round4(C) * kt;
      offt += kt;
    }
}

/* dweight[o, k] += sum_p dy[o, p] xp[off[k] + p] (conv_dw). dx += per phase (a, b) of the
   input, the stride-1 conv of dyp with the phase's flipped sub-kernel (pack_phases): for stride
   1 straight into dx (written, not added, with assign_dx: stride 1 only), else into one phase
   plane, then added to dx[c, a + sh*i, b + sw*j]. */
static void direct_backward(const wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                            const float *dy, float *dx, bool dw, bool assign_dx, float *ws) {
  direct_layout d;
  direct_layout_of(l, l->OH, l->OW, &d);
  const size_t C = (size_t)l->C, OC = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  const size_t OH = (size_t)l->OH, OW = (size_t)l->OW, P = OH * OW, H = (size_t)l->H;
  const size_t W = (size_t)l->W, in = C * H * W, sh = (size_t)l->stride_h;
  const size_t sw = (size_t)l->stride_w;
  const bool unit = sh == 1 && sw == 1;
  float *xp = ws + d.xp, *dyp = ws + d.dyp, *packt = ws + d.wtpack, *dxph = ws + d.dxph;
  int32_t *off = (int32_t *)(ws + d.off), *offt = (int32_t *)(ws + d.offt);
  const bool wino = is_wino(l);
  if (dw) {
    tap_offsets(l, &d, off);
    memset(xp, 0, (C * d.Hp * d.RP + 8) * sizeof(float));
  }
  if (dx) {
    if (wino)
      wino_weights(l, true, ws + d.ub);
    else
      pack_phases(l, &d, packt, offt);
    memset(dyp, 0, (OC * d.Hq * d.Wq + 8) * sizeof(float));
  }
  for (int64_t n = 0; n < N; n++) {
    const float *dyn = dy + (size_t)n * OC * P;
    if (l->dbias) ctx->k.f32_rowsum(OC, P, dyn, P, l->dbias);
    if (dw) {
      pad_planes(&ctx->k, C, H, W, x + (size_t)n * in, d.Hp, d.RP, sw, d.Lw, (size_t)l->pad_h,
                 (size_t)l->pad_w, xp);
      for (size_t o0 = 0; o0 < OC; o0 += 4) {
        const size_t mr = OC - o0 < 4 ? OC - o0 : 4;
        for (size_t k0 = 0; k0 < K; k0 += 2)
          ctx->k.f32_conv_dw(mr, K - k0 < 2 ? K - k0 : 2, OH, OW, dyn + o0 * P, P, OW, xp,
                             off + k0, sh * d.RP, l->dweight + o0 * K + k0, K);
      }
    }
    if (!dx) continue;
    float *dxn = dx + (size_t)n * in;
    pad_planes(&ctx->k, OC, OH, OW, dyn, d.Hq, d.Wq, 1, d.Wq, d.qt, d.ql, dyp);
    if (wino) {
      wino_conv(&ctx->k, &d, OC, C, H, W, dyp, d.Hq * d.Wq, d.Wq, ws + d.ub, ws, dxn, !assign_dx);
      continue;
    }
    const float *pk = packt;
    const int32_t *ok = offt;
    for (size_t a = 0; a < sh; a++)
      for (size_t b = 0; b < sw; b++) {
        phase_taps ph, pw;
        if (!phase_at(l, a, b, &ph, &pw)) continue;
        const size_t kt = OC * ph.M * pw.M;
        direct_rows(&ctx->k, C, ph.n, pw.n, kt, pk, dyp, d.Wq, ok, unit ? dxn : dxph,
                    unit && !assign_dx);
        pk += round4(C) * kt;
        ok += kt;
        if (unit) continue;
        const float *src = dxph;
        for (size_t c = 0; c < C; c++)
          for (size_t i = 0; i < ph.n; i++) {
            float *dst = dxn + (c * H + a + sh * i) * W + b;
            for (size_t j = 0; j < pw.n; j++) dst[sw * j] += *src++;
          }
      }
  }
}

/* x: (N,C,H,W), y: (N,OC,OH,OW), weight: (OC,C,KH,KW) seen as W[OC,K] with K = C*KH*KW,
   bias: (OC) or NULL. Per sample n: y_n[OC,P] = W[OC,K] col_n[K,P] + b (P = OH*OW).
   cache: unused (may be NULL). workspace: wt_conv2d_sizes().workspace_bytes, 16-byte aligned. */
wt_status wt_conv2d_forward(wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x, float *y,
                            void *cache, void *workspace) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_call(ctx, __func__, l, N, x, workspace));
  if (!y) return WT_FAIL(ctx, WT_ERR_ARG, "y is NULL");
  if (few_positions(l->OH, l->OW)) {
    few_forward(ctx, l, N, x, y, workspace);
    return WT_OK;
  }
  if (is_direct(l)) {
    direct_forward(ctx, l, N, x, y, workspace);
    return WT_OK;
  }
  const bool pw = is_pointwise(l);
  const size_t OC = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  const size_t P = (size_t)(l->OH * l->OW), in = (size_t)(l->C * l->H * l->W);
  const size_t pc = pw ? P : chunk_cols(K, P);
  float *col = workspace;
  float *gws = pw ? col : col + 2 * round4(K * pc);
  for (int64_t n = 0; n < N; n++) {
    const float *xn = x + (size_t)n * in;
    float *yn = y + (size_t)n * OC * P;
    if (pw) {
      wt__gemm(&ctx->k, false, false, OC, P, K, l->weight, K, xn, P, false, yn, P, gws);
      if (l->bias) ctx->k.f32_rowbias(OC, P, l->bias, yn, P);
      continue;
    }
    for (size_t p0 = 0; p0 < P; p0 += pc) {
      const size_t pn = P - p0 < pc ? P - p0 : pc;
      im2col(l, xn, (int64_t)p0, (int64_t)(p0 + pn), col, pn);
      wt__gemm(&ctx->k, false, false, OC, pn, K, l->weight, K, col, pn, false, yn + p0, P, gws);
      if (l->bias) ctx->k.f32_rowbias(OC, pn, l->bias, yn + p0, P);
    }
  }
  return WT_OK;
}

/* x: (N,C,H,W), dy: (N,OC,OH,OW), dx: (N,C,H,W) or NULL. Accumulates, per sample n:
   dweight[OC,K] += dy_n[OC,P] col_n^T; dbias[o] += sum_p dy_n[o,p];
   dx_n += col2im(W^T[K,OC] dy_n[OC,P]). l->dweight / l->dbias NULL: not computed.
   cache: unused (im2col is recomputed from x). workspace as for forward. */
wt_status wt_conv2d_backward(wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                             const float *dy, float *dx, const void *cache, void *workspace) {
  return wt__conv2d_backward_into(ctx, l, N, x, dy, dx, cache, workspace, false);
}

/* As wt_conv2d_backward; assign: dx = the input gradient instead of dx += (internal.h). The
   direct stride-1 path writes it (Winograd's wino_out, conv_rows); the others add, so they
   get dx zeroed here first. */
wt_status wt__conv2d_backward_into(wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                                   const float *dy, float *dx, const void *cache,
                                   void *workspace, bool assign) {
  if (!ctx) return WT_ERR_ARG;
  const char *func = "wt_conv2d_backward"; /* the name in messages: the public one */
  WT_TRY(check_call(ctx, func, l, N, x, workspace));
  if (!dy) return wt__fail(ctx, WT_ERR_ARG, func, "dy is NULL");
  const bool writes_dx = !few_positions(l->OH, l->OW) && is_direct(l) && l->stride_h == 1 &&
                         l->stride_w == 1;
  if (dx && assign && !writes_dx)
    memset(dx, 0, (size_t)(N * l->C * l->H * l->W) * sizeof(float));
  if (few_positions(l->OH, l->OW)) {
    if (l->dbias)
      for (int64_t n = 0; n < N; n++)
        ctx->k.f32_rowsum((size_t)l->OC, (size_t)(l->OH * l->OW),
                          dy + (size_t)(n * l->OC * l->OH * l->OW), (size_t)(l->OH * l->OW),
                          l->dbias);
    chunk_backward(ctx, l, N, x, dy, dx, l->dweight != NULL, workspace, NULL);
    return WT_OK;
  }
  size_t path = 0;
  path_floats(ctx, l, l->OH, l->OW, &path); /* succeeded in wt_conv2d_sizes */
  const bool dw_chunks = l->dweight && chunk_samples(l->OH, l->OW);
  if (dw_chunks)
    chunk_backward(ctx, l, N, x, dy, NULL, true, (float *)workspace + path,
                   is_direct(l) ? workspace : NULL);
  const bool dw = l->dweight && !dw_chunks;
  if (is_direct(l)) {
    direct_backward(ctx, l, N, x, dy, dx, dw, assign && writes_dx, workspace);
    return WT_OK;
  }
  const bool pw = is_pointwise(l);
  const size_t OC = (size_t)l->OC, K = (size_t)(l->C * l->KH * l->KW);
  const size_t P = (size_t)(l->OH * l->OW), in = (size_t)(l->C * l->H * l->W);
  const size_t pc = pw ? P : chunk_cols(K, P);
  float *col = workspace;
  float *dcol = pw ? col : col + round4(K * pc);
  float *gws = pw ? col : col + 2 * round4(K * pc);
  for (int64_t n = 0; n < N; n++) {
    const float *xn = x + (size_t)n * in;
    const float *dyn = dy + (size_t)n * OC * P;
    float *dxn = dx ? dx + (size_t)n * in : NULL;
    if (l->dbias) ctx->k.f32_rowsum(OC, P, dyn, P, l->dbias);
    if (pw) {
      if (dw)
        wt__gemm(&ctx->k, false, true, OC, K, P, dyn, P, xn, P, true, l->dweight, K, gws);
      if (dxn) wt__gemm(&ctx->k, true, false, K, P, OC, l->weight, K, dyn, P, true, dxn, P, gws);
      continue;
    }
    /* per chunk of output positions: dW += dy[:, chunk] col_chunk^T, and
       dx += col2im(W^T dy[:, chunk]) */
    for (size_t p0 = 0; p0 < P; p0 += pc) {
      const size_t pn = P - p0 < pc ? P - p0 : pc;
      if (dw) {
        im2col(l, xn, (int64_t)p0, (int64_t)(p0 + pn), col, pn);
        wt__gemm(&ctx->k, false, true, OC, K, pn, dyn + p0, P, col, pn, true, l->dweight, K, gws);
      }
      if (dxn) {
        wt__gemm(&ctx->k, true, false, K, pn, OC, l->weight, K, dyn + p0, P, false, dcol, pn, gws);
        col2im_add(l, dcol, (int64_t)p0, (int64_t)(p0 + pn), pn, dxn);
      }
    }
  }
  return WT_OK;
}

/* weight: (OC,C,KH,KW) ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C*KH*KW, i.e.
   torch's kaiming_uniform_(a = sqrt(5)); then bias: (OC) from the same bound, if not NULL.
   Draws from wt_ctx_rng(ctx), weights first in memory order. */
wt_status wt_conv2d_init_params(wt_ctx *ctx, const wt_conv2d *l) {
  if (!ctx) return WT_ERR_ARG;
  if (!l) return WT_FAIL(ctx, WT_ERR_ARG, "l is NULL");
  if (!l->weight) return WT_FAIL(ctx, WT_ERR_ARG, "l->weight is NULL");
  int64_t OH = 0, OW = 0;
  WT_TRY(check_hyper(ctx, __func__, l, 1, &OH, &OW));
  const size_t fan_in = (size_t)(l->C * l->KH * l->KW);
  const double bound = 1.0 / sqrt((double)fan_in);
  wt_rng *rng = wt_ctx_rng(ctx);
  const size_t nw = (size_t)l->OC * fan_in;
  for (size_t i = 0; i < nw; i++)
    l->weight[i] = (float)((2.0 * wt_rng_uniform(rng) - 1.0) * bound);
  if (l->bias)
    for (int64_t o = 0; o < l->OC; o++)
      l->bias[o] = (float)((2.0 * wt_rng_uniform(rng) - 1.0) * bound);
  return WT_OK;
}
