#!/usr/bin/env node
// wasmtricks - the command line: `wasmtricks train --data fashion-mnist ...` trains the student
// CNN in Node with the WebAssembly engine, shows a live progress line, and reports test
// accuracy. Not here: the API itself (js/), which this only drives.

import { init } from '../js/index.js';

const USAGE = `usage: wasmtricks train --data fashion-mnist [options]

Train the student CNN on Fashion-MNIST with SGD, then report test accuracy.

options:
  --data NAME           data set: fashion-mnist (the only one so far)
  --data-dir DIR        folder with the IDX files (.gz or plain)
                        [default: /usr/share/datasets/fashion-mnist/]
  --epochs N            passes over the training set             [default: 1]
  --batch-size N        images per step                          [default: 64]
  --lr X                learning rate                            [default: 0.01]
  --momentum X          SGD momentum                             [default: 0.9]
  --weight-decay X      L2 weight decay                          [default: 5e-4]
  --schedule NAME       lr schedule: cosine (annealed to 0 over the run, per step)
                        or constant                              [default: cosine]
  --label-smoothing X   CrossEntropyLoss label smoothing         [default: 0]
  --seed N              seed for weights and shuffling           [default: 1]
  --limit N             train on the first N images only         [default: all]
  -h, --help            show this help
`;

const FLAGS = {
  data: { type: 'string', default: undefined },
  'data-dir': { type: 'string', default: undefined },
  epochs: { type: 'int', default: 1, min: 1 },
  'batch-size': { type: 'int', default: 64, min: 1 },
  lr: { type: 'float', default: 0.01, positive: true },
  momentum: { type: 'float', default: 0.9 },
  'weight-decay': { type: 'float', default: 5e-4 },
  schedule: { type: 'string', default: 'cosine', choices: ['cosine', 'constant'] },
  'label-smoothing': { type: 'float', default: 0 },
  seed: { type: 'int', default: 1, min: 0 },
  limit: { type: 'int', default: undefined, min: 1 },
};

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = {};
  for (const [k, f] of Object.entries(FLAGS)) opts[k] = f.default;
  let command;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { help: true };
    if (!arg.startsWith('-')) {
      if (command !== undefined) throw new UsageError(`unexpected argument '${arg}'`);
      command = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = arg.startsWith('--') ? FLAGS[name] : undefined;
    if (!flag) throw new UsageError(`unknown option '${arg}'`);
    let value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    if (flag.type !== 'string') {
      const v = Number(value);
      const ok = value.trim() !== '' && Number.isFinite(v) &&
        (flag.type !== 'int' || Number.isSafeInteger(v)) &&
        (flag.min === undefined || v >= flag.min) && (!flag.positive || v > 0);
      if (!ok) {
        const want = flag.type === 'int' ? `an integer >= ${flag.min}` : flag.positive ? 'a positive number' : 'a number';
        throw new UsageError(`option --${name} must be ${want}, got '${value}'`);
      }
      value = v;
    } else if (flag.choices && !flag.choices.includes(value)) {
      throw new UsageError(`option --${name} must be one of ${flag.choices.join(', ')}, got '${value}'`);
    }
    opts[name] = value;
  }
  if (command === undefined) throw new UsageError('missing command (train)');
  if (command !== 'train') throw new UsageError(`unknown command '${command}' (known: train)`);
  if (opts.data === undefined) throw new UsageError('train needs --data fashion-mnist');
  if (opts.data !== 'fashion-mnist') throw new UsageError(`unknown data set '${opts.data}' (known: fashion-mnist)`);
  return { command, opts };
}

// A small seeded generator (mulberry32) for the per-epoch shuffle.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(order, random) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
}

const fmtTime = (s) => {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.round(s);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
};

/** A progress line: \r-updated on a terminal, a plain line every 10% otherwise. */
function progress(total, label) {
  const tty = process.stdout.isTTY;
  const start = performance.now();
  let lastDraw = 0;
  let lastDecile = 0;
  return {
    update(done, loss, acc, final = false) {
      const now = performance.now();
      const secs = (now - start) / 1000;
      const rate = done / Math.max(secs, 1e-9);
      const pct = done / total;
      const stats = `${String(done).padStart(String(total).length)}/${total} | ${rate.toFixed(0)} img/s | ` +
        (Number.isNaN(loss) ? '' : `loss ${loss.toFixed(4)} | `) + `acc ${(100 * acc).toFixed(2)}% | ` +
        (final ? `${fmtTime(secs)} total` : `ETA ${fmtTime((total - done) / rate)}`);
      if (tty) {
        if (!final && now - lastDraw < 100) return;
        lastDraw = now;
        const width = 24;
        const fill = Math.round(pct * width);
        const bar = '='.repeat(Math.max(0, fill - 1)) + (fill ? (fill === width ? '=' : '>') : '') + ' '.repeat(width - fill);
        process.stdout.write(`\r\x1b[K${label} [${bar}] ${(100 * pct).toFixed(0).padStart(3)}% ${stats}`);
        if (final) process.stdout.write('\n');
      } else {
        const decile = Math.floor(pct * 10);
        if (!final && decile <= lastDecile) return;
        lastDecile = decile;
        console.log(`${label} ${(100 * pct).toFixed(0).padStart(3)}% ${stats}`);
      }
    },
  };
}

async function train(o) {
  const wt = await init();
  const { data } = wt;
  const t0 = performance.now();
  const [trainSet, testSet] = await Promise.all([
    data.loadFashionMNIST({ dir: o['data-dir'], split: 'train' }),
    data.loadFashionMNIST({ dir: o['data-dir'], split: 'test' }),
  ]);
  const n = Math.min(trainSet.count, o.limit ?? Infinity);
  const shape = trainSet.shape;
  const per = shape[0] * shape[1] * shape[2];
  const norm = { shape, mean: data.FASHION_MNIST_MEAN, std: data.FASHION_MNIST_STD };
  console.log(`wasmtricks: Fashion-MNIST, ${n} training and ${testSet.count} test images; ` +
    `student CNN, SGD lr ${o.lr} (${o.schedule}) momentum ${o.momentum} weight decay ${o['weight-decay']}, ` +
    `batch ${o['batch-size']}, ${o.epochs} epoch(s), seed ${o.seed}; kernel ${wt.kernelName}`);

  const model = wt.models.studentCNN({ inputShape: shape, numClasses: 10, seed: o.seed });
  const trainer = new wt.Trainer(model, {
    optimizer: { name: 'sgd', lr: o.lr, momentum: o.momentum, weightDecay: o['weight-decay'] },
    // Cosine annealing to 0 over every step of the run (Bag of Tricks, He et al. 2019).
    schedule: o.schedule === 'cosine'
      ? { name: 'cosine', tMax: Math.ceil(n / o['batch-size']) * o.epochs, interval: 'step' }
      : undefined,
    labelSmoothing: o['label-smoothing'],
    seed: o.seed,
  });
  try {
    await trainAndTest(o, wt, model, trainer, trainSet, testSet, n, t0);
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

async function trainAndTest(o, wt, model, trainer, trainSet, testSet, n, t0) {
  const { data } = wt;
  const shape = trainSet.shape;
  const per = shape[0] * shape[1] * shape[2];
  const norm = { shape, mean: data.FASHION_MNIST_MEAN, std: data.FASHION_MNIST_STD };
  const B = o['batch-size'];
  const batchU8 = new Uint8Array(B * per);
  const batchF32 = new Float32Array(B * per);
  const batchLabels = new Int32Array(B);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const random = rng(o.seed);
  let trainSecs = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    shuffle(order, random);
    const bar = progress(n, `epoch ${epoch}/${o.epochs}`);
    const e0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    let done = 0;
    for (let i = 0; i < n; i += B) {
      const m = Math.min(B, n - i);
      for (let j = 0; j < m; j++) {
        const k = order[i + j];
        batchU8.set(trainSet.images.subarray(k * per, (k + 1) * per), j * per);
        batchLabels[j] = trainSet.labels[k];
      }
      const x = data.toFloat(batchU8.subarray(0, m * per), { ...norm, out: batchF32.subarray(0, m * per) });
      const { loss, accuracy } = trainer.step(x, batchLabels.subarray(0, m));
      lossSum += loss * m;
      correct += accuracy * m;
      done += m;
      bar.update(done, lossSum / done, correct / done, done === n);
    }
    trainSecs += (performance.now() - e0) / 1000;
  }

  // Evaluation on the full test split, in chunks.
  const E = 500;
  let right = 0;
  const evalBar = progress(testSet.count, 'test     ');
  for (let i = 0; i < testSet.count; i += E) {
    const m = Math.min(E, testSet.count - i);
    const x = data.toFloat(testSet.images.subarray(i * per, (i + m) * per), norm);
    const probs = model.predict(x);
    for (let j = 0; j < m; j++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (probs[j * 10 + c] > probs[j * 10 + best]) best = c;
      if (best === testSet.labels[i + j]) right++;
    }
    evalBar.update(i + m, NaN, right / (i + m), i + m === testSet.count);
  }
  const total = (performance.now() - t0) / 1000;
  console.log(`test accuracy: ${(100 * right / testSet.count).toFixed(2)}% (${right}/${testSet.count})`);
  console.log(`training: ${(n * o.epochs / trainSecs).toFixed(0)} images/s over ${fmtTime(trainSecs)}; ` +
    `total time ${total.toFixed(1)} s`);
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`wasmtricks: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  await train(parsed.opts);
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`wasmtricks: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
  process.exitCode = 1;
});
