/* tensor.c - non-owning NCHW views. */
#include "internal.h"

wt_status wt_tensor_nchw(wt_ctx *ctx, float *data, int64_t N, int64_t C, int64_t H, int64_t W,
                         wt_tensor *out) {
  if (!out) return WT_FAIL(ctx, WT_ERR_ARG, "out is NULL");
  if (!data) return WT_FAIL(ctx, WT_ERR_ARG, "data is NULL");
  const int64_t dims[4] = {N, C, H, W};
  static const char *const names[4] = {"N", "C", "H", "W"};
  for (int i = 0; i < 4; i++) WT_TRY(wt__check_dim(ctx, __func__, names[i], dims[i]));
  WT_TRY(wt__check_elems(ctx, __func__, "tensor", dims, 4, NULL));
  out->data = data;
  out->ndim = 4;
  for (int i = 0; i < 4; i++) out->shape[i] = dims[i];
  out->stride[3] = 1;
  out->stride[2] = W;
  out->stride[1] = H * W;
  out->stride[0] = C * H * W;
  return WT_OK;
}

int64_t wt_tensor_numel(const wt_tensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
  return n;
}
