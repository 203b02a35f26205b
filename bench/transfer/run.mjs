#!/usr/bin/env node
// run.mjs - what fine-tuning is worth (issue #24): a ResNet-8 pretrained on CIFAR-10's classes
// 0-4 learns classes 5-9 from a few images per class, three ways: the head only (backbone
// frozen, features cached), every layer fine-tuned, and from scratch; same images, same wall
// time, several seeds; tested on the 5,000 test images of classes 5-9.
// Phase `pretrain` trains the backbone (resumable from its per-epoch checkpoint in .cache/) and
// writes docs/transfer/pretrain-c0-4.safetensors + its accuracy into docs/transfer/results.json;
// phase `transfer` (the default; pretrains first when the file is missing) runs each arm x shots
// x seed not yet in results.json and writes the table, docs/transfer/README.md.
// Usage: node bench/transfer/run.mjs [pretrain | transfer [--arms head,finetune,scratch] | report]
// Not here: the data sets (bench/study/data.mjs), the engine (js/).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { init } from '../../js/index.js';
import { writeFileAtomic } from '../../js/checkpoint.js';
import { CIFAR10_CLASSES } from '../../js/dataset.js';
import { loadData, ROOT, CACHE } from '../study/data.mjs';

export const OUT = join(ROOT, 'docs/transfer');
export const PRETRAIN = Object.freeze({
  classes: [0, 1, 2, 3, 4], model: 'resnet8', epochs: 30, batchSize: 64, seed: 1,
  // the study's CIFAR-10 recipe: pad-4 crop + flip, SGD lr 0.05 (0.1 per 128 images), cosine
  options: { preset: 'baseline', optimizer: { lr: 0.05 }, augment: { randomCrop: { padding: 4 }, hflip: true } },
});

/** The new task: classes 5-9, from this many training images per class (balanced, seeded). */
export const SHOTS = Object.freeze([10, 50]);
export const SEEDS = Object.freeze([1, 2, 3]);
export const NEW_CLASSES = Object.freeze([5, 6, 7, 8, 9]);
/** Epochs over the few images: the same for every arm, so fine-tuning and scratch (the same
    network, forward and backward through all of it) take the same wall time; the head alone
    trains on cached features and takes a fraction of it (the table gives each arm's seconds). */
export const EPOCHS = 100;
const SGD = { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
const PAD_CROP_FLIP = { randomCrop: { padding: 4 }, hflip: true };
/** The three ways to learn the new classes. Head and fine-tune start from the pretrained
    backbone with a new 5-class fc (withHead) and its normalisation; scratch from random weights. */
export const ARMS = Object.freeze([
  { id: 'head', name: 'head only (backbone frozen, features cached)', pretrained: true,
    options: { optimizer: SGD, schedule: { name: 'cosine', tMax: 'auto' }, freeze: ['@backbone'], frozenBatchNorm: 'eval' },
    note: 'SGD lr 0.05 momentum 0.9 wd 5e-4, cosine; no augmentation (the features are computed once)' },
  { id: 'finetune', name: 'fine-tune everything', pretrained: true,
    options: { optimizer: { ...SGD, lr: 0.005 }, schedule: { name: 'cosine', tMax: 'auto' }, paramGroups: [{ match: '@head', lr: 0.05 }], augment: PAD_CROP_FLIP },
    note: 'SGD momentum 0.9 wd 5e-4, cosine; lr 0.005 for the backbone, 0.05 for the new fc; pad-4 crop + flip' },
  { id: 'scratch', name: 'from scratch', pretrained: false,
    options: { optimizer: SGD, schedule: { name: 'cosine', tMax: 'auto' }, augment: PAD_CROP_FLIP },
    note: "SGD lr 0.05 momentum 0.9 wd 5e-4, cosine, pad-4 crop + flip (the study's CIFAR-10 recipe)" },
]);

const results = () => (existsSync(join(OUT, 'results.json')) ? JSON.parse(readFileSync(join(OUT, 'results.json'), 'utf8')) : {});
const saveResults = (r) => writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(r, null, 1)}\n`);

async function pretrain(wt) {
  const file = join(OUT, 'pretrain-c0-4.safetensors');
  if (existsSync(file)) return console.log(`pretrain: ${file} exists`);
  const { train, test } = await loadData(wt, 'cifar10');
  const tr = train.selectClasses(PRETRAIN.classes);
  const te = test.selectClasses(PRETRAIN.classes);
  mkdirSync(join(CACHE, 'transfer'), { recursive: true });
  const ckpt = join(CACHE, 'transfer', 'pretrain.ckpt');
  const model = wt.models.resnet({ depth: 8, inputShape: [...tr.shape], numClasses: tr.numClasses, seed: PRETRAIN.seed });
  const trainer = new wt.Trainer(model, { ...PRETRAIN.options, seed: PRETRAIN.seed });
  const t0 = performance.now();
  await trainer.fit(tr, { epochs: PRETRAIN.epochs, batchSize: PRETRAIN.batchSize, checkpoint: ckpt,
    resume: existsSync(ckpt) ? ckpt : undefined, prefetch: false,
    onProgress: (p) => p.type === 'epoch' &&
      console.log(`pretrain: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)} ${Math.round(p.imagesPerSecond)} img/s`) });
  const v = trainer.evaluate(te);
  mkdirSync(OUT, { recursive: true });
  await writeFileAtomic(file, model.save());
  const r = results();
  r.pretrain = { ...PRETRAIN, trainImages: tr.length, testImages: te.length, accuracy: v.accuracy,
    classNames: [...tr.classNames], minutes: (performance.now() - t0) / 60000, kernel: wt.kernelName,
    finishedAt: new Date().toISOString() };
  saveResults(r);
  console.log(`pretrain: test accuracy ${(100 * v.accuracy).toFixed(2)}% on ${te.length} images of ${tr.classNames.join(', ')}`);
}

async function transfer(wt, arms = ARMS.map((a) => a.id)) {
  await pretrain(wt);
  const r = results();
  r.runs ??= [];
  const { train, test } = await loadData(wt, 'cifar10');
  const normalize = { mean: train.selectClasses(PRETRAIN.classes).mean, std: train.selectClasses(PRETRAIN.classes).std };
  const pool = train.selectClasses(NEW_CLASSES);
  const te = test.selectClasses(NEW_CLASSES);
  const backbone = new Uint8Array(readFileSync(join(OUT, 'pretrain-c0-4.safetensors')));
  for (const shots of SHOTS) {
    for (const seed of SEEDS) {
      const tr = pool.sample(shots * NEW_CLASSES.length, { seed, balanced: true });
      for (const arm of ARMS.filter((a) => arms.includes(a.id))) {
        if (r.runs.some((x) => x.arm === arm.id && x.shots === shots && x.seed === seed)) continue;
        let model;
        if (arm.pretrained) {
          const source = wt.models.load(backbone);
          model = source.withHead(NEW_CLASSES.length, { seed });
          source.dispose();
        } else {
          model = wt.models.resnet({ depth: 8, inputShape: [...tr.shape], numClasses: NEW_CLASSES.length, seed });
        }
        const trainer = new wt.Trainer(model, { ...arm.options, seed, ...(arm.pretrained ? { normalize } : {}) });
        let cached = false;
        const t0 = performance.now();
        await trainer.fit(tr, { epochs: EPOCHS, batchSize: 64, prefetch: false,
          onProgress: (p) => { if (p.cachedFeatures) cached = true; } });
        const seconds = (performance.now() - t0) / 1000;
        const v = trainer.evaluate(te);
        r.runs.push({ arm: arm.id, shots, seed, trainImages: tr.length, epochs: EPOCHS, accuracy: v.accuracy,
          testImages: te.length, seconds, cachedFeatures: cached, cpu: os.cpus()[0]?.model ?? '', kernel: wt.kernelName,
          finishedAt: new Date().toISOString() });
        saveResults(r);
        console.log(`transfer: ${shots}/class seed ${seed} ${arm.id}: ${(100 * v.accuracy).toFixed(2)}% in ${seconds.toFixed(1)} s${cached ? ' (cached features)' : ''}`);
        trainer.dispose();
        model.dispose();
      }
    }
  }
  report();
}

/** docs/transfer/README.md from results.json: mean +- std per arm and shots, paired deltas. */
function report() {
  const r = results();
  const runs = r.runs ?? [];
  const stats = (v) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : NaN;
    return { m, sd, n: v.length };
  };
  const pm = ({ m, sd, n }, sign = false) => `${sign && m >= 0 ? '+' : ''}${(100 * m).toFixed(2)}${n > 1 ? ` +- ${(100 * sd).toFixed(2)}` : ''}`;
  const lines = [
    '# Fine-tuning in the tab: what a pretrained backbone is worth',
    '',
    'Generated by `node bench/transfer/run.mjs report` from `results.json`; the runs: `node bench/transfer/run.mjs`.',
    '',
    `A ResNet-8 pretrained on CIFAR-10's classes ${PRETRAIN.classes.join(', ')} (${PRETRAIN.classes.map((k) => CIFAR10_CLASSES[k]).join(', ')}; ${r.pretrain?.trainImages ?? '?'} images, ${PRETRAIN.epochs} epochs,`,
    `pad-4 crop + flip, SGD lr 0.05 cosine, seed ${PRETRAIN.seed}; ${r.pretrain ? `${(100 * r.pretrain.accuracy).toFixed(2)}% on their ${r.pretrain.testImages} test images` : 'not trained yet'})`,
    `learns classes ${NEW_CLASSES.join(', ')} (${NEW_CLASSES.map((k) => CIFAR10_CLASSES[k]).join(', ')}) from a few images per class, ${EPOCHS} epochs, batch 64,`,
    `tested on their ${runs[0]?.testImages ?? 5000} test images; the same images (a balanced sample drawn with the seed) for every arm of a seed.`,
    '',
    ...ARMS.map((a) => `- **${a.name}**: ${a.note}.`),
    '',
    '| images per class | arm | test accuracy % (mean +- std) | delta vs scratch (paired by seed) | seconds (median) | seeds |',
    '|---|---|---|---|---|---|',
  ];
  for (const shots of SHOTS) {
    const scratch = new Map(runs.filter((x) => x.arm === 'scratch' && x.shots === shots).map((x) => [x.seed, x.accuracy]));
    for (const arm of ARMS) {
      const rs = runs.filter((x) => x.arm === arm.id && x.shots === shots);
      if (!rs.length) {
        lines.push(`| ${shots} | ${arm.name} | missing | | | 0 |`);
        continue;
      }
      const d = rs.filter((x) => scratch.has(x.seed)).map((x) => x.accuracy - scratch.get(x.seed));
      const secs = rs.map((x) => x.seconds).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
      lines.push(`| ${shots} | ${arm.name} | ${pm(stats(rs.map((x) => x.accuracy)))} | ${arm.id === 'scratch' || !d.length ? '' : pm(stats(d), true)} | ${secs.toFixed(1)} | ${rs.length} |`);
    }
  }
  const cpus = [...new Set(runs.map((x) => x.cpu))].join(', ');
  lines.push('', `Machine: ${cpus || 'n/a'}, one thread per run; seconds are fit() alone (for the head: the feature pass included).`, '');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'README.md'), `${lines.join('\n')}\n`);
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { arms: { type: 'string' } } });
const phase = positionals[0] ?? 'transfer';
if (phase === 'report') {
  report();
} else {
  const wt = await init({ simd: 'simd128' });
  if (phase === 'pretrain') await pretrain(wt);
  else if (phase === 'transfer') await transfer(wt, values.arms?.split(','));
  else throw new Error(`unknown phase '${phase}' (pretrain, transfer, report)`);
}
