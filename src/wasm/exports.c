/* exports.c - the JS ABI: the only file with EMSCRIPTEN_KEEPALIVE. Flat C over numbers,
   pointers and opaque handles; i64 never crosses the boundary (JS passes int32 or double).
   Every fallible call returns a wt_status (0 = ok); the message is wt_ctx_last_error(ctx).
   Ownership: whoever calls *_create / wt_wasm_alloc frees with the matching destroy / free. */
#include <emscripten.h>
#include <math.h>
#include <stdlib.h>

#include "../wasmtricks.h"

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

/* ---- optimizer and schedule options cross as flat float64 records (js/optim.js packs them):
   optim (13):    kind, lr, weight_decay, momentum, dampening, nesterov, beta1, beta2, eps,
                  amsgrad, final_lr, gamma, no_bias_decay   (kind: wt_optim_kind; flags 0/1)
   schedule (25): kind, per_epoch, step_size, gamma, t_max, eta_min, warmup,
                  warmup_start_factor, n_milestones, milestones[16]   (kind: wt_schedule_kind) */
static wt_optim_options unpack_optim(const double *r) {
  return (wt_optim_options){.kind = (wt_optim_kind)(int)r[0], .lr = r[1], .weight_decay = r[2],
                            .momentum = r[3], .dampening = r[4], .nesterov = (int)r[5],
                            .beta1 = r[6], .beta2 = r[7], .eps = r[8], .amsgrad = (int)r[9],
                            .final_lr = r[10], .gamma = r[11], .no_bias_decay = (int)r[12]};
}
static wt_schedule unpack_schedule(const double *r) {
  wt_schedule s = {.kind = (wt_schedule_kind)(int)r[0], .per_epoch = (int)r[1],
                   .step_size = (int64_t)r[2], .gamma = r[3], .t_max = (int64_t)r[4],
                   .eta_min = r[5], .warmup = (int64_t)r[6], .warmup_start_factor = r[7],
                   .n_milestones = (int)r[8]};
  for (int i = 0; i < WT_SCHEDULE_MAX_MILESTONES; i++) s.milestones[i] = (int64_t)r[9 + i];
  return s;
}

/* ---- training. optim: the 13-double record; schedule: the 25-double record or NULL (none);
   loss: 9 doubles { label_smoothing, mixup_alpha, cutmix_alpha, ricap_beta, prob, switch_prob,
   kd_temperature, kd_weight, grad_clip_norm } or NULL; teacher: a model or NULL. */
WT_EXPORT int wt_wasm_trainer_create(wt_model *m, const double *optim, const double *schedule,
                                     const double *loss, wt_model *teacher, wt_trainer **out) {
  wt_trainer_options o = {.optim = unpack_optim(optim)};
  if (schedule) o.schedule = unpack_schedule(schedule);
  if (loss) {
    o.label_smoothing = loss[0];
    o.batch = (wt_batch_options){.mixup_alpha = loss[1], .cutmix_alpha = loss[2],
                                 .ricap_beta = loss[3], .prob = loss[4], .switch_prob = loss[5]};
    o.kd_temperature = loss[6], o.kd_weight = loss[7], o.grad_clip_norm = loss[8];
  }
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
WT_EXPORT double wt_wasm_trainer_steps(wt_trainer *t) { return (double)wt_trainer_steps(t); }
WT_EXPORT double wt_wasm_trainer_grad_norm(wt_trainer *t) { return wt_trainer_grad_norm(t); }
/* x: N*C*H*W floats, labels: N int32; out2: two floats written: loss, accuracy. */
WT_EXPORT int wt_wasm_trainer_step(wt_trainer *t, const float *x, const int32_t *labels, int N,
                                   float *out2) {
  return wt_trainer_step(t, x, labels, N, &out2[0], &out2[1]);
}

/* ---- standalone optimizer over a caller's flat block of n floats (one parameter group; the
   base lr is the record's lr). params/grads: n floats each, params updated in place. */
WT_EXPORT int wt_wasm_optim_create(wt_ctx *ctx, const double *optim, double n, wt_optim **out) {
  const wt_optim_options o = unpack_optim(optim);
  return wt_optim_create(ctx, &o, (size_t)n, NULL, 0, out);
}
WT_EXPORT void wt_wasm_optim_destroy(wt_optim *o) { wt_optim_destroy(o); }
WT_EXPORT int wt_wasm_optim_step(wt_optim *o, float *params, const float *grads) {
  return wt_optim_step(o, params, grads);
}
WT_EXPORT int wt_wasm_optim_set_lr(wt_optim *o, double lr) { return wt_optim_set_lr(o, lr); }
WT_EXPORT double wt_wasm_optim_lr(wt_optim *o) { return wt_optim_lr(o); }
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
/* kind: 0 AutoAugment (a = policy), 1 RandAugment (a = num_ops, b = magnitude, c = bins),
   2 TrivialAugmentWide (c = bins). src == dst allowed. report: NULL, or 2 + 5 * 64 doubles
   (caller-allocated) WRITTEN with what was drawn (wt_aug_report): sub_policy, n_ops, then per
   op: op, bin, applied, p, magnitude. */
WT_EXPORT int wt_wasm_aug_policy(wt_ctx *ctx, int kind, int a, int b, int c, int interp, const float *fill,
                                 const uint8_t *src, int H, int W, int C, uint8_t *dst, double *report) {
  const wt_image *s = WT_IMG(src, H, W, C);
  wt_image *d = WT_IMG(dst, H, W, C);
  wt_aug_report r;
  wt_aug_report *rp = report ? &r : NULL;
  wt_status st;
  if (kind == 0) st = wt_aug_autoaugment(ctx, (wt_aug_policy)a, (wt_interp)interp, fill, s, d, rp);
  else if (kind == 1) st = wt_aug_randaugment(ctx, a, b, c, (wt_interp)interp, fill, s, d, rp);
  else st = wt_aug_trivialaugment(ctx, c, (wt_interp)interp, fill, s, d, rp);
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
WT_EXPORT int wt_wasm_aug_cutout_f32(wt_ctx *ctx, float *x, int C, int H, int W, int n_holes, int length) {
  return wt_aug_cutout_f32(ctx, x, C, H, W, n_holes, length);
}
/* In place: box {top, left, h, w}; mode 0 const (value: colour bytes), 1 random. */
WT_EXPORT int wt_wasm_aug_erase_u8(wt_ctx *ctx, uint8_t *img, int H, int W, int C, int top, int left, int h,
                                   int w, int mode, const uint8_t *value) {
  const int64_t box[4] = {top, left, h, w};
  return wt_aug_erase_u8(ctx, WT_IMG(img, H, W, C), box, (wt_erase_mode)mode, value);
}
WT_EXPORT int wt_wasm_aug_erase_f32(wt_ctx *ctx, float *x, int C, int H, int W, int top, int left, int h,
                                    int w, int mode, const float *value) {
  const int64_t box[4] = {top, left, h, w};
  return wt_aug_erase_f32(ctx, x, C, H, W, box, (wt_erase_mode)mode, value);
}
/* dst: out_C*H*W floats (CHW); mean/std: out_C floats or NULL. */
WT_EXPORT int wt_wasm_image_to_tensor(wt_ctx *ctx, const uint8_t *src, int H, int W, int C, int out_C,
                                      const float *mean, const float *std, float *dst) {
  return wt_image_to_tensor(ctx, WT_IMG(src, H, W, C), out_C, mean, std, dst);
}
#undef WT_IMG

/* ---- batch tricks (mixup, CutMix, RICAP; src/augment/batch/). A wt_batch_params crosses as a
   record of WT_WASM_BATCH_REC doubles plus a perm buffer of 4*N int32 (both JS-allocated):
     rec: trick, n_parts, weight[4], lambda, lambda_drawn, center[2] (x, y), box[4]
          (x0, y0, x1, y1), boundary[2] (w, h), offsets[4][2] (x, y), N, H, W
   (trick: wt_batch_trick). Samplers and setters fill rec and perm; the others read them. */
#define WT_WASM_BATCH_REC 27
static void pack_batch(const wt_batch_params *p, double *r) {
  r[0] = p->trick, r[1] = p->n_parts;
  for (int k = 0; k < 4; k++) r[2 + k] = p->weight[k];
  r[6] = p->lambda, r[7] = p->lambda_drawn, r[8] = (double)p->center[0], r[9] = (double)p->center[1];
  for (int i = 0; i < 4; i++) r[10 + i] = (double)p->box[i];
  r[14] = (double)p->boundary[0], r[15] = (double)p->boundary[1];
  for (int k = 0; k < 4; k++) r[16 + 2 * k] = (double)p->offset[k][0], r[17 + 2 * k] = (double)p->offset[k][1];
  r[24] = (double)p->N, r[25] = (double)p->H, r[26] = (double)p->W;
}
static wt_batch_params unpack_batch(const double *r, int32_t *perm) {
  wt_batch_params p = {.trick = (wt_batch_trick)(int)r[0], .n_parts = (int)r[1], .perm = perm,
                       .lambda = r[6], .lambda_drawn = r[7]};
  for (int k = 0; k < 4; k++) p.weight[k] = r[2 + k];
  p.center[0] = (int64_t)r[8], p.center[1] = (int64_t)r[9];
  for (int i = 0; i < 4; i++) p.box[i] = (int64_t)r[10 + i];
  p.boundary[0] = (int64_t)r[14], p.boundary[1] = (int64_t)r[15];
  for (int k = 0; k < 4; k++) p.offset[k][0] = (int64_t)r[16 + 2 * k], p.offset[k][1] = (int64_t)r[17 + 2 * k];
  p.N = (int64_t)r[24], p.H = (int64_t)r[25], p.W = (int64_t)r[26];
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
/* Explicit parameters. trick 1 mixup: in = {lambda}, src = partner (N); 2 CutMix: in = box[4],
   src = partner (N); 3 RICAP: in = {w, h, x0, y0, ..., x3, y3}, src = 4 perms (4*N). */
WT_EXPORT int wt_wasm_batch_params(wt_ctx *ctx, int trick, int N, int H, int W, const double *in,
                                   const int32_t *src, int32_t *perm, double *rec) {
  wt_batch_params p = {.perm = perm};
  wt_status st;
  if (trick == WT_BATCH_MIXUP) {
    st = wt_mixup_params(ctx, N, in[0], src, &p);
    if (st == WT_OK) p.H = H, p.W = W;
  } else if (trick == WT_BATCH_CUTMIX) {
    const int64_t box[4] = {(int64_t)in[0], (int64_t)in[1], (int64_t)in[2], (int64_t)in[3]};
    st = wt_cutmix_params(ctx, N, H, W, box, src, &p);
  } else {
    const int64_t boundary[2] = {(int64_t)in[0], (int64_t)in[1]};
    int64_t offsets[4][2];
    for (int k = 0; k < 4; k++) offsets[k][0] = (int64_t)in[2 + 2 * k], offsets[k][1] = (int64_t)in[3 + 2 * k];
    st = wt_ricap_params(ctx, N, H, W, boundary, offsets, src, &p);
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

/* Pipeline steps cross as records of WT_WASM_STEP_REC doubles (js/loader.js packs them):
     0 kind, 1 p, 2 size_h, 3 size_w, 4 padding, 5-6 scale, 7-8 ratio, 9 interp, 10 has_fill,
     11-14 fill[4], 15 policy, 16 num_ops, 17 magnitude_bin, 18 num_bins, 19 op, 20 magnitude,
     21 out_C, 22 has_mean_std, 23-26 mean[4], 27-30 std[4], 31 n_holes, 32 length,
     33 erase_mode, 34 has_value, 35-38 value[4], 39 unused
   (kind: wt_aug_step_kind, policy: wt_aug_policy, op: wt_aug_op). At most 16 steps. */
#define WT_WASM_STEP_REC 40
#define WT_WASM_MAX_STEPS 16
typedef struct wasm_steps {
  wt_aug_step s[WT_WASM_MAX_STEPS];
  float fill[WT_WASM_MAX_STEPS][4], mean[WT_WASM_MAX_STEPS][4], std[WT_WASM_MAX_STEPS][4],
      value[WT_WASM_MAX_STEPS][4];
} wasm_steps;
static void unpack_steps(const double *rec, int n, wasm_steps *w) {
  for (int k = 0; k < n; k++) {
    const double *r = rec + k * WT_WASM_STEP_REC;
    wt_aug_step *s = &w->s[k];
    for (int i = 0; i < 4; i++) {
      w->fill[k][i] = (float)r[11 + i], w->mean[k][i] = (float)r[23 + i];
      w->std[k][i] = (float)r[27 + i], w->value[k][i] = (float)r[35 + i];
    }
    *s = (wt_aug_step){.kind = (wt_aug_step_kind)(int)r[0], .p = (float)r[1],
                       .size_h = (int64_t)r[2], .size_w = (int64_t)r[3], .padding = (int64_t)r[4],
                       .scale = {(float)r[5], (float)r[6]}, .ratio = {(float)r[7], (float)r[8]},
                       .interp = (wt_interp)(int)r[9], .fill = r[10] != 0.0 ? w->fill[k] : NULL,
                       .policy = (wt_aug_policy)(int)r[15], .num_ops = (int)r[16],
                       .magnitude_bin = (int)r[17], .num_bins = (int)r[18],
                       .op = (wt_aug_op)(int)r[19], .magnitude = r[20], .out_C = (int64_t)r[21],
                       .mean = r[22] != 0.0 ? w->mean[k] : NULL,
                       .std = r[22] != 0.0 ? w->std[k] : NULL, .n_holes = (int)r[31],
                       .length = (int64_t)r[32], .erase_mode = (wt_erase_mode)(int)r[33],
                       .value = r[34] != 0.0 ? w->value[k] : NULL};
  }
}
/* steps: n_steps records; src: n*H*W*C bytes (HWC images); out: n*out_C*OH*OW floats;
   out_chw (int32[3], may be NULL) receives the tensor extent. */
WT_EXPORT int wt_wasm_data_batch(wt_ctx *ctx, const double *steps, int n_steps, const uint8_t *src,
                                 int n, int H, int W, int C, float *out) {
  if (n_steps < 1 || n_steps > WT_WASM_MAX_STEPS) return WT_ERR_ARG;
  wasm_steps w;
  unpack_steps(steps, n_steps, &w);
  return wt_data_batch(ctx, w.s, n_steps, src, n, H, W, C, out);
}
/* out3: int32[3] = { out_C, OH, OW } of the pipeline for an H x W x C input. */
WT_EXPORT int wt_wasm_data_batch_shape(wt_ctx *ctx, const double *steps, int n_steps, int H, int W,
                                       int C, int32_t *out3) {
  if (n_steps < 1 || n_steps > WT_WASM_MAX_STEPS) return WT_ERR_ARG;
  wasm_steps w;
  unpack_steps(steps, n_steps, &w);
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
