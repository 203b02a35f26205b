/* cifar.c - CIFAR-10 and CIFAR-100 binary batches (cs.toronto.edu/~kriz/cifar.html,
   "binary version"): fixed-size records of label byte(s) then 3072 bytes, the 32x32 R, G and B
   planes. Records are checked whole before anything is written; images come out HWC
   interleaved, the layout every other loader and the augmentation pipeline use. Not here:
   reading files (the JS side reads data_batch_*.bin / train.bin). */
#include <string.h>

#include "../core/internal.h"

#define CIFAR_SIDE 32
#define CIFAR_PIXELS (CIFAR_SIDE * CIFAR_SIDE)

wt_status wt_cifar_parse(wt_ctx *ctx, const uint8_t *bytes, size_t len, int classes,
                         int64_t *count, uint8_t *images, int32_t *labels) {
  if (!ctx) return WT_ERR_ARG;
  if (!bytes || !count) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", bytes ? "count" : "bytes");
  if (classes != 10 && classes != 100)
    return WT_FAIL(ctx, WT_ERR_ARG, "classes must be 10 or 100, got %d", classes);
  /* CIFAR-100 records carry the coarse label first, then the fine one we use. */
  const size_t label_bytes = classes == 10 ? 1 : 2;
  const size_t record = label_bytes + 3 * CIFAR_PIXELS;
  if (len == 0) return WT_FAIL(ctx, WT_ERR_FORMAT, "empty CIFAR-%d batch", classes);
  if (len % record != 0)
    return WT_FAIL(ctx, WT_ERR_FORMAT,
                   "truncated or not a CIFAR-%d batch: %zu bytes is not a multiple of the "
                   "%zu-byte record (%zu whole records and %zu bytes over)",
                   classes, len, record, len / record, len % record);
  const size_t n = len / record;
  if (n > (size_t)WT_MAX_DIM)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "%zu records is more than the limit %lld", n,
                   (long long)WT_MAX_DIM);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *r = bytes + i * record;
    const int coarse = classes == 100 ? r[0] : 0;
    const int label = r[label_bytes - 1];
    if (label >= classes || coarse >= 20)
      return WT_FAIL(ctx, WT_ERR_FORMAT,
                     "record %zu has label %d%s; CIFAR-%d labels are 0..%d (wrong file or "
                     "variant?)", i, coarse >= 20 ? coarse : label,
                     coarse >= 20 ? " (coarse)" : "", classes, coarse >= 20 ? 19 : classes - 1);
  }
  *count = (int64_t)n;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *r = bytes + i * record;
    if (labels) labels[i] = r[label_bytes - 1];
    if (!images) continue;
    const uint8_t *planes = r + label_bytes;
    uint8_t *d = images + i * 3 * CIFAR_PIXELS;
    for (size_t p = 0; p < CIFAR_PIXELS; p++) {
      d[3 * p + 0] = planes[p];
      d[3 * p + 1] = planes[CIFAR_PIXELS + p];
      d[3 * p + 2] = planes[2 * CIFAR_PIXELS + p];
    }
  }
  return WT_OK;
}
