// badinput.test.mjs - the table-driven bad-input suite of issue #12: every public JS entry point
// (wt.models.*, Model methods, the Trainer's constructor, step, fit, evaluate, predict and
// state calls, wt.data.* and Dataset methods, wt.loss.*, wt.optim.* and Optimizer methods,
// wt.augment.*, wt.batch.*) against each class of bad input: null/undefined, wrong type, wrong
// length, shape mismatch, zero size, absurdly large or overflowing dimensions, labels out of
// range, NaN/Inf, options out of range, use after dispose. Every case must throw (or reject
// with) a WasmTricksError whose message names the argument, never a wasm trap or a plain
// TypeError, and the same entry point must still work right after it. The closing test prints
// the count of entry points x classes tried.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init, WasmTricksError } from '../../js/index.js';
import { idx } from './idx.mjs';

const wt = await init();

const CLASSES = ['missing', 'wrongType', 'wrongLength', 'shape', 'zeroSize', 'huge', 'labelRange',
  'nonFinite', 'optionRange', 'disposed'];

// ---- fixtures: small good inputs, and disposed objects
const SHAPE = [1, 8, 8];
const x4 = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(0.3 * i));
const y4 = Int32Array.of(0, 1, 2, 3);
const withAt = (arr, i, v) => { const a = arr.slice(); a[i] = v; return a; };
const model = wt.models.studentCNN({ inputShape: SHAPE, numClasses: 4, seed: 1 });
const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
const weights = model.save();
const ckpt = trainer.checkpoint();
const other = wt.models.studentCNN({ inputShape: [1, 4, 4], numClasses: 2 });
const otherTrainer = new wt.Trainer(other, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
const otherWeights = other.save();
const otherCkpt = otherTrainer.checkpoint();
const gone = wt.models.studentCNN({ inputShape: SHAPE, numClasses: 4 });
const goneTrainer = new wt.Trainer(gone, { optimizer: { name: 'sgd', lr: 0.01 } });
gone.dispose(); // disposes goneTrainer too
const u8images = Uint8Array.from({ length: 16 * 64 }, (_, i) => (i * 37) % 256);
const labels16 = Int32Array.from({ length: 16 }, (_, i) => i % 4);
const ds = wt.data.fromArrays({ images: u8images, labels: labels16, shape: SHAPE, numClasses: 4 });
const ds10 = wt.data.fromArrays({ images: u8images, labels: Int32Array.from({ length: 16 }, (_, i) => i % 10), shape: SHAPE, numClasses: 10 });
const img = () => ({ data: new Uint8ClampedArray(8 * 8 * 4).fill(100), width: 8, height: 8 });
const optimizer = wt.optim.create({ name: 'sgd', lr: 0.1, momentum: 0.9 });
const goneOptimizer = wt.optim.create({ name: 'adam', lr: 0.1 });
goneOptimizer.dispose();
const wide = wt.models.fromSpec({ input: [1, 2, 2], classes: 65536, layers: [{ type: 'flatten' }, { type: 'linear', out_features: 65536 }] });
// An IDX file of the given dims with n zero bytes of data (n != the dims' product: a bad file).
const idxBytes = (dims, n = dims.reduce((a, b) => a * b, 1)) => idx(dims, new Uint8Array(n));
const cifarBatch = (n, label = 1) => {
  const b = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) b[i * 3073] = label;
  return b;
};
const PNG_1x1 = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG1dTLQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
const SPEC = (layers, extra = {}) => ({ input: [1, 4, 4], classes: 3, layers, ...extra });
const spec3 = [{ type: 'flatten' }, { type: 'linear', out_features: 3 }];
const batchOpts = { numClasses: 4, shape: SHAPE };
const mixParams = () => wt.batch.mixup(x4, y4, { ...batchOpts, alpha: 1, seed: 3 }).params;

// ---- the table: entry point -> { good: a call that must work, class: [[call, /argument/], ...] }
const T = {};
const entry = (name, good, cases) => { T[name] = { good, cases }; };

entry('models.studentCNN', () => wt.models.studentCNN({ inputShape: SHAPE, numClasses: 4 }), {
  missing: [[() => wt.models.studentCNN(), /inputShape/], [() => wt.models.studentCNN(null), /options/],
    [() => wt.models.studentCNN({ inputShape: SHAPE }), /numClasses/]],
  wrongType: [[() => wt.models.studentCNN({ inputShape: '1x8x8', numClasses: 4 }), /inputShape/],
    [() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: '4' }), /numClasses/],
    [() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: 4, seed: 'x' }), /seed/]],
  wrongLength: [[() => wt.models.studentCNN({ inputShape: [1, 8], numClasses: 4 }), /inputShape/]],
  shape: [[() => wt.models.studentCNN({ inputShape: [1, 7, 8], numClasses: 4 }), /H|W|even/]],
  zeroSize: [[() => wt.models.studentCNN({ inputShape: [0, 8, 8], numClasses: 4 }), /inputShape\[0\]/],
    [() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: 0 }), /numClasses/]],
  huge: [[() => wt.models.studentCNN({ inputShape: [1, 2 ** 31, 8], numClasses: 4 }), /H|inputShape/],
    [() => wt.models.studentCNN({ inputShape: [1, 1024, 512], numClasses: 4 }), /fc1.*parameters/],
    [() => wt.models.studentCNN({ inputShape: [1, 2 ** 24, 2 ** 24], numClasses: 4 }), /H|W|elements|parameters/],
    [() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: 2 ** 40 }), /numClasses|num_classes/]],
  nonFinite: [[() => wt.models.studentCNN({ inputShape: [1, NaN, 8], numClasses: 4 }), /inputShape\[1\]/],
    [() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: Infinity }), /numClasses/]],
  optionRange: [[() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: 1 }), /num_classes|numClasses/],
    [() => wt.models.studentCNN({ inputShape: SHAPE, numClasses: 4, seed: -1 }), /seed/],
    [() => wt.models.studentCNN({ inputShape: [5, 8, 8], numClasses: 4, seed: 2 ** 64 }), /seed/]],
});

entry('models.resnet', () => wt.models.resnet({ depth: 8, inputShape: [3, 8, 8], numClasses: 2 }), {
  missing: [[() => wt.models.resnet(), /numClasses/], [() => wt.models.resnet(null), /options/]],
  wrongType: [[() => wt.models.resnet({ depth: '8', numClasses: 2 }), /depth/],
    [() => wt.models.resnet({ depth: 8, numClasses: 2, inputShape: 'big' }), /inputShape/]],
  wrongLength: [[() => wt.models.resnet({ depth: 8, numClasses: 2, inputShape: [3, 8, 8, 1] }), /inputShape/]],
  zeroSize: [[() => wt.models.resnet({ depth: 8, numClasses: 2, inputShape: [3, 0, 8] }), /inputShape\[1\]/]],
  huge: [[() => wt.models.resnet({ depth: 8, numClasses: 2, inputShape: [3, 2 ** 30, 8] }), /H|inputShape/],
    [() => wt.models.resnet({ depth: 6 * 2 ** 20 + 2, numClasses: 2, inputShape: [3, 8, 8] }), /depth|layers/]],
  nonFinite: [[() => wt.models.resnet({ depth: NaN, numClasses: 2 }), /depth/]],
  optionRange: [[() => wt.models.resnet({ depth: 9, numClasses: 2 }), /depth/],
    [() => wt.models.resnet({ depth: 8, numClasses: 1 }), /num_classes|numClasses/]],
});

entry('models.resnet18', () => wt.models.resnet18({ inputShape: [3, 8, 8], numClasses: 2 }), {
  missing: [[() => wt.models.resnet18(), /numClasses/]],
  wrongType: [[() => wt.models.resnet18({ numClasses: [2] }), /numClasses/]],
  zeroSize: [[() => wt.models.resnet18({ inputShape: [3, 8, 0], numClasses: 2 }), /inputShape\[2\]/]],
  huge: [[() => wt.models.resnet18({ inputShape: [2 ** 20, 8, 8], numClasses: 2 }), /C|inputShape|parameters/]],
  optionRange: [[() => wt.models.resnet18({ inputShape: [3, 8, 8], numClasses: 100001 }), /num_classes|numClasses/]],
});

entry('models.fromSpec', () => wt.models.fromSpec(SPEC(spec3)), {
  missing: [[() => wt.models.fromSpec(), /spec/], [() => wt.models.fromSpec(SPEC(undefined)), /layers|model/],
    [() => wt.models.fromSpec(SPEC([{ type: 'linear' }])), /out_features/]],
  wrongType: [[() => wt.models.fromSpec(42), /spec/], [() => wt.models.fromSpec(SPEC([{ type: 'linear', out_features: '3' }])), /out_features/],
    [() => wt.models.fromSpec('{"input":'), /spec|JSON/]],
  wrongLength: [[() => wt.models.fromSpec({ ...SPEC(spec3), input: [1, 4] }), /input/]],
  shape: [[() => wt.models.fromSpec(SPEC([{ type: 'flatten' }, { type: 'linear', out_features: 2 }])), /classes/],
    [() => wt.models.fromSpec(SPEC([{ type: 'conv2d', out_channels: 2, kernel: 5 }, { type: 'flatten' }, { type: 'linear', out_features: 3 }])), /KH|kernel/]],
  zeroSize: [[() => wt.models.fromSpec({ ...SPEC(spec3), input: [1, 0, 4] }), /input/],
    [() => wt.models.fromSpec(SPEC([{ type: 'flatten' }, { type: 'linear', out_features: 0 }])), /out_features/]],
  huge: [[() => wt.models.fromSpec(SPEC([{ type: 'flatten' }, { type: 'linear', out_features: 2 ** 30 }])), /out_features/],
    [() => wt.models.fromSpec({ ...SPEC(spec3), input: [1, 2 ** 31, 4] }), /input/]],
  nonFinite: [[() => wt.models.fromSpec(SPEC([{ type: 'dropout', p: NaN }, ...spec3])), /\bp\b/],
    [() => wt.models.fromSpec('{"input":[1,4,4],"classes":3,"layers":[{"type":"dropout","p":1e999},{"type":"flatten"},{"type":"linear","out_features":3}]}'), /\bp\b/]],
  optionRange: [[() => wt.models.fromSpec(SPEC([{ type: 'dropout', p: 1.5 }, ...spec3])), /\bp\b/],
    [() => wt.models.fromSpec(SPEC([{ type: 'conv9' }])), /type|conv9/]],
});

entry('models.load', () => wt.models.load(weights), {
  missing: [[() => wt.models.load(), /bytes/]],
  wrongType: [[() => wt.models.load('weights'), /bytes/], [() => wt.models.load([1, 2, 3]), /bytes/]],
  wrongLength: [[() => wt.models.load(weights.subarray(0, weights.length - 9)), /safetensors|truncated|data|bytes/],
    [() => wt.models.load(weights.subarray(0, 100)), /safetensors|header|truncated|bytes/]],
  zeroSize: [[() => wt.models.load(new Uint8Array(0)), /safetensors|bytes|short|truncated/]],
  huge: [[() => { const b = weights.slice(); new DataView(b.buffer).setUint32(0, 0xfffffff0, true); return wt.models.load(b); }, /header|length|safetensors/]],
});

for (const method of ['forward', 'predict']) {
  entry(`Model.${method}`, () => model[method](x4), {
    missing: [[() => model[method](), /images/]],
    wrongType: [[() => model[method](Array.from(x4)), /images/], [() => model[method](new Float64Array(64)), /images/]],
    wrongLength: [[() => model[method](x4.subarray(0, 63)), /images/]],
    zeroSize: [[() => model[method](new Float32Array(0)), /images/]],
    huge: [[() => wide[method](new Float32Array(16384 * 4)), /outputs.*4 GiB/]],
    nonFinite: [[() => model[method](withAt(x4, 70, NaN)), /images\[70\]/], [() => model[method](withAt(x4, 3, -Infinity)), /images\[3\]/]],
    disposed: [[() => gone[method](x4), /disposed/]],
  });
}

entry('Model.setParams', () => model.setParams(model.getParams()), {
  missing: [[() => model.setParams(), /params/]],
  wrongType: [[() => model.setParams(Array.from(model.getParams())), /params/]],
  wrongLength: [[() => model.setParams(new Float32Array(model.paramCount - 1)), /params/]],
  zeroSize: [[() => model.setParams(new Float32Array(0)), /params/]],
  nonFinite: [[() => model.setParams(withAt(model.getParams(), 5, NaN)), /params\[5\]/],
    [() => model.setParams(withAt(model.getParams(), 9, Infinity)), /params\[9\]/]],
  disposed: [[() => gone.setParams(new Float32Array(gone.paramCount)), /disposed/]],
});

entry('Model.loadWeights', () => model.loadWeights(weights), {
  missing: [[() => model.loadWeights(), /bytes/]],
  wrongType: [[() => model.loadWeights({}), /bytes/]],
  wrongLength: [[() => model.loadWeights(weights.subarray(0, weights.length - 1)), /safetensors|truncated|data|bytes/]],
  shape: [[() => model.loadWeights(otherWeights), /shape|conv|fc|tensor|spec/]],
  zeroSize: [[() => model.loadWeights(new Uint8Array(0)), /safetensors|bytes|short|truncated/]],
  nonFinite: [[() => { const b = weights.slice(); new DataView(b.buffer).setFloat32(b.length - 8, NaN, true); return model.loadWeights(b); }, /tensor 'fc2.bias' element 2 is NaN/],
    [() => { const b = weights.slice(); new DataView(b.buffer).setFloat32(b.length - 4, -Infinity, true); return wt.models.load(b); }, /tensor 'fc2.bias' element 3 is Inf/]],
  disposed: [[() => gone.loadWeights(weights), /disposed/]],
});

entry('Model.summary/save/getParams/spec/train', () => { model.summary(); model.save(); model.getParams(); return model.spec; }, {
  disposed: [[() => gone.summary(), /disposed/], [() => gone.save(), /disposed/], [() => gone.getParams(), /disposed/],
    [() => gone.spec, /disposed/], [() => gone.train(), /disposed/], [() => gone.liveBytes(), /disposed/]],
});

const OPT = { name: 'sgd', lr: 0.01 };
entry('new Trainer', () => new wt.Trainer(model, { optimizer: OPT }), {
  missing: [[() => new wt.Trainer(), /model/], [() => new wt.Trainer(model), /optimizer/], [() => new wt.Trainer(model, null), /options/]],
  wrongType: [[() => new wt.Trainer('model', { optimizer: OPT }), /model/], [() => new wt.Trainer(model, { optimizer: 'sgd' }), /optimizer/],
    [() => new wt.Trainer(model, { optimizer: OPT, mixup: 'yes' }), /mixup/], [() => new wt.Trainer(model, { optimizer: OPT, teacher: {} }), /teacher/],
    [() => new wt.Trainer(model, { optimizer: OPT, lr: 0.1 }), /unknown option 'lr'/]],
  shape: [[() => new wt.Trainer(model, { optimizer: OPT, teacher: other }), /teacher/]],
  nonFinite: [[() => new wt.Trainer(model, { optimizer: { ...OPT, lr: NaN } }), /lr/],
    [() => new wt.Trainer(model, { optimizer: OPT, gradClipNorm: Infinity }), /gradClipNorm/],
    [() => new wt.Trainer(model, { optimizer: OPT, labelSmoothing: NaN }), /labelSmoothing/]],
  optionRange: [[() => new wt.Trainer(model, { optimizer: { ...OPT, lr: -1 } }), /lr/],
    [() => new wt.Trainer(model, { optimizer: { ...OPT, momentum: -0.5 } }), /momentum/],
    [() => new wt.Trainer(model, { optimizer: { name: 'rmsprop', lr: 0.1 } }), /name|optimizer/],
    [() => new wt.Trainer(model, { optimizer: OPT, labelSmoothing: 1.5 }), /labelSmoothing/],
    [() => new wt.Trainer(model, { optimizer: OPT, gradClipNorm: -1 }), /gradClipNorm/],
    [() => new wt.Trainer(model, { optimizer: OPT, mixup: { alpha: 0 } }), /mixup.alpha/],
    [() => new wt.Trainer(model, { optimizer: OPT, cutmix: { alpha: 1, prob: 2 } }), /prob/],
    [() => new wt.Trainer(model, { optimizer: OPT, preset: 'magic' }), /preset/],
    [() => new wt.Trainer(model, { optimizer: OPT, schedule: { name: 'cosine', tMax: 0 } }), /tMax/]],
  disposed: [[() => new wt.Trainer(gone, { optimizer: OPT }), /disposed/]],
});

entry('Trainer.step', () => trainer.step(x4, y4), {
  missing: [[() => trainer.step(), /images/], [() => trainer.step(x4), /labels/]],
  wrongType: [[() => trainer.step(x4, Float32Array.from(y4)), /labels/], [() => trainer.step(x4, [0, 1, 2, '3']), /labels\[3\]/],
    [() => trainer.step(Array.from(x4), y4), /images/]],
  wrongLength: [[() => trainer.step(x4, y4.subarray(0, 3)), /labels/], [() => trainer.step(x4.subarray(1), y4), /images/]],
  shape: [[() => trainer.step(x4.subarray(0, 3 * 64), y4), /labels has length 4 but images holds 3/]],
  zeroSize: [[() => trainer.step(new Float32Array(0), new Int32Array(0)), /images/]],
  huge: [[() => trainer.step(new Float32Array(40000 * 64), new Int32Array(40000)), /batch of 40000/]],
  labelRange: [[() => trainer.step(x4, Int32Array.of(0, 1, 2, 4)), /labels\[3\] = 4/], [() => trainer.step(x4, Int32Array.of(-1, 1, 2, 3)), /labels\[0\] = -1/],
    [() => trainer.step(x4, [0, 1.5, 2, 3]), /labels\[1\] = 1.5/], [() => trainer.step(x4, [0, 1, 2, 2 ** 32]), /labels\[3\]/]],
  nonFinite: [[() => trainer.step(withAt(x4, 100, NaN), y4), /images\[100\]/], [() => trainer.step(withAt(x4, 0, Infinity), y4), /images\[0\]/],
    [() => trainer.step(x4, [0, NaN, 2, 3]), /labels\[1\]/]],
  disposed: [[() => goneTrainer.step(x4, y4), /disposed/]],
});

entry('Trainer.fit', () => trainer.fit(ds, { epochs: 1, batchSize: 8 }), {
  missing: [[() => trainer.fit(), /data/]],
  wrongType: [[() => trainer.fit({}), /data/], [() => trainer.fit(ds, { epochs: '1' }), /epochs/],
    [() => trainer.fit(ds, { onProgress: 1 }), /onProgress/], [() => trainer.fit(ds, { checkpoint: 5 }), /checkpoint/],
    [() => trainer.fit(ds, { batchSize: '8' }), /batchSize/], [() => trainer.fit(ds, { epocs: 1 }), /unknown option 'epocs'/],
    [() => trainer.fit(ds, { validation: [] }), /data/]],
  shape: [[() => trainer.fit(wt.data.fromArrays({ images: new Uint8Array(4 * 3 * 64), labels: y4, shape: [3, 8, 8], numClasses: 4 }), { epochs: 1 }), /channel|C|shape/]],
  zeroSize: [[() => trainer.fit(ds, { batchSize: 0 }), /batchSize/], [() => trainer.fit(ds, { epochs: 0 }), /epochs/],
    [() => trainer.fit(ds.subset([]), { epochs: 1 }), /data|empty|length/]],
  huge: [[() => trainer.fit(ds, { batchSize: 2 ** 40 }), /batchSize/], [() => trainer.fit(ds, { epochs: 2 ** 53 + 2 }), /epochs/]],
  labelRange: [[() => trainer.fit(ds10, { epochs: 1 }), /classes|labels/]],
  nonFinite: [[() => trainer.fit(ds, { epochs: NaN }), /epochs/], [() => trainer.fit(ds, { batchSize: Infinity }), /batchSize/]],
  optionRange: [[() => trainer.fit(ds, { batchSize: 1.5 }), /batchSize/], [() => trainer.fit(ds, { resume: new Uint8Array(10) }), /checkpoint/],
    [() => trainer.fit(ds, { resume: otherCkpt }), /resume|checkpoint|model|shape|safetensors|spec/]],
  disposed: [[() => goneTrainer.fit(ds), /disposed/]],
});

entry('Trainer.evaluate', () => trainer.evaluate(ds), {
  missing: [[() => trainer.evaluate(), /data/]],
  wrongType: [[() => trainer.evaluate([1, 2]), /data/], [() => trainer.evaluate(ds, { batchSize: 'x' }), /batchSize/]],
  zeroSize: [[() => trainer.evaluate(ds, { batchSize: 0 }), /batchSize/], [() => trainer.evaluate(ds.subset([])), /data|empty/]],
  labelRange: [[() => trainer.evaluate(ds10), /classes/]],
  optionRange: [[() => trainer.evaluate(ds, { batchSize: -2 }), /batchSize/]],
  disposed: [[() => goneTrainer.evaluate(ds), /disposed/]],
});

entry('Trainer.predict', () => trainer.predict(x4), {
  missing: [[() => trainer.predict(), /input|image/]],
  wrongType: [[() => trainer.predict('cat.png'), /input|image/], [() => trainer.predict(x4, { topK: '5' }), /topK/]],
  wrongLength: [[() => trainer.predict(x4.subarray(0, 70)), /images/], [() => trainer.predict({ data: new Uint8Array(10), width: 8, height: 8 }), /image 0/]],
  zeroSize: [[() => trainer.predict(new Float32Array(0)), /images/], [() => trainer.predict({ data: new Uint8Array(0), width: 0, height: 8 }), /image 0/]],
  nonFinite: [[() => trainer.predict(withAt(x4, 9, NaN)), /images\[9\]/]],
  optionRange: [[() => trainer.predict(x4, { topK: 0 }), /topK/]],
  disposed: [[() => goneTrainer.predict(x4), /disposed/]],
});

entry('Trainer.setLearningRate', () => trainer.setLearningRate(0.01), {
  missing: [[() => trainer.setLearningRate(), /lr/]],
  wrongType: [[() => trainer.setLearningRate('0.1'), /lr/]],
  nonFinite: [[() => trainer.setLearningRate(NaN), /lr/], [() => trainer.setLearningRate(Infinity), /lr/]],
  optionRange: [[() => trainer.setLearningRate(-1), /lr/]],
  disposed: [[() => goneTrainer.setLearningRate(0.1), /disposed/]],
});

entry('Trainer.setState/getState', () => trainer.setState(trainer.getState()), {
  missing: [[() => trainer.setState(), /state/], [() => trainer.setState({ steps: 0, epochs: 0 }), /moments/]],
  wrongType: [[() => trainer.setState({ ...trainer.getState(), moments: [] }), /moments/]],
  wrongLength: [[() => { const s = trainer.getState(); return trainer.setState({ ...s, moments: s.moments.subarray(1) }); }, /n_floats|moments|state/]],
  nonFinite: [[() => { const s = trainer.getState(); return trainer.setState({ ...s, moments: withAt(s.moments, 7, NaN) }); }, /state\[7\] is NaN/],
    [() => trainer.setState({ ...trainer.getState(), steps: Infinity }), /steps/]],
  optionRange: [[() => trainer.setState({ ...trainer.getState(), steps: -1 }), /steps/], [() => trainer.setState({ ...trainer.getState(), epochs: 0.5 }), /epochs/]],
  disposed: [[() => goneTrainer.getState(), /disposed/], [() => goneTrainer.setState(trainer.getState()), /disposed/]],
});

entry('Trainer.checkpoint/restore', () => trainer.restore(trainer.checkpoint()), {
  missing: [[() => trainer.restore(), /bytes/]],
  wrongType: [[() => trainer.restore('ckpt'), /bytes/]],
  wrongLength: [[() => trainer.restore(ckpt.subarray(0, ckpt.length - 3)), /truncated/]],
  shape: [[() => trainer.restore(otherCkpt), /shape|tensor|conv|fc|spec|n_floats|moments/]],
  zeroSize: [[() => trainer.restore(new Uint8Array(0)), /checkpoint/]],
  nonFinite: [[() => { const b = ckpt.slice(); b[b.length - 40] ^= 0xff; return trainer.restore(b); }, /checksum mismatch/]],
  disposed: [[() => goneTrainer.checkpoint(), /disposed/], [() => goneTrainer.restore(ckpt), /disposed/]],
});

entry('data.fromArrays', () => wt.data.fromArrays({ images: u8images, labels: labels16, shape: SHAPE, numClasses: 4 }), {
  missing: [[() => wt.data.fromArrays(), /images/], [() => wt.data.fromArrays({ images: u8images, shape: SHAPE }), /labels/]],
  wrongType: [[() => wt.data.fromArrays({ images: Float32Array.from(u8images), labels: labels16, shape: SHAPE }), /images/],
    [() => wt.data.fromArrays({ images: u8images, labels: 'abc', shape: SHAPE }), /labels/]],
  wrongLength: [[() => wt.data.fromArrays({ images: u8images.subarray(1), labels: labels16, shape: SHAPE }), /images/]],
  shape: [[() => wt.data.fromArrays({ images: u8images, labels: labels16.subarray(0, 15), shape: SHAPE }), /labels/],
    [() => wt.data.fromArrays({ images: u8images, labels: labels16, shape: [1, 8] }), /shape/]],
  zeroSize: [[() => wt.data.fromArrays({ images: u8images, labels: labels16, shape: [0, 8, 8] }), /shape/]],
  huge: [[() => wt.data.fromArrays({ images: u8images, labels: labels16, shape: [1, 2 ** 53, 8] }), /images holds .* of 1x9007199254740992x8/]],
  labelRange: [[() => wt.data.fromArrays({ images: u8images, labels: withAt(labels16, 5, 4), shape: SHAPE, numClasses: 4 }), /label 5 is 4, outside 0..3/],
    [() => wt.data.fromArrays({ images: u8images, labels: withAt(labels16, 2, -1), shape: SHAPE }), /labels\[2\]/]],
  nonFinite: [[() => wt.data.fromArrays({ images: u8images, labels: [...labels16.subarray(1), NaN], shape: SHAPE }), /labels\[15\]/]],
  optionRange: [[() => wt.data.fromArrays({ images: u8images, labels: labels16, shape: SHAPE, numClasses: 0 }), /numClasses/],
    [() => wt.data.fromArrays({ images: u8images, labels: labels16, shape: SHAPE, layout: 'nhwc' }), /layout/],
    [() => wt.data.fromArrays({ images: u8images, labels: labels16, shape: SHAPE, numClasses: 4, classNames: ['a'] }), /class names/]],
});

entry('data.fromImages', () => wt.data.fromImages([{ image: img(), label: 0 }, { image: img(), label: 1 }]), {
  missing: [[() => wt.data.fromImages(), /items/], [() => wt.data.fromImages([{ label: 0 }]), /image/]],
  wrongType: [[() => wt.data.fromImages('pics'), /items/], [() => wt.data.fromImages([{ image: { data: 'x', width: 8, height: 8 }, label: 0 }]), /image|data|channels/]],
  wrongLength: [[() => wt.data.fromImages([{ image: { data: new Uint8Array(10), width: 8, height: 8 }, label: 0 }]), /image|channels|data/]],
  shape: [[() => wt.data.fromImages([{ image: img(), label: 0 }, { image: { data: new Uint8Array(16 * 4), width: 4, height: 4 }, label: 1 }]), /items\[1\]/]],
  zeroSize: [[() => wt.data.fromImages([]), /items/], [() => wt.data.fromImages([{ image: { data: new Uint8Array(0), width: 0, height: 0 }, label: 0 }]), /image|width|channels/]],
  labelRange: [[() => wt.data.fromImages([{ image: img(), label: -1 }]), /items\[0\]\.label/],
    [() => wt.data.fromImages([{ image: img(), label: 3 }], { numClasses: 2 }), /label/]],
  nonFinite: [[() => wt.data.fromImages([{ image: img(), label: NaN }]), /items\[0\]\.label/]],
  optionRange: [[() => wt.data.fromImages([{ image: img(), label: 0 }], { channels: 2 }), /channels/]],
});

entry('data.parseIDX', () => wt.data.parseIDX(idxBytes([2, 2])), {
  missing: [[() => wt.data.parseIDX(), /bytes/]],
  wrongType: [[() => wt.data.parseIDX([0, 0, 8, 1]), /bytes/]],
  wrongLength: [[() => wt.data.parseIDX(idxBytes([2, 2], 3)), /IDX|bytes|truncated|size/]],
  zeroSize: [[() => wt.data.parseIDX(new Uint8Array(0)), /IDX|bytes|short|truncated/], [() => wt.data.parseIDX(idxBytes([0, 2])), /IDX|dim|zero|0/]],
  huge: [[() => wt.data.parseIDX(idxBytes([65536, 65536, 65536], 4)), /IDX|dims|size|large|bytes/]],
});

entry('data.parseCIFAR', () => wt.data.parseCIFAR([cifarBatch(2)]), {
  missing: [[() => wt.data.parseCIFAR(), /batches/]],
  wrongType: [[() => wt.data.parseCIFAR('data_batch_1.bin'), /batches/], [() => wt.data.parseCIFAR([[1, 2]]), /batch 0/]],
  wrongLength: [[() => wt.data.parseCIFAR([cifarBatch(2).subarray(1)]), /CIFAR|3073|length|multiple/]],
  zeroSize: [[() => wt.data.parseCIFAR([]), /batches/], [() => wt.data.parseCIFAR([new Uint8Array(0)]), /CIFAR|empty|length|bytes/]],
  labelRange: [[() => wt.data.parseCIFAR([cifarBatch(2, 10)]), /label/]],
  optionRange: [[() => wt.data.parseCIFAR([cifarBatch(2)], { classes: 20 }), /classes/]],
});

entry('data.decodeImage', () => wt.data.decodeImage(PNG_1x1), {
  missing: [[() => wt.data.decodeImage(), /bytes/]],
  wrongType: [[() => wt.data.decodeImage('png'), /bytes/]],
  wrongLength: [[() => wt.data.decodeImage(PNG_1x1.subarray(0, 40)), /PNG|corrupt|image|truncated|decode/]],
  zeroSize: [[() => wt.data.decodeImage(new Uint8Array(0)), /image|bytes|empty|format/], [() => wt.data.decodeImage(PNG_1x1, { shape: [1, 0, 4] }), /shape/]],
  huge: [[() => wt.data.decodeImage(PNG_1x1, { shape: [1, 2 ** 31, 4] }), /shape|H/]],
  optionRange: [[() => wt.data.decodeImage(PNG_1x1, { shape: [2, 4, 4] }), /channels|shape|C/]],
});

entry('data.toFloat', () => wt.data.toFloat(u8images, { shape: SHAPE }), {
  missing: [[() => wt.data.toFloat(), /images/], [() => wt.data.toFloat(u8images), /shape/]],
  wrongType: [[() => wt.data.toFloat(Array.from(u8images), { shape: SHAPE }), /images/], [() => wt.data.toFloat(u8images, { shape: SHAPE, mean: 'x' }), /mean/]],
  wrongLength: [[() => wt.data.toFloat(u8images.subarray(3), { shape: SHAPE }), /images/], [() => wt.data.toFloat(u8images, { shape: SHAPE, out: new Float32Array(5) }), /out/],
    [() => wt.data.toFloat(u8images, { shape: SHAPE, mean: [0, 0] }), /mean/]],
  zeroSize: [[() => wt.data.toFloat(u8images, { shape: [1, 0, 8] }), /shape/]],
  huge: [[() => wt.data.toFloat(u8images, { shape: [1, 2 ** 40, 1] }), /shape|images/]],
  nonFinite: [[() => wt.data.toFloat(u8images, { shape: SHAPE, mean: NaN }), /mean/], [() => wt.data.toFloat(u8images, { shape: SHAPE, std: Infinity }), /std/]],
  optionRange: [[() => wt.data.toFloat(u8images, { shape: SHAPE, std: 0 }), /std/], [() => wt.data.toFloat(u8images, { shape: SHAPE, std: -1 }), /std/]],
});

entry('Dataset.get/subset/take/sample/split', () => { ds.get(0); ds.subset([0, 1]); ds.take(2); ds.sample(2); return ds.split(0.5); }, {
  missing: [[() => ds.get(), /index/], [() => ds.take(), /\bn\b/], [() => ds.split(), /fraction/], [() => ds.subset(), /indices/]],
  wrongType: [[() => ds.get('0'), /index/], [() => ds.subset('0,1'), /indices/], [() => ds.sample('2'), /\bn\b/]],
  zeroSize: [[() => ds.take(0), /\bn\b/], [() => ds.sample(0), /\bn\b/]],
  huge: [[() => ds.get(2 ** 53), /index/], [() => ds.subset([0, 16]), /index 16/]],
  nonFinite: [[() => ds.get(NaN), /index/], [() => ds.split(NaN), /fraction/], [() => ds.take(Infinity), /\bn\b/]],
  optionRange: [[() => ds.get(-1), /index/], [() => ds.split(1), /fraction/], [() => ds.sample(2, { seed: -3 }), /seed/], [() => ds.take(1.5), /\bn\b/],
    [() => ds.split(0.5, { seed: 0.5 }), /seed/]],
});

const logits = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
const labels3 = Int32Array.of(0, 1, 2, 1);
entry('loss.crossEntropy', () => wt.loss.crossEntropy(logits, labels3, { numClasses: 3 }), {
  missing: [[() => wt.loss.crossEntropy(), /options|numClasses|logits/], [() => wt.loss.crossEntropy(logits, undefined, { numClasses: 3 }), /target/]],
  wrongType: [[() => wt.loss.crossEntropy(Array.from(logits), labels3, { numClasses: 3 }), /logits/],
    [() => wt.loss.crossEntropy(logits, [0, 1, 2, 1], { numClasses: 3 }), /target/]],
  wrongLength: [[() => wt.loss.crossEntropy(logits.subarray(1), labels3, { numClasses: 3 }), /logits/],
    [() => wt.loss.crossEntropy(logits, labels3.subarray(1), { numClasses: 3 }), /target/]],
  shape: [[() => wt.loss.crossEntropy(logits, new Float32Array(9), { numClasses: 3 }), /target/],
    [() => wt.loss.crossEntropy(logits, labels3, { numClasses: 3, weight: [1, 1] }), /weight/]],
  zeroSize: [[() => wt.loss.crossEntropy(new Float32Array(0), new Int32Array(0), { numClasses: 3 }), /logits/],
    [() => wt.loss.crossEntropy(logits, labels3, { numClasses: 0 }), /numClasses/]],
  huge: [[() => wt.loss.crossEntropy(logits, labels3, { numClasses: 2 ** 40 }), /numClasses|logits/]],
  labelRange: [[() => wt.loss.crossEntropy(logits, Int32Array.of(0, 1, 3, 1), { numClasses: 3 }), /labels?\[2\]|target\[2\]/],
    [() => wt.loss.crossEntropy(logits, Int32Array.of(0, -1, 2, 1), { numClasses: 3 }), /\[1\]/]],
  nonFinite: [[() => wt.loss.crossEntropy(withAt(logits, 4, NaN), labels3, { numClasses: 3 }), /logits\[4\]/],
    [() => wt.loss.crossEntropy(logits, withAt(new Float32Array(12).fill(1 / 3), 2, Infinity), { numClasses: 3 }), /targets?\[2\]/]],
  optionRange: [[() => wt.loss.crossEntropy(logits, labels3, { numClasses: 3, labelSmoothing: 2 }), /labelSmoothing/],
    [() => wt.loss.crossEntropy(logits, labels3, { numClasses: 3, reduction: 'avg' }), /reduction/],
    [() => wt.loss.crossEntropy(logits, labels3, { numClasses: 3, weight: [1, -1, 1] }), /weight/],
    [() => wt.loss.crossEntropy(logits, labels3, { numClasses: 3, bogus: 1 }), /bogus/]],
});

entry('loss.distillation', () => wt.loss.distillation(logits, logits, { numClasses: 3, temperature: 2 }), {
  missing: [[() => wt.loss.distillation(logits), /options|teacherLogits/], [() => wt.loss.distillation(logits, logits, { numClasses: 3 }), /temperature/]],
  wrongType: [[() => wt.loss.distillation(logits, Array.from(logits), { numClasses: 3, temperature: 2 }), /teacherLogits/]],
  wrongLength: [[() => wt.loss.distillation(logits, logits.subarray(3), { numClasses: 3, temperature: 2 }), /teacherLogits/]],
  zeroSize: [[() => wt.loss.distillation(new Float32Array(0), new Float32Array(0), { numClasses: 3, temperature: 2 }), /studentLogits/]],
  nonFinite: [[() => wt.loss.distillation(logits, withAt(logits, 5, -Infinity), { numClasses: 3, temperature: 2 }), /teacher\[5\]/],
    [() => wt.loss.distillation(logits, logits, { numClasses: 3, temperature: NaN }), /temperature/]],
  optionRange: [[() => wt.loss.distillation(logits, logits, { numClasses: 3, temperature: 0 }), /temperature/]],
});

entry('optim.create', () => wt.optim.create({ name: 'adam', lr: 1e-3 }).dispose(), {
  missing: [[() => wt.optim.create(), /options|name|optimizer/], [() => wt.optim.create({ lr: 0.1 }), /name/]],
  wrongType: [[() => wt.optim.create('sgd'), /options|optimizer/], [() => wt.optim.create({ name: 'adam', lr: '0.1' }), /lr/],
    [() => wt.optim.create({ name: 'adam', betas: 0.9 }), /betas/]],
  wrongLength: [[() => wt.optim.create({ name: 'adam', betas: [0.9] }), /betas/]],
  nonFinite: [[() => wt.optim.create({ name: 'sgd', lr: NaN }), /lr/], [() => wt.optim.create({ name: 'adam', eps: Infinity }), /eps/]],
  optionRange: [[() => wt.optim.create({ name: 'sgd', lr: -1 }), /lr/], [() => wt.optim.create({ name: 'adam', betas: [1.5, 0.9] }), /beta/],
    [() => wt.optim.create({ name: 'rmsprop' }), /name|optimizer/], [() => wt.optim.create({ name: 'sgd', lr: 0.1, nesterov: true }), /nesterov|momentum/],
    [() => wt.optim.create({ name: 'sgd', lr: 0.1, noBiasDecay: true }), /noBiasDecay/]],
});

entry('optim.scheduleLr', () => wt.optim.scheduleLr({ name: 'cosine', tMax: 10 }, 0.1, 3), {
  missing: [[() => wt.optim.scheduleLr(), /schedule/], [() => wt.optim.scheduleLr({ name: 'cosine', tMax: 10 }, 0.1), /tick/]],
  wrongType: [[() => wt.optim.scheduleLr('cosine', 0.1, 1), /schedule/], [() => wt.optim.scheduleLr({ name: 'cosine', tMax: 10 }, '0.1', 1), /baseLr/]],
  wrongLength: [[() => wt.optim.scheduleLr({ name: 'multistep', milestones: Array.from({ length: 17 }, (_, i) => i + 1) }, 0.1, 1), /milestones/]],
  zeroSize: [[() => wt.optim.scheduleLr({ name: 'step', stepSize: 0 }, 0.1, 1), /stepSize/]],
  huge: [[() => wt.optim.scheduleLr({ name: 'cosine', tMax: 2 ** 64 }, 0.1, 1), /tMax/], [() => wt.optim.scheduleLr({ name: 'cosine', tMax: 10 }, 0.1, 2 ** 60), /tick/]],
  nonFinite: [[() => wt.optim.scheduleLr({ name: 'cosine', tMax: 10 }, NaN, 1), /baseLr/], [() => wt.optim.scheduleLr({ name: 'step', stepSize: 2, gamma: Infinity }, 0.1, 1), /gamma/]],
  optionRange: [[() => wt.optim.scheduleLr({ name: 'cosine', tMax: 10 }, 0.1, -1), /tick/], [() => wt.optim.scheduleLr({ name: 'warp' }, 0.1, 1), /name|schedule/],
    [() => wt.optim.scheduleLr({ name: 'multistep', milestones: [5, 2] }, 0.1, 1), /milestones/]],
});

const p8 = () => new Float32Array(8).fill(1);
entry('Optimizer.step/setLr', () => { optimizer.step(p8(), p8()); optimizer.setLr(0.1); }, {
  missing: [[() => optimizer.step(), /params/], [() => optimizer.step(p8()), /grads/], [() => optimizer.setLr(), /lr/]],
  wrongType: [[() => optimizer.step(new Float64Array(8), p8()), /params/], [() => optimizer.step(p8(), [1, 2, 3, 4, 5, 6, 7, 8]), /grads/]],
  wrongLength: [[() => optimizer.step(p8(), new Float32Array(7)), /grads/], [() => optimizer.step(new Float32Array(9), new Float32Array(9)), /params/]],
  nonFinite: [[() => optimizer.step(p8(), withAt(p8(), 3, NaN)), /grads\[3\]/], [() => optimizer.step(withAt(p8(), 1, Infinity), p8()), /params\[1\]/],
    [() => optimizer.setLr(NaN), /lr/]],
  optionRange: [[() => optimizer.setLr(-0.1), /lr/]],
  disposed: [[() => goneOptimizer.step(p8(), p8()), /disposed/], [() => goneOptimizer.setLr(0.1), /disposed/], [() => goneOptimizer.steps, /disposed/]],
});

const aug = (name, goodOpts, cases) => entry(`augment.${name}`, () => wt.augment[name](img(), goodOpts), {
  missing: [[() => wt.augment[name](), /image/], [() => wt.augment[name](null, goodOpts), /image/]],
  wrongType: [[() => wt.augment[name]({ data: new Float32Array(256), width: 8, height: 8 }, goodOpts), /image\.data/],
    [() => wt.augment[name](img(), 'fast'), /options/]],
  wrongLength: [[() => wt.augment[name]({ data: new Uint8Array(255), width: 8, height: 8 }, goodOpts), /data has length 255/]],
  zeroSize: [[() => wt.augment[name]({ data: new Uint8Array(0), width: 0, height: 8 }, goodOpts), /width and height/]],
  huge: [[() => wt.augment[name]({ data: new Uint8Array(256), width: 2 ** 30, height: 2 ** 30 }, goodOpts), /data has length 256/]],
  ...cases,
});
aug('apply', { op: 'Rotate', magnitude: 30 }, {
  missing: [[() => wt.augment.apply(), /image/], [() => wt.augment.apply(img()), /options|op/]],
  nonFinite: [[() => wt.augment.apply(img(), { op: 'Rotate', magnitude: NaN }), /magnitude/], [() => wt.augment.apply(img(), { op: 'Rotate', magnitude: 5, fill: NaN }), /fill/]],
  optionRange: [[() => wt.augment.apply(img(), { op: 'Blur', magnitude: 1 }), /op/], [() => wt.augment.apply(img(), { op: 'Rotate', magnitude: 5, interpolation: 'cubic' }), /interpolation/],
    [() => wt.augment.apply(img(), { op: 'Posterize', magnitude: 12 }), /magnitude|bits/]],
});
aug('autoAugment', { policy: 'cifar10', seed: 1 }, { optionRange: [[() => wt.augment.autoAugment(img(), { policy: 'mnist' }), /policy/], [() => wt.augment.autoAugment(img(), { seed: -1 }), /seed/]] });
aug('randAugment', { numOps: 2, magnitude: 9 }, {
  optionRange: [[() => wt.augment.randAugment(img(), { numOps: -1 }), /numOps|num_ops/], [() => wt.augment.randAugment(img(), { magnitude: 40 }), /magnitude/]],
  nonFinite: [[() => wt.augment.randAugment(img(), { magnitude: NaN }), /magnitude/]],
});
aug('trivialAugment', {}, { optionRange: [[() => wt.augment.trivialAugment(img(), { numMagnitudeBins: 0 }), /numMagnitudeBins|num_bins|bins/]] });
aug('resize', { size: 4 }, {
  missing: [[() => wt.augment.resize(img()), /size/]],
  zeroSize: [[() => wt.augment.resize(img(), { size: 0 }), /size/]],
  huge: [[() => wt.augment.resize(img(), { size: [2 ** 20, 2 ** 20] }), /size|bytes|4 GiB|large/]],
  wrongLength: [[() => wt.augment.resize(img(), { size: [1, 2, 3] }), /size/]],
  nonFinite: [[() => wt.augment.resize(img(), { size: NaN }), /size/]],
});
aug('centerCrop', { size: 4 }, {
  missing: [[() => wt.augment.centerCrop(img()), /size/]],
  zeroSize: [[() => wt.augment.centerCrop(img(), { size: [0, 4] }), /size/]],
  huge: [[() => wt.augment.centerCrop(img(), { size: [2 ** 16, 2 ** 16] }), /size|bytes|4 GiB|large|OH/]],
});
aug('crop', { top: 1, left: 1, height: 4, width: 4 }, {
  missing: [[() => wt.augment.crop(img(), { top: 0, left: 0, height: 4 }), /width/]],
  zeroSize: [[() => wt.augment.crop(img(), { top: 0, left: 0, height: 0, width: 4 }), /height/]],
  huge: [[() => wt.augment.crop(img(), { top: 0, left: 0, height: 2 ** 20, width: 2 ** 20 }), /height|width|bytes|4 GiB|large/]],
  nonFinite: [[() => wt.augment.crop(img(), { top: NaN, left: 0, height: 4, width: 4 }), /top/]],
});
aug('randomCrop', { size: 8, padding: 2 }, {
  optionRange: [[() => wt.augment.randomCrop(img(), { padding: -1 }), /padding/], [() => wt.augment.randomCrop(img(), { size: 20 }), /size|padded/]],
});
aug('randomResizedCrop', { size: 8 }, {
  optionRange: [[() => wt.augment.randomResizedCrop(img(), { scale: [2, 1] }), /scale/], [() => wt.augment.randomResizedCrop(img(), { ratio: [0, 1] }), /ratio/]],
  nonFinite: [[() => wt.augment.randomResizedCrop(img(), { scale: [NaN, 1] }), /scale/]],
});
aug('hflip', { p: 1 }, { optionRange: [[() => wt.augment.hflip(img(), { p: 2 }), /\bp\b/]], nonFinite: [[() => wt.augment.hflip(img(), { p: NaN }), /\bp\b/]] });
aug('vflip', { p: 0.5, seed: 2 }, { optionRange: [[() => wt.augment.vflip(img(), { p: -0.1 }), /\bp\b/]] });
aug('cutout', { holes: 1, length: 4 }, {
  optionRange: [[() => wt.augment.cutout(img(), { holes: -1, length: 4 }), /holes/]],
});
aug('randomErasing', { p: 1 }, {
  optionRange: [[() => wt.augment.randomErasing(img(), { p: 2 }), /\bp\b/], [() => wt.augment.randomErasing(img(), { p: 1, scale: [0.5, 0.1] }), /scale/]],
  wrongType: [[() => wt.augment.randomErasing(img(), { p: 1, value: 'x' }), /value/]],
});

const bimgs = (n = 4, w = 8) => Array.from({ length: n }, () => ({ data: new Uint8ClampedArray(w * w * 4).fill(50), width: w, height: w }));
for (const name of ['mixup', 'cutmix', 'ricap']) {
  const o = name === 'ricap' ? { beta: 0.3, seed: 1 } : { alpha: 1, seed: 1 };
  entry(`augment.${name} (batch)`, () => wt.augment[name]({ images: bimgs(), labels: [0, 1, 2, 3], numClasses: 4 }, o), {
    missing: [[() => wt.augment[name](), /batch/], [() => wt.augment[name]({ images: bimgs(), numClasses: 4 }, o), /labels/]],
    wrongType: [[() => wt.augment[name]({ images: 'x', labels: [0], numClasses: 4 }, o), /batch\.shape|images/]],
    wrongLength: [[() => wt.augment[name]({ images: bimgs(), labels: [0, 1, 2], numClasses: 4 }, o), /labels/]],
    shape: [[() => wt.augment[name]({ images: [...bimgs(3), ...bimgs(1, 4)], labels: [0, 1, 2, 3], numClasses: 4 }, o), /batch\.images\[3\]/]],
    zeroSize: [[() => wt.augment[name]({ images: [], labels: [], numClasses: 4 }, o), /batch\.images/]],
    labelRange: [[() => wt.augment[name]({ images: bimgs(), labels: [0, 1, 2, 4], numClasses: 4 }, o), /label 3 is 4/]],
    optionRange: [[() => wt.augment[name]({ images: bimgs(), labels: [0, 1, 2, 3], numClasses: 4 }, name === 'ricap' ? { beta: 0 } : { alpha: -1 }), /alpha|beta/]],
  });
  const bo = { ...batchOpts, ...o };
  entry(`batch.${name}`, () => wt.batch[name](x4, y4, bo), {
    missing: [[() => wt.batch[name](), /options/], [() => wt.batch[name](undefined, y4, bo), /images/], [() => wt.batch[name](x4, undefined, bo), /labels/], [() => wt.batch[name](x4, y4), /options|numClasses|shape/]],
    wrongType: [[() => wt.batch[name](Array.from(x4), y4, bo), /images/], [() => wt.batch[name](x4, Float32Array.from(y4), bo), /labels/]],
    wrongLength: [[() => wt.batch[name](x4, y4.subarray(1), bo), /labels/], [() => wt.batch[name](x4.subarray(1), y4, bo), /images/]],
    shape: [[() => wt.batch[name](x4, y4, { ...bo, shape: [1, 8] }), /shape/], [() => wt.batch[name](x4, y4, { ...bo, shape: [2, 8, 8] }), /images|shape/]],
    zeroSize: [[() => wt.batch[name](new Float32Array(0), new Int32Array(0), bo), /labels must be a non-empty/], [() => wt.batch[name](x4, y4, { ...bo, numClasses: 0 }), /numClasses/]],
    huge: [[() => wt.batch[name](x4, y4, { ...bo, shape: [1, 2 ** 31, 2 ** 31] }), /shape|images/]],
    labelRange: [[() => wt.batch[name](x4, Int32Array.of(0, 1, 4, 3), bo), /label 2 is 4/]],
    nonFinite: [[() => wt.batch[name](withAt(x4, 7, NaN), y4, bo), /x\[7\] \(sample 0\) is NaN/],
      [() => wt.batch[name](x4, y4, { ...bo, [name === 'ricap' ? 'beta' : 'alpha']: Infinity }), /alpha|beta/]],
    optionRange: [[() => wt.batch[name](x4, y4, { ...bo, labelSmoothing: 3 }), /labelSmoothing/],
      [() => wt.batch[name](x4, y4, { ...bo, seed: -1 }), /seed/],
      ...(name === 'mixup' ? [[() => wt.batch.mixup(x4, y4, { ...batchOpts, lambda: 2, permutation: [0, 1, 2, 3] }), /lambda/],
        [() => wt.batch.mixup(x4, y4, { ...batchOpts, lambda: 0.5, permutation: [0, 1, 2, 4] }), /perm/]] : [])],
  });
}

entry('batch.mixedAccuracy', () => wt.batch.mixedAccuracy(new Float32Array(16), mixParams()), {
  missing: [[() => wt.batch.mixedAccuracy(new Float32Array(16)), /params/]],
  wrongType: [[() => wt.batch.mixedAccuracy(Array.from({ length: 16 }, () => 0), mixParams()), /logits/], [() => wt.batch.mixedAccuracy(new Float32Array(16), { trick: 'mixup' }), /params/]],
  wrongLength: [[() => wt.batch.mixedAccuracy(new Float32Array(15), mixParams()), /logits/]],
  labelRange: [[() => { const p = mixParams(); return wt.batch.mixedAccuracy(new Float32Array(16), { ...p, labels: Int32Array.of(0, 1, 2, 9) }); }, /label 3 is 9/]],
  nonFinite: [[() => wt.batch.mixedAccuracy(withAt(new Float32Array(16), 13, NaN), mixParams()), /row 3, class 1/]],
});

// ---- the runner
const tried = new Map(); // entry -> Set of classes tried
let cases = 0;

async function expectError(call, re, where) {
  let result;
  let thrown = null;
  try {
    result = call();
    if (result && typeof result.then === 'function') await result;
  } catch (e) {
    thrown = e;
  }
  if (thrown === null) {
    if (result && typeof result.dispose === 'function' && !FIXTURES.includes(result)) result.dispose();
    assert.fail(`${where}: accepted (no error)`);
  }
  assert.ok(thrown instanceof WasmTricksError, `${where}: threw ${thrown?.name}: ${thrown?.message} instead of a WasmTricksError`);
  assert.match(thrown.code, /^WT_ERR_[A-Z]+$/, where);
  assert.match(thrown.message, re, `${where}: the message does not name the argument`);
}

const FIXTURES = [model, trainer, other, otherTrainer, optimizer, wide];

for (const [name, { good, cases: byClass }] of Object.entries(T)) {
  test(`bad input: ${name}`, async () => {
    const failures = [];
    for (const cls of Object.keys(byClass)) assert.ok(CLASSES.includes(cls), `unknown class ${cls}`);
    for (const [cls, list] of Object.entries(byClass)) {
      for (const [i, [call, re]] of list.entries()) {
        const where = `${name} / ${cls} #${i}`;
        try {
          await expectError(call, re, where);
          // The instance and the entry point still work right after.
          const r = await good();
          if (r && typeof r.dispose === 'function' && !FIXTURES.includes(r)) r.dispose();
        } catch (e) {
          failures.push(e.code === 'ERR_ASSERTION' ? e.message.split('\n')[0] + (e.actual !== undefined && typeof e.actual === 'string' ? ` [${e.actual}]` : '') : `${where}: then the good call failed: ${e.message}`);
        }
        cases++;
      }
      if (!tried.has(name)) tried.set(name, new Set());
      tried.get(name).add(cls);
    }
    assert.deepEqual(failures, []);
  });
}

test('bad input: count, and the instance is whole afterwards', () => {
  const cells = [...tried.values()].reduce((a, s) => a + s.size, 0);
  const perClass = CLASSES.map((c) => `${c} ${[...tried.values()].filter((s) => s.has(c)).length}`).join(', ');
  console.log(`bad-input suite: ${tried.size} entry points x ${CLASSES.length} classes: ${cells} (entry point, class) pairs tried with ${cases} cases; per class: ${perClass}`);
  assert.equal(tried.size, Object.keys(T).length);
  // The fixtures still train and predict; nothing leaked past the live objects.
  const { loss } = trainer.step(x4, y4);
  assert.ok(Number.isFinite(loss));
  assert.equal(model.predict(x4).length, 16);
  for (const o of [trainer, model, otherTrainer, other, optimizer, wide]) o.dispose();
  assert.equal(wt.stats().liveAllocations, 1);
});
