// batch.test.mjs - wt.batch through the wasm build: every PyTorch golden of
// tests/data/batch_goldens.json (scripts/gen_batch_goldens.py; the official mixup, CutMix and
// RICAP code on explicit draws) for mixed pixels, targets, weights and the reported accuracy;
// the loss identity with wt.loss.crossEntropy; sampled calls (seeded reproducibility, valid
// permutations, lambda recomputation, rows summing to 1); thrown errors; no leaks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init } from '../../js/index.js';
import { throwsWt } from './helpers.mjs';

const wt = await init();
const gold = JSON.parse(readFileSync(new URL('../data/batch_goldens.json', import.meta.url), 'utf8'));
const TRICK = { 1: 'mixup', 2: 'cutmix', 3: 'ricap' };

function setOf(c) {
  const s = gold.sets[c.set];
  return { s, images: Float32Array.from(s.x), labels: Int32Array.from(s.labels),
    base: { numClasses: s.K, shape: [s.C, s.H, s.W] } };
}

/** The explicit-parameter call of a golden case. */
function callGolden(c, extra = {}) {
  const { s, images, labels, base } = setOf(c);
  const N = s.N;
  if (c.trick === 1) return wt.batch.mixup(images, labels, { ...base, ...extra, lambda: c.lambda_in, permutation: c.perm.slice(0, N) });
  if (c.trick === 2) {
    const [x0, y0, x1, y1] = c.box;
    return wt.batch.cutmix(images, labels, { ...base, ...extra, box: { x0, y0, x1, y1 }, permutation: c.perm.slice(0, N) });
  }
  const permutations = [0, 1, 2, 3].map((k) => c.perm.slice(k * N, (k + 1) * N));
  return wt.batch.ricap(images, labels, { ...base, ...extra, boundary: { w: c.boundary[0], h: c.boundary[1] },
    offsets: c.offsets, permutations });
}

test('every PyTorch golden: mixed pixels bit-exact, targets exact, official weights and accuracy', () => {
  let pixels = 0;
  for (const c of gold.cases) {
    const { s } = setOf(c);
    const { images, targets, params } = callGolden(c);
    assert.equal(params.trick, TRICK[c.trick], c.name);
    assert.deepEqual(images, Float32Array.from(c.mixed), `${c.name}: mixed images`);
    assert.deepEqual(targets, Float32Array.from(c.targets), `${c.name}: targets`);
    pixels += images.length;
    assert.deepEqual(params.weights, c.weight.slice(0, params.weights.length), `${c.name}: weights`);
    assert.ok(Math.abs(params.weights.reduce((a, b) => a + b, 0) - 1) < 1e-15, c.name);
    if (c.trick !== 3) assert.equal(params.lambda, c.lambda, c.name);
    if (c.trick === 2) assert.deepEqual(params.box, { x0: c.box[0], y0: c.box[1], x1: c.box[2], y1: c.box[3] });
    if (c.trick === 3) {
      assert.deepEqual(params.boundary, { w: c.boundary[0], h: c.boundary[1] });
      assert.deepEqual(params.offsets, c.offsets);
      assert.equal(params.permutations.length, 4);
    }
    const acc = wt.batch.mixedAccuracy(Float32Array.from(s.logits), params);
    assert.ok(Math.abs(acc - c.acc) < 1e-12, `${c.name}: accuracy ${acc} vs ${c.acc}`);
    // timm's view: the smoothed mixed target, computed by the engine.
    const ls = callGolden(c, { labelSmoothing: gold.eps });
    assert.deepEqual(ls.targets, Float32Array.from(c.targets_ls), `${c.name}: smoothed targets`);
  }
  assert.ok(gold.cases.length >= 15 && pixels > 2000);
});

test('soft-target cross-entropy of the targets equals the official weighted loss', () => {
  for (const c of gold.cases) {
    const { s } = setOf(c);
    const { targets } = callGolden(c);
    const logits = Float32Array.from(s.logits);
    const { loss } = wt.loss.crossEntropy(logits, targets, { numClasses: s.K });
    assert.ok(Math.abs(loss - c.loss) <= 1e-6 * c.loss, `${c.name}: ${loss} vs ${c.loss}`);
    const ls = wt.loss.crossEntropy(logits, targets, { numClasses: s.K, labelSmoothing: gold.eps });
    assert.ok(Math.abs(ls.loss - c.loss_ls) <= 1e-6 * c.loss_ls, `${c.name} (smoothed): ${ls.loss} vs ${c.loss_ls}`);
  }
});

function randomBatch(N, C, H, W, K, seed) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return {
    images: Float32Array.from({ length: N * C * H * W }, () => rnd() * 2 - 1),
    labels: Int32Array.from({ length: N }, () => Math.floor(rnd() * K)),
  };
}
const isPerm = (p) => [...p].sort((a, b) => a - b).every((v, i) => v === i);

test('sampled calls: seeded, valid, consistent', () => {
  const N = 8, C = 3, H = 6, W = 10, K = 5;
  const { images, labels } = randomBatch(N, C, H, W, K, 1);
  const opts = { numClasses: K, shape: [C, H, W] };
  for (const name of ['mixup', 'cutmix', 'ricap']) {
    const a = wt.batch[name](images, labels, { ...opts, seed: 42 });
    const b = wt.batch[name](images, labels, { ...opts, seed: 42 });
    const c = wt.batch[name](images, labels, { ...opts, seed: 43 });
    assert.deepEqual(a, b, `${name}: same seed, same result`);
    assert.notDeepEqual(a.images, c.images, `${name}: another seed, another batch`);
    assert.equal(a.params.trick, name);
    assert.ok(a.params.permutations.every(isPerm), name);
    for (let i = 0; i < N; i++) {
      const row = a.targets.subarray(i * K, (i + 1) * K).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(row - 1) < 1e-6, `${name}: row ${i} sums to ${row}`);
    }
    // Unseeded calls continue the module's RNG: two calls differ.
    const u1 = wt.batch[name](images, labels, opts), u2 = wt.batch[name](images, labels, opts);
    assert.notDeepEqual(u1.params, u2.params, name);
    // The sampled params replayed explicitly give the same batch.
    const p = a.params;
    const replay = name === 'mixup' ? wt.batch.mixup(images, labels, { ...opts, lambda: p.lambda, permutation: p.permutation })
      : name === 'cutmix' ? wt.batch.cutmix(images, labels, { ...opts, box: p.box, permutation: p.permutation })
        : wt.batch.ricap(images, labels, { ...opts, boundary: p.boundary, offsets: p.offsets, permutations: p.permutations });
    assert.deepEqual(replay.images, a.images, `${name}: replay`);
    assert.deepEqual(replay.targets, a.targets, `${name}: replay targets`);
  }
  const cm = wt.batch.cutmix(images, labels, { ...opts, seed: 7, alpha: 1 });
  const { x0, y0, x1, y1 } = cm.params.box;
  assert.equal(cm.params.lambda, 1 - ((x1 - x0) * (y1 - y0)) / (H * W));
  assert.ok(cm.params.lambda >= cm.params.lambdaDrawn - 1e-12);
  const skipped = wt.batch.cutmix(images, labels, { ...opts, prob: 0 });
  assert.equal(skipped.params.trick, 'none');
  assert.deepEqual(skipped.images, images);
  const r = wt.batch.ricap(images, labels, { ...opts, seed: 9 });
  assert.ok(Math.abs(r.params.weights.reduce((x, y) => x + y, 0) - 1) < 1e-15);
  const { w, h } = r.params.boundary;
  assert.deepEqual(r.params.weights, [w * h, w * (H - h), (W - w) * h, (W - w) * (H - h)].map((v) => v / (H * W)));
});

test('mixedAccuracy equals the soft-target mass on the argmax (the trainer\'s count)', () => {
  const N = 16, C = 1, H = 4, W = 4, K = 3;
  const { images, labels } = randomBatch(N, C, H, W, K, 5);
  const logits = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 1.7));
  for (const name of ['mixup', 'cutmix', 'ricap']) {
    const { targets, params } = wt.batch[name](images, labels, { numClasses: K, shape: [C, H, W], seed: 3 });
    let mass = 0;
    for (let i = 0; i < N; i++) {
      const row = logits.subarray(i * K, (i + 1) * K);
      mass += targets[i * K + row.indexOf(Math.max(...row))];
    }
    assert.ok(Math.abs(wt.batch.mixedAccuracy(logits, params) - mass / N) < 1e-6, name);
  }
});

test('errors name the argument; the module stays usable', () => {
  const { images, labels } = randomBatch(4, 1, 3, 3, 2, 2);
  const opts = { numClasses: 2, shape: [1, 3, 3] };
  throwsWt(() => wt.batch.mixup(images, labels, { ...opts, alpah: 1 }), 'WT_ERR_ARG', /unknown option 'alpah'/);
  throwsWt(() => wt.batch.mixup(images.subarray(1), labels, opts), 'WT_ERR_SHAPE', /images has length 35/);
  throwsWt(() => wt.batch.mixup(images, Array.from(labels), opts), 'WT_ERR_ARG', /labels must be/);
  throwsWt(() => wt.batch.mixup(images, labels, { ...opts, shape: [3, 3] }), 'WT_ERR_ARG', /shape/);
  throwsWt(() => wt.batch.mixup(images, Int32Array.of(0, 1, 2, 0), opts), 'WT_ERR_ARG', /label 2 is 2/);
  throwsWt(() => wt.batch.mixup(images, labels, { ...opts, lambda: 0.5, permutation: [0, 1, 2, 9] }), 'WT_ERR_ARG', /entry 3 is 9/);
  throwsWt(() => wt.batch.mixup(images, labels, { ...opts, alpha: -1 }), 'WT_ERR_ARG', /alpha/);
  throwsWt(() => wt.batch.cutmix(images, labels, { ...opts, box: { x0: 0, y0: 0, x1: 4, y1: 1 }, permutation: [0, 1, 2, 3] }),
    'WT_ERR_ARG', /x1 <= W/);
  throwsWt(() => wt.batch.cutmix(images, labels, { ...opts, prob: 2 }), 'WT_ERR_ARG', /prob/);
  throwsWt(() => wt.batch.ricap(images, labels, { ...opts, boundary: { w: 1, h: 1 }, offsets: [[0, 0], [0, 0], [0, 0], [2, 0]],
    permutations: [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]] }), 'WT_ERR_ARG', /offset of part 3/);
  throwsWt(() => wt.batch.ricap(images, labels, { ...opts, beta: 0 }), 'WT_ERR_ARG', /beta/);
  throwsWt(() => wt.batch.mixedAccuracy(new Float32Array(8), {}), 'WT_ERR_ARG', /params/);
  const ok = wt.batch.ricap(images, labels, opts);
  throwsWt(() => wt.batch.mixedAccuracy(new Float32Array(7), ok.params), 'WT_ERR_SHAPE', /logits has length 7/);
  throwsWt(() => wt.batch.mixedAccuracy(Float32Array.of(0, 1, 2, 3, 4, 5, 6, NaN), ok.params), 'WT_ERR_NONFINITE', /row 3, class 1/);
  assert.equal(typeof wt.batch.mixedAccuracy(new Float32Array(8), ok.params), 'number');
});

test('no leaks: every call frees what it allocated, even when it throws', () => {
  const { images, labels } = randomBatch(8, 3, 8, 8, 10, 3);
  const opts = { numClasses: 10, shape: [3, 8, 8] };
  const before = wt.liveBytes();
  for (let i = 0; i < 20; i++) {
    wt.batch.mixup(images, labels, opts);
    wt.batch.cutmix(images, labels, { ...opts, seed: i });
    const r = wt.batch.ricap(images, labels, opts);
    wt.batch.mixedAccuracy(new Float32Array(80), r.params);
    assert.throws(() => wt.batch.ricap(images, labels, { ...opts, seed: i, beta: -1 }));
    assert.throws(() => wt.batch.mixup(images, labels, { ...opts, lambda: 0.5, permutation: new Int32Array(8).fill(9) }));
  }
  assert.equal(wt.liveBytes(), before);
  // liveBytes counts contexts; the calls' own buffers are malloc'd: a leak of a 0.8 MB batch
  // per call would grow memory by 24 MB over these 30 calls.
  const big = randomBatch(64, 3, 32, 32, 10, 4);
  const bigOpts = { numClasses: 10, shape: [3, 32, 32] };
  wt.batch.ricap(big.images, big.labels, bigOpts);
  const mem = wt.memoryBytes();
  for (let i = 0; i < 10; i++) {
    wt.batch.cutmix(big.images, big.labels, { ...bigOpts, seed: i });
    wt.batch.ricap(big.images, big.labels, bigOpts);
    assert.throws(() => wt.batch.mixup(big.images, big.labels, { ...bigOpts, lambda: 0.5, permutation: new Int32Array(64).fill(99) }));
  }
  assert.equal(wt.memoryBytes(), mem, 'wasm memory does not grow across calls');
});

test('wt.augment.mixup/cutmix/ricap: the batch object form equals wt.batch, with the details on top', () => {
  const N = 6, C = 2, H = 5, W = 7, K = 3;
  const images = Float32Array.from({ length: N * C * H * W }, (_, i) => Math.sin(i));
  const labels = Int32Array.from({ length: N }, (_, i) => i % K);
  const batch = { images, labels, shape: [N, C, H, W], numClasses: K };
  for (const [name, opts] of [['mixup', { alpha: 0.4 }], ['cutmix', { alpha: 1 }], ['ricap', { beta: 0.3 }]]) {
    const a = wt.augment[name](batch, { ...opts, seed: 11 });
    const b = wt.batch[name](images, labels, { ...opts, seed: 11, numClasses: K, shape: [C, H, W] });
    assert.deepEqual(a.images, b.images, name);
    assert.deepEqual(a.targets, b.targets, name);
    if (name === 'ricap') {
      assert.deepEqual(a.boundary, b.params.boundary);
      assert.equal(a.permutations.length, 4);
      assert.ok(Math.abs(a.weights.reduce((s, w) => s + w, 0) - 1) < 1e-12);
    } else {
      assert.equal(a.lambda, b.params.lambda);
      assert.deepEqual(a.permutation, b.params.permutation);
      if (name === 'cutmix') assert.deepEqual(a.box, b.params.box);
    }
  }
});

test('wt.augment.mixup on ImageData-like images: pixels mixed as lambda x + (1 - lambda) x[perm]', () => {
  const imgs = [0, 1, 2, 3].map((k) => ({
    data: Uint8ClampedArray.from({ length: 3 * 4 * 4 }, (_, i) => (k * 50 + i * 3) % 256), width: 4, height: 3,
  }));
  const r = wt.augment.mixup({ images: imgs, labels: [0, 1, 2, 3], numClasses: 4 }, { alpha: 1, seed: 5 });
  assert.equal(r.images.length, 4);
  for (let n = 0; n < 4; n++) {
    assert.ok(r.images[n].data instanceof Uint8ClampedArray);
    const src = imgs[r.permutation[n]].data;
    for (let i = 0; i < src.length; i++) {
      const want = r.lambda * imgs[n].data[i] + (1 - r.lambda) * src[i];
      assert.ok(Math.abs(r.images[n].data[i] - want) <= 0.5 + 1e-4, `image ${n} byte ${i}`);
    }
    for (let k = 0; k < 4; k++) {
      const want = r.lambda * (k === n) + (1 - r.lambda) * (k === r.permutation[n]);
      assert.ok(Math.abs(r.targets[n * 4 + k] - want) < 1e-6, `target ${n},${k}`);
    }
  }
  assert.throws(() => wt.augment.mixup({ images: [imgs[0], { data: new Uint8Array(3), width: 1, height: 1 }], labels: [0, 1], numClasses: 2 }),
    /batch.images\[1\] must be 4x3/);
  assert.throws(() => wt.augment.cutmix({ images: new Float32Array(4), labels: [0], numClasses: 2 }), /shape must be \[N, C, H, W\]/);
});
