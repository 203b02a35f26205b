/* fuzz.h - what the libFuzzer targets in tests/fuzz/ share: one fresh context per input, an
   invariant check that aborts (so libFuzzer and ctest both see it), and the leak invariant:
   after a parse and the destruction of what it built, the context holds exactly what it held
   before. Each fuzz_<name>.c defines int wt_fuzz_<name>(data, size) (1: the input parsed) and,
   unless WT_FUZZ_NO_MAIN is defined, LLVMFuzzerTestOneInput calling it; tests/native/test_fuzz_corpus.c includes every
   target with WT_FUZZ_NO_MAIN and replays the seed corpora and regressions (natively and in
   wasm). Not here: the parsers themselves, or any library code. */
#ifndef WT_FUZZ_H
#define WT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmtricks.h"

#define WT_FUZZ_CHECK(cond)                                                                \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);    \
      abort();                                                                             \
    }                                                                                      \
  } while (0)

/* A failed call must name its problem; a status is always one of the enum's. */
#define WT_FUZZ_CHECK_STATUS(ctx, st)                                            \
  do {                                                                           \
    WT_FUZZ_CHECK((int)(st) >= 0 && (int)(st) < WT_STATUS_COUNT);                \
    if ((st) != WT_OK) WT_FUZZ_CHECK(wt_ctx_last_error(ctx)[0] != '\0');         \
  } while (0)

static inline wt_ctx *wt_fuzz_ctx(void) {
  wt_status st;
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1, .arena_bytes = 1 << 16}, &st);
  WT_FUZZ_CHECK(ctx != NULL);
  return ctx;
}

#ifndef WT_FUZZ_NO_MAIN
/* Allocations above 64 MiB return NULL instead of aborting the process, so a huge declared
   extent (a PNG of 16384 x 16384, a spec with a billion parameters) exercises the engine's
   WT_ERR_OOM path as it would hit the wasm memory limit, and stays under -rss_limit_mb. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
#define WT_FUZZ_MAIN(fn)                                                 \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);          \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {         \
    fn(data, size);                                                      \
    return 0;                                                            \
  }
#else
#define WT_FUZZ_MAIN(fn)
#endif

#endif /* WT_FUZZ_H */
