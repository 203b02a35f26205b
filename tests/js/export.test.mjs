// export.test.mjs - wasmtricks export-pytorch / wt.exportPyTorch against PyTorch (Debian's
// python3-torch, /usr/bin/python3): the first steps of the engine and of the generated train.py
// from the same weights on the same batch agree (loss and weights, 1e-5) for SGD-momentum +
// label smoothing, AdamW, AdaBound, a layer-list spec, mixup, CutMix, RICAP and distillation, the batch trick's
// draws handed over (wt.batch draws what the Trainer's step draws from the same seed); a
// torchrun --nproc_per_node 2 run (gloo, CPU) trains, and its weights load in the engine with
// torch's eval logits; bad flags and missing folders are one-line errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '../../js/index.js';
import { writeExport } from '../../js/export.js';
import { idx } from './idx.mjs';

const PY = '/usr/bin/python3';
const CLI = fileURLToPath(new URL('../../bin/wasmtricks.js', import.meta.url));
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : 'needs /usr/bin/python3 with torch and torchvision (scripts/setup.sh installs them)';

const wtP = init();
const tmp = mkdtempSync(join(tmpdir(), 'wt-export-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A small IDX data set: 4 classes, each a bright quadrant of an 8x8 image, plus noise. */
function writeData(dir, n) {
  const H = 8, W = 8, K = 4;
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const img = new Uint8Array(n * H * W);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % K;
    lab[i] = k;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const q = (y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1);
        img[i * H * W + y * W + x] = Math.min(255, Math.floor((q === k ? 160 : 40) + 80 * rnd()));
      }
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([n, H, W], img));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([n], lab));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([64, H, W], img.subarray(0, 64 * H * W)));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([64], lab.subarray(0, 64)));
  return dir;
}

const py = (args, opts = {}) => spawnSync(PY, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, ...opts });

// Loads the generated train.py as a module and runs its own functions: the steps of each job
// from init.safetensors, writing the weights after them.
const STEPS_PY = String.raw`
import importlib.util, json, sys
import numpy as np, torch
torch.set_num_threads(1)
out = []
for job in json.load(open(sys.argv[1])):
    spec = importlib.util.spec_from_file_location('train', job['dir'] + '/train.py')
    t = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t)
    cfg = t.CONFIG
    model, mspec = t.load_model(job['dir'] + '/init.safetensors')
    teacher = t.load_model(job['dir'] + '/teacher.safetensors')[0].eval() if cfg['teacher'] else None
    opt = t.make_optimizer(model, cfg['optimizer'], cfg)
    x = torch.from_numpy(np.fromfile(job['x'], dtype='<f4').reshape(job['shape']).copy())
    y = torch.tensor(job['y'])
    losses = [t.train_step(model, opt, teacher, x, y, d, cfg, cfg['optimizer']['lr'])[0] for d in job['draws']]
    open(job['dir'] + '/after.safetensors', 'wb').write(t.to_safetensors_bytes(model.state_dict(), mspec))
    out.append(losses)
print(json.dumps(out))
`;

const SHAPE = [3, 8, 8];
const K = 4;
const N = 8;

function batch() {
  let s = 11;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const x = Float32Array.from({ length: N * SHAPE[0] * SHAPE[1] * SHAPE[2] }, () => 2 * rnd() - 1);
  const y = Int32Array.from({ length: N }, (_, i) => (i * 3) % K);
  return { x, y };
}

// A residual layer list with dotted names (nested modules in torch), index names and a reference.
const LAYERS = { input: SHAPE, classes: K, layers: [
  { type: 'conv2d', name: 'stem.conv', id: 'stem', out_channels: 8, kernel: 3, padding: 1, bias: false },
  { type: 'batchnorm2d', name: 'stem.bn' }, { type: 'relu', id: 'a' },
  { type: 'conv2d', out_channels: 8, kernel: 3, padding: 1, init: 'kaiming_out' }, { type: 'batchnorm2d' },
  { type: 'add', id: 'sum', inputs: ['a', '4'] }, { type: 'silu' }, { type: 'maxpool2d', kernel: 2 },
  { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', name: 'fc1', out_features: 16 }, { type: 'relu' },
  { type: 'linear', name: 'head', out_features: K },
] };

const SGD = { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 };
// name, model, Trainer options, steps (batch tricks: one, their draws handed over)
const CASES = [
  ['SGD-momentum + nesterov + label smoothing + no bias decay (ResNet-8)', 'resnet8',
    { optimizer: { ...SGD, nesterov: true, noBiasDecay: true }, labelSmoothing: 0.1 }, 2],
  // The Adam family with eps 1e-6: a gradient that cancels to about eps (a sum of terms 1e5
  // times larger) turns float reassociation into update differences near 1e-5 of the lr at
  // eps 1e-8 (engine and torch sum in different orders).
  ['AdamW', 'student', { optimizer: { name: 'adamw', lr: 1e-3, weightDecay: 1e-2, eps: 1e-6 } }, 2],
  ['AdaBound (AMSBound)', 'student', { optimizer: { name: 'adabound', lr: 1e-3, finalLr: 0.1, weightDecay: 5e-4, amsbound: true, eps: 1e-6 } }, 2],
  ['mixup + label smoothing', 'resnet8', { optimizer: SGD, mixup: { alpha: 0.4 }, labelSmoothing: 0.1 }, 1],
  ['a layer-list spec (conv, BatchNorm, a residual add, pools, linear) + gradient clipping', 'spec',
    { optimizer: { ...SGD, noBiasDecay: true }, gradClipNorm: 0.5 }, 2],
  ['CutMix', 'student', { optimizer: SGD, cutmix: { alpha: 1, prob: 1 } }, 1],
  ['RICAP', 'student', { optimizer: SGD, ricap: { beta: 0.3 } }, 1],
  ['freeze + param groups + frozen BatchNorm in eval (ResNet-8)', 'resnet8',
    { optimizer: { ...SGD, noBiasDecay: true }, freeze: ['conv1', 'bn1', 'layer1'],
      paramGroups: [{ match: 'fc', lr: 0.2, weightDecay: 0 }, { match: 'layer3', lr: 0.01 }] }, 2],
  ['head only: freeze @backbone, the @head group (student)', 'student',
    { optimizer: SGD, freeze: ['@backbone'], paramGroups: [{ match: '@head', lr: 0.3 }] }, 2],
  ['distillation (with mixup)', 'student', { optimizer: SGD, mixup: { alpha: 1 }, distillation: { temperature: 4, weight: 0.5 } }, 1],
];

/** What the Trainer's step draws first from a context seeded with `seed`, via wt.batch. */
function draws(wt, o, x, y, seed) {
  const common = { numClasses: K, shape: SHAPE, seed };
  if (o.mixup) {
    const p = wt.batch.mixup(x, y, { ...common, alpha: o.mixup.alpha }).params;
    return { trick: 'mixup', lambda: p.lambda, permutation: [...p.permutation] };
  }
  if (o.cutmix) {
    const p = wt.batch.cutmix(x, y, { ...common, alpha: o.cutmix.alpha, prob: o.cutmix.prob }).params;
    return { trick: 'cutmix', box: p.box, permutation: [...p.permutation] };
  }
  if (o.ricap) {
    const p = wt.batch.ricap(x, y, { ...common, beta: o.ricap.beta }).params;
    return { trick: 'ricap', boundary: p.boundary, offsets: p.offsets, permutations: p.permutations.map((q) => [...q]) };
  }
  return null;
}

const mixes = (d) => !d || (d.trick === 'mixup' && d.lambda > 0.05 && d.lambda < 0.95) ||
  (d.trick === 'cutmix' && d.box.x1 > d.box.x0 && d.box.y1 > d.box.y0 && (d.box.x1 - d.box.x0) * (d.box.y1 - d.box.y0) < 64) ||
  (d.trick === 'ricap' && d.boundary.w > 0 && d.boundary.w < 8 && d.boundary.h > 0 && d.boundary.h < 8);

test('the first steps of the exported train.py equal the engine\'s (loss and weights within 1e-5)', { skip }, async () => {
  const wt = await wtP;
  const data = writeData(join(tmp, 'parity-data'), 16);
  const { x, y } = batch();
  writeFileSync(join(tmp, 'x.f32'), new Uint8Array(x.buffer));
  const jobs = [];
  const engine = [];
  for (const [i, [name, arch, options, steps]] of CASES.entries()) {
    // The first seed from 100 + 10 i whose draws really mix: a lambda inside (0, 1), a box or
    // a RICAP boundary strictly inside the image.
    let seed = 100 + 10 * i;
    while (!mixes(draws(wt, options, x, y, seed))) seed++;
    const d = draws(wt, options, x, y, seed);
    const model = arch === 'resnet8' ? wt.models.resnet({ depth: 8, inputShape: SHAPE, numClasses: K, seed: 3 })
      : arch === 'spec' ? wt.models.fromSpec(LAYERS, { seed: 3 })
        : wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 3 });
    const teacher = options.distillation ? wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 9 }) : null;
    const trainer = new wt.Trainer(model, { ...options, seed, ...(teacher ? { teacher } : {}) });
    const dir = join(tmp, `case${i}`);
    await writeExport(dir, (await wt.exportPyTorch(trainer, { data, epochs: 1, batchSize: N })).files);
    const losses = [];
    for (let s = 0; s < steps; s++) losses.push(trainer.step(x, y).loss);
    engine.push({ name, losses, params: model.getParams() });
    jobs.push({ dir, x: join(tmp, 'x.f32'), shape: [N, ...SHAPE], y: [...y], draws: Array(steps).fill(d) });
    trainer.dispose();
    model.dispose();
    teacher?.dispose();
  }
  writeFileSync(join(tmp, 'jobs.json'), JSON.stringify(jobs));
  writeFileSync(join(tmp, 'steps.py'), STEPS_PY);
  const r = py([join(tmp, 'steps.py'), join(tmp, 'jobs.json')]);
  assert.equal(r.status, 0, r.stderr);
  const torchLosses = JSON.parse(r.stdout);
  for (const [i, e] of engine.entries()) {
    e.losses.forEach((l, s) => {
      const t = torchLosses[i][s];
      assert.ok(Math.abs(l - t) <= 1e-5 * Math.abs(t), `${e.name}: step ${s + 1} loss engine ${l} torch ${t}`);
    });
    const after = wt.models.load(new Uint8Array(readFileSync(join(jobs[i].dir, 'after.safetensors'))));
    const p = after.getParams();
    after.dispose();
    let worst = 0, at = 0;
    for (let k = 0; k < p.length; k++) {
      const d = Math.abs(p[k] - e.params[k]) / Math.max(1, Math.abs(p[k]));
      if (d > worst) [worst, at] = [d, k];
    }
    assert.ok(worst <= 1e-5, `${e.name}: weights differ by ${worst} (parameter ${at}: engine ${e.params[at]}, torch ${p[at]})`);
  }
});

test('torchrun --nproc_per_node 2 (gloo, CPU): one epoch trains, the weights load in the engine with torch\'s eval logits', { skip }, async () => {
  const wt = await wtP;
  const data = writeData(join(tmp, 'ddp-data'), 320);
  const out = join(tmp, 'ddp');
  let r = spawnSync(process.execPath, [CLI, 'export-pytorch', '--data', data, '--model', 'resnet8', '--epochs', '1',
    '--batch-size', '16', '--lr', '0.05', '--random-crop', '1', '--label-smoothing', '0.1', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // --redirects 1 --tee 1: Debian's torch 1.13 under Python 3.11 misreads torchrun's default '0'.
  r = py(['-m', 'torch.distributed.run', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1',
    '--master_port', String(29500 + (process.pid % 1000)), join(out, 'train.py')], { cwd: tmp });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /on 2 processes \(gloo\)/);
  const losses = [...r.stdout.matchAll(/step \d+\/\d+ \| loss ([\d.]+)/g)].map((m) => Number(m[1]));
  assert.ok(losses.length >= 5, r.stdout);
  const mean3 = (a) => (a[0] + a[1] + a[2]) / 3;
  assert.ok(mean3(losses.slice(-3)) < 0.7 * mean3(losses), `the loss falls: ${losses.join(', ')}`);
  // The written file in the engine and in torch (eval mode) on the same inputs.
  const bytes = new Uint8Array(readFileSync(join(out, 'model.safetensors')));
  const model = wt.models.load(bytes).eval();
  const meta = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(meta.classNames.length, 4);
  assert.equal(meta.normalization.mean.length, 1);
  const x = Float32Array.from({ length: 6 * 64 }, (_, i) => Math.sin(i * 0.37) * 1.5);
  const ours = model.forward(x);
  model.dispose();
  writeFileSync(join(tmp, 'eval.f32'), new Uint8Array(x.buffer));
  r = py(['-c', String.raw`
import importlib.util, json, sys
import numpy as np, torch
spec = importlib.util.spec_from_file_location('train', sys.argv[1]); t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)
m, _ = t.load_model(sys.argv[2])
x = torch.from_numpy(np.fromfile(sys.argv[3], dtype='<f4').reshape(6, 1, 8, 8).copy())
print(json.dumps(m.eval()(x).detach().flatten().tolist()))`, join(out, 'train.py'), join(out, 'model.safetensors'), join(tmp, 'eval.f32')]);
  assert.equal(r.status, 0, r.stderr);
  const theirs = JSON.parse(r.stdout);
  theirs.forEach((v, i) => assert.ok(Math.abs(v - ours[i]) <= 1e-4 * Math.max(1, Math.abs(v)), `logit ${i}: engine ${ours[i]} torch ${v}`));
});

test('export-pytorch: a bad flag or a missing data folder is a one-line error; so is a missing folder in train.py', { skip }, async () => {
  const cli = (...args) => spawnSync(process.execPath, [CLI, 'export-pytorch', ...args], { encoding: 'utf8' });
  const oneLine = (r, re) => {
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  };
  oneLine(cli('--data', tmp, '--out', join(tmp, 'x'), '--bogus'), /unknown option '--bogus'/);
  oneLine(cli('--data', join(tmp, 'no-such-folder'), '--out', join(tmp, 'x')), /no such data folder/);
  oneLine(cli('--data', tmp), /needs --out/);
  oneLine(cli('--data', tmp, '--out', join(tmp, 'x'), '--lr', '-1'), /--lr must be a positive number/);
  const data = writeData(join(tmp, 'err-data'), 16);
  const out = join(tmp, 'err');
  assert.equal(cli('--data', data, '--out', out).status, 0);
  oneLine(py([join(out, 'train.py'), '--data', join(tmp, 'gone')]), /^train\.py: no such data set or folder/);
  const wt = await wtP;
  const m = wt.models.studentCNN({ inputShape: SHAPE, numClasses: K });
  const t = new wt.Trainer(m, { optimizer: SGD });
  await assert.rejects(wt.exportPyTorch(t, { data: join(tmp, 'gone') }), /exportPyTorch: no such data folder/);
  await assert.rejects(wt.exportPyTorch(t, { data, bogus: 1 }), /unknown run option 'bogus'/);
  m.dispose();
});

test('exportPyTorch of checkpoint bytes continues its run: its weights, epoch, step, recipe and normalisation', async () => {
  const wt = await wtP;
  const data = writeData(join(tmp, 'ck-data'), 32);
  const set = await wt.data.open(data);
  const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 2 });
  const trainer = new wt.Trainer(model, { preset: 'bag-of-tricks', ricap: undefined, mixup: undefined, cutmix: { alpha: 1 } });
  await trainer.fit(set, { epochs: 1, batchSize: 8, prefetch: false });
  const ck = trainer.checkpoint({ epoch: 1, epochs: 3, batchSize: 8 });
  const { files } = await wt.exportPyTorch(ck, { data });
  const config = JSON.parse(files['train.py'].match(/CONFIG = json\.loads\(r'''([\s\S]*?)'''\)/)[1]);
  assert.deepEqual(config.start, { epoch: 1, step: 4 });
  assert.equal(config.epochs, 3);
  assert.equal(config.batchSize, 8);
  assert.deepEqual(config.cutmix, { alpha: 1, prob: 0.5 });
  assert.equal(config.labelSmoothing, 0.1);
  assert.equal(config.optimizer.noBiasDecay, true);
  assert.deepEqual(config.normalize.mean, [...set.mean]);
  assert.deepEqual(files['init.safetensors'], model.save());
  // A finished run runs its recipe again from its weights.
  const again = await wt.exportPyTorch(trainer.checkpoint({ epoch: 1, epochs: 1, batchSize: 8 }), { data });
  assert.match(again.files['train.py'], /"start": \{\n  "epoch": 0,\n  "step": 0\n \}/);
  assert.equal(files['teacher.safetensors'], undefined);
  await assert.rejects(wt.exportPyTorch(trainer, { data: '' }), /run\.data must be/);
  model.dispose();
});
