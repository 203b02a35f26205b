/* batch.h - what the batch-trick files (src/augment/batch/) share: parameter validation, the
   permutation sampler and the three mixing loops. Not public: users see src/wasmtricks.h. */
#ifndef WT_AUGMENT_BATCH_H
#define WT_AUGMENT_BATCH_H

#include "../../core/internal.h"

/* N, H, W in range (and N*H*W countable), p and p->perm non-NULL; names func in errors. */
wt_status wt__batch_check_dims(wt_ctx *ctx, const char *func, const wt_batch_params *p, int64_t N,
                               int64_t H, int64_t W);
/* Every entry of perm[0..n) in [0, N), naming the part in errors. */
wt_status wt__batch_check_perm(wt_ctx *ctx, const char *func, const int32_t *perm, int64_t N,
                               int part);
/* Resets p's fields to one part of weight 1 (WT_BATCH_NONE) over N x H x W, keeping p->perm
   and leaving its contents alone. */
void wt__batch_reset(wt_batch_params *p, int64_t N, int64_t H, int64_t W);
/* perm[i] = i for i < N. */
void wt__batch_identity(int32_t *perm, int64_t N);
/* torch.randperm(N): a uniform permutation (Fisher-Yates from the identity). */
void wt__batch_randperm(wt_rng *rng, int32_t *perm, int64_t N);

/* The mixing loops, on validated parameters; S = C*H*W floats per sample, out != x. */
void wt__mixup_apply(const wt_batch_params *p, int64_t S, const float *x, float *out);
void wt__cutmix_apply(const wt_batch_params *p, int64_t C, const float *x, float *out);
void wt__ricap_apply(const wt_batch_params *p, int64_t C, const float *x, float *out);
/* Part k's rect in the RICAP output: columns [x, x + w), rows [y, y + h). */
void wt__ricap_part(const wt_batch_params *p, int k, int64_t *x, int64_t *y, int64_t *w, int64_t *h);

#endif /* WT_AUGMENT_BATCH_H */
