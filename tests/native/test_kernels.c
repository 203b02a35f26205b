/* test_kernels.c - the GEMM micro-kernels and the wt__gemm driver against naive double-precision
   references. Natively this covers the scalar kernels; under emcmake (node) it also covers the
   wasm SIMD kernels, each compared with the reference and with its scalar twin of the same tile.

   - every f32_gemm.inc entry: mr = 1..MR, nc = 1..NR, kc in {1, 2, 7, 64, 300}, strided a and c
     accumulate 0 and 1, exact-size a and c buffers with sentinels around the mr x nc tile;
   - wt__gemm through the forced-scalar table, the default table and a table per .inc entry: all
     four (trans_a, trans_b), awkward sizes (1, 3, 17, 300, ...) and ones that cross the K, N
     and M blocks, padded leading dimensions, accumulate on and off, workspace overrun guard;
   - NaN: a NaN in A or B reaches exactly the C outputs it feeds; a NaN already in C is
     overwritten when accumulate is off.
   - the packing transposes of each isa: every size up to 17 and 64, with sentinels.
   - every f32_vector.inc entry against its scalar twin (and the scalar ones against a direct
     reference): n = 0..3*8+1 and larger, in place, strided rows, odd plane sizes, and inputs
     seeded with NaN, +-0, +-inf and ties; bit-exact except rowsum (reassociated sums).
   - the optimizer kernels (sgd, adam, adabound): n = 0..13 and larger, every flag combination,
     NaN/Inf gradients, bit for bit, nothing past n written;
   - the BatchNorm kernels (bn_*): rows 0..3 of 0..9, 17, 64, 1024 floats, strided, NaN in the
     gaps (a sum that over-reads turns NaN), sentinels in the outputs, in place;
   - the direct-conv kernels (conv_rows, conv_dw) on every tile edge (mr, nc / nj, columns not a
     multiple of 4), against the reference and the twin, with sentinels around the tile.
   In the relaxed build (WT_RELAXED) the GEMM and direct-conv SIMD kernels multiply-add fused:
   they are checked against their twins within TOL_MADD instead of bit for bit.
   Errors are measured as |got - ref| / (sum_k |a_ik b_kj| + |c0_ij|), never by equality
   (transposes are copies and are compared exactly). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "kernels/kernels.h"
#include "wasmtricks.h"

/* Tolerances relative to the sum of magnitudes: float32 rounding of k-term sums stays far below
   these for k <= 1000; scalar twins and SIMD kernels round identically up to reassociation. */
#define TOL_REF 1e-5
#define TOL_TWIN 1e-6
/* The GEMM and direct-conv SIMD kernels multiply-add with simd.h's wt_f32x4_madd: a fused
   multiply-add in the relaxed build (WT_RELAXED; relaxed_madd fuses or not per CPU), where they
   match their scalar twins within TOL_MADD of the sum of magnitudes (one rounding less per
   term), and the twins' bits in the baseline build (TOL_MADD 0: conv_rows is checked bit for
   bit; the GEMM twin check keeps TOL_TWIN). */
#if defined(WT_RELAXED)
#define TOL_MADD TOL_REF
#define TOL_GEMM_TWIN TOL_MADD
#else
#define TOL_MADD 0.0
#define TOL_GEMM_TWIN TOL_TWIN
#endif
#define SENTINEL 1234.5f

typedef struct entry {
  const char *isa, *name;
  wt_f32_gemm_ukernel_fn fn;
  size_t mr, nr;
} entry;

static const entry entries[] = {
#define WT_UKERNEL(isa, fn, mr, nr) {#isa, #fn, fn, mr, nr},
#include "kernels/f32_gemm.inc"
#undef WT_UKERNEL
};
#define N_ENTRIES (sizeof entries / sizeof entries[0])

static float *alloc_f(size_t n) {
  float *p = aligned_alloc(16, (n * sizeof(float) + 15) / 16 * 16);
  if (!p) {
    fprintf(stderr, "test_kernels: out of memory\n");
    exit(2);
  }
  return p;
}

static void fill(wt_rng *rng, float *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (float)(2.0 * wt_rng_uniform(rng) - 1.0);
}

/* The scalar entry with the same tile as e, or NULL. */
static const entry *twin_of(const entry *e) {
  for (size_t i = 0; i < N_ENTRIES; i++)
    if (!strcmp(entries[i].isa, "scalar") && entries[i].mr == e->mr && entries[i].nr == e->nr)
      return &entries[i];
  return NULL;
}

/* ------------------------------------------------------------------ micro-kernels */

/* Runs e->fn on an mr x nc tile with kc; returns the worst error against the reference, and
   against the scalar twin through *twin_err (0 when there is no twin or e is scalar). Counts
   touched sentinels in *bad_sentinels. */
static double run_ukernel(const entry *e, wt_rng *rng, size_t mr, size_t nc, size_t kc,
                          int accumulate, double *twin_err, size_t *bad_sentinels) {
  const size_t nr = e->nr, a_stride = kc + 3, c_stride = nr + 5;
  /* a: exactly mr rows (the last one exactly kc long), so reading row mr is out of bounds. */
  const size_t a_len = (mr - 1) * a_stride + kc;
  float *a = alloc_f(a_len), *w = alloc_f(kc * nr);
  /* c: one guard row above and below, every element outside the tile is a sentinel. */
  const size_t c_len = (mr + 2) * c_stride;
  float *cbuf = alloc_f(c_len), *c0 = alloc_f(c_len), *ctwin = alloc_f(c_len);
  float *c = cbuf + c_stride;
  fill(rng, a, a_len);
  fill(rng, w, kc * nr);
  for (size_t k = 0; k < kc; k++)
    for (size_t j = nc; j < nr; j++) w[k * nr + j] = 0.0f; /* panel padding is zero */
  for (size_t i = 0; i < c_len; i++) cbuf[i] = SENTINEL;
  for (size_t i = 0; i < mr; i++) fill(rng, c + i * c_stride, nc);
  memcpy(c0, cbuf, c_len * sizeof(float));
  memcpy(ctwin, cbuf, c_len * sizeof(float));

  const float *ka = a;
  const size_t ks = a_stride;
  const wt_f32_gemm_params params = {.accumulate = accumulate};
  e->fn(mr, nc, kc, ka, ks, w, c, c_stride, &params);
  const entry *tw = twin_of(e);
  *twin_err = 0.0;
  if (tw && tw != e) tw->fn(mr, nc, kc, ka, ks, w, ctwin + c_stride, c_stride, &params);

  double worst = 0.0;
  *bad_sentinels = 0;
  for (size_t r = 0; r < mr + 2; r++)
    for (size_t j = 0; j < c_stride; j++) {
      const size_t idx = r * c_stride + j;
      const int inside = r >= 1 && r <= mr && j < nc;
      if (!inside) {
        if (cbuf[idx] != SENTINEL) ++*bad_sentinels;
        continue;
      }
      const size_t i = r - 1;
      double ref = accumulate ? (double)c0[idx] : 0.0, mag = accumulate ? fabs(ref) : 0.0;
      for (size_t k = 0; k < kc; k++) {
        const double t = (double)a[i * a_stride + k] * (double)w[k * nr + j];
        ref += t;
        mag += fabs(t);
      }
      const double err = fabs((double)cbuf[idx] - ref) / (mag + 1e-30);
      if (!(err <= worst)) worst = err; /* NaN sticks */
      if (tw && tw != e) {
        const double terr = fabs((double)cbuf[idx] - (double)ctwin[idx]) / (mag + 1e-30);
        if (!(terr <= *twin_err)) *twin_err = terr;
      }
    }
  free(a);
  free(w);
  free(cbuf);
  free(c0);
  free(ctwin);
  return worst;
}

static void test_ukernels(wt_rng *rng) {
  static const size_t kcs[] = {1, 2, 7, 64, 300};
  for (size_t ei = 0; ei < N_ENTRIES; ei++) {
    const entry *e = &entries[ei];
    CHECK_MSG(twin_of(e) != NULL, "%s has no scalar twin of tile %zux%zu", e->name,
              e->mr, e->nr);
    for (size_t mr = 1; mr <= e->mr; mr++)
      for (size_t nc = 1; nc <= e->nr; nc++)
        for (size_t ki = 0; ki < sizeof kcs / sizeof kcs[0]; ki++)
          for (int acc = 0; acc <= 1; acc++) {
            double terr;
            size_t bad;
            const double err = run_ukernel(e, rng, mr, nc, kcs[ki], acc, &terr, &bad);
            CHECK_MSG(err <= TOL_REF && terr <= TOL_GEMM_TWIN && bad == 0,
                      "%s mr=%zu nc=%zu kc=%zu acc=%d: ref err %.3g, twin err %.3g, %zu "
                      "sentinels touched",
                      e->name, mr, nc, kcs[ki], acc, err, terr, bad);
          }
  }
}

/* ------------------------------------------------------------------ transpose */

static void test_transpose(wt_rng *rng) {
  static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 17, 64};
  const size_t ns = sizeof sizes / sizeof sizes[0];
  for (size_t ti = 0; ti < N_ENTRIES; ti++) {
    wt_kernels k;
    wt__kernels_entry(&k, ti);
    for (size_t ri = 0; ri < ns; ri++)
      for (size_t ci = 0; ci < ns; ci++) {
        const size_t rows = sizes[ri], cols = sizes[ci], lds = cols + 3, ldd = rows + 2;
        const size_t src_len = (rows - 1) * lds + cols, dst_len = (cols + 1) * ldd;
        float *src = alloc_f(src_len), *dst = alloc_f(dst_len);
        fill(rng, src, src_len);
        for (size_t i = 0; i < dst_len; i++) dst[i] = SENTINEL;
        k.f32_transpose(rows, cols, src, lds, dst, ldd);
        size_t wrong = 0;
        for (size_t c = 0; c < cols + 1; c++)
          for (size_t r = 0; r < ldd; r++) {
            const float want = c < cols && r < rows ? src[r * lds + c] : SENTINEL;
            wrong += dst[c * ldd + r] != want; /* a copy: exact */
          }
        CHECK_MSG(wrong == 0, "%s transpose rows=%zu cols=%zu: %zu wrong", entries[ti].name,
                  rows, cols, wrong);
        free(src);
        free(dst);
      }
  }
}

/* ------------------------------------------------------------------ wt__gemm */

typedef struct table {
  const char *label;
  wt_kernels k;
} table;

/* The forced-scalar table, the default table, then one table per .inc entry. */
static size_t make_tables(table *t) {
  size_t n = 0;
  t[n].label = "force_scalar";
  wt__kernels_select(&t[n++].k, 1);
  t[n].label = "default";
  wt__kernels_select(&t[n++].k, 0);
  for (size_t i = 0; i < N_ENTRIES; i++, n++) {
    t[n].label = entries[i].name;
    CHECK(wt__kernels_entry(&t[n].k, i) && t[n].k.f32_gemm == entries[i].fn);
  }
  CHECK(!wt__kernels_entry(&t[n].k, N_ENTRIES));
  return n;
}

typedef struct problem {
  size_t M, N, K;
  float *a, *b, *c0; /* logical A (M x K), B (K x N), C0 (M x N), row-major and dense */
  double *ref0, *ref1, *mag; /* A*B, C0 + A*B, sum |a b| */
} problem;

static void problem_init(problem *p, wt_rng *rng, size_t M, size_t N, size_t K) {
  p->M = M, p->N = N, p->K = K;
  p->a = alloc_f(M * K);
  p->b = alloc_f(K * N);
  p->c0 = alloc_f(M * N);
  fill(rng, p->a, M * K);
  fill(rng, p->b, K * N);
  fill(rng, p->c0, M * N);
  p->ref0 = malloc(M * N * sizeof(double));
  p->ref1 = malloc(M * N * sizeof(double));
  p->mag = malloc(M * N * sizeof(double));
  if (!p->ref0 || !p->ref1 || !p->mag) exit(2);
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++) {
      double s = 0.0, m = 0.0;
      for (size_t k = 0; k < K; k++) {
        const double t = (double)p->a[i * K + k] * (double)p->b[k * N + j];
        s += t;
        m += fabs(t);
      }
      p->ref0[i * N + j] = s;
      p->ref1[i * N + j] = s + (double)p->c0[i * N + j];
      p->mag[i * N + j] = m;
    }
}

static void problem_free(problem *p) {
  free(p->a);
  free(p->b);
  free(p->c0);
  free(p->ref0);
  free(p->ref1);
  free(p->mag);
}

/* op(A) stored transposed or not, with leading dimension ld (padding filled with garbage). */
static float *layout(const float *dense, size_t rows, size_t cols, bool trans, size_t pad,
                     size_t *ld) {
  const size_t srows = trans ? cols : rows, scols = trans ? rows : cols;
  *ld = scols + pad;
  float *m = alloc_f(srows * *ld);
  for (size_t i = 0; i < srows * *ld; i++) m[i] = -777.0f;
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++)
      m[trans ? c * *ld + r : r * *ld + c] = dense[r * cols + c];
  return m;
}

#define WS_GUARD 16

static void run_gemm(const table *t, const problem *p, bool ta, bool tb, bool acc, size_t pad) {
  const size_t M = p->M, N = p->N, K = p->K, ldc = N + pad;
  size_t lda, ldb;
  float *A = layout(p->a, M, K, ta, pad, &lda), *B = layout(p->b, K, N, tb, pad, &ldb);
  float *C = alloc_f(M * ldc);
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < ldc; j++) C[i * ldc + j] = j < N ? p->c0[i * N + j] : SENTINEL;
  const size_t wsn = wt__gemm_workspace_floats(&t->k, ta, tb, M, N, K);
  float *ws = alloc_f(wsn + WS_GUARD);
  for (size_t i = 0; i < wsn + WS_GUARD; i++) ws[i] = SENTINEL;

  wt__gemm(&t->k, ta, tb, M, N, K, A, lda, B, ldb, acc, C, ldc, ws);

  double worst = 0.0;
  size_t bad = 0;
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < ldc; j++) {
      if (j >= N) {
        bad += C[i * ldc + j] != SENTINEL;
        continue;
      }
      const double ref = acc ? p->ref1[i * N + j] : p->ref0[i * N + j];
      const double mag = p->mag[i * N + j] + (acc ? fabs((double)p->c0[i * N + j]) : 0.0);
      const double err = fabs((double)C[i * ldc + j] - ref) / (mag + 1e-30);
      if (!(err <= worst)) worst = err;
    }
  for (size_t i = wsn; i < wsn + WS_GUARD; i++) bad += ws[i] != SENTINEL;
  CHECK_MSG(worst <= TOL_REF && bad == 0,
            "wt__gemm[%s] M=%zu N=%zu K=%zu ta=%d tb=%d acc=%d pad=%zu: err %.3g, %zu guards "
            "touched",
            t->label, M, N, K, ta, tb, acc, pad, worst, bad);
  free(A);
  free(B);
  free(C);
  free(ws);
}

static void test_gemm(wt_rng *rng) {
  table tables[2 + N_ENTRIES];
  const size_t n_tables = make_tables(tables);
  /* (M, N, K): small awkward ones, then ones that cross GEMM_KC = 256, GEMM_NC = 512 and
     GEMM_MC = 96, then the student CNN's conv2 per image (28x28). */
  static const size_t shapes[][3] = {
      {1, 1, 1},     {3, 17, 300},   {17, 3, 1},  {300, 1, 3},  {1, 300, 17},
      {17, 17, 17},  {5, 9, 2},      {13, 8, 8},  {6, 24, 257}, {100, 600, 3},
      {7, 520, 513}, {97, 9, 260},   {64, 784, 288}};
  static const size_t small[] = {1, 3, 17};
  size_t n_shapes = sizeof shapes / sizeof shapes[0];
  for (size_t s = 0; s < n_shapes + 27; s++) {
    size_t M, N, K;
    if (s < n_shapes) {
      M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
    } else {
      const size_t q = s - n_shapes;
      M = small[q % 3], N = small[q / 3 % 3], K = small[q / 9];
    }
    problem p;
    problem_init(&p, rng, M, N, K);
    const bool big = M * N * K > 1000000;
    for (size_t ti = 0; ti < n_tables; ti++)
      for (int ta = 0; ta <= 1; ta++)
        for (int tb = 0; tb <= 1; tb++)
          for (int acc = 0; acc <= 1; acc++) {
            if (big && ti >= 2 && acc) continue; /* keep the run short on the largest shape */
            run_gemm(&tables[ti], &p, ta, tb, acc, (size_t)(ta + 2 * tb + acc) % 3);
          }
    problem_free(&p);
  }
}

/* ------------------------------------------------------------------ NaN and selection */

static void test_nan(wt_rng *rng) {
  table tables[2 + N_ENTRIES];
  const size_t n_tables = make_tables(tables);
  const size_t M = 11, N = 13, K = 300, i0 = 5, j0 = 7, k0 = 260;
  for (size_t ti = 0; ti < n_tables; ti++) {
    const wt_kernels *k = &tables[ti].k;
    float *A = alloc_f(M * K), *B = alloc_f(K * N), *C = alloc_f(M * N);
    float *ws = alloc_f(wt__gemm_workspace_floats(k, false, false, M, N, K));
    fill(rng, A, M * K);
    fill(rng, B, K * N);
    /* A NaN in C is overwritten when accumulate is off. */
    for (size_t i = 0; i < M * N; i++) C[i] = NAN;
    wt__gemm(k, false, false, M, N, K, A, K, B, N, false, C, N, ws);
    size_t nonfinite = 0;
    for (size_t i = 0; i < M * N; i++) nonfinite += !isfinite(C[i]);
    CHECK_MSG(nonfinite == 0, "[%s] NaN in C leaked through accumulate=0: %zu", tables[ti].label,
              nonfinite);
    /* A NaN at A(i0, k0) poisons row i0 of C and nothing else; B(k0, j0) poisons column j0. */
    A[i0 * K + k0] = NAN;
    B[k0 * N + j0] = NAN;
    wt__gemm(k, false, false, M, N, K, A, K, B, N, true, C, N, ws);
    size_t wrong = 0;
    for (size_t i = 0; i < M; i++)
      for (size_t j = 0; j < N; j++) wrong += (i == i0 || j == j0) != (int)isnan(C[i * N + j]);
    CHECK_MSG(wrong == 0, "[%s] NaN propagation: %zu outputs wrong", tables[ti].label, wrong);
    free(A);
    free(B);
    free(C);
    free(ws);
  }
}

static void test_select(void) {
  wt_kernels ks, kd;
  wt__kernels_select(&ks, 1);
  wt__kernels_select(&kd, 0);
  CHECK(ks.f32_gemm == entries[0].fn && strstr(ks.f32_gemm_name, "__scalar") != NULL);
#if WT_HAVE_WASMSIMD
  CHECK(strstr(kd.f32_gemm_name, "__wasmsimd") != NULL);
#else
  CHECK(kd.f32_gemm == entries[0].fn);
#endif
  CHECK(kd.gemm_mr >= 1 && kd.gemm_nr >= 4 && kd.gemm_nr % 4 == 0);
  printf("test_kernels: default GEMM kernel %s (%zux%zu)\n", kd.f32_gemm_name, kd.gemm_mr,
         kd.gemm_nr);
}

/* ------------------------------------------------------------------ vector kernels */

typedef struct ventry {
  const char *isa, *op, *name;
  void (*fn)(void);
} ventry;

static const ventry ventries[] = {
#define WT_VKERNEL(isa, op, fn) {#isa, #op, #fn, (void (*)(void))fn},
#include "kernels/f32_vector.inc"
#undef WT_VKERNEL
};
#define N_VENTRIES (sizeof ventries / sizeof ventries[0])

static const ventry *vtwin_of(const ventry *e) {
  for (size_t i = 0; i < N_VENTRIES; i++)
    if (!strcmp(ventries[i].isa, "scalar") && !strcmp(ventries[i].op, e->op)) return &ventries[i];
  return NULL;
}

/* Random values in [-1, 1), with about one in five replaced by NaN, +-0, +-inf or a repeat of
   the previous value (ties for max-pool). */
static void fill_special(wt_rng *rng, float *p, size_t n) {
  fill(rng, p, n);
  for (size_t i = 0; i < n; i++) {
    const uint32_t r = wt_rng_u32(rng) % 20;
    if (r == 0) p[i] = NAN;
    else if (r == 1) p[i] = -0.0f;
    else if (r == 2) p[i] = 0.0f;
    else if (r == 3) p[i] = INFINITY;
    else if (r == 4) p[i] = -INFINITY;
    else if (r == 5 && i > 0) p[i] = p[i - 1];
  }
}

/* Same bits, or both NaN. */
static bool same_f(float a, float b) {
  return (a != a && b != b) || memcmp(&a, &b, sizeof a) == 0;
}

static size_t count_diff(const float *a, const float *b, size_t n) {
  size_t d = 0;
  for (size_t i = 0; i < n; i++) d += !same_f(a[i], b[i]);
  return d;
}

#define VGUARD 4

static void test_vector_relu(wt_rng *rng, const ventry *e, const ventry *tw) {
  const wt_f32_relu_fn f = (wt_f32_relu_fn)e->fn, g = (wt_f32_relu_fn)tw->fn;
  for (size_t n = 0; n <= 3 * 8 + 1 + 40; n += n < 26 ? 1 : 19) {
    float *x = alloc_f(n + VGUARD), *y = alloc_f(n + VGUARD), *yt = alloc_f(n + VGUARD);
    fill_special(rng, x, n);
    for (size_t i = 0; i < n + VGUARD; i++) y[i] = yt[i] = SENTINEL;
    f(n, x, y);
    g(n, x, yt);
    size_t bad = count_diff(y, yt, n + VGUARD);
    for (size_t i = 0; i < n; i++) { /* the reference: torch.relu */
      const float want = x[i] != x[i] ? x[i] : (x[i] > 0.0f ? x[i] : 0.0f);
      bad += !same_f(yt[i], want);
    }
    memcpy(yt, y, n * sizeof *y); /* in place */
    memcpy(y, x, n * sizeof *y);
    f(n, y, y);
    bad += count_diff(y, yt, n);
    CHECK_MSG(bad == 0, "%s n=%zu: %zu wrong", e->name, n, bad);
    free(x), free(y), free(yt);
  }
}

static void test_vector_relu_grad(wt_rng *rng, const ventry *e, const ventry *tw) {
  const wt_f32_relu_grad_fn f = (wt_f32_relu_grad_fn)e->fn, g = (wt_f32_relu_grad_fn)tw->fn;
  for (size_t n = 0; n <= 3 * 8 + 1 + 40; n += n < 26 ? 1 : 19) {
    float *y = alloc_f(n), *dy = alloc_f(n), *dx = alloc_f(n + VGUARD), *dxt = alloc_f(n + VGUARD);
    float *dx0 = alloc_f(n + 1);
    fill_special(rng, y, n);
    fill_special(rng, dy, n);
    fill(rng, dx, n);
    for (size_t i = n; i < n + VGUARD; i++) dx[i] = SENTINEL;
    memcpy(dxt, dx, (n + VGUARD) * sizeof *dx);
    memcpy(dx0, dx, n * sizeof *dx);
    f(n, y, dy, dx, 1);
    g(n, y, dy, dxt, 1);
    size_t bad = count_diff(dx, dxt, n + VGUARD);
    for (size_t i = 0; i < n; i++)
      bad += !same_f(dxt[i], y[i] <= 0.0f ? dx0[i] : dx0[i] + dy[i]);
    /* accumulate 0: dx = dy or +0, whatever dx held */
    memcpy(dx, dx0, n * sizeof *dx), memcpy(dxt, dx0, n * sizeof *dx);
    f(n, y, dy, dx, 0);
    g(n, y, dy, dxt, 0);
    bad += count_diff(dx, dxt, n + VGUARD);
    for (size_t i = 0; i < n; i++) bad += !same_f(dxt[i], y[i] <= 0.0f ? 0.0f : dy[i]);
    CHECK_MSG(bad == 0, "%s n=%zu: %zu wrong", e->name, n, bad);
    free(y), free(dy), free(dx), free(dxt), free(dx0);
  }
}

/* deinterleave2 and copy against their twins and their definitions (NaN, +-0 included: a copy
   keeps every bit), over 0..3 rows with padded row pitches; nothing between or past the rows'
   n (or halves of n) written. */
static void test_vector_copies(wt_rng *rng, const ventry *e, const ventry *tw) {
  const bool split = !strcmp(e->op, "deinterleave2");
  for (size_t rows = 0; rows <= 3; rows++)
    for (size_t n = 0; n <= 3 * 8 + 1 + 40; n += n < 26 ? 1 : 19) {
      const size_t ldx = n + 3, ne = split ? (n + 1) / 2 : n, ldy = ne + 5;
      const size_t ny = rows * ldy + VGUARD; /* even (or y) rows, then odd rows at ny */
      float *x = alloc_f(rows * ldx + 1), *y = alloc_f(2 * ny), *yt = alloc_f(2 * ny);
      fill_special(rng, x, rows * ldx);
      for (size_t i = 0; i < 2 * ny; i++) y[i] = yt[i] = SENTINEL;
      if (split) {
        ((wt_f32_deinterleave2_fn)e->fn)(rows, n, x, ldx, y, y + ny, ldy);
        ((wt_f32_deinterleave2_fn)tw->fn)(rows, n, x, ldx, yt, yt + ny, ldy);
      } else {
        ((wt_f32_copy_fn)e->fn)(rows, n, x, ldx, y, ldy);
        ((wt_f32_copy_fn)tw->fn)(rows, n, x, ldx, yt, ldy);
      }
      size_t bad = count_diff(y, yt, 2 * ny);
      for (size_t i = 0; i < 2 * ny; i++) { /* element i of row r, half h: x[r*ldx + ...] */
        const size_t h = i / ny, r = i % ny / ldy, j = i % ny % ldy;
        const size_t src = split ? 2 * j + h : j;
        const bool written = r < rows && (split || h == 0) && src < n && j < ldy;
        bad += !same_f(yt[i], written ? x[r * ldx + src] : SENTINEL);
      }
      CHECK_MSG(bad == 0, "%s rows=%zu n=%zu: %zu wrong", e->name, rows, n, bad);
      free(x), free(y), free(yt);
    }
}

/* add against its twin and a + b (NaN, +-0, +-inf included), and in place: y == a, y == b. */
static void test_vector_add(wt_rng *rng, const ventry *e, const ventry *tw) {
  const wt_f32_add_fn f = (wt_f32_add_fn)e->fn, g = (wt_f32_add_fn)tw->fn;
  for (size_t n = 0; n <= 3 * 8 + 1 + 40; n += n < 26 ? 1 : 19) {
    float *a = alloc_f(n), *b = alloc_f(n), *y = alloc_f(n + VGUARD), *yt = alloc_f(n + VGUARD);
    fill_special(rng, a, n);
    fill_special(rng, b, n);
    for (size_t i = 0; i < n + VGUARD; i++) y[i] = yt[i] = SENTINEL;
    f(n, a, b, y);
    g(n, a, b, yt);
    size_t bad = count_diff(y, yt, n + VGUARD);
    for (size_t i = 0; i < n; i++) bad += !same_f(yt[i], a[i] + b[i]);
    memcpy(yt, a, n * sizeof *a); /* in place: y == a, then y == b */
    f(n, yt, b, yt);
    bad += count_diff(yt, y, n);
    memcpy(yt, b, n * sizeof *b);
    f(n, a, yt, yt);
    bad += count_diff(yt, y, n);
    CHECK_MSG(bad == 0, "%s n=%zu: %zu wrong", e->name, n, bad);
    free(a), free(b), free(y), free(yt);
  }
}

static void test_vector_rows(wt_rng *rng, const ventry *e, const ventry *tw, bool sum) {
  static const size_t colss[] = {0, 1, 3, 4, 5, 7, 8, 9, 16, 17, 25, 784};
  for (size_t ci = 0; ci < sizeof colss / sizeof colss[0]; ci++)
    for (size_t rows = 0; rows <= 5; rows += 1) {
      const size_t cols = colss[ci], ld = cols + ci % 3, len = rows * ld + VGUARD;
      float *x = alloc_f(len), *xt = alloc_f(len), *v = alloc_f(rows + VGUARD);
      float *vt = alloc_f(rows + VGUARD);
      fill(rng, x, len);
      fill(rng, v, rows + VGUARD);
      memcpy(xt, x, len * sizeof *x);
      memcpy(vt, v, (rows + VGUARD) * sizeof *v);
      size_t bad = 0;
      if (sum) {
        ((wt_f32_rowsum_fn)e->fn)(rows, cols, x, ld, v);
        ((wt_f32_rowsum_fn)tw->fn)(rows, cols, x, ld, vt);
        for (size_t r = 0; r < rows; r++) {
          double mag = 1.0; /* |initial sum| < 1 */
          for (size_t j = 0; j < cols; j++) mag += fabs((double)x[r * ld + j]);
          bad += !(fabs((double)v[r] - (double)vt[r]) <= TOL_TWIN * mag);
        }
        bad += count_diff(v + rows, vt + rows, VGUARD);
      } else {
        ((wt_f32_rowbias_fn)e->fn)(rows, cols, v, x, ld);
        ((wt_f32_rowbias_fn)tw->fn)(rows, cols, v, xt, ld);
        bad += count_diff(x, xt, len);
      }
      CHECK_MSG(bad == 0, "%s rows=%zu cols=%zu ld=%zu: %zu wrong", e->name, rows, cols, ld, bad);
      free(x), free(xt), free(v), free(vt);
    }
}

static void test_vector_maxpool(wt_rng *rng, const ventry *e, const ventry *tw) {
  const wt_f32_maxpool2x2_fn f = (wt_f32_maxpool2x2_fn)e->fn, g = (wt_f32_maxpool2x2_fn)tw->fn;
  for (size_t H = 2; H <= 9; H++)
    for (size_t W = 2; W <= 19; W++) {
      const size_t planes = 1 + (H + W) % 3, OH = H / 2, OW = W / 2;
      const size_t in = planes * H * W, out = planes * OH * OW;
      float *x = alloc_f(in), *y = alloc_f(out + VGUARD), *yt = alloc_f(out + VGUARD);
      int32_t *a = malloc((out + VGUARD) * sizeof *a), *at = malloc((out + VGUARD) * sizeof *a);
      if (!a || !at) exit(2);
      fill_special(rng, x, in);
      for (size_t i = 0; i < out + VGUARD; i++) y[i] = yt[i] = SENTINEL, a[i] = at[i] = -7;
      f(planes, H, W, x, y, a);
      g(planes, H, W, x, yt, at);
      size_t bad = count_diff(y, yt, out + VGUARD);
      for (size_t i = 0; i < out + VGUARD; i++) bad += a[i] != at[i];
      /* the scalar one against a direct reading: y is the value at the argmax, which is in
         its window, and nothing in the window beats it */
      for (size_t p = 0; p < planes; p++)
        for (size_t oh = 0; oh < OH; oh++)
          for (size_t ow = 0; ow < OW; ow++) {
            const size_t o = (p * OH + oh) * OW + ow;
            const float *xp = x + p * H * W;
            const size_t ih = (size_t)at[o] / W, iw = (size_t)at[o] % W;
            bad += ih / 2 != oh || iw / 2 != ow || !same_f(yt[o], xp[at[o]]);
            for (size_t t = 0; t < 4; t++) {
              const float v = xp[(2 * oh + t / 2) * W + 2 * ow + t % 2];
              bad += v == v && yt[o] == yt[o] && v > yt[o];
              bad += v != v && yt[o] == yt[o];
            }
          }
      CHECK_MSG(bad == 0, "%s planes=%zu H=%zu W=%zu: %zu wrong", e->name, planes, H, W, bad);
      free(x), free(y), free(yt), free(a), free(at);
    }
}

/* conv_rows: random offsets into a buffer of B rows (each row 24 readable floats), every mr,
   nc up to 20 (one to three blocks of 8 columns) and a few kc, accumulate on and off; against
   a double reference (relative to the sum of magnitudes), bit-exact against the scalar twin
   (within TOL_MADD in the relaxed build), sentinels around the mr x nc tile of c. */
static void test_vector_conv_rows(wt_rng *rng, const ventry *e, const ventry *tw) {
  static const size_t kcs[] = {1, 2, 7, 9, 27, 144};
  enum { BLEN = 600, LDC = 23, CROWS = 6 };
  float *b = alloc_f(BLEN), *a = alloc_f(4 * 144), *c = alloc_f(CROWS * LDC);
  float *ct = alloc_f(CROWS * LDC), *c0 = alloc_f(CROWS * LDC);
  int32_t off[144];
  for (size_t ki = 0; ki < sizeof kcs / sizeof kcs[0]; ki++)
    for (size_t mr = 1; mr <= 4; mr++)
      for (size_t nc = 1; nc <= 20; nc++)
        for (int acc = 0; acc <= 1; acc++) {
          const size_t kc = kcs[ki];
          fill(rng, b, BLEN);
          fill(rng, a, 4 * kc);
          for (size_t k = 0; k < kc; k++) off[k] = (int32_t)(wt_rng_u32(rng) % (BLEN - 24));
          for (size_t i = 0; i < CROWS * LDC; i++) c0[i] = SENTINEL;
          for (size_t i = 0; i < mr; i++) fill(rng, c0 + (i + 1) * LDC + 1, nc);
          memcpy(c, c0, sizeof(float) * CROWS * LDC);
          memcpy(ct, c0, sizeof(float) * CROWS * LDC);
          ((wt_f32_conv_rows_fn)e->fn)(mr, nc, kc, a, b, off, c + LDC + 1, LDC, acc);
          ((wt_f32_conv_rows_fn)tw->fn)(mr, nc, kc, a, b, off, ct + LDC + 1, LDC, acc);
          size_t bad = TOL_MADD == 0.0 ? count_diff(c, ct, CROWS * LDC) : 0;
          for (size_t r = 0; r < CROWS; r++)
            for (size_t j = 0; j < LDC; j++) {
              const bool in = r >= 1 && r <= mr && j >= 1 && j <= nc;
              if (!in) {
                bad += c[r * LDC + j] != SENTINEL;
                continue;
              }
              double ref = acc ? (double)c0[r * LDC + j] : 0.0, mag = fabs(ref);
              for (size_t k = 0; k < kc; k++) {
                const double t = (double)a[k * 4 + r - 1] * (double)b[off[k] + (int32_t)j - 1];
                ref += t, mag += fabs(t);
              }
              bad += !(fabs((double)c[r * LDC + j] - ref) <= TOL_REF * mag + 1e-30);
              bad += !(fabs((double)c[r * LDC + j] - (double)ct[r * LDC + j]) <=
                       TOL_MADD * mag + 1e-30);
            }
          CHECK_MSG(bad == 0, "%s mr=%zu nc=%zu kc=%zu acc=%d: %zu wrong", e->name, mr, nc, kc,
                    acc, bad);
        }
  free(b), free(a), free(c), free(ct), free(c0);
}

/* The Winograd transforms as their definitions, in double: B^T d B of the 4x4 block at column
   2j of d, and A^T M A of tile j of m (kernels.h). */
static const double BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const double AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

/* wino_in: n4 = 1..3 groups, row pitch past the block; against B^T d B in double and the
   scalar twin bit for bit (same operations in the same order), sentinels around each row of
   v; d is allocated to exactly the columns the contract names (no over-read, under ASan). */
static void test_vector_wino_in(wt_rng *rng, const ventry *e, const ventry *tw) {
  for (size_t n4 = 1; n4 <= 3; n4++) {
    const size_t cols = 8 * n4 + 2, ld = cols + n4 % 2, dlen = 3 * ld + cols;
    const size_t vs = 4 * n4 + 3, vlen = 16 * vs;
    float *d = alloc_f(dlen), *v = alloc_f(vlen), *vt = alloc_f(vlen);
    fill(rng, d, dlen);
    for (size_t i = 0; i < vlen; i++) v[i] = vt[i] = SENTINEL;
    ((wt_f32_wino_in_fn)e->fn)(n4, d, ld, v, vs);
    ((wt_f32_wino_in_fn)tw->fn)(n4, d, ld, vt, vs);
    size_t bad = count_diff(v, vt, vlen);
    for (size_t el = 0; el < 16; el++)
      for (size_t j = 0; j < vs; j++) {
        const float got = v[el * vs + j];
        if (j >= 4 * n4) {
          bad += got != SENTINEL;
          continue;
        }
        double ref = 0.0, mag = 0.0;
        for (size_t r = 0; r < 4; r++)
          for (size_t q = 0; q < 4; q++) {
            const double t = BT[el / 4][r] * (double)d[r * ld + 2 * j + q] * BT[el % 4][q];
            ref += t, mag += fabs(t);
          }
        bad += !(fabs((double)got - ref) <= TOL_REF * mag + 1e-30);
      }
    CHECK_MSG(bad == 0, "%s n4=%zu: %zu wrong", e->name, n4, bad);
    free(d), free(v), free(vt);
  }
}

/* wino_out: n4 = 1..3, both accumulate modes; against A^T M A in double (plus the old value)
   and the scalar twin bit for bit, sentinels around the two output rows. */
static void test_vector_wino_out(wt_rng *rng, const ventry *e, const ventry *tw) {
  for (size_t n4 = 1; n4 <= 3; n4++)
    for (int acc = 0; acc <= 1; acc++) {
      const size_t ms = 4 * n4 + 1, mlen = 16 * ms, ldy = 8 * n4 + 3, ylen = 3 * ldy;
      float *m = alloc_f(mlen), *y = alloc_f(ylen), *yt = alloc_f(ylen), *y0 = alloc_f(ylen);
      fill(rng, m, mlen);
      for (size_t i = 0; i < ylen; i++) y0[i] = SENTINEL;
      for (size_t a = 0; a < 2; a++) fill(rng, y0 + a * ldy, 8 * n4);
      memcpy(y, y0, ylen * sizeof(float));
      memcpy(yt, y0, ylen * sizeof(float));
      ((wt_f32_wino_out_fn)e->fn)(n4, m, ms, y, ldy, acc);
      ((wt_f32_wino_out_fn)tw->fn)(n4, m, ms, yt, ldy, acc);
      size_t bad = count_diff(y, yt, ylen);
      for (size_t a = 0; a < 3; a++)
        for (size_t col = 0; col < ldy; col++) {
          const float got = y[a * ldy + col];
          if (a == 2 || col >= 8 * n4) {
            bad += got != SENTINEL;
            continue;
          }
          const size_t j = col / 2, b = col % 2;
          double ref = acc ? (double)y0[a * ldy + col] : 0.0, mag = fabs(ref);
          for (size_t r = 0; r < 4; r++)
            for (size_t q = 0; q < 4; q++) {
              const double t = AT[a][r] * (double)m[(4 * r + q) * ms + j] * AT[b][q];
              ref += t, mag += fabs(t);
            }
          bad += !(fabs((double)got - ref) <= TOL_REF * mag + 1e-30);
        }
      CHECK_MSG(bad == 0, "%s n4=%zu acc=%d: %zu wrong", e->name, n4, acc, bad);
      free(m), free(y), free(yt), free(y0);
    }
}

/* conv_dw: dy rows and shifted x rows of exact size (cols not a multiple of 4 included), every
   mr and nj; against a double reference and (up to reassociation) the scalar twin; sentinels
   around the tile of dw. */
static void test_vector_conv_dw(wt_rng *rng, const ventry *e, const ventry *tw) {
  static const size_t colss[] = {1, 3, 4, 5, 8, 9, 28, 32};
  enum { LDW = 7, WROWS = 6 };
  for (size_t ci = 0; ci < sizeof colss / sizeof colss[0]; ci++)
    for (size_t rows = 1; rows <= 3; rows++)
      for (size_t mr = 1; mr <= 4; mr++)
        for (size_t nj = 1; nj <= 2; nj++) {
          const size_t cols = colss[ci], dy_row = cols + ci % 2, x_row = cols + 2;
          const size_t ldy = rows * dy_row + 1, dylen = 3 * ldy + (rows - 1) * dy_row + cols;
          const size_t xlen = 5 + (rows - 1) * x_row + cols; /* off[j] in [0, 5] */
          float *dy = alloc_f(4 * ldy), *x = alloc_f(xlen), *w = alloc_f(WROWS * LDW);
          float *wt = alloc_f(WROWS * LDW), *w0 = alloc_f(WROWS * LDW);
          fill(rng, dy, dylen);
          fill(rng, x, xlen);
          const int32_t off[2] = {(int32_t)(wt_rng_u32(rng) % 6), (int32_t)(wt_rng_u32(rng) % 6)};
          for (size_t i = 0; i < WROWS * LDW; i++) w0[i] = SENTINEL;
          for (size_t i = 0; i < mr; i++) fill(rng, w0 + (i + 1) * LDW + 1, nj);
          memcpy(w, w0, sizeof(float) * WROWS * LDW);
          memcpy(wt, w0, sizeof(float) * WROWS * LDW);
          ((wt_f32_conv_dw_fn)e->fn)(mr, nj, rows, cols, dy, ldy, dy_row, x, off, x_row,
                                     w + LDW + 1, LDW);
          ((wt_f32_conv_dw_fn)tw->fn)(mr, nj, rows, cols, dy, ldy, dy_row, x, off, x_row,
                                      wt + LDW + 1, LDW);
          size_t bad = 0;
          for (size_t r = 0; r < WROWS; r++)
            for (size_t j = 0; j < LDW; j++) {
              const float got = w[r * LDW + j];
              if (!(r >= 1 && r <= mr && j >= 1 && j <= nj)) {
                bad += got != SENTINEL || wt[r * LDW + j] != SENTINEL;
                continue;
              }
              double ref = (double)w0[r * LDW + j], mag = fabs(ref);
              for (size_t q = 0; q < rows; q++)
                for (size_t u = 0; u < cols; u++) {
                  const double t = (double)dy[(r - 1) * ldy + q * dy_row + u] *
                                   (double)x[off[j - 1] + q * x_row + u];
                  ref += t, mag += fabs(t);
                }
              bad += !(fabs((double)got - ref) <= TOL_REF * mag);
              bad += !(fabs((double)got - (double)wt[r * LDW + j]) <= (TOL_TWIN + TOL_MADD) * mag);
            }
          CHECK_MSG(bad == 0, "%s mr=%zu nj=%zu rows=%zu cols=%zu: %zu wrong", e->name, mr, nj,
                    rows, cols, bad);
          free(dy), free(x), free(w), free(wt), free(w0);
        }
}

/* The BatchNorm kernels on one channel: rows 0..3 of cols in {0..9, 17, 64, 1024} at a stride
   ld >= cols (the gaps between rows and VGUARD floats past the end hold NaN in x and dy, so a
   sum that reads them turns NaN, and SENTINEL in y and dx, which must stay). Sums against a
   double reference in the twins' order (the scalar twin matches it exactly) and the SIMD one
   against the scalar up to reassociation, relative to the sum of magnitudes; elementwise ops
   bit-exact against the reference formula and the twin, with NaN, +-0 and +-inf inputs, in
   place included. */

/* BatchNorm's input-gradient term for one element (the formula bn_dx adds, or writes). */
static float bn_dx_term(float x, float dy, const wt_f32_bn_dx_params *p) {
  return ((dy - p->gm) - (x - p->mu) * p->k) * p->is * p->w;
}
static void test_vector_bn(wt_rng *rng, const ventry *e, const ventry *tw) {
  static const size_t colss[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 64, 1024};
  const bool is_scalar = !strcmp(e->isa, "scalar");
  for (size_t ci = 0; ci < sizeof colss / sizeof colss[0]; ci++)
    for (size_t rows = 0; rows <= 3; rows++)
      for (size_t pad = 0; pad <= 5; pad += 5) {
        const size_t cols = colss[ci], ld = cols + pad, len = rows * ld + VGUARD;
        float *x = alloc_f(len), *dy = alloc_f(len), *y = alloc_f(len), *yt = alloc_f(len);
        float *y0 = alloc_f(len);
        const bool special = !strcmp(e->op, "bn_affine") || !strcmp(e->op, "bn_dx");
        for (size_t i = 0; i < len; i++) x[i] = dy[i] = NAN, y0[i] = SENTINEL;
        for (size_t r = 0; r < rows; r++) {
          (special ? fill_special : fill)(rng, x + r * ld, cols);
          (special ? fill_special : fill)(rng, dy + r * ld, cols);
          fill(rng, y0 + r * ld, cols);
        }
        memcpy(y, y0, len * sizeof *y);
        memcpy(yt, y0, len * sizeof *y);
        const double mu = wt_rng_uniform(rng) - 0.5;
        size_t bad = 0;
        if (!strcmp(e->op, "bn_affine") || !strcmp(e->op, "bn_dx")) {
          const float a = (float)(4.0 * wt_rng_uniform(rng) - 2.0), b = (float)wt_rng_uniform(rng);
          const wt_f32_bn_dx_params p = {(float)mu, (float)(wt_rng_uniform(rng) - 0.5),
                                         (float)wt_rng_uniform(rng),
                                         (float)(0.5 + 4.0 * wt_rng_uniform(rng)), a, 1};
          if (!strcmp(e->op, "bn_affine")) {
            ((wt_f32_bn_affine_fn)e->fn)(rows, cols, x, ld, a, b, y);
            ((wt_f32_bn_affine_fn)tw->fn)(rows, cols, x, ld, a, b, yt);
          } else {
            ((wt_f32_bn_dx_fn)e->fn)(rows, cols, x, dy, ld, &p, y);
            ((wt_f32_bn_dx_fn)tw->fn)(rows, cols, x, dy, ld, &p, yt);
          }
          bad += count_diff(y, yt, len);
          for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < cols; j++) {
              const size_t i = r * ld + j;
              const float want =
                  !strcmp(e->op, "bn_affine")
                      ? x[i] * a + b
                      : y0[i] + bn_dx_term(x[i], dy[i], &p);
              bad += !same_f(y[i], want);
            }
          for (size_t i = 0; i < len; i++) /* the gaps and past the end */
            bad += (i >= rows * ld || i % ld >= cols) && !same_f(y[i], SENTINEL);
          if (!strcmp(e->op, "bn_affine")) { /* in place: y == x */
            memcpy(yt, x, len * sizeof *x);
            ((wt_f32_bn_affine_fn)e->fn)(rows, cols, yt, ld, a, b, yt);
            for (size_t r = 0; r < rows; r++) bad += count_diff(yt + r * ld, y + r * ld, cols);
          } else { /* dx == dy */
            memcpy(yt, dy, len * sizeof *dy);
            for (size_t r = 0; r < rows; r++)
              for (size_t j = 0; j < cols; j++) yt[r * ld + j] += y0[r * ld + j];
            memcpy(y0, yt, len * sizeof *yt);
            ((wt_f32_bn_dx_fn)e->fn)(rows, cols, x, yt, ld, &p, yt);
            for (size_t r = 0; r < rows; r++)
              for (size_t j = 0; j < cols; j++) {
                const size_t i = r * ld + j;
                bad += !same_f(yt[i], y0[i] + bn_dx_term(x[i], y0[i], &p));
              }
            /* accumulate 0: dx = the term, whatever dx held */
            wt_f32_bn_dx_params q = p;
            q.accumulate = 0;
            memcpy(yt, y, len * sizeof *y);
            ((wt_f32_bn_dx_fn)e->fn)(rows, cols, x, dy, ld, &q, y);
            ((wt_f32_bn_dx_fn)tw->fn)(rows, cols, x, dy, ld, &q, yt);
            bad += count_diff(y, yt, len);
            for (size_t r = 0; r < rows; r++)
              for (size_t j = 0; j < cols; j++) {
                const size_t i = r * ld + j;
                bad += !same_f(y[i], bn_dx_term(x[i], dy[i], &p));
              }
          }
        } else {
          double got[2] = {7, 7}, twin[2] = {7, 7}, ref[2] = {0, 0}, mag[2] = {0, 0};
          for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < cols; j++) {
              const double v = (double)x[r * ld + j], g = (double)dy[r * ld + j];
              const double t = !strcmp(e->op, "bn_sum") ? v
                               : !strcmp(e->op, "bn_sumsq") ? (v - mu) * (v - mu)
                                                            : g;
              ref[0] += t, mag[0] += fabs(t);
              ref[1] += g * (v - mu), mag[1] += fabs(g * (v - mu));
            }
          if (!strcmp(e->op, "bn_sum")) {
            ((wt_f32_bn_sum_fn)e->fn)(rows, cols, x, ld, &got[0]);
            ((wt_f32_bn_sum_fn)tw->fn)(rows, cols, x, ld, &twin[0]);
          } else if (!strcmp(e->op, "bn_sumsq")) {
            ((wt_f32_bn_sumsq_fn)e->fn)(rows, cols, x, ld, mu, &got[0]);
            ((wt_f32_bn_sumsq_fn)tw->fn)(rows, cols, x, ld, mu, &twin[0]);
          } else {
            ((wt_f32_bn_dot_fn)e->fn)(rows, cols, x, dy, ld, mu, &got[0], &got[1]);
            ((wt_f32_bn_dot_fn)tw->fn)(rows, cols, x, dy, ld, mu, &twin[0], &twin[1]);
          }
          for (int q = 0; q < (!strcmp(e->op, "bn_dot") ? 2 : 1); q++) {
            bad += !(fabs(got[q] - ref[q]) <= 1e-14 * mag[q]);
            bad += !(fabs(got[q] - twin[q]) <= 1e-14 * mag[q]);
            if (is_scalar) bad += got[q] != ref[q];
          }
        }
        CHECK_MSG(bad == 0, "%s rows=%zu cols=%zu ld=%zu: %zu wrong", e->name, rows, cols, ld,
                  bad);
        free(x), free(dy), free(y), free(yt), free(y0);
      }
}

/* The optimizer kernels: one update of n parameters from the same state, twin against twin,
   bit for bit (NaN and Inf in the gradients included), over every flag combination; nothing
   past n written. v and vmax start >= 0, as moments are. */
static void test_vector_optim(wt_rng *rng, const ventry *e, const ventry *tw) {
  enum { P, G, B, M, V, X, NARR };
  for (size_t n = 0; n <= 3 * 4 + 1 + 40; n += n < 14 ? 1 : 19)
    for (int flags = 0; flags < 8; flags++) {
      float *a[NARR], *b[NARR];
      for (int k = 0; k < NARR; k++) {
        a[k] = alloc_f(n + VGUARD), b[k] = alloc_f(n + VGUARD);
        if (k == G) fill_special(rng, a[k], n);
        else fill(rng, a[k], n);
        for (size_t i = 0; (k == V || k == X) && i < n; i++) a[k][i] = fabsf(a[k][i]);
        for (size_t i = n; i < n + VGUARD; i++) a[k][i] = SENTINEL;
        memcpy(b[k], a[k], (n + VGUARD) * sizeof(float));
      }
      const int f0 = flags & 1, f1 = (flags >> 1) & 1, f2 = (flags >> 2) & 1;
      if (!strcmp(e->op, "sgd")) {
        const wt_f32_sgd_params prm = {.lr = 0.1f, .momentum = 0.9f, .damp1 = f2 ? 1.0f : 0.75f,
                                       .wd = f0 ? 5e-4f : 0.0f, .use_momentum = 1,
                                       .nesterov = f1, .first = f2};
        ((wt_f32_sgd_fn)e->fn)(n, a[P], a[G], a[B], &prm);
        ((wt_f32_sgd_fn)tw->fn)(n, b[P], b[G], b[B], &prm);
      } else if (!strcmp(e->op, "adam")) {
        const wt_f32_adam_params prm = {.decay_mul = f0 ? 0.999f : 1.0f, .wd = f1 ? 1e-2f : 0.0f,
                                        .beta1 = 0.9f, .omb1 = 0.1f, .beta2 = 0.999f,
                                        .omb2 = 1e-3f, .bc2_sqrt = 0.05f, .eps = 1e-8f,
                                        .neg_step_size = -1e-2f, .amsgrad = f2};
        ((wt_f32_adam_fn)e->fn)(n, a[P], a[G], a[M], a[V], a[X], &prm);
        ((wt_f32_adam_fn)tw->fn)(n, b[P], b[G], b[M], b[V], b[X], &prm);
      } else {
        const wt_f32_adabound_params prm = {.wd = f0 ? 5e-4f : 0.0f, .beta1 = 0.9f, .omb1 = 0.1f,
                                            .beta2 = 0.999f, .omb2 = 1e-3f, .eps = 1e-8f,
                                            .step_size = f1 ? 1e-3f : 0.5f, .lower = 0.01f,
                                            .upper = 0.2f, .amsgrad = f2};
        ((wt_f32_adabound_fn)e->fn)(n, a[P], a[G], a[M], a[V], a[X], &prm);
        ((wt_f32_adabound_fn)tw->fn)(n, b[P], b[G], b[M], b[V], b[X], &prm);
      }
      size_t bad = 0;
      for (int k = 0; k < NARR; k++) bad += count_diff(a[k], b[k], n + VGUARD);
      for (int k = 0; k < NARR; k++)
        for (size_t i = n; i < n + VGUARD; i++) bad += a[k][i] != SENTINEL;
      CHECK_MSG(bad == 0, "%s n=%zu flags=%d: %zu differ from %s", e->name, n, flags, bad, tw->name);
      for (int k = 0; k < NARR; k++) free(a[k]), free(b[k]);
    }
}

static void test_vector(wt_rng *rng) {
  for (size_t i = 0; i < N_VENTRIES; i++) {
    const ventry *e = &ventries[i], *tw = vtwin_of(e);
    CHECK_MSG(tw != NULL, "%s has no scalar twin", e->name);
    if (!tw) continue;
    if (!strcmp(e->op, "relu")) test_vector_relu(rng, e, tw);
    else if (!strcmp(e->op, "relu_grad")) test_vector_relu_grad(rng, e, tw);
    else if (!strcmp(e->op, "add")) test_vector_add(rng, e, tw);
    else if (!strcmp(e->op, "rowbias")) test_vector_rows(rng, e, tw, false);
    else if (!strcmp(e->op, "rowsum")) test_vector_rows(rng, e, tw, true);
    else if (!strcmp(e->op, "maxpool2x2")) test_vector_maxpool(rng, e, tw);
    else if (!strcmp(e->op, "deinterleave2") || !strcmp(e->op, "copy"))
      test_vector_copies(rng, e, tw);
    else if (!strcmp(e->op, "conv_rows")) test_vector_conv_rows(rng, e, tw);
    else if (!strcmp(e->op, "conv_dw")) test_vector_conv_dw(rng, e, tw);
    else if (!strcmp(e->op, "wino_in")) test_vector_wino_in(rng, e, tw);
    else if (!strcmp(e->op, "wino_out")) test_vector_wino_out(rng, e, tw);
    else if (!strncmp(e->op, "bn_", 3)) test_vector_bn(rng, e, tw);
    else if (!strcmp(e->op, "sgd") || !strcmp(e->op, "adam") || !strcmp(e->op, "adabound"))
      test_vector_optim(rng, e, tw);
    else CHECK_MSG(false, "%s: no test for op %s", e->name, e->op);
  }
  /* the selected tables carry the vector kernels of their isa */
  wt_kernels ks, kd;
  wt__kernels_select(&ks, 1);
  wt__kernels_select(&kd, 0);
  CHECK(ks.f32_relu == wt_f32_relu_ukernel__scalar && ks.f32_maxpool2x2 != NULL);
#if WT_HAVE_WASMSIMD
  CHECK(kd.f32_relu == wt_f32_relu_ukernel__wasmsimd);
  CHECK(kd.f32_maxpool2x2 == wt_f32_maxpool2x2_ukernel__wasmsimd);
  CHECK(kd.f32_bn_dx == wt_f32_bn_dx_ukernel__wasmsimd);
  CHECK(kd.f32_adam == wt_f32_adam_ukernel__wasmsimd && ks.f32_adam == wt_f32_adam_ukernel__scalar);
#else
  CHECK(kd.f32_relu == wt_f32_relu_ukernel__scalar);
  CHECK(kd.f32_bn_dx == wt_f32_bn_dx_ukernel__scalar);
#endif
}

int main(void) {
  wt_rng rng;
  wt_rng_seed(&rng, 20240607, 1);
  test_select();
  test_ukernels(&rng);
  test_transpose(&rng);
  test_gemm(&rng);
  test_nan(&rng);
  test_vector(&rng);
  return check_summary("test_kernels");
}
