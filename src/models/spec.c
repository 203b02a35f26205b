/* spec.c - building models: the named models (the student CNN, CIFAR ResNets, ResNet-18 for
   small inputs), the JSON spec parser (explicit layer lists and named models; each layer's own
   keys are read by its layer table entry through the wt__spec_* readers here), the spec string
   each model keeps for weight files, and the torchinfo-like summary.
   What it is not: the layer graph's execution (model.c), the per-kind functions
   (layer_table.c) or weight files (safetensors.c). */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "model.h"

/* ---------------------------------------------------------------- small builders */

static wt_status set_spec(wt_model *m, const char *spec, size_t len) {
  m->spec = wt__alloc(m->ctx, len + 1);
  if (!m->spec) return WT_FAIL(m->ctx, WT_ERR_OOM, "out of memory for the spec");
  memcpy(m->spec, spec, len);
  m->spec[len] = '\0';
  return WT_OK;
}

static wt_status push(wt_model *m, wt__layer l, const char *name) {
  if (name) snprintf(l.name, sizeof l.name, "%s", name);
  return wt__model_push(m, &l);
}
static int last(const wt_model *m) { return m->n_layers - 1; }

static wt_status conv(wt_model *m, const char *name, int in, int64_t OC, int64_t k, int64_t stride,
                      int64_t pad, bool bias, wt__init init) {
  return push(m, (wt__layer){.kind = WT__CONV2D, .in = in, .init = init,
                             .u.conv2d = {.OC = OC, .KH = k, .KW = k, .stride_h = stride,
                                          .stride_w = stride, .pad_h = pad, .pad_w = pad,
                                          .no_bias = !bias}},
              name);
}
static wt_status bn(wt_model *m, const char *name, wt__init init) {
  return push(m, (wt__layer){.kind = WT__BATCHNORM2D, .in = last(m), .init = init,
                             .u.batchnorm2d = {.eps = 1e-5, .momentum = 0.1}},
              name);
}
static wt_status linear(wt_model *m, const char *name, int64_t OUT) {
  return push(m, (wt__layer){.kind = WT__LINEAR, .in = last(m), .u.linear = {.OUT = OUT}}, name);
}
static wt_status simple(wt_model *m, wt__layer_kind kind) {
  return push(m, (wt__layer){.kind = kind, .in = last(m)}, NULL);
}

/* ---------------------------------------------------------------- named models */

static wt_status build_student(wt_model *m, int64_t K) {
  if (m->H % 2 || m->W % 2)
    return WT_FAIL(m->ctx, WT_ERR_SHAPE, "H and W must be even (the 2x2 max-pool), got %lldx%lld",
                   (long long)m->H, (long long)m->W);
  WT_TRY(conv(m, "conv1", WT__INPUT, 32, 3, 1, 1, true, WT__INIT_TORCH));
  WT_TRY(simple(m, WT__RELU));
  WT_TRY(conv(m, "conv2", last(m), 64, 3, 1, 1, true, WT__INIT_TORCH));
  WT_TRY(simple(m, WT__RELU));
  WT_TRY(push(m, (wt__layer){.kind = WT__MAXPOOL2D, .in = last(m),
                             .u.maxpool2d = {.KH = 2, .KW = 2, .stride_h = 2, .stride_w = 2}}, NULL));
  WT_TRY(simple(m, WT__FLATTEN));
  WT_TRY(linear(m, "fc1", 128));
  WT_TRY(simple(m, WT__RELU));
  return linear(m, "fc2", K);
}

/* torchvision's BasicBlock: conv3x3(stride) bn relu conv3x3 bn (+ downsample: conv1x1(stride)
   bn) add relu, with torchvision's module names under prefix ("layer2.0"). */
static wt_status basic_block(wt_model *m, const char *prefix, int64_t planes, int64_t stride,
                             bool zero_gamma) {
  char nm[WT__NAME_LEN];
  const int in = last(m);
  const int64_t inplanes = in == WT__INPUT ? m->C : m->layers[in].out_c;
#define NAME(s) (snprintf(nm, sizeof nm, "%s.%s", prefix, s), nm)
  WT_TRY(conv(m, NAME("conv1"), in, planes, 3, stride, 1, false, WT__INIT_KAIMING_OUT));
  WT_TRY(bn(m, NAME("bn1"), WT__INIT_TORCH));
  WT_TRY(simple(m, WT__RELU));
  WT_TRY(conv(m, NAME("conv2"), last(m), planes, 3, 1, 1, false, WT__INIT_KAIMING_OUT));
  WT_TRY(bn(m, NAME("bn2"), zero_gamma ? WT__INIT_ZERO_GAMMA : WT__INIT_TORCH));
  const int main_out = last(m);
  int shortcut = in;
  if (stride != 1 || inplanes != planes) {
    WT_TRY(conv(m, NAME("downsample.0"), in, planes, 1, stride, 0, false, WT__INIT_KAIMING_OUT));
    WT_TRY(bn(m, NAME("downsample.1"), WT__INIT_TORCH));
    shortcut = last(m);
  }
#undef NAME
  WT_TRY(push(m, (wt__layer){.kind = WT__ADD, .in = main_out, .in2 = shortcut}, NULL));
  return simple(m, WT__RELU);
}

static wt_status build_resnet(wt_model *m, int64_t K, int64_t width, const int *blocks,
                              int stages, bool zero_gamma) {
  WT_TRY(conv(m, "conv1", WT__INPUT, width, 3, 1, 1, false, WT__INIT_KAIMING_OUT));
  WT_TRY(bn(m, "bn1", WT__INIT_TORCH));
  WT_TRY(simple(m, WT__RELU));
  for (int s = 0; s < stages; s++)
    for (int b = 0; b < blocks[s]; b++) {
      char prefix[32];
      snprintf(prefix, sizeof prefix, "layer%d.%d", s + 1, b);
      WT_TRY(basic_block(m, prefix, width << s, s > 0 && b == 0 ? 2 : 1, zero_gamma));
    }
  WT_TRY(simple(m, WT__GLOBAL_AVGPOOL));
  WT_TRY(simple(m, WT__FLATTEN));
  return linear(m, "fc", K);
}

typedef enum named { NAMED_STUDENT, NAMED_RESNET, NAMED_RESNET18 } named;

static wt_status create_named(wt_ctx *ctx, named which, int depth, int64_t C, int64_t H, int64_t W,
                              int64_t K, bool zero_gamma, wt_model **out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  if (K < 2 || K > 100000)
    return WT_FAIL(ctx, WT_ERR_ARG, "num_classes must be in [2, 100000], got %lld", (long long)K);
  int blocks[4] = {2, 2, 2, 2};
  if (which == NAMED_RESNET) {
    if (depth < 8 || depth > 56 || (depth - 2) % 6)
      return WT_FAIL(ctx, WT_ERR_ARG, "depth must be 6n + 2 in [8, 56] (8, 14, 20, 32, 44, 56), got %d",
                     depth);
    blocks[0] = blocks[1] = blocks[2] = (depth - 2) / 6;
  }
  wt_model *m = NULL;
  WT_TRY(wt__model_begin(ctx, C, H, W, &m));
  wt_status st;
  char spec[256];
  int n = 0;
  switch (which) {
    case NAMED_STUDENT:
      st = build_student(m, K);
      n = snprintf(spec, sizeof spec, "{\"model\":\"student_cnn\",\"input\":[%lld,%lld,%lld],\"classes\":%lld}",
                   (long long)C, (long long)H, (long long)W, (long long)K);
      break;
    case NAMED_RESNET:
      st = build_resnet(m, K, 16, blocks, 3, zero_gamma);
      n = snprintf(spec, sizeof spec,
                   "{\"model\":\"resnet\",\"depth\":%d,\"input\":[%lld,%lld,%lld],\"classes\":%lld,"
                   "\"zero_init_residual\":%s}",
                   depth, (long long)C, (long long)H, (long long)W, (long long)K, zero_gamma ? "true" : "false");
      break;
    default:
      st = build_resnet(m, K, 64, blocks, 4, zero_gamma);
      n = snprintf(spec, sizeof spec,
                   "{\"model\":\"resnet18\",\"input\":[%lld,%lld,%lld],\"classes\":%lld,"
                   "\"zero_init_residual\":%s}",
                   (long long)C, (long long)H, (long long)W, (long long)K, zero_gamma ? "true" : "false");
      break;
  }
  if (st == WT_OK) st = wt__model_finish(m, K);
  if (st == WT_OK) st = set_spec(m, spec, (size_t)n);
  if (st != WT_OK) {
    wt_model_destroy(m);
    return st;
  }
  *out = m;
  return WT_OK;
}

wt_status wt_model_create_student_cnn(wt_ctx *ctx, int64_t C, int64_t H, int64_t W,
                                      int64_t num_classes, wt_model **out) {
  return create_named(ctx, NAMED_STUDENT, 0, C, H, W, num_classes, false, out);
}
wt_status wt_model_create_resnet(wt_ctx *ctx, int depth, int64_t C, int64_t H, int64_t W,
                                 int64_t num_classes, int zero_init_residual, wt_model **out) {
  return create_named(ctx, NAMED_RESNET, depth, C, H, W, num_classes, zero_init_residual != 0, out);
}
wt_status wt_model_create_resnet18(wt_ctx *ctx, int64_t C, int64_t H, int64_t W,
                                   int64_t num_classes, int zero_init_residual, wt_model **out) {
  return create_named(ctx, NAMED_RESNET18, 18, C, H, W, num_classes, zero_init_residual != 0, out);
}

const char *wt_model_spec(const wt_model *m) { return m && m->spec ? m->spec : ""; }

/* ---------------------------------------------------------------- the JSON spec */

#define WT__MAX_SPEC_BYTES ((size_t)1 << 20)

struct wt__spec {
  wt_ctx *ctx;
  const wt__json *j;
  char ids[WT__MAX_LAYERS][WT__NAME_LEN];
  int li;        /* index of the layer being parsed (for messages) */
  int64_t obj;   /* its object's token */
  const char *type;
};

wt_status wt__spec_int(wt__spec *s, const char *key, int64_t def, int64_t lo, int64_t hi,
                       bool required, int64_t *out) {
  const int64_t t = wt__json_get(s->j, s->obj, key);
  if (t < 0) {
    if (required)
      return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d] needs \"%s\"", s->li, key);
    *out = def;
    return WT_OK;
  }
  if (!wt__json_int(s->j, t, lo, hi, out))
    return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d].%s must be an integer in [%lld, %lld]",
                   s->li, key, (long long)lo, (long long)hi);
  return WT_OK;
}
wt_status wt__spec_num(wt__spec *s, const char *key, double def, double *out) {
  const int64_t t = wt__json_get(s->j, s->obj, key);
  if (t < 0) {
    *out = def;
    return WT_OK;
  }
  if (!wt__json_num(s->j, t, out))
    return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d].%s must be a number", s->li, key);
  return WT_OK;
}
wt_status wt__spec_bool(wt__spec *s, const char *key, bool def, bool *out) {
  const int64_t t = wt__json_get(s->j, s->obj, key);
  if (t < 0) {
    *out = def;
    return WT_OK;
  }
  if (!wt__json_bool(s->j, t, out))
    return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d].%s must be true or false", s->li, key);
  return WT_OK;
}
wt_status wt__spec_choice(wt__spec *s, const char *key, const char *const *choices, int *out) {
  const int64_t t = wt__json_get(s->j, s->obj, key);
  *out = 0;
  if (t < 0) return WT_OK;
  for (int i = 0; choices[i]; i++)
    if (wt__json_eq(s->j, t, choices[i])) {
      *out = i;
      return WT_OK;
    }
  char list[128] = "";
  size_t pos = 0;
  for (int i = 0; choices[i] && pos < sizeof list; i++)
    pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s\"%s\"",
                            i == 0 ? "" : choices[i + 1] ? ", " : " or ", choices[i]);
  return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d].%s must be %s", s->li, key, list);
}

/* A layer reference: "@input" or the id of an earlier layer. */
static wt_status get_ref(wt__spec *s, int64_t t, int *out) {
  char id[WT__NAME_LEN];
  if (!wt__json_str(s->j, t, id, sizeof id, NULL))
    return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d]: a layer reference must be a string of < %d bytes",
                   s->li, WT__NAME_LEN);
  if (strcmp(id, "@input") == 0) {
    *out = WT__INPUT;
    return WT_OK;
  }
  for (int i = s->li - 1; i >= 0; i--)
    if (strcmp(s->ids[i], id) == 0) {
      *out = i;
      return WT_OK;
    }
  return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d] reads \"%s\", which is no earlier layer's id",
                 s->li, id);
}

wt_status wt__spec_refs2(wt__spec *s, const char *key, int *a, int *b) {
  const wt__json *j = s->j;
  const int64_t t = wt__json_get(j, s->obj, key);
  if (t < 0 || j->tok[t].type != WT__JSON_ARRAY || j->tok[t].count != 2)
    return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d] (%s) needs \"%s\": [a, b]", s->li,
                   s->type, key);
  WT_TRY(get_ref(s, wt__json_child(j, t, 0), a));
  return get_ref(s, wt__json_child(j, t, 1), b);
}

static bool name_ok(const char *n) {
  if (!*n) return false;
  for (; *n; n++)
    if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
          *n == '_' || *n == '.'))
      return false;
  return true;
}

static const char *const common_keys[] = {"type", "name", "id", "input", NULL};

/* Rejects keys outside common_keys and allowed (NULL-terminated). */
static wt_status check_keys(wt__spec *s, const char *const *allowed) {
  for (int64_t i = 0; i < s->j->tok[s->obj].count; i++) {
    const int64_t k = wt__json_key(s->j, s->obj, i);
    bool ok = false;
    for (int a = 0; common_keys[a] && !ok; a++) ok = wt__json_eq(s->j, k, common_keys[a]);
    for (int a = 0; allowed[a] && !ok; a++) ok = wt__json_eq(s->j, k, allowed[a]);
    if (!ok) {
      char key[64] = "?";
      wt__json_str(s->j, k, key, sizeof key, NULL);
      return WT_FAIL(s->ctx, WT_ERR_ARG, "spec: layers[%d] has an unknown key \"%s\"", s->li, key);
    }
  }
  return WT_OK;
}

static wt_status parse_layer(wt__spec *s, wt_model *m, int64_t obj) {
  wt_ctx *ctx = s->ctx;
  const wt__json *j = s->j;
  const int li = s->li;
  if (j->tok[obj].type != WT__JSON_OBJECT)
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: layers[%d] must be an object", li);
  char type[32];
  if (!wt__json_str(j, wt__json_get(j, obj, "type"), type, sizeof type, NULL))
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: layers[%d] needs a \"type\" string", li);
  wt__layer l = {.in = li - 1};
  /* name (state_dict prefix) and id (for references) */
  const int64_t tn = wt__json_get(j, obj, "name");
  if (tn >= 0) {
    if (!wt__json_str(j, tn, l.name, sizeof l.name, NULL) || !name_ok(l.name))
      return WT_FAIL(ctx, WT_ERR_ARG, "spec: layers[%d].name must be 1..%d characters of [A-Za-z0-9_.]",
                     li, WT__NAME_LEN - 1);
  } else {
    snprintf(l.name, sizeof l.name, "%d", li);
  }
  const int64_t tid = wt__json_get(j, obj, "id");
  if (tid >= 0) {
    if (!wt__json_str(j, tid, s->ids[li], sizeof s->ids[li], NULL) || !s->ids[li][0] ||
        s->ids[li][0] == '@')
      return WT_FAIL(ctx, WT_ERR_ARG, "spec: layers[%d].id must be a non-empty string of < %d bytes, not starting with '@'",
                     li, WT__NAME_LEN);
  } else {
    memcpy(s->ids[li], l.name, sizeof l.name);
  }
  const int64_t tin = wt__json_get(j, obj, "input");
  if (tin >= 0) WT_TRY(get_ref(s, tin, &l.in));
  int kind = 0;
  while (kind < WT__KIND_COUNT && strcmp(wt__layer_types[kind]->name, type) != 0) kind++;
  if (kind == WT__KIND_COUNT)
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: layers[%d] has an unknown type \"%s\"", li, type);
  const wt__layer_type *t = wt__layer_types[kind];
  l.kind = (wt__layer_kind)kind;
  s->obj = obj, s->type = t->name;
  WT_TRY(check_keys(s, t->keys));
  if (t->parse) WT_TRY(t->parse(s, &l));
  /* only layers with state_dict entries are named by default (their index, as nn.Sequential) */
  if (!t->state && tn < 0) l.name[0] = '\0';
  /* state_dict names must be unique */
  if (l.name[0])
    for (int i = 0; i < m->n_layers; i++)
      if (strcmp(m->layers[i].name, l.name) == 0)
        return WT_FAIL(ctx, WT_ERR_ARG, "spec: layers[%d].name \"%s\" is already used by layers[%d]",
                       li, l.name, i);
  return wt__model_push(m, &l);
}

/* input: [C, H, W]; classes: K. */
static wt_status parse_shape(wt_ctx *ctx, const wt__json *j, int64_t root, int64_t chw[3], int64_t *K) {
  const int64_t ti = wt__json_get(j, root, "input");
  if (ti < 0 || j->tok[ti].type != WT__JSON_ARRAY || j->tok[ti].count != 3)
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: \"input\" must be [C, H, W]");
  for (int i = 0; i < 3; i++)
    if (!wt__json_int(j, wt__json_child(j, ti, i), 1, WT_MAX_DIM, &chw[i]))
      return WT_FAIL(ctx, WT_ERR_ARG, "spec: input[%d] must be an integer in [1, %lld]", i,
                     (long long)WT_MAX_DIM);
  if (!wt__json_int(j, wt__json_get(j, root, "classes"), 2, 100000, K))
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: \"classes\" must be an integer in [2, 100000]");
  return WT_OK;
}

static wt_status from_json(wt_ctx *ctx, const wt__json *j, wt_model **out) {
  if (j->tok[0].type != WT__JSON_OBJECT) return WT_FAIL(ctx, WT_ERR_ARG, "spec: must be a JSON object");
  int64_t chw[3], K;
  WT_TRY(parse_shape(ctx, j, 0, chw, &K));
  const int64_t tm = wt__json_get(j, 0, "model");
  if (tm >= 0) {
    bool zero = false;
    const int64_t tz = wt__json_get(j, 0, "zero_init_residual");
    if (tz >= 0 && !wt__json_bool(j, tz, &zero))
      return WT_FAIL(ctx, WT_ERR_ARG, "spec: \"zero_init_residual\" must be true or false");
    for (int64_t i = 0; i < j->tok[0].count; i++) {
      const int64_t k = wt__json_key(j, 0, i);
      if (!wt__json_eq(j, k, "model") && !wt__json_eq(j, k, "input") && !wt__json_eq(j, k, "classes") &&
          !wt__json_eq(j, k, "depth") && !wt__json_eq(j, k, "zero_init_residual"))
        return WT_FAIL(ctx, WT_ERR_ARG, "spec: unknown key %lld of a named model", (long long)i);
    }
    if (wt__json_eq(j, tm, "student_cnn"))
      return wt_model_create_student_cnn(ctx, chw[0], chw[1], chw[2], K, out);
    if (wt__json_eq(j, tm, "resnet18"))
      return wt_model_create_resnet18(ctx, chw[0], chw[1], chw[2], K, zero, out);
    if (wt__json_eq(j, tm, "resnet")) {
      int64_t depth;
      if (!wt__json_int(j, wt__json_get(j, 0, "depth"), 8, 56, &depth))
        return WT_FAIL(ctx, WT_ERR_ARG, "spec: a resnet needs \"depth\": 6n + 2 in [8, 56]");
      return wt_model_create_resnet(ctx, (int)depth, chw[0], chw[1], chw[2], K, zero, out);
    }
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: unknown model (\"student_cnn\", \"resnet\", \"resnet18\")");
  }
  const int64_t tl = wt__json_get(j, 0, "layers");
  if (tl < 0 || j->tok[tl].type != WT__JSON_ARRAY || j->tok[tl].count < 1)
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: needs \"model\" or a non-empty \"layers\" array");
  if (j->tok[tl].count > WT__MAX_LAYERS)
    return WT_FAIL(ctx, WT_ERR_ARG, "spec: %lld layers, at most %d", (long long)j->tok[tl].count,
                   WT__MAX_LAYERS);
  wt__spec *s = wt__calloc(ctx, sizeof *s);
  if (!s) return WT_FAIL(ctx, WT_ERR_OOM, "out of memory parsing the spec");
  s->ctx = ctx, s->j = j;
  wt_model *m = NULL;
  wt_status st = wt__model_begin(ctx, chw[0], chw[1], chw[2], &m);
  int64_t t = tl + 1;
  for (int i = 0; st == WT_OK && i < j->tok[tl].count; i++) {
    s->li = i;
    st = parse_layer(s, m, t);
    t = j->tok[t].next;
  }
  wt__free(ctx, s);
  if (st == WT_OK) st = wt__model_finish(m, K);
  if (st == WT_OK) st = set_spec(m, j->text, j->len);
  if (st != WT_OK) {
    wt_model_destroy(m);
    return st;
  }
  *out = m;
  return WT_OK;
}

wt_status wt_model_create_from_spec(wt_ctx *ctx, const char *spec, size_t len, wt_model **out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  if (!spec) return WT_FAIL(ctx, WT_ERR_ARG, "spec is NULL");
  if (len > WT__MAX_SPEC_BYTES)
    return WT_FAIL(ctx, WT_ERR_ARG, "spec is %zu bytes, at most %zu", len, WT__MAX_SPEC_BYTES);
  wt__json j;
  WT_TRY(wt__json_parse(ctx, "spec", spec, len, &j));
  const wt_status st = from_json(ctx, &j, out);
  wt__json_free(ctx, &j);
  return st;
}

/* ---------------------------------------------------------------- summary */

static void put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void put(char *buf, size_t cap, size_t *pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(*pos < cap ? buf + *pos : NULL, *pos < cap ? cap - *pos : 0, fmt, ap);
  va_end(ap);
  if (n > 0) *pos += (size_t)n;
}

wt_status wt_model_summary(wt_model *m, char *buf, size_t cap, size_t *len) {
  if (!m) return WT_ERR_ARG;
  if (!buf && cap) return WT_FAIL(m->ctx, WT_ERR_ARG, "buf is NULL with cap %zu", cap);
  size_t pos = 0;
  if (cap) buf[0] = '\0';
  put(buf, cap, &pos, "%-4s %-28s %-12s %-18s %12s\n", "#", "Layer", "Type", "Output shape", "Param #");
  put(buf, cap, &pos, "%.78s\n", "==============================================================================");
  put(buf, cap, &pos, "%-4s %-28s %-12s [%lld, %lld, %lld]\n", "", "input", "",
      (long long)m->C, (long long)m->H, (long long)m->W);
  for (int i = 0; i < m->n_layers; i++) {
    const wt__layer *l = &m->layers[i];
    char shape[48];
    if (l->flat) snprintf(shape, sizeof shape, "[%lld]", (long long)l->out_c);
    else snprintf(shape, sizeof shape, "[%lld, %lld, %lld]", (long long)l->out_c, (long long)l->out_h, (long long)l->out_w);
    put(buf, cap, &pos, "%-4d %-28s %-12s %-18s %12zu\n", i, l->name[0] ? l->name : "-", wt__type_of(l)->name, shape,
        l->param_floats);
  }
  put(buf, cap, &pos, "%.78s\n", "==============================================================================");
  put(buf, cap, &pos, "Total params: %zu\nTrainable params: %zu\nNon-trainable (BatchNorm buffers): %zu\n",
      m->n_params, m->n_params, m->n_buffers);
  put(buf, cap, &pos, "Input: [%lld, %lld, %lld], classes: %lld, mode: %s\n", (long long)m->C,
      (long long)m->H, (long long)m->W, (long long)m->K, m->training ? "train" : "eval");
  if (len) *len = pos;
  return WT_OK;
}
