/* records.h - the option records that cross the JS ABI (src/wasm/exports.c only), each declared
   once as an X-macro field list. A record is a block of float64 slots; from one list come the
   slot offsets (R_<REC>_<field>), the record's size, the C unpacker (and packer) into the
   engine's struct, and the layout wt_wasm_abi() hands to JS, which writes fields by name
   (js/runtime.js writeRecord). A new field is one line here and one name in the JS packer.

   X(R, name, member, n, T): field `name` of n slots, read into the struct's `member` (an
   lvalue path, e.g. batch.mixup_alpha) of type T (n > 1: an array of n T; a static assert
   checks the size). P(R, name, n): an optional float[n] behind the pointer member `name`: one
   presence slot (0: NULL) then n slots. Why doubles and not JSON: see docs/design.md. */
#ifndef WT_WASM_RECORDS_H
#define WT_WASM_RECORDS_H

/* wt_optim_options */
#define WT_RECORD_OPTIM(X, R)                                                                  \
  X(R, kind, kind, 1, wt_optim_kind) X(R, lr, lr, 1, double)                                 \
  X(R, weight_decay, weight_decay, 1, double) X(R, momentum, momentum, 1, double)            \
  X(R, dampening, dampening, 1, double) X(R, nesterov, nesterov, 1, int)                     \
  X(R, beta1, beta1, 1, double) X(R, beta2, beta2, 1, double) X(R, eps, eps, 1, double)      \
  X(R, amsgrad, amsgrad, 1, int) X(R, final_lr, final_lr, 1, double)                         \
  X(R, gamma, gamma, 1, double) X(R, no_bias_decay, no_bias_decay, 1, int)

/* wt_schedule */
#define WT_RECORD_SCHEDULE(X, R)                                                               \
  X(R, kind, kind, 1, wt_schedule_kind) X(R, per_epoch, per_epoch, 1, int)                   \
  X(R, step_size, step_size, 1, int64_t) X(R, gamma, gamma, 1, double)                       \
  X(R, t_max, t_max, 1, int64_t) X(R, eta_min, eta_min, 1, double)                           \
  X(R, warmup, warmup, 1, int64_t) X(R, warmup_start_factor, warmup_start_factor, 1, double) \
  X(R, n_milestones, n_milestones, 1, int)                                                   \
  X(R, milestones, milestones, WT_SCHEDULE_MAX_MILESTONES, int64_t)

/* The loss and batch-trick part of wt_trainer_options. */
#define WT_RECORD_LOSS(X, R)                                                                   \
  X(R, label_smoothing, label_smoothing, 1, double)                                          \
  X(R, mixup_alpha, batch.mixup_alpha, 1, double)                                            \
  X(R, cutmix_alpha, batch.cutmix_alpha, 1, double)                                          \
  X(R, ricap_beta, batch.ricap_beta, 1, double) X(R, prob, batch.prob, 1, double)            \
  X(R, switch_prob, batch.switch_prob, 1, double)                                            \
  X(R, kd_temperature, kd_temperature, 1, double) X(R, kd_weight, kd_weight, 1, double)      \
  X(R, grad_clip_norm, grad_clip_norm, 1, double)

/* wt_batch_params without perm (a separate int32 buffer of WT_BATCH_MAX_PARTS * N). */
#define WT_RECORD_BATCH(X, R)                                                                  \
  X(R, trick, trick, 1, wt_batch_trick) X(R, n_parts, n_parts, 1, int)                       \
  X(R, weight, weight, WT_BATCH_MAX_PARTS, double) X(R, lambda, lambda, 1, double)           \
  X(R, lambda_drawn, lambda_drawn, 1, double) X(R, center, center, 2, int64_t)               \
  X(R, box, box, 4, int64_t) X(R, boundary, boundary, 2, int64_t)                            \
  X(R, offset, offset, 2 * WT_BATCH_MAX_PARTS, int64_t) X(R, N, N, 1, int64_t)               \
  X(R, H, H, 1, int64_t) X(R, W, W, 1, int64_t)

/* wt_aug_step (one pipeline step; wt_wasm_data_batch takes an array of them). */
#define WT_RECORD_STEP(X, P, R)                                                                \
  X(R, kind, kind, 1, wt_aug_step_kind) X(R, p, p, 1, float)                                 \
  X(R, size_h, size_h, 1, int64_t) X(R, size_w, size_w, 1, int64_t)                          \
  X(R, padding, padding, 1, int64_t) X(R, scale, scale, 2, float)                            \
  X(R, ratio, ratio, 2, float) X(R, interp, interp, 1, wt_interp) P(R, fill, 4)              \
  X(R, policy, policy, 1, wt_aug_policy) X(R, num_ops, num_ops, 1, int)                      \
  X(R, magnitude_bin, magnitude_bin, 1, int) X(R, num_bins, num_bins, 1, int)                \
  X(R, op, op, 1, wt_aug_op) X(R, magnitude, magnitude, 1, double)                           \
  X(R, out_C, out_C, 1, int64_t) P(R, mean, 4) P(R, std, 4) X(R, n_holes, n_holes, 1, int)   \
  X(R, length, length, 1, int64_t) X(R, erase_mode, erase_mode, 1, wt_erase_mode)            \
  P(R, value, 4)

/* Slot offsets: R_<REC>_<name>, then R_<REC>_SIZE. */
#define WT__REC_OFF(R, name, member, n, T) R##_##name, R##_##name##__last = R##_##name + (n) - 1,
#define WT__REC_OFF_P(R, name, n) R##_##name, R##_##name##__last = R##_##name + (n),
enum { WT_RECORD_OPTIM(WT__REC_OFF, R_OPTIM) R_OPTIM_SIZE };
enum { WT_RECORD_SCHEDULE(WT__REC_OFF, R_SCHEDULE) R_SCHEDULE_SIZE };
enum { WT_RECORD_LOSS(WT__REC_OFF, R_LOSS) R_LOSS_SIZE };
enum { WT_RECORD_BATCH(WT__REC_OFF, R_BATCH) R_BATCH_SIZE };
enum { WT_RECORD_STEP(WT__REC_OFF, WT__REC_OFF_P, R_STEP) R_STEP_SIZE };

/* Unpacker / packer bodies over `r` (const double * / double *) and `s` (the struct pointer). */
#define WT__REC_GET(R, name, member, n, T)                                                     \
  {                                                                                            \
    _Static_assert(sizeof s->member == (n) * sizeof(T), #R "." #name ": count or type");      \
    T *d_ = (T *)(void *)&s->member;                                                           \
    for (int i_ = 0; i_ < (n); i_++) d_[i_] = (T)r[R##_##name + i_];                          \
  }
#define WT__REC_PUT(R, name, member, n, T)                                                     \
  {                                                                                            \
    const T *d_ = (const T *)(const void *)&s->member;                                         \
    for (int i_ = 0; i_ < (n); i_++) r[R##_##name + i_] = (double)d_[i_];                     \
  }

/* One field of a layout, as wt_wasm_abi() describes it to JS. */
typedef struct wt__rec_field {
  const char *name;
  int offset, count;
  const char *type; /* the C type: "double", "int64_t", an enum's type name, "optional float" */
} wt__rec_field;
#define WT__REC_DESC(R, name, member, n, T) {#name, R##_##name, (n), #T},
#define WT__REC_DESC_P(R, name, n) {#name, R##_##name, (n), "optional float"},

#endif /* WT_WASM_RECORDS_H */
