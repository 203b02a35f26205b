/* idx.c - the IDX format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): bytes 0-1 zero,
   byte 2 the type (0x08 = uint8, the only one accepted), byte 3 the number of dimensions, then
   one big-endian uint32 extent per dimension, then the data. Decompression (gzip) is the
   caller's: node:zlib or DecompressionStream on the JS side. */
#include "../core/internal.h"

wt_status wt_idx_parse(wt_ctx *ctx, const uint8_t *bytes, size_t len, wt_idx_info *out) {
  if (!ctx) return WT_ERR_ARG;
  if (!bytes || !out) return WT_FAIL(ctx, WT_ERR_ARG, "%s is NULL", bytes ? "out" : "bytes");
  if (len < 4) return WT_FAIL(ctx, WT_ERR_FORMAT, "%zu bytes is too short for an IDX header", len);
  if (bytes[0] != 0 || bytes[1] != 0)
    return WT_FAIL(ctx, WT_ERR_FORMAT,
                   "not an IDX file (magic %02x %02x, want 00 00; gzip data must be inflated "
                   "first)", bytes[0], bytes[1]);
  if (bytes[2] != 0x08)
    return WT_FAIL(ctx, WT_ERR_UNSUPPORTED, "IDX element type 0x%02x; only uint8 (0x08) is "
                   "supported", bytes[2]);
  const int ndim = bytes[3];
  if (ndim < 1 || ndim > 4)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "IDX with %d dimensions; 1 to 4 are supported", ndim);
  const size_t header = 4 + 4 * (size_t)ndim;
  if (len < header)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "truncated IDX header: %zu bytes, need %zu", len, header);
  size_t count = 1;
  out->ndim = ndim;
  for (int i = 0; i < 4; i++) out->dims[i] = 1;
  for (int i = 0; i < ndim; i++) {
    const uint8_t *p = bytes + 4 + 4 * i;
    const uint32_t d = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (d == 0 || d > WT_MAX_DIM)
      return WT_FAIL(ctx, WT_ERR_FORMAT, "IDX dimension %d is %u; must be in [1, %lld]", i, d,
                     (long long)WT_MAX_DIM);
    if (!wt__mul_ok(count, d, &count) || count > (size_t)WT_MAX_ELEMS)
      return WT_FAIL(ctx, WT_ERR_FORMAT, "IDX holds too many elements (limit %lld)",
                     (long long)WT_MAX_ELEMS);
    out->dims[i] = d;
  }
  if (len - header < count)
    return WT_FAIL(ctx, WT_ERR_FORMAT, "truncated IDX data: %zu bytes after the header, need %zu",
                   len - header, count);
  out->data_offset = header;
  out->data_bytes = count;
  return WT_OK;
}
