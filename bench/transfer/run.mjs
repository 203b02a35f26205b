#!/usr/bin/env node
// run.mjs - what fine-tuning is worth (issue #24): a ResNet-8 pretrained on CIFAR-10's classes
// 0-4 learns classes 5-9 from a few images per class, three ways: the head only (backbone
// frozen, features cached), every layer fine-tuned, and from scratch; same images, same wall
// time, several seeds; tested on the 5,000 test images of classes 5-9.
// Phase `pretrain` trains the backbone (resumable from its per-epoch checkpoint in .cache/) and
// writes docs/transfer/pretrain-c0-4.safetensors + its accuracy into docs/transfer/results.json.
// Not here: the data sets (bench/study/data.mjs), the engine (js/).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { init } from '../../js/index.js';
import { writeFileAtomic } from '../../js/checkpoint.js';
import { loadData, ROOT, CACHE } from '../study/data.mjs';

export const OUT = join(ROOT, 'docs/transfer');
export const PRETRAIN = Object.freeze({
  classes: [0, 1, 2, 3, 4], model: 'resnet8', epochs: 30, batchSize: 64, seed: 1,
  // the study's CIFAR-10 recipe: pad-4 crop + flip, SGD lr 0.05 (0.1 per 128 images), cosine
  options: { preset: 'baseline', optimizer: { lr: 0.05 }, augment: { randomCrop: { padding: 4 }, hflip: true } },
});

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

const { positionals } = parseArgs({ allowPositionals: true });
const phase = positionals[0] ?? 'pretrain';
const wt = await init({ simd: 'simd128' });
if (phase === 'pretrain') await pretrain(wt);
else throw new Error(`unknown phase '${phase}' (pretrain)`);
