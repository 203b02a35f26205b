/* model.h - the model's internals, shared by models/ and train/ only. */
#ifndef WT_MODEL_H
#define WT_MODEL_H

#include "../core/internal.h"

#define WT__MAX_LAYERS 64

typedef enum wt__layer_kind {
  WT__CONV2D,
  WT__LINEAR,
  WT__RELU,
  WT__MAXPOOL2D,
  WT__FLATTEN,
} wt__layer_kind;

typedef struct wt__layer {
  wt__layer_kind kind;
  union {
    wt_conv2d conv;
    wt_linear lin;
    wt_relu relu;
    wt_maxpool2d pool;
    wt_flatten flat;
  } u;
  int64_t in_elems, out_elems; /* per sample */
  size_t param_offset, param_floats;
  float *out, *dout; /* (capacity, out_elems), inside the model's act_block */
  void *cache;
} wt__layer;

struct wt_model {
  wt_ctx *ctx;
  int64_t C, H, W, K;
  int n_layers;
  wt__layer layers[WT__MAX_LAYERS];
  size_t n_params;
  float *params, *grads;   /* same layout: PyTorch state_dict order */
  int64_t capacity;        /* batch size the activation block is planned for */
  unsigned char *act_block;
  void *workspace;
};

/* Validates a batch of N input images (shape, size, finiteness), naming func in the error. */
wt_status wt__model_check_input(wt_model *m, const char *func, const float *x, int64_t N);
/* Forward over one batch (planned for N); logits are then at wt__model_logits(m). */
wt_status wt__model_forward_batch(wt_model *m, const float *x, int64_t N);
/* Zeroes the gradients, then back-propagates wt__model_dlogits(m) (filled by the caller). */
wt_status wt__model_backward_batch(wt_model *m, const float *x, int64_t N);
float *wt__model_logits(wt_model *m);
float *wt__model_dlogits(wt_model *m);

#endif /* WT_MODEL_H */
