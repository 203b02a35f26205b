/* kernels.h - flat math micro-kernels: raw pointers, counts and strides; no ctx, no allocation,
   no errors. Every SIMD kernel has a scalar twin with the same signature; the table in wt_kernels
   is chosen once per context (wt__kernels_select) and layers reach kernels only through it. */
#ifndef WT_KERNELS_H
#define WT_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wt_f32_gemm_params {
  int accumulate; /* 0: c = a*w; 1: c += a*w */
} wt_f32_gemm_params;

/* c[mr x nc] (+)= a[mr x kc] * w[kc x nc].
   a: row i at a + i*a_stride (floats).  w: a packed panel, kc rows of NR floats each (columns
   >= nc are zero padding).  c: row i at c + i*c_stride.  1 <= mr <= MR, 1 <= nc <= NR, kc >= 1. */
typedef void (*wt_f32_gemm_ukernel_fn)(size_t mr, size_t nc, size_t kc, const float *a,
                                       size_t a_stride, const float *w, float *c, size_t c_stride,
                                       const wt_f32_gemm_params *params);

#define WT_UKERNEL(isa, fn, mr, nr)                                                                     \
  void fn(size_t mr_, size_t nc, size_t kc, const float *a, size_t a_stride, const float *w,      \
          float *c, size_t c_stride, const wt_f32_gemm_params *params);
#include "f32_gemm.inc"
#undef WT_UKERNEL

/* dst[c*ldd + r] = src[r*lds + c] for r < rows, c < cols (the GEMM packing of A^T and B^T).
   Only those elements are read and written; src and dst do not overlap. */
typedef void (*wt_f32_transpose_fn)(size_t rows, size_t cols, const float *src, size_t lds,
                                    float *dst, size_t ldd);

void wt_f32_transpose_ukernel_4x4__scalar(size_t rows, size_t cols, const float *src, size_t lds,
                                          float *dst, size_t ldd);
void wt_f32_transpose_ukernel_4x4__wasmsimd(size_t rows, size_t cols, const float *src,
                                            size_t lds, float *dst, size_t ldd);

/* Vector kernels (f32_vector.inc); n, rows, cols may be 0. Twins give the same bits except
   rowsum (reassociated sums).
   relu:       y[i] = x[i] > 0 || isnan(x[i]) ? x[i] : +0 (torch.relu). y == x is allowed.
   relu_grad:  dx[i] += dy[i] unless y[i] <= 0 (torch's threshold_backward on the output: a
               select, so an infinite dy at a dead unit leaves dx alone); accumulate 0: dx[i] =
               y[i] <= 0 ? +0 : dy[i] (the first writer of dx: no zeroed buffer to add to).
               dx must not alias.
   add:        y[i] = a[i] + b[i] (the residual sum; backward's dx += dy as y == a). y may alias
               a or b.
   rowbias:    y[r*ldy + j] += bias[r] for r < rows, j < cols (a conv's bias over its planes).
   rowsum:     sum[r] += sum_j x[r*ldx + j] (the conv bias gradient).
   maxpool2x2: planes of (H,W) -> (H/2, W/2) (floor), the max of each 2x2 window with stride 2,
               no padding, as torch.nn.MaxPool2d(2): scanning (0,0),(0,1),(1,0),(1,1), a value
               replaces the running max (from -inf) if greater or NaN; argmax gets its index
               h*W + w within the input plane. H, W >= 2.
   deinterleave2: for r < rows: even[r*ldy + i] = x[r*ldx + 2i] for 2i < n and
               odd[r*ldy + i] = x[r*ldx + 2i + 1] for 2i + 1 < n (the column phases of a
               stride-2 conv's padded input rows, conv2d.c's pad_planes); a copy, so the twins
               give the same bits. No aliasing.
   copy:       y[r*ldy + i] = x[r*ldx + i] for r < rows, i < n (conv2d.c's rows of a few dozen
               floats, where libc's memcpy of this build, a call and a 4-byte loop per row,
               costs more than the copy). No aliasing. */
typedef void (*wt_f32_relu_fn)(size_t n, const float *x, float *y);
typedef void (*wt_f32_relu_grad_fn)(size_t n, const float *y, const float *dy, float *dx,
                                    int accumulate);
typedef void (*wt_f32_add_fn)(size_t n, const float *a, const float *b, float *y);
typedef void (*wt_f32_rowbias_fn)(size_t rows, size_t cols, const float *bias, float *y,
                                  size_t ldy);
typedef void (*wt_f32_rowsum_fn)(size_t rows, size_t cols, const float *x, size_t ldx,
                                 float *sum);
typedef void (*wt_f32_maxpool2x2_fn)(size_t planes, size_t H, size_t W, const float *x, float *y,
                                     int32_t *argmax);
typedef void (*wt_f32_deinterleave2_fn)(size_t rows, size_t n, const float *x, size_t ldx,
                                        float *even, float *odd, size_t ldy);
typedef void (*wt_f32_copy_fn)(size_t rows, size_t n, const float *x, size_t ldx, float *y,
                               size_t ldy);

/* The direct convolution kernels (conv2d.c): a KxK conv over a zero-padded input is a GEMM
   whose B rows are shifted rows of that input (for stride 2, rows of its column phases; see
   conv2d.c's direct_layout), so no im2col is built: row k = (c*KH + kh)*KW + kw of B starts at
   b + off[k], the tap's offset (stride 1: c*Hp*Wp + kh*Wp + kw), precomputed.
   conv_rows: c[i*ldc + j] = (accumulate ? c[i*ldc + j] : 0)
                             + sum_{k < kc} a[k*4 + i] * b[off[k] + j]
              for i < mr (1..4), j < nc (>= 1); a: 4-row panel, k-major (rows past mr unused).
              The sum runs over k in order from 0, then adds to c.
              The SIMD kernel goes by blocks of 8 columns and loads 8 floats at
              b + off[k] + j0 for each block j0 < nc (j0 a multiple of 8), whatever nc: the
              caller keeps them readable (their values never reach c). Forward: b = the padded input at (oh, ow0);
              input gradient: b = the padded output gradient, a = the flipped, transposed weight.
   conv_dw:   dw[i*ldw + j] += sum_{r < rows} sum_{q < cols} dy[i*ldy + r*dy_row + q] *
                                                             x[off[j] + r*x_row + q]
              for i < mr (1..4), j < nj (1..2): a 4 x 2 tile of the weight gradient, dot
              products along output rows. Twins differ by reassociation (the SIMD sum keeps four
              lanes). Reads exactly the elements named (no over-read). */
/* The Winograd F(2x2, 3x3) transforms (conv2d.c's wino_conv), over 4*n4 tiles along one tile
   row. Tile j reads the 4x4 block d[r*ld + 2j + q] (r, q < 4) and writes its 16 transformed
   values to v[e*vs + j], e = 4r + q of B^T d B, with
   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]: each row of the block as (d0 - d2, d1 + d2,
   d2 - d1, d1 - d3), then each column of that likewise. Reads rows 0..3, columns
   0..8*n4 + 1 of d, nothing more.
   wino_out: tile j's m[e*ms + j] (e < 16) -> the 2x2 Y = A^T M A with A^T = [1 1 1 0;
   0 1 -1 -1]: each column k of M as ((m0 + m1) + m2, (m1 - m2) - m3), then each row of that
   likewise; y[a*ldy + 2j + b] = Y[a][b] (accumulate: += Y[a][b]).
   The twins do the same operations in the same order: same bits. */
typedef void (*wt_f32_wino_in_fn)(size_t n4, const float *d, size_t ld, float *v, size_t vs);
typedef void (*wt_f32_wino_out_fn)(size_t n4, const float *m, size_t ms, float *y, size_t ldy,
                                   int accumulate);
typedef void (*wt_f32_conv_rows_fn)(size_t mr, size_t nc, size_t kc, const float *a,
                                    const float *b, const int32_t *off, float *c, size_t ldc,
                                    int accumulate);
typedef void (*wt_f32_conv_dw_fn)(size_t mr, size_t nj, size_t rows, size_t cols,
                                  const float *dy, size_t ldy, size_t dy_row, const float *x,
                                  const int32_t *off, size_t x_row, float *dw, size_t ldw);

void wt_f32_relu_ukernel__scalar(size_t n, const float *x, float *y);
void wt_f32_relu_ukernel__wasmsimd(size_t n, const float *x, float *y);
void wt_f32_relu_grad_ukernel__scalar(size_t n, const float *y, const float *dy, float *dx,
                                      int accumulate);
void wt_f32_relu_grad_ukernel__wasmsimd(size_t n, const float *y, const float *dy, float *dx,
                                        int accumulate);
void wt_f32_add_ukernel__scalar(size_t n, const float *a, const float *b, float *y);
void wt_f32_add_ukernel__wasmsimd(size_t n, const float *a, const float *b, float *y);
void wt_f32_rowbias_ukernel__scalar(size_t rows, size_t cols, const float *bias, float *y,
                                    size_t ldy);
void wt_f32_rowbias_ukernel__wasmsimd(size_t rows, size_t cols, const float *bias, float *y,
                                      size_t ldy);
void wt_f32_rowsum_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ldx,
                                   float *sum);
void wt_f32_rowsum_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ldx,
                                     float *sum);
void wt_f32_maxpool2x2_ukernel__scalar(size_t planes, size_t H, size_t W, const float *x,
                                       float *y, int32_t *argmax);
void wt_f32_maxpool2x2_ukernel__wasmsimd(size_t planes, size_t H, size_t W, const float *x,
                                         float *y, int32_t *argmax);
void wt_f32_deinterleave2_ukernel__scalar(size_t rows, size_t n, const float *x, size_t ldx,
                                          float *even, float *odd, size_t ldy);
void wt_f32_deinterleave2_ukernel__wasmsimd(size_t rows, size_t n, const float *x, size_t ldx,
                                            float *even, float *odd, size_t ldy);
void wt_f32_copy_ukernel__scalar(size_t rows, size_t n, const float *x, size_t ldx, float *y,
                                 size_t ldy);
void wt_f32_copy_ukernel__wasmsimd(size_t rows, size_t n, const float *x, size_t ldx, float *y,
                                   size_t ldy);
void wt_f32_conv_rows_ukernel_4x8__scalar(size_t mr, size_t nc, size_t kc, const float *a,
                                          const float *b, const int32_t *off, float *c,
                                          size_t ldc, int accumulate);
void wt_f32_conv_rows_ukernel_4x8__wasmsimd(size_t mr, size_t nc, size_t kc, const float *a,
                                            const float *b, const int32_t *off, float *c,
                                            size_t ldc, int accumulate);
void wt_f32_wino_in_ukernel__scalar(size_t n4, const float *d, size_t ld, float *v, size_t vs);
void wt_f32_wino_in_ukernel__wasmsimd(size_t n4, const float *d, size_t ld, float *v, size_t vs);
void wt_f32_wino_out_ukernel__scalar(size_t n4, const float *m, size_t ms, float *y, size_t ldy,
                                     int accumulate);
void wt_f32_wino_out_ukernel__wasmsimd(size_t n4, const float *m, size_t ms, float *y,
                                       size_t ldy, int accumulate);
void wt_f32_conv_dw_ukernel_4x2__scalar(size_t mr, size_t nj, size_t rows, size_t cols,
                                        const float *dy, size_t ldy, size_t dy_row,
                                        const float *x, const int32_t *off, size_t x_row,
                                        float *dw, size_t ldw);
void wt_f32_conv_dw_ukernel_4x2__wasmsimd(size_t mr, size_t nj, size_t rows, size_t cols,
                                          const float *dy, size_t ldy, size_t dy_row,
                                          const float *x, const int32_t *off, size_t x_row,
                                          float *dw, size_t ldw);

/* The BatchNorm2d kernels (batchnorm2d.c): one channel of an (N,C,H,W) tensor is rows = N rows
   of cols = H*W floats, row r at p + r*ld (ld = C*H*W); every array of a call shares ld. Sums
   run in double from 0, in the order rows then columns in the scalar twins; the SIMD twins keep
   lane-wise partial sums (they differ only by reassociation). The elementwise kernels give the
   same bits in both twins. rows, cols may be 0 (sums give 0).
   bn_sum:    *sum = sum x.
   bn_sumsq:  *ss = sum ((double)x - mu)^2 (the two-pass variance).
   bn_dot:    *sdy = sum dy, *sdyx = sum dy * ((double)x - mu) (the backward pair).
   bn_affine: y = x*a + b in float (a multiply, then an add: ATen's alpha, beta form). y == x
              is allowed.
   bn_dx:     dx += ((dy - gm) - (x - mu) * k) * is * w in float, each operation rounded,
              left to right (ATen's float form of the input gradient; gm = k = 0 in eval mode);
              accumulate 0: dx = that term (the first writer of dx). dx == x or dx == dy is
              allowed (each element is read before it is written). */
typedef struct wt_f32_bn_dx_params {
  float mu, gm, k, is, w;
  int accumulate;
} wt_f32_bn_dx_params;
typedef void (*wt_f32_bn_sum_fn)(size_t rows, size_t cols, const float *x, size_t ld,
                                 double *sum);
typedef void (*wt_f32_bn_sumsq_fn)(size_t rows, size_t cols, const float *x, size_t ld,
                                   double mu, double *ss);
typedef void (*wt_f32_bn_dot_fn)(size_t rows, size_t cols, const float *x, const float *dy,
                                 size_t ld, double mu, double *sdy, double *sdyx);
typedef void (*wt_f32_bn_affine_fn)(size_t rows, size_t cols, const float *x, size_t ld,
                                    float a, float b, float *y);
typedef void (*wt_f32_bn_dx_fn)(size_t rows, size_t cols, const float *x, const float *dy,
                                size_t ld, const wt_f32_bn_dx_params *params, float *dx);

void wt_f32_bn_sum_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ld,
                                   double *sum);
void wt_f32_bn_sumsq_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ld, double mu,
                                     double *ss);
void wt_f32_bn_dot_ukernel__scalar(size_t rows, size_t cols, const float *x, const float *dy,
                                   size_t ld, double mu, double *sdy, double *sdyx);
void wt_f32_bn_affine_ukernel__scalar(size_t rows, size_t cols, const float *x, size_t ld, float a,
                                      float b, float *y);
void wt_f32_bn_dx_ukernel__scalar(size_t rows, size_t cols, const float *x, const float *dy,
                                  size_t ld, const wt_f32_bn_dx_params *params, float *dx);
void wt_f32_bn_sum_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ld,
                                     double *sum);
void wt_f32_bn_sumsq_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ld,
                                       double mu, double *ss);
void wt_f32_bn_dot_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, const float *dy,
                                     size_t ld, double mu, double *sdy, double *sdyx);
void wt_f32_bn_affine_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, size_t ld,
                                        float a, float b, float *y);
void wt_f32_bn_dx_ukernel__wasmsimd(size_t rows, size_t cols, const float *x, const float *dy,
                                    size_t ld, const wt_f32_bn_dx_params *params, float *dx);

/* The optimizer kernels (src/optim/optim.c), one update over n parameters: p, g (the gradient),
   and the moment buffers (n floats each; buf NULL without momentum, vmax NULL without
   amsgrad). The scalars are what the reference rounds to float32 (torch turns Python floats
   into float operands). The twins do the same float operations in the same order (wasm has no
   FMA; sqrt and div are correctly rounded in both): same bits. */
/* torch.optim.SGD, per element: g = grad + wd*p; if momentum: buf = first ? g : momentum*buf +
   damp1*g, g = nesterov ? g + momentum*buf : buf; p -= lr*g. */
typedef struct wt_f32_sgd_params {
  float lr, momentum, damp1, wd; /* damp1 = 1 - dampening */
  int use_momentum, nesterov, first;
} wt_f32_sgd_params;

/* torch.optim.Adam / AdamW, per element: p *= decay_mul (AdamW; 1 skips it); g = grad + wd*p
   (Adam's L2; 0 skips it); m = m*beta1 + omb1*g; v = v*beta2 + (omb2*g)*g; amsgrad: vmax =
   max(vmax, v) (NaN propagates), used for v; p = p + (neg_step_size*m) / (sqrt(v)/bc2_sqrt + eps). */
typedef struct wt_f32_adam_params {
  float decay_mul, wd, beta1, omb1, beta2, omb2, bc2_sqrt, eps, neg_step_size;
  int amsgrad;
} wt_f32_adam_params;

/* AdaBound / AMSBound (Luolc/AdaBound), per element: g = grad + wd*p; m, v, vmax as Adam;
   e = step_size / (sqrt(v) + eps) clamped to [lower, upper] as std::min(std::max(e, lower),
   upper) (NaN propagates); p = p - e*m. */
typedef struct wt_f32_adabound_params {
  float wd, beta1, omb1, beta2, omb2, eps, step_size, lower, upper;
  int amsgrad;
} wt_f32_adabound_params;

typedef void (*wt_f32_sgd_fn)(size_t n, float *p, const float *g, float *buf,
                              const wt_f32_sgd_params *params);
typedef void (*wt_f32_adam_fn)(size_t n, float *p, const float *g, float *m, float *v,
                               float *vmax, const wt_f32_adam_params *params);
typedef void (*wt_f32_adabound_fn)(size_t n, float *p, const float *g, float *m, float *v,
                                   float *vmax, const wt_f32_adabound_params *params);
void wt_f32_sgd_ukernel__scalar(size_t n, float *p, const float *g, float *buf,
                                const wt_f32_sgd_params *params);
void wt_f32_sgd_ukernel__wasmsimd(size_t n, float *p, const float *g, float *buf,
                                  const wt_f32_sgd_params *params);
void wt_f32_adam_ukernel__scalar(size_t n, float *p, const float *g, float *m, float *v,
                                 float *vmax, const wt_f32_adam_params *params);
void wt_f32_adam_ukernel__wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                                   float *vmax, const wt_f32_adam_params *params);
void wt_f32_adabound_ukernel__scalar(size_t n, float *p, const float *g, float *m, float *v,
                                     float *vmax, const wt_f32_adabound_params *params);
void wt_f32_adabound_ukernel__wasmsimd(size_t n, float *p, const float *g, float *m, float *v,
                                       float *vmax, const wt_f32_adabound_params *params);

typedef struct wt_kernels {
  wt_f32_gemm_ukernel_fn f32_gemm;
  size_t gemm_mr, gemm_nr;
  const char *f32_gemm_name;
  wt_f32_transpose_fn f32_transpose; /* same isa as f32_gemm */
  /* vector kernels: the SIMD ones unless scalar is forced (or not compiled) */
  wt_f32_relu_fn f32_relu;
  wt_f32_relu_grad_fn f32_relu_grad;
  wt_f32_add_fn f32_add;
  wt_f32_rowbias_fn f32_rowbias;
  wt_f32_rowsum_fn f32_rowsum;
  wt_f32_maxpool2x2_fn f32_maxpool2x2;
  wt_f32_deinterleave2_fn f32_deinterleave2;
  wt_f32_copy_fn f32_copy;
  wt_f32_conv_rows_fn f32_conv_rows;
  wt_f32_conv_dw_fn f32_conv_dw;
  wt_f32_wino_in_fn f32_wino_in;
  wt_f32_wino_out_fn f32_wino_out;
  wt_f32_bn_sum_fn f32_bn_sum;
  wt_f32_bn_sumsq_fn f32_bn_sumsq;
  wt_f32_bn_dot_fn f32_bn_dot;
  wt_f32_bn_affine_fn f32_bn_affine;
  wt_f32_bn_dx_fn f32_bn_dx;
  wt_f32_sgd_fn f32_sgd;
  wt_f32_adam_fn f32_adam;
  wt_f32_adabound_fn f32_adabound;
} wt_kernels;

/* Picks the fastest kernels this build has (SIMD when compiled with it), or the scalar twins. */
void wt__kernels_select(wt_kernels *k, int force_scalar);
/* The table of entry i of f32_gemm.inc (as compiled in this build) with the helpers and vector
   kernels of its isa, for tests and benchmarks; false when i is past the end. */
bool wt__kernels_entry(wt_kernels *k, size_t i);

/* Floats of workspace wt__gemm needs for these sizes and transposes: a packed block of op(B)
   (at most 256 x 512 floats) plus, when trans_a, a packed block of A^T (at most 96 x 256), so
   never more than about 160k floats (640 KB) whatever the sizes; small products need less. */
size_t wt__gemm_workspace_floats(const wt_kernels *k, bool trans_a, bool trans_b, size_t M,
                                 size_t N, size_t K);

/* C[M x N] = (accumulate ? C : 0) + op(A)[M x K] * op(B)[K x N], all row-major.
   op(A) = A (element (i,k) at A[i*lda + k]) or A^T (at A[k*lda + i]) when trans_a; likewise B
   ((k,j) at B[k*ldb + j], or B[j*ldb + k] when trans_b). ws: wt__gemm_workspace_floats() floats,
   16-byte aligned. M, N, K >= 1. */
void wt__gemm(const wt_kernels *k, bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
              const float *A, size_t lda, const float *B, size_t ldb, bool accumulate, float *C,
              size_t ldc, float *ws);

#endif /* WT_KERNELS_H */
