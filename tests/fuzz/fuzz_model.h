/* fuzz_model.h - shared by the spec and safetensors targets: what every model a fuzzed input
   built must survive (its spec rebuilds it, it saves to safetensors and loads back, and small
   models run one forward pass), and the small fixed model safetensors files are loaded into. */
#ifndef WT_FUZZ_MODEL_H
#define WT_FUZZ_MODEL_H

#include "fuzz.h"

/* The model the safetensors seeds were saved from (scripts/gen_fuzz_corpus.py writes the same). */
#define WT_FUZZ_SMALL_SPEC                                                                   \
  "{\"input\": [1, 4, 4], \"classes\": 3, \"layers\": ["                                      \
  "{\"type\": \"conv2d\", \"name\": \"conv1\", \"out_channels\": 2, \"kernel\": 3, "          \
  "\"padding\": 1, \"bias\": false}, {\"type\": \"batchnorm2d\", \"name\": \"bn1\"}, "          \
  "{\"type\": \"relu\"}, {\"type\": \"flatten\"}, "                                            \
  "{\"type\": \"linear\", \"name\": \"fc\", \"out_features\": 3}]}"

static void wt_fuzz_exercise_model(wt_ctx *ctx, wt_model *m) {
  const char *spec = wt_model_spec(m);
  WT_FUZZ_CHECK(spec[0] != '\0');
  wt_model *again = NULL;
  wt_status st = wt_model_create_from_spec(ctx, spec, strlen(spec), &again);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  /* OOM aside (another copy of the parameters), a model's own spec must build */
  WT_FUZZ_CHECK(st == WT_OK || st == WT_ERR_OOM);
  if (again) WT_FUZZ_CHECK(wt_model_param_count(again) == wt_model_param_count(m));
  wt_model_destroy(again);

  size_t bytes = 0;
  st = wt_model_save_safetensors(m, NULL, 0, &bytes);
  WT_FUZZ_CHECK(st == WT_OK && bytes >= 8);
  if (bytes <= ((size_t)1 << 24)) {
    uint8_t *file = malloc(bytes);
    WT_FUZZ_CHECK(file != NULL);
    WT_FUZZ_CHECK(wt_model_save_safetensors(m, file, bytes, &bytes) == WT_OK);
    st = wt_model_load_safetensors(m, file, bytes);
    WT_FUZZ_CHECK(st == WT_OK || st == WT_ERR_OOM);
    free(file);
  }

  char summary[256];
  size_t len = 0;
  WT_FUZZ_CHECK(wt_model_summary(m, summary, sizeof summary, &len) == WT_OK);

  /* One forward pass of one image for small models: the layer graph's shapes hold. */
  int64_t chw[3], K = 0;
  wt_model_shape(m, chw, &K);
  const int64_t in = chw[0] * chw[1] * chw[2];
  if (in <= 4096 && wt_model_param_count(m) <= 200000 && K <= 1000) {
    float *x = calloc((size_t)in, sizeof(float)), *y = malloc((size_t)K * sizeof(float));
    WT_FUZZ_CHECK(x && y);
    st = wt_model_forward(m, x, 1, y);
    WT_FUZZ_CHECK_STATUS(ctx, st);
    free(x);
    free(y);
  }
}

#endif /* WT_FUZZ_MODEL_H */
