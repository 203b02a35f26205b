/* fuzz_idx.c - libFuzzer target for wt_idx_parse (IDX files of MNIST / Fashion-MNIST): on
   success the header must describe bytes that lie inside the input, and they are all read. */
#include "fuzz.h"

static int wt_fuzz_idx(const uint8_t *data, size_t size) {
  wt_ctx *ctx = wt_fuzz_ctx();
  const size_t allocs = wt_ctx_live_allocs(ctx);
  wt_idx_info info;
  const wt_status st = wt_idx_parse(ctx, data, size, &info);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  const int ok = st == WT_OK;
  if (st == WT_OK) {
    WT_FUZZ_CHECK(info.ndim >= 1 && info.ndim <= 4);
    size_t count = 1;
    for (int i = 0; i < 4; i++) {
      WT_FUZZ_CHECK(info.dims[i] >= 1 && info.dims[i] <= WT_MAX_DIM);
      count *= (size_t)info.dims[i];
    }
    WT_FUZZ_CHECK(count == info.data_bytes);
    WT_FUZZ_CHECK(info.data_offset == 4 + 4 * (size_t)info.ndim);
    WT_FUZZ_CHECK(info.data_offset <= size && info.data_bytes <= size - info.data_offset);
    unsigned sum = 0; /* every byte the header promises is readable (ASan checks) */
    for (size_t i = 0; i < info.data_bytes; i++) sum += data[info.data_offset + i];
    (void)sum;
  }
  WT_FUZZ_CHECK(wt_ctx_live_allocs(ctx) == allocs);
  wt_ctx_destroy(ctx);
  return ok;
}
WT_FUZZ_MAIN(wt_fuzz_idx)
