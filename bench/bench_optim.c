/* bench_optim.c - ms per optimizer step on a 2-million-parameter block, scalar loops vs wasm
   SIMD loops side by side, for SGD (momentum, nesterov), Adam, AdamW (amsgrad), AdaBound and
   AMSBound, with weight decay and one no-decay slice. Also checks that a step allocates
   nothing (the context's allocation counters before and after). Not a test, not in ctest.

   Build and run, after the wasm library is built in build-wasm (see bench/README.md):
     emcc -O3 -std=c11 -Isrc bench/bench_optim.c build-wasm/libwasmtricks.a \
          -sALLOW_MEMORY_GROWTH=1 -o build-wasm/bench_optim.js
     node --no-experimental-fetch build-wasm/bench_optim.js [--quick]
   Natively (both columns are the scalar loops there):
     cc -O2 -std=c11 -Isrc bench/bench_optim.c build/libwasmtricks.a -lm && ./a.out */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmtricks.h"

#define N_PARAMS ((size_t)2 * 1000 * 1000)

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median ms per step over `runs` runs of `steps` steps. */
static double time_steps(wt_ctx *ctx, const wt_optim_options *opt, float *p, const float *g,
                         int runs, int steps, int *allocs_ok) {
  const wt_param_range nd[1] = {{N_PARAMS - 1000, 1000}};
  wt_optim *o = NULL;
  if (wt_optim_create(ctx, opt, N_PARAMS, nd, 1, &o) != WT_OK) {
    fprintf(stderr, "%s\n", wt_ctx_last_error(ctx));
    exit(1);
  }
  double t[32];
  const size_t allocs = wt_ctx_live_allocs(ctx), bytes = wt_ctx_live_bytes(ctx);
  for (int r = 0; r < runs; r++) {
    const double t0 = now_ms();
    for (int s = 0; s < steps; s++) wt_optim_step(o, p, g);
    t[r] = (now_ms() - t0) / steps;
  }
  *allocs_ok &= wt_ctx_live_allocs(ctx) == allocs && wt_ctx_live_bytes(ctx) == bytes;
  wt_optim_destroy(o);
  qsort(t, (size_t)runs, sizeof t[0], cmp);
  return t[runs / 2];
}

int main(int argc, char **argv) {
  const int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  const int runs = quick ? 3 : 9, steps = quick ? 3 : 10;
  wt_ctx *simd = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  wt_ctx *scalar = wt_ctx_create(&(wt_ctx_options){.seed = 1, .force_scalar = 1}, NULL);
  float *p = malloc(N_PARAMS * sizeof(float)), *g = malloc(N_PARAMS * sizeof(float));
  if (!simd || !scalar || !p || !g) return 1;
  uint32_t s = 12345;
  for (size_t i = 0; i < N_PARAMS; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    g[i] = (i % 3 == 0) ? 0.0f : p[i] * 1e-3f;
  }
  struct {
    const char *name;
    wt_optim_options o;
  } cases[5] = {
      {"sgd momentum nesterov", {.kind = WT_OPTIM_SGD, .lr = 0.1, .momentum = 0.9, .nesterov = 1, .weight_decay = 5e-4}},
      {"adam", wt_optim_defaults(WT_OPTIM_ADAM)},
      {"adamw amsgrad", wt_optim_defaults(WT_OPTIM_ADAMW)},
      {"adabound", wt_optim_defaults(WT_OPTIM_ADABOUND)},
      {"amsbound", wt_optim_defaults(WT_OPTIM_ADABOUND)},
  };
  cases[1].o.weight_decay = 5e-4, cases[2].o.amsgrad = 1, cases[3].o.weight_decay = 5e-4;
  cases[4].o.amsgrad = 1, cases[4].o.weight_decay = 5e-4;
  printf("optimizer step on %zu parameters, median ms/step of %d runs x %d steps\n", N_PARAMS,
         runs, steps);
  printf("%-24s %10s %10s %8s\n", "optimizer", "scalar", "simd", "speedup");
  int allocs_ok = 1;
  for (int c = 0; c < 5; c++) {
    cases[c].o.no_bias_decay = 1;
    /* interleave so load from other processes hits both alike */
    const double a = time_steps(scalar, &cases[c].o, p, g, runs, steps, &allocs_ok);
    const double b = time_steps(simd, &cases[c].o, p, g, runs, steps, &allocs_ok);
    printf("%-24s %10.3f %10.3f %7.2fx\n", cases[c].name, a, b, a / b);
  }
  printf("allocations during steps: %s\n", allocs_ok ? "none" : "SOME (bug)");
  free(p);
  free(g);
  wt_ctx_destroy(simd);
  wt_ctx_destroy(scalar);
  return allocs_ok ? 0 : 1;
}
