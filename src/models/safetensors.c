/* safetensors.c - model weights in the safetensors format (github.com/huggingface/safetensors):
   8 bytes little-endian u64 N, N bytes of JSON header (padded with spaces to a multiple of 8),
   then the tensors' raw little-endian bytes. Names, shapes and order are those of the PyTorch
   state_dict of the equivalent module, and __metadata__ carries the model's spec so a file
   rebuilds its model alone. The reader treats the file as hostile: every length, offset, shape
   and dtype is checked before any weight is written.
   What it is not: a general safetensors library (only F32 / I64 tensors are ever matched). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c copies tensors as host floats: a little-endian host is assumed"
#endif

#define WT__ST_MAX_HEADER ((uint64_t)100 << 20) /* the reference implementation's limit */
#define WT__ST_MAX_TENSORS 10000
#define WT__ST_MAX_NAME 96

/* One state_dict entry of a model. */
typedef struct st_tensor {
  char name[WT__ST_MAX_NAME];
  bool i64;          /* I64 (num_batches_tracked) instead of F32 */
  int ndim;
  int64_t shape[4];
  void *data;
  size_t bytes;
} st_tensor;

static void tensor(st_tensor *t, const char *prefix, const char *suffix, bool i64, int ndim,
                   const int64_t *shape, void *data) {
  snprintf(t->name, sizeof t->name, "%s.%s", prefix, suffix);
  t->i64 = i64, t->ndim = ndim, t->data = data;
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i], n *= shape[i];
  t->bytes = (size_t)n * (i64 ? 8 : 4);
}

/* The model's state_dict in order; out may be NULL (count only). */
static int model_tensors(wt_model *m, st_tensor *out) {
  int n = 0;
  st_tensor scratch;
  for (int i = 0; i < m->n_layers; i++) {
    wt__layer *l = &m->layers[i];
    const wt__layer_type *t = wt__type_of(l);
    wt__state_tensor st[WT__MAX_STATE];
    const int k = t->state ? t->state(l, st) : 0;
    for (int e = 0; e < k; e++)
      tensor(out ? &out[n++] : (n++, &scratch), l->name, st[e].suffix, st[e].i64, st[e].ndim,
             st[e].shape, st[e].data);
  }
  return n;
}

static wt_status alloc_tensors(wt_model *m, st_tensor **out, int *n) {
  *n = model_tensors(m, NULL);
  *out = wt__alloc(m->ctx, (size_t)(*n ? *n : 1) * sizeof(st_tensor));
  if (!*out) return WT_FAIL(m->ctx, WT_ERR_OOM, "out of memory listing %d tensors", *n);
  model_tensors(m, *out);
  return WT_OK;
}

static void put_raw(char *buf, size_t cap, size_t *pos, const char *s) {
  const size_t n = strlen(s);
  if (*pos + n < cap) memcpy(buf + *pos, s, n + 1);
  *pos += n;
}

/* The header JSON (unpadded) into buf (cap bytes); returns its length. */
static size_t write_header(wt_model *m, const st_tensor *t, int n, char *buf, size_t cap) {
  size_t pos = 0, off = 0;
  char num[160];
  put_raw(buf, cap, &pos, "{\"__metadata__\":{\"format\":\"pt\",\"spec\":");
  const char *spec = wt_model_spec(m);
  wt__json_put_str(buf, cap, &pos, spec, strlen(spec));
  put_raw(buf, cap, &pos, "}");
  for (int i = 0; i < n; i++) {
    put_raw(buf, cap, &pos, ",");
    wt__json_put_str(buf, cap, &pos, t[i].name, strlen(t[i].name));
    put_raw(buf, cap, &pos, t[i].i64 ? ":{\"dtype\":\"I64\",\"shape\":[" : ":{\"dtype\":\"F32\",\"shape\":[");
    for (int d = 0; d < t[i].ndim; d++) {
      snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)t[i].shape[d]);
      put_raw(buf, cap, &pos, num);
    }
    snprintf(num, sizeof num, "],\"data_offsets\":[%zu,%zu]}", off, off + t[i].bytes);
    put_raw(buf, cap, &pos, num);
    off += t[i].bytes;
  }
  put_raw(buf, cap, &pos, "}");
  return pos;
}

wt_status wt_model_save_safetensors(wt_model *m, uint8_t *out, size_t cap, size_t *size) {
  if (!m) return WT_ERR_ARG;
  wt_ctx *ctx = m->ctx;
  if (!size) return WT_FAIL(ctx, WT_ERR_ARG, "size is NULL");
  st_tensor *t;
  int n;
  WT_TRY(alloc_tensors(m, &t, &n));
  const size_t hlen = write_header(m, t, n, NULL, 0);
  const size_t padded = (hlen + 7) / 8 * 8;
  size_t data = 0;
  for (int i = 0; i < n; i++) data += t[i].bytes;
  *size = 8 + padded + data;
  wt_status st = WT_OK;
  if (out) {
    if (cap < *size) {
      st = WT_FAIL(ctx, WT_ERR_ARG, "cap = %zu bytes is less than the file's %zu", cap, *size);
    } else {
      for (int b = 0; b < 8; b++) out[b] = (uint8_t)((uint64_t)padded >> (8 * b));
      char *h = (char *)out + 8;
      write_header(m, t, n, h, hlen + 1); /* writes hlen bytes and a NUL, overwritten below */
      memset(h + hlen, ' ', padded - hlen);
      uint8_t *p = out + 8 + padded;
      for (int i = 0; i < n; i++) memcpy(p, t[i].data, t[i].bytes), p += t[i].bytes;
    }
  }
  wt__free(ctx, t);
  return st;
}

wt_status wt_model_tensor_list(wt_model *m, char *buf, size_t cap, size_t *len) {
  if (!m) return WT_ERR_ARG;
  if (!len) return WT_FAIL(m->ctx, WT_ERR_ARG, "len is NULL");
  if (cap > 0 && !buf) return WT_FAIL(m->ctx, WT_ERR_ARG, "buf is NULL with cap = %zu", cap);
  st_tensor *t;
  int n;
  WT_TRY(alloc_tensors(m, &t, &n));
  size_t pos = 0;
  char num[160];
  if (cap > 0) buf[0] = '\0';
  put_raw(buf, cap, &pos, "[");
  for (int i = 0; i < n; i++) {
    put_raw(buf, cap, &pos, i ? ",{\"name\":" : "{\"name\":");
    wt__json_put_str(buf, cap, &pos, t[i].name, strlen(t[i].name));
    put_raw(buf, cap, &pos, ",\"shape\":[");
    for (int d = 0; d < t[i].ndim; d++) {
      snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)t[i].shape[d]);
      put_raw(buf, cap, &pos, num);
    }
    const float *f = t[i].data;
    if (t[i].i64)
      snprintf(num, sizeof num, "],\"block\":\"counter\"}");
    else if (f >= m->params && f < m->params + m->n_params)
      snprintf(num, sizeof num, "],\"block\":\"params\",\"offset\":%zu}", (size_t)(f - m->params));
    else
      snprintf(num, sizeof num, "],\"block\":\"buffers\",\"offset\":%zu}", (size_t)(f - m->buffers));
    put_raw(buf, cap, &pos, num);
  }
  put_raw(buf, cap, &pos, "]");
  wt__free(m->ctx, t);
  *len = pos;
  return WT_OK;
}

/* ---------------------------------------------------------------- reading */

typedef struct st_entry {
  int64_t key;   /* token of the name */
  int dtype;     /* index in dtypes[] */
  int ndim;
  int64_t shape[8];
  uint64_t begin, end;
} st_entry;

static const struct { const char *name; int size; } dtypes[] = {
    {"F32", 4}, {"I64", 8}, {"F64", 8}, {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"I16", 2},
    {"I8", 1},  {"U8", 1},  {"BOOL", 1}, {"U16", 2}, {"U32", 4}, {"U64", 8}, {"F8_E4M3", 1},
    {"F8_E5M2", 1}};
#define N_DTYPES ((int)(sizeof dtypes / sizeof dtypes[0]))

static int cmp_begin(const void *a, const void *b) {
  const st_entry *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

typedef struct st_file {
  wt__json j;
  st_entry *e;
  int64_t n;
  int64_t meta; /* token of __metadata__'s object, or -1 */
  const uint8_t *data;
  uint64_t data_len;
} st_file;

static void file_free(wt_ctx *ctx, st_file *f) {
  wt__json_free(ctx, &f->j);
  wt__free(ctx, f->e);
}

/* The name of entry token k for messages (truncated, escapes raw). */
static const char *key_text(const wt__json *j, int64_t k, char *buf, size_t cap) {
  if (!wt__json_str(j, k, buf, cap, NULL)) snprintf(buf, cap, "(an unreadable name)");
  return buf;
}

static wt_status parse_entry(wt_ctx *ctx, const wt__json *j, int64_t k, uint64_t data_len, st_entry *e) {
  char nm[WT__ST_MAX_NAME];
  const char *name = key_text(j, k, nm, sizeof nm);
  const int64_t v = k + 1;
  if (j->tok[v].type != WT__JSON_OBJECT)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': its entry is not an object", name);
  for (int64_t i = 0; i < j->tok[v].count; i++) {
    const int64_t kk = wt__json_key(j, v, i);
    if (!wt__json_eq(j, kk, "dtype") && !wt__json_eq(j, kk, "shape") && !wt__json_eq(j, kk, "data_offsets"))
      return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': unknown field %lld in its entry", name, (long long)i);
  }
  const int64_t td = wt__json_get(j, v, "dtype"), ts = wt__json_get(j, v, "shape"),
                to = wt__json_get(j, v, "data_offsets");
  if (td < 0 || ts < 0 || to < 0)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': needs dtype, shape and data_offsets", name);
  e->key = k, e->dtype = -1;
  for (int d = 0; d < N_DTYPES; d++)
    if (wt__json_eq(j, td, dtypes[d].name)) e->dtype = d;
  if (e->dtype < 0) return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': unknown dtype", name);
  if (j->tok[ts].type != WT__JSON_ARRAY || j->tok[ts].count > 8)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': shape must be an array of at most 8 extents", name);
  e->ndim = (int)j->tok[ts].count;
  uint64_t elems = 1;
  for (int d = 0; d < e->ndim; d++) {
    if (!wt__json_int(j, wt__json_child(j, ts, d), 0, WT_MAX_ELEMS, &e->shape[d]))
      return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': shape[%d] must be an integer in [0, %lld]", name,
                     d, (long long)WT_MAX_ELEMS);
    elems *= (uint64_t)e->shape[d];
    if (elems > (uint64_t)WT_MAX_ELEMS)
      return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': more than %lld elements", name,
                     (long long)WT_MAX_ELEMS);
  }
  int64_t b, en;
  if (j->tok[to].type != WT__JSON_ARRAY || j->tok[to].count != 2 ||
      !wt__json_int(j, wt__json_child(j, to, 0), 0, INT64_MAX, &b) ||
      !wt__json_int(j, wt__json_child(j, to, 1), 0, INT64_MAX, &en))
    return WT_FAIL(ctx, WT_ERR_FORMAT, "tensor '%s': data_offsets must be [begin, end], integers >= 0", name);
  if (b > en || (uint64_t)en > data_len)
    return WT_FAIL(ctx, WT_ERR_FORMAT,
                   "tensor '%s': data_offsets [%lld, %lld] lie outside the %llu data bytes", name,
                   (long long)b, (long long)en, (unsigned long long)data_len);
  if ((uint64_t)(en - b) != elems * (uint64_t)dtypes[e->dtype].size)
    return WT_FAIL(ctx, WT_ERR_FORMAT,
                   "tensor '%s': %lld bytes in data_offsets, but %s of %llu elements needs %llu", name,
                   (long long)(en - b), dtypes[e->dtype].name, (unsigned long long)elems,
                   (unsigned long long)(elems * (uint64_t)dtypes[e->dtype].size));
  e->begin = (uint64_t)b, e->end = (uint64_t)en;
  return WT_OK;
}

/* Parses and validates the whole file. */
static wt_status file_open(wt_ctx *ctx, const uint8_t *bytes, size_t len, st_file *f) {
  *f = (st_file){.meta = -1};
  if (!bytes) return WT_FAIL(ctx, WT_ERR_ARG, "bytes is NULL");
  if (len < 8)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "truncated: %zu bytes, a safetensors file starts with an 8-byte header length", len);
  uint64_t hlen = 0;
  for (int b = 0; b < 8; b++) hlen |= (uint64_t)bytes[b] << (8 * b);
  if (hlen > WT__ST_MAX_HEADER)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "header length %llu exceeds the limit of %llu bytes",
                   (unsigned long long)hlen, (unsigned long long)WT__ST_MAX_HEADER);
  if (hlen > (uint64_t)(len - 8))
    return WT_FAIL(ctx, WT_ERR_FORMAT, "truncated: the header says %llu bytes, the file has %zu after the length",
                   (unsigned long long)hlen, len - 8);
  if (hlen < 2 || bytes[8] != '{')
    return WT_FAIL(ctx, WT_ERR_FORMAT, "the header is not a JSON object");
  WT_TRY(wt__json_parse(ctx, "safetensors header", (const char *)bytes + 8, (size_t)hlen, &f->j));
  const wt__json *j = &f->j;
  f->data = bytes + 8 + hlen;
  f->data_len = (uint64_t)(len - 8) - hlen;
  wt_status st = WT_OK;
  const int64_t count = j->tok[0].count;
  if (count > WT__ST_MAX_TENSORS) {
    st = WT_FAIL(ctx, WT_ERR_FORMAT, "%lld entries, at most %d", (long long)count, WT__ST_MAX_TENSORS);
    goto fail;
  }
  f->e = wt__alloc(ctx, (size_t)(count ? count : 1) * sizeof(st_entry));
  if (!f->e) {
    st = WT_FAIL(ctx, WT_ERR_OOM, "out of memory for %lld entries", (long long)count);
    goto fail;
  }
  for (int64_t i = 0, k = 1; i < count; i++, k = j->tok[k + 1].next) {
    /* duplicate names: the format forbids them, and they would make matching ambiguous */
    for (int64_t p = 1; p < k; p = j->tok[p + 1].next)
      if (j->tok[k].end - j->tok[k].start == j->tok[p].end - j->tok[p].start &&
          memcmp(j->text + j->tok[k].start, j->text + j->tok[p].start,
                 j->tok[k].end - j->tok[k].start) == 0) {
        char nm[WT__ST_MAX_NAME];
        st = WT_FAIL(ctx, WT_ERR_FORMAT, "entry '%s' appears twice", key_text(j, k, nm, sizeof nm));
        goto fail;
      }
    if (wt__json_eq(j, k, "__metadata__")) {
      const int64_t v = k + 1;
      if (j->tok[v].type != WT__JSON_OBJECT) {
        st = WT_FAIL(ctx, WT_ERR_FORMAT, "__metadata__ must be an object of strings");
        goto fail;
      }
      for (int64_t q = 0; q < j->tok[v].count; q++)
        if (j->tok[wt__json_child(j, v, q)].type != WT__JSON_STRING) {
          st = WT_FAIL(ctx, WT_ERR_FORMAT, "__metadata__ values must be strings");
          goto fail;
        }
      f->meta = v;
      continue;
    }
    if ((st = parse_entry(ctx, j, k, f->data_len, &f->e[f->n])) != WT_OK) goto fail;
    f->n++;
  }
  /* Tensors may not overlap (the format also wants them contiguous; a gap is tolerated). */
  {
    st_entry *sorted = wt__alloc(ctx, (size_t)(f->n ? f->n : 1) * sizeof(st_entry));
    if (!sorted) {
      st = WT_FAIL(ctx, WT_ERR_OOM, "out of memory checking offsets");
      goto fail;
    }
    memcpy(sorted, f->e, (size_t)f->n * sizeof(st_entry));
    qsort(sorted, (size_t)f->n, sizeof(st_entry), cmp_begin);
    for (int64_t i = 1; i < f->n; i++)
      if (sorted[i].begin < sorted[i - 1].end) {
        char a[WT__ST_MAX_NAME], b[WT__ST_MAX_NAME];
        st = WT_FAIL(ctx, WT_ERR_FORMAT, "tensors '%s' and '%s' overlap in the data",
                     key_text(j, sorted[i - 1].key, a, sizeof a), key_text(j, sorted[i].key, b, sizeof b));
        break;
      }
    wt__free(ctx, sorted);
    if (st != WT_OK) goto fail;
  }
  return WT_OK;
fail:
  file_free(ctx, f);
  return st;
}

static void shape_text(const int64_t *shape, int ndim, char *buf, size_t cap) {
  size_t pos = 0;
  buf[0] = '\0';
  for (int d = 0; d < ndim && pos < cap; d++)
    pos += (size_t)snprintf(buf + pos, cap - pos, "%s%lld", d ? "," : "", (long long)shape[d]);
}

wt_status wt_model_load_safetensors(wt_model *m, const uint8_t *bytes, size_t len) {
  if (!m) return WT_ERR_ARG;
  wt_ctx *ctx = m->ctx;
  st_file f;
  WT_TRY(file_open(ctx, bytes, len, &f));
  st_tensor *t = NULL;
  int n = 0;
  wt_status st = alloc_tensors(m, &t, &n);
  int64_t *match = NULL;
  if (st == WT_OK && !(match = wt__alloc(ctx, (size_t)(n ? n : 1) * sizeof(int64_t))))
    st = WT_FAIL(ctx, WT_ERR_OOM, "out of memory matching tensors");
  /* Match every model tensor to an entry, checking dtype and shape; then no entry may be left. */
  for (int i = 0; st == WT_OK && i < n; i++) {
    match[i] = -1;
    for (int64_t e = 0; e < f.n; e++)
      if (wt__json_eq(&f.j, f.e[e].key, t[i].name)) match[i] = e;
    if (match[i] < 0) {
      st = WT_FAIL(ctx, WT_ERR_SHAPE, "the file has no tensor '%s'", t[i].name);
      break;
    }
    const st_entry *e = &f.e[match[i]];
    const char *want = t[i].i64 ? "I64" : "F32";
    if (strcmp(dtypes[e->dtype].name, want) != 0) {
      st = WT_FAIL(ctx, WT_ERR_SHAPE, "tensor '%s' has dtype %s, the model needs %s", t[i].name,
                   dtypes[e->dtype].name, want);
      break;
    }
    bool same = e->ndim == t[i].ndim;
    for (int d = 0; same && d < e->ndim; d++) same = e->shape[d] == t[i].shape[d];
    if (!same) {
      char a[96], b[96];
      shape_text(e->shape, e->ndim, a, sizeof a);
      shape_text(t[i].shape, t[i].ndim, b, sizeof b);
      st = WT_FAIL(ctx, WT_ERR_SHAPE, "tensor '%s' has shape [%s], the model needs [%s]", t[i].name, a, b);
      break;
    }
    /* Weights must be finite: a NaN/Inf would make every output NaN. (The data may be
       unaligned: read each float through memcpy.) */
    for (size_t k = 0; !t[i].i64 && k < t[i].bytes / sizeof(float); k++) {
      float v;
      memcpy(&v, f.data + e->begin + k * sizeof(float), sizeof v);
      if (!(v - v == 0.0f)) {
        st = WT_FAIL(ctx, WT_ERR_NONFINITE, "tensor '%s' element %zu is %s", t[i].name, k,
                     v != v ? "NaN" : "Inf");
        break;
      }
    }
    if (st != WT_OK) break;
  }
  if (st == WT_OK && f.n != n) {
    for (int64_t e = 0; e < f.n; e++) {
      bool used = false;
      for (int i = 0; i < n && !used; i++) used = match[i] == e;
      if (!used) {
        char nm[WT__ST_MAX_NAME];
        st = WT_FAIL(ctx, WT_ERR_SHAPE, "the file has tensor '%s', which the model does not",
                     key_text(&f.j, f.e[e].key, nm, sizeof nm));
        break;
      }
    }
  }
  if (st == WT_OK)
    for (int i = 0; i < n; i++) {
      const st_entry *e = &f.e[match[i]];
      memcpy(t[i].data, f.data + e->begin, t[i].bytes);
    }
  wt__free(ctx, match);
  wt__free(ctx, t);
  file_free(ctx, &f);
  return st;
}

wt_status wt_model_create_from_safetensors(wt_ctx *ctx, const uint8_t *bytes, size_t len,
                                           wt_model **out) {
  if (!ctx) return WT_ERR_ARG;
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  *out = NULL;
  st_file f;
  WT_TRY(file_open(ctx, bytes, len, &f));
  wt_status st = WT_OK;
  const int64_t ts = f.meta >= 0 ? wt__json_get(&f.j, f.meta, "spec") : -1;
  char *spec = NULL;
  size_t slen = 0;
  if (ts < 0) {
    st = WT_FAIL(ctx, WT_ERR_FORMAT, "the file's __metadata__ has no \"spec\": load it into a model you build (wt_model_load_safetensors)");
  } else {
    const size_t cap = f.j.tok[ts].end - f.j.tok[ts].start + 1; /* decoding never grows */
    spec = wt__alloc(ctx, cap);
    if (!spec) st = WT_FAIL(ctx, WT_ERR_OOM, "out of memory for the spec");
    else if (!wt__json_str(&f.j, ts, spec, cap, &slen))
      st = WT_FAIL(ctx, WT_ERR_FORMAT, "__metadata__.spec does not decode (NUL character?)");
  }
  file_free(ctx, &f);
  wt_model *m = NULL;
  if (st == WT_OK) st = wt_model_create_from_spec(ctx, spec, slen, &m);
  wt__free(ctx, spec);
  if (st == WT_OK) st = wt_model_load_safetensors(m, bytes, len);
  if (st != WT_OK) {
    wt_model_destroy(m);
    return st;
  }
  *out = m;
  return WT_OK;
}
