// memory.test.mjs - wt.stats() as a leak check over a long run: a small model (1x8x8 input, a
// conv and a linear layer) trains 10,000 steps through Trainer.step with a batch trick and
// gradient clipping on; the wasm memory size, live bytes and live allocations at step 10,000
// must equal those at step 100, and disposing everything must return the tracked allocator to
// the module's baseline (nothing left for models). The figures are printed for the notes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../../js/index.js';

const wt = await init();

const SPEC = {
  input: [1, 8, 8], classes: 4,
  layers: [
    { type: 'conv2d', name: 'conv', out_channels: 4, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'flatten' },
    { type: 'linear', name: 'fc', out_features: 4 },
  ],
};

function batch(n) {
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 4;
    for (let j = 0; j < 64; j++) x[i * 64 + j] = (j % 4 === y[i] ? 1 : 0) + 0.25 * Math.sin(0.7 * (i * 64 + j));
  }
  return { x, y };
}

test('stats(): shape, and the counters of one model', () => {
  const s0 = wt.stats();
  assert.deepEqual(Object.keys(s0).sort(), ['liveAllocations', 'liveBytes', 'wasmMemoryBytes']);
  assert.ok(Number.isInteger(s0.wasmMemoryBytes) && s0.wasmMemoryBytes % 65536 === 0);
  assert.equal(s0.liveBytes, wt.liveBytes());
  assert.equal(s0.wasmMemoryBytes, wt.memoryBytes());
  assert.ok(s0.liveAllocations >= 1); // the module context's arena
  const m = wt.models.fromSpec(SPEC, { seed: 1 });
  const s1 = wt.stats();
  // The model's context: its arena, parameters, gradients, buffers and spec at least.
  assert.ok(s1.liveAllocations >= s0.liveAllocations + 5, JSON.stringify(s1));
  assert.ok(s1.liveBytes > s0.liveBytes + m.paramCount * 8);
  m.dispose();
  assert.deepEqual({ ...wt.stats(), wasmMemoryBytes: 0 }, { ...s0, wasmMemoryBytes: 0 });
});

test('10,000 training steps: memory and live allocations at step 10,000 equal those at step 100; dispose returns to the baseline', () => {
  const base = wt.stats();
  const model = wt.models.fromSpec(SPEC, { seed: 3 });
  const trainer = new wt.Trainer(model, {
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    cutmix: { alpha: 1, prob: 0.5 },
    gradClipNorm: 5,
  });
  const { x, y } = batch(16);
  let at100;
  let first;
  let last;
  const t0 = performance.now();
  for (let s = 1; s <= 10_000; s++) {
    const r = trainer.step(x, y);
    if (s === 1) first = r.loss;
    if (s === 100) at100 = wt.stats();
    last = r.loss;
  }
  const secs = (performance.now() - t0) / 1000;
  const at10k = wt.stats();
  assert.equal(trainer.steps, 10_000);
  assert.ok(Number.isFinite(last) && last < first, `loss ${first} -> ${last}`);
  assert.deepEqual(at10k, at100, `step 100 ${JSON.stringify(at100)} vs step 10,000 ${JSON.stringify(at10k)}`);
  trainer.dispose();
  model.dispose();
  const after = wt.stats();
  assert.equal(after.liveBytes, base.liveBytes);
  assert.equal(after.liveAllocations, base.liveAllocations);
  console.log(`memory: baseline ${JSON.stringify(base)}; step 100 ${JSON.stringify(at100)}; ` +
    `step 10,000 ${JSON.stringify(at10k)}; after dispose ${JSON.stringify(after)}; ` +
    `10,000 steps of batch 16 in ${secs.toFixed(1)} s, loss ${first.toFixed(4)} -> ${last.toFixed(4)}`);
});

test('a second instance and every model disposed: live allocations back to the module context alone', async () => {
  const w2 = await init();
  const base = w2.stats();
  assert.equal(base.liveAllocations, 1); // only the module context's scratch arena
  const models = [w2.models.fromSpec(SPEC), w2.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 3 }),
    w2.models.resnet({ depth: 8, inputShape: [3, 8, 8], numClasses: 2 })];
  const trainers = models.map((m) => new w2.Trainer(m, { optimizer: { name: 'adam', lr: 1e-3 } }));
  for (const [i, t] of trainers.entries()) {
    const [C, H, W] = models[i].inputShape;
    t.step(new Float32Array(2 * C * H * W).fill(0.5), Int32Array.of(0, 1));
  }
  assert.ok(w2.stats().liveAllocations > 10);
  for (const m of models) m.dispose(); // disposes their trainers too
  assert.ok(trainers.every((t) => t.disposed));
  assert.deepEqual({ ...w2.stats(), wasmMemoryBytes: 0 }, { ...base, wasmMemoryBytes: 0 });
});
