// index.d.ts - TypeScript declarations for the wasmtricks package (js/index.js).

/** wt_status names, as thrown in WasmTricksError.code. */
export type WasmTricksErrorCode =
  | 'WT_ERR_ARG'
  | 'WT_ERR_SHAPE'
  | 'WT_ERR_OOM'
  | 'WT_ERR_UNSUPPORTED'
  | 'WT_ERR_STATE'
  | 'WT_ERR_FORMAT'
  | 'WT_ERR_NONFINITE'
  /** IndexedDB refused a write: the storage quota is exhausted (store.js). */
  | 'WT_ERR_QUOTA';

/** Every error the package throws: the C engine's message, or one naming the bad argument. */
export class WasmTricksError extends Error {
  constructor(code: WasmTricksErrorCode, message: string);
  readonly name: 'WasmTricksError';
  readonly code: WasmTricksErrorCode;
}

export interface InitOptions {
  /** Where the module comes from: a URL or path (default: chosen by `simd`, beside js/), its
      bytes, or a compiled module. Browsers and workers fetch URLs; Node reads file: URLs. */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** Which build runs (default 'auto'): 'relaxed' (dist/wasmtricks-relaxed.wasm, fused
      multiply-add kernels; throws WT_ERR_UNSUPPORTED where the host has no relaxed SIMD),
      'simd128' (dist/wasmtricks.wasm), 'scalar' (its scalar kernels), or 'auto': 'relaxed' where
      the host validates relaxed SIMD (in Node 20 the package turns V8's flag for it on), else
      'simd128'. With `wasm`, 'relaxed' / 'simd128' must name the given module's build. */
  simd?: SimdChoice;
  /** Use the scalar kernels even where SIMD ones exist (for comparisons); simd: 'scalar'. */
  forceScalar?: boolean;
}

export type SimdChoice = 'auto' | 'relaxed' | 'simd128' | 'scalar';

/** [channels, height, width] */
export type Shape3 = [number, number, number];

/** A seed: an integer in [0, 2^53) or a BigInt in [0, 2^64). */
export type Seed = number | bigint;

interface Disposable {
  /** Frees the wasm memory behind the object; later use throws WT_ERR_STATE. Idempotent. */
  dispose(): void;
  readonly disposed: boolean;
}

export interface StudentCNNOptions {
  /** [C, H, W]; H and W even. */
  inputShape: Shape3 | readonly number[];
  numClasses: number;
  /** Seeds the weight initialisation (default 0). */
  seed?: Seed;
}

export interface ResNetOptions {
  /** 6n+2: 8, 14, 20, 32, 44, 56 (default 20). */
  depth?: number;
  numClasses: number;
  /** [C, H, W] (default [3, 32, 32]). */
  inputShape?: Shape3 | readonly number[];
  /** Each block's last BatchNorm starts with weight 0 (Bag of Tricks). */
  zeroInitResidual?: boolean;
  seed?: Seed;
}

/** One layer of an explicit spec. `name` is the state_dict prefix (default: the index, as
    nn.Sequential), `id` names it for references (default: the name), `input` reads another
    layer's output ("@input": the model's input; default: the previous layer). */
export type LayerSpec = { name?: string; id?: string; input?: string } & (
  | { type: 'conv2d'; out_channels: number; kernel: number; stride?: number; padding?: number;
      bias?: boolean; init?: 'torch' | 'kaiming_out' }
  | { type: 'linear'; out_features: number; bias?: boolean }
  | { type: 'batchnorm2d'; eps?: number; momentum?: number; zero_init?: boolean }
  | { type: 'maxpool2d' | 'avgpool2d'; kernel: number; stride?: number; padding?: number }
  | { type: 'global_avgpool' | 'relu' | 'silu' | 'flatten' }
  | { type: 'dropout'; p?: number }
  | { type: 'add'; inputs: [string, string] });

/** A model description: a named model or an explicit list of layers. */
export type ModelSpec =
  | { model: 'student_cnn' | 'resnet18'; input: Shape3 | number[]; classes: number; zero_init_residual?: boolean }
  | { model: 'resnet'; depth: number; input: Shape3 | number[]; classes: number; zero_init_residual?: boolean }
  | { input: Shape3 | number[]; classes: number; layers: LayerSpec[] };

/** A network with its own C context (its seed, its errors, its memory). */
/** One state_dict entry of a model (Model.tensors()). */
export interface ModelTensor {
  name: string;
  shape: number[];
  /** 'params': in getParams() at offset; 'buffers': BatchNorm running statistics; 'counter': num_batches_tracked. */
  block: 'params' | 'buffers' | 'counter';
  offset?: number;
  size: number;
}

/** Model.withHead's options. */
export interface WithHeadOptions {
  /** numClasses names; the new model's classNames. */
  classNames?: string[];
  /** Seeds the new model's context (its head's draw); default: the source model's seed. */
  seed?: Seed;
}

export class Model implements Disposable {
  private constructor();
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly paramCount: number;
  /** C*H*W */
  readonly inputSize: number;
  readonly disposed: boolean;
  /** Logits, N*numClasses, for images N*C*H*W (NCHW float32). */
  forward(images: Float32Array): Float32Array;
  /** Class probabilities, N*numClasses (rows sum to 1), for images N*C*H*W. */
  predict(images: Float32Array): Float32Array;
  /** A copy of all parameters, in PyTorch state_dict order. */
  getParams(): Float32Array;
  /** Overwrites all parameters; length must be paramCount. */
  setParams(params: Float32Array): void;
  /** The spec that rebuilds this architecture (wt.models.fromSpec(model.spec)). */
  readonly spec: ModelSpec;
  /** True in training mode (the default, as torch): BatchNorm on batch statistics, Dropout on.
      forward/predict run in the current mode; Trainer.step always trains the student in training
      mode and runs a distillation teacher in eval mode. */
  readonly training: boolean;
  /** Training mode (torch's model.train()); returns the model. */
  train(on?: boolean): this;
  /** Eval mode (torch's model.eval()): BatchNorm on running statistics, no Dropout. */
  eval(): this;
  /** torchinfo-like table: layer, type, output shape, parameters, totals. */
  summary(): string;
  /** The state_dict in order, with torch's names; a 'params' tensor's offset indexes getParams(). */
  tensors(): ModelTensor[];
  /** Class names a Trainer of this model starts with (set by withHead), else null. */
  classNames: readonly string[] | null;
  /** A new model with numClasses classes (in [2, 100000]): this spec with a new classifier (fc2
      of the student CNN, fc of the ResNets, a layer list's last linear layer), every other
      tensor copied by name (parameters, BatchNorm statistics and counters), the classifier as a
      new model of that spec and seed draws it (torch's nn.Linear init, U(+-1/sqrt(in)));
      seed defaults to this model's. This model is unchanged. Throws WT_ERR_UNSUPPORTED for a
      model without a linear classifier. */
  withHead(numClasses: number, options?: WithHeadOptions): Model;
  /** The classifier's state_dict prefix ('fc2', 'fc', a layer list's last linear layer): what
      withHead replaces, '@head' in paramGroups and everything but '@backbone' in freeze. */
  readonly headName: string;
  /** The input normalisation the weights were trained with (a loaded file's __metadata__), which
      a Trainer without `normalize` uses; null when unknown. */
  normalization: { mean: number[]; std: number[] } | null;
  /** safetensors bytes: PyTorch state_dict names and shapes (BatchNorm buffers included), the
      spec in __metadata__. */
  save(): Uint8Array;
  /** Loads a safetensors file's weights (validated entirely before anything is written). */
  loadWeights(bytes: Uint8Array | ArrayBuffer): this;
  /** Bytes held by this model's context (model, trainers, scratch). */
  liveBytes(): number;
  /** Also disposes the model's trainers. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** torch.optim.SGD. weightDecay is L2 (added to the gradient). */
export interface SGDOptions {
  name: 'sgd';
  lr: number;
  momentum?: number;     // default 0
  weightDecay?: number;  // default 0
  dampening?: number;    // default 0, in [0, 1]
  nesterov?: boolean;    // needs momentum > 0 and dampening 0
  /** Trainer only: no weight decay on the model's biases (Bag of Tricks). */
  noBiasDecay?: boolean;
}

/** torch.optim.Adam (weightDecay: L2) and torch.optim.AdamW (weightDecay: decoupled, p *= 1 - lr*wd). */
export interface AdamOptions {
  name: 'adam' | 'adamw';
  lr?: number;                                // default 1e-3
  betas?: readonly [number, number];          // default [0.9, 0.999], each in [0, 1)
  eps?: number;                               // default 1e-8
  weightDecay?: number;                       // default 0 (adam), 1e-2 (adamw)
  amsgrad?: boolean;                          // default false
  noBiasDecay?: boolean;
}

/** AdaBound / AMSBound as the official code (Luolc/AdaBound): Adam's step size clamped to
    [finalLr'(1 - 1/(gamma t + 1)), finalLr'(1 + 1/(gamma t))], finalLr' = finalLr * lr / base lr
    (so schedules shrink it too); weightDecay is L2. */
export interface AdaBoundOptions {
  name: 'adabound';
  lr?: number;                                // default 1e-3, > 0
  betas?: readonly [number, number];          // default [0.9, 0.999]
  finalLr?: number;                           // default 0.1
  gamma?: number;                             // default 1e-3, in (0, 1)
  eps?: number;                               // default 1e-8
  weightDecay?: number;                       // default 0
  amsbound?: boolean;                         // default false
  noBiasDecay?: boolean;
}

export type OptimizerOptions = SGDOptions | AdamOptions | AdaBoundOptions;

/** torch.optim.lr_scheduler values at tick t (steps, or epochs with interval 'epoch'):
    'step' StepLR(stepSize, gamma = 0.1), 'multistep' MultiStepLR(milestones, gamma = 0.1),
    'cosine' CosineAnnealingLR(tMax, etaMin = 0), 'constant'. warmupSteps > 0 prepends
    LinearLR(warmupStartFactor = 1/3 -> 1, warmupSteps) as SequentialLR does: the main schedule's
    clock starts after the warm-up. */
export interface ScheduleOptions {
  name: 'constant' | 'step' | 'multistep' | 'cosine';
  stepSize?: number;
  milestones?: readonly number[];
  gamma?: number;
  /** 'auto' (Trainer options, resolved by fit()): what remains of the run after the warm-up. */
  tMax?: number | 'auto';
  etaMin?: number;
  /** 'auto' (Trainer options, resolved by fit()): 10% of the run. */
  warmupSteps?: number | 'auto';
  warmupStartFactor?: number;
  /** What a tick is: an optimizer step (default) or an endEpoch() call. */
  interval?: 'step' | 'epoch';
}

/** A Trainer's optimizer state for checkpoints (the parameters are model.getParams()). */
export interface TrainerState {
  /** The moment buffers: SGD [momentum], Adam family [m, v] (+ [vmax] with amsgrad/amsbound). */
  moments: Float32Array;
  steps: number;
  epochs: number;
}

/** A standalone optimizer over one Float32Array (one parameter group). */
export interface Optimizer extends Disposable {
  readonly name: OptimizerOptions['name'];
  /** The options with the defaults filled in. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The current lr. */
  readonly lr: number;
  readonly steps: number;
  /** Updates params in place from grads (same length; fixed by the first call). */
  step(params: Float32Array, grads: Float32Array): void;
  /** Changes the lr as a scheduler would; the base lr stays the one given at creation. */
  setLr(lr: number): void;
  [Symbol.dispose](): void;
}

export interface Optim {
  create(options: Exclude<OptimizerOptions, { noBiasDecay: true }>): Optimizer;
  /** A schedule's lr at a tick (>= 0) for baseLr. */
  scheduleLr(schedule: ScheduleOptions, baseLr: number, tick: number): number;
}

export interface TrainerOptions {
  /** Required unless a preset gives it; with a preset, an optimizer without a name (or with
      the preset's) is merged into the preset's. */
  optimizer?: OptimizerOptions | Partial<OptimizerOptions>;
  /** A recipe (`presets`; what each is: `presetAbout`); the other options override it. */
  preset?: PresetName;
  /** Per-image augmentation in fit() (training batches only). */
  augment?: AugmentOptions;
  /** ToTensor + Normalize statistics; default: the training data's (fit) per channel. */
  normalize?: { mean: number | number[]; std: number | number[] };
  /** Sets the lr of every step from optimizer.lr (the base lr). */
  schedule?: ScheduleOptions;
  /** Reseeds the model's context RNG (augmentation and other random draws). */
  seed?: Seed;
  /** CrossEntropyLoss(label_smoothing): eps in [0, 1], spread over all classes. Default 0. */
  labelSmoothing?: number;
  /** mixup on every batch: lambda ~ Beta(alpha, alpha) (default alpha 1, mixup-cifar10). */
  mixup?: { alpha?: number };
  /** CutMix: lambda ~ Beta(alpha, alpha) (default 1), applied with probability prob
      (default 0.5 as CutMix's CIFAR recipe; 1 when mixup is on too). */
  cutmix?: { alpha?: number; prob?: number };
  /** RICAP: boundary ~ Beta(beta, beta) (default 0.3); excludes mixup and CutMix. */
  ricap?: { beta?: number };
  /** mixup and CutMix both on: probability that a mixed batch uses CutMix (timm, default 0.5). */
  switchProb?: number;
  /** Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_(params, max_norm):
      when max_norm / (norm + 1e-6) < 1 every gradient is scaled by it. 0 or absent: off. */
  gradClipNorm?: number;
  /** Fine-tuning: state_dict name prefixes (at a dot boundary: 'layer1' holds
      'layer1.0.conv1.weight', not 'layer10...') whose parameters do not train, as torch's
      requires_grad=False: never updated, no decay, no gradient computed where the graph allows
      (no weight gradient for a fully frozen layer, no backward below the lowest trainable one).
      A prefix that matches no parameter, or freezing every parameter, is an error. '@backbone'
      freezes everything but the classifier (Model.headName): training the head only. */
  freeze?: string[];
  /** Parameter groups as torch's param_groups: the tensors under `match` (a name prefix) use
      this lr / weightDecay (absent: the optimizer's), scaled by the schedule as torch scales
      each group from its own lr; the first match wins; frozen tensors stay frozen. match '@head'
      is the classifier (Model.headName). A string 'PREFIX:lr=X,weightDecay=Y' is the CLI's shorthand. */
  paramGroups?: Array<ParamGroup | string>;
  /** A BatchNorm whose parameters are all frozen: 'eval' (default) normalises with its running
      statistics and keeps them fixed while the model trains, as fine-tuning recipes do; 'train'
      uses batch statistics and updates them (torch's literal requires_grad=False). */
  frozenBatchNorm?: 'eval' | 'train';
  /** Knowledge distillation: loss = CE + weight * KD(T = temperature). The teacher runs in
      inference on the same (mixed) batch; disposing it disposes this trainer. */
  teacher?: Model;
  /** With a teacher: temperature (default 4) and weight of the KD term (default 1). */
  distillation?: { temperature?: number; weight?: number };
  /** Data-parallel training in fit() / stepAsync(): the calling thread plus threads-1 workers
      (Node worker_threads, browsers module Web Workers), each with a model replica; the sum of
      the shards' gradients equals the batch's up to float reassociation (BatchNorm normalises
      per shard). 'auto': every core the host reports. Default 1 (off). Without Worker support
      it trains on 1 thread and says so in describe().threads.note. describe().threads is
      accepted too (its `requested`). */
  threads?: number | 'auto' | ThreadsInfo;
}

/** A parameter group of TrainerOptions.paramGroups. */
export interface ParamGroup {
  match: string;
  lr?: number;
  weightDecay?: number;
}

/** How a trainer uses threads (describe().threads). mode 'shared': SharedArrayBuffer exchange
    (Node; cross-origin-isolated pages), 'transfer': transferred ArrayBuffers, 'off': 1 thread. */
export interface ThreadsInfo {
  requested: number | 'auto';
  used: number;
  mode: 'off' | 'shared' | 'transfer';
  note: string | null;
}

export interface AugmentOptions {
  randomResizedCrop?: boolean | { scale?: [number, number]; ratio?: [number, number] };
  /** Zero padding (default 4), then a random crop of the input size. */
  randomCrop?: boolean | number | { padding?: number };
  hflip?: boolean | number | { p?: number };
  vflip?: boolean | number | { p?: number };
  autoAugment?: 'imagenet' | 'cifar10' | 'svhn' | { policy: 'imagenet' | 'cifar10' | 'svhn' };
  randAugment?: boolean | { numOps?: number; magnitude?: number; numMagnitudeBins?: number };
  trivialAugment?: boolean | { numMagnitudeBins?: number };
  /** Hole side length, or { length, holes }; applied after Normalize. */
  cutout?: number | { length: number; holes?: number };
  randomErasing?: boolean | number | { p?: number; scale?: [number, number]; ratio?: [number, number]; value?: number | number[] | 'random' };
}

export interface FitProgress {
  type: 'step' | 'epoch';
  epoch: number;
  epochs: number;
  /** Step records: batch index (1-based) and batches per epoch. */
  step?: number;
  steps?: number;
  /** Running means over the epoch so far (step) or the whole epoch (epoch). */
  loss: number;
  accuracy: number;
  lr: number;
  imagesPerSecond: number;
  /** Seconds left in the run. */
  eta: number;
  validation?: Evaluation;
  /** Whether a loader worker makes the batches ahead (fit's `prefetch`), and why not. */
  prefetch?: PrefetchInfo;
  /** Whether this run trains the head on cached features (fit's `cacheFeatures`). */
  cachedFeatures?: boolean;
}

/** fit's `cacheFeatures` as resolved: reason says why features are not cached (null when
    they are, or when cacheFeatures is false). */
export interface CacheFeaturesInfo {
  requested: boolean | 'auto';
  used: boolean;
  reason: string | null;
}

/** fit's `prefetch` as resolved: mode 'shared' (SharedArrayBuffer slots), 'transfer' (moved
    buffers) or 'off'; note says why it is off or how batches travel. */
export interface PrefetchInfo {
  requested: boolean | 'auto';
  used: boolean;
  mode: 'off' | 'shared' | 'transfer';
  note: string | null;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  dropLast?: boolean;
  shuffle?: boolean;
  validation?: Dataset;
  onProgress?: (p: FitProgress) => void;
  /** Rejects with the signal's reason (an AbortError) after the current step. */
  signal?: AbortSignal;
  /** Node: a checkpoint file written atomically at every epoch end. */
  checkpoint?: string;
  /** A checkpoint path (Node) or bytes: continue its run bit for bit. */
  resume?: string | Uint8Array;
  /** Awaited after every step (a runner's pause point); checkpoint() returns mid-epoch bytes
      that `resume` continues from the next step. */
  onStep?: (s: StepHook) => void | Promise<void>;
  /** A loader worker makes batch b + 1 while step b runs (same numbers either way). 'auto'
      (default): on when the host has more cores than the trainer's threads and a Worker. */
  prefetch?: boolean | 'auto';
  /** Train the head on features computed once per image: the output of the frozen layers
      below the lowest trainable one, in their training mode (the same numbers as without).
      Needs every layer below it frozen and deterministic (frozenBatchNorm 'eval', no Dropout),
      the trainable layers reading one feature vector (after the flatten / global pool), and no
      augmentation, batch trick or teacher. 'auto' (default): when that holds; true: a
      WT_ERR_STATE error names the condition that fails; false: never. The head then trains on
      the calling thread whatever `threads` is (it equals a threads: 1 run), without prefetch;
      epoch 1's time includes computing the features. Validation runs the whole model;
      checkpoints are of the whole model. */
  cacheFeatures?: boolean | 'auto';
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  top5: number;
  perClass: number[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  count: number;
}

export interface Prediction {
  label: number;
  className: string;
  probability: number;
}

export interface StepResult {
  /** Mean loss over the batch: cross-entropy (smoothed, soft targets under a batch trick),
      plus weight * KD with a teacher. */
  loss: number;
  /** Fraction of the batch classified correctly, before the update (under a batch trick: the
      official codes' mixed accuracy). */
  accuracy: number;
}

/** The optimizer state of one model; disposed together with the model at the latest.
    Construct it with `new wt.Trainer(model, options)`; this export serves instanceof checks. */
export class Trainer implements Disposable {
  private constructor();
  readonly model: Model;
  readonly labelSmoothing: number;
  readonly mixup: Readonly<{ alpha: number }> | null;
  readonly cutmix: Readonly<{ alpha: number; prob: number }> | null;
  readonly ricap: Readonly<{ beta: number }> | null;
  readonly switchProb: number | null;
  readonly teacher: Model | null;
  readonly distillation: Readonly<{ temperature: number; weight: number }> | null;
  /** The gradient clipping norm (0: off). */
  readonly gradClipNorm: number;
  /** The freeze, paramGroups and frozenBatchNorm options (null when neither freeze nor
      paramGroups is set). */
  readonly freeze: readonly string[] | null;
  readonly paramGroups: readonly Readonly<ParamGroup>[] | null;
  readonly frozenBatchNorm: 'eval' | 'train' | null;
  /** The 2-norm over all gradients of the last step, before clipping (0 before the first). */
  readonly gradNorm: number;
  /** Optimizer steps taken so far. */
  readonly steps: number;
  readonly disposed: boolean;
  /** One step: forward, cross-entropy, backward, optimizer update. labels: N integers in [0, numClasses). */
  step(images: Float32Array, labels: Int32Array | readonly number[]): StepResult;
  /** step() over the trainer's threads (data-parallel; step() itself uses one). fit() steps
      with it. One step at a time: await each. */
  stepAsync(images: Float32Array, labels: Int32Array | readonly number[]): Promise<StepResult>;
  /** Threads used by fit() / stepAsync() (1: off). */
  readonly threads: number;
  /** Without a schedule only (WT_ERR_STATE otherwise). */
  setLearningRate(lr: number): void;
  /** The optimizer options with the defaults filled in. */
  readonly optimizer: Readonly<Record<string, unknown>>;
  /** The lr the next step uses. */
  readonly lr: number;
  /** endEpoch() calls so far. */
  readonly epochs: number;
  /** Ends an epoch (the tick of a schedule with interval 'epoch'). */
  endEpoch(): void;
  getState(): TrainerState;
  /** Restores getState() into a trainer with the same options on a model of the same shape. */
  setState(state: TrainerState): void;
  /** Trains on a data set; resolves to the per-epoch records. */
  fit(data: Dataset, options?: FitOptions): Promise<{ history: Array<FitProgress & { seconds: number }>; seconds: number; prefetch: PrefetchInfo; cacheFeatures: CacheFeaturesInfo }>;
  /** The model in eval mode over a data set. */
  evaluate(data: Dataset, options?: { batchSize?: number }): Evaluation;
  /** Top-k classes: one image -> Prediction[]; images, a data set or normalised input -> Prediction[][]. */
  /** One image (ImageData-like, or a canvas / <img> / <video> / ImageBitmap drawn at the
      model's input extent; for a Blob use wt.image.predict). */
  predict(input: ImageLike | DrawableSource, options?: { topK?: number }): Prediction[];
  predict(input: Dataset | Array<ImageLike | DrawableSource> | Float32Array, options?: { topK?: number }): Prediction[][];
  /** Checkpoint bytes (weights, optimizer state, schedule position, RNG, epoch). */
  checkpoint(): Uint8Array;
  /** Restores checkpoint bytes into this trainer and its model. */
  restore(bytes: Uint8Array): void;
  /** The trainer's settings as plain data (for logs and checkpoints). */
  describe(): Record<string, unknown>;
  readonly preset: string | null;
  readonly augment: Readonly<AugmentOptions>;
  normalization: { mean: number[]; std: number[] } | null;
  classNames: readonly string[] | null;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface ImageLike {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Default: data.length / (width * height). */
  channels?: number;
}

export interface Dataset {
  /** N*H*W*C bytes, HWC per image (for C = 1 also NCHW). */
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly length: number;
  /** The former name of length. */
  readonly count: number;
  readonly numClasses: number;
  readonly shape: readonly [number, number, number];
  readonly classNames: readonly string[];
  /** Per-channel mean and std of the pixels in [0, 1] (given, or computed once). */
  readonly mean: number[];
  readonly std: number[];
  get(i: number): { image: ImageLike; label: number };
  subset(indices: number[]): Dataset;
  take(n: number): Dataset;
  /** The samples of these classes (indices or names), relabelled 0..k-1 in the order given. */
  selectClasses(classes: Array<number | string>): Dataset;
  /** n samples without replacement, seeded (a fair subset of a class-sorted set). */
  sample(n: number, options?: { seed?: number; balanced?: boolean }): Dataset;
  /** A seeded split: round(fraction * length) validation samples. */
  split(fraction: number, options?: { seed?: number }): { train: Dataset; validation: Dataset };
}

export interface IDX {
  dims: number[];
  /** A copy of the payload. */
  data: Uint8Array;
}

export interface ToFloatOptions {
  shape: Shape3 | readonly number[];
  /** One number, or one per channel; default 0. */
  mean?: number | ArrayLike<number>;
  /** One number, or one per channel; default 1. */
  std?: number | ArrayLike<number>;
  /** Where to write (length N*C*H*W); default a new array. */
  out?: Float32Array;
}

export interface Data {
  /** Parses an uncompressed IDX buffer (the C parser validates header and length). */
  parseIDX(bytes: Uint8Array): IDX;
  /** A Fashion-MNIST split from dir (Node: a folder, default /usr/share/datasets/fashion-mnist/;
      browsers: a base URL), IDX files gzip-compressed or not. */
  loadFashionMNIST(options?: { dir?: string | URL; split?: 'train' | 'test' }): Promise<Dataset>;
  fashionMNIST(options?: { dir?: string | URL; split?: 'train' | 'test' }): Promise<Dataset>;
  mnist(options?: { dir?: string | URL; split?: 'train' | 'test' }): Promise<Dataset>;
  /** Node: CIFAR binary batches from a folder (cifar-10-batches-bin or its parent). */
  cifar10(options: { dir: string; split?: 'train' | 'test' }): Promise<Dataset>;
  cifar100(options: { dir: string; split?: 'train' | 'test' }): Promise<Dataset>;
  parseCIFAR(batches: Uint8Array[], options?: { classes?: 10 | 100; classNames?: string[] }): Dataset;
  /** Node: one sub-folder per class of PNG/JPEG files, decoded by the engine. */
  imageFolder(dir: string, options?: { shape?: [number, number, number]; classNames?: string[] }): Promise<Dataset>;
  fromArrays(options: { images: Uint8Array | Uint8ClampedArray; labels: ArrayLike<number>; shape: [number, number, number];
    numClasses?: number; classNames?: string[]; mean?: number[]; std?: number[]; layout?: 'chw' | 'hwc' }): Dataset;
  fromImages(items: Array<{ image: ImageLike; label: number }>, options?: { numClasses?: number; classNames?: string[];
    channels?: 1 | 3 | 4; mean?: number[]; std?: number[] }): Dataset;
  /** Node: what the CLI's --data takes (a name or a folder). */
  open(spec: string, options?: { split?: 'train' | 'test'; shape?: [number, number, number] }): Promise<Dataset>;
  /** Decodes one PNG/JPEG; with shape, resized to cover it and centre-cropped. */
  decodeImage(bytes: Uint8Array, options?: { shape?: [number, number, number] }): ImageLike & { channels: number };
  /** uint8 NCHW images to float32 (x / 255 - mean) / std, converted in bounded chunks. */
  toFloat(images: Uint8Array | Uint8ClampedArray, options: ToFloatOptions): Float32Array;
  readonly FASHION_MNIST_CLASSES: readonly string[];
  readonly FASHION_MNIST_MEAN: number;
  readonly FASHION_MNIST_STD: number;
}

export interface CrossEntropyOptions {
  numClasses: number;
  /** eps in [0, 1]: target (1 - eps) * onehot + eps / numClasses (soft targets: q * (1 - eps) + eps / numClasses, as timm). Default 0. */
  labelSmoothing?: number;
  /** As torch: 'mean' (default; hard labels with weight divide by the sum of the labels' weights), 'sum' or 'none'. */
  reduction?: 'mean' | 'sum' | 'none';
  /** Per-class weights (numClasses), as torch's `weight`. */
  weight?: Float32Array | readonly number[];
}

export interface DistillationOptions {
  numClasses: number;
  /** T > 0 (Hinton / Bag of Tricks: 1..20). */
  temperature: number;
}

export interface LossResult<L = number> {
  /** The reduced loss ('none': one per row). */
  loss: L;
  /** N*numClasses gradient of the reduced loss ('none': of the sum) with respect to the (student) logits. */
  grad: Float32Array;
}

/** Losses with PyTorch semantics, computed by the engine; results are copies. */
export interface Loss {
  /** F.cross_entropy(logits, target, weight, reduction, label_smoothing). target: Int32Array N
      (labels) or Float32Array N*numClasses (soft targets: mixup, CutMix, RICAP). */
  crossEntropy(logits: Float32Array, target: Int32Array | Float32Array,
               options: CrossEntropyOptions & { reduction: 'none' }): LossResult<Float32Array>;
  crossEntropy(logits: Float32Array, target: Int32Array | Float32Array,
               options: CrossEntropyOptions & { reduction?: 'mean' | 'sum' }): LossResult<number>;
  crossEntropy(logits: Float32Array, target: Int32Array | Float32Array,
               options: CrossEntropyOptions): LossResult<number | Float32Array>;
  /** F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1), reduction='batchmean') * T*T; grad with respect to the student. */
  distillation(studentLogits: Float32Array, teacherLogits: Float32Array,
               options: DistillationOptions): LossResult<number>;
}

/** One op a random policy drew (wasmtricks.h wt_aug_drawn_op). Replaying the applied ones in
    order with augment.apply({ op: name, magnitude }) gives the policy's pixels. */
export interface AugDrawnOp {
  readonly name: AugOp;
  /** Signed, as apply() takes it (also when skipped); 0 for ops without a magnitude. */
  readonly magnitude: number;
  /** false: skipped by its probability (AutoAugment only). */
  readonly applied: boolean;
  /** The magnitude bin; null for ops without one (torchvision's None). */
  readonly bin: number | null;
  /** The AutoAugment table's probability; 1 for RandAugment and TrivialAugment. */
  readonly probability: number;
}
/** What autoAugment / randAugment / trivialAugment return with { report: true }. */
export interface AugReport {
  readonly image: AugImage;
  /** AutoAugment: the sub-policy drawn, 0..24 (torchvision's policy list order); otherwise null. */
  readonly subPolicy: number | null;
  /** AutoAugment: its two ops; RandAugment: numOps ops; TrivialAugment: one. */
  readonly ops: AugDrawnOp[];
}

/** ImageData-like: HWC bytes with 1, 3 or 4 channels (inferred from data.length, or given). */
export interface AugImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}
export type AugOp = 'Identity' | 'ShearX' | 'ShearY' | 'TranslateX' | 'TranslateY' | 'Rotate' | 'Brightness' |
  'Color' | 'Contrast' | 'Sharpness' | 'Posterize' | 'Solarize' | 'AutoContrast' | 'Equalize' | 'Invert';
export interface AugCommon {
  /** A seed for this call only; default: the instance's RNG. */
  seed?: number | bigint;
  channels?: 1 | 3 | 4;
  interpolation?: 'nearest' | 'bilinear';
  /** Fill outside a geometric op's source: one number or one per channel (default: torchvision's None, 0). */
  fill?: number | number[];
}
/** A batch for wt.augment.mixup/cutmix/ricap: a tensor, or same-size images (demos). */
export type AugBatch =
  | { images: Float32Array; labels: Int32Array | readonly number[]; shape: [number, number, number, number]; numClasses: number }
  | { images: AugImage[]; labels: Int32Array | readonly number[]; numClasses: number };
export interface AugBatchResult<I> {
  /** Float32Array for a tensor batch; images of the input's kind for an image batch. */
  images: I;
  /** N x numClasses soft targets. */
  targets: Float32Array;
  /** For wt.batch.mixedAccuracy. */
  params: BatchParams;
}
/** Per-image augmentation with torchvision 0.14 semantics; every call returns a new image.
    The batch tricks take a whole batch (the official codes' semantics; see wt.batch). */
export interface Augment {
  mixup<B extends AugBatch>(batch: B, options?: { alpha?: number; seed?: number; labelSmoothing?: number }):
    AugBatchResult<B['images']> & { lambda: number; permutation: Int32Array };
  cutmix<B extends AugBatch>(batch: B, options?: { alpha?: number; prob?: number; seed?: number; labelSmoothing?: number }):
    AugBatchResult<B['images']> & { lambda: number; permutation: Int32Array; box?: { x0: number; y0: number; x1: number; y1: number } };
  ricap<B extends AugBatch>(batch: B, options?: { beta?: number; seed?: number; labelSmoothing?: number }):
    AugBatchResult<B['images']> & { boundary: { w: number; h: number }; permutations: Int32Array[]; offsets: [number, number][]; weights: number[] };
  /** One op; magnitude exactly as torchvision 0.14's _apply_op receives it. */
  apply(img: AugImage, options: AugCommon & { op: AugOp; magnitude?: number }): AugImage;
  /** With report: true, also what was drawn: the sub-policy and its two ops (applied or skipped). */
  autoAugment(img: AugImage, options: AugCommon & { policy?: 'imagenet' | 'cifar10' | 'svhn'; report: true }): AugReport;
  autoAugment(img: AugImage, options?: AugCommon & { policy?: 'imagenet' | 'cifar10' | 'svhn'; report?: false }): AugImage;
  /** numOps at most 64; with report: true, also the ops drawn. */
  randAugment(img: AugImage, options: AugCommon & { numOps?: number; magnitude?: number; numMagnitudeBins?: number; report: true }): AugReport;
  randAugment(img: AugImage, options?: AugCommon & { numOps?: number; magnitude?: number; numMagnitudeBins?: number; report?: false }): AugImage;
  trivialAugment(img: AugImage, options: AugCommon & { numMagnitudeBins?: number; report: true }): AugReport;
  trivialAugment(img: AugImage, options?: AugCommon & { numMagnitudeBins?: number; report?: false }): AugImage;
  /** size: smaller edge, or [height, width]; default bilinear, antialias off (tensor path). */
  resize(img: AugImage, options: AugCommon & { size: number | [number] | [number, number] }): AugImage;
  centerCrop(img: AugImage, options: AugCommon & { size: number | [number, number] }): AugImage;
  crop(img: AugImage, options: AugCommon & { top: number; left: number; height: number; width: number }): AugImage;
  /** RandomCrop(size, padding) with zero padding (CIFAR: size 32, padding 4). */
  randomCrop(img: AugImage, options?: AugCommon & { size?: number | [number, number]; padding?: number }): AugImage;
  randomResizedCrop(img: AugImage, options?: AugCommon & { size?: number | [number, number];
    scale?: [number, number]; ratio?: [number, number] }): AugImage;
  /** Flip with probability p (default 1). */
  hflip(img: AugImage, options?: AugCommon & { p?: number }): AugImage;
  vflip(img: AugImage, options?: AugCommon & { p?: number }): AugImage;
  /** Cutout on the bytes (demos; training applies it after Normalize): colour channels set to 0. */
  cutout(img: AugImage, options?: AugCommon & { holes?: number; length?: number }): AugImage;
  randomErasing(img: AugImage, options?: AugCommon & { p?: number; scale?: [number, number];
    ratio?: [number, number]; value?: number | number[] | 'random' }): AugImage;
  readonly OPS: readonly AugOp[];
}

/** What a wt.batch call mixed, and how (JS names of the C wt_batch_params). */
export interface BatchParams {
  /** 'none' when CutMix's prob skipped the batch (or mixup's alpha was 0). */
  readonly trick: 'none' | 'mixup' | 'cutmix' | 'ricap';
  /** Part weights, sum 1: mixup/CutMix [lambda, 1 - lambda]; RICAP area fractions. */
  readonly weights: number[];
  /** Part k of sample i comes from sample permutations[k][i] (mixup/CutMix: [identity, partner]). */
  readonly permutations: Int32Array[];
  /** mixup: the Beta draw; CutMix: 1 - box area / (H W), recomputed from the clipped box. */
  readonly lambda?: number;
  /** mixup/CutMix: the partner permutation (= permutations[1]). */
  readonly permutation?: Int32Array;
  /** CutMix: the Beta draw the box was sized from, the drawn centre, the pasted box (x1, y1 exclusive). */
  readonly lambdaDrawn?: number;
  readonly center?: { x: number; y: number };
  readonly box?: { x0: number; y0: number; x1: number; y1: number };
  /** RICAP: w columns / h rows of part 0; parts 0 top-left, 1 below it, 2 right of 0, 3 bottom-right. */
  readonly boundary?: { w: number; h: number };
  /** RICAP: each part's crop origin [x, y] in its source image. */
  readonly offsets?: [number, number][];
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly shape: [number, number, number];
}
export interface BatchCommon {
  numClasses: number;
  /** [C, H, W] of each image; N is labels.length. */
  shape: [number, number, number];
  /** A seed for this call only; default: the instance's RNG. */
  seed?: number | bigint;
  /** Smooths the returned targets as timm does ((1 - eps) t + eps / numClasses); default 0. */
  labelSmoothing?: number;
}
export interface BatchResult {
  /** The mixed batch, N*C*H*W. */
  images: Float32Array;
  /** Soft targets N*numClasses, for wt.loss.crossEntropy. */
  targets: Float32Array;
  params: BatchParams;
}
/** Batch tricks with the official semantics over normalised NCHW float batches. */
export interface Batch {
  /** mixup-cifar10: lambda ~ Beta(alpha, alpha) (default 1), or explicit lambda + permutation. */
  mixup(images: Float32Array, labels: Int32Array, options: BatchCommon &
    ({ alpha?: number } | { lambda: number; permutation: Int32Array | number[] })): BatchResult;
  /** CutMix-PyTorch: with probability prob (default 1), alpha default 1; or an explicit box + permutation. */
  cutmix(images: Float32Array, labels: Int32Array, options: BatchCommon &
    ({ alpha?: number; prob?: number } |
     { box: { x0: number; y0: number; x1: number; y1: number }; permutation: Int32Array | number[] })): BatchResult;
  /** RICAP: beta default 0.3; or an explicit boundary, offsets and four permutations. */
  ricap(images: Float32Array, labels: Int32Array, options: BatchCommon &
    ({ beta?: number } | { boundary: { w: number; h: number }; offsets: [number, number][];
      permutations: (Int32Array | number[])[] })): BatchResult;
  /** The official reported accuracy of the mixed batch (a fraction): sum_k weights[k] acc(labels[permutations[k]]). */
  mixedAccuracy(logits: Float32Array, params: BatchParams): number;
}

export interface WasmTricks {
  models: {
    /** conv3x3(C->32) ReLU conv3x3(32->64) ReLU maxpool2 flatten linear(->128) ReLU linear(->numClasses) */
    studentCNN(options: StudentCNNOptions): Model;
    /** CIFAR ResNet (He et al. 2016) of depth 6n+2: 16/32/64 channels, BasicBlocks, 1x1 conv + BN
        projection shortcuts; torchvision state_dict names. */
    resnet(options: ResNetOptions): Model;
    /** ResNet-18 for small inputs: 3x3 stride-1 stem, no max-pool (torchvision's names). */
    resnet18(options: Omit<ResNetOptions, 'depth'>): Model;
    /** A model from a spec object or its JSON string. */
    fromSpec(spec: ModelSpec | string, options?: { seed?: Seed }): Model;
    /** Rebuilds the model of a safetensors file (model.save(), examples/pytorch/wt_models.py or
        export_weights.py), or the model of checkpoint bytes (trainer.checkpoint(), a store record). */
    load(bytes: Uint8Array | ArrayBuffer, options?: { seed?: Seed }): Model;
    /** A backbone the package ships (see PRETRAINED), with its class names and normalisation. */
    pretrained(name: keyof typeof PRETRAINED): Promise<Model>;
  };
  Trainer: new (model: Model, options: TrainerOptions) => Trainer;
  data: Data;
  /** Cross-entropy (label smoothing, soft targets, weights) and distillation. */
  loss: Loss;
  /** Standalone optimizers (SGD, Adam, AdamW, AdaBound) and schedule values. */
  optim: Optim;
  /** Per-image augmentation (torchvision 0.14 semantics). */
  augment: Augment;
  /** Batch tricks: mixup, CutMix, RICAP (mixed images, soft targets, parameters). */
  batch: Batch;
  /** A run as a standalone PyTorch script (torch + torchvision; DDP under torchrun): a Trainer
      (its options, its model's weights now, its teacher) or checkpoint bytes. Node writes the
      files (the CLI's export-pytorch), a page offers them as downloads. */
  exportPyTorch(source: Trainer | Uint8Array, run: ExportRun): Promise<{ files: ExportFiles }>;
  /** Canvas I/O: model input from page images, drawing tensors, predicting from any source. */
  image: ImageIO;
  /** Name of the GEMM micro-kernel in use, e.g. "wt_f32_gemm_ukernel_4x8__wasmsimd" (with
      "_relaxed_madd" in the relaxed build). */
  kernelName: string;
  /** The build running: 'relaxed', 'simd128' or 'scalar' (see InitOptions.simd). */
  build: 'relaxed' | 'simd128' | 'scalar';
  /** The module's imports as "module.name". */
  imports: string[];
  /** Bytes held by every live context of this instance (a leak check). */
  liveBytes(): number;
  /** Size of the wasm linear memory in bytes (grows, never shrinks). */
  memoryBytes(): number;
  /** A leak check: the linear memory's size, and the bytes and blocks the engine's tracked
      allocator holds over all live contexts (disposing everything returns both to the baseline). */
  stats(): { wasmMemoryBytes: number; liveBytes: number; liveAllocations: number };
  WasmTricksError: typeof WasmTricksError;
}

/** What exportPyTorch's script trains on and for how long (absent: the checkpoint's, then fit()'s defaults). */
export interface ExportRun {
  /** The data set the script reads: 'fashion-mnist', 'mnist', or a folder of IDX files, CIFAR
      binary batches or an ImageFolder (as the CLI's --data). */
  data: string;
  imageSize?: number;
  limit?: number;
  epochs?: number;
  batchSize?: number;
  dropLast?: boolean;
  shuffle?: boolean;
  seed?: number;
  /** Default: the trainer's normalisation, else the script computes the data's. */
  normalize?: { mean: number[]; std: number[] };
  classNames?: string[];
  /** A checkpoint source that distils: the teacher's safetensors bytes. */
  teacher?: Uint8Array;
}

/** train.py (the script), init.safetensors (its starting weights), teacher.safetensors (with distillation). */
export interface ExportFiles {
  'train.py': string;
  'init.safetensors': Uint8Array;
  'teacher.safetensors'?: Uint8Array;
}

/** Loads and initialises one independent instance of the engine. */
export function init(options?: InitOptions): Promise<WasmTricks>;

/** Where init() looks for the baseline module (simd: 'simd128' and 'scalar'). */
export const defaultWasmURL: URL;
/** Where init() looks for the relaxed-SIMD module (simd: 'relaxed'). */
export const relaxedWasmURL: URL;

/** One Trainer or fit() option as optionSchema lists it (js/options.js describes the fields). A
    nested option has a dotted name ('optimizer.lr' is options.optimizer.lr); group 'fit' marks
    fit()'s options. */
export interface OptionEntry {
  name: string;
  type: 'number' | 'integer' | 'boolean' | 'string' | 'object' | 'array' | 'model' | 'dataset' | 'function' | 'signal' | 'bytes';
  default: unknown;
  min?: number;
  max?: number;
  /** The value must be greater than this. */
  exclusiveMin?: number;
  choices?: readonly string[];
  /** The string 'auto' is accepted too. */
  auto?: boolean;
  /** The flag of `wasmtricks train`, e.g. '--label-smoothing'; null: none. */
  cli: string | null;
  /** The flag's value in --help (N, X, FILE...). */
  cliArg?: string;
  /** The flag's range where it differs from the option's. */
  cliCheck?: { min?: number; max?: number; exclusiveMin?: number };
  help: string;
  group: 'recipe' | 'optimizer' | 'schedule' | 'loss' | 'batch' | 'distillation' | 'augment' | 'fit';
  /** Whether the training studio shows a control for it (data-option="<name>"). */
  web: boolean;
}

/** Every Trainer and fit() option: the CLI's flags and the studio's form come from it. */
export const optionSchema: readonly Readonly<OptionEntry>[];

/** The backbones the package ships: their file, model, data and the command that trained them. */
export const PRETRAINED: Readonly<Record<'resnet8-cifar10', Readonly<{ url: URL; label: string; inputShape: readonly number[]; model: string; data: string; accuracy: string; command: string }>>>;
/** The names of `presets` (declared in js/options.js; tests hold this list to it). */
export type PresetName = 'baseline' | 'bag-of-tricks' | 'cifar-autoaugment' | 'small-data';
/** The recipes: preset name -> Trainer options (TrainerOptions.preset picks one). */
export const presets: Readonly<Record<PresetName, Readonly<TrainerOptions>>>;
/** Preset name -> one line on what the recipe is (the CLI's --help and the studio show it). */
export const presetAbout: Readonly<Record<PresetName, string>>;

// ---- Browser and Worker: canvas I/O (js/image.js), the IndexedDB store (js/store.js) and
// ---- WorkerTrainer (js/worker.js, `wasmtricks/worker`; bound in js/worker.d.ts).

/** fit()'s onStep argument. */
export interface StepHook {
  /** 1-based epoch and step of the step just taken; batches per epoch. */
  epoch: number;
  step: number;
  steps: number;
  /** The run now as checkpoint bytes (resumes at the next step). */
  checkpoint(): Uint8Array;
}

/** What drawImage() takes, as page images come: canvases, elements, bitmaps, video frames. */
export type DrawableSource = HTMLCanvasElement | OffscreenCanvas | HTMLImageElement | ImageBitmap | HTMLVideoElement;

/** Every image source toInput and the predict functions accept. */
export type ImageSource = ImageLike | ImageData | DrawableSource | Blob;

export interface ToInputOptions {
  /** The model input [C, H, W]: C = 1 gives grayscale (ITU-R 601 luma), 3 RGB, 4 RGBA. */
  shape: Shape3 | readonly number[];
  /** 'cover' (default: scale to cover, centre-crop), 'contain' (letterbox on black; drawable
      sources only, or the same aspect ratio) or 'fill' (stretch). */
  fit?: 'cover' | 'contain' | 'fill';
}

/** An image at the model's input extent: data is H*W*C bytes, HWC. */
export interface ModelImage extends ImageLike {
  data: Uint8ClampedArray;
  channels: number;
}

export interface DrawOptions {
  /** For a Float32Array tensor (NCHW): [C, H, W] of one image. */
  shape?: Shape3 | readonly number[];
  /** Which image of the tensor (default 0). */
  index?: number;
  /** Undo Normalize: pixel = value * std + mean (per channel or one number); default [0, 1] values. */
  mean?: number | number[];
  std?: number | number[];
  /** true (default): the canvas takes the image's size; false: the image is scaled to the
      canvas without smoothing. */
  resize?: boolean;
}

/** Anything with predict() and an input shape: a Trainer or a WorkerTrainer. */
export type Predictor =
  | { model: { inputShape: readonly number[] }; predict(input: ModelImage, options?: { topK?: number }): Prediction[] | Promise<Prediction[]> };

export interface ImageIO {
  /** The model input from any image source (a Blob is decoded with createImageBitmap). */
  toInput(source: ImageSource, options: ToInputOptions): Promise<ModelImage>;
  /** toInput for sources already in memory (not a Blob). */
  toInputSync(source: ImageLike | ImageData | DrawableSource, options: ToInputOptions): ModelImage;
  /** Draws an ImageData-like image or a tensor onto a canvas (see DrawOptions.resize). Returns
      the drawn RGBA image. */
  draw(canvas: HTMLCanvasElement | OffscreenCanvas, image: ImageLike | Float32Array, options?: DrawOptions): ModelImage;
  /** Top-k predictions from any source, with a Trainer or a WorkerTrainer. */
  predict(trainer: Predictor, source: ImageSource, options?: { topK?: number; fit?: ToInputOptions['fit'] }): Promise<Prediction[]>;
  isImageLike(v: unknown): v is ImageLike;
  isDrawable(v: unknown): v is DrawableSource;
}

/** One saved run as list() reports it. */
export interface StoredRun {
  name: string;
  kind: 'checkpoint' | 'weights';
  savedAt: number;
  bytes: number;
  /** A previous version is kept (load(name, { version: 'previous' })). */
  hasPrevious: boolean;
  meta: Record<string, unknown> | null;
}

export interface LoadedRun {
  name: string;
  kind: 'checkpoint' | 'weights';
  /** Checkpoint bytes (kind 'checkpoint'), verified with decodeCheckpoint. */
  checkpoint?: Uint8Array;
  /** safetensors bytes (kind 'weights', from importFile). */
  weights?: Uint8Array;
  meta: Record<string, unknown> | null;
  savedAt: number;
  version: 'current' | 'previous';
}

/** Runs in IndexedDB. Writes are atomic (one transaction writes the version and moves the
    pointer; the previous version is kept); quota errors reject with code 'WT_ERR_QUOTA'. */
export interface Store {
  readonly name: string;
  save(name: string, record: { checkpoint: Uint8Array; meta?: Record<string, unknown> | null } |
    { weights: Uint8Array; meta?: Record<string, unknown> | null }): Promise<{ name: string; savedAt: number; bytes: number }>;
  /** Rejects (code 'WT_ERR_FORMAT', ...) if the version is corrupt, naming the previous one. */
  load(name: string, options?: { version?: 'current' | 'previous' }): Promise<LoadedRun>;
  list(): Promise<StoredRun[]>;
  delete(name: string): Promise<boolean>;
  /** The run's weights as a safetensors File (or Blob). */
  exportFile(name: string): Promise<Blob>;
  /** Saves a checkpoint or safetensors file as a run (name: the file's, without extension). */
  importFile(file: Blob, options?: { name?: string }): Promise<{ name: string; savedAt: number; bytes: number }>;
  close(): void;
}

export interface OpenStoreOptions {
  /** The IndexedDB database name (default 'wasmtricks'). */
  name?: string;
  /** Another IDBFactory (default globalThis.indexedDB). */
  indexedDB?: IDBFactory;
}

export type WorkerModelOptions =
  | { name?: 'student' | 'resnet8' | 'resnet14' | 'resnet20' | 'resnet32' | 'resnet44' | 'resnet56' | 'resnet18';
      inputShape: Shape3 | readonly number[]; numClasses: number; classNames?: string[]; seed?: number;
      zeroInitResidual?: boolean }
  | { spec: ModelSpec | string; classNames?: string[]; seed?: number }
  /** Checkpoint bytes (trainer.checkpoint()) or a safetensors file; for the latter, the
      normalisation and class names of its __metadata__ (exportWeights writes them) apply
      unless trainer.normalize / classNames are given. */
  | { checkpoint: Uint8Array; classNames?: string[]; seed?: number; head?: WorkerHeadOptions };

/** WorkerTrainer's model.head: a new classifier (Model.withHead) on any model source; a
    checkpoint is then a starting point (its weights and normalisation), not resumed. */
export interface WorkerHeadOptions {
  numClasses: number;
  /** The new classes' names (default: model.classNames). */
  classNames?: string[];
  seed?: number;
}

export interface WorkerTrainerOptions {
  model: WorkerModelOptions;
  /** wt.Trainer's options; a teacher is given as its safetensors or checkpoint bytes. Without
      an optimizer or preset: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 }. */
  trainer?: Omit<TrainerOptions, 'teacher'> & { teacher?: Uint8Array };
  /** What init() takes (default: dist/wasmtricks.wasm beside js/, as the worker sees it). */
  wasm?: InitOptions['wasm'];
  /** init()'s module choice in the worker (default 'auto'); the worker's build is `build`. */
  simd?: InitOptions['simd'];
  /** A Worker already running wasmtricks/worker-entry (for bundlers that want to create it),
      started at any time before. */
  worker?: Worker | { postMessage(message: unknown, transfer?: readonly unknown[]): void; terminate(): unknown;
    on(event: string, listener: (...args: any[]) => void): unknown };
}

/** A data set for the worker: a wt.data set, or arrays (images NCHW uint8 unless layout 'hwc'). */
export type WorkerData = Dataset | { images: Uint8Array | Uint8ClampedArray; labels: ArrayLike<number>;
  shape: Shape3 | readonly number[]; numClasses?: number; classNames?: string[]; layout?: 'chw' | 'hwc';
  mean?: number[]; std?: number[] };

export interface WorkerFitOptions {
  epochs?: number;
  batchSize?: number;
  dropLast?: boolean;
  shuffle?: boolean;
  validation?: WorkerData;
  onProgress?: (p: FitProgress | { type: 'autosave'; name: string; epoch: number; step: number; steps: number }) => void;
  /** Continue the run of load() / restore() (true), or from checkpoint bytes. */
  resume?: boolean | Uint8Array;
  /** Save to the IndexedDB store every N optimizer steps or at every epoch end. */
  autosave?: { name: string; everySteps?: number; everyEpoch?: boolean; store?: string };
  /** Node: a checkpoint file path written atomically at each epoch end. */
  checkpoint?: string;
  /** Move the data's buffers to the worker (they become detached here) instead of copying once. */
  transfer?: boolean;
  /** As FitOptions.prefetch: the loader worker is nested in the trainer's worker. */
  prefetch?: boolean | 'auto';
  /** As FitOptions.cacheFeatures. */
  cacheFeatures?: boolean | 'auto';
}

export interface WorkerFitResult {
  stopped: boolean;
  /** Per-epoch records of the epochs that ended. */
  history: Array<FitProgress & { seconds: number }>;
  /** Optimizer steps taken in total. */
  steps: number;
  seconds?: number;
  prefetch?: PrefetchInfo;
  cacheFeatures?: CacheFeaturesInfo;
}

/** A Trainer running in a dedicated Web Worker (browsers) or a worker_thread (Node). */
export interface WorkerTrainer {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly paramCount: number;
  readonly classNames: readonly string[] | null;
  readonly kernelName: string;
  /** The worker's build ('relaxed', 'simd128' or 'scalar'; see InitOptions.simd). */
  readonly build: 'relaxed' | 'simd128' | 'scalar';
  readonly spec: ModelSpec;
  readonly model: { readonly inputShape: readonly number[]; readonly numClasses: number; readonly paramCount: number };
  fit(data: WorkerData, options?: WorkerFitOptions): Promise<WorkerFitResult>;
  /** Parks the fit after its current step; resolves once parked (or at once when idle). */
  pause(): Promise<{ paused: boolean; epoch?: number; step?: number }>;
  resume(): Promise<{ running: boolean }>;
  /** Ends the fit after its current step; fit resolves with { stopped: true }. */
  stop(): Promise<{ stopped: boolean }>;
  evaluate(data: WorkerData, options?: { batchSize?: number }): Promise<Evaluation>;
  predict(input: ImageSource | Float32Array, options?: { topK?: number; fit?: ToInputOptions['fit'] }): Promise<Prediction[]>;
  predict(input: WorkerData | Array<ImageSource> | Float32Array, options?: { topK?: number; fit?: ToInputOptions['fit'] }): Promise<Prediction[][]>;
  /** The run as checkpoint bytes (mid-epoch while a fit runs). */
  checkpoint(): Promise<Uint8Array>;
  restore(bytes: Uint8Array): Promise<void>;
  /** safetensors bytes of the model; __metadata__ also holds 'normalization' ({ mean, std })
      and 'classNames' as JSON strings when the trainer has them. */
  exportWeights(): Promise<Uint8Array>;
  /** Saves the checkpoint now to the IndexedDB store. */
  save(name: string, options?: { store?: Store | string }): Promise<{ name: string; savedAt: number; bytes: number }>;
  terminate(): Promise<void>;
}

export interface WorkerTrainerConstructor {
  create(options: WorkerTrainerOptions): Promise<WorkerTrainer>;
  /** A run saved by save() or autosave; fit(data, { resume: true }) continues it. An imported
      weights file gets create()'s defaults for a safetensors file. With head, a new run starts
      from the saved weights with a new classifier (create's model.head). */
  load(name: string, options?: Omit<WorkerTrainerOptions, 'model'> & { store?: Store | string; version?: 'current' | 'previous';
    classNames?: string[]; head?: WorkerHeadOptions }): Promise<WorkerTrainer>;
}
