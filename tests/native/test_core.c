/* test_core.c - context, errors, arena, tracked memory, the RNG's samplers (by their moments and
   known CDFs), the IDX parser and the uint8 -> float conversion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "core/internal.h"

/* Checks sample mean and variance of n draws against the true ones, within 6 standard errors
   (the variance's standard error from the fourth moment, estimated from the sample). */
static void check_moments(const char *what, double (*draw)(wt_rng *, double, double), wt_rng *r,
                          double a, double b, double mean, double var) {
  const int n = 200000;
  double s = 0, s2 = 0, s4 = 0;
  double *xs = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) {
    xs[i] = draw(r, a, b);
    s += xs[i];
  }
  const double m = s / n;
  for (int i = 0; i < n; i++) {
    const double d = xs[i] - m;
    s2 += d * d;
    s4 += d * d * d * d;
  }
  free(xs);
  const double v = s2 / (n - 1), m4 = s4 / n;
  const double se_mean = sqrt(var / n), se_var = sqrt((m4 - v * v) / n);
  CHECK_MSG(fabs(m - mean) < 6 * se_mean, "%s(%g,%g) mean %g, want %g", what, a, b, m, mean);
  CHECK_MSG(fabs(v - var) < 6 * se_var, "%s(%g,%g) var %g, want %g", what, a, b, v, var);
}

static double draw_beta(wt_rng *r, double a, double b) { return wt_rng_beta(r, a, b); }
static double draw_gamma(wt_rng *r, double a, double b) { return wt_rng_gamma(r, a); }
static double draw_normal(wt_rng *r, double a, double b) { return wt_rng_normal(r); }
static double draw_uniform(wt_rng *r, double a, double b) { return wt_rng_uniform(r); }

static void test_rng(void) {
  wt_rng r, r2;
  wt_rng_seed(&r, 42, 0);
  wt_rng_seed(&r2, 42, 0);
  int same = 1;
  for (int i = 0; i < 1000; i++) same &= wt_rng_u32(&r) == wt_rng_u32(&r2);
  CHECK(same);
  wt_rng_seed(&r2, 43, 0);
  int differ = 0;
  for (int i = 0; i < 10; i++) differ |= wt_rng_u32(&r) != wt_rng_u32(&r2);
  CHECK(differ);
  /* PCG32 reference stream (pcg32-demo, seed 42 stream 54): first outputs 0xa15c02b7 0x7b47f409 */
  wt_rng_seed(&r, 42, 54);
  CHECK(wt_rng_u32(&r) == 0xa15c02b7u);
  CHECK(wt_rng_u32(&r) == 0x7b47f409u);

  wt_rng_seed(&r, 7, 0);
  double lo = 1, hi = 0;
  for (int i = 0; i < 100000; i++) {
    double u = wt_rng_uniform(&r);
    lo = u < lo ? u : lo, hi = u > hi ? u : hi;
  }
  CHECK(lo >= 0.0 && lo < 1e-3 && hi < 1.0 && hi > 0.999);
  int counts[7] = {0};
  for (int i = 0; i < 70000; i++) counts[wt_rng_below(&r, 7)]++;
  for (int i = 0; i < 7; i++) CHECK_MSG(abs(counts[i] - 10000) < 6 * 93, "bucket %d: %d", i, counts[i]);

  check_moments("uniform", draw_uniform, &r, 0, 0, 0.5, 1.0 / 12);
  check_moments("normal", draw_normal, &r, 0, 0, 0.0, 1.0);
  const double shapes[] = {0.2, 0.3, 1.0, 4.5};
  for (int i = 0; i < 4; i++) check_moments("gamma", draw_gamma, &r, shapes[i], 0, shapes[i], shapes[i]);
  const double ab[][2] = {{0.2, 0.2}, {0.3, 0.3}, {1, 1}, {2, 5}, {0.05, 0.05}};
  for (int i = 0; i < 5; i++) {
    const double a = ab[i][0], b = ab[i][1], s = a + b;
    check_moments("beta", draw_beta, &r, a, b, a / s, a * b / (s * s * (s + 1)));
  }
  /* Beta(0.5, 0.5) is the arcsine law: P(X < x) = (2/pi) asin(sqrt(x)). */
  const int n = 200000;
  int below = 0;
  for (int i = 0; i < n; i++) below += wt_rng_beta(&r, 0.5, 0.5) < 0.1;
  const double p = 2.0 / 3.14159265358979323846 * asin(sqrt(0.1));
  CHECK_MSG(fabs((double)below / n - p) < 6 * sqrt(p * (1 - p) / n), "P(X<0.1) %g want %g",
            (double)below / n, p);
  /* Beta draws stay inside [0, 1] even for tiny parameters (no NaN from 0/0). */
  int ok = 1;
  for (int i = 0; i < 100000; i++) {
    double x = wt_rng_beta(&r, 0.01, 0.01);
    ok &= x >= 0.0 && x <= 1.0;
  }
  CHECK(ok);
}

static void test_ctx(void) {
  wt_status st = WT_ERR_STATE;
  wt_ctx *ctx = wt_ctx_create(NULL, &st);
  CHECK(ctx && st == WT_OK);
  CHECK(strcmp(wt_ctx_last_error(ctx), "") == 0);
  CHECK(strstr(wt_ctx_kernel_name(ctx), "wt_f32_gemm_ukernel_") != NULL);
  const size_t base = wt_ctx_live_bytes(ctx);
  CHECK(base >= ((size_t)1 << 20)); /* the arena */
  void *p = wt__alloc(ctx, 1000);
  CHECK(p && ((uintptr_t)p & 15) == 0);
  CHECK(wt_ctx_live_bytes(ctx) == base + 1000);
  wt__free(ctx, p);
  CHECK(wt_ctx_live_bytes(ctx) == base && wt_ctx_live_allocs(ctx) == 1);

  size_t mark = wt__arena_mark(ctx);
  float *a = wt__arena_alloc(ctx, 100), *b = wt__arena_alloc(ctx, 3);
  CHECK(a && b && ((uintptr_t)b & 15) == 0 && (char *)b >= (char *)(a + 25));
  CHECK(wt__arena_alloc(ctx, (size_t)2 << 20) == NULL);
  CHECK(strstr(wt_ctx_last_error(ctx), "arena full") != NULL);
  wt__arena_release(ctx, mark);
  CHECK(wt__arena_mark(ctx) == mark);

  wt_tensor t;
  float buf[24];
  CHECK_OK(ctx, wt_tensor_nchw(ctx, buf, 2, 3, 2, 2, &t));
  CHECK(wt_tensor_numel(&t) == 24 && t.stride[0] == 12 && t.stride[1] == 4 && t.stride[2] == 2);
  CHECK(wt_tensor_nchw(ctx, buf, 2, 0, 2, 2, &t) == WT_ERR_SHAPE);
  CHECK(strstr(wt_ctx_last_error(ctx), "wt_tensor_nchw: C must be in") != NULL);
  CHECK(wt_tensor_nchw(ctx, buf, 1 << 20, 1 << 20, 4, 4, &t) == WT_ERR_SHAPE);
  CHECK(strcmp(wt_status_str(WT_ERR_NONFINITE), "WT_ERR_NONFINITE") == 0);
  CHECK(strcmp(wt_status_str((wt_status)99), "WT_ERR_UNKNOWN") == 0);

  /* Two contexts are independent: same seed, same draws, whatever the other one does. */
  wt_ctx *c1 = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  wt_ctx *c2 = wt_ctx_create(&(wt_ctx_options){.seed = 5}, NULL);
  (void)wt_rng_u32(wt_ctx_rng(ctx));
  CHECK(wt_rng_u32(wt_ctx_rng(c1)) == wt_rng_u32(wt_ctx_rng(c2)));
  wt_ctx_destroy(c1);
  wt_ctx_destroy(c2);
  wt_ctx_destroy(ctx);
  wt_ctx_destroy(NULL);
}

static void test_idx(void) {
  wt_ctx *ctx = wt_ctx_create(NULL, NULL);
  uint8_t f[4 + 12 + 2 * 3 * 2] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2};
  for (int i = 0; i < 12; i++) f[16 + i] = (uint8_t)(i * 20);
  wt_idx_info info;
  CHECK_OK(ctx, wt_idx_parse(ctx, f, sizeof f, &info));
  CHECK(info.ndim == 3 && info.dims[0] == 2 && info.dims[1] == 3 && info.dims[2] == 2);
  CHECK(info.data_offset == 16 && info.data_bytes == 12);
  CHECK(wt_idx_parse(ctx, f, sizeof f - 1, &info) == WT_ERR_FORMAT);
  CHECK(strstr(wt_ctx_last_error(ctx), "truncated IDX data") != NULL);
  CHECK(wt_idx_parse(ctx, f, 3, &info) == WT_ERR_FORMAT);
  CHECK(wt_idx_parse(ctx, f, 10, &info) == WT_ERR_FORMAT);
  const uint8_t gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0};
  CHECK(wt_idx_parse(ctx, gz, sizeof gz, &info) == WT_ERR_FORMAT);
  CHECK(strstr(wt_ctx_last_error(ctx), "gzip") != NULL);
  uint8_t bad[sizeof f];
  memcpy(bad, f, sizeof f);
  bad[2] = 0x0d; /* float32 elements */
  CHECK(wt_idx_parse(ctx, bad, sizeof bad, &info) == WT_ERR_UNSUPPORTED);
  memcpy(bad, f, sizeof f);
  bad[3] = 9;
  CHECK(wt_idx_parse(ctx, bad, sizeof bad, &info) == WT_ERR_FORMAT);
  /* Extents whose product overflows 64 bits are refused, not wrapped. */
  const uint8_t huge[] = {0, 0, 8, 4, 0, 255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255};
  CHECK(wt_idx_parse(ctx, huge, sizeof huge, &info) == WT_ERR_FORMAT);
  memcpy(bad, f, sizeof f);
  bad[7] = 0; /* a zero extent */
  CHECK(wt_idx_parse(ctx, bad, sizeof bad, &info) == WT_ERR_FORMAT);
  CHECK(wt_idx_parse(ctx, NULL, 4, &info) == WT_ERR_ARG);

  /* ToTensor + Normalize: (x/255 - mean)/std */
  const uint8_t px[2 * 2 * 1 * 2] = {0, 255, 51, 102, 10, 20, 30, 40};
  float out[8];
  const float mean[2] = {0.5f, 0.25f}, sd[2] = {0.5f, 2.0f};
  CHECK_OK(ctx, wt_images_u8_to_f32(ctx, px, 2, 2, 1, 2, mean, sd, out));
  for (int i = 0; i < 8; i++) {
    const int c = (i / 2) % 2;
    CHECK_NEAR(out[i], (px[i] / 255.0 - (double)mean[c]) / (double)sd[c], 1e-6, 1e-6);
  }
  const float zero_std[2] = {1.0f, 0.0f};
  CHECK(wt_images_u8_to_f32(ctx, px, 2, 2, 1, 2, NULL, zero_std, out) == WT_ERR_ARG);
  CHECK(strstr(wt_ctx_last_error(ctx), "std[1]") != NULL);
  wt_ctx_destroy(ctx);
}

int main(void) {
  test_rng();
  test_ctx();
  test_idx();
  return check_summary("test_core");
}
