// freeze.test.mjs - the Trainer options freeze, paramGroups and frozenBatchNorm (issue #24) through
// wasm: a frozen tensor is bitwise unchanged after fit (SGD momentum + weight decay, AdamW),
// with a frozen BatchNorm's running statistics fixed in 'eval' and moving in 'train'; a group's
// lr is its own; the same over two threads; bad options name the option and the model's names,
// and the model trains after them; describe() and checkpoints keep the options; the CLI flags;
// a WorkerTrainer and a new worker from its checkpoint. The update rules against torch.optim with
// the same groups: tests/native/test_groups.c; the PyTorch export: export.test.mjs CASES.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '../../js/index.js';
import { decodeCheckpoint } from '../../js/checkpoint.js';
import { quadrants, quadrantImages, throwsWt } from './helpers.mjs';
import { halvesFolder } from './idx.mjs';

const wt = await init();
const SHAPE = [1, 8, 8];
const K = 4;

/** The model's BatchNorm running statistics (the buffer block), copied. */
function buffers(model) {
  const rt = model._rt;
  return rt.withStack((salloc) => {
    const n = salloc(8);
    const p = rt.exports.wt_wasm_model_buffers(model._ptr, n) >>> 0;
    return new Float32Array(rt.memory.buffer, p, new Float64Array(rt.memory.buffer, n, 1)[0]).slice();
  });
}

/** Per tensor name: its values (params or buffers) as an array of numbers. */
function values(model) {
  const p = model.getParams();
  const b = buffers(model);
  const out = {};
  for (const t of model.tensors()) {
    if (t.block === 'counter') continue;
    const src = t.block === 'params' ? p : b;
    out[t.name] = Array.from(src.subarray(t.offset, t.offset + t.size));
  }
  return out;
}

const resnet = (inputShape = SHAPE) => wt.models.resnet({ depth: 8, inputShape, numClasses: K, seed: 5 });
const FROZEN = (name) => /^(conv1|bn1|layer1)\./.test(name);

// SGD over a schedule fit() resolves (a fresh C trainer then replaces the first one).
for (const [optimizer, schedule] of [[{ name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-3 }, { name: 'cosine', tMax: 'auto', warmupSteps: 'auto' }],
  [{ name: 'adamw', lr: 0.01, weightDecay: 0.05 }, null]]) {
  test(`freeze ['conv1', 'bn1', 'layer1'] (${optimizer.name}): bitwise unchanged after fit, BatchNorm statistics included`, async () => {
    for (const frozenBatchNorm of ['eval', 'train']) {
      const model = resnet([3, 16, 16]);
      const before = values(model);
      const t = new wt.Trainer(model, { optimizer, schedule, freeze: ['conv1', 'bn1', 'layer1'], frozenBatchNorm });
      await t.fit(wt.data.fromArrays(quadrantImages(48)), { epochs: 2, batchSize: 16 });
      const after = values(model);
      let moved = 0;
      for (const [name, v] of Object.entries(after)) {
        const stat = /running_(mean|var)$/.test(name);
        if (FROZEN(name) && (!stat || frozenBatchNorm === 'eval')) {
          assert.deepEqual(v, before[name], `${frozenBatchNorm}: ${name} moved`);
        } else if (FROZEN(name)) {
          assert.notDeepEqual(v, before[name], `train: ${name} should move as torch's do`);
        } else if (!stat) {
          moved += v.some((x, i) => x !== before[name][i]);
        }
      }
      assert.ok(moved >= 8, `the trainable tensors move (${moved})`);
      model.dispose();
    }
  });
}

test('paramGroups: a group with lr 0 stays, the string shorthand equals the object form; describe and checkpoints keep them', () => {
  const run = (paramGroups) => {
    const model = wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 3 });
    const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, paramGroups, freeze: ['conv1'] });
    for (let s = 0; s < 3; s++) {
      const { x, y } = quadrants(8, 20 + s);
      t.step(x, y);
    }
    return { model, t, v: values(model) };
  };
  const a = run([{ match: 'fc2', lr: 0 }, { match: 'fc1', lr: 0.2, weightDecay: 1e-3 }]);
  const b = run(['fc2:lr=0', 'fc1:lr=0.2,weightDecay=1e-3']);
  const start = values(wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 3 }));
  assert.deepEqual(a.v['fc2.weight'], start['fc2.weight']);
  assert.deepEqual(a.v['conv1.weight'], start['conv1.weight']);
  assert.notDeepEqual(a.v['fc1.weight'], start['fc1.weight']);
  assert.deepEqual(a.v, b.v);
  const d = a.t.describe();
  assert.deepEqual(d.freeze, ['conv1']);
  assert.deepEqual(d.paramGroups, [{ match: 'fc2', lr: 0 }, { match: 'fc1', lr: 0.2, weightDecay: 1e-3 }]);
  assert.equal(d.frozenBatchNorm, 'eval');
  const ck = decodeCheckpoint(a.t.checkpoint());
  assert.deepEqual(ck.options.freeze, ['conv1']);
  assert.deepEqual(ck.options.paramGroups, d.paramGroups);
  // a trainer built from the checkpoint's options continues the run bit for bit
  const { freeze, paramGroups, frozenBatchNorm } = ck.options;
  const c = new wt.Trainer(b.model, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, freeze, paramGroups, frozenBatchNorm });
  c.restore(a.t.checkpoint());
  const { x, y } = quadrants(8, 30);
  a.t.step(x, y);
  c.step(x, y);
  assert.deepEqual(values(a.model), values(b.model));
  // without the options, describe() has no such keys (checkpoints of other runs unchanged)
  const plain = new wt.Trainer(a.model, { optimizer: { name: 'sgd', lr: 0.05 } });
  assert.ok(!('freeze' in plain.describe()));
  a.model.dispose();
  b.model.dispose();
});

// A frozen BatchNorm in eval mode normalises with its running statistics on every shard, so two
// threads follow one (a replica with a training BatchNorm would normalise per shard and differ).
test('threads: 2 with a frozen conv + eval BatchNorm follows one thread', async () => {
  const spec = { input: SHAPE, classes: K, layers: [
    { type: 'conv2d', name: 'conv1', out_channels: 4, kernel: 3, padding: 1 },
    { type: 'batchnorm2d', name: 'bn1' }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 },
    { type: 'flatten' }, { type: 'linear', name: 'fc', out_features: K }] };
  const opts = { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, freeze: ['conv1', 'bn1'] };
  const a = wt.models.fromSpec(spec, { seed: 4 });
  const b = wt.models.fromSpec(spec, { seed: 4 });
  // running statistics that differ from any batch's
  for (const m of [a, b]) {
    const { x, y } = quadrants(16, 99);
    await new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0 } }).step(x, y);
  }
  const before = values(a);
  const t1 = new wt.Trainer(a, opts);
  const t2 = new wt.Trainer(b, { ...opts, threads: 2 });
  try {
    for (let s = 0; s < 3; s++) {
      const { x, y } = quadrants(16, 40 + s);
      const r1 = t1.step(x, y);
      const r2 = await t2.stepAsync(x, y);
      assert.ok(Math.abs(r1.loss - r2.loss) <= 1e-5 * r1.loss, `${r1.loss} vs ${r2.loss}`);
    }
    const va = values(a);
    const vb = values(b);
    for (const name of Object.keys(va)) {
      if (/^(conv1|bn1)\./.test(name)) {
        assert.deepEqual(va[name], before[name], name);
        assert.deepEqual(vb[name], before[name], name);
      } else {
        for (let i = 0; i < va[name].length; i++) {
          assert.ok(Math.abs(va[name][i] - vb[name][i]) <= 1e-4 * Math.abs(va[name][i]) + 1e-6, `${name}[${i}]`);
        }
      }
    }
  } finally {
    t2.dispose();
    a.dispose();
    b.dispose();
  }
});

test('bad freeze / paramGroups: a clear error naming the option, and the model trains after it', () => {
  const model = resnet();
  const sgd = { name: 'sgd', lr: 0.05 };
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, freeze: ['layer9'] }), 'WT_ERR_ARG',
    /freeze 'layer9' matches no parameter of the model \(its top-level names: conv1, bn1, layer1, layer2, layer3, fc\)/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, freeze: ['layer'] }), 'WT_ERR_ARG', /'layer' matches no parameter/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, freeze: 'conv1' }), 'WT_ERR_ARG', /freeze must be an array/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, freeze: ['conv1', 'bn1', 'layer1', 'layer2', 'layer3', 'fc'] }),
    'WT_ERR_ARG', /nothing left to train/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, paramGroups: [{ match: 'fc', lr: NaN }] }), 'WT_ERR_ARG',
    /paramGroups\[0\]\.lr must be a finite number >= 0, got NaN/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, paramGroups: [{ match: 'fc', rate: 1 }] }), 'WT_ERR_ARG',
    /paramGroups\[0\]: unknown key 'rate'/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, paramGroups: [{ match: 'head' }] }), 'WT_ERR_ARG',
    /paramGroups\[0\]\.match 'head' matches no parameter/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, paramGroups: ['fc:lr'] }), 'WT_ERR_ARG',
    /must look like 'PREFIX:lr=X,weightDecay=Y'/);
  throwsWt(() => new wt.Trainer(model, { optimizer: sgd, freeze: ['fc'], frozenBatchNorm: 'off' }), 'WT_ERR_ARG',
    /frozenBatchNorm must be one of 'eval', 'train'/);
  // the engine's own check (AdaBound scales final_lr by lr / base lr)
  throwsWt(() => new wt.Trainer(model, { optimizer: { name: 'adabound', lr: 1e-3 }, paramGroups: [{ match: 'fc', lr: 0 }] }),
    'WT_ERR_ARG', /paramGroups: .*adabound: lr must be > 0/);
  const t = new wt.Trainer(model, { optimizer: sgd, freeze: ['conv1'] });
  const { x, y } = quadrants(8, 1);
  assert.ok(Number.isFinite(t.step(x, y).loss));
  model.dispose();
});

test('CLI: --freeze (comma list, repeatable), --param-group and --frozen-batchnorm train; a bad prefix is one clear line', () => {
  const CLI = fileURLToPath(new URL('../../bin/wasmtricks.js', import.meta.url));
  const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const h = run('--help');
  assert.match(h.stdout, /--freeze PREFIX/);
  assert.match(h.stdout, /--param-group GROUP +parameter groups/);
  assert.match(h.stdout.replace(/\n\s+/g, ' '), /the flag: PREFIX:lr=X,weightDecay=Y, repeatable/);
  assert.match(h.stdout, /--frozen-batchnorm/);
  const dir = mkdtempSync(join(tmpdir(), 'wt-freeze-'));
  try {
    halvesFolder(dir);
    const ck = join(dir, 'run.ckpt');
    const args = ['train', '--data', dir, '--epochs', '1', '--batch-size', '16', '--checkpoint', ck];
    const r = run(...args, '--freeze', 'conv1,conv2', '--freeze', 'fc1', '--param-group', 'fc2:lr=0.1,weightDecay=0',
      '--frozen-batchnorm', 'train');
    assert.equal(r.status, 0, r.stderr);
    const o = decodeCheckpoint(new Uint8Array(readFileSync(ck))).options;
    assert.deepEqual(o.freeze, ['conv1', 'conv2', 'fc1']);
    assert.deepEqual(o.paramGroups, [{ match: 'fc2', lr: 0.1, weightDecay: 0 }]);
    assert.equal(o.frozenBatchNorm, 'train');
    const bad = run(...args, '--freeze', 'layer1');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /freeze 'layer1' matches no parameter of the model \(its top-level names: conv1, conv2, fc1, fc2\)/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WorkerTrainer: freeze in a worker_thread; a checkpoint carries it to a new worker', { timeout: 120_000 }, async () => {
  const { WorkerTrainer } = await import('../../js/worker.js');
  const MODEL = { name: 'student', inputShape: [3, 16, 16], numClasses: K, seed: 3 };
  const data = quadrantImages(32);
  const a = await WorkerTrainer.create({ model: MODEL, trainer: { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, freeze: ['conv1', 'conv2'] } });
  let b;
  try {
    await a.fit(data, { epochs: 1, batchSize: 8 });
    const fresh = values(wt.models.studentCNN(MODEL));
    const trained = wt.models.load(await a.exportWeights());
    const v = values(trained);
    for (const n of ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias']) assert.deepEqual(v[n], fresh[n], n);
    assert.notDeepEqual(v['fc1.weight'], fresh['fc1.weight']);
    // a new worker from the checkpoint (its options from the checkpoint) keeps the backbone frozen
    b = await WorkerTrainer.create({ model: { checkpoint: await a.checkpoint() } });
    await b.fit(data, { epochs: 1, batchSize: 8 });
    const v2 = values(wt.models.load(await b.exportWeights()));
    for (const n of ['conv1.weight', 'conv2.weight']) assert.deepEqual(v2[n], fresh[n], n);
    assert.notDeepEqual(v2['fc1.weight'], v['fc1.weight']);
  } finally {
    await a.terminate();
    await b?.terminate();
  }
});

test("'@backbone' freezes all but the classifier (headName), '@head' addresses it; a model without one says so", () => {
  for (const [model, head] of [[resnet(), 'fc'], [wt.models.studentCNN({ inputShape: SHAPE, numClasses: K, seed: 2 }), 'fc2']]) {
    assert.equal(model.headName, head);
    const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.1 }, freeze: ['@backbone'], paramGroups: [{ match: '@head', lr: 0.5 }] });
    const before = values(model);
    const { x: images, y: labels } = quadrants(16, 7);
    t.step(images, labels);
    for (const [name, v] of Object.entries(values(model))) {
      if (/running_|num_batches/.test(name)) continue;
      if (name.startsWith(`${head}.`)) assert.notDeepEqual(v, before[name], `${name} trains`);
      else assert.deepEqual(v, before[name], `${name} is frozen`);
    }
    // the same as naming the prefixes by hand
    const m2 = wt.models.load(model.save());
    const byName = [...new Set(model.tensors().filter((x) => x.block === 'params' && !x.name.startsWith(`${head}.`)).map((x) => x.name.split('.')[0]))];
    const t2 = new wt.Trainer(m2, { optimizer: { name: 'sgd', lr: 0.1 }, freeze: byName, paramGroups: [{ match: head, lr: 0.5 }] });
    t2.step(images, labels);
    t.step(images, labels);
    assert.deepEqual(m2.getParams(), model.getParams());
    t.dispose(); t2.dispose(); model.dispose(); m2.dispose();
  }
  const noHead = wt.models.fromSpec({ input: [1, 4, 4], classes: 16, layers: [{ type: 'conv2d', out_channels: 1, kernel: 1 }, { type: 'flatten' }] });
  throwsWt(() => noHead.headName, 'WT_ERR_UNSUPPORTED', /no linear classifier/);
  throwsWt(() => new wt.Trainer(noHead, { optimizer: { name: 'sgd', lr: 0.1 }, freeze: ['@backbone'] }), 'WT_ERR_UNSUPPORTED',
    /Trainer: freeze: withHead: the model has no linear classifier/);
});
