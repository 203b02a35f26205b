/* bench_gemm.c - GFLOP/s of wt__gemm with every GEMM micro-kernel of f32_gemm.inc, side by
   side, on the products one training step of the student CNN makes (batch 64, inputs 28x28x1
   and 32x32x3). Not a test and not in ctest: it checks nothing; it prints median/max GFLOP/s.

   Build and run (see bench/README.md for details), after the wasm library is built in
   build-wasm (emcmake cmake -S . -B build-wasm && cmake --build build-wasm --target wasmtricks):
     emcc -O3 -std=c11 -DWT_HAVE_WASMSIMD=1 -Isrc bench/bench_gemm.c build-wasm/libwasmtricks.a \
          -sALLOW_MEMORY_GROWTH=1 -o build-wasm/bench_gemm.js
     node --no-experimental-fetch build-wasm/bench_gemm.js [--quick]
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

int main(int argc, char **argv) {
  const bool quick = argc > 1 && !strcmp(argv[1], "--quick");
  const int reps = quick ? 3 : MAX_REPS;
  const double min_s = quick ? 0.01 : 0.03;
  wt_kernels tables[N_ENTRIES];
  for (size_t i = 0; i < N_ENTRIES; i++) wt__kernels_entry(&tables[i], i);
  wt_kernels def;
  wt__kernels_select(&def, 0);
  printf("wt__gemm GFLOP/s as median/max of %d runs; default kernel %s\n", reps,
         def.f32_gemm_name);
  static const size_t inputs[][3] = {{1, 28, 28}, {3, 32, 32}};
  for (size_t in = 0; in < 2; in++) {
    shape shapes[16];
    const size_t n = add_cnn_shapes(shapes, inputs[in][0], inputs[in][1], inputs[in][2], 64);
    printf("\ninput %zux%zux%zu, batch 64 (conv per image)\n", inputs[in][0], inputs[in][1],
           inputs[in][2]);
    printf("%-6s %-8s %6s %6s %6s", "layer", "product", "M", "N", "K");
    for (size_t e = 0; e < N_ENTRIES; e++) {
      char label[32];
      snprintf(label, sizeof label, "%s %zux%zu", entries[e].isa, entries[e].mr, entries[e].nr);
      printf(" %15s", label);
    }
    printf("   default/scalar (medians)\n");
    for (size_t s = 0; s < n; s++) {
      printf("%-6s %-8s %6zu %6zu %6zu", shapes[s].layer, shapes[s].product, shapes[s].M,
             shapes[s].N, shapes[s].K);
      /* Repetitions interleave the kernels, so load from other processes hits all alike. */
      run runs[N_ENTRIES];
      double g[N_ENTRIES][MAX_REPS];
      for (size_t e = 0; e < N_ENTRIES; e++) {
        run_init(&runs[e], &tables[e], &shapes[s]);
        run_once(&runs[e], 0.0); /* warm up */
      }
      for (int r = 0; r < reps; r++)
        for (size_t e = 0; e < N_ENTRIES; e++) g[e][r] = run_once(&runs[e], min_s);
      double scalar = 0.0, best_default = 0.0;
      for (size_t e = 0; e < N_ENTRIES; e++) {
        qsort(g[e], (size_t)reps, sizeof g[e][0], cmp_double);
        const double med = g[e][reps / 2];
        if (e == 0) scalar = med;
        if (entries[e].fn == def.f32_gemm) best_default = med;
        printf(" %7.2f/%6.2f", med, g[e][reps - 1]);
        run_free(&runs[e]);
      }
      printf("   %6.2fx\n", best_default / scalar);
    }
  }
  return 0;
}
