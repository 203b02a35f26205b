/* test_badinput.c - the C API's table-driven bad-input suite (issue #12): each public entry point
   against the classes of bad input that apply to it in C (NULL pointers, a wrong "type" (an
   enum value out of range), wrong lengths, shape mismatches, zero sizes, absurdly large or
   overflowing extents, labels out of range, NaN/Inf, options out of range). Every case must
   return its status with a message in the context that names the argument (calls without a
   context: the status alone), allocate nothing that outlives the call, and leave the context
   usable: a fixture model in the same context still predicts and trains right after. Use
   after destroy has no C analogue to test (it is undefined behaviour by contract); the JS
   suite covers it. Prints the count of entry points x classes tried. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

enum { NUL, TYPE, LENGTH, SHAPE, ZERO, HUGE, LABEL, NONFINITE, RANGE, N_CLASSES };
static const char *const class_names[N_CLASSES] = {"null", "wrongType", "wrongLength", "shape",
                                                   "zeroSize", "huge", "labelRange", "nonFinite",
                                                   "optionRange"};

/* What every case may use: a context with a small model and a trainer in it, a good batch. */
typedef struct fx {
  wt_ctx *ctx;
  wt_model *m;
  wt_trainer *t;
  wt_optim *o;
  float x[4 * 64], logits[4 * 4], p8[8], g8[8];
  int32_t y[4];
  uint8_t *st; /* the model's safetensors bytes */
  size_t st_len;
  uint8_t img[8 * 8 * 3], out[16 * 16 * 3];
} fx;

typedef wt_status (*case_fn)(fx *f);
typedef struct bad_case {
  const char *entry;
  int cls;
  case_fn fn;
  wt_status want;
  const char *msg; /* a substring of the message naming the argument; NULL: no context to hold one */
} bad_case;

#define BAD(name) static wt_status name(fx *f)
#define UNUSED (void)f

static const wt_optim_options SGD = {.kind = WT_OPTIM_SGD, .lr = 0.01, .momentum = 0.9};
static const char SPEC_OK[] = "{\"input\":[1,4,4],\"classes\":3,\"layers\":[{\"type\":\"flatten\"},{\"type\":\"linear\",\"out_features\":3}]}";

/* ---- context, tensors */
BAD(ctx_create_null_st) { UNUSED; wt_ctx *c = wt_ctx_create(&(wt_ctx_options){.arena_bytes = SIZE_MAX - 8}, NULL); return c ? (wt_ctx_destroy(c), WT_OK) : WT_ERR_OOM; }
BAD(tensor_null) { wt_tensor t; return wt_tensor_nchw(f->ctx, NULL, 1, 1, 1, 1, &t); }
BAD(tensor_zero) { wt_tensor t; return wt_tensor_nchw(f->ctx, f->x, 0, 1, 8, 8, &t); }
BAD(tensor_huge) { wt_tensor t; return wt_tensor_nchw(f->ctx, f->x, (int64_t)1 << 40, 1, 8, 8, &t); }
BAD(tensor_overflow) { wt_tensor t; return wt_tensor_nchw(f->ctx, f->x, (int64_t)1 << 20, (int64_t)1 << 20, (int64_t)1 << 20, 2, &t); }

/* ---- layers */
BAD(conv_sizes_null) { wt_layer_sizes s; return wt_conv2d_sizes(f->ctx, NULL, 1, &s); }
BAD(conv_sizes_zero) { wt_layer_sizes s; wt_conv2d l = {.C = 1, .H = 8, .W = 8, .OC = 0, .KH = 3, .KW = 3, .stride_h = 1, .stride_w = 1}; return wt_conv2d_sizes(f->ctx, &l, 1, &s); }
BAD(conv_sizes_shape) { wt_layer_sizes s; wt_conv2d l = {.C = 1, .H = 2, .W = 2, .OC = 1, .KH = 3, .KW = 3, .stride_h = 1, .stride_w = 1}; return wt_conv2d_sizes(f->ctx, &l, 1, &s); }
BAD(conv_sizes_huge) { wt_layer_sizes s; wt_conv2d l = {.C = (int64_t)1 << 24, .H = 1 << 12, .W = 1 << 12, .OC = 1 << 12, .KH = 1, .KW = 1, .stride_h = 1, .stride_w = 1}; return wt_conv2d_sizes(f->ctx, &l, 1, &s); }
BAD(conv_sizes_range) { wt_layer_sizes s; wt_conv2d l = {.C = 1, .H = 8, .W = 8, .OC = 1, .KH = 3, .KW = 3, .stride_h = 0, .stride_w = 1}; return wt_conv2d_sizes(f->ctx, &l, 1, &s); }
BAD(conv_sizes_pad) { wt_layer_sizes s; wt_conv2d l = {.C = 1, .H = 8, .W = 8, .OC = 1, .KH = 3, .KW = 3, .stride_h = 1, .stride_w = 1, .pad_h = -1}; return wt_conv2d_sizes(f->ctx, &l, 1, &s); }
BAD(conv_fwd_null) { wt_conv2d l = {.C = 1, .H = 8, .W = 8, .OC = 1, .KH = 3, .KW = 3, .stride_h = 1, .stride_w = 1}; wt_layer_sizes s; wt_status st = wt_conv2d_sizes(f->ctx, &l, 1, &s); if (st) return WT_OK; return wt_conv2d_forward(f->ctx, &l, 1, NULL, f->logits, NULL, NULL); }
BAD(linear_sizes_zero) { wt_layer_sizes s; wt_linear l = {.IN = 0, .OUT = 3}; return wt_linear_sizes(f->ctx, &l, 1, &s); }
BAD(linear_sizes_huge) { wt_layer_sizes s; wt_linear l = {.IN = (int64_t)1 << 24, .OUT = (int64_t)1 << 24}; return wt_linear_sizes(f->ctx, &l, 1, &s); }
BAD(linear_sizes_n) { wt_layer_sizes s; wt_linear l = {.IN = 4, .OUT = 3}; return wt_linear_sizes(f->ctx, &l, -5, &s); }
BAD(linear_fwd_null) { wt_linear l = {.IN = 4, .OUT = 3}; return wt_linear_forward(f->ctx, &l, 1, f->x, f->logits, NULL, NULL); }
BAD(pool_sizes_range) { wt_layer_sizes s; wt_maxpool2d l = {.C = 1, .H = 8, .W = 8, .KH = 2, .KW = 2, .stride_h = 2, .stride_w = 2, .pad_h = 2}; return wt_maxpool2d_sizes(f->ctx, &l, 1, &s); }
BAD(pool_sizes_shape) { wt_layer_sizes s; wt_maxpool2d l = {.C = 1, .H = 1, .W = 8, .KH = 2, .KW = 2, .stride_h = 2, .stride_w = 2}; return wt_maxpool2d_sizes(f->ctx, &l, 1, &s); }
BAD(avgpool_sizes_zero) { wt_layer_sizes s; wt_avgpool2d l = {.C = 0, .H = 8, .W = 8, .KH = 2, .KW = 2, .stride_h = 2, .stride_w = 2}; return wt_avgpool2d_sizes(f->ctx, &l, 1, &s); }
BAD(bn_sizes_range) { wt_layer_sizes s; wt_batchnorm2d l = {.C = 4, .H = 8, .W = 8, .eps = -1.0, .momentum = 0.1}; return wt_batchnorm2d_sizes(f->ctx, &l, 1, &s); }
BAD(bn_sizes_nan) { wt_layer_sizes s; wt_batchnorm2d l = {.C = 4, .H = 8, .W = 8, .eps = 1e-5, .momentum = (double)NAN}; return wt_batchnorm2d_sizes(f->ctx, &l, 1, &s); }
BAD(dropout_sizes_range) { wt_layer_sizes s; wt_dropout l = {.elems = 64, .p = 1.5}; return wt_dropout_sizes(f->ctx, &l, 1, &s); }
BAD(relu_sizes_zero) { wt_layer_sizes s; wt_relu l = {.elems = 0}; return wt_relu_sizes(f->ctx, &l, 1, &s); }
BAD(flatten_sizes_huge) { wt_layer_sizes s; wt_flatten l = {.elems = (int64_t)1 << 40}; return wt_flatten_sizes(f->ctx, &l, 1, &s); }
BAD(add_sizes_overflow) { wt_layer_sizes s; wt_add l = {.elems = (int64_t)1 << 30}; return wt_add_sizes(f->ctx, &l, (int64_t)1 << 20, &s); }

/* ---- losses */
BAD(ce_null) { return wt_cross_entropy(f->ctx, 4, 4, NULL, f->y, NULL, NULL, NULL, NULL, NULL); }
BAD(ce_both) { return wt_cross_entropy(f->ctx, 4, 4, f->logits, f->y, f->logits, NULL, NULL, NULL, NULL); }
BAD(ce_zero) { return wt_cross_entropy(f->ctx, 0, 4, f->logits, f->y, NULL, NULL, NULL, NULL, NULL); }
BAD(ce_huge) { return wt_cross_entropy(f->ctx, (int64_t)1 << 40, 4, f->logits, f->y, NULL, NULL, NULL, NULL, NULL); }
BAD(ce_label) { int32_t y[4] = {0, 1, 4, 3}; return wt_cross_entropy(f->ctx, 4, 4, f->logits, y, NULL, NULL, NULL, NULL, NULL); }
BAD(ce_label_neg) { int32_t y[4] = {0, -1, 2, 3}; return wt_cross_entropy(f->ctx, 4, 4, f->logits, y, NULL, NULL, NULL, NULL, NULL); }
BAD(ce_nan) { float z[16] = {0}; z[6] = NAN; return wt_cross_entropy(f->ctx, 4, 4, z, f->y, NULL, NULL, NULL, NULL, NULL); }
BAD(ce_eps) { wt_ce_options o = {.label_smoothing = 1.5}; return wt_cross_entropy(f->ctx, 4, 4, f->logits, f->y, NULL, &o, NULL, NULL, NULL); }
BAD(ce_reduction) { wt_ce_options o = {.reduction = (wt_reduction)7}; return wt_cross_entropy(f->ctx, 4, 4, f->logits, f->y, NULL, &o, NULL, NULL, NULL); }
BAD(kd_null) { wt_distill_options o = {.temperature = 2}; return wt_distillation(f->ctx, 4, 4, f->logits, NULL, &o, NULL, NULL); }
BAD(kd_temp) { wt_distill_options o = {.temperature = 0}; return wt_distillation(f->ctx, 4, 4, f->logits, f->logits, &o, NULL, NULL); }
BAD(kd_inf) { float z[16] = {0}; z[3] = -INFINITY; wt_distill_options o = {.temperature = 2}; return wt_distillation(f->ctx, 4, 4, f->logits, z, &o, NULL, NULL); }
BAD(kd_zero) { wt_distill_options o = {.temperature = 2}; return wt_distillation(f->ctx, 4, 0, f->logits, f->logits, &o, NULL, NULL); }

/* ---- optimizers and schedules */
BAD(optim_kind) { wt_optim *o = NULL; wt_optim_options op = SGD; op.kind = (wt_optim_kind)9; return wt_optim_create(f->ctx, &op, 8, NULL, 0, &o); }
BAD(optim_lr) { wt_optim *o = NULL; wt_optim_options op = SGD; op.lr = -1; return wt_optim_create(f->ctx, &op, 8, NULL, 0, &o); }
BAD(optim_nan) { wt_optim *o = NULL; wt_optim_options op = wt_optim_defaults(WT_OPTIM_ADAM); op.beta2 = (double)NAN; return wt_optim_create(f->ctx, &op, 8, NULL, 0, &o); }
BAD(optim_beta) { wt_optim *o = NULL; wt_optim_options op = wt_optim_defaults(WT_OPTIM_ADAM); op.beta1 = 1.0; return wt_optim_create(f->ctx, &op, 8, NULL, 0, &o); }
BAD(optim_null) { wt_optim *o = NULL; return wt_optim_create(f->ctx, NULL, 8, NULL, 0, &o); }
BAD(optim_ranges) { wt_optim *o = NULL; wt_optim_options op = SGD; op.no_bias_decay = 1; op.weight_decay = 1e-4; wt_param_range r = {6, 4}; return wt_optim_create(f->ctx, &op, 8, &r, 1, &o); }
BAD(optim_huge) { wt_optim *o = NULL; return wt_optim_create(f->ctx, &SGD, SIZE_MAX, NULL, 0, &o); }
BAD(optim_step_null) { return wt_optim_step(f->o, NULL, f->g8); }
BAD(optim_set_lr) { return wt_optim_set_lr(f->o, (double)INFINITY); }
BAD(optim_import_len) { float s[8] = {0}; return wt_optim_state_import(f->o, s, 7, 0); }
BAD(optim_import_nan) { float s[8] = {0}; s[2] = NAN; return wt_optim_state_import(f->o, s, wt_optim_state_floats(f->o), 0); }
BAD(optim_import_steps) { float s[8] = {0}; return wt_optim_state_import(f->o, s, wt_optim_state_floats(f->o), -3); }
BAD(optim_export_len) { float s[8]; return wt_optim_state_export(f->o, s, 3, NULL); }
BAD(sched_kind) { double lr; wt_schedule s = {.kind = (wt_schedule_kind)11}; return wt_schedule_lr(f->ctx, &s, 0.1, 0, &lr); }
BAD(sched_tmax) { double lr; wt_schedule s = {.kind = WT_SCHEDULE_COSINE, .t_max = 0}; return wt_schedule_lr(f->ctx, &s, 0.1, 0, &lr); }
BAD(sched_tick) { double lr; wt_schedule s = {.kind = WT_SCHEDULE_COSINE, .t_max = 10}; return wt_schedule_lr(f->ctx, &s, 0.1, -1, &lr); }
BAD(sched_gamma) { double lr; wt_schedule s = {.kind = WT_SCHEDULE_STEP, .step_size = 2, .gamma = (double)NAN}; return wt_schedule_lr(f->ctx, &s, 0.1, 1, &lr); }
BAD(sched_milestones) { double lr; wt_schedule s = {.kind = WT_SCHEDULE_MULTISTEP, .gamma = 0.1, .n_milestones = 17}; return wt_schedule_lr(f->ctx, &s, 0.1, 1, &lr); }
BAD(sched_null) { return wt_schedule_lr(f->ctx, NULL, 0.1, 1, NULL); }

/* ---- models */
BAD(student_null_out) { return wt_model_create_student_cnn(f->ctx, 1, 8, 8, 4, NULL); }
BAD(student_null_ctx) { UNUSED; wt_model *m = NULL; return wt_model_create_student_cnn(NULL, 1, 8, 8, 4, &m); }
BAD(student_zero) { wt_model *m = NULL; return wt_model_create_student_cnn(f->ctx, 0, 8, 8, 4, &m); }
BAD(student_odd) { wt_model *m = NULL; return wt_model_create_student_cnn(f->ctx, 1, 7, 8, 4, &m); }
BAD(student_huge) { wt_model *m = NULL; return wt_model_create_student_cnn(f->ctx, 1, (int64_t)1 << 40, 8, 4, &m); }
BAD(student_params) { wt_model *m = NULL; return wt_model_create_student_cnn(f->ctx, 1, (int64_t)1 << 24, (int64_t)1 << 24, 4, &m); }
BAD(student_classes) { wt_model *m = NULL; return wt_model_create_student_cnn(f->ctx, 1, 8, 8, 1, &m); }
BAD(resnet_depth) { wt_model *m = NULL; return wt_model_create_resnet(f->ctx, 10, 3, 8, 8, 2, 0, &m); }
BAD(resnet_zero) { wt_model *m = NULL; return wt_model_create_resnet(f->ctx, 8, 3, 0, 8, 2, 0, &m); }
BAD(resnet_huge) { wt_model *m = NULL; return wt_model_create_resnet(f->ctx, 8, (int64_t)1 << 30, 8, 8, 2, 0, &m); }
BAD(resnet18_classes) { wt_model *m = NULL; return wt_model_create_resnet18(f->ctx, 3, 8, 8, 100001, 0, &m); }
BAD(spec_null) { wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, NULL, 10, &m); }
BAD(spec_len) { wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, SPEC_OK, sizeof SPEC_OK - 5, &m); }
BAD(spec_zero) { wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, SPEC_OK, 0, &m); }
BAD(spec_type) { static const char s[] = "{\"input\":[1,4,4],\"classes\":3,\"layers\":[{\"type\":\"conv9\"}]}"; wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, s, sizeof s - 1, &m); }
BAD(spec_classes) { static const char s[] = "{\"input\":[1,4,4],\"classes\":3,\"layers\":[{\"type\":\"flatten\"},{\"type\":\"linear\",\"out_features\":2}]}"; wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, s, sizeof s - 1, &m); }
BAD(spec_huge) { static const char s[] = "{\"input\":[1,4,4],\"classes\":3,\"layers\":[{\"type\":\"flatten\"},{\"type\":\"linear\",\"out_features\":99999999999}]}"; wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, s, sizeof s - 1, &m); }
BAD(spec_p) { static const char s[] = "{\"input\":[1,4,4],\"classes\":3,\"layers\":[{\"type\":\"dropout\",\"p\":1e999},{\"type\":\"flatten\"},{\"type\":\"linear\",\"out_features\":3}]}"; wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, s, sizeof s - 1, &m); }
BAD(spec_depth) { char s[400]; int n = snprintf(s, sizeof s, "{\"input\":[1,4,4],\"classes\":3,\"layers\":[{\"type\":\"flatten\",\"x\":"); for (int i = 0; i < 60; i++) s[n++] = '['; s[n] = 0; wt_model *m = NULL; return wt_model_create_from_spec(f->ctx, s, (size_t)n, &m); }
BAD(st_null) { wt_model *m = NULL; return wt_model_create_from_safetensors(f->ctx, NULL, 100, &m); }
BAD(st_trunc) { wt_model *m = NULL; return wt_model_create_from_safetensors(f->ctx, f->st, f->st_len - 1, &m); }
BAD(st_zero) { return wt_model_load_safetensors(f->m, f->st, 0); }
BAD(st_header) { uint8_t *b = malloc(f->st_len); memcpy(b, f->st, f->st_len); b[0] = 0xff, b[1] = 0xff, b[2] = 0xff, b[3] = 0x7f; wt_status s = wt_model_load_safetensors(f->m, b, f->st_len); free(b); return s; }
BAD(st_nan) { uint8_t *b = malloc(f->st_len); memcpy(b, f->st, f->st_len); const float v = NAN; memcpy(b + f->st_len - 4, &v, 4); wt_status s = wt_model_load_safetensors(f->m, b, f->st_len); free(b); return s; }
BAD(st_shape) { wt_model *o = NULL; wt_model_create_student_cnn(f->ctx, 1, 4, 4, 2, &o); size_t n = 0; wt_model_save_safetensors(o, NULL, 0, &n); uint8_t *b = malloc(n); wt_model_save_safetensors(o, b, n, &n); wt_model_destroy(o); wt_status s = wt_model_load_safetensors(f->m, b, n); free(b); return s; }
BAD(save_cap) { uint8_t b[16]; size_t n; return wt_model_save_safetensors(f->m, b, sizeof b, &n); }
BAD(summary_null) { size_t n; return wt_model_summary(f->m, NULL, 100, &n); }
BAD(forward_null) { return wt_model_forward(f->m, NULL, 4, f->logits); }
BAD(forward_out) { return wt_model_forward(f->m, f->x, 4, NULL); }
BAD(forward_zero) { return wt_model_forward(f->m, f->x, 0, f->logits); }
BAD(forward_huge) { return wt_model_forward(f->m, f->x, (int64_t)1 << 40, f->logits); }
BAD(forward_nan) { float x[4 * 64]; memcpy(x, f->x, sizeof x); x[130] = NAN; return wt_model_forward(f->m, x, 4, f->logits); }
BAD(predict_inf) { float x[4 * 64]; memcpy(x, f->x, sizeof x); x[5] = INFINITY; return wt_model_predict(f->m, x, 4, f->logits); }
BAD(predict_null_m) { return wt_model_predict(NULL, f->x, 4, f->logits); }

/* ---- trainer */
BAD(trainer_null_opt) { wt_trainer *t = NULL; return wt_trainer_create(f->m, NULL, &t); }
BAD(trainer_null_m) { wt_trainer *t = NULL; return wt_trainer_create(NULL, &(wt_trainer_options){.optim = SGD}, &t); }
BAD(trainer_kind) { wt_trainer *t = NULL; wt_trainer_options o = {.optim = SGD}; o.optim.kind = (wt_optim_kind)-1; return wt_trainer_create(f->m, &o, &t); }
BAD(trainer_ls) { wt_trainer *t = NULL; return wt_trainer_create(f->m, &(wt_trainer_options){.optim = SGD, .label_smoothing = -0.1}, &t); }
BAD(trainer_clip) { wt_trainer *t = NULL; return wt_trainer_create(f->m, &(wt_trainer_options){.optim = SGD, .grad_clip_norm = (double)NAN}, &t); }
BAD(trainer_mixup) { wt_trainer *t = NULL; return wt_trainer_create(f->m, &(wt_trainer_options){.optim = SGD, .batch = {.mixup_alpha = -1}}, &t); }
BAD(trainer_teacher) { wt_model *o = NULL; wt_model_create_student_cnn(f->ctx, 1, 4, 4, 4, &o); wt_trainer *t = NULL; wt_status s = wt_trainer_create(f->m, &(wt_trainer_options){.optim = SGD, .teacher = o, .kd_temperature = 2}, &t); wt_model_destroy(o); return s; }
BAD(trainer_self) { wt_trainer *t = NULL; return wt_trainer_create(f->m, &(wt_trainer_options){.optim = SGD, .teacher = f->m, .kd_temperature = 2}, &t); }
BAD(trainer_sched) { wt_trainer *t = NULL; return wt_trainer_create(f->m, &(wt_trainer_options){.optim = SGD, .schedule = {.kind = WT_SCHEDULE_STEP, .step_size = 0}}, &t); }
BAD(step_null_x) { return wt_trainer_step(f->t, NULL, f->y, 4, NULL, NULL); }
BAD(step_null_y) { return wt_trainer_step(f->t, f->x, NULL, 4, NULL, NULL); }
BAD(step_null_t) { return wt_trainer_step(NULL, f->x, f->y, 4, NULL, NULL); }
BAD(step_zero) { return wt_trainer_step(f->t, f->x, f->y, 0, NULL, NULL); }
BAD(step_neg) { return wt_trainer_step(f->t, f->x, f->y, -4, NULL, NULL); }
BAD(step_huge) { return wt_trainer_step(f->t, f->x, f->y, (int64_t)1 << 40, NULL, NULL); }
BAD(step_label) { int32_t y[4] = {0, 1, 2, 4}; return wt_trainer_step(f->t, f->x, y, 4, NULL, NULL); }
BAD(step_label_neg) { int32_t y[4] = {0, 1, -2, 3}; return wt_trainer_step(f->t, f->x, y, 4, NULL, NULL); }
BAD(step_nan) { float x[4 * 64]; memcpy(x, f->x, sizeof x); x[200] = NAN; return wt_trainer_step(f->t, x, f->y, 4, NULL, NULL); }
BAD(trainer_set_lr) { return wt_trainer_set_lr(f->t, -1.0f); }
BAD(trainer_set_lr_nan) { return wt_trainer_set_lr(f->t, NAN); }
BAD(trainer_import_len) { float s[4] = {0}; return wt_trainer_state_import(f->t, s, 4, 0, 0); }
BAD(trainer_import_epochs) { size_t n = wt_trainer_state_floats(f->t); float *s = calloc(n, sizeof(float)); wt_status st = wt_trainer_state_import(f->t, s, n, 0, -1); free(s); return st; }
BAD(trainer_import_nan) { size_t n = wt_trainer_state_floats(f->t); float *s = calloc(n, sizeof(float)); s[n / 2] = -INFINITY; wt_status st = wt_trainer_state_import(f->t, s, n, 0, 0); free(s); return st; }
BAD(trainer_import_null) { return wt_trainer_state_import(f->t, NULL, wt_trainer_state_floats(f->t), 0, 0); }

/* ---- data */
static const uint8_t IDX_OK[] = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4};
BAD(idx_null) { wt_idx_info i; return wt_idx_parse(f->ctx, NULL, 16, &i); }
BAD(idx_trunc) { wt_idx_info i; return wt_idx_parse(f->ctx, IDX_OK, sizeof IDX_OK - 1, &i); }
BAD(idx_zero) { wt_idx_info i; return wt_idx_parse(f->ctx, IDX_OK, 0, &i); }
BAD(idx_type) { uint8_t b[sizeof IDX_OK]; memcpy(b, IDX_OK, sizeof b); b[2] = 0x0d; wt_idx_info i; return wt_idx_parse(f->ctx, b, sizeof b, &i); }
BAD(idx_huge) { uint8_t b[sizeof IDX_OK]; memcpy(b, IDX_OK, sizeof b); b[4] = 0xff; wt_idx_info i; return wt_idx_parse(f->ctx, b, sizeof b, &i); }
BAD(idx_dim0) { uint8_t b[sizeof IDX_OK]; memcpy(b, IDX_OK, sizeof b); b[7] = 0; wt_idx_info i; return wt_idx_parse(f->ctx, b, sizeof b, &i); }
BAD(cifar_len) { uint8_t b[3073 + 5] = {0}; int64_t n; return wt_cifar_parse(f->ctx, b, sizeof b, 10, &n, NULL, NULL); }
BAD(cifar_label) { uint8_t b[3073] = {0}; b[0] = 10; int64_t n; return wt_cifar_parse(f->ctx, b, sizeof b, 10, &n, NULL, NULL); }
BAD(cifar_classes) { uint8_t b[3073] = {0}; int64_t n; return wt_cifar_parse(f->ctx, b, sizeof b, 20, &n, NULL, NULL); }
BAD(cifar_zero) { uint8_t b[1] = {0}; int64_t n; return wt_cifar_parse(f->ctx, b, 0, 10, &n, NULL, NULL); }
BAD(cifar_null) { int64_t n; return wt_cifar_parse(f->ctx, NULL, 3073, 10, &n, NULL, NULL); }
BAD(decode_null) { int64_t h, w, c; return wt_image_decode_info(f->ctx, NULL, 10, &h, &w, &c); }
BAD(decode_junk) { const uint8_t b[16] = {1, 2, 3}; int64_t h, w, c; return wt_image_decode_info(f->ctx, b, sizeof b, &h, &w, &c); }
BAD(decode_zero) { const uint8_t b[1] = {0}; int64_t h, w, c; return wt_image_decode_info(f->ctx, b, 0, &h, &w, &c); }
BAD(decode_dst) { const uint8_t b[16] = {0x89, 'P', 'N', 'G'}; wt_image d = {NULL, 4, 4, 3}; return wt_image_decode(f->ctx, b, sizeof b, &d); }
BAD(u8f32_std) { const float mean = 0, sd = 0; float out[64]; return wt_images_u8_to_f32(f->ctx, f->img, 1, 1, 8, 8, &mean, &sd, out); }
BAD(u8f32_nan) { const float mean = NAN, sd = 1; float out[64]; return wt_images_u8_to_f32(f->ctx, f->img, 1, 1, 8, 8, &mean, &sd, out); }
BAD(u8f32_zero) { float out[64]; return wt_images_u8_to_f32(f->ctx, f->img, 1, 0, 8, 8, NULL, NULL, out); }
BAD(u8f32_huge) { float out[64]; return wt_images_u8_to_f32(f->ctx, f->img, (int64_t)1 << 40, 1, 8, 8, NULL, NULL, out); }
BAD(u8f32_null) { return wt_images_u8_to_f32(f->ctx, f->img, 1, 1, 8, 8, NULL, NULL, NULL); }
BAD(shuffle_null) { return wt_data_shuffle(f->ctx, NULL, 4); }
BAD(shuffle_neg) { int32_t i[4]; return wt_data_shuffle(f->ctx, i, -1); }

/* ---- augmentation */
#define IMG(p, h, w, c) (&(wt_image){(p), (h), (w), (c)})
BAD(aug_op) { return wt_aug_apply(f->ctx, (wt_aug_op)99, 1, WT_INTERP_NEAREST, NULL, IMG(f->img, 8, 8, 3), IMG(f->out, 8, 8, 3)); }
BAD(aug_interp) { return wt_aug_apply(f->ctx, WT_AUG_ROTATE, 10, (wt_interp)5, NULL, IMG(f->img, 8, 8, 3), IMG(f->out, 8, 8, 3)); }
BAD(aug_mag_nan) { return wt_aug_apply(f->ctx, WT_AUG_ROTATE, (double)NAN, WT_INTERP_NEAREST, NULL, IMG(f->img, 8, 8, 3), IMG(f->out, 8, 8, 3)); }
BAD(aug_fill_nan) { const float fill[3] = {0, NAN, 0}; return wt_aug_apply(f->ctx, WT_AUG_ROTATE, 10, WT_INTERP_NEAREST, fill, IMG(f->img, 8, 8, 3), IMG(f->out, 8, 8, 3)); }
BAD(aug_shape) { return wt_aug_apply(f->ctx, WT_AUG_INVERT, 0, WT_INTERP_NEAREST, NULL, IMG(f->img, 8, 8, 3), IMG(f->out, 8, 4, 3)); }
BAD(aug_channels) { return wt_aug_apply(f->ctx, WT_AUG_INVERT, 0, WT_INTERP_NEAREST, NULL, IMG(f->img, 8, 8, 2), IMG(f->out, 8, 8, 2)); }
BAD(aug_null) { return wt_aug_apply(f->ctx, WT_AUG_INVERT, 0, WT_INTERP_NEAREST, NULL, IMG(NULL, 8, 8, 3), IMG(f->out, 8, 8, 3)); }
BAD(aug_zero) { return wt_aug_apply(f->ctx, WT_AUG_INVERT, 0, WT_INTERP_NEAREST, NULL, IMG(f->img, 0, 8, 3), IMG(f->out, 0, 8, 3)); }
BAD(aug_huge) { return wt_aug_apply(f->ctx, WT_AUG_INVERT, 0, WT_INTERP_NEAREST, NULL, IMG(f->img, (int64_t)1 << 40, 8, 3), IMG(f->out, (int64_t)1 << 40, 8, 3)); }
/* The policies through the pipeline (one call per batch, as the loader runs them). */
static wt_status pipeline_step(fx *f, wt_aug_step s) {
  int64_t chw[3];
  int fl;
  wt_status st = wt_aug_pipeline_shape(f->ctx, &s, 1, 8, 8, 3, chw, &fl);
  if (st != WT_OK) return st;
  return wt_data_batch(f->ctx, &s, 1, f->img, 1, 8, 8, 3, (float *)f->out);
}
BAD(aug_policy) { return pipeline_step(f, (wt_aug_step){.kind = WT_STEP_AUTOAUGMENT, .policy = (wt_aug_policy)7}); }
BAD(aug_randaug) { return pipeline_step(f, (wt_aug_step){.kind = WT_STEP_RANDAUGMENT, .num_ops = 2, .magnitude_bin = 40, .num_bins = 31}); }
BAD(aug_trivial) { return pipeline_step(f, (wt_aug_step){.kind = WT_STEP_TRIVIALAUGMENT, .num_bins = 0}); }
BAD(resize_zero) { return wt_image_resize(f->ctx, IMG(f->img, 8, 8, 3), IMG(f->out, 0, 4, 3), WT_INTERP_BILINEAR); }
BAD(resize_chan) { return wt_image_resize(f->ctx, IMG(f->img, 8, 8, 3), IMG(f->out, 4, 4, 1), WT_INTERP_BILINEAR); }
BAD(crop_huge) { return wt_image_crop(f->ctx, IMG(f->img, 8, 8, 3), (int64_t)1 << 62, 0, IMG(f->out, 4, 4, 3)); }
BAD(rrc_box) { return wt_image_resized_crop(f->ctx, IMG(f->img, 8, 8, 3), 0, 0, 0, 4, IMG(f->out, 4, 4, 3), WT_INTERP_NEAREST); }
BAD(extent_zero) { int64_t h, w; return wt_image_resize_extent(f->ctx, 8, 8, 0, 0, &h, &w); }
BAD(rrc_scale) { const float sc[2] = {0.9f, 0.1f}, r[2] = {0.75f, 1.33f}; int64_t box[4]; return wt_aug_rrc_params(f->ctx, 8, 8, sc, r, box); }
BAD(erasing_nan) { const float sc[2] = {0.02f, NAN}, r[2] = {0.3f, 3.3f}; int64_t box[4]; int found; return wt_aug_erasing_params(f->ctx, 8, 8, sc, r, box, &found); }
BAD(cutout_holes) { return wt_aug_cutout_u8(f->ctx, IMG(f->img, 8, 8, 3), -1, 4); }
BAD(cutout_f32) { return wt_aug_cutout_f32(f->ctx, f->x, 1, 8, 8, 1, -2); }
BAD(erase_box) { const int64_t box[4] = {6, 6, 4, 4}; return wt_aug_erase_u8(f->ctx, IMG(f->img, 8, 8, 3), box, (wt_erase_mode)0, f->img); }
BAD(erase_mode) { const int64_t box[4] = {0, 0, 2, 2}; return wt_aug_erase_f32(f->ctx, f->x, 1, 8, 8, box, (wt_erase_mode)9, NULL); }
BAD(to_tensor_std) { const float mean[3] = {0, 0, 0}, sd[3] = {1, 0, 1}; float out[192]; return wt_image_to_tensor(f->ctx, IMG(f->img, 8, 8, 3), 3, mean, sd, out); }
BAD(to_tensor_c) { float out[320]; return wt_image_to_tensor(f->ctx, IMG(f->img, 8, 8, 3), 5, NULL, NULL, out); }
BAD(pipeline_null) { int64_t chw[3]; int fl; return wt_aug_pipeline_shape(f->ctx, NULL, 1, 8, 8, 3, chw, &fl); }
BAD(pipeline_kind) { wt_aug_step s = {.kind = (wt_aug_step_kind)77}; int64_t chw[3]; int fl; return wt_aug_pipeline_shape(f->ctx, &s, 1, 8, 8, 3, chw, &fl); }
BAD(pipeline_p) { wt_aug_step s = {.kind = WT_STEP_HFLIP, .p = 2}; int64_t chw[3]; int fl; return wt_aug_pipeline_shape(f->ctx, &s, 1, 8, 8, 3, chw, &fl); }
BAD(data_batch_n) { wt_aug_step s = {.kind = WT_STEP_TO_TENSOR, .out_C = 3}; return wt_data_batch(f->ctx, &s, 1, f->img, -1, 8, 8, 3, (float *)f->out); }

/* ---- batch tricks */
BAD(batch_alpha) { wt_batch_params p = {.perm = (int32_t[16]){0}}; return wt_batch_sample(f->ctx, &(wt_batch_options){.mixup_alpha = -1}, 4, 8, 8, &p); }
BAD(batch_prob) { wt_batch_params p = {.perm = (int32_t[16]){0}}; return wt_batch_sample(f->ctx, &(wt_batch_options){.cutmix_alpha = 1, .prob = 1.5}, 4, 8, 8, &p); }
BAD(batch_nan) { wt_batch_params p = {.perm = (int32_t[16]){0}}; return wt_batch_sample(f->ctx, &(wt_batch_options){.ricap_beta = (double)NAN}, 4, 8, 8, &p); }
BAD(batch_perm_null) { wt_batch_params p = {.perm = NULL}; return wt_batch_sample(f->ctx, &(wt_batch_options){.mixup_alpha = 1}, 4, 8, 8, &p); }
BAD(batch_zero) { wt_batch_params p = {.perm = (int32_t[16]){0}}; return wt_batch_sample(f->ctx, &(wt_batch_options){.mixup_alpha = 1}, 0, 8, 8, &p); }
BAD(mixup_lambda) { wt_batch_params p = {.perm = (int32_t[16]){0}}; const int32_t src[4] = {1, 0, 3, 2}; return wt_mixup_params(f->ctx, 4, 1.5, src, &p); }
BAD(mixup_perm) { wt_batch_params p = {.perm = (int32_t[16]){0}}; const int32_t src[4] = {1, 0, 3, 4}; return wt_mixup_params(f->ctx, 4, 0.5, src, &p); }
BAD(batch_apply_nan) { int32_t perm[16]; wt_batch_params p = {.perm = perm}; const int32_t src[4] = {1, 0, 3, 2}; if (wt_mixup_params(f->ctx, 4, 0.5, src, &p)) return WT_OK; float x[4 * 64]; memcpy(x, f->x, sizeof x); x[70] = NAN; float out[4 * 64]; return wt_batch_apply(f->ctx, &p, 1, 8, 8, x, out); }
BAD(batch_apply_shape) { int32_t perm[16]; wt_batch_params p = {.perm = perm}; const int64_t box[4] = {0, 0, 4, 4}; const int32_t src[4] = {1, 0, 3, 2}; if (wt_cutmix_params(f->ctx, 4, 8, 8, box, src, &p)) return WT_OK; float out[4 * 64]; return wt_batch_apply(f->ctx, &p, 1, 4, 16, f->x, out); }
BAD(batch_targets_label) { int32_t perm[16]; wt_batch_params p = {.perm = perm}; const int32_t src[4] = {1, 0, 3, 2}; if (wt_mixup_params(f->ctx, 4, 0.5, src, &p)) return WT_OK; const int32_t y[4] = {0, 1, 2, 7}; float t[16]; return wt_batch_targets(f->ctx, &p, 4, y, 0.0, t); }
BAD(batch_targets_eps) { int32_t perm[16]; wt_batch_params p = {.perm = perm}; const int32_t src[4] = {1, 0, 3, 2}; if (wt_mixup_params(f->ctx, 4, 0.5, src, &p)) return WT_OK; float t[16]; return wt_batch_targets(f->ctx, &p, 4, f->y, 2.0, t); }
BAD(batch_accuracy_nan) { int32_t perm[16]; wt_batch_params p = {.perm = perm}; const int32_t src[4] = {1, 0, 3, 2}; if (wt_mixup_params(f->ctx, 4, 0.5, src, &p)) return WT_OK; float z[16] = {0}; z[9] = NAN; double a; return wt_batch_accuracy(f->ctx, &p, 4, z, f->y, &a); }

#define C_(entry, cls, fn, want, msg) {entry, cls, fn, want, msg}
static const bad_case CASES[] = {
    C_("wt_ctx_create", HUGE, ctx_create_null_st, WT_ERR_OOM, NULL),
    C_("wt_tensor_nchw", NUL, tensor_null, WT_ERR_ARG, "data"),
    C_("wt_tensor_nchw", ZERO, tensor_zero, WT_ERR_SHAPE, "N must be in"),
    C_("wt_tensor_nchw", HUGE, tensor_huge, WT_ERR_SHAPE, "N must be in"),
    C_("wt_tensor_nchw", HUGE, tensor_overflow, WT_ERR_SHAPE, "too many elements"),
    C_("wt_conv2d_sizes", NUL, conv_sizes_null, WT_ERR_ARG, "l"),
    C_("wt_conv2d_sizes", ZERO, conv_sizes_zero, WT_ERR_SHAPE, "OC"),
    C_("wt_conv2d_sizes", SHAPE, conv_sizes_shape, WT_ERR_SHAPE, "KH = 3 exceeds"),
    C_("wt_conv2d_sizes", HUGE, conv_sizes_huge, WT_ERR_SHAPE, "C"),
    C_("wt_conv2d_sizes", RANGE, conv_sizes_range, WT_ERR_ARG, "stride_h"),
    C_("wt_conv2d_sizes", RANGE, conv_sizes_pad, WT_ERR_ARG, "pad_h"),
    C_("wt_conv2d_forward", NUL, conv_fwd_null, WT_ERR_ARG, "x"),
    C_("wt_linear_sizes", ZERO, linear_sizes_zero, WT_ERR_SHAPE, "IN"),
    C_("wt_linear_sizes", HUGE, linear_sizes_huge, WT_ERR_SHAPE, "weight"),
    C_("wt_linear_sizes", RANGE, linear_sizes_n, WT_ERR_SHAPE, "N"),
    C_("wt_linear_forward", NUL, linear_fwd_null, WT_ERR_ARG, "weight"),
    C_("wt_maxpool2d_sizes", RANGE, pool_sizes_range, WT_ERR_ARG, "pad_h"),
    C_("wt_maxpool2d_sizes", SHAPE, pool_sizes_shape, WT_ERR_SHAPE, "KH = 2 exceeds"),
    C_("wt_avgpool2d_sizes", ZERO, avgpool_sizes_zero, WT_ERR_SHAPE, "C"),
    C_("wt_batchnorm2d_sizes", RANGE, bn_sizes_range, WT_ERR_ARG, "eps"),
    C_("wt_batchnorm2d_sizes", NONFINITE, bn_sizes_nan, WT_ERR_ARG, "momentum"),
    C_("wt_dropout_sizes", RANGE, dropout_sizes_range, WT_ERR_ARG, "p"),
    C_("wt_relu_sizes", ZERO, relu_sizes_zero, WT_ERR_SHAPE, "elems"),
    C_("wt_flatten_sizes", HUGE, flatten_sizes_huge, WT_ERR_SHAPE, "elems"),
    C_("wt_add_sizes", HUGE, add_sizes_overflow, WT_ERR_SHAPE, "too many elements"),
    C_("wt_cross_entropy", NUL, ce_null, WT_ERR_ARG, "logits"),
    C_("wt_cross_entropy", TYPE, ce_both, WT_ERR_ARG, "labels"),
    C_("wt_cross_entropy", ZERO, ce_zero, WT_ERR_SHAPE, "N"),
    C_("wt_cross_entropy", HUGE, ce_huge, WT_ERR_SHAPE, "N"),
    C_("wt_cross_entropy", LABEL, ce_label, WT_ERR_ARG, "labels[2] = 4"),
    C_("wt_cross_entropy", LABEL, ce_label_neg, WT_ERR_ARG, "labels[1] = -1"),
    C_("wt_cross_entropy", NONFINITE, ce_nan, WT_ERR_NONFINITE, "logits[6]"),
    C_("wt_cross_entropy", RANGE, ce_eps, WT_ERR_ARG, "label_smoothing"),
    C_("wt_cross_entropy", TYPE, ce_reduction, WT_ERR_ARG, "reduction"),
    C_("wt_distillation", NUL, kd_null, WT_ERR_ARG, "teacher"),
    C_("wt_distillation", RANGE, kd_temp, WT_ERR_ARG, "temperature"),
    C_("wt_distillation", NONFINITE, kd_inf, WT_ERR_NONFINITE, "teacher[3]"),
    C_("wt_distillation", ZERO, kd_zero, WT_ERR_SHAPE, "C"),
    C_("wt_optim_create", TYPE, optim_kind, WT_ERR_ARG, "kind"),
    C_("wt_optim_create", RANGE, optim_lr, WT_ERR_ARG, "lr"),
    C_("wt_optim_create", NONFINITE, optim_nan, WT_ERR_ARG, "beta2"),
    C_("wt_optim_create", RANGE, optim_beta, WT_ERR_ARG, "beta1"),
    C_("wt_optim_create", NUL, optim_null, WT_ERR_ARG, "opt"),
    C_("wt_optim_create", SHAPE, optim_ranges, WT_ERR_ARG, "no_decay"),
    C_("wt_optim_create", HUGE, optim_huge, WT_ERR_SHAPE, "n = "),
    C_("wt_optim_step", NUL, optim_step_null, WT_ERR_ARG, "params"),
    C_("wt_optim_set_lr", NONFINITE, optim_set_lr, WT_ERR_ARG, "lr"),
    C_("wt_optim_state_import", LENGTH, optim_import_len, WT_ERR_SHAPE, "got 7"),
    C_("wt_optim_state_import", NONFINITE, optim_import_nan, WT_ERR_NONFINITE, "state[2] is NaN"),
    C_("wt_optim_state_import", RANGE, optim_import_steps, WT_ERR_ARG, "steps"),
    C_("wt_optim_state_export", LENGTH, optim_export_len, WT_ERR_SHAPE, "room for 3"),
    C_("wt_schedule_lr", TYPE, sched_kind, WT_ERR_ARG, "kind"),
    C_("wt_schedule_lr", ZERO, sched_tmax, WT_ERR_ARG, "t_max"),
    C_("wt_schedule_lr", RANGE, sched_tick, WT_ERR_ARG, "tick"),
    C_("wt_schedule_lr", NONFINITE, sched_gamma, WT_ERR_ARG, "gamma"),
    C_("wt_schedule_lr", LENGTH, sched_milestones, WT_ERR_ARG, "milestones, got 17"),
    C_("wt_schedule_lr", NUL, sched_null, WT_ERR_ARG, "s"),
    C_("wt_model_create_student_cnn", NUL, student_null_out, WT_ERR_ARG, "out"),
    C_("wt_model_create_student_cnn", NUL, student_null_ctx, WT_ERR_ARG, NULL),
    C_("wt_model_create_student_cnn", ZERO, student_zero, WT_ERR_SHAPE, "C"),
    C_("wt_model_create_student_cnn", SHAPE, student_odd, WT_ERR_SHAPE, "H"),
    C_("wt_model_create_student_cnn", HUGE, student_huge, WT_ERR_SHAPE, "H"),
    C_("wt_model_create_student_cnn", HUGE, student_params, WT_ERR_SHAPE, "input (C,H,W) has too many elements"),
    C_("wt_model_create_student_cnn", RANGE, student_classes, WT_ERR_ARG, "num_classes"),
    C_("wt_model_create_resnet", RANGE, resnet_depth, WT_ERR_ARG, "depth"),
    C_("wt_model_create_resnet", ZERO, resnet_zero, WT_ERR_SHAPE, "H"),
    C_("wt_model_create_resnet", HUGE, resnet_huge, WT_ERR_SHAPE, "C"),
    C_("wt_model_create_resnet18", RANGE, resnet18_classes, WT_ERR_ARG, "num_classes"),
    C_("wt_model_create_from_spec", NUL, spec_null, WT_ERR_ARG, "spec"),
    C_("wt_model_create_from_spec", LENGTH, spec_len, WT_ERR_FORMAT, "spec"),
    C_("wt_model_create_from_spec", ZERO, spec_zero, WT_ERR_FORMAT, "spec"),
    C_("wt_model_create_from_spec", TYPE, spec_type, WT_ERR_ARG, "conv9"),
    C_("wt_model_create_from_spec", SHAPE, spec_classes, WT_ERR_SHAPE, "classes"),
    C_("wt_model_create_from_spec", HUGE, spec_huge, WT_ERR_ARG, "out_features"),
    C_("wt_model_create_from_spec", NONFINITE, spec_p, WT_ERR_ARG, "p"),
    C_("wt_model_create_from_spec", RANGE, spec_depth, WT_ERR_FORMAT, "deep"),
    C_("wt_model_create_from_safetensors", NUL, st_null, WT_ERR_ARG, "bytes"),
    C_("wt_model_create_from_safetensors", LENGTH, st_trunc, WT_ERR_FORMAT, "data_offsets"),
    C_("wt_model_load_safetensors", ZERO, st_zero, WT_ERR_FORMAT, "bytes"),
    C_("wt_model_load_safetensors", HUGE, st_header, WT_ERR_FORMAT, "header"),
    C_("wt_model_load_safetensors", NONFINITE, st_nan, WT_ERR_NONFINITE, "tensor 'fc2.bias' element 3 is NaN"),
    C_("wt_model_load_safetensors", SHAPE, st_shape, WT_ERR_SHAPE, "tensor"),
    C_("wt_model_save_safetensors", LENGTH, save_cap, WT_ERR_ARG, "cap"),
    C_("wt_model_summary", NUL, summary_null, WT_ERR_ARG, "buf is NULL"),
    C_("wt_model_forward", NUL, forward_null, WT_ERR_ARG, "images"),
    C_("wt_model_forward", NUL, forward_out, WT_ERR_ARG, "logits"),
    C_("wt_model_forward", ZERO, forward_zero, WT_ERR_SHAPE, "batch size"),
    C_("wt_model_forward", HUGE, forward_huge, WT_ERR_SHAPE, "batch size"),
    C_("wt_model_forward", NONFINITE, forward_nan, WT_ERR_NONFINITE, "images[130] (sample 2) is NaN"),
    C_("wt_model_predict", NONFINITE, predict_inf, WT_ERR_NONFINITE, "images[5] (sample 0) is Inf"),
    C_("wt_model_predict", NUL, predict_null_m, WT_ERR_ARG, NULL),
    C_("wt_trainer_create", NUL, trainer_null_opt, WT_ERR_ARG, "opt"),
    C_("wt_trainer_create", NUL, trainer_null_m, WT_ERR_ARG, NULL),
    C_("wt_trainer_create", TYPE, trainer_kind, WT_ERR_ARG, "kind"),
    C_("wt_trainer_create", RANGE, trainer_ls, WT_ERR_ARG, "label_smoothing"),
    C_("wt_trainer_create", NONFINITE, trainer_clip, WT_ERR_ARG, "grad_clip_norm"),
    C_("wt_trainer_create", RANGE, trainer_mixup, WT_ERR_ARG, "mixup_alpha"),
    C_("wt_trainer_create", SHAPE, trainer_teacher, WT_ERR_SHAPE, "teacher"),
    C_("wt_trainer_create", RANGE, trainer_self, WT_ERR_ARG, "teacher"),
    C_("wt_trainer_create", ZERO, trainer_sched, WT_ERR_ARG, "step_size"),
    C_("wt_trainer_step", NUL, step_null_x, WT_ERR_ARG, "images"),
    C_("wt_trainer_step", NUL, step_null_y, WT_ERR_ARG, "labels"),
    C_("wt_trainer_step", NUL, step_null_t, WT_ERR_ARG, NULL),
    C_("wt_trainer_step", ZERO, step_zero, WT_ERR_SHAPE, "batch size"),
    C_("wt_trainer_step", RANGE, step_neg, WT_ERR_SHAPE, "batch size"),
    C_("wt_trainer_step", HUGE, step_huge, WT_ERR_SHAPE, "batch size"),
    C_("wt_trainer_step", LABEL, step_label, WT_ERR_ARG, "labels[3] = 4 is out of range [0, 4)"),
    C_("wt_trainer_step", LABEL, step_label_neg, WT_ERR_ARG, "labels[2] = -2"),
    C_("wt_trainer_step", NONFINITE, step_nan, WT_ERR_NONFINITE, "images[200] (sample 3) is NaN"),
    C_("wt_trainer_set_lr", RANGE, trainer_set_lr, WT_ERR_ARG, "lr"),
    C_("wt_trainer_set_lr", NONFINITE, trainer_set_lr_nan, WT_ERR_ARG, "lr"),
    C_("wt_trainer_state_import", LENGTH, trainer_import_len, WT_ERR_SHAPE, "got 4"),
    C_("wt_trainer_state_import", RANGE, trainer_import_epochs, WT_ERR_ARG, "epochs"),
    C_("wt_trainer_state_import", NONFINITE, trainer_import_nan, WT_ERR_NONFINITE, "is Inf"),
    C_("wt_trainer_state_import", NUL, trainer_import_null, WT_ERR_ARG, "state"),
    C_("wt_idx_parse", NUL, idx_null, WT_ERR_ARG, "bytes"),
    C_("wt_idx_parse", LENGTH, idx_trunc, WT_ERR_FORMAT, "IDX"),
    C_("wt_idx_parse", ZERO, idx_zero, WT_ERR_FORMAT, "IDX"),
    C_("wt_idx_parse", TYPE, idx_type, WT_ERR_UNSUPPORTED, "element type"),
    C_("wt_idx_parse", HUGE, idx_huge, WT_ERR_FORMAT, "IDX"),
    C_("wt_idx_parse", ZERO, idx_dim0, WT_ERR_FORMAT, "IDX"),
    C_("wt_cifar_parse", LENGTH, cifar_len, WT_ERR_FORMAT, "3073"),
    C_("wt_cifar_parse", LABEL, cifar_label, WT_ERR_FORMAT, "label"),
    C_("wt_cifar_parse", RANGE, cifar_classes, WT_ERR_ARG, "classes"),
    C_("wt_cifar_parse", ZERO, cifar_zero, WT_ERR_FORMAT, "CIFAR"),
    C_("wt_cifar_parse", NUL, cifar_null, WT_ERR_ARG, "bytes"),
    C_("wt_image_decode_info", NUL, decode_null, WT_ERR_ARG, "bytes"),
    C_("wt_image_decode_info", TYPE, decode_junk, WT_ERR_FORMAT, "PNG"),
    C_("wt_image_decode_info", ZERO, decode_zero, WT_ERR_FORMAT, "0 bytes"),
    C_("wt_image_decode", NUL, decode_dst, WT_ERR_ARG, "dst->data"),
    C_("wt_images_u8_to_f32", RANGE, u8f32_std, WT_ERR_ARG, "std[0]"),
    C_("wt_images_u8_to_f32", NONFINITE, u8f32_nan, WT_ERR_ARG, "mean[0]"),
    C_("wt_images_u8_to_f32", ZERO, u8f32_zero, WT_ERR_SHAPE, "C"),
    C_("wt_images_u8_to_f32", HUGE, u8f32_huge, WT_ERR_SHAPE, "N"),
    C_("wt_images_u8_to_f32", NUL, u8f32_null, WT_ERR_ARG, "dst"),
    C_("wt_data_shuffle", NUL, shuffle_null, WT_ERR_ARG, "idx"),
    C_("wt_data_shuffle", RANGE, shuffle_neg, WT_ERR_ARG, "n"),
    C_("wt_aug_apply", TYPE, aug_op, WT_ERR_ARG, "op"),
    C_("wt_aug_apply", TYPE, aug_interp, WT_ERR_ARG, "interp"),
    C_("wt_aug_apply", NONFINITE, aug_mag_nan, WT_ERR_ARG, "magnitude"),
    C_("wt_aug_apply", NONFINITE, aug_fill_nan, WT_ERR_ARG, "fill[1]"),
    C_("wt_aug_apply", SHAPE, aug_shape, WT_ERR_SHAPE, "dst"),
    C_("wt_aug_apply", RANGE, aug_channels, WT_ERR_SHAPE, "src has 2 channels"),
    C_("wt_aug_apply", NUL, aug_null, WT_ERR_ARG, "src"),
    C_("wt_aug_apply", ZERO, aug_zero, WT_ERR_SHAPE, "H"),
    C_("wt_aug_apply", HUGE, aug_huge, WT_ERR_SHAPE, "H"),
    C_("wt_aug_pipeline_shape", TYPE, aug_policy, WT_ERR_ARG, "policy"),
    C_("wt_aug_pipeline_shape", RANGE, aug_randaug, WT_ERR_ARG, "magnitude"),
    C_("wt_aug_pipeline_shape", ZERO, aug_trivial, WT_ERR_ARG, "num_bins"),
    C_("wt_image_resize", ZERO, resize_zero, WT_ERR_SHAPE, "H"),
    C_("wt_image_resize", SHAPE, resize_chan, WT_ERR_SHAPE, "dst has 1 channels"),
    C_("wt_image_crop", HUGE, crop_huge, WT_ERR_ARG, "top"),
    C_("wt_image_resized_crop", ZERO, rrc_box, WT_ERR_ARG, "box (top 0, left 0, h 0"),
    C_("wt_image_resize_extent", ZERO, extent_zero, WT_ERR_SHAPE, "size must be"),
    C_("wt_aug_rrc_params", RANGE, rrc_scale, WT_ERR_ARG, "scale"),
    C_("wt_aug_erasing_params", NONFINITE, erasing_nan, WT_ERR_ARG, "scale"),
    C_("wt_aug_cutout_u8", RANGE, cutout_holes, WT_ERR_ARG, "n_holes"),
    C_("wt_aug_cutout_f32", RANGE, cutout_f32, WT_ERR_ARG, "length"),
    C_("wt_aug_erase_u8", SHAPE, erase_box, WT_ERR_ARG, "box"),
    C_("wt_aug_erase_f32", TYPE, erase_mode, WT_ERR_ARG, "mode"),
    C_("wt_image_to_tensor", RANGE, to_tensor_std, WT_ERR_ARG, "std[1]"),
    C_("wt_image_to_tensor", SHAPE, to_tensor_c, WT_ERR_ARG, "out_C"),
    C_("wt_aug_pipeline_shape", NUL, pipeline_null, WT_ERR_ARG, "steps"),
    C_("wt_aug_pipeline_shape", TYPE, pipeline_kind, WT_ERR_ARG, "kind"),
    C_("wt_aug_pipeline_shape", RANGE, pipeline_p, WT_ERR_ARG, "p"),
    C_("wt_data_batch", RANGE, data_batch_n, WT_ERR_SHAPE, "n"),
    C_("wt_batch_sample", RANGE, batch_alpha, WT_ERR_ARG, "mixup_alpha"),
    C_("wt_batch_sample", RANGE, batch_prob, WT_ERR_ARG, "prob"),
    C_("wt_batch_sample", NONFINITE, batch_nan, WT_ERR_ARG, "ricap_beta"),
    C_("wt_batch_sample", NUL, batch_perm_null, WT_ERR_ARG, "perm"),
    C_("wt_batch_sample", ZERO, batch_zero, WT_ERR_SHAPE, "N"),
    C_("wt_mixup_params", RANGE, mixup_lambda, WT_ERR_ARG, "lambda"),
    C_("wt_mixup_params", LABEL, mixup_perm, WT_ERR_ARG, "perm"),
    C_("wt_batch_apply", NONFINITE, batch_apply_nan, WT_ERR_NONFINITE, "x[70] (sample 1) is NaN"),
    C_("wt_batch_apply", SHAPE, batch_apply_shape, WT_ERR_SHAPE, "params were drawn for 8 x 8"),
    C_("wt_batch_targets", LABEL, batch_targets_label, WT_ERR_ARG, "label 3 is 7"),
    C_("wt_batch_targets", RANGE, batch_targets_eps, WT_ERR_ARG, "label_smoothing"),
    C_("wt_batch_accuracy", NONFINITE, batch_accuracy_nan, WT_ERR_NONFINITE, "row 2, class 1"),
};

/* The fixture model in f->ctx still predicts and trains. */
static int still_works(fx *f) {
  float probs[16];
  float loss = NAN;
  return wt_model_predict(f->m, f->x, 4, probs) == WT_OK &&
         wt_trainer_step(f->t, f->x, f->y, 4, &loss, NULL) == WT_OK && isfinite(loss) &&
         wt_optim_step(f->o, f->p8, f->g8) == WT_OK;
}

int main(void) {
  static fx f;
  f.ctx = wt_ctx_create(&(wt_ctx_options){.seed = 1}, NULL);
  CHECK_OK(f.ctx, wt_model_create_student_cnn(f.ctx, 1, 8, 8, 4, &f.m));
  CHECK_OK(f.ctx, wt_trainer_create(f.m, &(wt_trainer_options){.optim = SGD}, &f.t));
  CHECK_OK(f.ctx, wt_optim_create(f.ctx, &SGD, 8, NULL, 0, &f.o));
  for (int i = 0; i < 4 * 64; i++) f.x[i] = (float)sin(0.3 * i);
  for (int i = 0; i < 4; i++) f.y[i] = i;
  for (int i = 0; i < 16; i++) f.logits[i] = (float)cos(i);
  for (int i = 0; i < 8; i++) f.p8[i] = 1.0f, f.g8[i] = 0.5f;
  for (size_t i = 0; i < sizeof f.img; i++) f.img[i] = (uint8_t)(i * 7);
  CHECK_OK(f.ctx, wt_model_save_safetensors(f.m, NULL, 0, &f.st_len));
  f.st = malloc(f.st_len);
  CHECK_OK(f.ctx, wt_model_save_safetensors(f.m, f.st, f.st_len, &f.st_len));
  CHECK(still_works(&f));

  const size_t n_cases = sizeof CASES / sizeof CASES[0];
  int tried[256][N_CLASSES] = {{0}};
  const char *entries[256];
  int n_entries = 0;
  for (size_t i = 0; i < n_cases; i++) {
    const bad_case *c = &CASES[i];
    wt_tensor sentinel; /* a known message first, so a case must write its own */
    wt_tensor_nchw(f.ctx, f.x, 1, 1, 1, -777, &sentinel);
    const size_t allocs = wt_ctx_live_allocs(f.ctx), bytes = wt_ctx_live_bytes(f.ctx);
    const wt_status st = c->fn(&f);
    const char *msg = wt_ctx_last_error(f.ctx);
    CHECK_MSG(st == c->want, "%s (%s #%zu): got %s, want %s (%s)", c->entry, class_names[c->cls], i,
              wt_status_str(st), wt_status_str(c->want), msg);
    if (c->msg)
      CHECK_MSG(strstr(msg, c->msg) != NULL, "%s (%s #%zu): message '%s' does not name '%s'", c->entry,
                class_names[c->cls], i, msg, c->msg);
    CHECK_MSG(wt_ctx_live_allocs(f.ctx) == allocs && wt_ctx_live_bytes(f.ctx) == bytes,
              "%s (%s #%zu): %zu -> %zu live blocks", c->entry, class_names[c->cls], i, allocs,
              wt_ctx_live_allocs(f.ctx));
    CHECK_MSG(still_works(&f), "%s (%s #%zu): the context no longer works: %s", c->entry,
              class_names[c->cls], i, wt_ctx_last_error(f.ctx));
    int e = 0;
    while (e < n_entries && strcmp(entries[e], c->entry) != 0) e++;
    if (e == n_entries) entries[n_entries++] = c->entry;
    tried[e][c->cls] = 1;
  }
  int pairs = 0, per_class[N_CLASSES] = {0};
  for (int e = 0; e < n_entries; e++)
    for (int k = 0; k < N_CLASSES; k++) pairs += tried[e][k], per_class[k] += tried[e][k];
  printf("C bad-input suite: %d entry points x %d classes: %d (entry point, class) pairs tried with %zu cases;",
         n_entries, N_CLASSES, pairs, n_cases);
  for (int k = 0; k < N_CLASSES; k++) printf(" %s %d", class_names[k], per_class[k]);
  printf("\n");
  wt_optim_destroy(f.o);
  wt_trainer_destroy(f.t);
  wt_model_destroy(f.m);
  CHECK(wt_ctx_live_allocs(f.ctx) == 1);
  free(f.st);
  wt_ctx_destroy(f.ctx);
  return check_summary("test_badinput");
}
