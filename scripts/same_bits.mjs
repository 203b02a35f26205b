// same_bits.mjs - do two engine builds train the same bits? Trains ResNet-8, ResNet-20 and the
// student CNN on each wasm file: a few fit() steps of batch 64 (pad-4 crop + flip, CutMix on
// every batch, SGD with momentum and weight decay) and a few plain Trainer.step calls, then
// compares every parameter and BatchNorm buffer (float32 ==, so +0 and -0 count as equal: a
// first writer that assigns instead of adding to a zeroed buffer may flip the sign of a zero),
// the num_batches_tracked counters byte for byte, and the losses.
// Usage: node scripts/same_bits.mjs <A.wasm> <B.wasm> [simd128|relaxed] [fit steps=3] [steps=2]
// Exit status 1 when anything differs. A tool for engine changes that promise the same
// results (docs/design.md, "Determinism contract"); not part of the test run.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { init } from '../js/index.js';

const [a, b, simd = 'simd128', fitS = '3', stepS = '2'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/same_bits.mjs <A.wasm> <B.wasm> [simd128|relaxed] [fit steps] [steps]');
  process.exit(2);
}
const fitSteps = Number(fitS), plainSteps = Number(stepS), N = 64;

/** n CIFAR-shaped images (3x32x32 uint8) of 10 classes from a fixed LCG. */
function images(wt, n) {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
  const px = new Uint8Array(n * 3 * 32 * 32);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(rnd() * 256);
  return wt.data.fromArrays({ images: px, labels, shape: [3, 32, 32] });
}

const MODELS = {
  resnet8: (wt) => wt.models.resnet({ depth: 8, inputShape: [3, 32, 32], numClasses: 10, seed: 3 }),
  resnet20: (wt) => wt.models.resnet({ depth: 20, inputShape: [3, 32, 32], numClasses: 10, seed: 3 }),
  student: (wt) => wt.models.studentCNN({ inputShape: [3, 32, 32], numClasses: 10, seed: 3 }),
};

/** The safetensors bytes' tensors: name -> { dtype, bytes }. */
function tensorsOf(bytes) {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  const data = bytes.subarray(8 + len);
  const out = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    out.set(name, { dtype: t.dtype, bytes: data.slice(t.data_offsets[0], t.data_offsets[1]) });
  }
  return out;
}

/** Trains a fresh model of `which` on the module `file`: the losses and the saved tensors. */
async function train(file, which) {
  const wt = await init({ wasm: pathToFileURL(path.resolve(file)), simd });
  const model = MODELS[which](wt);
  const options = { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    augment: { randomCrop: { padding: 4 }, hflip: { p: 0.5 } }, cutmix: { prob: 1 } };
  const t = new wt.Trainer(model, options);
  const losses = [];
  await t.fit(images(wt, N * fitSteps), { epochs: 1, batchSize: N, prefetch: false,
    onProgress: (p) => { if (p.type === 'step') losses.push(p.loss); } });
  const plain = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.02, momentum: 0.9 } });
  const x = new Float32Array(N * 3 * 32 * 32).map((_, i) => Math.sin(i * 0.37) * 0.5);
  const y = Int32Array.from({ length: N }, (_, i) => (i * 7) % 10);
  for (let i = 0; i < plainSteps; i++) losses.push(plain.step(x, y).loss);
  const tensors = tensorsOf(model.save());
  plain.dispose(), t.dispose(), model.dispose();
  return { losses, tensors, build: wt.kernelName };
}

let bad = 0;
for (const which of Object.keys(MODELS)) {
  const ra = await train(a, which), rb = await train(b, which);
  const diffs = [];
  ra.losses.forEach((l, i) => { if (l !== rb.losses[i]) diffs.push(`loss ${i}: ${l} vs ${rb.losses[i]}`); });
  let floats = 0;
  for (const [name, ta] of ra.tensors) {
    const tb = rb.tensors.get(name);
    if (!tb || tb.dtype !== ta.dtype || tb.bytes.length !== ta.bytes.length) {
      diffs.push(`${name}: missing or of another shape`);
      continue;
    }
    if (ta.dtype !== 'F32') {
      if (!ta.bytes.every((v, i) => v === tb.bytes[i])) diffs.push(`${name}: bytes differ`);
      continue;
    }
    const fa = new Float32Array(ta.bytes.buffer), fb = new Float32Array(tb.bytes.buffer);
    floats += fa.length;
    let n = 0;
    for (let i = 0; i < fa.length; i++) if (!(fa[i] === fb[i] || (Number.isNaN(fa[i]) && Number.isNaN(fb[i])))) n++;
    if (n) diffs.push(`${name}: ${n} of ${fa.length} floats differ`);
  }
  bad += diffs.length;
  console.log(`${which} (${ra.build} / ${rb.build}; ${fitSteps} fit + ${plainSteps} plain steps, ` +
    `${floats} floats, final loss ${ra.losses.at(-1)}): ${diffs.length ? 'DIFFERENT' : 'same bits'}`);
  for (const d of diffs.slice(0, 10)) console.log(`  ${d}`);
}
process.exit(bad ? 1 : 0);
