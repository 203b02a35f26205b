/* fuzz_safetensors.c - libFuzzer target for safetensors loading (src/models/safetensors.c and
   the JSON reader under it): wt_model_create_from_safetensors (header, __metadata__ spec, then
   the weights) and wt_model_load_safetensors into a fixed small model. Files that load must
   survive wt_fuzz_exercise_model; failures must leave the context's allocations as they were. */
#include "fuzz_model.h"

static int wt_fuzz_safetensors(const uint8_t *data, size_t size) {
  wt_ctx *ctx = wt_fuzz_ctx();
  const size_t allocs = wt_ctx_live_allocs(ctx);
  wt_model *m = NULL;
  wt_status st = wt_model_create_from_safetensors(ctx, data, size, &m);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  WT_FUZZ_CHECK((st == WT_OK) == (m != NULL));
  int ok = st == WT_OK;
  if (m) wt_fuzz_exercise_model(ctx, m);
  wt_model_destroy(m);

  wt_model *small = NULL;
  const char *spec = WT_FUZZ_SMALL_SPEC;
  WT_FUZZ_CHECK(wt_model_create_from_spec(ctx, spec, strlen(spec), &small) == WT_OK);
  st = wt_model_load_safetensors(small, data, size);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  ok |= st == WT_OK;
  wt_model_destroy(small);
  WT_FUZZ_CHECK(wt_ctx_live_allocs(ctx) == allocs);
  wt_ctx_destroy(ctx);
  return ok;
}
WT_FUZZ_MAIN(wt_fuzz_safetensors)
