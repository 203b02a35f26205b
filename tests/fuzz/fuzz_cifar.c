/* fuzz_cifar.c - libFuzzer target for wt_cifar_parse: the same bytes as a CIFAR-10 and a
   CIFAR-100 batch, counting first, then into exactly-sized outputs (ASan catches any write past
   them); labels that come back must be in range. */
#include "fuzz.h"

static int wt_fuzz_cifar(const uint8_t *data, size_t size) {
  wt_ctx *ctx = wt_fuzz_ctx();
  const size_t allocs = wt_ctx_live_allocs(ctx);
  int ok = 0;
  static const int variants[2] = {10, 100};
  for (int v = 0; v < 2; v++) {
    const int classes = variants[v];
    int64_t count = -1;
    wt_status st = wt_cifar_parse(ctx, data, size, classes, &count, NULL, NULL);
    WT_FUZZ_CHECK_STATUS(ctx, st);
    if (st != WT_OK) continue;
    ok = 1;
    WT_FUZZ_CHECK(count >= 1 && (size_t)count * (3072 + (classes == 10 ? 1 : 2)) == size);
    uint8_t *images = malloc((size_t)count * 3072);
    int32_t *labels = malloc((size_t)count * sizeof *labels);
    WT_FUZZ_CHECK(images && labels);
    int64_t again = -1;
    st = wt_cifar_parse(ctx, data, size, classes, &again, images, labels);
    WT_FUZZ_CHECK(st == WT_OK && again == count);
    for (int64_t i = 0; i < count; i++) WT_FUZZ_CHECK(labels[i] >= 0 && labels[i] < classes);
    free(images);
    free(labels);
  }
  WT_FUZZ_CHECK(wt_ctx_live_allocs(ctx) == allocs);
  wt_ctx_destroy(ctx);
  return ok;
}
WT_FUZZ_MAIN(wt_fuzz_cifar)
