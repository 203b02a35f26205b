// prefetch.test.mjs - fit's prefetch (js/prefetch.js, prefetch-worker.js) and the counter-based
// data stream it rests on (js/loader.js): prefetch on trains bitwise like off (weights and
// BatchNorm buffers after 2 epochs of pad-crop + flip + AutoAugment + Cutout + mixup), the
// worker's batches equal the calling thread's in both slot modes (shared and transferred),
// across epoch ends and out-of-order requests; a mid-epoch checkpoint resumed with prefetch on
// equals the uninterrupted run; errors and a dying worker reject fit with a WasmTricksError;
// no loader worker outlives its fit (done, aborted, failed), and a process that never disposes
// anything still exits; the 'auto' rule and the option's errors; WorkerTrainer (nested worker);
// the CLI's --prefetch.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, WasmTricksError } from '../../js/index.js';
import { WorkerTrainer } from '../../js/worker.js';
import { Loader, buildSteps, parseAugment, dataStreamSeed } from '../../js/loader.js';
import { Prefetcher, parsePrefetch, liveLoaderWorkers, testing } from '../../js/prefetch.js';
import { Runtime } from '../../js/runtime.js';
import { idx } from './idx.mjs';
import { fnv32, quadrantImages, rejectsWt } from './helpers.mjs';

const wt = await init();

const DATA = wt.data.fromArrays(quadrantImages(80));
const TRICKS = { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }, mixup: { alpha: 0.4 },
  augment: { randomCrop: { padding: 2 }, hflip: true, autoAugment: 'cifar10', cutout: 4 } };
const FIT = { epochs: 2, batchSize: 16 };

function makeRun(api = wt, seed = 5) {
  const model = api.models.resnet({ depth: 8, inputShape: [3, 16, 16], numClasses: 4, seed });
  const trainer = new api.Trainer(model, TRICKS);
  return { model, trainer, dispose() { trainer.dispose(); model.dispose(); } };
}

test('prefetch on trains bitwise like prefetch off (crop, flip, AutoAugment, Cutout, mixup; 2 epochs)', { timeout: 120_000 }, async () => {
  const liveBefore = wt.stats().liveAllocations;
  const hashes = {};
  const results = {};
  for (const prefetch of [false, true]) {
    const run = makeRun();
    const r = await run.trainer.fit(DATA, { ...FIT, prefetch });
    results[prefetch] = r;
    hashes[prefetch] = fnv32(run.model.save());
    assert.equal(run.trainer.steps, 10);
    run.dispose();
  }
  assert.deepEqual(results.false.prefetch, { requested: false, used: false, mode: 'off', note: null });
  assert.deepEqual(results.true.prefetch, { requested: true, used: true, mode: 'shared', note: null });
  assert.equal(hashes.true, hashes.false, 'weights and BatchNorm buffers after 2 epochs');
  assert.deepEqual(results.true.history.map((h) => h.loss), results.false.history.map((h) => h.loss));
  // Another seed trains other numbers (the hash can tell runs apart).
  const other = makeRun(wt, 6);
  await other.trainer.fit(DATA, { ...FIT, prefetch: true });
  assert.notEqual(fnv32(other.model.save()), hashes.true);
  other.dispose();
  assert.equal(liveLoaderWorkers(), 0);
  assert.equal(wt.stats().liveAllocations, liveBefore, 'the loader\'s context and buffers are freed');
  console.log(`resnet8 3x16x16, 2 epochs with crop/flip/AutoAugment/Cutout/mixup: prefetch off ${hashes.false}, on ${hashes.true}`);
});

test('the worker makes the calling thread\'s batches, bit for bit, with shared and with transferred slots', { timeout: 60_000 }, async () => {
  const augment = parseAugment(TRICKS.augment);
  const steps = buildSteps(augment, { dataShape: DATA.shape, inputShape: [3, 16, 16], mean: DATA.mean, std: DATA.std, train: true });
  const seed = 123456789;
  const opts = { batchSize: 16, shuffle: true, steps };
  const rt = await Runtime.load(); // an instance of its own: the bits do not depend on it
  const here = new Loader(rt, null, DATA, opts);
  const want = (epoch, b) => {
    here.startEpoch({ seed, epoch });
    const { x, labels } = here.batch(b);
    return { x: x.slice(), labels: labels.slice() };
  };
  // Epochs differ in order and draws; batches differ from each other.
  assert.notDeepEqual(want(0, 0).labels, want(1, 0).labels);
  assert.notDeepEqual(want(0, 1).x, want(0, 2).x);
  assert.notEqual(dataStreamSeed(seed, 0, 1), dataStreamSeed(seed, 0, 2));
  for (const mode of ['shared', 'transfer']) {
    const meta = new Loader(rt, null, DATA, opts);
    const p = await Prefetcher.start(rt, meta, { seed, epochs: 3, mode });
    try {
      assert.equal(liveLoaderWorkers(), 1);
      // In order across an epoch end, then out of order (a request the caller did not want).
      for (const [e, b] of [[0, 3], [0, 4], [1, 0], [1, 1], [2, 2], [0, 0], [2, 4]]) {
        const got = await p.batch(e, b);
        const w = want(e, b);
        assert.equal(got.n, w.labels.length);
        assert.deepEqual(got.labels, w.labels, `${mode}: labels of epoch ${e} batch ${b}`);
        assert.deepEqual(new Uint8Array(got.x.buffer, got.x.byteOffset, got.x.byteLength).slice(),
          new Uint8Array(w.x.buffer), `${mode}: pixels of epoch ${e} batch ${b}`);
      }
    } finally {
      p.dispose();
      meta.dispose();
    }
    assert.equal(liveLoaderWorkers(), 0);
  }
  here.dispose();
});

test('a mid-epoch checkpoint resumed with prefetch on equals the uninterrupted run', { timeout: 120_000 }, async () => {
  const full = makeRun();
  await full.trainer.fit(DATA, { ...FIT, prefetch: true });
  const want = fnv32(full.model.save());
  full.dispose();

  // Stop in epoch 2 after its 2nd step, keeping that step's checkpoint.
  const a = makeRun();
  const ac = new AbortController();
  let bytes = null;
  await assert.rejects(a.trainer.fit(DATA, { ...FIT, prefetch: true, signal: ac.signal, onStep: (s) => {
    if (s.epoch === 2 && s.step === 2) {
      bytes = s.checkpoint();
      ac.abort();
    }
  } }), (e) => e.name === 'AbortError');
  a.dispose();
  assert.ok(bytes);
  for (const prefetch of [true, false]) {
    const b = makeRun(wt, 77); // other weights: the checkpoint replaces them
    const r = await b.trainer.fit(DATA, { ...FIT, prefetch, resume: bytes });
    assert.deepEqual(r.history.map((h) => h.epoch), [2]);
    assert.equal(b.trainer.steps, 10);
    assert.equal(fnv32(b.model.save()), want, `resumed with prefetch ${prefetch}`);
    b.dispose();
  }
  assert.equal(liveLoaderWorkers(), 0);
});

test('errors: a failing or dying loader worker rejects fit with a WasmTricksError; the trainer stays usable', { timeout: 120_000 }, async () => {
  const run = makeRun();
  try {
    testing.failAt = { epoch: 1, batch: 2 };
    const seen = [];
    await rejectsWt(run.trainer.fit(DATA, { ...FIT, prefetch: true, onProgress: (p) => p.type === 'step' && seen.push(p.step) }),
      'WT_ERR_STATE', /^fit \(prefetch\): loader worker: injected failure at epoch 1, batch 2/);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 1, 2], 'the steps before the failing batch ran');
    assert.equal(liveLoaderWorkers(), 0);
    testing.failAt = { epoch: 0, batch: 3, exit: true };
    await rejectsWt(run.trainer.fit(DATA, { ...FIT, prefetch: true }), 'WT_ERR_STATE',
      /^fit \(prefetch\): the loader worker stopped: it exited \(code 3\)/);
    assert.equal(liveLoaderWorkers(), 0);
  } finally {
    testing.failAt = null;
  }
  const r = await run.trainer.fit(DATA, { epochs: 1, batchSize: 16, prefetch: true });
  assert.ok(Number.isFinite(r.history[0].loss));
  run.dispose();
});

test('no loader worker outlives its fit: done, aborted, a throwing callback, a diverging step', { timeout: 120_000 }, async () => {
  const run = makeRun();
  await run.trainer.fit(DATA, { epochs: 1, batchSize: 16, prefetch: true });
  assert.equal(liveLoaderWorkers(), 0, 'after a fit that ended');
  const ac = new AbortController();
  await assert.rejects(run.trainer.fit(DATA, { ...FIT, prefetch: true, signal: ac.signal,
    onProgress: (p) => { if (p.step === 2) ac.abort(); } }), (e) => e.name === 'AbortError');
  assert.equal(liveLoaderWorkers(), 0, 'after an abort');
  await assert.rejects(run.trainer.fit(DATA, { ...FIT, prefetch: true,
    onProgress: (p) => { if (p.step === 3) throw new Error('callback failed'); } }), /callback failed/);
  assert.equal(liveLoaderWorkers(), 0, 'after a throwing callback');
  run.trainer.setLearningRate(1e30);
  await rejectsWt(run.trainer.fit(DATA, { ...FIT, prefetch: true }), 'WT_ERR_NONFINITE', /^fit: epoch 1, batch \d\/5: /);
  assert.equal(liveLoaderWorkers(), 0, 'after a diverged step');
  run.dispose();

  // A process that aborts one fit, finishes another and leaves a third parked in its onStep
  // forever, disposing nothing, exits by itself (an idle loader worker holds no reference).
  const child = `
    import { init } from ${JSON.stringify(new URL('../../js/index.js', import.meta.url).href)};
    const wt = await init();
    const data = wt.data.fromArrays({ images: new Uint8Array(64 * 3 * 64).map((_, i) => (i * 7) % 251), labels: Int32Array.from({ length: 64 }, (_, i) => i % 4), shape: [3, 8, 8], numClasses: 4 });
    const t = new wt.Trainer(wt.models.studentCNN({ inputShape: [3, 8, 8], numClasses: 4, seed: 1 }), { optimizer: { name: 'sgd', lr: 0.01 }, augment: { hflip: true } });
    const ac = new AbortController();
    const e = await t.fit(data, { epochs: 3, batchSize: 8, prefetch: true, signal: ac.signal, onStep: (s) => { if (s.step === 2) ac.abort(); } }).catch((e) => e);
    const r = await t.fit(data, { epochs: 1, batchSize: 8, prefetch: true });
    console.log(e.name, r.prefetch.used);
    t.fit(data, { epochs: 1, batchSize: 8, prefetch: true, onStep: (s) => { if (s.step === 2) { console.log('parked'); return new Promise(() => {}); } } });
  `;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', child], { timeout: 60_000, encoding: 'utf8' });
  assert.equal(res.signal, null, `the child did not exit by itself (killed by ${res.signal}): ${res.stderr}`);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), 'AbortError true\nparked');
});

test('the prefetch option: the \'auto\' rule, notes, and bad values', async () => {
  assert.deepEqual(parsePrefetch(undefined, 1, { workers: true, shared: true, cores: 2 }),
    { requested: 'auto', used: true, mode: 'shared', note: null });
  assert.deepEqual(parsePrefetch('auto', 2, { workers: true, shared: true, cores: 2 }),
    { requested: 'auto', used: false, mode: 'off', note: "prefetch: 'auto': off, the trainer's 2 thread(s) use every core this host reports (2)" });
  assert.deepEqual(parsePrefetch(true, 2, { workers: true, shared: false, cores: 2 }),
    { requested: true, used: true, mode: 'transfer', note: 'no SharedArrayBuffer (the page is not cross-origin isolated): batches are transferred' });
  assert.deepEqual(parsePrefetch('auto', 1, { workers: false, shared: false, cores: 8 }),
    { requested: 'auto', used: false, mode: 'off', note: "prefetch: 'auto', but this environment has no Worker: the loader runs on the training thread" });
  assert.equal(parsePrefetch(false, 1, { workers: true, cores: 8 }).used, false);
  const run = makeRun();
  for (const bad of ['on', 1, null]) {
    await rejectsWt(run.trainer.fit(DATA, { epochs: 1, batchSize: 16, prefetch: bad }), 'WT_ERR_ARG', /^fit: prefetch must be true, false or 'auto', got /);
  }
  assert.equal(run.trainer.steps, 0);
  // The default on this host: more cores than the trainer's one thread -> on.
  const r = await run.trainer.fit(DATA, { epochs: 1, batchSize: 16, onProgress: (p) => assert.equal(p.prefetch.requested, 'auto') });
  assert.equal(r.prefetch.used, parsePrefetch('auto', 1).used);
  run.dispose();
});

test('WorkerTrainer: fit in a worker prefetches from a nested loader worker, with the in-thread numbers', { timeout: 120_000 }, async () => {
  const MODEL = { name: 'resnet8', inputShape: [3, 16, 16], numClasses: 4, seed: 5 };
  const w = await WorkerTrainer.create({ model: MODEL, trainer: TRICKS });
  try {
    const records = [];
    const r = await w.fit(quadrantImages(80), { ...FIT, prefetch: true, onProgress: (p) => records.push(p) });
    assert.deepEqual(r.prefetch, { requested: true, used: true, mode: 'shared', note: null });
    assert.ok(records.every((p) => p.prefetch.used));
    const here = makeRun();
    await here.trainer.fit(DATA, { ...FIT, prefetch: false });
    const back = wt.models.load(await w.exportWeights());
    assert.deepEqual(back.getParams(), here.model.getParams());
    back.dispose();
    here.dispose();
  } finally {
    await w.terminate();
  }
});

test('CLI --prefetch on|off|auto: the same run either way; a bad value exits 2 with one line', { timeout: 120_000 }, () => {
  const CLI = new URL('../../bin/wasmtricks.js', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'wt-prefetch-'));
  try {
    // IDX files (Fashion-MNIST's format) of the quadrant images' first channel.
    for (const [prefix, n, seed] of [['train', 64, 1], ['t10k', 32, 2]]) {
      const q = quadrantImages(n, seed);
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 16, 16], q.images.filter((_, i) => i % 3 === 0)));
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], Uint8Array.from(q.labels)));
    }
    const run = (...args) => spawnSync(process.execPath, [CLI, 'train', '--data', dir, '--epochs', '2', '--batch-size', '16',
      '--random-crop', '2', '--hflip', '--cutout', '4', '--mixup', '0.4', '--seed', '3', ...args], { encoding: 'utf8' });
    const off = run('--prefetch', 'off');
    const on = run('--prefetch', 'on');
    for (const r of [off, on]) assert.equal(r.status, 0, r.stderr);
    assert.match(off.stdout, /; prefetch off\n/);
    assert.match(on.stdout, /; prefetch on\n/);
    const numbers = (out) => out.split('\n').filter((l) => /step 4\/4|test accuracy/.test(l)).map((l) => l.replace(/\d+ img\/s.*/, ''));
    assert.equal(numbers(on.stdout).length, 3);
    assert.deepEqual(numbers(on.stdout), numbers(off.stdout));
    const bad = run('--prefetch', 'yes');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /option --prefetch must be one of on, off, auto, got 'yes'/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
