/* test_resnet.c - the named models against PyTorch (tests/data/model_parity.h, made by
   scripts/gen_model_parity.py): logits, loss, gradients and BatchNorm running statistics in
   training mode, logits and gradients in eval mode; the safetensors round trip with a file
   PyTorch wrote (tests/data/resnet8_torch.safetensors); the safetensors reader on malformed,
   truncated, lying and mismatched files; the JSON spec (explicit layers, named models, errors);
   summary; the trainer's distillation teacher in eval mode; no leaks. */
#pragma GCC diagnostic ignored "-Wdouble-promotion"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "models/model.h" /* internals: one forward / backward without an optimizer */
#include "wasmtricks.h"
#include "data/model_parity.h"

static double worst_logit_rel, worst_grad_rel;

static void set_formula_params(wt_model *m) {
  float *p = wt_model_params(m);
  for (size_t i = 0; i < wt_model_param_count(m); i++) p[i] = (float)(0.1 * sin(0.7 * (double)i + 0.3));
}
static void set_input(float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = (float)(cos(1.3 * (double)i) + 0.25 * sin(0.11 * (double)i));
}

/* The relative error |got - want| / (|want| + scale), checked <= 1e-4: scale (a fraction of the
   tensor's RMS) keeps elements that cancel to ~0 from being judged on their own size. */
static double rel_err(double got, double want, double scale) {
  return fabs(got - want) / (fabs(want) + scale + 1e-30);
}

static void check_logits(const char *what, const float *got, const float *want, size_t n) {
  double rms = 0, worst = 0;
  for (size_t i = 0; i < n; i++) rms += (double)want[i] * want[i];
  rms = sqrt(rms / (double)n);
  for (size_t i = 0; i < n; i++) {
    const double e = rel_err(got[i], want[i], 0.1 * rms);
    if (e > worst) worst = e;
  }
  if (worst > worst_logit_rel) worst_logit_rel = worst;
  CHECK_MSG(worst <= 1e-4, "%s: worst relative error %.3g", what, worst);
}

static void check_grads(const char *what, const mp_case *c, wt_model *m, const double *gsum,
                        const double *gsq, const float *gsample) {
  const float *g = wt_model_grads(m);
  size_t off = 0;
  double worst = 0;
  for (int t = 0; t < c->n_tensors; t++) {
    const size_t n = (size_t)c->numel[t];
    const double rms = sqrt(gsq[t] / (double)n);
    double s = 0, sq = 0;
    for (size_t i = 0; i < n; i++) s += g[off + i], sq += (double)g[off + i] * g[off + i];
    double e = rel_err(s, gsum[t], rms * sqrt((double)n));
    if (e > worst) worst = e;
    e = rel_err(sq, gsq[t], 0);
    if (e > worst) worst = e;
    const int ns = n < MP_SAMPLES ? (int)n : MP_SAMPLES;
    for (int k = 0; k < ns; k++) {
      const size_t i = ((size_t)k * 7919 + 13) % n;
      e = rel_err(g[off + i], gsample[t * MP_SAMPLES + k], rms);
      if (e > worst) worst = e;
    }
    off += n;
  }
  if (worst > worst_grad_rel) worst_grad_rel = worst;
  CHECK_MSG(worst <= 1e-4, "%s: worst relative gradient error %.3g", what, worst);
}

static void test_parity(const mp_case *c, int force_scalar) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 3, .force_scalar = force_scalar}, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_from_spec(ctx, c->spec, strlen(c->spec), &m));
  if (!m) return;
  CHECK_MSG(wt_model_param_count(m) == c->n_params, "%s: %zu params, PyTorch %zu", c->tag,
            wt_model_param_count(m), c->n_params);
  CHECK(strcmp(wt_model_spec(m), c->spec) == 0);
  set_formula_params(m);
  int64_t chw[3], K;
  wt_model_shape(m, chw, &K);
  const size_t nx = (size_t)(c->N * chw[0] * chw[1] * chw[2]), nl = (size_t)(c->N * K);
  float *x = malloc(nx * sizeof(float));
  int32_t labels[8];
  set_input(x, nx);
  for (int i = 0; i < c->N; i++) labels[i] = (int32_t)(i % K);
  char what[96];
  for (int mode = 1; mode >= 0; mode--) {
    wt_model_set_training(m, mode);
    CHECK_OK(ctx, wt__model_forward_batch(m, x, c->N));
    snprintf(what, sizeof what, "%s %s logits%s", c->tag, mode ? "train" : "eval", force_scalar ? " (scalar)" : "");
    check_logits(what, wt__model_logits(m), mode ? c->logits : c->logits_eval, nl);
    float loss;
    CHECK_OK(ctx, wt_cross_entropy(ctx, c->N, K, wt__model_logits(m), labels, NULL, NULL, &loss,
                                   wt__model_dlogits(m), NULL));
    if (mode) CHECK_NEAR(loss, c->loss, 0, 1e-5);
    CHECK_OK(ctx, wt__model_backward_batch(m, x, c->N));
    snprintf(what, sizeof what, "%s %s grads%s", c->tag, mode ? "train" : "eval", force_scalar ? " (scalar)" : "");
    check_grads(what, c, m, mode ? c->gsum_train : c->gsum_eval, mode ? c->gsq_train : c->gsq_eval,
                mode ? c->gsample_train : c->gsample_eval);
    if (mode) {
      size_t nb;
      const float *b = wt_model_buffers(m, &nb);
      CHECK(nb == c->n_buffers);
      double worst = 0;
      for (size_t i = 0; i < nb && nb == c->n_buffers; i++) {
        const double e = rel_err(b[i], c->buffers[i], 1e-3);
        if (e > worst) worst = e;
      }
      CHECK_MSG(worst <= 1e-4, "%s running statistics: worst relative error %.3g", c->tag, worst);
    }
  }
  printf("  parity %-9s %s ok\n", c->tag, force_scalar ? "(scalar)" : "");
  free(x);
  wt_model_destroy(m);
  CHECK(wt_ctx_live_allocs(ctx) == 0 || wt_ctx_live_bytes(ctx) > 0); /* the arena stays */
  wt_ctx_destroy(ctx);
}

/* ------------------------------------------------------------ safetensors */

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len + 1);
  if (b && fread(b, 1, *len, f) != *len) free(b), b = NULL;
  fclose(f);
  return b;
}

static void test_torch_round_trip(void) {
  size_t len = 0;
  uint8_t *file = read_file("tests/data/resnet8_torch.safetensors", &len);
  CHECK_MSG(file, "cannot read tests/data/resnet8_torch.safetensors (run from the source directory)");
  if (!file) return;
  wt_ctx *ctx = wt_ctx_create(NULL, NULL);
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_from_safetensors(ctx, file, len, &m));
  if (m) {
    const mp_case *c = &mp_cases[1];
    CHECK(strcmp(c->tag, "resnet8") == 0 && strcmp(wt_model_spec(m), c->spec) == 0);
    const float *p = wt_model_params(m);
    bool same = wt_model_param_count(m) == c->n_params;
    for (size_t i = 0; same && i < c->n_params; i++) same = p[i] == (float)(0.1 * sin(0.7 * (double)i + 0.3));
    CHECK_MSG(same, "the PyTorch file's parameters are the formula's, bit for bit");
    size_t nb;
    const float *b = wt_model_buffers(m, &nb);
    same = nb == c->n_buffers;
    for (size_t i = 0; same && i < nb; i++) same = b[i] == c->buffers[i];
    CHECK_MSG(same, "running statistics from PyTorch, bit for bit");
    CHECK(m->layers[1].kind == WT__BATCHNORM2D && m->layers[1].num_batches_tracked == 1);
    size_t size = 0;
    CHECK_OK(ctx, wt_model_save_safetensors(m, NULL, 0, &size));
    uint8_t *again = malloc(size);
    CHECK_OK(ctx, wt_model_save_safetensors(m, again, size, &size));
    CHECK_MSG(size == len && memcmp(again, file, len) == 0,
              "ours re-saves PyTorch's file byte for byte (%zu vs %zu bytes)", size, len);
    CHECK(wt_model_save_safetensors(m, again, size - 1, &size) == WT_ERR_ARG);
    free(again);
    wt_model_destroy(m);
  }
  CHECK(wt_ctx_live_allocs(ctx) <= 1);
  wt_ctx_destroy(ctx);
  free(file);
}

/* Writes a file whose header is `header` (padded) followed by data_len bytes of data. */
static uint8_t *make_file(const char *header, size_t data_len, size_t *len) {
  const size_t h = strlen(header);
  *len = 8 + h + data_len;
  uint8_t *b = calloc(1, *len + 1);
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)h >> (8 * i));
  memcpy(b + 8, header, h);
  return b;
}

/* A valid file for a 1-layer linear spec, then variants that must each fail. */
static void test_malformed(void) {
  wt_ctx *ctx = wt_ctx_create(NULL, NULL);
  static const char spec[] = "{\"input\":[1,1,2],\"classes\":2,\"layers\":[{\"type\":\"flatten\"},"
                             "{\"type\":\"linear\",\"name\":\"fc\",\"out_features\":2}]}";
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_from_spec(ctx, spec, strlen(spec), &m));
  if (!m) return;
  CHECK(wt_model_param_count(m) == 6);
  float *p = wt_model_params(m);
  for (int i = 0; i < 6; i++) p[i] = (float)i;
  size_t size;
  CHECK_OK(ctx, wt_model_save_safetensors(m, NULL, 0, &size));
  uint8_t *good = malloc(size);
  CHECK_OK(ctx, wt_model_save_safetensors(m, good, size, &size));
  for (int i = 0; i < 6; i++) p[i] = -1.0f;
  CHECK_OK(ctx, wt_model_load_safetensors(m, good, size));
  CHECK(p[0] == 0.0f && p[5] == 5.0f);
  wt_model *m2 = NULL;
  CHECK_OK(ctx, wt_model_create_from_safetensors(ctx, good, size, &m2));
  CHECK(m2 && wt_model_params(m2)[3] == 3.0f);
  wt_model_destroy(m2);

  /* every truncation is rejected, never read past */
  int truncs_ok = 1;
  for (size_t n = 0; n < size; n++) {
    uint8_t *t = malloc(n ? n : 1);
    memcpy(t, good, n);
    truncs_ok &= wt_model_load_safetensors(m, t, n) == WT_ERR_FORMAT;
    free(t);
  }
  CHECK_MSG(truncs_ok, "every truncated file is WT_ERR_FORMAT");
  CHECK(p[0] == 0.0f && p[5] == 5.0f); /* nothing written by failed loads */

  struct { const char *header; size_t data; wt_status want; const char *msg; } cases[] = {
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24, WT_OK, ""},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 20, WT_ERR_FORMAT, "outside"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 24, WT_ERR_FORMAT, "overlap"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24, WT_ERR_FORMAT, "needs 16"},
      {"{\"fc.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}", 40, WT_ERR_SHAPE, "dtype F64"},
      {"{\"fc.weight\":{\"dtype\":\"Q4\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, WT_ERR_FORMAT, "unknown dtype"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[4194304,4194304],\"data_offsets\":[0,16]}}", 16, WT_ERR_FORMAT, "elements"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,16]}}", 16, WT_ERR_FORMAT, "shape[0]"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,16]}}", 16, WT_ERR_FORMAT, "shape[0]"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,0]}}", 16, WT_ERR_FORMAT, "outside"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[1,4],\"data_offsets\":[0,16]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24, WT_ERR_SHAPE, "has shape [1,4]"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, WT_ERR_SHAPE, "no tensor 'fc.bias'"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
       "\"extra\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]}}", 28, WT_ERR_SHAPE, "'extra'"},
      {"{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24, WT_ERR_FORMAT, "twice"},
      {"{\"__metadata__\":{\"spec\":3}}", 0, WT_ERR_FORMAT, "strings"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16],\"x\":1}}", 16, WT_ERR_FORMAT, "unknown field"},
      {"{\"fc.weight\":[1,2]}", 0, WT_ERR_FORMAT, "not an object"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2]}}", 0, WT_ERR_FORMAT, "data_offsets"},
      {"{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,1.6e1]}}", 16, WT_ERR_FORMAT, "integers"},
      {"{\"a\":", 0, WT_ERR_FORMAT, "unexpected end"},
      {"{\"a\":1}}", 0, WT_ERR_FORMAT, "trailing"},
      {"[1]     ", 0, WT_ERR_FORMAT, "not a JSON object"},
      {"{\"a\":\"\\x\"}", 0, WT_ERR_FORMAT, "bad escape"},
      {"{\"a\":\"\\ud800\"}", 0, WT_ERR_FORMAT, "surrogate"},
      {"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0, WT_ERR_FORMAT, "too deep"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len;
    uint8_t *f = make_file(cases[i].header, cases[i].data, &len);
    for (size_t k = 0; k < cases[i].data / 4; k++) memcpy(f + len - cases[i].data + 4 * k, &(float){9.0f}, 4);
    const wt_status st = wt_model_load_safetensors(m, f, len);
    CHECK_MSG(st == cases[i].want && strstr(wt_ctx_last_error(ctx), cases[i].msg),
              "case %zu: %s (%s), want %s with \"%s\"", i, wt_status_str(st), wt_ctx_last_error(ctx),
              wt_status_str(cases[i].want), cases[i].msg);
    if (cases[i].want != WT_OK) CHECK_MSG(p[0] == 0.0f, "case %zu wrote into the model", i);
    else for (int k = 0; k < 6; k++) p[k] = (float)k;
    free(f);
  }
  /* lying header length: beyond the file, and absurdly large */
  uint8_t *bad = malloc(size);
  memcpy(bad, good, size);
  bad[0] = (uint8_t)(bad[0] + 1);
  CHECK(wt_model_load_safetensors(m, bad, size) != WT_OK);
  memset(bad, 0xff, 8);
  CHECK(wt_model_load_safetensors(m, bad, size) == WT_ERR_FORMAT && strstr(wt_ctx_last_error(ctx), "limit"));
  memcpy(bad, good, 8);
  bad[8] = '[';
  CHECK(wt_model_load_safetensors(m, bad, size) == WT_ERR_FORMAT);
  /* no spec: the file cannot build its model */
  size_t len;
  uint8_t *nospec = make_file("{\"__metadata__\":{\"format\":\"pt\"}}", 0, &len);
  wt_model *m3 = NULL;
  CHECK(wt_model_create_from_safetensors(ctx, nospec, len, &m3) == WT_ERR_FORMAT && m3 == NULL &&
        strstr(wt_ctx_last_error(ctx), "no \"spec\""));
  free(nospec), free(bad), free(good);
  /* random byte flips: never a crash, any status */
  uint8_t *fz = NULL;
  wt_model *big = NULL;
  CHECK_OK(ctx, wt_model_create_resnet(ctx, 8, 1, 4, 4, 2, 0, &big));
  CHECK_OK(ctx, wt_model_save_safetensors(big, NULL, 0, &size));
  good = malloc(size), fz = malloc(size);
  CHECK_OK(ctx, wt_model_save_safetensors(big, good, size, &size));
  wt_rng r;
  wt_rng_seed(&r, 5, 5);
  int ok_count = 0;
  for (int it = 0; it < 300; it++) {
    memcpy(fz, good, size);
    const int flips = 1 + (int)wt_rng_below(&r, 4);
    const uint32_t hl = (uint32_t)good[0] | (uint32_t)good[1] << 8 | (uint32_t)good[2] << 16;
    for (int k = 0; k < flips; k++) fz[wt_rng_below(&r, 8 + hl)] = (uint8_t)wt_rng_u32(&r);
    wt_model *fm = NULL;
    if (wt_model_create_from_safetensors(ctx, fz, size, &fm) == WT_OK) ok_count++;
    wt_model_destroy(fm);
  }
  printf("  fuzzed 300 headers: %d still loaded\n", ok_count);
  wt_model_destroy(big);
  free(good), free(fz);
  wt_model_destroy(m);
  CHECK_MSG(wt_ctx_live_allocs(ctx) <= 1, "leaks after the malformed-file tests: %zu allocations",
            wt_ctx_live_allocs(ctx));
  wt_ctx_destroy(ctx);
}

/* ------------------------------------------------------------ specs */

static void test_specs(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 4}, NULL);
  /* an explicit residual block equals nothing named, but must run and count right */
  static const char spec[] =
      "{\"input\":[2,6,6],\"classes\":3,\"layers\":["
      "{\"type\":\"conv2d\",\"name\":\"stem\",\"out_channels\":4,\"kernel\":3,\"padding\":1,\"bias\":false,\"init\":\"kaiming_out\"},"
      "{\"type\":\"batchnorm2d\",\"name\":\"bn\",\"id\":\"a\"},"
      "{\"type\":\"relu\"},"
      "{\"type\":\"conv2d\",\"name\":\"c2\",\"out_channels\":4,\"kernel\":3,\"padding\":1},"
      "{\"type\":\"batchnorm2d\",\"name\":\"bn2\",\"zero_init\":true},"
      "{\"type\":\"add\",\"inputs\":[\"bn2\",\"a\"]},"
      "{\"type\":\"dropout\",\"p\":0.25},"
      "{\"type\":\"avgpool2d\",\"kernel\":2},"
      "{\"type\":\"maxpool2d\",\"kernel\":3,\"stride\":1,\"padding\":1},"
      "{\"type\":\"global_avgpool\"},"
      "{\"type\":\"flatten\"},"
      "{\"type\":\"linear\",\"name\":\"head\",\"out_features\":3}]}";
  wt_model *m = NULL;
  CHECK_OK(ctx, wt_model_create_from_spec(ctx, spec, strlen(spec), &m));
  if (m) {
    CHECK(wt_model_param_count(m) == (size_t)(72 + 8 + 144 + 4 + 8 + 15));
    const float *p = wt_model_params(m);
    CHECK(p[72 + 8 + 148] == 0.0f && p[72] == 1.0f); /* bn2 weight zero-initialised; bn weight 1 */
    wt_param_range nd[8];
    CHECK(wt_model_no_decay_ranges(m, nd, 8) == 4); /* bn, c2 bias, bn2, head bias */
    CHECK(nd[0].offset == 72 && nd[0].count == 8);
    char buf[4096];
    size_t len;
    CHECK_OK(ctx, wt_model_summary(m, buf, sizeof buf, &len));
    CHECK(len == strlen(buf) && strstr(buf, "bn2") && strstr(buf, "global_avgpool") &&
          strstr(buf, "[4, 3, 3]") && strstr(buf, "Total params: 251"));
    size_t need;
    CHECK_OK(ctx, wt_model_summary(m, buf, 10, &need));
    CHECK(need == len && strlen(buf) == 9);
    float x[2 * 2 * 36], logits[6];
    for (int i = 0; i < 144; i++) x[i] = (float)sin(i);
    CHECK_OK(ctx, wt_model_forward(m, x, 2, logits));
    wt_model_set_training(m, 0);
    float l2[6], l3[6];
    CHECK_OK(ctx, wt_model_forward(m, x, 2, l2));
    CHECK_OK(ctx, wt_model_forward(m, x, 2, l3));
    CHECK(memcmp(l2, l3, sizeof l2) == 0); /* eval: no dropout, no running-stat updates */
    wt_model_destroy(m);
  }
  struct { const char *spec; wt_status want; const char *msg; } bad[] = {
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"conv3d\"}]}", WT_ERR_ARG, "unknown type \"conv3d\""},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"relu\",\"slope\":1}]}", WT_ERR_ARG, "unknown key \"slope\""},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"relu\",\"input\":\"nope\"}]}", WT_ERR_ARG, "\"nope\""},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"conv2d\",\"kernel\":3}]}", WT_ERR_ARG, "out_channels"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"conv2d\",\"out_channels\":2,\"kernel\":9}]}", WT_ERR_SHAPE, "layer 0 (conv2d 0)"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"flatten\"},{\"type\":\"linear\",\"out_features\":3}]}", WT_ERR_SHAPE, "not the 2 classes"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"linear\",\"out_features\":2}]}", WT_ERR_SHAPE, "add a flatten"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"conv2d\",\"out_channels\":2,\"kernel\":1},{\"type\":\"add\",\"inputs\":[\"0\",\"@input\"]}]}", WT_ERR_SHAPE, "(add) sums"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"conv2d\",\"name\":\"a\",\"out_channels\":2,\"kernel\":1},{\"type\":\"conv2d\",\"name\":\"a\",\"out_channels\":2,\"kernel\":1}]}", WT_ERR_ARG, "already used"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[{\"type\":\"conv2d\",\"name\":\"a b\",\"out_channels\":2,\"kernel\":1}]}", WT_ERR_ARG, ".name"},
      {"{\"input\":[1,4],\"classes\":2,\"layers\":[]}", WT_ERR_ARG, "[C, H, W]"},
      {"{\"input\":[1,4,4],\"classes\":1,\"layers\":[]}", WT_ERR_ARG, "classes"},
      {"{\"input\":[1,4,4],\"classes\":2,\"layers\":[]}", WT_ERR_ARG, "non-empty"},
      {"{\"input\":[1,4,4],\"classes\":2,\"model\":\"resnet\",\"depth\":9}", WT_ERR_ARG, "depth"},
      {"{\"input\":[1,4,4],\"classes\":2,\"model\":\"vgg\"}", WT_ERR_ARG, "unknown model"},
      {"{\"input\":[1,4,4],\"classes\":2,\"model\":\"resnet\",\"depth\":8,\"width\":3}", WT_ERR_ARG, "unknown key"},
      {"{\"input\":[1,4,4],\"classes\":2,", WT_ERR_FORMAT, "spec: "},
      {"{\"input\":[1,4,4],\"classes\":2e0}", WT_ERR_ARG, "classes"},
      {"{\"input\":[1,16777217,4],\"classes\":2,\"model\":\"resnet\",\"depth\":8}", WT_ERR_ARG, "input[1]"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    wt_model *b = NULL;
    const wt_status st = wt_model_create_from_spec(ctx, bad[i].spec, strlen(bad[i].spec), &b);
    CHECK_MSG(st == bad[i].want && b == NULL && strstr(wt_ctx_last_error(ctx), bad[i].msg),
              "bad spec %zu: %s (%s), want %s with \"%s\"", i, wt_status_str(st), wt_ctx_last_error(ctx),
              wt_status_str(bad[i].want), bad[i].msg);
  }
  /* every prefix of a valid spec fails cleanly */
  const char *named = mp_cases[2].spec;
  int prefixes_ok = 1;
  for (size_t n = 0; n < strlen(named); n++) {
    wt_model *b = NULL;
    prefixes_ok &= wt_model_create_from_spec(ctx, named, n, &b) != WT_OK && b == NULL;
  }
  CHECK(prefixes_ok);
  /* named: zero-init residual; ResNet-18's parameter count (torchvision's with a 3x3 stem) */
  wt_model *r = NULL;
  CHECK_OK(ctx, wt_model_create_resnet(ctx, 20, 3, 32, 32, 10, 1, &r));
  if (r) {
    int zeroed = 0;
    for (int i = 0; i < r->n_layers; i++)
      if (r->layers[i].kind == WT__BATCHNORM2D && strstr(r->layers[i].name, "bn2"))
        zeroed += r->layers[i].u.batchnorm2d.weight[0] == 0.0f;
    CHECK(zeroed == 9);
    wt_model_destroy(r);
  }
  CHECK_OK(ctx, wt_model_create_resnet18(ctx, 3, 32, 32, 10, 0, &r));
  CHECK(r && wt_model_param_count(r) == 11173962);
  wt_model_destroy(r);
  CHECK(wt_model_create_resnet(ctx, 21, 3, 32, 32, 10, 0, &r) == WT_ERR_ARG);
  CHECK(wt_ctx_live_allocs(ctx) <= 1);
  wt_ctx_destroy(ctx);
}

/* The distillation teacher runs in eval mode: its running statistics do not move, and its
   logits are its eval logits; the student trains in training mode. */
static void test_teacher_eval(void) {
  wt_ctx *ctx = wt_ctx_create(&(wt_ctx_options){.seed = 8}, NULL);
  wt_model *s = NULL, *t = NULL;
  CHECK_OK(ctx, wt_model_create_resnet(ctx, 8, 1, 8, 8, 4, 0, &s));
  CHECK_OK(ctx, wt_model_create_resnet(ctx, 8, 1, 8, 8, 4, 0, &t));
  if (!s || !t) return;
  size_t nb;
  float *tb = wt_model_buffers(t, &nb), *sb = wt_model_buffers(s, NULL);
  float *before = malloc(nb * sizeof(float));
  memcpy(before, tb, nb * sizeof(float));
  float x[4 * 64];
  int32_t y[4] = {0, 1, 2, 3};
  for (int i = 0; i < 4 * 64; i++) x[i] = (float)sin(0.3 * i);
  wt_trainer *tr = NULL;
  wt_model_set_training(s, 0); /* the step trains anyway, and leaves the flag */
  CHECK_OK(ctx, wt_trainer_create(s, &(wt_trainer_options){.optim = {.lr = 0.01}, .teacher = t,
                                                           .kd_temperature = 4},
                                  &tr));
  float loss;
  CHECK_OK(ctx, wt_trainer_step(tr, x, y, 4, &loss, NULL));
  CHECK(memcmp(before, tb, nb * sizeof(float)) == 0 && t->layers[1].num_batches_tracked == 0);
  CHECK(sb[0] != 0.0f && s->layers[1].num_batches_tracked == 1 && wt_model_training(s) == 0);
  CHECK(wt_model_training(t) == 1);
  wt_trainer_destroy(tr);
  wt_model_destroy(s), wt_model_destroy(t);
  free(before);
  wt_ctx_destroy(ctx);
}

int main(void) {
  for (size_t i = 0; i < sizeof mp_cases / sizeof mp_cases[0]; i++) test_parity(&mp_cases[i], 0);
  test_parity(&mp_cases[1], 1);
  printf("worst relative error vs PyTorch: logits %.3g, gradients %.3g\n", worst_logit_rel, worst_grad_rel);
  test_torch_round_trip();
  test_malformed();
  test_specs();
  test_teacher_eval();
  return check_summary("test_resnet");
}
