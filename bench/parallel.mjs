// parallel.mjs - multi-core training speed: images/s of data-parallel training (Trainer option
// threads, js/parallel.js) on 1 and 2 threads, interleaved in one run so both see the same
// machine load: the student CNN on 28x28x1 and 32x32x3 and a CIFAR ResNet-8 on 32x32x3, batch
// 64, SGD momentum. Each repetition times `steps` steps of the 1-thread trainer (step()), then
// `steps` of the 2-thread one (stepAsync()); the table gives medians and the median of the
// per-repetition ratios, with the load average before and after. It also splits one 2-thread
// step into the calling thread's compute and the rest (waiting for the worker, exchange copies,
// summing, update). Run by `npm run bench` (run.mjs, section 4) or alone:
//   node bench/parallel.mjs [--quick] [--threads N] [--json FILE]
// WT_BENCH_BATCH=128 times another batch size (the CIFAR recipe's; default 64).
// Not here: correctness (tests/js/parallel.test.mjs).

import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BATCH = Number(process.env.WT_BENCH_BATCH || 64);
const CLASSES = 10;
const MODELS = [
  { key: 'student 28x28x1', shape: [1, 28, 28], make: (wt, s) => wt.models.studentCNN({ inputShape: s, numClasses: CLASSES, seed: 1 }) },
  { key: 'student 32x32x3', shape: [3, 32, 32], make: (wt, s) => wt.models.studentCNN({ inputShape: s, numClasses: CLASSES, seed: 1 }) },
  { key: 'resnet8 32x32x3', shape: [3, 32, 32], make: (wt, s) => wt.models.resnet({ depth: 8, inputShape: s, numClasses: CLASSES, seed: 1 }) },
];

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function randomBatch([C, H, W], N, seed) {
  let s = seed >>> 0;
  const x = new Float32Array(N * C * H * W);
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s >>> 8) / 16777216 - 0.5;
  }
  return { x, y: Int32Array.from({ length: N }, (_, i) => i % CLASSES) };
}

/**
 * Times 1 vs `threads` threads per model; returns { loadavg_before, loadavg_after, threads,
 * models: { [key]: { one, many, ratio, one_runs, many_runs, own_compute_ms, step_ms } } }.
 */
export async function benchParallel({ quick = false, threads = 2, log = console.log } = {}) {
  const { init } = await import(pathToFileURL(path.join(root, 'js', 'index.js')).href);
  const wt = await init();
  const reps = quick ? 3 : 7;
  const steps = quick ? 2 : 3;
  const out = { threads, batch: BATCH, reps, steps, loadavg_before: os.loadavg(), models: {} };
  log(`  load average before: ${out.loadavg_before.map((v) => v.toFixed(2)).join(' ')} (${os.cpus().length} cores, shared)`);
  log(`  model              1 thread   ${threads} threads   ratio of medians   median ratio   (images/s; ${reps} interleaved reps x ${steps} steps)`);
  for (const m of MODELS) {
    const { x, y } = randomBatch(m.shape, BATCH, 1);
    const opt = { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } };
    const a = m.make(wt, m.shape);
    const b = m.make(wt, m.shape);
    const t1 = new wt.Trainer(a, opt);
    const tn = new wt.Trainer(b, { ...opt, threads });
    // Warm-up: plans the activations, starts the workers, lets V8 tier up.
    for (let i = 0; i < 2; i++) {
      t1.step(x, y);
      await tn.stepAsync(x, y);
    }
    const one = [];
    const many = [];
    for (let r = 0; r < reps; r++) {
      let t0 = performance.now();
      for (let i = 0; i < steps; i++) t1.step(x, y);
      one.push((BATCH * steps) / ((performance.now() - t0) / 1e3));
      t0 = performance.now();
      for (let i = 0; i < steps; i++) await tn.stepAsync(x, y);
      many.push((BATCH * steps) / ((performance.now() - t0) / 1e3));
    }
    // Where a multi-threaded step goes: the calling thread's own shard (compute_grads, timed
    // by wrapping the export) against the whole step.
    const e = tn._rt.exports;
    const compute = e.wt_wasm_trainer_compute_grads;
    let own = 0;
    const wrapped = { ...e, wt_wasm_trainer_compute_grads: (...args) => {
      const t0 = performance.now();
      try { return compute(...args); } finally { own += performance.now() - t0; }
    } };
    const rt = tn._rt;
    const saved = rt.exports;
    rt.exports = wrapped;
    const s0 = performance.now();
    try {
      for (let i = 0; i < steps; i++) await tn.stepAsync(x, y);
    } finally {
      rt.exports = saved;
    }
    const stepMs = (performance.now() - s0) / steps;
    const ratios = one.map((v, i) => many[i] / v);
    const r = { one: median(one), many: median(many), ratio: median(ratios), one_runs: one, many_runs: many,
      own_compute_ms: own / steps, step_ms: stepMs };
    out.models[m.key] = r;
    log(`  ${m.key.padEnd(17)} ${fmt(r.one).padStart(9)} ${fmt(r.many).padStart(10)} ${fmt(r.many / r.one, 2).padStart(17)}x ${fmt(r.ratio, 2).padStart(13)}x` +
      `   (2-thread step ${fmt(stepMs, 0)} ms, of which this thread's shard ${fmt(own / steps, 0)} ms)`);
    t1.dispose();
    tn.dispose();
    a.dispose();
    b.dispose();
  }
  out.loadavg_after = os.loadavg();
  log(`  load average after: ${out.loadavg_after.map((v) => v.toFixed(2)).join(' ')}`);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--threads');
  const j = argv.indexOf('--json');
  console.log(`== multi-core training, batch ${BATCH}, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
  const r = await benchParallel({ quick: argv.includes('--quick'), threads: i >= 0 ? Number(argv[i + 1]) : 2 });
  if (j >= 0) writeFileSync(argv[j + 1], `${JSON.stringify(r, null, 2)}\n`);
}
