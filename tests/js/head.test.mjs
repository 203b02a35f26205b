// head.test.mjs - model.withHead(numClasses): the backbone's tensors copied bit for bit (parameters,
// BatchNorm statistics and counters), a fresh classifier with PyTorch's nn.Linear bounds, the
// source untouched, the same logits with the old head put back, class names carried to the
// Trainer, bad input; for the student CNN, ResNet-8, ResNet-18, a layer-list spec, a
// PyTorch-written file (tests/data/resnet8_torch.safetensors) and checkpoint bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init } from '../../js/index.js';
import { safetensorsHeader, weightsFile } from '../../js/checkpoint.js';
import { throwsWt } from './helpers.mjs';

const wt = await init();
const torchFile = new Uint8Array(readFileSync(new URL('../data/resnet8_torch.safetensors', import.meta.url)));

const input = (n) => Float32Array.from({ length: n }, (_, i) => Math.cos(1.3 * i) + 0.25 * Math.sin(0.11 * i));

/** { name: bytes } of a model's safetensors file (every tensor, counters included). */
function tensorBytes(model) {
  const bytes = model.save();
  const [h, start] = safetensorsHeader(bytes, 'test');
  return Object.fromEntries(Object.entries(h).filter(([k]) => k !== '__metadata__')
    .map(([k, t]) => [k, { shape: t.shape, bytes: bytes.slice(start + t.data_offsets[0], start + t.data_offsets[1]) }]));
}

const SPEC = { input: [1, 8, 8], classes: 4, layers: [
  { type: 'conv2d', name: 'features.conv', out_channels: 6, kernel: 3, padding: 1, bias: false },
  { type: 'batchnorm2d', name: 'features.bn' }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 }, { type: 'flatten' },
  { type: 'linear', name: 'hidden', out_features: 16 }, { type: 'relu' }, { type: 'dropout', p: 0.1 },
  { type: 'linear', out_features: 4 }] };

// [what, make(), the classifier's state_dict prefix, its in_features]
const CASES = [
  ['student CNN', () => wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 3 }), 'fc2', 128],
  ['ResNet-8', () => wt.models.resnet({ depth: 8, inputShape: [3, 8, 8], numClasses: 4, seed: 3 }), 'fc', 64],
  ['ResNet-18', () => wt.models.resnet18({ inputShape: [3, 8, 8], numClasses: 4, seed: 3 }), 'fc', 512],
  ['a layer-list spec', () => wt.models.fromSpec(SPEC, { seed: 3 }), '8', 16],
  ['a PyTorch-written ResNet-8 file', () => wt.models.load(torchFile, { seed: 3 }), 'fc', 64],
  ['a checkpoint', () => {
    const m = wt.models.resnet({ depth: 8, inputShape: [3, 8, 8], numClasses: 4, seed: 2 });
    const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.05 } });
    t.step(input(4 * 192), Int32Array.from([0, 1, 2, 3]));
    const ck = t.checkpoint();
    m.dispose();
    return wt.models.load(ck, { seed: 3 });
  }, 'fc', 64],
];

/** A few training steps, so the weights, BatchNorm statistics and counters are not the initial ones. */
function trainABit(m) {
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, seed: 1 });
  const x = input(4 * m.inputSize);
  for (let i = 0; i < 2; i++) t.step(x, Int32Array.from({ length: 4 }, (_, j) => j % m.numClasses));
  t.dispose();
}

for (const [what, make, head, inFeatures] of CASES) {
  test(`withHead on ${what}: backbone bit for bit, a fresh nn.Linear head, the source unchanged`, () => {
    const base = wt.liveBytes();
    const m = make();
    trainABit(m);
    const before = m.save();
    const h = m.withHead(7, { classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] });
    assert.equal(h.numClasses, 7);
    assert.deepEqual([...h.inputShape], [...m.inputShape]);
    assert.deepEqual(h.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.equal(h.seed, 3);
    assert.ok(h.training);
    assert.deepEqual(m.save(), before, 'the source model is unchanged');
    // Same spec but the classes.
    const want = m.spec;
    want.classes = 7;
    if (want.layers) want.layers[8].out_features = 7;
    assert.deepEqual(h.spec, want);

    const src = tensorBytes(m);
    const dst = tensorBytes(h);
    assert.deepEqual(Object.keys(dst), Object.keys(src));
    let copied = 0;
    for (const [name, t] of Object.entries(dst)) {
      if (name.startsWith(`${head}.`)) continue;
      assert.deepEqual(t.shape, src[name].shape, name);
      assert.deepEqual(t.bytes, src[name].bytes, `${name} is the source's, bit for bit`);
      copied++;
    }
    assert.ok(copied >= 4);
    if (what !== 'student CNN') assert.ok(Object.keys(dst).some((n) => n.endsWith('num_batches_tracked')));
    // The head: nn.Linear(in, 7)'s shapes and its init's bounds, and exactly the head a new model
    // of that spec and seed draws (the engine's init, which the source model also came from).
    assert.deepEqual(dst[`${head}.weight`].shape, [7, inFeatures]);
    assert.deepEqual(dst[`${head}.bias`].shape, [7]);
    const bound = 1 / Math.sqrt(inFeatures);
    for (const k of ['weight', 'bias']) {
      const v = new Float32Array(dst[`${head}.${k}`].bytes.buffer);
      assert.ok(v.every((x) => Math.abs(x) <= bound), `${head}.${k} inside +-1/sqrt(${inFeatures})`);
      assert.ok(new Set(v).size === v.length, `${head}.${k} drawn, not constant`);
    }
    const fresh = wt.models.fromSpec(h.spec, { seed: 3 });
    const f = tensorBytes(fresh);
    for (const k of ['weight', 'bias']) assert.deepEqual(dst[`${head}.${k}`].bytes, f[`${head}.${k}`].bytes, `${head}.${k}`);
    fresh.dispose();

    // The trainer starts with the new names; a checkpoint carries them.
    const t = new wt.Trainer(h, { optimizer: { name: 'sgd', lr: 0.01 } });
    assert.deepEqual(t.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    t.dispose();
    h.dispose();
    m.dispose();
    assert.equal(wt.liveBytes(), base);
  });

  test(`withHead on ${what} with the same classes and the old head put back gives the source's logits`, () => {
    const m = make();
    trainABit(m);
    const h = m.withHead(m.numClasses, { seed: 11 });
    assert.equal(h.classNames, null);
    const x = input(3 * m.inputSize);
    m.eval();
    h.eval();
    assert.notDeepEqual(h.forward(x), m.forward(x), 'the head is new');
    const p = h.getParams();
    const src = m.getParams();
    for (const t of m.tensors().filter((e) => e.name.startsWith(`${head}.`))) {
      p.set(src.subarray(t.offset, t.offset + t.size), t.offset);
    }
    h.setParams(p);
    assert.deepEqual(h.forward(x), m.forward(x));
    h.dispose();
    m.dispose();
  });
}

test('withHead: the head of a large layer is uniform in +-1/sqrt(in) (kaiming_uniform(a=sqrt(5)))', () => {
  const m = wt.models.resnet18({ inputShape: [3, 8, 8], numClasses: 10, seed: 5 });
  const h = m.withHead(100);
  const t = h.tensors().find((e) => e.name === 'fc.weight');
  const w = h.getParams().subarray(t.offset, t.offset + t.size);
  const bound = 1 / Math.sqrt(512);
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
  assert.equal(w.length, 51200);
  assert.ok(Math.abs(mean) < 0.01 * bound, `mean ${mean}`);
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.02, `variance ${variance} vs bound^2/3 ${bound * bound / 3}`);
  assert.ok(Math.max(...w) > 0.999 * bound && Math.min(...w) < -0.999 * bound);
  h.dispose();
  m.dispose();
});

test('withHead: a new seed draws another head, the backbone stays', () => {
  const m = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 3 });
  const a = tensorBytes(m.withHead(5));
  const b = tensorBytes(m.withHead(5, { seed: 4 }));
  assert.notDeepEqual(a['fc2.weight'].bytes, b['fc2.weight'].bytes);
  assert.deepEqual(a['fc1.weight'].bytes, b['fc1.weight'].bytes);
  m.dispose();
});

test('withHead: bad input is a clear error', () => {
  const base = wt.liveBytes();
  const m = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4 });
  for (const k of [0, 1, NaN, 2.5, -3, 100001, '5', undefined, null]) {
    throwsWt(() => m.withHead(k), 'WT_ERR_ARG', /withHead: numClasses must be an integer in \[2, 100000\], got /);
  }
  throwsWt(() => m.withHead(3, { classNames: ['a', 'b'] }), 'WT_ERR_ARG', /withHead: classNames must be an array of 3 strings, got Array\(2\)/);
  throwsWt(() => m.withHead(2, { classNames: ['a', 2] }), 'WT_ERR_ARG', /classNames must be an array of 2 strings/);
  throwsWt(() => m.withHead(3, { clases: ['a', 'b', 'c'] }), 'WT_ERR_ARG', /withHead: unknown option 'clases'/);
  throwsWt(() => m.withHead(3, { seed: -1 }), 'WT_ERR_ARG', /seed/);
  const conv = wt.models.fromSpec({ input: [1, 8, 8], classes: 3, layers: [
    { type: 'conv2d', out_channels: 3, kernel: 3 }, { type: 'global_avgpool' }, { type: 'flatten' }] });
  throwsWt(() => conv.withHead(5), 'WT_ERR_UNSUPPORTED', /withHead: the model has no linear classifier/);
  conv.dispose();
  m.dispose();
  throwsWt(() => m.withHead(3), 'WT_ERR_STATE', /Model.withHead: the Model was disposed/);
  assert.equal(wt.liveBytes(), base);
});

test("a file's normalisation travels: load -> model.normalization -> withHead -> the Trainer's (unless normalize is given)", () => {
  const norm = { mean: [0.1, 0.2, 0.3], std: [0.5, 0.6, 0.7] };
  const src = wt.models.resnet({ depth: 8, inputShape: [3, 8, 8], numClasses: 10, seed: 3 });
  assert.equal(src.normalization, null);
  const file = weightsFile(src.save(), { normalization: norm, classNames: Array.from({ length: 10 }, (_, i) => `c${i}`) });
  const loaded = wt.models.load(file);
  assert.deepEqual(loaded.normalization, norm);
  const head = loaded.withHead(3);
  assert.deepEqual(head.normalization, norm);
  const sgd = { optimizer: { name: 'sgd', lr: 0.1 } };
  assert.deepEqual(new wt.Trainer(head, sgd).normalization, norm);
  assert.deepEqual(new wt.Trainer(head, { ...sgd, normalize: { mean: [0], std: [1] } }).normalization, { mean: [0], std: [1] });
  // a checkpoint carries its trainer's normalisation the same way
  const t = new wt.Trainer(wt.models.load(file), sgd);
  assert.deepEqual(wt.models.load(t.checkpoint()).normalization, norm);
  // a corrupt __metadata__ is a clear error, not a silent default
  const bad = weightsFile(src.save(), { classNames: ['only one'] });
  throwsWt(() => wt.models.load(bad), 'WT_ERR_FORMAT', /load: the weights file's __metadata__\.classNames must be a JSON array of 10 strings/);
});
