// loss.test.mjs - wt.loss through the wasm build: every PyTorch golden of
// tests/data/loss_goldens.json (scripts/gen_loss_goldens.py) at 1e-5 relative, central
// differences, thrown errors naming the argument (each followed by a good call), and no leaks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init } from '../../js/index.js';
import { throwsWt } from './helpers.mjs';

const wt = await init();
const gold = JSON.parse(readFileSync(new URL('../data/loss_goldens.json', import.meta.url), 'utf8'));

/** |a - b| <= 1e-5 |b| + 1e-7 * scale elementwise; returns the worst relative error over
    values >= 1e-3 * scale. */
function near(name, a, b, scale) {
  let worst = 0;
  assert.equal(a.length, b.length, `${name}: length`);
  for (let i = 0; i < b.length; i++) {
    const err = Math.abs(a[i] - b[i]);
    assert.ok(err <= 1e-5 * Math.abs(b[i]) + 1e-7 * scale, `${name}[${i}]: ${a[i]} vs golden ${b[i]}`);
    if (Math.abs(b[i]) >= 1e-3 * scale) worst = Math.max(worst, err / Math.abs(b[i]));
  }
  return worst;
}
const maxAbs = (x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function ceInputs(c) {
  const s = gold.sets[c.set];
  return {
    logits: Float32Array.from(s.logits),
    target: c.soft ? Float32Array.from(s.targets) : Int32Array.from(s.labels),
    opts: { numClasses: s.C, labelSmoothing: c.eps, reduction: c.reduction,
      ...(c.weighted ? { weight: Float32Array.from(s.weight) } : {}) },
  };
}

test('crossEntropy matches every PyTorch golden (value and gradient)', () => {
  let worst = 0;
  for (const c of gold.ce) {
    const { logits, target, opts } = ceInputs(c);
    const { loss, grad } = wt.loss.crossEntropy(logits, target, opts);
    assert.ok(grad instanceof Float32Array);
    if (c.reduction === 'none') {
      assert.ok(loss instanceof Float32Array, c.name);
      worst = Math.max(worst, near(`${c.name} loss`, loss, c.loss, maxAbs(c.loss)));
    } else {
      assert.equal(typeof loss, 'number', c.name);
      worst = Math.max(worst, near(`${c.name} loss`, [loss], c.loss, Math.abs(c.loss[0])));
    }
    worst = Math.max(worst, near(`${c.name} grad`, grad, c.grad, maxAbs(c.grad)));
  }
  assert.ok(gold.ce.length >= 60);
  console.log(`# crossEntropy: ${gold.ce.length} goldens, worst relative error ${worst.toExponential(2)}`);
});

test('distillation matches every PyTorch golden (value and gradient)', () => {
  let worst = 0;
  for (const c of gold.kd) {
    const { loss, grad } = wt.loss.distillation(Float32Array.from(c.student), Float32Array.from(c.teacher),
      { numClasses: c.C, temperature: c.T });
    worst = Math.max(worst, near(`${c.name} loss`, [loss], [c.loss], Math.max(Math.abs(c.loss), c.T * c.T)));
    worst = Math.max(worst, near(`${c.name} grad`, grad, c.grad, Math.max(maxAbs(c.grad), 1e-3)));
  }
  assert.ok(gold.kd.length >= 13);
  console.log(`# distillation: ${gold.kd.length} goldens, worst relative error ${worst.toExponential(2)}`);
});

test('gradients agree with central differences', () => {
  const N = 3, C = 5;
  const x = Float32Array.from({ length: N * C }, (_, i) => Math.sin(1.7 * i) * 3);
  const teacher = Float32Array.from({ length: N * C }, (_, i) => Math.cos(0.9 * i) * 4);
  const soft = new Float32Array(N * C);
  for (let i = 0; i < N; i++) { soft[i * C + i] = 0.7; soft[i * C + ((i + 2) % C)] = 0.3; }
  const sumLoss = (l) => (typeof l === 'number' ? l : l.reduce((a, b) => a + b, 0));
  const cases = [
    ['ce hard eps=0.1 mean', (z) => wt.loss.crossEntropy(z, Int32Array.of(0, 4, 2), { numClasses: C, labelSmoothing: 0.1 })],
    ['ce soft eps=0.5 none', (z) => wt.loss.crossEntropy(z, soft, { numClasses: C, labelSmoothing: 0.5, reduction: 'none' })],
    ['ce hard weighted sum', (z) => wt.loss.crossEntropy(z, Int32Array.of(1, 1, 3), { numClasses: C, reduction: 'sum', weight: [1, 2, 0.5, 1, 3] })],
    ['kd T=4', (z) => wt.loss.distillation(z, teacher, { numClasses: C, temperature: 4 })],
  ];
  for (const [name, f] of cases) {
    const { loss, grad } = f(x);
    for (let i = 0; i < x.length; i++) {
      const o = x[i], h = 1e-2 * (1 + Math.abs(o));
      x[i] = o + h; const hp = x[i] - o; const lp = sumLoss(f(x).loss);
      x[i] = o - h; const hm = o - x[i]; const lm = sumLoss(f(x).loss);
      x[i] = o;
      const num = (lp - lm) / (hp + hm);
      assert.ok(Math.abs(num - grad[i]) <= 2e-4 * (1 + Math.abs(sumLoss(loss))) + 1e-2 * Math.abs(grad[i]),
        `${name} [${i}]: numeric ${num} vs ${grad[i]}`);
    }
  }
});

test('errors name the argument, and a good call works after each', () => {
  const logits = new Float32Array([1, 2, 3, 4, 5, 6]);
  const labels = Int32Array.of(0, 2);
  const good = () => assert.ok(Number.isFinite(wt.loss.crossEntropy(logits, labels, { numClasses: 3 }).loss));
  const ce = (...a) => () => wt.loss.crossEntropy(...a);
  throwsWt(ce([1, 2, 3], labels, { numClasses: 3 }), 'WT_ERR_ARG', /loss\.crossEntropy: logits must be a Float32Array/);
  good();
  throwsWt(ce(logits, labels), 'WT_ERR_ARG', /options must be an object with numClasses/);
  throwsWt(ce(logits, labels, { numClasses: 0 }), 'WT_ERR_ARG', /numClasses must be a positive integer, got 0/);
  throwsWt(ce(logits, labels, { numClasses: 4 }), 'WT_ERR_SHAPE', /logits has length 6, not a positive multiple of numClasses = 4/);
  throwsWt(ce(logits, labels, { numClasses: 3, labelSmoothing: 1.5 }), 'WT_ERR_ARG', /labelSmoothing must be a number in \[0, 1\], got 1\.5/);
  throwsWt(ce(logits, labels, { numClasses: 3, labelSmoothing: NaN }), 'WT_ERR_ARG', /labelSmoothing/);
  throwsWt(ce(logits, labels, { numClasses: 3, reduction: 'avg' }), 'WT_ERR_ARG', /reduction must be 'mean', 'sum' or 'none'/);
  throwsWt(ce(logits, labels, { numClasses: 3, label_smoothing: 0.1 }), 'WT_ERR_ARG', /unknown option 'label_smoothing'/);
  throwsWt(ce(logits, [0, 2], { numClasses: 3 }), 'WT_ERR_ARG', /target must be an Int32Array of 2 labels or a Float32Array of 2\*3/);
  throwsWt(ce(logits, Int32Array.of(0), { numClasses: 3 }), 'WT_ERR_SHAPE', /target \(labels, Int32Array\) has length 1, expected N = 2/);
  throwsWt(ce(logits, Float32Array.of(0, 2), { numClasses: 3 }), 'WT_ERR_SHAPE', /expected N\*numClasses = 6 \(hard labels must be an Int32Array\)/);
  throwsWt(ce(logits, Int32Array.of(0, 3), { numClasses: 3 }), 'WT_ERR_ARG', /labels\[1\] = 3 is out of range \[0, 3\)/);
  throwsWt(ce(logits, Int32Array.of(-1, 0), { numClasses: 3 }), 'WT_ERR_ARG', /labels\[0\] = -1/);
  throwsWt(ce(logits, labels, { numClasses: 3, weight: [1, 2] }), 'WT_ERR_ARG', /weight must be a Float32Array or array of 3 numbers/);
  throwsWt(ce(logits, labels, { numClasses: 3, weight: [1, NaN, 1] }), 'WT_ERR_NONFINITE', /weight\[1\] is NaN/);
  throwsWt(ce(Float32Array.of(1, 2, NaN, 4, 5, 6), labels, { numClasses: 3 }), 'WT_ERR_NONFINITE', /logits\[2\] \(row 0, class 2\) is NaN/);
  throwsWt(ce(logits, Float32Array.of(1, 0, 0, 0, Infinity, 0), { numClasses: 3 }), 'WT_ERR_NONFINITE', /targets\[4\] \(row 1, class 1\) is \+Inf/);
  good();
  const kd = (...a) => () => wt.loss.distillation(...a);
  throwsWt(kd(logits, logits, { numClasses: 3 }), 'WT_ERR_ARG', /loss\.distillation: temperature must be a finite number > 0, got undefined/);
  throwsWt(kd(logits, logits, { numClasses: 3, temperature: 0 }), 'WT_ERR_ARG', /temperature must be a finite number > 0, got 0/);
  throwsWt(kd(logits, logits, { numClasses: 3, temperature: Infinity }), 'WT_ERR_ARG', /temperature/);
  throwsWt(kd(logits, new Float32Array(3), { numClasses: 3, temperature: 2 }), 'WT_ERR_SHAPE', /teacherLogits has length 3, studentLogits 6/);
  throwsWt(kd(logits, new Float64Array(6), { numClasses: 3, temperature: 2 }), 'WT_ERR_ARG', /teacherLogits must be a Float32Array/);
  throwsWt(kd(logits, Float32Array.of(1, 2, 3, -Infinity, 5, 6), { numClasses: 3, temperature: 2 }), 'WT_ERR_NONFINITE', /teacher\[3\] \(row 1, class 0\) is -Inf/);
  const { loss, grad } = wt.loss.distillation(logits, logits, { numClasses: 3, temperature: 2 });
  assert.ok(Math.abs(loss) < 1e-6);
  assert.ok(grad.every((g) => Math.abs(g) < 1e-7));
});

test('no leaks: wasm allocations are freed on success and on every error path', () => {
  const C = 1000;
  const logits = Float32Array.from({ length: 64 * C }, (_, i) => Math.sin(i));
  const labels = Int32Array.from({ length: 64 }, (_, i) => (i * 37) % C);
  const probe = () => wt.loss.crossEntropy(new Float32Array(8), Int32Array.of(0, 0), { numClasses: 4 });
  probe();
  // emmalloc reuses freed blocks: after warming up, repeated calls must not grow memory.
  const warm = () => {
    wt.loss.crossEntropy(logits, labels, { numClasses: C, labelSmoothing: 0.1 });
    wt.loss.distillation(logits, logits, { numClasses: C, temperature: 4 });
    assert.throws(() => wt.loss.crossEntropy(logits, Int32Array.from(labels, (v) => v + C), { numClasses: C }));
  };
  warm();
  const before = wt.memoryBytes();
  const live = wt.liveBytes();
  for (let k = 0; k < 50; k++) warm();
  assert.equal(wt.memoryBytes(), before);
  assert.equal(wt.liveBytes(), live);
});

test('results are copies: a later call that grows memory does not change them', () => {
  const a = wt.loss.crossEntropy(Float32Array.of(0, 1, 2, 3), Int32Array.of(1, 0), { numClasses: 2 });
  const saved = Float32Array.from(a.grad);
  const C = 1000, N = 4096; // 16 MB of logits: memory grows
  wt.loss.crossEntropy(new Float32Array(N * C), new Int32Array(N), { numClasses: C });
  assert.deepEqual(a.grad, saved);
  assert.equal(a.grad.buffer.byteLength, 16);
});
