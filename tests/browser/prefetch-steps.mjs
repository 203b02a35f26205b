// prefetch-steps.mjs - what the prefetch browser test runs in a page, in a module Web Worker and
// in Node: 2 epochs of a ResNet-8 (3x16x16, pad-crop + flip + AutoAugment + Cutout + mixup)
// with fit's prefetch off and on (a loader worker; nested in a worker), and the weights' hash.
import { init } from '../../js/index.js';
import { fnv32 } from './hash.mjs';

export async function prefetchRuns() {
  const wt = await init();
  const n = 64;
  const images = new Uint8Array(n * 16 * 16 * 3);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  let s = 3;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const p = Math.floor(i / 3) % 256;
    const q = (p >= 128 ? 2 : 0) + (p % 16 >= 8 ? 1 : 0);
    images[i] = (q === labels[Math.floor(i / 768)] ? 160 : 40) + (s >>> 26);
  }
  const data = wt.data.fromArrays({ images, labels, shape: [3, 16, 16], numClasses: 4 });
  const out = { isolated: globalThis.crossOriginIsolated === true };
  for (const prefetch of [false, true]) {
    const model = wt.models.resnet({ depth: 8, inputShape: [3, 16, 16], numClasses: 4, seed: 5 });
    const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, mixup: { alpha: 0.4 },
      augment: { randomCrop: 2, hflip: true, autoAugment: 'cifar10', cutout: 4 } });
    const r = await t.fit(data, { epochs: 2, batchSize: 16, prefetch });
    out[prefetch ? 'on' : 'off'] = { hash: fnv32(model.save()), prefetch: { ...r.prefetch }, loss: r.history[1].loss };
    t.dispose();
    model.dispose();
  }
  return out;
}
