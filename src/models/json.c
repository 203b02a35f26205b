/* json.c - the strict JSON reader of json.h: recursive descent with a depth limit, run twice
   (count the tokens, then fill an exact allocation), so memory is bounded by the input and no
   text is copied. Numbers follow the RFC grammar; strings must be valid escapes with no raw
   control characters. What it is not: a DOM, a writer (beyond string escaping) or lenient. */
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct parser {
  wt_ctx *ctx;
  const char *what;
  const char *s;
  size_t len, pos;
  wt__json_tok *tok; /* NULL in the counting pass */
  int64_t n;
} parser;

static wt_status fail_at(parser *p, const char *msg) {
  return wt__fail(p->ctx, WT_ERR_FORMAT, "wt__json_parse", "%s: %s at byte %zu", p->what, msg,
                  p->pos);
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    const char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool hex4(const char *s, size_t len, size_t at, unsigned *out) {
  if (at + 4 > len) return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    const int h = hexval(s[at + (size_t)i]);
    if (h < 0) return false;
    v = v * 16 + (unsigned)h;
  }
  *out = v;
  return true;
}

static int64_t new_tok(parser *p, wt__json_type type, size_t start) {
  const int64_t i = p->n++;
  if (p->tok) p->tok[i] = (wt__json_tok){.type = type, .start = start, .end = start};
  return i;
}

static wt_status parse_value(parser *p, int depth);

static wt_status parse_string(parser *p) {
  p->pos++; /* opening quote */
  const int64_t t = new_tok(p, WT__JSON_STRING, p->pos);
  while (p->pos < p->len) {
    const unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') {
      if (p->tok) p->tok[t].end = p->pos, p->tok[t].next = p->n;
      p->pos++;
      return WT_OK;
    }
    if (c < 0x20) return fail_at(p, "control character in a string");
    if (c == '\\') {
      if (p->pos + 1 >= p->len) break;
      const char e = p->s[p->pos + 1];
      if (e == 'u') {
        unsigned u;
        if (!hex4(p->s, p->len, p->pos + 2, &u)) return fail_at(p, "bad \\u escape");
        p->pos += 6;
        if (u >= 0xDC00 && u <= 0xDFFF) return fail_at(p, "lone low surrogate");
        if (u >= 0xD800 && u <= 0xDBFF) {
          unsigned lo;
          if (p->pos + 1 >= p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
              !hex4(p->s, p->len, p->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return fail_at(p, "unpaired high surrogate");
          p->pos += 6;
        }
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || e == '\0') return fail_at(p, "bad escape");
      p->pos += 2;
      continue;
    }
    p->pos++;
  }
  return fail_at(p, "unterminated string");
}

static wt_status parse_number(parser *p) {
  const size_t start = p->pos;
  const int64_t t = new_tok(p, WT__JSON_NUMBER, start);
  size_t i = p->pos;
  const char *s = p->s;
  if (i < p->len && s[i] == '-') i++;
  if (i >= p->len) return fail_at(p, "truncated number");
  if (s[i] == '0') {
    i++;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
  } else {
    return fail_at(p, "bad number");
  }
  if (i < p->len && s[i] == '.') {
    i++;
    if (i >= p->len || s[i] < '0' || s[i] > '9') return fail_at(p, "bad fraction");
    while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
  }
  if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= p->len || s[i] < '0' || s[i] > '9') return fail_at(p, "bad exponent");
    while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
  }
  p->pos = i;
  if (p->tok) p->tok[t].end = i, p->tok[t].next = p->n;
  return WT_OK;
}

static wt_status parse_literal(parser *p, const char *word, wt__json_type type) {
  const size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fail_at(p, "unexpected character");
  const int64_t t = new_tok(p, type, p->pos);
  p->pos += n;
  if (p->tok) p->tok[t].end = p->pos, p->tok[t].next = p->n;
  return WT_OK;
}

static wt_status parse_container(parser *p, int depth, bool object) {
  if (depth >= WT__JSON_MAX_DEPTH) return fail_at(p, "nesting too deep");
  const int64_t t = new_tok(p, object ? WT__JSON_OBJECT : WT__JSON_ARRAY, p->pos);
  const char close = object ? '}' : ']';
  p->pos++;
  int64_t count = 0;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
  } else {
    for (;;) {
      skip_ws(p);
      if (object) {
        if (p->pos >= p->len || p->s[p->pos] != '"') return fail_at(p, "expected a key string");
        WT_TRY(parse_string(p));
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') return fail_at(p, "expected ':'");
        p->pos++;
      }
      WT_TRY(parse_value(p, depth + 1));
      count++;
      skip_ws(p);
      if (p->pos >= p->len) return fail_at(p, "unterminated container");
      if (p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->s[p->pos] != close) return fail_at(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
      p->pos++;
      break;
    }
  }
  if (p->tok) p->tok[t].end = p->pos, p->tok[t].count = count, p->tok[t].next = p->n;
  return WT_OK;
}

static wt_status parse_value(parser *p, int depth) {
  skip_ws(p);
  if (p->pos >= p->len) return fail_at(p, "unexpected end of input");
  switch (p->s[p->pos]) {
    case '{': return parse_container(p, depth, true);
    case '[': return parse_container(p, depth, false);
    case '"': return parse_string(p);
    case 't': return parse_literal(p, "true", WT__JSON_BOOL);
    case 'f': return parse_literal(p, "false", WT__JSON_BOOL);
    case 'n': return parse_literal(p, "null", WT__JSON_NULL);
    default: return parse_number(p);
  }
}

static wt_status run(parser *p) {
  p->pos = 0, p->n = 0;
  WT_TRY(parse_value(p, 0));
  skip_ws(p);
  if (p->pos != p->len) return fail_at(p, "trailing characters after the value");
  return WT_OK;
}

wt_status wt__json_parse(wt_ctx *ctx, const char *what, const char *text, size_t len, wt__json *out) {
  *out = (wt__json){0};
  if (!text) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", what);
  parser p = {.ctx = ctx, .what = what, .s = text, .len = len};
  WT_TRY(run(&p));
  size_t bytes;
  if (!wt__mul_ok((size_t)p.n, sizeof(wt__json_tok), &bytes))
    return WT_FAIL(ctx, WT_ERR_OOM, "%s: too many values (%lld)", what, (long long)p.n);
  p.tok = wt__alloc(ctx, bytes);
  if (!p.tok) return WT_FAIL(ctx, WT_ERR_OOM, "%s: out of memory for %lld values", what, (long long)p.n);
  const wt_status st = run(&p);
  WT_ASSERT(st == WT_OK);
  (void)st;
  *out = (wt__json){.text = text, .len = len, .tok = p.tok, .n = p.n};
  return WT_OK;
}

void wt__json_free(wt_ctx *ctx, wt__json *j) {
  if (j) wt__free(ctx, j->tok), j->tok = NULL, j->n = 0;
}

int64_t wt__json_key(const wt__json *j, int64_t obj, int64_t i) {
  if (obj < 0 || obj >= j->n || j->tok[obj].type != WT__JSON_OBJECT || i < 0 || i >= j->tok[obj].count)
    return -1;
  int64_t t = obj + 1;
  for (int64_t k = 0; k < i; k++) t = j->tok[t + 1].next; /* skip key and its value */
  return t;
}

int64_t wt__json_child(const wt__json *j, int64_t c, int64_t i) {
  if (c < 0 || c >= j->n || i < 0 || i >= j->tok[c].count) return -1;
  if (j->tok[c].type == WT__JSON_OBJECT) return wt__json_key(j, c, i) + 1;
  if (j->tok[c].type != WT__JSON_ARRAY) return -1;
  int64_t t = c + 1;
  for (int64_t k = 0; k < i; k++) t = j->tok[t].next;
  return t;
}

bool wt__json_eq(const wt__json *j, int64_t t, const char *s) {
  if (t < 0 || t >= j->n || j->tok[t].type != WT__JSON_STRING) return false;
  const size_t n = strlen(s);
  return j->tok[t].end - j->tok[t].start == n && memcmp(j->text + j->tok[t].start, s, n) == 0;
}

int64_t wt__json_get(const wt__json *j, int64_t obj, const char *key) {
  if (obj < 0 || obj >= j->n || j->tok[obj].type != WT__JSON_OBJECT) return -1;
  int64_t t = obj + 1;
  for (int64_t k = 0; k < j->tok[obj].count; k++) {
    if (wt__json_eq(j, t, key)) return t + 1;
    t = j->tok[t + 1].next;
  }
  return -1;
}

bool wt__json_int(const wt__json *j, int64_t t, int64_t lo, int64_t hi, int64_t *out) {
  if (t < 0 || t >= j->n || j->tok[t].type != WT__JSON_NUMBER) return false;
  const char *s = j->text + j->tok[t].start;
  size_t n = j->tok[t].end - j->tok[t].start, i = 0;
  const bool neg = n > 0 && s[0] == '-';
  if (neg) i++;
  if (i >= n) return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false; /* fraction or exponent */
    const uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v > (uint64_t)INT64_MAX) return false;
  const int64_t r = neg ? -(int64_t)v : (int64_t)v;
  if (r < lo || r > hi) return false;
  *out = r;
  return true;
}

bool wt__json_num(const wt__json *j, int64_t t, double *out) {
  if (t < 0 || t >= j->n || j->tok[t].type != WT__JSON_NUMBER) return false;
  const size_t n = j->tok[t].end - j->tok[t].start;
  char buf[64];
  if (n >= sizeof buf) return false;
  memcpy(buf, j->text + j->tok[t].start, n);
  buf[n] = '\0';
  *out = strtod(buf, NULL);
  return true;
}

bool wt__json_bool(const wt__json *j, int64_t t, bool *out) {
  if (t < 0 || t >= j->n || j->tok[t].type != WT__JSON_BOOL) return false;
  *out = j->text[j->tok[t].start] == 't';
  return true;
}

static bool put_utf8(char *out, size_t cap, size_t *o, unsigned u) {
  unsigned char b[4];
  size_t n;
  if (u < 0x80) b[0] = (unsigned char)u, n = 1;
  else if (u < 0x800) b[0] = (unsigned char)(0xC0 | (u >> 6)), b[1] = (unsigned char)(0x80 | (u & 0x3F)), n = 2;
  else if (u < 0x10000)
    b[0] = (unsigned char)(0xE0 | (u >> 12)), b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F)),
    b[2] = (unsigned char)(0x80 | (u & 0x3F)), n = 3;
  else
    b[0] = (unsigned char)(0xF0 | (u >> 18)), b[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F)),
    b[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F)), b[3] = (unsigned char)(0x80 | (u & 0x3F)), n = 4;
  if (u == 0 || *o + n >= cap) return false;
  memcpy(out + *o, b, n);
  *o += n;
  return true;
}

bool wt__json_str(const wt__json *j, int64_t t, char *out, size_t cap, size_t *len) {
  if (t < 0 || t >= j->n || j->tok[t].type != WT__JSON_STRING || cap == 0) return false;
  const char *s = j->text;
  size_t o = 0;
  for (size_t i = j->tok[t].start; i < j->tok[t].end;) {
    char c = s[i];
    if (c != '\\') {
      if (c == '\0' || o + 1 >= cap) return false;
      out[o++] = c, i++;
      continue;
    }
    const char e = s[i + 1]; /* the parser validated every escape */
    if (e == 'u') {
      unsigned u = 0, lo = 0xDC00;
      hex4(s, j->len, i + 2, &u);
      i += 6;
      if (u >= 0xD800 && u <= 0xDBFF) {
        hex4(s, j->len, i + 2, &lo);
        i += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      if (!put_utf8(out, cap, &o, u)) return false;
      continue;
    }
    switch (e) {
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      default: c = e; break; /* " \ / */
    }
    if (o + 1 >= cap) return false;
    out[o++] = c, i += 2;
  }
  out[o] = '\0';
  if (len) *len = o;
  return true;
}

static void put_ch(char *buf, size_t cap, size_t *pos, char c) {
  if (*pos + 1 < cap) buf[*pos] = c, buf[*pos + 1] = '\0';
  (*pos)++;
}

void wt__json_put_str(char *buf, size_t cap, size_t *pos, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  put_ch(buf, cap, pos, '"');
  for (size_t i = 0; i < n; i++) {
    const unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      put_ch(buf, cap, pos, '\\'), put_ch(buf, cap, pos, (char)c);
    } else if (c < 0x20) {
      put_ch(buf, cap, pos, '\\'), put_ch(buf, cap, pos, 'u'), put_ch(buf, cap, pos, '0');
      put_ch(buf, cap, pos, '0'), put_ch(buf, cap, pos, hex[c >> 4]), put_ch(buf, cap, pos, hex[c & 15]);
    } else {
      put_ch(buf, cap, pos, (char)c);
    }
  }
  put_ch(buf, cap, pos, '"');
}
