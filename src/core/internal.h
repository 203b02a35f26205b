/* internal.h - what the engine's own files share and users never see: the context struct,
   the error macro, tracked allocation, the scratch arena and shape checks. */
#ifndef WT_INTERNAL_H
#define WT_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include "../kernels/kernels.h"
#include "../wasmtricks.h"

#ifndef WT_ASSERT
#include <assert.h>
#define WT_ASSERT(x) assert(x)
#endif

#define WT_ERR_LEN 256

/* The scratch arena: a bump allocator over one 16-byte-aligned block. Temporaries take a mark,
   allocate, and release back to the mark; nothing is freed one by one. */
typedef struct wt__arena {
  unsigned char *base;
  size_t size;
  size_t used;
} wt__arena;

struct wt_ctx {
  wt__arena arena;
  wt_rng rng;
  wt_kernels k;        /* kernel table, chosen once at create */
  int force_scalar;
  size_t live_bytes;   /* tracked by wt__alloc / wt__free */
  size_t live_allocs;
  char err[WT_ERR_LEN];
};

/* Record a failure in ctx->err, prefixed by the function name, and return code. */
wt_status wt__fail(wt_ctx *ctx, wt_status code, const char *func, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define WT_FAIL(ctx, code, ...) wt__fail((ctx), (code), __func__, __VA_ARGS__)
#define WT_TRY(expr)                   \
  do {                                 \
    wt_status wt__st_ = (expr);        \
    if (wt__st_ != WT_OK) return wt__st_; \
  } while (0)

/* Tracked, 16-byte aligned allocation; counted in ctx->live_bytes. NULL on failure (the caller
   reports WT_ERR_OOM with what it was allocating). wt__free(ctx, NULL) is a no-op. */
void *wt__alloc(wt_ctx *ctx, size_t bytes);
void *wt__calloc(wt_ctx *ctx, size_t bytes);
void wt__free(wt_ctx *ctx, void *p);

size_t wt__arena_mark(const wt_ctx *ctx);
void wt__arena_release(wt_ctx *ctx, size_t mark);
/* 16-byte aligned scratch; NULL (and ctx->err set) if the arena is full. */
void *wt__arena_alloc(wt_ctx *ctx, size_t bytes);

/* a * b with overflow detection: false if the product exceeds SIZE_MAX. */
bool wt__mul_ok(size_t a, size_t b, size_t *out);
/* Validates an extent: 1 <= v <= WT_MAX_DIM, naming it in the error. */
wt_status wt__check_dim(wt_ctx *ctx, const char *func, const char *name, int64_t v);
/* Product of n extents (each already checked) <= WT_MAX_ELEMS, naming what it is. */
wt_status wt__check_elems(wt_ctx *ctx, const char *func, const char *what, const int64_t *dims,
                          int n, int64_t *out);
/* N samples of elems values each (elementwise layers): both in range, the product too. what
   names the tensor ("x", "a"). */
wt_status wt__check_batch_elems(wt_ctx *ctx, const char *func, const char *what, int64_t N,
                                int64_t elems);
/* A sliding window over an (H, W) plane with zero padding, as conv2d and the pools use it. */
typedef struct wt__window {
  int64_t H, W, KH, KW, stride_h, stride_w, pad_h, pad_w;
} wt__window;
/* Validates H, W, the kernel, the strides and the padding (pool_padding: at most half the
   kernel, as torch's pooling requires, so no window is all padding), naming the offender, and
   computes the floor-mode output extent. */
wt_status wt__window_out(wt_ctx *ctx, const char *func, const wt__window *w, bool pool_padding,
                         int64_t *OH, int64_t *OW);
/* The backward passes of the layers the model lets write an input gradient: as their public
   wt_<l>_backward, except that with assign (assign_a, assign_b) they write dx (da, db) instead
   of adding into it. The model calls them so for the first writer of a gradient, which then
   needs no zeroing beforehand (model.c); a path that can only add zeroes dx itself (conv2d). */
wt_status wt__relu_backward_into(wt_ctx *ctx, const wt_relu *l, int64_t N, const float *y,
                                 const float *dy, float *dx, bool assign);
wt_status wt__batchnorm2d_backward_into(wt_ctx *ctx, const wt_batchnorm2d *l, int64_t N,
                                        const float *x, const float *dy, float *dx,
                                        const void *cache, void *workspace, bool assign);
wt_status wt__conv2d_backward_into(wt_ctx *ctx, const wt_conv2d *l, int64_t N, const float *x,
                                   const float *dy, float *dx, const void *cache,
                                   void *workspace, bool assign);
wt_status wt__add_backward_into(wt_ctx *ctx, const wt_add *l, int64_t N, const float *dy,
                                float *da, float *db, bool assign_a, bool assign_b);
/* First index of a non-finite value in x[0..n), or -1. */
int64_t wt__find_nonfinite(const float *x, size_t n);

#endif /* WT_INTERNAL_H */
