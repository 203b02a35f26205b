// fit.test.mjs - Trainer.fit / evaluate / predict over small generated data sets: progress
// records, cancellation by AbortSignal, presets and augmentation options, checkpoints (resume
// equals an uninterrupted run bit for bit; a process killed mid-write never replaces the last
// good checkpoint; corrupt checkpoints are named).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { init } from '../../js/index.js';
import { writeFileAtomic } from '../../js/checkpoint.js';

const wt = await init();
const tmp = mkdtempSync(join(tmpdir(), 'wt-fit-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Two easy classes of 8x8 grey images: a bright left half or a bright right half, plus noise. */
function toy(n, seed = 1, C = 1) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
  const images = new Uint8Array(n * C * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          const on = (x < 4) === (labels[i] === 0);
          images[((i * C + c) * 8 + y) * 8 + x] = Math.min(255, (on ? 180 : 40) + Math.floor(rnd() * 60));
        }
      }
    }
  }
  return wt.data.fromArrays({ images, labels, shape: [C, 8, 8], classNames: ['left', 'right'] });
}

const student = (seed = 1, C = 1) => wt.models.studentCNN({ inputShape: [C, 8, 8], numClasses: 2, seed });

test('fit trains, reports per-step and per-epoch progress; evaluate and predict', async () => {
  const data = toy(256);
  const val = toy(64, 9);
  const model = student();
  const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } });
  const steps = [];
  const epochs = [];
  const r = await t.fit(data, { epochs: 2, batchSize: 32, validation: val,
    onProgress: (p) => (p.type === 'step' ? steps : epochs).push(p) });
  assert.equal(steps.length, 16);
  assert.equal(epochs.length, 2);
  for (const k of ['loss', 'accuracy', 'imagesPerSecond', 'lr', 'eta', 'step', 'steps', 'epoch']) assert.ok(Number.isFinite(steps[0][k]), k);
  assert.equal(steps[15].eta, 0);
  assert.equal(r.history.length, 2);
  assert.ok(r.history[1].validation.accuracy > 0.9, `validation accuracy ${r.history[1].validation.accuracy}`);
  assert.equal(t.steps, 16);
  assert.equal(t.epochs, 2);

  const ev = t.evaluate(val);
  assert.equal(ev.count, 64);
  assert.ok(ev.accuracy > 0.9 && ev.top5 === 1 && ev.loss > 0);
  assert.equal(ev.confusion.flat().reduce((a, b) => a + b, 0), 64);
  assert.equal(ev.perClass.length, 2);
  assert.ok(Math.abs(ev.accuracy - (ev.confusion[0][0] + ev.confusion[1][1]) / 64) < 1e-12);
  assert.ok(model.training, 'evaluate restores training mode');

  const one = t.predict(val.get(1).image, { topK: 2 });
  assert.equal(one.length, 2);
  assert.equal(one[0].className, 'right');
  assert.ok(one[0].probability >= one[1].probability);
  assert.ok(Math.abs(one[0].probability + one[1].probability - 1) < 1e-5);
  const many = t.predict(val, { topK: 1 });
  assert.equal(many.length, 64);
  // A bigger RGBA image of the same pattern is resized and still recognised.
  const rgba = { data: new Uint8ClampedArray(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? 255 : ((i >> 2) % 16 < 8 ? 220 : 30))), width: 16, height: 16 };
  assert.equal(t.predict(rgba)[0].className, 'left');
  t.dispose();
  model.dispose();
});

test('fit is cancellable with an AbortSignal and checks its options', async () => {
  const model = student();
  const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.01 } });
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(t.fit(toy(256), { epochs: 3, batchSize: 16, signal: ac.signal,
    onProgress: (p) => { if (++seen === 3) ac.abort(); } }), (e) => e.name === 'AbortError');
  assert.equal(t.steps, 3, 'stopped after the step that aborted');
  await assert.rejects(t.fit(toy(8), { epochs: 0 }), /epochs must be a positive integer/);
  await assert.rejects(t.fit(toy(8), { epoch: 1 }), /unknown option 'epoch'/);
  await assert.rejects(t.fit({}, {}), /data must be a data set/);
  await assert.rejects(t.fit(toy(8), { batchSize: 16, dropLast: true }), /fewer than one batch/);
  t.dispose();
  model.dispose();
});

test('presets: bag-of-tricks, cifar-autoaugment and small-data set their recipes; options override them', async () => {
  const model = student(2, 3);
  const bot = new wt.Trainer(model, { preset: 'bag-of-tricks' });
  assert.equal(bot.labelSmoothing, 0.1);
  assert.deepEqual(bot.mixup, { alpha: 0.2 });
  assert.equal(bot.cutmix, null);
  assert.equal(bot.optimizer.noBiasDecay, true);
  assert.throws(() => bot.step(new Float32Array(3 * 64), [0]), /the schedule spans the run/);
  await bot.fit(toy(40, 3, 3), { epochs: 2, batchSize: 8 });
  assert.deepEqual(bot.resolvedSchedule, { name: 'cosine', tMax: 9, warmupSteps: 1, warmupStartFactor: 0.1 });
  assert.equal(bot.lr, 0, 'cosine annealed to 0 at the end of the run');
  bot.dispose();

  const aa = new wt.Trainer(model, { preset: 'cifar-autoaugment', optimizer: { lr: 0.02 } });
  assert.equal(aa.optimizer.lr, 0.02);
  assert.equal(aa.optimizer.nesterov, true);
  assert.deepEqual(Object.keys(aa.augment), ['randomCrop', 'hflip', 'autoAugment', 'cutout']);
  await aa.fit(toy(16, 4, 3), { epochs: 1, batchSize: 8 });
  aa.dispose();

  // small-data: the baseline's optimizer with pad-4 crop + flip and CutMix on half the batches
  const sd = new wt.Trainer(model, { preset: 'small-data', cutmix: { prob: 1 } });
  assert.equal(sd.optimizer.lr, 0.01);
  assert.equal(sd.labelSmoothing, 0);
  assert.equal(sd.mixup, null);
  assert.deepEqual(sd.cutmix, { alpha: 1, prob: 1 }, 'an option merges into the preset\'s CutMix');
  assert.deepEqual(sd.augment, { randomCrop: { padding: 4 }, hflip: { p: 0.5 } });
  await sd.fit(toy(16, 4, 3), { epochs: 1, batchSize: 8 });
  sd.dispose();

  const all = new wt.Trainer(model, { optimizer: { name: 'adam' }, augment: { randomResizedCrop: { scale: [0.5, 1] }, vflip: 0.5, trivialAugment: true, randomErasing: { p: 1, value: 'random' } } });
  await all.fit(toy(16, 5, 3), { epochs: 1, batchSize: 8 });
  all.dispose();
  assert.throws(() => new wt.Trainer(model, { preset: 'fast' }), /preset must be one of 'baseline', 'bag-of-tricks', 'cifar-autoaugment'/);
  assert.throws(() => new wt.Trainer(model, { preset: 'baseline', augment: { autoAugment: 'x' } }), /policy must be/);
  assert.throws(() => new wt.Trainer(model, { preset: 'baseline', augment: { randAugment: true, trivialAugment: true } }), /choose one/);
  assert.throws(() => new wt.Trainer(model, { preset: 'baseline', augment: { blur: true } }), /unknown option 'blur'/);
  model.dispose();
});

/** A run with every random part on (shuffle, augmentation, mixup, BatchNorm via a ResNet). */
function makeRun(seed = 7) {
  const model = wt.models.resnet({ depth: 8, inputShape: [1, 8, 8], numClasses: 2, seed });
  const trainer = new wt.Trainer(model, { preset: 'bag-of-tricks', optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, noBiasDecay: true },
    augment: { randomCrop: { padding: 1 }, hflip: true, cutout: 3 } });
  return { model, trainer };
}

test('checkpoint: resume equals the uninterrupted run bit for bit', async () => {
  const data = toy(48, 11);
  const opts = { epochs: 3, batchSize: 16 };
  const a = makeRun();
  await a.trainer.fit(data, opts);
  const want = a.model.getParams();
  const wantBytes = a.model.save();

  const ck = join(tmp, 'run.ckpt');
  const b = makeRun();
  const ac = new AbortController();
  await assert.rejects(b.trainer.fit(data, { ...opts, checkpoint: ck, signal: ac.signal,
    onProgress: (p) => { if (p.type === 'epoch' && p.epoch === 1) ac.abort(); } }), (e) => e.name === 'AbortError');
  b.trainer.dispose();
  b.model.dispose();

  const c = makeRun(99); // other initial weights: the checkpoint replaces them
  const r = await c.trainer.fit(data, { ...opts, resume: ck });
  assert.deepEqual(r.history.map((h) => h.epoch), [2, 3]);
  assert.deepEqual(c.model.getParams(), want);
  assert.deepEqual(c.model.save(), wantBytes, 'BatchNorm buffers too');
  assert.equal(c.trainer.steps, a.trainer.steps);
  await assert.rejects(makeRun().trainer.fit(data, { ...opts, epochs: 4, resume: ck }), /resume with the same settings/);
  for (const x of [a, c]) { x.trainer.dispose(); x.model.dispose(); }
});

test('checkpoint: corrupt files are named; a kill mid-write keeps the last good checkpoint', async () => {
  const { model, trainer } = makeRun();
  await trainer.fit(toy(16), { epochs: 1, batchSize: 8 });
  const good = trainer.checkpoint();
  const path = join(tmp, 'good.ckpt');
  await writeFileAtomic(path, good);
  assert.deepEqual(new Uint8Array(readFileSync(path)), good);
  assert.throws(() => trainer.restore(good.subarray(0, good.length - 5)), /truncated/);
  const badMagic = good.slice();
  badMagic[0] = 0x58;
  assert.throws(() => trainer.restore(badMagic), /not a wasmtricks checkpoint/);
  trainer.restore(good);

  // A child writes a bigger checkpoint over it and is SIGKILLed after the first chunk.
  const child = `
    import { writeFileAtomic } from ${JSON.stringify(new URL('../../js/checkpoint.js', import.meta.url).href)};
    const big = new Uint8Array(8 << 20).fill(7);
    await writeFileAtomic(${JSON.stringify(path)}, big, { chunkSize: 1 << 20, onChunk: () => process.kill(process.pid, 'SIGKILL') });
  `;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', child]);
  assert.equal(res.signal, 'SIGKILL');
  assert.deepEqual(new Uint8Array(readFileSync(path)), good, 'the last good checkpoint is intact');
  assert.ok(readdirSync(tmp).some((f) => f.startsWith('good.ckpt.tmp-')), 'the partial write went to a temp file');
  trainer.restore(new Uint8Array(readFileSync(path)));
  writeFileSync(join(tmp, 'junk.ckpt'), 'junk');
  await assert.rejects(trainer.fit(toy(16), { epochs: 1, batchSize: 8, resume: join(tmp, 'junk.ckpt') }), /junk\.ckpt: checkpoint: not a wasmtricks checkpoint/);
  trainer.dispose();
  model.dispose();
});
