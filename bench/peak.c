/* peak.c - the machine's wasm SIMD multiply-add peak for bench_gemm.c: the kernels' own
   multiply-add (wt_f32x4_madd, src/kernels/simd.h) on 8 independent accumulators fed from L1
   (2 flops per lane per operation): a multiply then an add in the baseline build, relaxed SIMD's
   fused f32x4.relaxed_madd when compiled with -mrelaxed-simd. A file of its own because the
   relaxed build compiles it with clang 19, while bench_gemm.c (which has main(argc, argv)) stays
   on Emscripten's clang 14: clang 19 names that main __main_argc_argv, which Emscripten 3.1.6's
   libc never calls. Not a test: it checks nothing. */
#define _POSIX_C_SOURCE 199309L
#include <stddef.h>
#include <time.h>

#include "kernels/simd.h"

const char *wt_bench_peak_op(void) {
#if defined(__wasm_relaxed_simd__)
  return "f32x4 relaxed_madd";
#else
  return "f32x4 mul+add";
#endif
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double wt_bench_peak_once(double min_s);
__attribute__((noinline)) double wt_bench_peak_once(double min_s) {
  /* 8 accumulators (4 rows x 2 vectors), per step two vector loads and four splat loads from
     L1-resident buffers (a interleaved by 4, one pointer and immediate offsets), then 8
     independent multiply-then-add pairs: the register budget and instruction mix of a 4x8
     GEMM tile, without its packing, edges or stores. All 8 chains feed the result. */
  static float w[256 * 8], a[4 * 256];
  for (size_t i = 0; i < 256 * 8; i++) w[i] = 1e-3f * (float)(i % 7);
  for (size_t i = 0; i < 4 * 256; i++) a[i] = 1e-3f * (float)(i % 5);
  v128_t acc[4][2];
  for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = wasm_f32x4_splat(0.0f);
  size_t calls = 0;
  const double t0 = now_s();
  double t;
  do {
    for (int rep = 0; rep < 64; rep++) {
      const float *wp = w;
      for (size_t k = 0; k < 256; k++, wp += 8) {
        const v128_t w0 = wasm_v128_load(wp), w1 = wasm_v128_load(wp + 4);
        for (int i = 0; i < 4; i++) {
          const v128_t s = wasm_v128_load32_splat(a + 4 * k + i);
          acc[i][0] = wt_f32x4_madd(acc[i][0], s, w0);
          acc[i][1] = wt_f32x4_madd(acc[i][1], s, w1);
        }
      }
      /* the buffers may have changed (they have not): keeps the loop from being folded */
      __asm__ volatile("" ::: "memory");
    }
    calls++;
    t = now_s() - t0;
  } while (t < min_s);
  float sink = 0.0f;
  for (int i = 0; i < 4; i++)
    sink += wasm_f32x4_extract_lane(acc[i][0], 0) + wasm_f32x4_extract_lane(acc[i][1], 3);
  volatile float keep = sink;
  (void)keep;
  return 64.0 * 256.0 * 64.0 * (double)calls / t * 1e-9; /* 4*8 lanes x 2 flops per k */
}
