/* exports.c - the JS ABI: the only file with EMSCRIPTEN_KEEPALIVE. Flat C over numbers,
   pointers and opaque handles; i64 never crosses the boundary (JS passes int32 or double).
   Every fallible call returns a wt_status (0 = ok); the message is wt_ctx_last_error(ctx).
   Ownership: whoever calls *_create / wt_wasm_alloc frees with the matching destroy / free. */
#include <emscripten.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "records.h"

#define WT_EXPORT EMSCRIPTEN_KEEPALIVE

/* ---- memory: JS allocates input/output buffers here and frees them itself. */
WT_EXPORT void *wt_wasm_alloc(size_t bytes) { return malloc(bytes ? bytes : 1); }
WT_EXPORT void wt_wasm_free(void *p) { free(p); }

/* ---- context. Returns NULL on failure (only out of memory). The seed is split in two 32-bit
   halves because i64 does not cross the boundary. */
WT_EXPORT wt_ctx *wt_wasm_ctx_create(uint32_t seed_lo, uint32_t seed_hi, int force_scalar) {
  wt_ctx_options o = {.seed = ((uint64_t)seed_hi << 32) | seed_lo, .force_scalar = force_scalar};
  return wt_ctx_create(&o, NULL);
}
WT_EXPORT void wt_wasm_ctx_destroy(wt_ctx *ctx) { wt_ctx_destroy(ctx); }
WT_EXPORT const char *wt_wasm_ctx_last_error(wt_ctx *ctx) { return wt_ctx_last_error(ctx); }
WT_EXPORT double wt_wasm_ctx_live_bytes(wt_ctx *ctx) { return (double)wt_ctx_live_bytes(ctx); }
WT_EXPORT double wt_wasm_ctx_live_allocs(wt_ctx *ctx) { return (double)wt_ctx_live_allocs(ctx); }
WT_EXPORT const char *wt_wasm_ctx_kernel_name(wt_ctx *ctx) { return wt_ctx_kernel_name(ctx); }
WT_EXPORT const char *wt_wasm_status_str(int st) { return wt_status_str((wt_status)st); }
/* Reseeds the context's RNG (seed halves as above). */
WT_EXPORT void wt_wasm_ctx_seed(wt_ctx *ctx, uint32_t seed_lo, uint32_t seed_hi) {
  wt_rng_seed(wt_ctx_rng(ctx), ((uint64_t)seed_hi << 32) | seed_lo, 0);
}
/* A uniform double in [0, 1) from the context's RNG (for JS-side shuffling). */
WT_EXPORT double wt_wasm_ctx_uniform(wt_ctx *ctx) { return wt_rng_uniform(wt_ctx_rng(ctx)); }

/* ---- models. *out receives the handle. */
WT_EXPORT int wt_wasm_model_create_student_cnn(wt_ctx *ctx, int C, int H, int W, int classes,
                                               wt_model **out) {
  return wt_model_create_student_cnn(ctx, C, H, W, classes, out);
}
WT_EXPORT void wt_wasm_model_destroy(wt_model *m) { wt_model_destroy(m); }
/* CIFAR ResNet of depth 6n+2 / ResNet-18 for small inputs (zero_init: 0/1). */
WT_EXPORT int wt_wasm_model_create_resnet(wt_ctx *ctx, int depth, int C, int H, int W, int classes,
                                          int zero_init, wt_model **out) {
  return wt_model_create_resnet(ctx, depth, C, H, W, classes, zero_init, out);
}
WT_EXPORT int wt_wasm_model_create_resnet18(wt_ctx *ctx, int C, int H, int W, int classes,
                                            int zero_init, wt_model **out) {
  return wt_model_create_resnet18(ctx, C, H, W, classes, zero_init, out);
}
/* spec: len bytes of JSON (UTF-8), owned by the caller. */
WT_EXPORT int wt_wasm_model_create_from_spec(wt_ctx *ctx, const char *spec, int len, wt_model **out) {
  return wt_model_create_from_spec(ctx, spec, (size_t)len, out);
}
/* bytes: a safetensors file (len bytes), owned by the caller. */
WT_EXPORT int wt_wasm_model_create_from_safetensors(wt_ctx *ctx, const uint8_t *bytes, double len,
                                                    wt_model **out) {
  return wt_model_create_from_safetensors(ctx, bytes, (size_t)len, out);
}
WT_EXPORT int wt_wasm_model_load_safetensors(wt_model *m, const uint8_t *bytes, double len) {
  return wt_model_load_safetensors(m, bytes, (size_t)len);
}
/* out NULL: only *size (1 double) is written; otherwise out holds cap bytes. */
WT_EXPORT int wt_wasm_model_save_safetensors(wt_model *m, uint8_t *out, double cap, double *size) {
  size_t n = 0;
  const wt_status st = wt_model_save_safetensors(m, out, (size_t)cap, &n);
  *size = (double)n;
  return st;
}
WT_EXPORT void wt_wasm_model_set_training(wt_model *m, int training) { wt_model_set_training(m, training); }
WT_EXPORT int wt_wasm_model_training(wt_model *m) { return wt_model_training(m); }
/* The model's JSON spec (owned by the model). */
WT_EXPORT const char *wt_wasm_model_spec(wt_model *m) { return wt_model_spec(m); }
/* buf: cap bytes (or NULL with cap 0); *len (1 double): the summary's full length. */
WT_EXPORT int wt_wasm_model_summary(wt_model *m, char *buf, double cap, double *len) {
  size_t n = 0;
  const wt_status st = wt_model_summary(m, buf, (size_t)cap, &n);
  *len = (double)n;
  return st;
}
/* buf: cap bytes (or NULL with cap 0); *len (1 double): the JSON's full length. */
WT_EXPORT int wt_wasm_model_tensor_list(wt_model *m, char *buf, double cap, double *len) {
  size_t n = 0;
  const wt_status st = wt_model_tensor_list(m, buf, (size_t)cap, &n);
  *len = (double)n;
  return st;
}
/* out4: int32[4] = { C, H, W, classes }. */
WT_EXPORT void wt_wasm_model_shape(wt_model *m, int32_t *out4) {
  int64_t chw[3], k;
  wt_model_shape(m, chw, &k);
  out4[0] = (int32_t)chw[0], out4[1] = (int32_t)chw[1], out4[2] = (int32_t)chw[2], out4[3] = (int32_t)k;
}
WT_EXPORT double wt_wasm_model_param_count(wt_model *m) { return (double)wt_model_param_count(m); }
/* Pointer to the flat parameter block (floats, PyTorch state_dict order); valid until the
   model is destroyed, but re-read HEAPF32 after any call that may grow memory. */
WT_EXPORT float *wt_wasm_model_params(wt_model *m) { return wt_model_params(m); }
/* x: N*C*H*W floats; out: N*classes floats. */
WT_EXPORT int wt_wasm_model_forward(wt_model *m, const float *x, int N, float *logits) {
  return wt_model_forward(m, x, N, logits);
}
WT_EXPORT int wt_wasm_model_predict(wt_model *m, const float *x, int N, float *probs) {
  return wt_model_predict(m, x, N, probs);
}

/* ---- option records (records.h): blocks of float64 slots that JS writes by field name from
   the layout wt_wasm_abi() describes. Unpackers generated from the field lists. */
static wt_optim_options unpack_optim(const double *r) {
  wt_optim_options o = {0}, *s = &o;
  WT_RECORD_OPTIM(WT__REC_GET, R_OPTIM)
  return o;
}
static wt_schedule unpack_schedule(const double *r) {
  wt_schedule o = {0}, *s = &o;
  WT_RECORD_SCHEDULE(WT__REC_GET, R_SCHEDULE)
  return o;
}
static void unpack_loss(const double *r, wt_trainer_options *s) { WT_RECORD_LOSS(WT__REC_GET, R_LOSS) }

/* ---- training. optim: an optim record; schedule: a schedule record or NULL (none); loss: a
   loss record or NULL; teacher: a model or NULL. */
WT_EXPORT int wt_wasm_trainer_create(wt_model *m, const double *optim, const double *schedule,
                                     const double *loss, wt_model *teacher, wt_trainer **out) {
  wt_trainer_options o = {.optim = unpack_optim(optim)};
  if (schedule) o.schedule = unpack_schedule(schedule);
  if (loss) unpack_loss(loss, &o);
  o.teacher = teacher;
  return wt_trainer_create(m, &o, out);
}
WT_EXPORT double wt_wasm_trainer_lr(wt_trainer *t) { return wt_trainer_lr(t); }
WT_EXPORT int wt_wasm_trainer_end_epoch(wt_trainer *t) { return wt_trainer_end_epoch(t); }
WT_EXPORT double wt_wasm_trainer_epochs(wt_trainer *t) { return (double)wt_trainer_epochs(t); }
WT_EXPORT double wt_wasm_trainer_state_floats(wt_trainer *t) {
  return (double)wt_trainer_state_floats(t);
}
/* state: n floats (caller-allocated); counters: 2 doubles written: steps, epochs. */
WT_EXPORT int wt_wasm_trainer_state_export(wt_trainer *t, float *state, double n,
                                           double *counters) {
  int64_t steps = 0, epochs = 0;
  const wt_status st = wt_trainer_state_export(t, state, (size_t)n, &steps, &epochs);
  counters[0] = (double)steps, counters[1] = (double)epochs;
  return st;
}
WT_EXPORT int wt_wasm_trainer_state_import(wt_trainer *t, const float *state, double n,
                                           double steps, double epochs) {
  return wt_trainer_state_import(t, state, (size_t)n, (int64_t)steps, (int64_t)epochs);
}
WT_EXPORT void wt_wasm_trainer_destroy(wt_trainer *t) { wt_trainer_destroy(t); }
WT_EXPORT int wt_wasm_trainer_set_lr(wt_trainer *t, float lr) { return wt_trainer_set_lr(t, lr); }
/* Parameter groups and freezing (wt_trainer_set_groups): slots: n groups of 5 float64 each,
   offset, count, lr, weight_decay, frozen (0 or 1). An offset or count that is not an integer
   in [0, 2^53] becomes SIZE_MAX, which the engine reports as outside the block. */
WT_EXPORT int wt_wasm_trainer_set_groups(wt_trainer *t, const double *slots, int n,
                                         int frozen_bn_eval) {
  if (n < 0 || n > 4096) return wt_trainer_set_groups(t, NULL, 4097, frozen_bn_eval);
  wt_param_group *g = malloc((size_t)(n > 0 ? n : 1) * sizeof *g);
  if (!g) return WT_ERR_OOM;
  for (int i = 0; i < n; i++) {
    const double *s = slots + 5 * i;
    const bool ok = s[0] >= 0 && s[0] <= 0x1p53 && s[0] == floor(s[0]) && s[1] >= 0 &&
                    s[1] <= 0x1p53 && s[1] == floor(s[1]);
    g[i] = (wt_param_group){.offset = ok ? (size_t)s[0] : SIZE_MAX, .count = ok ? (size_t)s[1] : 0,
                            .lr = s[2], .weight_decay = s[3], .frozen = s[4] != 0.0};
  }
  const wt_status st = wt_trainer_set_groups(t, g, (size_t)n, frozen_bn_eval);
  free(g);
  return st;
}
WT_EXPORT double wt_wasm_trainer_steps(wt_trainer *t) { return (double)wt_trainer_steps(t); }
WT_EXPORT double wt_wasm_trainer_grad_norm(wt_trainer *t) { return wt_trainer_grad_norm(t); }
/* x: N*C*H*W floats, labels: N int32; out2: two floats written: loss, accuracy. */
WT_EXPORT int wt_wasm_trainer_step(wt_trainer *t, const float *x, const int32_t *labels, int N,
                                   float *out2) {
  return wt_trainer_step(t, x, labels, N, &out2[0], &out2[1]);
}
/* Cached features (wt_trainer_feature_size / _features / _step_features); floats: one
   double written. */
WT_EXPORT int wt_wasm_trainer_feature_size(wt_trainer *t, double *floats) {
  int64_t n = 0;
  const wt_status st = wt_trainer_feature_size(t, &n);
  *floats = (double)n;
  return st;
}
WT_EXPORT int wt_wasm_trainer_features(wt_trainer *t, const float *x, int N, float *features) {
  return wt_trainer_features(t, x, N, features);
}
WT_EXPORT int wt_wasm_trainer_step_features(wt_trainer *t, const float *features,
                                            const int32_t *labels, int N, float *out2) {
  return wt_trainer_step_features(t, features, labels, N, &out2[0], &out2[1]);
}

/* ---- standalone optimizer over a caller's flat block of n floats (one parameter group; the
   base lr is the optim record's lr). params/grads: n floats each, params updated in place. */
WT_EXPORT int wt_wasm_optim_create(wt_ctx *ctx, const double *optim, double n, wt_optim **out) {
  const wt_optim_options o = unpack_optim(optim);
  return wt_optim_create(ctx, &o, (size_t)n, NULL, 0, out);
}
WT_EXPORT void wt_wasm_optim_destroy(wt_optim *o) { wt_optim_destroy(o); }
WT_EXPORT int wt_wasm_optim_step(wt_optim *o, float *params, const float *grads) {
  return wt_optim_step(o, params, grads);
}
WT_EXPORT int wt_wasm_optim_set_lr(wt_optim *o, double lr) { return wt_optim_set_lr(o, lr); }
WT_EXPORT double wt_wasm_optim_steps(wt_optim *o) { return (double)wt_optim_steps(o); }
/* lr of a schedule record at tick, or NaN when the record is invalid (message in ctx). */
WT_EXPORT double wt_wasm_schedule_lr(wt_ctx *ctx, const double *schedule, double base_lr,
                                     double tick) {
  const wt_schedule s = unpack_schedule(schedule);
  double lr;
  return wt_schedule_lr(ctx, &s, base_lr, (int64_t)tick, &lr) == WT_OK ? lr : (double)NAN;
}

/* ---- data. out6: int32[6] = { ndim, dim0, dim1, dim2, dim3, data_offset }. */
WT_EXPORT int wt_wasm_idx_parse(wt_ctx *ctx, const uint8_t *bytes, size_t len, int32_t *out6) {
  wt_idx_info info;
  wt_status st = wt_idx_parse(ctx, bytes, len, &info);
  if (st != WT_OK) return st;
  out6[0] = info.ndim;
  for (int i = 0; i < 4; i++) out6[1 + i] = (int32_t)info.dims[i];
  out6[5] = (int32_t)info.data_offset;
  return WT_OK;
}
/* src: N*C*H*W bytes; mean/std: C floats each or NULL; dst: N*C*H*W floats. */
WT_EXPORT int wt_wasm_images_u8_to_f32(wt_ctx *ctx, const uint8_t *src, int N, int C, int H, int W,
                                       const float *mean, const float *std, float *dst) {
  return wt_images_u8_to_f32(ctx, src, N, C, H, W, mean, std, dst);
}

/* ---- losses. logits/targets/student/teacher: N*C floats; labels: N int32 or NULL (targets
   NULL, or the other way round); weight: C floats or NULL. reduction: 0 mean, 1 sum, 2 none.
   loss: 1 float (N for 'none'); grad: N*C floats, WRITTEN; both caller-allocated. eps and T
   are doubles, as torch's Python floats. */
WT_EXPORT int wt_wasm_cross_entropy(wt_ctx *ctx, int N, int C, const float *logits,
                                    const int32_t *labels, const float *targets, double eps,
                                    int reduction, const float *weight, float *loss,
                                    float *grad) {
  wt_ce_options o = {.label_smoothing = eps, .reduction = (wt_reduction)reduction,
                     .weight = weight};
  return wt_cross_entropy(ctx, N, C, logits, labels, targets, &o, loss, grad, NULL);
}
WT_EXPORT int wt_wasm_distillation(wt_ctx *ctx, int N, int C, const float *student,
                                   const float *teacher, double temperature, float *loss,
                                   float *grad) {
  wt_distill_options o = {.temperature = temperature};
  return wt_distillation(ctx, N, C, student, teacher, &o, loss, grad);
}

/* ---- augmentation. Images are HWC uint8 (H*W*C bytes, C = 1, 3 or 4) allocated by JS; dst
   buffers hold the output extent given. fill: C floats or NULL. See wasmtricks.h for each op. */
#define WT_IMG(p, h, w, c) (&(wt_image){(uint8_t *)(p), (h), (w), (c)})
WT_EXPORT int wt_wasm_aug_apply(wt_ctx *ctx, int op, double magnitude, int interp, const float *fill,
                                const uint8_t *src, int H, int W, int C, uint8_t *dst) {
  return wt_aug_apply(ctx, (wt_aug_op)op, magnitude, (wt_interp)interp, fill, WT_IMG(src, H, W, C),
                      WT_IMG(dst, H, W, C));
}
WT_EXPORT int wt_wasm_image_resized_crop(wt_ctx *ctx, const uint8_t *src, int H, int W, int C, int top,
                                         int left, int h, int w, uint8_t *dst, int OH, int OW, int interp) {
  return wt_image_resized_crop(ctx, WT_IMG(src, H, W, C), top, left, h, w, WT_IMG(dst, OH, OW, C),
                               (wt_interp)interp);
}
WT_EXPORT int wt_wasm_image_crop(wt_ctx *ctx, const uint8_t *src, int H, int W, int C, int top, int left,
                                 uint8_t *dst, int OH, int OW) {
  return wt_image_crop(ctx, WT_IMG(src, H, W, C), top, left, WT_IMG(dst, OH, OW, C));
}
WT_EXPORT int wt_wasm_image_center_crop(wt_ctx *ctx, const uint8_t *src, int H, int W, int C, uint8_t *dst,
                                        int OH, int OW) {
  return wt_image_center_crop(ctx, WT_IMG(src, H, W, C), WT_IMG(dst, OH, OW, C));
}
/* vertical: 0 horizontal flip, 1 vertical flip. */
WT_EXPORT int wt_wasm_image_flip(wt_ctx *ctx, const uint8_t *src, int H, int W, int C, uint8_t *dst,
                                 int vertical) {
  return vertical ? wt_image_vflip(ctx, WT_IMG(src, H, W, C), WT_IMG(dst, H, W, C))
                  : wt_image_hflip(ctx, WT_IMG(src, H, W, C), WT_IMG(dst, H, W, C));
}
/* out2: int32[2] = { out_h, out_w } of Resize(size_h[, size_w]) (size_w 0: smaller edge). */
WT_EXPORT int wt_wasm_image_resize_extent(wt_ctx *ctx, int H, int W, int size_h, int size_w, int32_t *out2) {
  int64_t h, w;
  wt_status st = wt_image_resize_extent(ctx, H, W, size_h, size_w, &h, &w);
  out2[0] = (int32_t)h;
  out2[1] = (int32_t)w;
  return st;
}
/* kind (a wt_aug_step_kind): WT_STEP_AUTOAUGMENT (a = policy), WT_STEP_RANDAUGMENT (a = num_ops,
   b = magnitude, c = bins) or WT_STEP_TRIVIALAUGMENT (c = bins). src == dst allowed. report: NULL, or 2 + 5 * 64 doubles
   (caller-allocated) WRITTEN with what was drawn (wt_aug_report): sub_policy, n_ops, then per
   op: op, bin, applied, p, magnitude. */
WT_EXPORT int wt_wasm_aug_policy(wt_ctx *ctx, int kind, int a, int b, int c, int interp, const float *fill,
                                 const uint8_t *src, int H, int W, int C, uint8_t *dst, double *report) {
  const wt_image *s = WT_IMG(src, H, W, C);
  wt_image *d = WT_IMG(dst, H, W, C);
  wt_aug_report r;
  wt_aug_report *rp = report ? &r : NULL;
  wt_status st;
  if (kind == WT_STEP_AUTOAUGMENT) st = wt_aug_autoaugment(ctx, (wt_aug_policy)a, (wt_interp)interp, fill, s, d, rp);
  else if (kind == WT_STEP_RANDAUGMENT) st = wt_aug_randaugment(ctx, a, b, c, (wt_interp)interp, fill, s, d, rp);
  else if (kind == WT_STEP_TRIVIALAUGMENT) st = wt_aug_trivialaugment(ctx, c, (wt_interp)interp, fill, s, d, rp);
  else st = WT_FAIL(ctx, WT_ERR_ARG, "kind %d is not a policy step", kind);
  if (st == WT_OK && report) {
    report[0] = r.sub_policy;
    report[1] = r.n_ops;
    for (int i = 0; i < r.n_ops; i++) {
      double *o = report + 2 + 5 * i;
      o[0] = (double)r.ops[i].op;
      o[1] = r.ops[i].bin;
      o[2] = r.ops[i].applied;
      o[3] = (double)r.ops[i].p;
      o[4] = r.ops[i].magnitude;
    }
  }
  return st;
}
/* erasing 0: RandomResizedCrop.get_params, out5 = {top, left, h, w, 1}; erasing 1:
   RandomErasing.get_params, out5[4] = found. */
WT_EXPORT int wt_wasm_aug_box_params(wt_ctx *ctx, int erasing, int H, int W, float s0, float s1, float r0,
                                     float r1, int32_t *out5) {
  const float scale[2] = {s0, s1}, ratio[2] = {r0, r1};
  int64_t box[4] = {0, 0, 0, 0};
  int found = 1;
  wt_status st = erasing ? wt_aug_erasing_params(ctx, H, W, scale, ratio, box, &found)
                         : wt_aug_rrc_params(ctx, H, W, scale, ratio, box);
  for (int i = 0; i < 4; i++) out5[i] = (int32_t)box[i];
  out5[4] = found;
  return st;
}
/* In place on img: Cutout with n_holes random centres (cy < 0: random; else one hole at cy, cx). */
WT_EXPORT int wt_wasm_aug_cutout_u8(wt_ctx *ctx, uint8_t *img, int H, int W, int C, int n_holes, int length,
                                    int cy, int cx) {
  wt_image *im = WT_IMG(img, H, W, C);
  return cy < 0 ? wt_aug_cutout_u8(ctx, im, n_holes, length) : wt_aug_cutout_u8_at(ctx, im, cy, cx, length);
}
/* In place: box {top, left, h, w}; mode 0 const (value: colour bytes), 1 random. */
WT_EXPORT int wt_wasm_aug_erase_u8(wt_ctx *ctx, uint8_t *img, int H, int W, int C, int top, int left, int h,
                                   int w, int mode, const uint8_t *value) {
  const int64_t box[4] = {top, left, h, w};
  return wt_aug_erase_u8(ctx, WT_IMG(img, H, W, C), box, (wt_erase_mode)mode, value);
}
#undef WT_IMG

/* ---- batch tricks (mixup, CutMix, RICAP; src/augment/batch/). A wt_batch_params crosses as a
   batch record plus a perm buffer of 4*N int32 (both JS-allocated). Samplers and setters fill
   rec and perm; the others read them. */
static void pack_batch(const wt_batch_params *s, double *r) { WT_RECORD_BATCH(WT__REC_PUT, R_BATCH) }
static wt_batch_params unpack_batch(const double *r, int32_t *perm) {
  wt_batch_params p = {.perm = perm}, *s = &p;
  WT_RECORD_BATCH(WT__REC_GET, R_BATCH)
  return p;
}
/* wt_batch_sample with the options' five numbers; writes perm (4*N) and rec. */
WT_EXPORT int wt_wasm_batch_sample(wt_ctx *ctx, double mixup_alpha, double cutmix_alpha, double ricap_beta,
                                   double prob, double switch_prob, int N, int H, int W, int32_t *perm,
                                   double *rec) {
  const wt_batch_options o = {.mixup_alpha = mixup_alpha, .cutmix_alpha = cutmix_alpha,
                              .ricap_beta = ricap_beta, .prob = prob, .switch_prob = switch_prob};
  wt_batch_params p = {.perm = perm};
  wt_status st = wt_batch_sample(ctx, &o, N, H, W, &p);
  if (st == WT_OK) pack_batch(&p, rec);
  return st;
}
/* Explicit parameters. in: a batch record whose trick picks the setter and whose lambda
   (mixup), box (CutMix) or boundary and offset (RICAP) it takes; src: the partner permutation
   (N) or RICAP's 4 permutations (4*N). Writes perm and rec as the samplers do. */
WT_EXPORT int wt_wasm_batch_params(wt_ctx *ctx, int N, int H, int W, const double *in,
                                   const int32_t *src, int32_t *perm, double *rec) {
  const wt_batch_params q = unpack_batch(in, NULL);
  wt_batch_params p = {.perm = perm};
  wt_status st;
  if (q.trick == WT_BATCH_MIXUP) {
    st = wt_mixup_params(ctx, N, q.lambda, src, &p);
    if (st == WT_OK) p.H = H, p.W = W;
  } else if (q.trick == WT_BATCH_CUTMIX) {
    st = wt_cutmix_params(ctx, N, H, W, q.box, src, &p);
  } else if (q.trick == WT_BATCH_RICAP) {
    st = wt_ricap_params(ctx, N, H, W, q.boundary, q.offset, src, &p);
  } else {
    st = wt__fail(ctx, WT_ERR_ARG, "wt_batch_params", "trick %d has no explicit parameters", (int)q.trick);
  }
  if (st == WT_OK) pack_batch(&p, rec);
  return st;
}
/* x, out: N*C*H*W floats (out must not overlap x). */
WT_EXPORT int wt_wasm_batch_apply(wt_ctx *ctx, const double *rec, int32_t *perm, int C, int H, int W,
                                  const float *x, float *out) {
  const wt_batch_params p = unpack_batch(rec, perm);
  return wt_batch_apply(ctx, &p, C, H, W, x, out);
}
/* targets: N*K floats. */
WT_EXPORT int wt_wasm_batch_targets(wt_ctx *ctx, const double *rec, int32_t *perm, int K,
                                    const int32_t *labels, double eps, float *targets) {
  const wt_batch_params p = unpack_batch(rec, perm);
  return wt_batch_targets(ctx, &p, K, labels, eps, targets);
}
/* logits: N*K floats; *acc receives the weighted accuracy (a fraction). */
WT_EXPORT int wt_wasm_batch_accuracy(wt_ctx *ctx, const double *rec, int32_t *perm, int K,
                                     const float *logits, const int32_t *labels, double *acc) {
  const wt_batch_params p = unpack_batch(rec, perm);
  return wt_batch_accuracy(ctx, &p, K, logits, labels, acc);
}

/* ---- data sets and loader (src/data/). The context RNG's state crosses as 4 uint32: state lo,
   hi, inc lo, hi (a checkpoint saves it; set restores it exactly). */
WT_EXPORT void wt_wasm_ctx_rng_get(wt_ctx *ctx, uint32_t *out4) {
  const wt_rng *r = wt_ctx_rng(ctx);
  out4[0] = (uint32_t)r->state, out4[1] = (uint32_t)(r->state >> 32);
  out4[2] = (uint32_t)r->inc, out4[3] = (uint32_t)(r->inc >> 32);
}
WT_EXPORT void wt_wasm_ctx_rng_set(wt_ctx *ctx, const uint32_t *in4) {
  wt_rng *r = wt_ctx_rng(ctx);
  r->state = (uint64_t)in4[1] << 32 | in4[0];
  r->inc = ((uint64_t)in4[3] << 32 | in4[2]) | 1u;
}
/* bytes: len bytes; *count (1 double) written; images (count*3072 bytes HWC) and labels (count
   int32) may be NULL (count only). */
WT_EXPORT int wt_wasm_cifar_parse(wt_ctx *ctx, const uint8_t *bytes, double len, int classes,
                                  double *count, uint8_t *images, int32_t *labels) {
  int64_t n = 0;
  const wt_status st = wt_cifar_parse(ctx, bytes, (size_t)len, classes, &n, images, labels);
  *count = (double)n;
  return st;
}
/* out3: int32[3] = { H, W, C } of the file. */
WT_EXPORT int wt_wasm_image_decode_info(wt_ctx *ctx, const uint8_t *bytes, double len, int32_t *out3) {
  int64_t h = 0, w = 0, c = 0;
  const wt_status st = wt_image_decode_info(ctx, bytes, (size_t)len, &h, &w, &c);
  out3[0] = (int32_t)h, out3[1] = (int32_t)w, out3[2] = (int32_t)c;
  return st;
}
/* dst: H*W*C bytes (HWC), the extent and channels wanted. */
WT_EXPORT int wt_wasm_image_decode(wt_ctx *ctx, const uint8_t *bytes, double len, uint8_t *dst, int H,
                                   int W, int C) {
  wt_image d = {dst, H, W, C};
  return wt_image_decode(ctx, bytes, (size_t)len, &d);
}
WT_EXPORT int wt_wasm_data_shuffle(wt_ctx *ctx, int32_t *idx, int n) { return wt_data_shuffle(ctx, idx, n); }

/* Pipeline steps cross as an array of step records (js/loader.js writes them), at most 16. */
#define WT_WASM_MAX_STEPS 16
#define STEP_SKIP(R, name, member, n, T)
#define STEP_FLOATS(R, name, n) float name[n];
typedef struct step_floats { /* what the optional float[] fields point to */
  WT_RECORD_STEP(STEP_SKIP, STEP_FLOATS, R_STEP)
} step_floats;
#define STEP_GET_P(R, name, n)                                                                 \
  s->name = NULL;                                                                              \
  if (r[R##_##name] != 0.0) {                                                                  \
    for (int i_ = 0; i_ < (n); i_++) f->name[i_] = (float)r[R##_##name + 1 + i_];              \
    s->name = f->name;                                                                         \
  }
typedef struct wasm_steps {
  wt_aug_step s[WT_WASM_MAX_STEPS];
  step_floats f[WT_WASM_MAX_STEPS];
} wasm_steps;
/* Unpacks n step records into w; refuses a count out of 1..WT_WASM_MAX_STEPS with a message. */
static wt_status unpack_steps(wt_ctx *ctx, const char *fn, const double *rec, int n, wasm_steps *w) {
  if (n < 1 || n > WT_WASM_MAX_STEPS)
    return wt__fail(ctx, WT_ERR_ARG, fn, "n_steps must be in 1..%d, got %d", WT_WASM_MAX_STEPS, n);
  for (int k = 0; k < n; k++) {
    const double *r = rec + (size_t)k * R_STEP_SIZE;
    wt_aug_step *s = &w->s[k];
    step_floats *f = &w->f[k];
    *s = (wt_aug_step){0};
    WT_RECORD_STEP(WT__REC_GET, STEP_GET_P, R_STEP)
  }
  return WT_OK;
}
/* steps: n_steps records; src: n*H*W*C bytes (HWC images); out: n*out_C*OH*OW floats;
   out_chw (int32[3], may be NULL) receives the tensor extent. */
WT_EXPORT int wt_wasm_data_batch(wt_ctx *ctx, const double *steps, int n_steps, const uint8_t *src,
                                 int n, int H, int W, int C, float *out) {
  wasm_steps w;
  WT_TRY(unpack_steps(ctx, "wt_data_batch", steps, n_steps, &w));
  return wt_data_batch(ctx, w.s, n_steps, src, n, H, W, C, out);
}
/* out3: int32[3] = { out_C, OH, OW } of the pipeline for an H x W x C input. */
WT_EXPORT int wt_wasm_data_batch_shape(wt_ctx *ctx, const double *steps, int n_steps, int H, int W,
                                       int C, int32_t *out3) {
  wasm_steps w;
  WT_TRY(unpack_steps(ctx, "wt_aug_pipeline_shape", steps, n_steps, &w));
  int64_t chw[3] = {0, 0, 0};
  int is_float = 0;
  const wt_status st = wt_aug_pipeline_shape(ctx, w.s, n_steps, H, W, C, chw, &is_float);
  for (int i = 0; i < 3; i++) out3[i] = (int32_t)chw[i];
  return st;
}

/* ---- data-parallel training (js/parallel.js; see wt_trainer_mix in wasmtricks.h). */
/* out2: two pointers written: the (mixed) images, the soft targets (0: train on the labels). */
WT_EXPORT int wt_wasm_trainer_mix(wt_trainer *t, const float *x, const int32_t *labels, int N,
                                  const float **out2) {
  return wt_trainer_mix(t, x, labels, N, &out2[0], &out2[1]);
}
/* labels or targets (the other 0); out2: two doubles written: loss_sum, correct. */
WT_EXPORT int wt_wasm_trainer_compute_grads(wt_trainer *t, const float *x, const int32_t *labels,
                                            const float *targets, int n, float loss_scale,
                                            double *out2) {
  return wt_trainer_compute_grads(t, x, labels, targets, n, loss_scale, &out2[0], &out2[1]);
}
/* extra: n_extra pointers to gradient blocks (param_count floats each). */
WT_EXPORT int wt_wasm_trainer_apply_grads(wt_trainer *t, const float *const *extra, int n_extra) {
  return wt_trainer_apply_grads(t, extra, (size_t)(n_extra < 0 ? 0 : n_extra));
}
/* The gradient block (param_count floats), as wt_wasm_model_params. */
WT_EXPORT float *wt_wasm_model_grads(wt_model *m) { return wt_model_grads(m); }
/* The BatchNorm buffer block; *n (1 double) receives its float count (0: none). */
WT_EXPORT float *wt_wasm_model_buffers(wt_model *m, double *n) {
  size_t k = 0;
  float *p = wt_model_buffers(m, &k);
  *n = (double)(p ? k : 0);
  return p;
}

/* ---- the ABI description JS reads once at init (js/runtime.js): each record's layout (size
   and fields: name, offset, count, C type) and the names and values of the enums JS writes,
   as JSON: {"records":{"optim":{"size":13,"fields":[["kind",0,1,"wt_optim_kind"],...]},...},
   "enums":{"wt_optim_kind":{"sgd":0,...},...}}. Nothing in JS retypes them. */
static const wt__rec_field OPTIM_FIELDS[] = {WT_RECORD_OPTIM(WT__REC_DESC, R_OPTIM)};
static const wt__rec_field SCHEDULE_FIELDS[] = {WT_RECORD_SCHEDULE(WT__REC_DESC, R_SCHEDULE)};
static const wt__rec_field LOSS_FIELDS[] = {WT_RECORD_LOSS(WT__REC_DESC, R_LOSS)};
static const wt__rec_field BATCH_FIELDS[] = {WT_RECORD_BATCH(WT__REC_DESC, R_BATCH)};
static const wt__rec_field STEP_FIELDS[] = {WT_RECORD_STEP(WT__REC_DESC, WT__REC_DESC_P, R_STEP)};
#define WT__LAYOUT(name, F, size) {name, F, sizeof F / sizeof F[0], size}
static const struct layout {
  const char *name;
  const wt__rec_field *fields;
  size_t n;
  int size;
} LAYOUTS[] = {WT__LAYOUT("optim", OPTIM_FIELDS, R_OPTIM_SIZE),
               WT__LAYOUT("schedule", SCHEDULE_FIELDS, R_SCHEDULE_SIZE),
               WT__LAYOUT("loss", LOSS_FIELDS, R_LOSS_SIZE),
               WT__LAYOUT("batch", BATCH_FIELDS, R_BATCH_SIZE),
               WT__LAYOUT("step", STEP_FIELDS, R_STEP_SIZE)};

/* Enums whose names the engine has no function for: JS's names, one line per value. A new
   value fails these asserts until it is named here. */
static const struct named {
  const char *type, *name;
  int value;
} NAMED[] = {
    {"wt_schedule_kind", "constant", WT_SCHEDULE_CONSTANT}, {"wt_schedule_kind", "step", WT_SCHEDULE_STEP},
    {"wt_schedule_kind", "multistep", WT_SCHEDULE_MULTISTEP}, {"wt_schedule_kind", "cosine", WT_SCHEDULE_COSINE},
    {"wt_interp", "nearest", WT_INTERP_NEAREST}, {"wt_interp", "bilinear", WT_INTERP_BILINEAR},
    {"wt_aug_policy", "imagenet", WT_AUG_POLICY_IMAGENET}, {"wt_aug_policy", "cifar10", WT_AUG_POLICY_CIFAR10},
    {"wt_aug_policy", "svhn", WT_AUG_POLICY_SVHN},
    {"wt_erase_mode", "const", WT_ERASE_CONST}, {"wt_erase_mode", "random", WT_ERASE_RANDOM},
    {"wt_batch_trick", "none", WT_BATCH_NONE}, {"wt_batch_trick", "mixup", WT_BATCH_MIXUP},
    {"wt_batch_trick", "cutmix", WT_BATCH_CUTMIX}, {"wt_batch_trick", "ricap", WT_BATCH_RICAP},
    {"wt_reduction", "mean", WT_REDUCTION_MEAN}, {"wt_reduction", "sum", WT_REDUCTION_SUM},
    {"wt_reduction", "none", WT_REDUCTION_NONE}};
_Static_assert(WT_SCHEDULE_KIND_COUNT == 4 && WT_AUG_POLICY_COUNT == 3 && WT_BATCH_TRICK_COUNT == 4,
               "name the new enum value in NAMED");

typedef struct json_out {
  char *buf;
  size_t cap, len;
} json_out;
static void put(json_out *o, const char *s) {
  for (; *s; s++, o->len++)
    if (o->len + 1 < o->cap) o->buf[o->len] = *s;
}
static void put_int(json_out *o, int v) {
  char d[12];
  int k = 0;
  unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
  do d[k++] = (char)('0' + u % 10); while ((u /= 10) > 0);
  if (v < 0) put(o, "-");
  while (k > 0) put(o, (char[2]){d[--k], 0});
}
static void put_str(json_out *o, const char *s) { /* names are plain identifiers: no escaping */
  put(o, "\"");
  put(o, s);
  put(o, "\"");
}
/* "type":{"name":value,...} over 0..count-1 with name(value). */
static void put_enum(json_out *o, const char *type, int count, const char *(*name)(int)) {
  put_str(o, type);
  put(o, ":{");
  for (int v = 0; v < count; v++) {
    if (v) put(o, ",");
    put_str(o, name(v));
    put(o, ":");
    put_int(o, v);
  }
  put(o, "},");
}
static const char *optim_name(int v) { return wt_optim_kind_name((wt_optim_kind)v); }
static const char *step_name(int v) { return wt_aug_step_name((wt_aug_step_kind)v); }
static const char *op_name(int v) { return wt_aug_op_name((wt_aug_op)v); }
static const char *status_name(int v) { return wt_status_str((wt_status)v); }

WT_EXPORT void wt_wasm_abi(char *buf, double cap, double *len) {
  json_out o = {buf, buf ? (size_t)cap : 0, 0};
  put(&o, "{\"records\":{");
  for (size_t l = 0; l < sizeof LAYOUTS / sizeof LAYOUTS[0]; l++) {
    const struct layout *L = &LAYOUTS[l];
    if (l) put(&o, ",");
    put_str(&o, L->name);
    put(&o, ":{\"size\":");
    put_int(&o, L->size);
    put(&o, ",\"fields\":[");
    for (size_t i = 0; i < L->n; i++) {
      const wt__rec_field *f = &L->fields[i];
      put(&o, i ? ",[" : "[");
      put_str(&o, f->name);
      put(&o, ",");
      put_int(&o, f->offset);
      put(&o, ",");
      put_int(&o, f->count);
      put(&o, ",");
      put_str(&o, f->type);
      put(&o, "]");
    }
    put(&o, "]}");
  }
  put(&o, "},\"enums\":{");
  put_enum(&o, "wt_optim_kind", WT_OPTIM_KIND_COUNT, optim_name);
  put_enum(&o, "wt_aug_step_kind", WT_STEP_COUNT, step_name);
  put_enum(&o, "wt_aug_op", WT_AUG_OP_COUNT, op_name);
  put_enum(&o, "wt_status", WT_STATUS_COUNT, status_name);
  const size_t n_named = sizeof NAMED / sizeof NAMED[0];
  for (size_t i = 0; i < n_named; i++) {
    const int first = i == 0 || strcmp(NAMED[i].type, NAMED[i - 1].type) != 0;
    const int last = i + 1 == n_named || strcmp(NAMED[i].type, NAMED[i + 1].type) != 0;
    if (first) {
      put_str(&o, NAMED[i].type);
      put(&o, ":{");
    }
    put_str(&o, NAMED[i].name);
    put(&o, ":");
    put_int(&o, NAMED[i].value);
    put(&o, last ? (i + 1 == n_named ? "}" : "},") : ",");
  }
  put(&o, "}}");
  if (o.cap) o.buf[o.len < o.cap ? o.len : o.cap - 1] = 0;
  *len = (double)o.len;
}
