// cache.test.mjs - fit's cacheFeatures (issue #24): the head trained on features computed once
// equals, bit for bit, the head trained on the images with the same seed, shuffles and batches
// (losses, accuracies, every parameter and BatchNorm statistic, validation), on the student CNN
// (head fc2) and on ResNet-8 (head fc, frozen BatchNorms in eval); 'auto' caches only when the
// conditions hold and true names the one that fails (augmentation, a batch trick, a trainable
// layer below the head, frozenBatchNorm 'train', distillation, nothing frozen); the progress
// records say cachedFeatures (and the CLI's progress line); a mid-run checkpoint resumes to the straight run; threads: 2 trains
// the head on the calling thread (a threads: 1 run's numbers, no workers); AbortSignal; a
// WorkerTrainer. The
// engine side: tests/native/test_groups.c test_cached_features.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '../../js/index.js';
import { quadrantImages, rejectsWt } from './helpers.mjs';
import { halvesFolder } from './idx.mjs';

const wt = await init();
const K = 4;
const data = wt.data.fromArrays(quadrantImages(40));
const validation = wt.data.fromArrays(quadrantImages(12, 7));

const student = () => wt.models.studentCNN({ inputShape: [3, 16, 16], numClasses: K, seed: 3 });
const resnet = () => wt.models.resnet({ depth: 8, inputShape: [3, 16, 16], numClasses: K, seed: 5 });
const HEADS = {
  student: { make: student, freeze: ['conv1', 'conv2', 'fc1'] },
  'ResNet-8': { make: resnet, freeze: ['conv1', 'bn1', 'layer1', 'layer2', 'layer3'] },
};

/** The model's parameters and BatchNorm running statistics, copied. */
function state(model) {
  const rt = model._rt;
  const buffers = rt.withStack((salloc) => {
    const n = salloc(8);
    const p = rt.exports.wt_wasm_model_buffers(model._ptr, n) >>> 0;
    return new Float32Array(rt.memory.buffer, p, new Float64Array(rt.memory.buffer, n, 1)[0]).slice();
  });
  return { params: model.getParams(), buffers };
}

const trainerOptions = (freeze, extra = {}) => ({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-3 },
  schedule: { name: 'cosine', tMax: 'auto', warmupSteps: 'auto' }, labelSmoothing: 0.1, seed: 11, freeze, ...extra });

/** A fit of 2 epochs (batches of 16: 16, 16, 8) with validation; its records and end state. */
async function run(head, cacheFeatures, { trainer = {}, fit = {} } = {}) {
  const model = head.make();
  try {
    const t = new wt.Trainer(model, trainerOptions(head.freeze, trainer));
    const records = [];
    const r = await t.fit(data, { epochs: 2, batchSize: 16, validation, cacheFeatures, prefetch: false,
      onProgress: (p) => records.push(p), ...fit });
    return { r, records, ...state(model), parallel: t._parallel };
  } finally {
    model.dispose();
  }
}

/** What must match between two runs: per step and epoch loss, accuracy, lr; validation. */
const numbers = (records) => records.map((p) => ({ type: p.type, epoch: p.epoch, step: p.step, loss: p.loss,
  accuracy: p.accuracy, batchLoss: p.batchLoss, lr: p.lr, validation: p.validation && { ...p.validation } }));

for (const [name, head] of Object.entries(HEADS)) {
  test(`${name}: the head on cached features equals the head on the images, bit for bit`, async () => {
    const plain = await run(head, false);
    const cached = await run(head, true);
    assert.deepEqual(numbers(cached.records), numbers(plain.records));
    assert.deepEqual(cached.params, plain.params, 'parameters');
    assert.deepEqual(cached.buffers, plain.buffers, 'BatchNorm statistics');
    assert.ok(plain.records.every((p) => p.cachedFeatures === false));
    assert.ok(cached.records.every((p) => p.cachedFeatures === true));
    assert.equal(cached.records.filter((p) => p.type === 'epoch').length, 2);
    assert.deepEqual(cached.r.cacheFeatures, { requested: true, used: true, reason: null });
    assert.deepEqual(plain.r.cacheFeatures, { requested: false, used: false, reason: null });
    // the run learned something (the comparison is not of two untouched models)
    const fresh = head.make();
    assert.notDeepEqual(cached.params, fresh.getParams());
    fresh.dispose();
    // 'auto' (the default) caches here
    const auto = await run(head, undefined);
    assert.deepEqual(auto.r.cacheFeatures, { requested: 'auto', used: true, reason: null });
    assert.deepEqual(auto.params, plain.params);
  });
}

// Each condition that stops caching: 'auto' trains on the images, true throws its message.
const REFUSALS = [
  ['per-image augmentation', { trainer: { augment: { hflip: true } } }, /per-image augmentation \(augment: hflip\)/],
  ['mixup', { trainer: { mixup: { alpha: 0.2 } } }, /batch trick: mixup, CutMix and RICAP mix the images/],
  ['a trainable layer below the head', { freeze: ['conv1'] }, /the conv2d conv2 trains below the head \(it reads \(32,16,16\) planes/],
  ["frozenBatchNorm 'train'", { resnet: true, trainer: { frozenBatchNorm: 'train' } },
    /the frozen batchnorm2d bn1 trains on batch statistics \(frozenBatchNorm 'train'\)/],
  ['distillation', { trainer: { teacher: true } }, /distillation: the teacher reads the images/],
  ['nothing frozen', { freeze: undefined }, /nothing below the lowest trainable layer \(layer 0, conv2d conv1\) is frozen/],
];
for (const [what, c, message] of REFUSALS) {
  test(`cacheFeatures: ${what} stops caching ('auto' trains on the images, true says why)`, async () => {
    const base = c.resnet ? HEADS['ResNet-8'] : HEADS.student;
    const head = { ...base, freeze: 'freeze' in c ? c.freeze : base.freeze };
    const teacher = c.trainer?.teacher ? student() : null;
    const trainer = { ...c.trainer, ...(teacher ? { teacher } : {}) };
    const auto = await run(head, 'auto', { trainer });
    assert.equal(auto.r.cacheFeatures.used, false);
    assert.match(auto.r.cacheFeatures.reason, message);
    assert.ok(auto.records.every((p) => p.cachedFeatures === false));
    const plain = await run(head, false, { trainer });
    assert.deepEqual(auto.params, plain.params, "'auto' without caching is the uncached run");
    await rejectsWt(run(head, true, { trainer }), 'WT_ERR_STATE', new RegExp(`^fit: cacheFeatures: true, but no cached features.*${message.source}`));
    teacher?.dispose();
  });
}

test('cacheFeatures: a bad value names the option', async () => {
  await rejectsWt(run(HEADS.student, 'yes'), 'WT_ERR_ARG', /fit: cacheFeatures must be true, false or 'auto', got string/);
});

test('cacheFeatures: a checkpoint taken mid-run resumes to the straight run; it is a checkpoint of the whole model', async () => {
  const head = HEADS['ResNet-8'];
  const straight = await run(head, true);
  let bytes = null;
  await run(head, true, { fit: { onStep: ({ epoch, step, checkpoint }) => { if (epoch === 1 && step === 2) bytes = checkpoint(); } } });
  assert.ok(bytes);
  // the rest of the run, cached and not: both equal the straight run
  for (const cacheFeatures of [true, false]) {
    const resumed = await run(head, cacheFeatures, { fit: { resume: bytes } });
    assert.deepEqual(resumed.params, straight.params, `resumed with cacheFeatures ${cacheFeatures}`);
    assert.deepEqual(resumed.buffers, straight.buffers);
    assert.deepEqual(numbers(resumed.records.filter((p) => p.type === 'epoch')),
      numbers(straight.records.filter((p) => p.type === 'epoch')));
  }
  // the checkpoint's model is the whole model: loading it gives the backbone too
  const ck = (await import('../../js/checkpoint.js')).decodeCheckpoint(bytes);
  const m = wt.models.load(ck.model);
  const r8 = resnet();
  assert.equal(m.paramCount, r8.paramCount);
  m.dispose();
  r8.dispose();
});

test('cacheFeatures with threads: 2: the head trains on the calling thread (the threads: 1 numbers, no workers)', async () => {
  const head = HEADS.student;
  const one = await run(head, true);
  const two = await run(head, true, { trainer: { threads: 2 } });
  assert.equal(two.parallel, null, 'no worker group started');
  assert.deepEqual(two.params, one.params);
  assert.deepEqual(numbers(two.records), numbers(one.records));
});

test('cacheFeatures: an AbortSignal stops the run after the current step', async () => {
  const ac = new AbortController();
  let steps = 0;
  await assert.rejects(run(HEADS.student, true, { fit: { signal: ac.signal, onProgress: (p) => { if (p.type === 'step' && ++steps === 2) ac.abort(); } } }),
    (e) => e.name === 'AbortError');
  assert.equal(steps, 2);
});

test('CLI: --cache-features (auto, on, off): the progress line and the summary say it; on names what fails', () => {
  const CLI = fileURLToPath(new URL('../../bin/wasmtricks.js', import.meta.url));
  const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.match(cli('--help').stdout, /--cache-features MODE/);
  const dir = mkdtempSync(join(tmpdir(), 'wt-cache-'));
  try {
    halvesFolder(dir);
    const args = ['train', '--data', dir, '--epochs', '1', '--batch-size', '16'];
    const on = cli(...args, '--freeze', 'conv1,conv2,fc1');
    assert.equal(on.status, 0, on.stderr);
    assert.match(on.stdout, /epoch 1\/1 100% step 2\/2 .*\| cached features\n/);
    assert.match(on.stdout, /\ncached features: on \(the head trained on features computed once per image\)\n/);
    const off = cli(...args, '--freeze', 'conv1,conv2,fc1', '--cache-features', 'off');
    assert.equal(off.status, 0, off.stderr);
    assert.doesNotMatch(off.stdout, /\| cached features/);
    assert.match(off.stdout, /\ncached features: off\n/);
    const why = cli(...args, '--freeze', 'conv1');
    assert.match(why.stdout, /\ncached features: off \(no cached features: the conv2d conv2 trains below the head/);
    assert.doesNotMatch(cli(...args).stdout, /cached features/, 'a run without freeze says nothing of it');
    const bad = cli(...args, '--cache-features', 'on');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cacheFeatures: true, but no cached features: nothing below the lowest trainable layer/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WorkerTrainer: cacheFeatures in a worker_thread (the result and the progress records say it)', { timeout: 120_000 }, async () => {
  const { WorkerTrainer } = await import('../../js/worker.js');
  const w = await WorkerTrainer.create({ model: { name: 'student', inputShape: [3, 16, 16], numClasses: K, seed: 3 },
    trainer: { optimizer: { name: 'sgd', lr: 0.05 }, freeze: HEADS.student.freeze } });
  try {
    const seen = [];
    const r = await w.fit(quadrantImages(32), { epochs: 1, batchSize: 8, cacheFeatures: true, onProgress: (p) => seen.push(p.cachedFeatures) });
    assert.deepEqual(r.cacheFeatures, { requested: true, used: true, reason: null });
    assert.ok(seen.length === 5 && seen.every((v) => v === true), String(seen));
  } finally {
    await w.terminate();
  }
});
