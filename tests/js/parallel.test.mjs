// parallel.test.mjs - data-parallel training over worker_threads (Trainer option `threads`,
// js/parallel.js): without BatchNorm the student CNN follows one-thread training up to float
// reassociation (5 steps: weights within 1e-5 relative, every loss within 1e-5), with batch
// tricks, clipping and distillation, through stepAsync, fit and WorkerTrainer, over shared
// and transferred buffers; BatchNorm's running statistics are the shard-weighted mean of the
// replicas'; bad options and inputs throw clear errors and the trainer goes on; a dead worker
// is reported and replaced; dispose ends the threads.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init, WasmTricksError } from '../../js/index.js';
import { parseThreads, shard, hardwareThreads } from '../../js/parallel.js';
import { WorkerTrainer } from '../../js/worker.js';
import { stripes } from '../browser/stripes.mjs';
import { idx } from './idx.mjs';
import { quadrants, rejectsWt } from './helpers.mjs';

const wt = await init();
const SHAPE = [1, 8, 8];
const K = 4;

/** ||a - b|| / ||b||. */
function relL2(a, b) {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  return Math.sqrt(d / s);
}

const near = (a, b, rel, what) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b) + 1e-7, `${what}: ${a} vs ${b}`);

/** Five steps of a 1-thread and a `threads`-thread trainer on the same batches; compares. */
async function compare(options, { threads = 2, N = 16, teacherSeed = 0, mode } = {}) {
  const student = (seed) => wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed });
  const a = student(3);
  const b = student(3);
  const teachers = teacherSeed ? [student(teacherSeed), student(teacherSeed)] : [null, null];
  const extra = (i) => (teachers[i] ? { teacher: teachers[i], distillation: { temperature: 3, weight: 0.5 } } : {});
  const t1 = new wt.Trainer(a, { ...options, ...extra(0) });
  const t2 = new wt.Trainer(b, { ...options, ...extra(1), threads });
  if (mode) t2._threads = Object.freeze({ ...t2._threads, mode });
  const losses = [];
  try {
    for (let s = 0; s < 5; s++) {
      const { x, y } = quadrants(N, 10 + s);
      const r1 = t1.step(x, y);
      const r2 = await t2.stepAsync(x, y);
      near(r2.loss, r1.loss, 1e-5, `step ${s + 1} loss`);
      near(r2.accuracy, r1.accuracy, 1e-5, `step ${s + 1} accuracy`);
      losses.push([r1.loss, r2.loss]);
    }
    assert.equal(t2.steps, 5);
    const rel = relL2(b.getParams(), a.getParams());
    assert.ok(rel <= 1e-5, `weights ${rel} relative from one thread`);
    const init0 = student(3);
    assert.ok(relL2(init0.getParams(), a.getParams()) > 1e-3, 'the weights moved');
    init0.dispose();
    return { rel, losses };
  } finally {
    for (const m of [a, b, ...teachers]) m?.dispose();
  }
}

test('threads: 2 follows one thread (student CNN, SGD momentum): weights and losses within 1e-5', async () => {
  const r = await compare({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 } });
  console.log(`threads 2 vs 1, 5 steps: weights ${r.rel.toExponential(2)} relative; losses ${r.losses.map(([p, q]) => `${p.toFixed(6)}/${q.toFixed(6)}`).join(' ')}`);
});

test('threads: batch tricks (mixup + CutMix), label smoothing, clipping, Nesterov; 3 threads, odd batch', async () => {
  const opts = { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }, labelSmoothing: 0.1,
    mixup: { alpha: 0.4 }, cutmix: { alpha: 1, prob: 1 }, gradClipNorm: 0.5 };
  await compare(opts, { threads: 3, N: 13 });
  await compare({ optimizer: { name: 'adam', lr: 1e-3 }, ricap: { beta: 0.3 } }, { threads: 2, N: 9 });
});

test('threads: distillation (the teacher replicated in the worker)', async () => {
  await compare({ optimizer: { name: 'sgd', lr: 0.05 } }, { teacherSeed: 7 });
});

test('threads: transferable buffers (no SharedArrayBuffer) give the same numbers', async () => {
  const r = await compare({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, mixup: { alpha: 0.4 } }, { mode: 'transfer' });
  assert.ok(r.rel <= 1e-5);
});

test('threads: a batch smaller than the threads trains on the calling thread alone', async () => {
  await compare({ optimizer: { name: 'sgd', lr: 0.05 } }, { threads: 3, N: 2 });
});

test('fit with threads: 2 equals fit with one thread (history and weights)', async () => {
  const data = wt.data.fromArrays(stripes(96, { side: 8, seed: 4 }));
  const run = async (threads) => {
    const m = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 5 });
    const t = new wt.Trainer(m, { preset: 'bag-of-tricks', augment: { randomCrop: 1 }, threads });
    const { history } = await t.fit(data, { epochs: 2, batchSize: 24 });
    const out = { history, params: m.getParams(), describe: t.describe() };
    m.dispose();
    return out;
  };
  const one = await run(1);
  const two = await run(2);
  assert.deepEqual(one.describe.threads, { requested: 1, used: 1, mode: 'off', note: null });
  assert.deepEqual(two.describe.threads, { requested: 2, used: 2, mode: 'shared', note: null });
  for (let e = 0; e < 2; e++) {
    near(two.history[e].loss, one.history[e].loss, 1e-5, `epoch ${e + 1} loss`);
    near(two.history[e].accuracy, one.history[e].accuracy, 1e-5, `epoch ${e + 1} accuracy`);
  }
  assert.ok(relL2(two.params, one.params) <= 1e-5, `weights ${relL2(two.params, one.params)}`);
});

test('BatchNorm (ResNet-8): per-shard statistics; running statistics = shard-weighted mean of the replicas', async () => {
  const make = () => wt.models.resnet({ depth: 8, inputShape: [3, 8, 8], numClasses: K, seed: 2 });
  const buffers = (m) => {
    const rt = m._rt;
    return rt.withStack((salloc) => {
      const n = salloc(8);
      const p = rt.exports.wt_wasm_model_buffers(m._ptr, n) >>> 0;
      const count = new Float64Array(rt.memory.buffer, n, 1)[0];
      return rt.f32.slice(p >> 2, (p >> 2) + count);
    });
  };
  const N = 7;
  const x = new Float32Array(N * 3 * 64).map((_, i) => Math.sin(0.31 * i) + (i % 5) * 0.1);
  const y = Int32Array.from({ length: N }, (_, i) => i % K);
  const m = make();
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 }, threads: 2 });
  const before = buffers(m);
  const r = await t.stepAsync(x, y);
  assert.ok(Number.isFinite(r.loss) && r.loss > 0);
  // What each replica's forward does to the running statistics, on its own shard.
  const expect = new Float64Array(before.length);
  for (const [lo, hi] of [shard(N, 2, 0), shard(N, 2, 1)]) {
    const s = make();
    s.forward(x.subarray(lo * 192, hi * 192)); // training mode: batch statistics, running ones updated
    const b = buffers(s);
    for (let j = 0; j < b.length; j++) expect[j] += b[j] * ((hi - lo) / N);
    s.dispose();
  }
  const after = buffers(m);
  let worst = 0;
  for (let j = 0; j < after.length; j++) worst = Math.max(worst, Math.abs(after[j] - expect[j]) / (Math.abs(expect[j]) + 1e-6));
  assert.ok(worst < 1e-5, `running statistics ${worst} relative from the shard-weighted mean`);
  // One-thread training differs (statistics of 7 vs 4 + 3 samples) but only a little after one step.
  const o = make();
  const t1 = new wt.Trainer(o, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
  const r1 = t1.step(x, y);
  assert.notEqual(r.loss, r1.loss);
  const rel = relL2(m.getParams(), o.getParams());
  assert.ok(rel > 0 && rel < 1e-2, `ResNet-8 after one step: ${rel} relative from one thread`);
  console.log(`ResNet-8, 2 threads (shards 4 + 3) vs 1 after one step: weights ${rel.toExponential(2)} relative, loss ${r.loss.toFixed(6)} vs ${r1.loss.toFixed(6)}; running statistics ${worst.toExponential(2)} from the shard-weighted mean`);
  // It trains on: loss falls over steps.
  let last = r.loss;
  for (let s = 0; s < 12; s++) last = (await t.stepAsync(x, y)).loss;
  assert.ok(last < r.loss, `loss ${r.loss} -> ${last}`);
  m.dispose();
  o.dispose();
});

test('threads option: values, auto, the describe() record, errors naming the option', () => {
  assert.equal(hardwareThreads() >= 1, true);
  assert.deepEqual(parseThreads(undefined), { requested: 1, used: 1, mode: 'off', note: null });
  assert.equal(parseThreads('auto').used, hardwareThreads());
  assert.deepEqual(parseThreads(parseThreads(3)), parseThreads(3));
  // Hosts without Worker or SharedArrayBuffer (browsers; a page without COOP/COEP).
  assert.deepEqual(parseThreads(2, { workers: false }), { requested: 2, used: 1, mode: 'off',
    note: 'threads: 2 asked for 2 threads, but this environment has no Worker: training on 1 thread' });
  assert.equal(parseThreads('auto', { workers: false, cores: 8 }).note,
    "threads: auto asked for 8 threads, but this environment has no Worker: training on 1 thread");
  assert.deepEqual(parseThreads('auto', { shared: false, cores: 4 }), { requested: 'auto', used: 4, mode: 'transfer',
    note: 'no SharedArrayBuffer (the page is not cross-origin isolated): buffers are transferred each step' });
  assert.deepEqual(parseThreads('auto', { cores: 1 }), { requested: 'auto', used: 1, mode: 'off', note: null });
  assert.deepEqual(shard(7, 2, 0), [0, 4]);
  assert.deepEqual(shard(7, 2, 1), [4, 7]);
  assert.deepEqual(shard(1, 3, 2), [1, 1]);
  const m = wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 1 });
  for (const bad of [0, -1, 1.5, 65, 'two', true, NaN]) {
    assert.throws(() => new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.1 }, threads: bad }), (e) => {
      assert.ok(e instanceof WasmTricksError);
      assert.equal(e.code, 'WT_ERR_ARG');
      assert.match(e.message, /Trainer: threads must be an integer in \[1, 64\] or 'auto'/);
      return true;
    });
  }
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.1 }, threads: 'auto' });
  assert.equal(t.threads, hardwareThreads());
  assert.deepEqual(t.describe().threads, { requested: 'auto', used: hardwareThreads(), mode: hardwareThreads() > 1 ? 'shared' : 'off', note: null });
  const again = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.1 }, threads: t.describe().threads });
  assert.equal(again.threads, t.threads);
  m.dispose();
});

test('threads: bad input rejects with the message and the trainer steps on; divergence names the step', async () => {
  const m = wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 1 });
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.05 }, threads: 2 });
  const { x, y } = quadrants(8, 1);
  await rejectsWt(t.stepAsync(x.subarray(0, 100), y), 'WT_ERR_SHAPE', /stepAsync: images has length 100/);
  await rejectsWt(t.stepAsync(x, [0, 1, 2, 3, 0, 1, 2, 9]), 'WT_ERR_ARG', /labels\[7\] = 9 is out of range \[0, 4\)/);
  const bad = x.slice();
  bad[300] = NaN;
  await rejectsWt(t.stepAsync(bad, y), 'WT_ERR_NONFINITE', /NaN/);
  assert.equal(t.steps, 0);
  const good = await t.stepAsync(x, y);
  assert.ok(Number.isFinite(good.loss));
  // Overlapping steps are refused (the exchange buffers hold one step).
  const p = t.stepAsync(x, y);
  await rejectsWt(t.stepAsync(x, y), 'WT_ERR_STATE', /previous step has not finished/);
  await p;
  // Only the worker's shard (samples 4..7) diverges: conv1's weights at 3e38 overflow on its
  // pixels of 1, not on the calling thread's zeros; the error names the run's step.
  const params = m.getParams();
  m.setParams(params.map((v, i) => (i < 32 * 9 ? 3e38 : v)));
  const split = new Float32Array(8 * 64).fill(1, 4 * 64);
  await rejectsWt(t.stepAsync(split, y), 'WT_ERR_NONFINITE', /is (NaN|[+-]Inf) at step 3 \(diverged/);
  assert.equal(t.steps, 2);
  m.setParams(params);
  assert.ok(Number.isFinite((await t.stepAsync(x, y)).loss));
  assert.equal(t.steps, 3);
  m.dispose();
});

test('threads: a worker that dies mid-step is reported; the next step starts new workers', async () => {
  const m = wt.models.studentCNN({ inputShape: [1, 28, 28], numClasses: K, seed: 1 });
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.05 }, threads: 2 });
  const x = new Float32Array(32 * 784).map((_, i) => Math.sin(0.1 * i));
  const y = Int32Array.from({ length: 32 }, (_, i) => i % K);
  await t.stepAsync(x, y);
  const group = t._parallel;
  const p = t.stepAsync(x, y);
  group.helpers[0].worker.terminate();
  await rejectsWt(p, 'WT_ERR_STATE', /Trainer \(threads\): worker thread 1 stopped/);
  assert.equal(t.steps, 1);
  await t.stepAsync(x, y);
  assert.notEqual(t._parallel, group);
  assert.equal(t.steps, 2);
  // Between steps: replaced without an error.
  await t._parallel.helpers[0].worker.terminate();
  await t.stepAsync(x, y);
  assert.equal(t.steps, 3);
  t.dispose();
  assert.equal(t._parallel, null);
  m.dispose();
});

test('WorkerTrainer passes threads through: a worker_thread training on two threads', { timeout: 120_000 }, async () => {
  const train = stripes(64, { side: 8, seed: 1 });
  const MODEL = { name: 'student', inputShape: [1, 8, 8], numClasses: 4, seed: 3 };
  const TRAINER = { optimizer: { name: 'sgd', lr: 0.02, momentum: 0.9 } };
  const w = await WorkerTrainer.create({ model: MODEL, trainer: { ...TRAINER, threads: 2 } });
  try {
    const r = await w.fit(train, { epochs: 1, batchSize: 16 });
    assert.equal(r.steps, 4);
    const m = wt.models.studentCNN(MODEL);
    const t = new wt.Trainer(m, TRAINER);
    await t.fit(wt.data.fromArrays(train), { epochs: 1, batchSize: 16 });
    const other = wt.models.load(await w.exportWeights());
    const rel = relL2(other.getParams(), m.getParams());
    assert.ok(rel <= 1e-5, `${rel}`);
    m.dispose();
    other.dispose();
  } finally {
    await w.terminate();
  }
});

test('CLI --threads: 2 threads train the numbers of one; bad values exit 2 with one line', { timeout: 120_000 }, async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const CLI = new URL('../../bin/wasmtricks.js', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'wt-threads-'));
  try {
    for (const [prefix, n, seed] of [['train', 64, 1], ['t10k', 32, 2]]) {
      const s = stripes(n, { side: 8, seed });
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 8, 8], s.images));
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], Uint8Array.from(s.labels)));
    }
    const run = (...args) => spawnSync(process.execPath, [CLI, 'train', '--data', dir, '--epochs', '1', '--batch-size', '16',
      '--mixup', '0.4', '--seed', '3', ...args], { encoding: 'utf8' });
    const one = run();
    const two = run('--threads', '2');
    assert.equal(one.status, 0, one.stderr);
    assert.equal(two.status, 0, two.stderr);
    assert.match(two.stdout, /; 2 threads\n/);
    assert.doesNotMatch(one.stdout, /; \d+ threads/);
    const final = (out) => out.match(/step 4\/4 \| loss ([\d.]+) \| acc ([\d.]+)%/).slice(1).map(Number);
    const [l1, a1] = final(one.stdout);
    const [l2, a2] = final(two.stdout);
    near(l2, l1, 1e-3, 'final running loss (printed to 4 decimals)');
    near(a2, a1, 1e-3, 'final running accuracy');
    assert.equal(two.stdout.match(/test accuracy: .*/)[0], one.stdout.match(/test accuracy: .*/)[0]);
    for (const v of ['0', 'x', '1.5', '65']) {
      const r = run('--threads', v);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /option --threads must be an integer in \[1, 64\] or 'auto'/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('threads: a checkpoint of a 1-thread run resumes on 2 threads to the uninterrupted weights', async () => {
  const data = wt.data.fromArrays(stripes(64, { side: 8, seed: 6 }));
  const opts = { optimizer: { name: 'sgd', lr: 0.03, momentum: 0.9 }, schedule: { name: 'cosine', tMax: 8 }, mixup: { alpha: 0.3 } };
  const make = () => wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 8 });
  const full = make();
  await new wt.Trainer(full, opts).fit(data, { epochs: 2, batchSize: 16 });
  const first = make();
  const t1 = new wt.Trainer(first, opts);
  await t1.fit(data, { epochs: 1, batchSize: 16 });
  const bytes = t1.checkpoint({ epoch: 1, epochs: 2, batchSize: 16 });
  const second = make();
  const t2 = new wt.Trainer(second, { ...opts, threads: 2 });
  const { history } = await t2.fit(data, { epochs: 2, batchSize: 16, resume: bytes });
  assert.equal(history.length, 1);
  const rel = relL2(second.getParams(), full.getParams());
  assert.ok(rel <= 1e-5, `resumed on 2 threads: ${rel} relative`);
  for (const m of [full, first, second]) m.dispose();
});

test('threads: steps allocate nothing after the first (wasm memory and live allocations flat)', async () => {
  const m = wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 1 });
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.02, momentum: 0.9 }, cutmix: { alpha: 1, prob: 0.5 }, threads: 2 });
  const { x, y } = quadrants(16, 3);
  await t.stepAsync(x, y);
  const before = wt.stats();
  for (let s = 0; s < 40; s++) await t.stepAsync(x, y);
  const after = wt.stats();
  assert.equal(after.wasmMemoryBytes, before.wasmMemoryBytes);
  assert.equal(after.liveAllocations, before.liveAllocations);
  assert.equal(after.liveBytes, before.liveBytes);
  m.dispose();
});
