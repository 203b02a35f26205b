// e2e.test.mjs - end to end: the student CNN learns a generated 10-class data set (1x12x12
// images: a class-specific random pattern, shifted by up to one pixel, plus Gaussian noise;
// chance is 10%) and must classify held-out images with more than 90% accuracy.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../../js/index.js';

const K = 10;
const S = 12;

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeSet(n, templates, random) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const x = new Float32Array(n * S * S);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(random() * K);
    const dy = Math.floor(random() * 3) - 1;
    const dx = Math.floor(random() * 3) - 1;
    y[i] = k;
    for (let r = 0; r < S; r++) {
      for (let c = 0; c < S; c++) {
        const rr = (r + dy + S) % S;
        const cc = (c + dx + S) % S;
        x[i * S * S + r * S + c] = templates[k][rr * S + cc] + 0.8 * normal();
      }
    }
  }
  return { x, y };
}

test('student CNN learns a generated 10-class data set to > 90% held-out accuracy', async () => {
  const wt = await init();
  const random = rng(2024);
  const templates = Array.from({ length: K }, () => Float32Array.from({ length: S * S }, () => (random() < 0.5 ? -1 : 1)));
  const train = makeSet(2000, templates, random);
  const held = makeSet(500, templates, random);
  const base = wt.liveBytes();

  const model = wt.models.studentCNN({ inputShape: [1, S, S], numClasses: K, seed: 1 });
  const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 }, seed: 1 });
  const accuracy = () => {
    const p = model.predict(held.x);
    let right = 0;
    for (let i = 0; i < held.y.length; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + best]) best = k;
      if (best === held.y[i]) right++;
    }
    return right / held.y.length;
  };
  try {
    const before = accuracy();
    assert.ok(before < 0.3, `an untrained model should be near chance, got ${before}`);
    const B = 32;
    const per = S * S;
    let firstLoss;
    let lastLoss;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let i = 0; i < 2000; i += B) {
        const r = trainer.step(train.x.subarray(i * per, (i + B) * per), train.y.subarray(i, i + B));
        firstLoss ??= r.loss;
        lastLoss = r.loss;
      }
    }
    const after = accuracy();
    assert.ok(lastLoss < firstLoss, `loss ${firstLoss} -> ${lastLoss}`);
    assert.ok(after > 0.9, `held-out accuracy ${after} (chance 0.1)`);
  } finally {
    trainer.dispose();
    model.dispose();
  }
  assert.equal(wt.liveBytes(), base);
});
