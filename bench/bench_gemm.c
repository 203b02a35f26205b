/* bench_gemm.c - GFLOP/s of wt__gemm with every GEMM micro-kernel of f32_gemm.inc, side by
   side, on the products one training step of the student CNN makes (batch 64, inputs 28x28x1
   and 32x32x3). Not a test and not in ctest: it checks nothing; it prints median/max GFLOP/s.

   It also measures the machine's wasm SIMD peak (bench/peak.c, linked beside it: the kernels'
   multiply-add on 8 chains; fused relaxed_madd when peak.c is compiled with -mrelaxed-simd, as
   run.mjs does against the relaxed library), the denominator of the efficiency column. `npm run bench` (bench/run.mjs) builds and runs it with --json.

   Build and run (see bench/README.md for details), after the wasm library is built in
   build-wasm (emcmake cmake -S . -B build-wasm && cmake --build build-wasm --target wasmtricks):
     emcc -O3 -msimd128 -std=c11 -DWT_HAVE_WASMSIMD=1 -Isrc bench/bench_gemm.c bench/peak.c \
          build-wasm/libwasmtricks.a -sALLOW_MEMORY_GROWTH=1 -o build-wasm/bench_gemm.js
     node --no-experimental-fetch build-wasm/bench_gemm.js [--quick] [--default-only] [--json]
   --default-only times only the kernel the library selects (and scalar is skipped); --json
   adds one line "JSON {...}" with the medians, for run.mjs.
   Natively (scalar kernels only): cc -O2 -std=c11 -DWT_HAVE_WASMSIMD=0 -Isrc bench/bench_gemm.c
   build/libwasmtricks.a -lm.

   Products per layer, as the layers make them (im2col per image for conv; P = H*W):
     conv fwd   Y[OC,P]   = W[OC,K] col[K,P]        nn
     conv dW    dW[OC,K] += dY[OC,P] col[K,P]^T     nt, accumulate
     conv dcol  dcol[K,P] = W[OC,K]^T dY[OC,P]      tn
     fc   fwd   y[N,OUT]  = x[N,IN] W[OUT,IN]^T     nt
     fc   dx    dx[N,IN]  = dy[N,OUT] W[OUT,IN]     nn
     fc   dW    dW[OUT,IN] += dy[N,OUT]^T x[N,IN]   tn, accumulate */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kernels.h"

#if defined(__wasm_simd128__)
/* bench/peak.c: GFLOP/s of the build's multiply-add on 8 chains, and its name. */
double wt_bench_peak_once(double min_s);
const char *wt_bench_peak_op(void);
#define peak_once wt_bench_peak_once
#define PEAK_OP wt_bench_peak_op()
#endif

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

#define MAX_REPS 9

typedef struct shape {
  const char *layer, *product;
  size_t M, N, K;
  bool ta, tb, acc;
} shape;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static float *alloc_f(size_t n) {
  float *p = aligned_alloc(16, (n * sizeof(float) + 15) / 16 * 16);
  if (!p) {
    fprintf(stderr, "bench_gemm: out of memory\n");
    exit(1);
  }
  return p;
}

typedef struct run {
  const wt_kernels *k;
  const shape *s;
  float *A, *B, *C, *ws;
  size_t lda, ldb;
} run;

static void run_init(run *r, const wt_kernels *k, const shape *s) {
  const size_t M = s->M, N = s->N, K = s->K;
  r->k = k;
  r->s = s;
  r->lda = s->ta ? M : K;
  r->ldb = s->tb ? K : N;
  r->A = alloc_f(M * K);
  r->B = alloc_f(K * N);
  r->C = alloc_f(M * N);
  r->ws = alloc_f(wt__gemm_workspace_floats(k, s->ta, s->tb, M, N, K));
  uint32_t x = 12345u;
  for (size_t i = 0; i < M * K; i++)
    r->A[i] = (float)((x = x * 1664525u + 1013904223u) >> 8) * 0x1p-24f - 0.5f;
  for (size_t i = 0; i < K * N; i++)
    r->B[i] = (float)((x = x * 1664525u + 1013904223u) >> 8) * 0x1p-24f - 0.5f;
  memset(r->C, 0, M * N * sizeof *r->C);
}

static void run_free(run *r) {
  free(r->A);
  free(r->B);
  free(r->C);
  free(r->ws);
}

/* GFLOP/s of one timed repetition: the call repeated for at least min_s seconds. */
static double run_once(const run *r, double min_s) {
  const shape *s = r->s;
  size_t calls = 0;
  const double t0 = now_s();
  double t;
  do {
    wt__gemm(r->k, s->ta, s->tb, s->M, s->N, s->K, r->A, r->lda, r->B, r->ldb, s->acc, r->C,
             s->N, r->ws);
    calls++;
    t = now_s() - t0;
  } while (t < min_s);
  return 2.0 * (double)s->M * (double)s->N * (double)s->K * (double)calls / t * 1e-9;
}

static size_t add_cnn_shapes(shape *out, size_t C, size_t H, size_t W, size_t batch) {
  const size_t P = H * W, fc_in = 64 * (H / 2) * (W / 2);
  size_t n = 0;
  const struct {
    const char *name;
    size_t OC, K;
  } convs[] = {{"conv1", 32, C * 9}, {"conv2", 64, 32 * 9}};
  for (size_t i = 0; i < 2; i++) {
    out[n++] = (shape){convs[i].name, "fwd  nn", convs[i].OC, P, convs[i].K, false, false, false};
    out[n++] = (shape){convs[i].name, "dW   nt", convs[i].OC, convs[i].K, P, false, true, true};
    out[n++] = (shape){convs[i].name, "dcol tn", convs[i].K, P, convs[i].OC, true, false, false};
  }
  const struct {
    const char *name;
    size_t IN, OUT;
  } fcs[] = {{"fc1", fc_in, 128}, {"fc2", 128, 10}};
  for (size_t i = 0; i < 2; i++) {
    out[n++] = (shape){fcs[i].name, "fwd  nt", batch, fcs[i].OUT, fcs[i].IN, false, true, false};
    out[n++] = (shape){fcs[i].name, "dx   nn", batch, fcs[i].IN, fcs[i].OUT, false, false, false};
    out[n++] = (shape){fcs[i].name, "dW   tn", fcs[i].OUT, fcs[i].IN, batch, true, false, true};
  }
  return n;
}

#if defined(__wasm_simd128__)
#define PEAK_ONCE(min_s) peak_once(min_s)
#else
#define PEAK_ONCE(min_s) 0.0
#endif

int main(int argc, char **argv) {
  bool quick = false, default_only = false, json = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = true;
    else if (!strcmp(argv[i], "--default-only")) default_only = true;
    else if (!strcmp(argv[i], "--json")) json = true;
  }
  const int reps = quick ? 3 : MAX_REPS;
  const double min_s = quick ? 0.01 : 0.03;
  wt_kernels tables[N_ENTRIES];
  for (size_t i = 0; i < N_ENTRIES; i++) wt__kernels_entry(&tables[i], i);
  wt_kernels def;
  wt__kernels_select(&def, 0);
  /* the kernels timed: all, or only the default one */
  size_t cols[N_ENTRIES], n_cols = 0;
  for (size_t e = 0; e < N_ENTRIES; e++)
    if (!default_only || entries[e].fn == def.f32_gemm) cols[n_cols++] = e;

  double peak = 0.0;
#if defined(__wasm_simd128__)
  {
    double p[MAX_REPS];
    for (int w = 0; w < 3; w++) peak_once(min_s); /* lets V8 tier the loop up */
    for (int r = 0; r < reps; r++) p[r] = peak_once(min_s);
    qsort(p, (size_t)reps, sizeof p[0], cmp_double);
    peak = p[reps / 2];
    printf("wasm SIMD peak (%s, 8 chains, L1): %.2f GFLOP/s median, %.2f max\n", PEAK_OP, peak,
           p[reps - 1]);
  }
#endif
  printf("wt__gemm GFLOP/s as median/max of %d runs; default kernel %s\n", reps,
         def.f32_gemm_name);

  /* groups: square products, then the student CNN's products per input */
  shape shapes[3][16];
  size_t counts[3];
  const char *titles[3] = {"square (nn)", "student CNN 1x28x28, batch 64 (conv per image)",
                           "student CNN 3x32x32, batch 64 (conv per image)"};
  const char *keys[3] = {"square", "cnn_1x28x28", "cnn_3x32x32"};
  static const size_t sq[] = {256, 512, 1024};
  for (size_t i = 0; i < 3; i++)
    shapes[0][i] = (shape){"square", "nn", sq[i], sq[i], sq[i], false, false, false};
  counts[0] = 3;
  counts[1] = add_cnn_shapes(shapes[1], 1, 28, 28, 64);
  counts[2] = add_cnn_shapes(shapes[2], 3, 32, 32, 64);

  if (json) printf("JSON {\"kernel\": \"%s\", \"groups\": {", def.f32_gemm_name);
  double row_peaks[64];
  size_t n_row_peaks = 0;
  /* human-readable rows go to stderr in --json mode so stdout stays one JSON line */
  FILE *out = json ? stderr : stdout;
  if (json) fflush(stdout);
  for (size_t gi = 0; gi < 3; gi++) {
    const size_t n = counts[gi];
    fprintf(out, "\n%s\n%-6s %-8s %6s %6s %6s", titles[gi], "layer", "product", "M", "N", "K");
    for (size_t c = 0; c < n_cols; c++) {
      char label[32];
      snprintf(label, sizeof label, "%s %zux%zu", entries[cols[c]].isa, entries[cols[c]].mr,
               entries[cols[c]].nr);
      fprintf(out, " %15s", label);
    }
    fprintf(out, "   default, %% of the peak (GFLOP/s) run beside it\n");
    if (json) printf("%s\"%s\": [", gi ? ", " : "", keys[gi]);
    for (size_t s = 0; s < n; s++) {
      const shape *sh = &shapes[gi][s];
      fprintf(out, "%-6s %-8s %6zu %6zu %6zu", sh->layer, sh->product, sh->M, sh->N, sh->K);
      /* Repetitions interleave the kernels, so load from other processes hits all alike. */
      run runs[N_ENTRIES];
      double g[N_ENTRIES][MAX_REPS];
      for (size_t c = 0; c < n_cols; c++) {
        run_init(&runs[c], &tables[cols[c]], sh);
        run_once(&runs[c], 0.0); /* warm up */
      }
      /* the peak loop runs interleaved with the kernels, so the ratio sees the same load */
      double pk[MAX_REPS];
      for (int r = 0; r < reps; r++) {
        for (size_t c = 0; c < n_cols; c++) g[c][r] = run_once(&runs[c], min_s);
        pk[r] = peak > 0.0 ? PEAK_ONCE(min_s) : 0.0;
      }
      qsort(pk, (size_t)reps, sizeof pk[0], cmp_double);
      const double row_peak = pk[reps / 2];
      if (n_row_peaks < 64) row_peaks[n_row_peaks++] = row_peak;
      double med_def = 0.0, max_def = 0.0;
      for (size_t c = 0; c < n_cols; c++) {
        qsort(g[c], (size_t)reps, sizeof g[c][0], cmp_double);
        const double med = g[c][reps / 2];
        if (entries[cols[c]].fn == def.f32_gemm) med_def = med, max_def = g[c][reps - 1];
        fprintf(out, " %7.2f/%6.2f", med, g[c][reps - 1]);
        run_free(&runs[c]);
      }
      const double pct = row_peak > 0.0 ? 100.0 * med_def / row_peak : 0.0;
      fprintf(out, "   %5.1f%% of %.2f\n", pct, row_peak);
      if (json)
        printf("%s{\"layer\": \"%s\", \"product\": \"%s\", \"M\": %zu, \"N\": %zu, \"K\": %zu, "
               "\"gflops\": %.3f, \"gflops_max\": %.3f, \"peak_gflops\": %.3f, "
               "\"pct_peak\": %.1f}",
               s ? ", " : "", sh->layer, sh->product, sh->M, sh->N, sh->K, med_def, max_def,
               row_peak, pct);
    }
    if (json) printf("]");
  }
  /* the machine's peak: the median of the peaks measured beside every product */
  if (n_row_peaks > 0) {
    qsort(row_peaks, n_row_peaks, sizeof row_peaks[0], cmp_double);
    peak = row_peaks[n_row_peaks / 2];
  }
  fprintf(out, "\nwasm SIMD peak, median over the products: %.2f GFLOP/s\n", peak);
#if defined(__wasm_simd128__)
  if (json) printf("}, \"peak_gflops\": %.3f, \"peak_op\": \"%s\"}\n", peak, PEAK_OP);
#else
  if (json) printf("}, \"peak_gflops\": %.3f, \"peak_op\": \"none\"}\n", peak);
#endif
  return 0;
}
