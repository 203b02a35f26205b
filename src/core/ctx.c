/* ctx.c - the context: tracked allocation, the scratch arena, kernel choice and the RNG.
   Two contexts never share state; nothing here is global. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Every tracked block starts with a 16-byte header holding its size, so wt__free can keep
   live_bytes exact and the payload stays 16-byte aligned. */
#define WT_HDR 16

void *wt__alloc(wt_ctx *ctx, size_t bytes) {
  if (bytes > SIZE_MAX - 2 * WT_HDR) return NULL;
  unsigned char *p = aligned_alloc(WT_HDR, (bytes + 2 * WT_HDR - 1) / WT_HDR * WT_HDR);
  if (!p) return NULL;
  memcpy(p, &bytes, sizeof bytes);
  ctx->live_bytes += bytes;
  ctx->live_allocs++;
  return p + WT_HDR;
}

void *wt__calloc(wt_ctx *ctx, size_t bytes) {
  void *p = wt__alloc(ctx, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

void wt__free(wt_ctx *ctx, void *ptr) {
  if (!ptr) return;
  unsigned char *p = (unsigned char *)ptr - WT_HDR;
  size_t bytes;
  memcpy(&bytes, p, sizeof bytes);
  ctx->live_bytes -= bytes;
  ctx->live_allocs--;
  free(p);
}

size_t wt__arena_mark(const wt_ctx *ctx) { return ctx->arena.used; }

void wt__arena_release(wt_ctx *ctx, size_t mark) {
  WT_ASSERT(mark <= ctx->arena.used);
  ctx->arena.used = mark;
}

void *wt__arena_alloc(wt_ctx *ctx, size_t bytes) {
  wt__arena *a = &ctx->arena;
  size_t need = (bytes + 15) / 16 * 16;
  if (need < bytes || need > a->size - a->used) {
    WT_FAIL(ctx, WT_ERR_OOM, "scratch arena full: %zu bytes asked, %zu of %zu free", bytes,
            a->size - a->used, a->size);
    return NULL;
  }
  void *p = a->base + a->used;
  a->used += need;
  return p;
}

wt_ctx *wt_ctx_create(const wt_ctx_options *opt, wt_status *st) {
  wt_ctx_options o = {0};
  if (opt) o = *opt;
  if (o.arena_bytes == 0) o.arena_bytes = (size_t)1 << 20;
  wt_status dummy;
  if (!st) st = &dummy;
  if (o.arena_bytes > SIZE_MAX / 2) { /* rounding it up below would wrap to a tiny arena */
    *st = WT_ERR_OOM;
    return NULL;
  }
  wt_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    *st = WT_ERR_OOM;
    return NULL;
  }
  o.arena_bytes = (o.arena_bytes + 15) / 16 * 16;
  ctx->arena.base = wt__alloc(ctx, o.arena_bytes);
  if (!ctx->arena.base) {
    free(ctx);
    *st = WT_ERR_OOM;
    return NULL;
  }
  ctx->arena.size = o.arena_bytes;
  ctx->force_scalar = o.force_scalar != 0;
  wt__kernels_select(&ctx->k, ctx->force_scalar);
  wt_rng_seed(&ctx->rng, o.seed, 0);
  *st = WT_OK;
  return ctx;
}

void wt_ctx_destroy(wt_ctx *ctx) {
  if (!ctx) return;
  wt__free(ctx, ctx->arena.base);
  free(ctx);
}

size_t wt_ctx_live_bytes(const wt_ctx *ctx) { return ctx ? ctx->live_bytes : 0; }
size_t wt_ctx_live_allocs(const wt_ctx *ctx) { return ctx ? ctx->live_allocs : 0; }
const char *wt_ctx_kernel_name(const wt_ctx *ctx) { return ctx ? ctx->k.f32_gemm_name : ""; }
wt_rng *wt_ctx_rng(wt_ctx *ctx) { return ctx ? &ctx->rng : NULL; }
