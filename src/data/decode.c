/* decode.c - PNG and JPEG decoding inside the engine (stb_image, Debian's libstb-dev), so
   ImageFolder data sets and `wasmtricks predict` read the same pixels natively, in Node and in
   browsers; decoded images are fitted to a common extent (Resize to cover, then CenterCrop).
   stb_image is compiled here only: PNG and JPEG, no stdio, bounded dimensions. Not here:
   walking folders or reading files (the JS side passes bytes). */
#include <string.h>

#include "../augment/augment.h"

/* stb_image's own allocations use the C allocator (it has no context to report to); each is
   freed before the call returns. Its failure reason lives in a global of stb's, read at once. */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS (1 << 14)
#define STBI_ASSERT(x) WT_ASSERT(x)
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wtype-limits"
#endif
#include <stb_image.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* stb_image 2.27 (Debian's) misses two checks on hostile JPEGs that 2.28 added, both found by
   tests/fuzz/fuzz_image.c: a DHT segment whose 16 code counts sum to more than 256 makes
   stbi__build_huffman write past stbi__huffman.size[257] on the heap, and a scan that uses a
   Huffman table no DHT defined decodes with the uninitialised table (stbi__jpeg is malloc'ed),
   reading values[c] far out of bounds. This walks the markers as stb_image does (fill bytes,
   lengths, the entropy-coded data up to the next marker other than RSTn and stuffing; where
   stb_image would stop at an error, it reads on), so it sees every DHT and SOS stb_image would
   process, and reports either problem before stb sees the bytes. */
static const char *jpeg_huffman_problem(const uint8_t *b, size_t len) {
  size_t p = 0; /* SOI, after any 0xFF fill bytes, as stb_image accepts it */
  while (p < len && b[p] == 0xFF) p++;
  if (p == 0 || p >= len || b[p] != 0xD8) return NULL;
  p++;
  bool progressive = false, defined[2][4] = {{false}}; /* [DC, AC][table id] */
  while (p + 1 < len) {
    const uint8_t m = b[p + 1];
    if (b[p] != 0xFF || m == 0xFF) { p++; continue; } /* resync / fill bytes */
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { p += 2; continue; }
    if (m == 0xD9) return NULL; /* EOI */
    if (m == 0xC2) progressive = true;
    const size_t seg = p + 3 < len ? (size_t)b[p + 2] << 8 | b[p + 3] : 0;
    if (m == 0xC4) {
      size_t q = p + 4;
      for (long L = (long)seg - 2; L > 0;) {
        const uint8_t tc = q < len ? b[q] >> 4 : 0, th = q < len ? b[q] & 15 : 0;
        if (tc > 1 || th > 3) break; /* stb rejects the table */
        size_t n = 0;
        for (size_t i = 1; i <= 16; i++) n += q + i < len ? b[q + i] : 0;
        if (n > 256) return "a Huffman table with more than 256 codes";
        defined[tc][th] = true;
        q += 17 + n, L -= 17 + (long)n;
      }
    }
    if (m == 0xDA && p + 4 < len) { /* SOS: Ns, then (Cs, Td << 4 | Ta) each, then Ss Se Ah/Al */
      const size_t ns = b[p + 4], at = p + 5 + 2 * ns;
      if (at + 2 < len) {
        const uint8_t ss = b[at], se = b[at + 1], ah = b[at + 2] >> 4;
        for (size_t i = 0; i < ns; i++) {
          const uint8_t t = b[p + 6 + 2 * i], td = t >> 4, ta = t & 15;
          if (ss == 0 && (!progressive || ah == 0) && td <= 3 && !defined[0][td])
            return "a scan uses an undefined DC Huffman table";
          if (se > 0 && ta <= 3 && !defined[1][ta])
            return "a scan uses an undefined AC Huffman table";
        }
      }
    }
    p += 2 + seg;
    if (m == 0xDA) /* entropy-coded data: up to the next marker that is not RSTn or stuffing */
      while (p + 1 < len && !(b[p] == 0xFF && b[p + 1] != 0x00 && (b[p + 1] < 0xD0 || b[p + 1] > 0xD7)))
        p++;
  }
  return NULL;
}

static wt_status check_bytes(wt_ctx *ctx, const char *func, const uint8_t *bytes, size_t len) {
  if (!bytes) return wt__fail(ctx, WT_ERR_ARG, func, "bytes is NULL");
  if (len == 0 || len > 0x7fffffff)
    return wt__fail(ctx, WT_ERR_FORMAT, func, "%zu bytes is not an image file", len);
  const char *problem = jpeg_huffman_problem(bytes, len);
  if (problem) return wt__fail(ctx, WT_ERR_FORMAT, func, "corrupt JPEG: %s", problem);
  return WT_OK;
}

wt_status wt_image_decode_info(wt_ctx *ctx, const uint8_t *bytes, size_t len, int64_t *H,
                               int64_t *W, int64_t *C) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_bytes(ctx, __func__, bytes, len));
  if (!H || !W || !C) return WT_FAIL(ctx, WT_ERR_ARG, "H, W and C must not be NULL");
  int w, h, c;
  if (!stbi_info_from_memory(bytes, (int)len, &w, &h, &c))
    return WT_FAIL(ctx, WT_ERR_FORMAT, "not a PNG or JPEG file (%s)", stbi_failure_reason());
  *H = h, *W = w, *C = c;
  return WT_OK;
}

wt_status wt_image_decode(wt_ctx *ctx, const uint8_t *bytes, size_t len, wt_image *dst) {
  if (!ctx) return WT_ERR_ARG;
  WT_TRY(check_bytes(ctx, __func__, bytes, len));
  WT_TRY(wt__image_check(ctx, __func__, "dst", dst));
  int w, h, c;
  uint8_t *px = stbi_load_from_memory(bytes, (int)len, &w, &h, &c, (int)dst->C);
  if (!px)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "cannot decode the image: %s (PNG and JPEG only)",
                   stbi_failure_reason());
  wt_image img = {px, h, w, dst->C};
  wt_status st = WT_OK;
  if (h == dst->H && w == dst->W) {
    memcpy(dst->data, px, wt__image_bytes(dst));
    goto done;
  }
  /* Resize so the image covers dst (the side that fits exactly, the other rounded down but not
     below dst's), then take the centre: torchvision's Resize(size) + CenterCrop(size). */
  wt_image mid = {NULL, dst->H, dst->W, dst->C};
  if (dst->H * (int64_t)w >= dst->W * (int64_t)h) {
    mid.W = (int64_t)w * dst->H / h;
    if (mid.W < dst->W) mid.W = dst->W;
  } else {
    mid.H = (int64_t)h * dst->W / w;
    if (mid.H < dst->H) mid.H = dst->H;
  }
  if (mid.H == dst->H && mid.W == dst->W) {
    st = wt_image_resize(ctx, &img, dst, WT_INTERP_BILINEAR);
    goto done;
  }
  mid.data = wt__alloc(ctx, wt__image_bytes(&mid));
  if (!mid.data) {
    st = WT_FAIL(ctx, WT_ERR_OOM, "out of memory for a %lldx%lld resized image",
                 (long long)mid.H, (long long)mid.W);
    goto done;
  }
  st = wt_image_resize(ctx, &img, &mid, WT_INTERP_BILINEAR);
  if (st == WT_OK) st = wt_image_center_crop(ctx, &mid, dst);
  wt__free(ctx, mid.data);
done:
  stbi_image_free(px);
  return st;
}
