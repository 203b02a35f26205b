// prefetch.mjs - what fit's prefetch (js/prefetch.js) buys: training images/s of a CIFAR ResNet-8
// (3x32x32, 10 classes, batch 64, one training thread) under heavy per-image augmentation
// (the 'cifar-autoaugment' preset: pad-4 crop + flip + AutoAugment CIFAR10 + Cutout 16), with
// the loader on the training thread (prefetch off) and in a loader worker one batch ahead
// (prefetch on), interleaved epoch by epoch (the order alternates every repetition) so both see
// the same machine load. Each repetition is one epoch of fit() over `--limit` images of a CIFAR
// ImageFolder on a fresh model; its images/s is fit's per-epoch record (the loader worker's
// start-up is outside it). Prints the medians side by side, the ratio of the medians and the
// median of the per-repetition ratios, the load average before and after, and, for reading
// them, the time one batch's augmentation and one step take on this thread alone (prefetch
// can at best hide the smaller of the two). Usage:
//   node bench/prefetch.mjs --data /work/runs/cifar10 [--limit 3000] [--reps 5] [--batch-size 64] [--json FILE]
// (--data: an ImageFolder with train/ and test/, or the class folders directly.)
// Not here: correctness (tests/js/prefetch.test.mjs).

import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Times prefetch off vs on; returns the medians, runs, ratios and the per-batch split. */
export async function benchPrefetch({ data, limit = 3000, reps = 5, batchSize = 64, log = console.log }) {
  const { init } = await import(pathToFileURL(path.join(root, 'js', 'index.js')).href);
  const { Loader, buildSteps } = await import(pathToFileURL(path.join(root, 'js', 'loader.js')).href);
  const wt = await init();
  const l0 = performance.now();
  const full = await wt.data.open(data, { split: 'train', shape: [3, 32, 32] });
  const train = full.sample(limit, { seed: 1 });
  log(`  data: ${train.length} of ${full.length} images of ${data} (3x32x32), loaded in ${fmt((performance.now() - l0) / 1000)} s`);
  const make = () => {
    const model = wt.models.resnet({ depth: 8, inputShape: [3, 32, 32], numClasses: train.numClasses, seed: 1 });
    const trainer = new wt.Trainer(model, { preset: 'cifar-autoaugment', threads: 1 });
    return { model, trainer };
  };
  const out = { limit: train.length, batch: batchSize, reps, loadavg_before: os.loadavg(), cores: os.cpus().length };
  log(`  load average before: ${out.loadavg_before.map((v) => v.toFixed(2)).join(' ')} (${out.cores} cores, shared)`);

  // One batch's augmentation and one step, each alone on this thread (medians of 5).
  {
    const { model, trainer } = make();
    const steps = buildSteps(trainer.augment, { dataShape: train.shape, inputShape: [3, 32, 32], mean: train.mean, std: train.std, train: true });
    const loader = new Loader(trainer._rt, null, train, { batchSize, shuffle: true, steps });
    loader.startEpoch({ seed: 1, epoch: 0 });
    const aug = [];
    const step = [];
    await trainer.fit(train.subset([...Array(batchSize).keys()]), { epochs: 1, batchSize, prefetch: false }); // plans, resolves the schedule
    for (let b = 0; b < 6; b++) {
      let t0 = performance.now();
      const { x, labels } = loader.batch(b);
      aug.push(performance.now() - t0);
      t0 = performance.now();
      trainer.step(x, labels);
      step.push(performance.now() - t0);
    }
    loader.dispose();
    trainer.dispose();
    model.dispose();
    out.augment_ms = median(aug.slice(1));
    out.step_ms = median(step.slice(1));
    log(`  one batch of ${batchSize} alone: augmentation ${fmt(out.augment_ms, 0)} ms, step ${fmt(out.step_ms, 0)} ms ` +
      `(the most prefetch can win: ${fmt((out.augment_ms + out.step_ms) / Math.max(out.augment_ms, out.step_ms), 2)}x)`);
  }

  const runs = { off: [], on: [] };
  const ratios = [];
  let note = null;
  for (let r = 0; r < reps; r++) {
    const order = r % 2 ? ['on', 'off'] : ['off', 'on'];
    const got = {};
    for (const mode of order) {
      const { model, trainer } = make();
      const res = await trainer.fit(train, { epochs: 1, batchSize, prefetch: mode === 'on' });
      if (mode === 'on' && !res.prefetch.used) note = res.prefetch.note;
      got[mode] = res.history[0].imagesPerSecond;
      runs[mode].push(got[mode]);
      trainer.dispose();
      model.dispose();
    }
    ratios.push(got.on / got.off);
    log(`  rep ${r + 1}/${reps}: off ${fmt(got.off)} img/s, on ${fmt(got.on)} img/s, ${fmt(got.on / got.off, 2)}x`);
  }
  Object.assign(out, { off: median(runs.off), on: median(runs.on), ratio_of_medians: median(runs.on) / median(runs.off),
    median_ratio: median(ratios), off_runs: runs.off, on_runs: runs.on, ratios, prefetch_note: note,
    loadavg_after: os.loadavg() });
  log('');
  log('  ResNet-8 3x32x32, cifar-autoaugment, 1 thread   prefetch off   prefetch on   ratio of medians   median ratio');
  log(`  images/s (median of ${reps} interleaved epochs)  ${fmt(out.off).padStart(12)}   ${fmt(out.on).padStart(11)}   ` +
    `${fmt(out.ratio_of_medians, 2).padStart(15)}x   ${fmt(out.median_ratio, 2).padStart(11)}x`);
  if (note) log(`  note: prefetch did not run: ${note}`);
  log(`  load average after: ${out.loadavg_after.map((v) => v.toFixed(2)).join(' ')}`);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const arg = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const data = arg('data');
  if (!data) {
    console.error('usage: node bench/prefetch.mjs --data CIFAR_IMAGEFOLDER [--limit 3000] [--reps 5] [--batch-size 64] [--json FILE]');
    process.exit(2);
  }
  console.log(`== prefetch off vs on, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
  const r = await benchPrefetch({ data, limit: Number(arg('limit', 3000)), reps: Number(arg('reps', 5)),
    batchSize: Number(arg('batch-size', 64)) });
  const json = arg('json');
  if (json) writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
}
