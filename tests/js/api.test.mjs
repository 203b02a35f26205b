// api.test.mjs - the JS API: its shape, thrown errors (each followed by a good call that still
// works), use after dispose, leaks (liveBytes back to baseline), and predict's probabilities.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init, WasmTricksError, Model, Trainer } from '../../js/index.js';
import { throwsWt } from './helpers.mjs';

const wt = await init();
const shape = [1, 8, 8];
const per = 64;

function batch(n, seed = 1) {
  let s = seed;
  const x = new Float32Array(n * per);
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { x, y };
}

test('init returns the documented API', () => {
  assert.equal(typeof wt.models.studentCNN, 'function');
  assert.equal(typeof wt.Trainer, 'function');
  assert.equal(typeof wt.data.loadFashionMNIST, 'function');
  assert.equal(typeof wt.data.toFloat, 'function');
  assert.equal(typeof wt.data.parseIDX, 'function');
  assert.equal(typeof wt.liveBytes, 'function');
  assert.match(wt.kernelName, /^wt_f32_gemm_ukernel_\w+__(wasmsimd|wasmsimd_relaxed_madd|scalar)$/);
  assert.deepEqual(wt.imports, ['env.emscripten_notify_memory_growth']);
  assert.equal(wt.WasmTricksError, WasmTricksError);
});

test('studentCNN: properties, params round trip, same seed same weights', () => {
  const m = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 7 });
  try {
    assert.ok(m instanceof Model);
    assert.deepEqual([...m.inputShape], shape);
    assert.equal(m.numClasses, 3);
    // conv1 1->32 (3x3), conv2 32->64 (3x3), linear 64*4*4->128, linear 128->3
    const expected = (32 * 9 + 32) + (64 * 32 * 9 + 64) + (64 * 16 * 128 + 128) + (128 * 3 + 3);
    assert.equal(m.paramCount, expected);
    const p = m.getParams();
    assert.equal(p.length, expected);
    assert.ok(p.some((v) => v !== 0));
    const m2 = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 7 });
    const m3 = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 8 });
    assert.deepEqual(m2.getParams(), p);
    assert.notDeepEqual(m3.getParams(), p);
    const q = p.map((v) => v * 0.5);
    m2.setParams(q);
    assert.deepEqual(m2.getParams(), q);
    p[0] = 123; // getParams is a copy
    assert.notEqual(m.getParams()[0], 123);
    m2.dispose();
    m3.dispose();
  } finally {
    m.dispose();
  }
});

test('predict rows are probabilities that sum to 1 and match softmax(forward)', () => {
  const m = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 1 });
  try {
    const { x } = batch(5);
    const probs = m.predict(x);
    const logits = m.forward(x);
    assert.equal(probs.length, 15);
    for (let i = 0; i < 5; i++) {
      const row = probs.subarray(i * 3, i * 3 + 3);
      const sum = row.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
      const l = logits.subarray(i * 3, i * 3 + 3);
      const mx = Math.max(...l);
      const z = l.reduce((a, v) => a + Math.exp(v - mx), 0);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(row[k] - Math.exp(l[k] - mx) / z) < 1e-5);
    }
  } finally {
    m.dispose();
  }
});

test('Trainer: steps lower the loss on a fixed batch; steps counter; setLearningRate', () => {
  const m = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 3 });
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }, seed: 3 });
  try {
    assert.ok(t instanceof Trainer);
    const { x, y } = batch(12);
    const first = t.step(x, y);
    assert.ok(Number.isFinite(first.loss) && first.loss > 0);
    assert.ok(first.accuracy >= 0 && first.accuracy <= 1);
    let last = first;
    for (let i = 0; i < 30; i++) last = t.step(x, Array.from(y));
    assert.equal(t.steps, 31);
    assert.ok(last.loss < first.loss * 0.5, `loss ${first.loss} -> ${last.loss}`);
    t.setLearningRate(0.001);
    t.step(x, y);
  } finally {
    t.dispose();
    m.dispose();
  }
});

test('bad calls throw WasmTricksError naming the problem, and the next good call works', () => {
  const m = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 1 });
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
  const { x, y } = batch(4);
  const good = () => {
    const r = t.step(x, y);
    assert.ok(Number.isFinite(r.loss));
    assert.equal(m.predict(x).length, 12);
  };
  try {
    good();
    // wrong-length images
    throwsWt(() => t.step(x.subarray(1), y), 'WT_ERR_SHAPE', /images has length 255.*C\*H\*W = 1\*8\*8 = 64/);
    good();
    throwsWt(() => m.predict(new Float32Array(63)), 'WT_ERR_SHAPE', /images/);
    good();
    throwsWt(() => m.predict(new Float64Array(64)), 'WT_ERR_ARG', /images must be a Float32Array/);
    good();
    // labels out of range (checked by the C engine)
    throwsWt(() => t.step(x, Int32Array.of(0, 1, 3, 0)), 'WT_ERR_ARG', /label/);
    good();
    throwsWt(() => t.step(x, Int32Array.of(0, -1, 2, 0)), 'WT_ERR_ARG', /label/);
    good();
    // labels length
    throwsWt(() => t.step(x, Int32Array.of(0, 1, 2)), 'WT_ERR_SHAPE', /labels has length 3 but images holds 4/);
    good();
    // non-integer labels
    throwsWt(() => t.step(x, [0, 1.5, 2, 0]), 'WT_ERR_ARG', /labels\[1\] = 1.5 is not an integer/);
    good();
    throwsWt(() => t.step(x, 'abcd'), 'WT_ERR_ARG', /labels must be an Int32Array/);
    good();
    // NaN / Inf in the input (checked by the C engine)
    const bad = x.slice();
    bad[70] = NaN;
    throwsWt(() => t.step(bad, y), 'WT_ERR_NONFINITE', /./);
    good();
    bad[70] = Infinity;
    throwsWt(() => m.predict(bad), 'WT_ERR_NONFINITE', /./);
    good();
    // bad model and optimizer options
    throwsWt(() => wt.models.studentCNN({ inputShape: [1, 7, 8], numClasses: 3 }), 'WT_ERR_SHAPE', /even|H/);
    throwsWt(() => wt.models.studentCNN({ inputShape: [1, 8], numClasses: 3 }), 'WT_ERR_ARG', /inputShape must be \[C, H, W\]/);
    throwsWt(() => wt.models.studentCNN({ inputShape: shape, numClasses: 0 }), 'WT_ERR_ARG', /numClasses/);
    throwsWt(() => new wt.Trainer(m, { optimizer: { name: 'rmsprop', lr: 0.1 } }), 'WT_ERR_ARG', /optimizer.name must be one of 'sgd', 'adam', 'adamw', 'adabound'/);
    throwsWt(() => new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.1, weight_decay: 1 } }), 'WT_ERR_ARG', /unknown optimizer option 'weight_decay'/);
    throwsWt(() => new wt.Trainer(m, { optimizer: { name: 'sgd' } }), 'WT_ERR_ARG', /lr is required/);
    throwsWt(() => new wt.Trainer(m, { optimizer: { name: 'sgd', lr: -1 } }), 'WT_ERR_ARG', /lr/);
    throwsWt(() => t.setLearningRate(NaN), 'WT_ERR_ARG', /lr/);
    throwsWt(() => m.setParams(new Float32Array(3)), 'WT_ERR_SHAPE', /paramCount/);
    good();
  } finally {
    t.dispose();
    m.dispose();
  }
});

test('using a disposed Model or Trainer throws; dispose is idempotent', () => {
  const m = wt.models.studentCNN({ inputShape: shape, numClasses: 3 });
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.01 } });
  const { x, y } = batch(2);
  t.dispose();
  t.dispose();
  assert.equal(t.disposed, true);
  throwsWt(() => t.step(x, y), 'WT_ERR_STATE', /Trainer.step: the Trainer was disposed/);
  throwsWt(() => t.steps, 'WT_ERR_STATE', /disposed/);
  m.predict(x); // the model is still fine
  const t2 = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.01 } });
  m[Symbol.dispose ?? Symbol.for('Symbol.dispose')]();
  assert.equal(m.disposed, true);
  assert.equal(t2.disposed, true, 'disposing a model disposes its trainers');
  throwsWt(() => m.predict(x), 'WT_ERR_STATE', /Model.predict: the Model was disposed/);
  throwsWt(() => m.getParams(), 'WT_ERR_STATE', /disposed/);
  throwsWt(() => new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.01 } }), 'WT_ERR_STATE', /disposed/);
  const fresh = wt.models.studentCNN({ inputShape: shape, numClasses: 3 });
  assert.equal(fresh.predict(x).length, 6);
  fresh.dispose();
});

test('memory: liveBytes returns to the baseline after dispose; wasm memory stays flat', () => {
  const base = wt.liveBytes();
  assert.ok(base > 0, 'the module context holds its arena');
  const { x, y } = batch(16);
  const round = () => {
    const m = wt.models.studentCNN({ inputShape: shape, numClasses: 3 });
    const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
    assert.ok(wt.liveBytes() > base);
    assert.ok(m.liveBytes() > 0);
    for (let i = 0; i < 5; i++) t.step(x, y);
    m.predict(x);
    try { t.step(x, [0]); } catch { /* an error path must not leak either */ }
    t.dispose();
    m.dispose();
  };
  round();
  assert.equal(wt.liveBytes(), base);
  const mem = wt.memoryBytes();
  for (let i = 0; i < 20; i++) round();
  assert.equal(wt.liveBytes(), base);
  assert.equal(wt.memoryBytes(), mem, 'repeated create/train/dispose must not grow wasm memory');
});

test('two instances are independent', async () => {
  const wt2 = await init({ forceScalar: true });
  assert.match(wt2.kernelName, /__scalar$/);
  const a = wt.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 5 });
  const b = wt2.models.studentCNN({ inputShape: shape, numClasses: 3, seed: 5 });
  const { x } = batch(3);
  const pa = a.predict(x);
  const pb = b.predict(x);
  for (let i = 0; i < pa.length; i++) assert.ok(Math.abs(pa[i] - pb[i]) < 1e-5, 'SIMD and scalar agree');
  assert.throws(() => new wt.Trainer(b, { optimizer: { name: 'sgd', lr: 0.1 } }), /model must be a Model|instance/);
  a.dispose();
  b.dispose();
});
