// batch_tricks.mjs - what a batch trick adds to a training step: the student CNN (batch 64,
// SGD momentum) stepped with no trick, mixup, CutMix (prob 1) and RICAP, interleaved so all
// four see the same machine load; prints the median ms/step and the ratio to no trick.
// Run: node bench/batch_tricks.mjs [--shape 1,28,28] [--reps 9]   (after npm run build)
import { init } from '../js/index.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const shape = opt('--shape', '1,28,28').split(',').map(Number);
const reps = Number(opt('--reps', 9));
const N = 64;
const per = shape[0] * shape[1] * shape[2];

const wt = await init();
const x = Float32Array.from({ length: N * per }, (_, i) => Math.sin(i));
const y = Int32Array.from({ length: N }, (_, i) => i % 10);
const configs = { none: {}, mixup: { mixup: {} }, cutmix: { cutmix: { prob: 1 } }, ricap: { ricap: {} } };
const trainers = Object.fromEntries(Object.entries(configs).map(([k, c]) => {
  const model = wt.models.studentCNN({ inputShape: shape, numClasses: 10, seed: 1 });
  const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 1e-3, momentum: 0.9 }, ...c });
  t.step(x, y); // plans memory outside the timing
  return [k, t];
}));
const times = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
for (let r = 0; r < reps; r++) {
  for (const k of Object.keys(configs)) {
    const t0 = performance.now();
    trainers[k].step(x, y);
    times[k].push(performance.now() - t0);
  }
}
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const base = median(times.none);
console.log(`student CNN ${shape.join('x')}, batch ${N}, ${reps} interleaved reps (median)`);
for (const k of Object.keys(configs)) {
  console.log(`${k.padEnd(7)} ${median(times[k]).toFixed(1).padStart(8)} ms/step  ${(median(times[k]) / base).toFixed(3)}x`);
}
