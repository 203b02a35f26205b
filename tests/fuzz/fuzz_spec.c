/* fuzz_spec.c - libFuzzer target for model specs: the strict JSON reader (src/models/json.c)
   directly, decoding every token it returns, then wt_model_create_from_spec; models that build
   must survive wt_fuzz_exercise_model (spec round trip, safetensors round trip, a forward). */
#include "fuzz_model.h"
#include "models/json.h"

static void walk_json(wt_ctx *ctx, const uint8_t *data, size_t size) {
  wt__json j;
  const wt_status st = wt__json_parse(ctx, "spec", (const char *)data, size, &j);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  if (st != WT_OK) return;
  WT_FUZZ_CHECK(j.n >= 1 && j.tok[0].next == j.n);
  char buf[64];
  for (int64_t t = 0; t < j.n; t++) {
    const wt__json_tok *k = &j.tok[t];
    WT_FUZZ_CHECK(k->start <= k->end && k->end <= size && k->next > t && k->next <= j.n);
    double d;
    int64_t i;
    bool b;
    size_t len;
    switch (k->type) {
      case WT__JSON_STRING: (void)wt__json_str(&j, t, buf, sizeof buf, &len); break;
      case WT__JSON_NUMBER:
        (void)wt__json_num(&j, t, &d); /* false for numbers of 64+ characters */
        (void)wt__json_int(&j, t, INT64_MIN, INT64_MAX, &i);
        break;
      case WT__JSON_BOOL: WT_FUZZ_CHECK(wt__json_bool(&j, t, &b)); break;
      case WT__JSON_ARRAY:
        (void)wt__json_child(&j, t, k->count - 1);
        WT_FUZZ_CHECK(wt__json_child(&j, t, k->count) == -1);
        break;
      case WT__JSON_OBJECT:
        (void)wt__json_get(&j, t, "type");
        if (k->count) (void)wt__json_key(&j, t, k->count - 1);
        break;
      default: break;
    }
  }
  wt__json_free(ctx, &j);
}

static int wt_fuzz_spec(const uint8_t *data, size_t size) {
  wt_ctx *ctx = wt_fuzz_ctx();
  const size_t allocs = wt_ctx_live_allocs(ctx);
  walk_json(ctx, data, size);
  WT_FUZZ_CHECK(wt_ctx_live_allocs(ctx) == allocs);
  wt_model *m = NULL;
  const wt_status st = wt_model_create_from_spec(ctx, (const char *)data, size, &m);
  WT_FUZZ_CHECK_STATUS(ctx, st);
  WT_FUZZ_CHECK((st == WT_OK) == (m != NULL));
  const int ok = st == WT_OK;
  if (m) wt_fuzz_exercise_model(ctx, m);
  wt_model_destroy(m);
  WT_FUZZ_CHECK(wt_ctx_live_allocs(ctx) == allocs);
  wt_ctx_destroy(ctx);
  return ok;
}
WT_FUZZ_MAIN(wt_fuzz_spec)
