// worker.test.mjs - WorkerTrainer in Node's worker_threads (wasmtricks/worker): training to well
// above chance with progress records, the same weights as the in-thread Trainer, pause / predict
// while paused / mid-epoch checkpoint / stop / resume in a new worker bit for bit, errors as
// rejected WasmTricksErrors with the instance still usable; and image.js's pure-JS resampling.
import test from 'node:test';
import assert from 'node:assert/strict';
import { WorkerTrainer, image, WasmTricksError } from '../../js/worker.js';
import { init } from '../../js/index.js';
import { stripes } from '../browser/stripes.mjs';

const train = stripes(384, { seed: 1 });
const held = stripes(128, { seed: 2 });
const MODEL = { name: 'student', inputShape: [1, 16, 16], numClasses: 4, seed: 3 };
const TRAINER = { optimizer: { name: 'sgd', lr: 0.02, momentum: 0.9 }, augment: { randomCrop: 2 } };
const FIT = { epochs: 2, batchSize: 32 };

async function rejects(p, code, re) {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof WasmTricksError, `not a WasmTricksError: ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('WorkerTrainer trains in a worker_thread, with the in-thread Trainer\'s numbers', { timeout: 120_000 }, async () => {
  const wt = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  try {
    assert.deepEqual([...wt.inputShape], [1, 16, 16]);
    assert.match(wt.kernelName, /wasmsimd/);
    const records = [];
    const r = await wt.fit(train, { ...FIT, validation: held, onProgress: (p) => records.push(p) });
    assert.equal(r.stopped, false);
    assert.equal(r.steps, 24);
    assert.equal(r.history.length, 2);
    const steps = records.filter((p) => p.type === 'step');
    assert.equal(steps.length, 24);
    for (const k of ['epoch', 'step', 'steps', 'loss', 'accuracy', 'imagesPerSecond', 'lr', 'eta']) {
      assert.ok(Number.isFinite(steps[5][k]), `progress.${k} = ${steps[5][k]}`);
    }
    const ev = await wt.evaluate(held);
    console.log(`worker_threads: held-out accuracy ${(ev.accuracy * 100).toFixed(1)}% (chance 25%), ` +
      `${steps.at(-1).imagesPerSecond.toFixed(0)} img/s`);
    assert.ok(ev.accuracy > 0.9, `held-out accuracy ${ev.accuracy}`);
    assert.equal(r.history[1].validation.accuracy, ev.accuracy);
    const top = await wt.predict({ data: held.images.subarray(0, 256), width: 16, height: 16, channels: 1 }, { topK: 2 });
    assert.equal(top.length, 2);
    assert.equal(top[0].className, ['horizontal', 'vertical', 'diagonal', 'anti-diagonal'][top[0].label]);

    // The same run in this thread: identical weights.
    const api = await init();
    const model = api.models.studentCNN(MODEL);
    const t = new api.Trainer(model, TRAINER);
    await t.fit(api.data.fromArrays(train), FIT);
    assert.deepEqual(await wt.exportWeights(), model.save());
    model.dispose();
  } finally {
    await wt.terminate();
  }
});

test('pause, predict while paused, mid-epoch checkpoint, stop, then resume in a new worker bit for bit', { timeout: 120_000 }, async () => {
  const ref = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  const a = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  let b;
  try {
    const fullRun = ref.fit(train, FIT);
    fullRun.catch(() => {}); // awaited below; a failed assertion before must not leave it unhandled
    let seen = 0;
    let paused;
    const parked = new Promise((resolve) => { paused = resolve; });
    const run = a.fit(train, { ...FIT, onProgress: (p) => { if (p.type === 'step' && ++seen === 15) paused(a.pause()); } });
    run.catch(() => {});
    const at = await parked;
    // Parked after whichever step was running when the request arrived (the worker does not wait).
    assert.equal(at.paused, true);
    assert.ok(at.epoch === 2 && at.step >= 3, `parked at ${JSON.stringify(at)}`);
    const parkedAt = 12 + at.step;
    const before = await a.predict({ data: held.images.subarray(0, 256), width: 16, height: 16 });
    assert.equal(before.length, 4);
    const ck = await a.checkpoint();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(seen, parkedAt, 'no step ran while paused');
    assert.deepEqual(await a.stop(), { stopped: true });
    const r = await run;
    assert.equal(r.stopped, true);
    assert.equal(r.steps, parkedAt);
    assert.equal(r.history.length, 1);

    b = await WorkerTrainer.create({ model: { checkpoint: ck }, trainer: TRAINER });
    // Before resuming, the weights are the checkpoint's: predictions match the paused worker's.
    assert.deepEqual(await b.predict({ data: held.images.subarray(0, 256), width: 16, height: 16 }), before);
    const rest = await b.fit(train, { resume: true });
    assert.equal(rest.steps, 24);
    await fullRun;
    assert.deepEqual(await b.exportWeights(), await ref.exportWeights());
  } finally {
    await Promise.all([ref.terminate(), a.terminate(), b?.terminate()]);
  }
});

test('errors reject with the engine\'s message and the worker stays usable', { timeout: 60_000 }, async () => {
  await rejects(WorkerTrainer.create({ model: { name: 'vgg16', inputShape: [1, 8, 8], numClasses: 2 } }), 'WT_ERR_ARG', /model.name must be/);
  await rejects(WorkerTrainer.create({ model: { name: 'student', inputShape: [1, 8, 8], numClasses: 0 } }), 'WT_ERR_ARG', /numClasses/);
  await rejects(WorkerTrainer.create({ model: MODEL, trainer: { optimizer: { name: 'sgd', lr: -1 } } }), 'WT_ERR_ARG', /lr/);
  await rejects(WorkerTrainer.create({ model: MODEL, trainer: { optimizer: { name: 'sgd', lr: 0.1 } }, wasm: '/nonexistent/x.wasm' }),
    'WT_ERR_STATE', /cannot read \/nonexistent\/x.wasm/);
  const wt = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  try {
    await rejects(wt.predict(new Float32Array(5)), 'WT_ERR_SHAPE', /images has length 5/);
    await rejects(wt.predict({ data: new Uint8Array(256), width: 16, height: 16 }), 'WT_ERR_ARG', /no normalisation yet/);
    await rejects(wt.fit({ images: new Uint8Array(10), labels: [0], shape: [1, 16, 16] }), 'WT_ERR_SHAPE', /fromArrays: mismatched counts/);
    await rejects(wt.fit(train, { epochs: 0 }), 'WT_ERR_ARG', /epochs must be a positive integer/);
    await rejects(wt.fit(train, { resume: true }), 'WT_ERR_ARG', /resume: true needs a checkpoint/);
    await rejects(wt.fit(train, { autosave: { name: 'x', everySteps: 2 } }), 'WT_ERR_UNSUPPORTED', /IndexedDB is not available/);
    await rejects(wt.restore(new Uint8Array(20)), 'WT_ERR_FORMAT', /not a wasmtricks checkpoint/);
    await rejects(wt.fit(train, { signal: new AbortController().signal }), 'WT_ERR_ARG', /use stop\(\)/);
    // Still usable: a short fit works after all of that.
    const r = await wt.fit(stripes(64), { batchSize: 32 });
    assert.equal(r.steps, 2);
    assert.equal((await wt.predict({ data: held.images.subarray(0, 256), width: 16, height: 16 })).length, 4);
    assert.deepEqual(await wt.pause(), { paused: false });
    assert.deepEqual(await wt.stop(), { stopped: false });
  } finally {
    await wt.terminate();
  }
  await rejects(wt.evaluate(held), 'WT_ERR_STATE', /terminated/);
});

test('image.toInputSync: area-average shrink, grayscale, cover crop and fill (pure JS)', () => {
  // 4x2 RGBA: left half red-ish, right half blue-ish; a 2x2 patch per output pixel.
  const px = new Uint8ClampedArray(4 * 2 * 4);
  for (let i = 0; i < 8; i++) px.set((i % 4) < 2 ? [200, 0, 0, 255] : [0, 0, 100, 255], i * 4);
  const img = { data: px, width: 4, height: 2 };
  const fill = image.toInputSync(img, { shape: [3, 1, 2], fit: 'fill' });
  assert.deepEqual([...fill.data], [200, 0, 0, 0, 0, 100]);
  const gray = image.toInputSync(img, { shape: [1, 1, 2], fit: 'fill' });
  assert.deepEqual([...gray.data], [Math.round(0.299 * 200), Math.round(0.114 * 100)]);
  // cover to 1x1: the centre 2x2 square, half red and half blue.
  const cover = image.toInputSync(img, { shape: [3, 1, 1] });
  assert.deepEqual([...cover.data], [100, 0, 50]);
  // Enlarging is bilinear: a 1x2 gray ramp to 1x4.
  const up = image.toInputSync({ data: Uint8Array.of(0, 100), width: 2, height: 1, channels: 1 }, { shape: [1, 1, 4], fit: 'fill' });
  assert.deepEqual([...up.data], [0, 25, 75, 100]);
  assert.throws(() => image.toInputSync(img, { shape: [2, 4, 4] }), /shape\[0\] \(channels\) must be 1, 3 or 4/);
  assert.throws(() => image.toInputSync({ data: new Uint8Array(7), width: 2, height: 2 }, { shape: [1, 2, 2] }), /not 2x2 times 1, 3 or 4/);
  assert.throws(() => image.toInputSync('cat.png', { shape: [1, 2, 2] }), /source must be ImageData/);
  assert.throws(() => image.toInputSync(img, { shape: [1, 2, 2], fit: 'zoom' }), /fit must be/);
});
