/* json.h - a small strict JSON reader (RFC 8259) for model specs and safetensors headers:
   one validating pass into a flat token array (jsmn-style), with helpers to look up keys and
   read integers, numbers and strings. Bytes in, errors out: it never reads past len, limits
   nesting depth, and reports the byte offset of the first problem. Internal to models/. */
#ifndef WT_JSON_H
#define WT_JSON_H

#include "../core/internal.h"

typedef enum wt__json_type {
  WT__JSON_NULL, WT__JSON_BOOL, WT__JSON_NUMBER, WT__JSON_STRING, WT__JSON_ARRAY, WT__JSON_OBJECT
} wt__json_type;

/* One value. Strings: [start, end) is the raw text between the quotes (escapes not decoded);
   other values: their text. Containers: count = elements (arrays) or key/value pairs
   (objects), whose tokens follow in order (an object's as key, value, key, value ...);
   next = index of the first token after this value's subtree. */
typedef struct wt__json_tok {
  wt__json_type type;
  size_t start, end;
  int64_t count;
  int64_t next;
} wt__json_tok;

typedef struct wt__json {
  const char *text;
  size_t len;
  wt__json_tok *tok; /* tracked allocation of ctx */
  int64_t n;
} wt__json;

#define WT__JSON_MAX_DEPTH 32

/* Parses text[0..len) (one value, whitespace around it). what names the input in errors
   ("spec", "safetensors header"). On success free with wt__json_free. */
wt_status wt__json_parse(wt_ctx *ctx, const char *what, const char *text, size_t len, wt__json *out);
void wt__json_free(wt_ctx *ctx, wt__json *j);
/* The value of key in the object at token obj, or -1. Keys compare by their raw text. */
int64_t wt__json_get(const wt__json *j, int64_t obj, const char *key);
/* The i-th element (arrays) or i-th value (objects) of container c; -1 when out of range. */
int64_t wt__json_child(const wt__json *j, int64_t c, int64_t i);
/* The i-th key token of object obj. */
int64_t wt__json_key(const wt__json *j, int64_t obj, int64_t i);
bool wt__json_eq(const wt__json *j, int64_t t, const char *s);
/* An integer token (no fraction or exponent) in [lo, hi]. */
bool wt__json_int(const wt__json *j, int64_t t, int64_t lo, int64_t hi, int64_t *out);
bool wt__json_num(const wt__json *j, int64_t t, double *out);
/* true / false token. */
bool wt__json_bool(const wt__json *j, int64_t t, bool *out);
/* Decodes string token t into out (cap bytes incl. the NUL); false if not a string, it does
   not fit, or it holds a NUL. *len (may be NULL) gets the decoded length. */
bool wt__json_str(const wt__json *j, int64_t t, char *out, size_t cap, size_t *len);
/* Appends s as a JSON string literal (quotes and escapes) to buf at *pos (cap bytes; *pos
   advances even past cap so the caller learns the size). */
void wt__json_put_str(char *buf, size_t cap, size_t *pos, const char *s, size_t n);

#endif /* WT_JSON_H */
