/* model.h - the model's internals, shared by models/ and train/ only. */
#ifndef WT_MODEL_H
#define WT_MODEL_H

#include "../core/internal.h"

/* ResNet-32 is 3 + 15 blocks * 8 layers; room for deeper specs. */
#define WT__MAX_LAYERS 256
#define WT__NAME_LEN 48
/* The model's own input as a layer's source. */
#define WT__INPUT (-1)

/* One kind per line of src/layers/layers.inc. */
typedef enum wt__layer_kind {
#define WT_LAYER(KIND, name, type) WT__##KIND,
#include "../layers/layers.inc"
#undef WT_LAYER
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
  union { /* the hyperparameters of the kind, by its name: u.conv2d, u.batchnorm2d, ... */
#define WT_LAYER(KIND, name, type) type name;
#include "../layers/layers.inc"
#undef WT_LAYER
  } u;
  char name[WT__NAME_LEN]; /* state_dict prefix ("layer1.0.conv1"); "" for layers without state */
  int in, in2;             /* source layers (WT__INPUT: the model input); in2: 2-input kinds */
  wt__init init;
  int64_t out_c, out_h, out_w; /* one sample's output; flat outputs are (elems, 1, 1) */
  bool flat;                   /* output is a vector (flatten, linear) */
  int64_t out_elems;
  size_t param_offset, param_floats;
  size_t buffer_offset;    /* batchnorm: running_mean, running_var in the buffer block */
  int64_t num_batches_tracked;
  bool frozen;    /* every parameter frozen: bound without gradients (no weight gradient) */
  bool eval_only; /* stays in eval mode while the model trains (a frozen BatchNorm) */
  int last_reader;   /* the highest layer reading this one's output (-1: none); in backward
                        the first to accumulate into dout */
  bool assign_din, assign_din2; /* this backward writes the gradient of in (in2) instead of
                        adding into it: set by model.c when it is that gradient's first
                        writer and its kind has backward_assigns */
  float *out, *dout; /* (capacity, out_elems), inside the model's act_block (the memory plan,
                        model.c: buffers not live at the same time share memory) */
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
  int first_backward;      /* backward runs layers [first_backward, n_layers): 0 unless frozen */
  const void *freeze_owner; /* the trainer whose frozen layers the model has (NULL: none) */
  char *spec;              /* the JSON spec the model was built from (tracked allocation) */
  int64_t capacity;        /* batch size the activation block is planned for */
  unsigned char *act_block;
  size_t act_bytes;        /* its size */
  bool plan_backward;      /* the plan covers a backward (else it is an inference plan) */
  bool plan_unshared;      /* tests: every buffer its own memory, to compare the shared plan's bits */
  void *workspace;
};

/* (Re)plans the batch-dependent memory (layer outputs, gradients, caches, workspace) for a
   batch of N, only when N exceeds the planned capacity or a backward is wanted (backward) and
   the plan has none; a plan with a backward keeps it. Buffers share memory when no step uses
   them together (model.c), so a layer's output is only valid until the forward step after its
   last reader, unless backward reads it; the logits stay valid until the next forward. */
wt_status wt__model_reserve(wt_model *m, int64_t N, bool backward);
/* Validates a batch of N input images (shape, size, finiteness), naming func in the error. */
wt_status wt__model_check_input(wt_model *m, const char *func, const float *x, int64_t N);
/* Forward over one batch (planned for N and a backward after it) in the model's mode; logits
   are then at wt__model_logits(m). */
wt_status wt__model_forward_batch(wt_model *m, const float *x, int64_t N);
/* Inference over one batch in the given mode (1 training, 0 eval), the model's own mode
   restored after: planned for no backward (a teacher's forward). */
wt_status wt__model_forward_batch_mode(wt_model *m, const float *x, int64_t N, int training);
/* Forward of layers [from, to) only (planned for N, and for a backward after it when backward
   is set): the layers below `from` that they read must hold this batch's outputs (cached
   features, wt_trainer_step_features). */
wt_status wt__model_forward_layers(wt_model *m, const float *x, int64_t N, int from, int to,
                                   bool backward);
wt_status wt__model_forward_layers_mode(wt_model *m, const float *x, int64_t N, int from, int to,
                                        int training, bool backward);
/* Zeroes the gradients, then back-propagates wt__model_dlogits(m) (filled by the caller) after
   a forward planned for a backward (WT_ERR_STATE otherwise). */
wt_status wt__model_backward_batch(wt_model *m, const float *x, int64_t N);
/* Freezing (wt_trainer_set_groups): frozen (n sorted, disjoint ranges of the parameter block)
   marks every layer whose parameters all lie in them as frozen (no weight gradient; with
   bn_eval a layer with a train/eval mode then stays in eval), and backward stops at the lowest
   layer with a trainable parameter. n = 0 undoes it. */
void wt__model_freeze(wt_model *m, const wt_param_range *frozen, size_t n, bool bn_eval);
float *wt__model_logits(wt_model *m);
float *wt__model_dlogits(wt_model *m);

/* Building (spec.c and the named models): an empty model for inputs (C,H,W); layers are
   appended with wt__model_push (in, in2 set by the caller; shapes derived from the sources);
   wt__model_finish allocates parameters and initialises them. */
wt_status wt__model_begin(wt_ctx *ctx, int64_t C, int64_t H, int64_t W, wt_model **out);
wt_status wt__model_push(wt_model *m, wt__layer *l);
wt_status wt__model_finish(wt_model *m, int64_t num_classes);
/* ---------------------------------------------------------------- the layer table */

/* Reading one layer object of a JSON spec (spec.c); errors name the layer and the key. */
typedef struct wt__spec wt__spec;
/* key absent: *out = def (or an error when required); else an integer in [lo, hi]. */
wt_status wt__spec_int(wt__spec *s, const char *key, int64_t def, int64_t lo, int64_t hi,
                       bool required, int64_t *out);
wt_status wt__spec_num(wt__spec *s, const char *key, double def, double *out);
wt_status wt__spec_bool(wt__spec *s, const char *key, bool def, bool *out);
/* key absent: *out = 0; else the index of its string among choices (NULL-terminated). */
wt_status wt__spec_choice(wt__spec *s, const char *key, const char *const *choices, int *out);
/* key: [a, b], two layer references ("@input" or an earlier layer's id). */
wt_status wt__spec_refs2(wt__spec *s, const char *key, int *a, int *b);

/* One state_dict entry of a layer, named "<layer name>.<suffix>" in weight files. */
#define WT__MAX_STATE 5
typedef struct wt__state_tensor {
  const char *suffix; /* "weight", "bias", "running_mean", ... */
  bool i64;           /* I64 (num_batches_tracked), else F32 */
  int ndim;
  int64_t shape[4];
  void *data;
} wt__state_tensor;

/* What a layer reads: any shape, (C,H,W) planes, or a vector (flat, or (C,1,1)). */
typedef enum wt__input { WT__IN_ANY, WT__IN_PLANES, WT__IN_VECTOR } wt__input;

/* A layer type: what the model, spec parser, weight files and benches run a kind with. NULL
   hooks do nothing (no keys, no parameters, the input's shape, ...). x2, dx2: the second source
   of a 2-input kind (NULL otherwise). */
typedef struct wt__layer_type {
  const char *name;
  int inputs;                     /* 1, or 2 (in and in2, same shapes) */
  wt__input input;
  const char *const *keys;        /* spec keys besides type, name, id, input; NULL-terminated */
  wt_status (*parse)(wt__spec *s, wt__layer *l);
  /* the input extents into u.<name> (before sizes); the output extents from it (after) */
  void (*connect)(wt__layer *l, int64_t C, int64_t H, int64_t W);
  void (*output)(wt__layer *l);
  wt_status (*sizes)(wt_ctx *ctx, wt__layer *l, int64_t N, wt_layer_sizes *s);
  wt_status (*forward)(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                       const float *x2, float *y, void *ws);
  /* x: the input, y: the output, dy: its gradient; dx, dx2: the sources' gradients (+=; NULL
     for the model input) */
  wt_status (*backward)(wt_ctx *ctx, const wt__layer *l, int64_t N, const float *x,
                        const float *y, const float *dy, float *dx, float *dx2, void *ws);
  /* What backward reads besides dy, its cache and the workspace: the input x (of `in`; a
     2-input kind gets no x2) and the output y. The memory plan keeps only these alive from the
     forward to the backward (the others are NULL in backward); the rest is reused. */
  bool backward_reads_x, backward_reads_y;
  /* backward honours l->assign_din / assign_din2 (writes dx / dx2 rather than adding into
     them), so the model need not zero the gradient of a source it writes first */
  bool backward_assigns;
  size_t (*buffer_floats)(const wt__layer *l); /* non-trained state (BatchNorm statistics) */
  /* points u.<name> at its parameters w, their gradients dw and its buffers buf */
  void (*bind)(wt__layer *l, float *w, float *dw, float *buf);
  wt_status (*init)(wt_ctx *ctx, wt__layer *l);
  void (*set_training)(wt__layer *l, int training);
  size_t (*no_decay)(const wt__layer *l);      /* trailing parameter floats without decay */
  int (*state)(wt__layer *l, wt__state_tensor out[WT__MAX_STATE]); /* state_dict order */
} wt__layer_type;

/* Indexed by kind (src/models/layer_table.c). */
extern const wt__layer_type *const wt__layer_types[WT__KIND_COUNT];
static inline const wt__layer_type *wt__type_of(const wt__layer *l) { return wt__layer_types[l->kind]; }

#endif /* WT_MODEL_H */
