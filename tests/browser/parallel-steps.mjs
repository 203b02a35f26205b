// parallel-steps.mjs - what the parallel browser test runs in a page or a module Web Worker:
// five steps of the student CNN (mixup, SGD momentum) on 1 and on 2 threads (Trainer option
// threads: nested module Web Workers), and how far apart the weights and losses end.
import { init } from '../../js/index.js';

export async function parallelSteps() {
  const wt = await init();
  const N = 16;
  const make = () => wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 1 });
  const opts = { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, mixup: { alpha: 0.4 } };
  const a = make();
  const b = make();
  const t1 = new wt.Trainer(a, opts);
  const t2 = new wt.Trainer(b, { ...opts, threads: 2 });
  let s = 7;
  let worstLoss = 0;
  const losses = [];
  for (let step = 0; step < 5; step++) {
    const x = new Float32Array(N * 64);
    const y = Int32Array.from({ length: N }, (_, i) => (i + step) % 4);
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = ((i & 63) % 4 === y[i >> 6] ? 1 : 0) + (s / 2 ** 32 - 0.5) * 0.5;
    }
    const r1 = t1.step(x, y);
    const r2 = await t2.stepAsync(x, y);
    losses.push([r1.loss, r2.loss]);
    worstLoss = Math.max(worstLoss, Math.abs(r2.loss - r1.loss) / Math.abs(r1.loss));
  }
  const p1 = a.getParams();
  const p2 = b.getParams();
  let d = 0;
  let n = 0;
  for (let i = 0; i < p1.length; i++) {
    d += (p1[i] - p2[i]) ** 2;
    n += p1[i] ** 2;
  }
  const threads = t2.describe().threads;
  t2.dispose();
  a.dispose();
  b.dispose();
  return { rel: Math.sqrt(d / n), worstLoss, losses, threads: { ...threads },
    isolated: globalThis.crossOriginIsolated === true };
}
