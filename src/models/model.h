/* model.h - the model's internals, shared by models/ and train/ only. */
#ifndef WT_MODEL_H
#define WT_MODEL_H

#include "../core/internal.h"

/* ResNet-32 is 3 + 15 blocks * 8 layers; room for deeper specs. */
#define WT__MAX_LAYERS 256
#define WT__NAME_LEN 48
/* The model's own input as a layer's source. */
#define WT__INPUT (-1)

typedef enum wt__layer_kind {
  WT__CONV2D,
  WT__LINEAR,
  WT__RELU,
  WT__MAXPOOL2D,
  WT__FLATTEN,
  WT__BATCHNORM2D,
  WT__AVGPOOL2D,
  WT__DROPOUT,
  WT__ADD,
  WT__KIND_COUNT
} wt__layer_kind;

/* How a layer's parameters start (wt_model_reset_params). */
typedef enum wt__init {
  WT__INIT_TORCH = 0,   /* the PyTorch module's reset_parameters() */
  WT__INIT_KAIMING_OUT, /* conv: kaiming_normal_(mode='fan_out', relu), torchvision's ResNet */
  WT__INIT_ZERO_GAMMA,  /* batchnorm: weight 0 (zero-init of a residual block's last BN) */
} wt__init;

typedef struct wt__layer {
  wt__layer_kind kind;
  union {
    wt_conv2d conv;
    wt_linear lin;
    wt_relu relu;
    wt_maxpool2d pool;
    wt_flatten flat;
    wt_batchnorm2d bn;
    wt_avgpool2d avg;
    wt_dropout drop;
    wt_add add;
  } u;
  char name[WT__NAME_LEN]; /* state_dict prefix ("layer1.0.conv1"); "" for layers without state */
  int in, in2;             /* source layers (WT__INPUT: the model input); in2: ADD only */
  bool bias;               /* conv / linear: has a bias */
  bool global;             /* avgpool: the kernel is the whole plane */
  wt__init init;
  int64_t out_c, out_h, out_w; /* one sample's output; flat outputs are (elems, 1, 1) */
  bool flat;                   /* output is a vector (flatten, linear) */
  int64_t out_elems;
  size_t param_offset, param_floats;
  size_t buffer_offset;    /* batchnorm: running_mean, running_var in the buffer block */
  int64_t num_batches_tracked;
  float *out, *dout; /* (capacity, out_elems), inside the model's act_block */
  void *cache;
} wt__layer;

struct wt_model {
  wt_ctx *ctx;
  int64_t C, H, W, K;
  int n_layers;
  wt__layer layers[WT__MAX_LAYERS];
  size_t n_params;
  float *params, *grads;   /* same layout: PyTorch parameters() order */
  size_t n_buffers;
  float *buffers;          /* batchnorm running statistics */
  int training;
  char *spec;              /* the JSON spec the model was built from (tracked allocation) */
  int64_t capacity;        /* batch size the activation block is planned for */
  unsigned char *act_block;
  void *workspace;
};

/* Validates a batch of N input images (shape, size, finiteness), naming func in the error. */
wt_status wt__model_check_input(wt_model *m, const char *func, const float *x, int64_t N);
/* Forward over one batch (planned for N) in the model's mode; logits are then at
   wt__model_logits(m). */
wt_status wt__model_forward_batch(wt_model *m, const float *x, int64_t N);
/* The same in the given mode (1 training, 0 eval), the model's own mode restored after. */
wt_status wt__model_forward_batch_mode(wt_model *m, const float *x, int64_t N, int training);
/* Zeroes the gradients, then back-propagates wt__model_dlogits(m) (filled by the caller). */
wt_status wt__model_backward_batch(wt_model *m, const float *x, int64_t N);
float *wt__model_logits(wt_model *m);
float *wt__model_dlogits(wt_model *m);

/* Building (spec.c and the named models): an empty model for inputs (C,H,W); layers are
   appended with wt__model_push (in, in2 set by the caller; shapes derived from the sources);
   wt__model_finish allocates parameters and initialises them. */
wt_status wt__model_begin(wt_ctx *ctx, int64_t C, int64_t H, int64_t W, wt_model **out);
wt_status wt__model_push(wt_model *m, wt__layer *l);
wt_status wt__model_finish(wt_model *m, int64_t num_classes);
/* Kind names as specs and summaries spell them ("conv2d", "batchnorm2d", ...). */
const char *wt__layer_kind_name(wt__layer_kind k);

#endif /* WT_MODEL_H */
