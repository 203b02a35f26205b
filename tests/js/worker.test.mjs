// worker.test.mjs - WorkerTrainer in Node's worker_threads (wasmtricks/worker): training to well
// above chance with progress records, the same weights as the in-thread Trainer, pause / predict
// while paused / mid-epoch checkpoint / stop / resume in a new worker bit for bit, errors as
// rejected WasmTricksErrors with the instance still usable, workers handed over after they
// announced themselves, weights files without trainer state, a new head (model.head); and
// image.js's pure-JS resampling.
import test from 'node:test';
import assert from 'node:assert/strict';
import { WorkerTrainer, image } from '../../js/worker.js';
import { init } from '../../js/index.js';
import { stripes } from '../browser/stripes.mjs';
import { rejectsWt } from './helpers.mjs';

const train = stripes(384, { seed: 1 });
const held = stripes(128, { seed: 2 });
const MODEL = { name: 'student', inputShape: [1, 16, 16], numClasses: 4, seed: 3 };
const TRAINER = { optimizer: { name: 'sgd', lr: 0.02, momentum: 0.9 }, augment: { randomCrop: 2 } };
const FIT = { epochs: 2, batchSize: 32 };

test('WorkerTrainer trains in a worker_thread, with the in-thread Trainer\'s numbers', { timeout: 120_000 }, async () => {
  const wt = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  try {
    assert.deepEqual([...wt.inputShape], [1, 16, 16]);
    assert.match(wt.kernelName, /wasmsimd/);
    assert.equal(wt.build, (await init()).build, 'the worker chose the build the thread chooses');
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

    // The same run in this thread: identical weights (the exported file also names the
    // normalisation and classes in its __metadata__).
    const api = await init();
    const model = api.models.studentCNN(MODEL);
    const t = new api.Trainer(model, TRAINER);
    await t.fit(api.data.fromArrays(train), FIT);
    const exported = await wt.exportWeights();
    const back = api.models.load(exported);
    assert.deepEqual(back.getParams(), model.getParams());
    assert.deepEqual(back.save(), model.save());
    const meta = header(exported).__metadata__;
    assert.deepEqual(JSON.parse(meta.normalization), { mean: [...t.normalization.mean], std: [...t.normalization.std] });
    assert.deepEqual(JSON.parse(meta.classNames), [...train.classNames]);
    back.dispose();
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
  await rejectsWt(WorkerTrainer.create({ model: { name: 'vgg16', inputShape: [1, 8, 8], numClasses: 2 } }), 'WT_ERR_ARG', /model.name must be/);
  await rejectsWt(WorkerTrainer.create({ model: { name: 'student', inputShape: [1, 8, 8], numClasses: 0 } }), 'WT_ERR_ARG', /numClasses/);
  await rejectsWt(WorkerTrainer.create({ model: MODEL, trainer: { optimizer: { name: 'sgd', lr: -1 } } }), 'WT_ERR_ARG', /lr/);
  await rejectsWt(WorkerTrainer.create({ model: MODEL, trainer: { optimizer: { name: 'sgd', lr: 0.1 } }, wasm: '/nonexistent/x.wasm' }),
    'WT_ERR_STATE', /cannot read \/nonexistent\/x.wasm/);
  const wt = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  try {
    await rejectsWt(wt.predict(new Float32Array(5)), 'WT_ERR_SHAPE', /images has length 5/);
    await rejectsWt(wt.predict({ data: new Uint8Array(256), width: 16, height: 16 }), 'WT_ERR_ARG', /no normalisation yet/);
    await rejectsWt(wt.fit({ images: new Uint8Array(10), labels: [0], shape: [1, 16, 16] }), 'WT_ERR_SHAPE', /fromArrays: mismatched counts/);
    await rejectsWt(wt.fit(train, { epochs: 0 }), 'WT_ERR_ARG', /epochs must be a positive integer/);
    await rejectsWt(wt.fit(train, { resume: true }), 'WT_ERR_ARG', /resume: true needs a checkpoint/);
    await rejectsWt(wt.fit(train, { autosave: { name: 'x', everySteps: 2 } }), 'WT_ERR_UNSUPPORTED', /IndexedDB is not available/);
    await rejectsWt(wt.restore(new Uint8Array(20)), 'WT_ERR_FORMAT', /not a wasmtricks checkpoint/);
    await rejectsWt(wt.fit(train, { signal: new AbortController().signal }), 'WT_ERR_ARG', /use stop\(\)/);
    // Still usable: a short fit works after all of that.
    const r = await wt.fit(stripes(64), { batchSize: 32 });
    assert.equal(r.steps, 2);
    assert.equal((await wt.predict({ data: held.images.subarray(0, 256), width: 16, height: 16 })).length, 4);
    assert.deepEqual(await wt.pause(), { paused: false });
    assert.deepEqual(await wt.stop(), { stopped: false });
  } finally {
    await wt.terminate();
  }
  await rejectsWt(wt.evaluate(held), 'WT_ERR_STATE', /terminated/);
});

/** A safetensors file's header JSON. */
function header(bytes) {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

/** bytes with __metadata__ replaced by meta (a test's hand-made weights file). */
function withHeaderMeta(bytes, meta) {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const h = header(bytes);
  h.__metadata__ = meta;
  let json = JSON.stringify(h);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

/** A worker_thread running worker-entry.js that has already announced itself (to a listener
    that is not WorkerTrainer's), as a worker an app starts early and hands over later is. */
async function announcedWorker() {
  const { Worker } = await import('node:worker_threads');
  const w = new Worker(new URL('../../js/worker-entry.js', import.meta.url));
  await new Promise((resolve, reject) => {
    w.on('message', (m) => m?.ready && resolve());
    w.once('error', reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  return w;
}

/** p, or a rejection after ms (a hang fails instead of stalling the suite). */
const within = (p, ms, what) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms).unref())]);

test('create and load adopt a worker that announced itself before they listened', { timeout: 60_000 }, async () => {
  // Before the handshake was also a reply, both hung waiting for an announcement already sent.
  const workers = [await announcedWorker(), await announcedWorker()];
  let a;
  let b;
  try {
    a = await within(WorkerTrainer.create({ model: MODEL, trainer: TRAINER, worker: workers[0] }), 20_000, 'create');
    await a.fit(stripes(64, { seed: 4 }), { batchSize: 32 });
    const checkpoint = await a.checkpoint();
    // A store whose load() takes a while (as IndexedDB does), handing over an announced worker.
    const store = { save: async () => ({}), load: async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { name: 'run', kind: 'checkpoint', checkpoint, meta: { trainer: TRAINER, classNames: [...train.classNames] } };
    } };
    b = await within(WorkerTrainer.load('run', { store, worker: workers[1] }), 20_000, 'load');
    assert.deepEqual(b.classNames, [...train.classNames]);
    const px = { data: held.images.subarray(0, 256), width: 16, height: 16 };
    assert.deepEqual((await b.predict(px)).map((p) => p.probability), (await a.predict(px)).map((p) => p.probability));
  } finally {
    await Promise.all([a?.terminate(), b?.terminate(), ...workers.map((w) => w.terminate())]);
  }
});

test('a weights file alone: default optimizer, normalisation and class names from its __metadata__, clear errors otherwise', { timeout: 90_000 }, async () => {
  const a = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  const opened = [a];
  try {
    await a.fit(train, { batchSize: 32 });
    const weights = await a.exportWeights();
    const px = { data: held.images.subarray(0, 256), width: 16, height: 16 };
    const want = await a.predict(px, { topK: 4 });

    // exportWeights' file, imported as a store record (no trainer options, no meta): it
    // predicts from pixels as the original did, with its class names, and trains.
    const store = { save: async () => ({}), load: async () => ({ name: 'w', kind: 'weights', weights, meta: { importedFrom: 'w.safetensors' } }) };
    const b = await WorkerTrainer.load('w', { store });
    opened.push(b);
    assert.deepEqual(b.classNames, [...train.classNames]);
    assert.deepEqual(await b.predict(px, { topK: 4 }), want);
    assert.equal((await b.fit(stripes(64, { seed: 5 }), { batchSize: 32 })).steps, 2);

    // Plain model.save() bytes (a spec, no normalisation or names): create works without
    // trainer options; pixels need a normalisation, which the error names.
    const api = await init();
    const m = api.models.load(weights);
    const plain = m.save();
    m.dispose();
    assert.equal(header(plain).__metadata__.normalization, undefined);
    const c = await WorkerTrainer.create({ model: { checkpoint: plain } });
    opened.push(c);
    assert.equal(c.classNames, null);
    await rejectsWt(c.predict(px), 'WT_ERR_ARG', /no normalisation yet for pixels.*normalize: \{ mean, std \}/);
    const norm = JSON.parse(header(weights).__metadata__.normalization);
    const x = api.data.toFloat(held.images.subarray(0, 256), { shape: [1, 16, 16], mean: norm.mean, std: norm.std });
    const [top] = await c.predict(x, { topK: 4 });
    assert.deepEqual(top.map((t) => [t.label, t.probability]), want.map((t) => [t.label, t.probability]));
    assert.equal(top[0].className, String(top[0].label));
    const d = await WorkerTrainer.create({ model: { checkpoint: plain }, trainer: { normalize: norm } });
    opened.push(d);
    assert.deepEqual((await d.predict(px, { topK: 4 })).map((t) => t.probability), want.map((t) => t.probability));

    // Metadata that does not fit the model is refused, naming the key.
    await rejectsWt(WorkerTrainer.create({ model: { checkpoint: withHeaderMeta(weights, { ...header(weights).__metadata__, classNames: '["a","b"]' }) } }),
      'WT_ERR_FORMAT', /__metadata__\.classNames must be a JSON array of 4 strings/);
    await rejectsWt(WorkerTrainer.create({ model: { checkpoint: withHeaderMeta(weights, { ...header(weights).__metadata__, normalization: '{"mean":[0.5]}' }) } }),
      'WT_ERR_FORMAT', /__metadata__\.normalization must be JSON \{ "mean"/);
  } finally {
    await Promise.all(opened.map((t) => t.terminate()));
  }
});

test('model.head: a checkpoint, a weights file or a store record starts a new run with a new classifier', { timeout: 90_000 }, async () => {
  const a = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  const opened = [a];
  try {
    await a.fit(train, { batchSize: 32 });
    const ck = await a.checkpoint();
    const weights = await a.exportWeights();
    // Two of the four stripe classes, as the new task.
    const two = (d) => {
      const keep = [...d.labels.keys()].filter((i) => d.labels[i] < 2);
      return { images: Uint8Array.from(keep.flatMap((i) => [...d.images.subarray(i * 256, (i + 1) * 256)])),
        labels: Int32Array.from(keep.map((i) => d.labels[i])), shape: [1, 16, 16], numClasses: 2, classNames: ['h', 'v'] };
    };
    const b = await WorkerTrainer.create({ model: { checkpoint: ck, head: { numClasses: 2, classNames: ['h', 'v'] } } });
    opened.push(b);
    assert.equal(b.numClasses, 2);
    assert.deepEqual(b.classNames, ['h', 'v']);
    await rejectsWt(b.fit(two(train), { resume: true }), 'WT_ERR_ARG', /resume: true needs a checkpoint/);
    const started = await b.exportWeights();
    // The backbone is the checkpoint's bit for bit, the normalisation carried, fc2 new.
    const api = await init();
    const src = api.models.load(weights);
    const dst = api.models.load(started);
    const ps = src.getParams();
    const pd = dst.getParams();
    const at = new Map(dst.tensors().map((t) => [t.name, t]));
    for (const t of src.tensors().filter((e) => !e.name.startsWith('fc2.'))) {
      const u = at.get(t.name);
      assert.deepEqual(pd.subarray(u.offset, u.offset + u.size), ps.subarray(t.offset, t.offset + t.size), t.name);
    }
    assert.deepEqual(at.get('fc2.weight').shape, [2, 128]);
    src.dispose();
    dst.dispose();
    assert.equal(header(started).__metadata__.normalization, header(weights).__metadata__.normalization);
    assert.equal(header(started).__metadata__.classNames, '["h","v"]');
    await b.fit(two(train), { batchSize: 32 });
    assert.ok((await b.evaluate(two(held))).accuracy > 0.9);

    // A weights file (its class names are the old classes', so not carried) and a store record.
    const c = await WorkerTrainer.create({ model: { checkpoint: weights, head: { numClasses: 3, seed: 9 } } });
    opened.push(c);
    assert.equal(c.numClasses, 3);
    assert.equal(c.classNames, null);
    const store = { save: async () => ({}), load: async () => ({ name: 'w', kind: 'checkpoint', checkpoint: ck, meta: { classNames: [...train.classNames] } }) };
    const d = await WorkerTrainer.load('w', { store, head: { numClasses: 5 } });
    opened.push(d);
    assert.equal(d.numClasses, 5);
    assert.equal(d.classNames, null);
    await rejectsWt(WorkerTrainer.create({ model: { checkpoint: weights, head: { numClasses: 1 } } }),
      'WT_ERR_ARG', /WorkerTrainer\.create: model\.head: withHead: numClasses must be an integer in \[2, 100000\], got 1/);
    await rejectsWt(WorkerTrainer.create({ model: { checkpoint: weights, head: 3 } }),
      'WT_ERR_ARG', /WorkerTrainer\.create: model\.head must be \{ numClasses, classNames\?, seed\? \}, got 3/);
  } finally {
    await Promise.all(opened.map((t) => t.terminate()));
  }
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

test("create({ simd }) picks the worker's module: 'scalar' and 'simd128' agree to float rounding, 'relaxed' names its build", { timeout: 90_000 }, async () => {
  const out = {};
  for (const simd of ['scalar', 'simd128', 'relaxed']) {
    const t = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER, simd });
    try {
      assert.equal(t.build, simd);
      assert.match(t.kernelName, simd === 'scalar' ? /__scalar$/ : simd === 'relaxed' ? /relaxed_madd$/ : /__wasmsimd$/);
      await t.fit(stripes(64, { seed: 4 }), { batchSize: 32 });
      out[simd] = (await t.predict({ data: held.images.subarray(0, 256), width: 16, height: 16 })).map((p) => p.probability);
    } finally {
      await t.terminate();
    }
  }
  // the same run on other kernels: float reassociation apart (the conv and softmax twins sum in
  // other orders), the same probabilities
  for (const k of ['scalar', 'relaxed']) out[k].forEach((p, i) => assert.ok(Math.abs(p - out.simd128[i]) < 1e-5, `${k}: ${p} vs ${out.simd128[i]}`));
  await rejectsWt(WorkerTrainer.create({ model: MODEL, simd: 'fast' }), 'WT_ERR_ARG', /simd must be one of 'auto', 'relaxed', 'simd128', 'scalar'/);
});
