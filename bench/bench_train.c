/* bench_train.c - where a training step of the student CNN spends its time: per layer forward
   and backward, the zeroing of gradients, the input and logits checks, the loss and the SGD
   step, plus whole wt_trainer_step and wt_model_forward images/s (batch 64, inputs 28x28x1 and
   32x32x3). Not a test: it checks nothing and prints milliseconds per step (medians).

   It reaches the model's internals (src/models/model.h) to time layer by layer, so it is
   built against the library, not against dist/wasmtricks.wasm:
     emcc -O3 -std=c11 -Isrc bench/bench_train.c build-wasm/libwasmtricks.a \
          -sALLOW_MEMORY_GROWTH=1 -o build-wasm/bench_train.js
     node --no-experimental-fetch build-wasm/bench_train.js [--quick] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/model.h"

#define REPS 9
#define BATCH 64

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

static void die(wt_ctx *ctx, const char *what) {
  fprintf(stderr, "bench_train: %s: %s\n", what, ctx ? wt_ctx_last_error(ctx) : "");
  exit(1);
}

static void bench_input(int64_t C, int64_t H, int64_t W, int reps) {
  wt_status st;
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, &st);
  if (!ctx) die(NULL, "ctx");
  wt_model *m;
  if (wt_model_create_student_cnn(ctx, C, H, W, 10, &m) != WT_OK) die(ctx, "model");
  wt_trainer_options to = {.optim = wt_optim_defaults(WT_OPTIM_SGD)};
  to.optim.lr = 0.01, to.optim.momentum = 0.9;
  wt_trainer *t;
  if (wt_trainer_create(m, &to, &t) != WT_OK) die(ctx, "trainer");
  const size_t in = (size_t)(BATCH * C * H * W);
  float *x = malloc(in * sizeof *x);
  int32_t labels[BATCH];
  uint32_t s = 7;
  for (size_t i = 0; i < in; i++) x[i] = (float)((s = s * 1664525u + 1013904223u) >> 8) * 0x1p-24f;
  for (int i = 0; i < BATCH; i++) labels[i] = i % 10;
  float loss, acc;
  for (int w = 0; w < 2; w++)
    if (wt_trainer_step(t, x, labels, BATCH, &loss, &acc) != WT_OK) die(ctx, "step");

  enum { MAXL = 16 };
  const int L = m->n_layers;
  double tf[MAXL][REPS], tb[MAXL][REPS], tzero[REPS], tcheck[REPS], tstep[REPS], tinf[REPS];
  for (int r = 0; r < reps; r++) {
    /* whole steps and inference, interleaved with the per-layer pass */
    double t0 = now_s();
    for (int k = 0; k < 3; k++)
      if (wt_trainer_step(t, x, labels, BATCH, &loss, &acc) != WT_OK) die(ctx, "step");
    tstep[r] = (now_s() - t0) / 3;
    t0 = now_s();
    float logits[BATCH * 10];
    for (int k = 0; k < 3; k++)
      if (wt_model_forward(m, x, BATCH, logits) != WT_OK) die(ctx, "forward");
    tinf[r] = (now_s() - t0) / 3;

    t0 = now_s();
    if (wt__model_check_input(m, "bench", x, BATCH) != WT_OK) die(ctx, "check");
    tcheck[r] = now_s() - t0;
    const float *cur = x;
    for (int i = 0; i < L; i++) {
      const wt__layer *l = &m->layers[i];
      t0 = now_s();
      if (wt__type_of(l)->forward(ctx, l, BATCH, cur, NULL, l->out, m->workspace) != WT_OK)
        die(ctx, "layer fwd");
      tf[i][r] = now_s() - t0;
      cur = l->out;
    }
    t0 = now_s();
    memset(m->grads, 0, m->n_params * sizeof(float));
    for (int i = 0; i < L - 1; i++)
      memset(m->layers[i].dout, 0, (size_t)(BATCH * m->layers[i].out_elems) * sizeof(float));
    tzero[r] = now_s() - t0;
    for (int i = L - 1; i >= 0; i--) {
      const wt__layer *l = &m->layers[i];
      const float *lin = i ? m->layers[i - 1].out : x;
      float *din = i ? m->layers[i - 1].dout : NULL;
      t0 = now_s();
      if (wt__type_of(l)->backward(ctx, l, BATCH, lin, l->out, l->dout, din, NULL, m->workspace) !=
          WT_OK)
        die(ctx, "layer bwd");
      tb[i][r] = now_s() - t0;
    }
  }
  printf("\nstudent CNN %lldx%lldx%lld, batch %d: ms per batch (median of %d)\n", (long long)C,
         (long long)H, (long long)W, BATCH, reps);
  double sum = 0;
  for (int i = 0; i < L; i++) {
    const double f = median(tf[i], reps) * 1e3, b = median(tb[i], reps) * 1e3;
    sum += f + b;
    printf("  %2d %-10s fwd %7.2f  bwd %7.2f\n", i, wt__type_of(&m->layers[i])->name, f, b);
  }
  const double z = median(tzero, reps) * 1e3, c = median(tcheck, reps) * 1e3;
  printf("  zero grads+douts %6.2f   input check %6.2f   layers total %7.2f\n", z, c, sum);
  const double step = median(tstep, reps), inf = median(tinf, reps);
  printf("  trainer_step %7.2f ms = %6.1f images/s   forward %6.2f ms = %6.1f images/s\n",
         step * 1e3, BATCH / step, inf * 1e3, BATCH / inf);
  free(x);
  wt_trainer_destroy(t);
  wt_model_destroy(m);
  wt_ctx_destroy(ctx);
}

int main(int argc, char **argv) {
  const int reps = argc > 1 && !strcmp(argv[1], "--quick") ? 3 : REPS;
  bench_input(1, 28, 28, reps);
  bench_input(3, 32, 32, reps);
  return 0;
}
