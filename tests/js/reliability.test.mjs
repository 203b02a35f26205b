// reliability.test.mjs - issue #12 in the wasm build: gradient clipping against PyTorch's
// clip_grad_norm_ (tests/data/clip_goldens.json, scripts/gen_clip_goldens.py), divergence
// (fit rejects naming the epoch, batch and step; the last good checkpoint file stays intact and
// resumable), checkpoint checksums (corrupt and truncated files, a corrupt new file never
// replaces the last good one), out of memory as an error with everything held still usable,
// and bitwise determinism of two runs with one seed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { init, WasmTricksError } from '../../js/index.js';
import { crc32, encodeCheckpoint, decodeCheckpoint, writeCheckpointFile, readCheckpointFile } from '../../js/checkpoint.js';
import { idx } from './idx.mjs';
import { throwsWt, fnv64 } from './helpers.mjs';

const wt = await init();
const golden = JSON.parse(readFileSync(new URL('../data/clip_goldens.json', import.meta.url), 'utf8'));

const near = (a, b, atol, rtol, what) =>
  assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${what}: ${a} vs ${b}`);

/** A 4-class set of 1x8x8 images: class c has a bright column c (mod 4), plus noise. */
function toySet(n, seed = 1) {
  const images = new Uint8Array(n * 64);
  const labels = new Int32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let j = 0; j < 64; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      images[i * 64 + j] = (j % 4 === labels[i] ? 160 : 40) + (s >>> 26);
    }
  }
  return wt.data.fromArrays({ images, labels, shape: [1, 8, 8], numClasses: 4 });
}

for (const forceScalar of [false, true]) {
  test(`gradClipNorm matches torch.nn.utils.clip_grad_norm_ (${forceScalar ? 'scalar' : 'SIMD'} kernels)`, async () => {
    const w = forceScalar ? await init({ forceScalar: true }) : wt;
    const { N, C, H, W, K } = golden;
    const x = Float32Array.from({ length: N * C * H * W }, (_, i) => Math.cos(0.9 * i) + 0.5 * Math.sin(0.13 * i));
    const y = Int32Array.from({ length: N }, (_, i) => i % K);
    for (const run of golden.runs) {
      const m = w.models.studentCNN({ inputShape: [C, H, W], numClasses: K });
      assert.equal(m.paramCount, run.n_params);
      m.setParams(Float32Array.from({ length: m.paramCount }, (_, i) => 0.08 * Math.sin(0.37 * i + 0.5)));
      const t = new w.Trainer(m, { optimizer: { name: 'sgd', lr: golden.lr, momentum: golden.momentum, weightDecay: golden.weight_decay },
        gradClipNorm: run.max_norm });
      assert.equal(t.gradClipNorm, run.max_norm);
      assert.equal(t.describe().gradClipNorm, run.max_norm);
      assert.equal(t.gradNorm, 0);
      for (let s = 0; s < golden.steps; s++) {
        const { loss } = t.step(x, y);
        near(loss, run.loss[s], 1e-6, 1e-5, `max_norm ${run.max_norm} step ${s + 1} loss`);
        near(t.gradNorm, run.grad_norm[s], 1e-7, 1e-5, `max_norm ${run.max_norm} step ${s + 1} grad norm`);
      }
      const p = m.getParams();
      run.params.forEach((v, j) => near(p[j * run.param_stride], v, 1e-6, 1e-4, `param ${j * run.param_stride}`));
      near(p.reduce((a, v) => a + v, 0), run.param_sum, 1e-3, 1e-5, 'parameter sum');
      m.forward(x).forEach((v, j) => near(v, run.logits[j], 1e-5, 1e-4, `logit ${j}`));
      m.dispose();
    }
  });
}

test('gradClipNorm: bad values are rejected naming the option; 0 is off', () => {
  const m = wt.models.studentCNN({ inputShape: [1, 4, 4], numClasses: 2 });
  const opt = { name: 'sgd', lr: 0.1 };
  throwsWt(() => new wt.Trainer(m, { optimizer: opt, gradClipNorm: -1 }), 'WT_ERR_ARG', /gradClipNorm must be >= 0/);
  throwsWt(() => new wt.Trainer(m, { optimizer: opt, gradClipNorm: NaN }), 'WT_ERR_ARG', /gradClipNorm must be a finite number, got NaN/);
  throwsWt(() => new wt.Trainer(m, { optimizer: opt, gradClipNorm: Infinity }), 'WT_ERR_ARG', /gradClipNorm/);
  throwsWt(() => new wt.Trainer(m, { optimizer: opt, gradClipNorm: '1' }), 'WT_ERR_ARG', /gradClipNorm must be a finite number, got string/);
  const t = new wt.Trainer(m, { optimizer: opt, gradClipNorm: 0 });
  assert.equal(t.gradClipNorm, 0);
  t.step(new Float32Array(32).fill(0.5), Int32Array.of(0, 1));
  assert.ok(t.gradNorm > 0);
  m.dispose();
});

test('divergence: fit rejects naming the step, the last good checkpoint stays intact and resumable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wt-diverge-'));
  try {
    const path = join(dir, 'run.ckpt');
    const data = toySet(64);
    const opts = { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, seed: 2 };
    const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 2 });
    const trainer = new wt.Trainer(model, opts);
    let epoch1 = null;
    const err = await trainer.fit(data, {
      epochs: 3, batchSize: 16, checkpoint: path,
      onProgress: (p) => {
        if (p.type === 'epoch' && p.epoch === 1) {
          epoch1 = readFileSync(path);
          trainer.setLearningRate(1e6); // a typo'd learning rate from epoch 2 on
        }
      },
    }).then(() => null, (e) => e);
    assert.ok(err instanceof WasmTricksError, `fit resolved or threw ${err}`);
    assert.equal(err.code, 'WT_ERR_NONFINITE');
    assert.match(err.message, /^fit: epoch 2, batch \d\/4: wt_trainer_step: .* is (NaN|[+-]Inf) at step (\d+) \(diverged; lower the lr or set grad_clip_norm\); .*run\.ckpt keeps the last good checkpoint$/);
    const step = Number(err.message.match(/at step (\d+)/)[1]);
    const batch = Number(err.message.match(/batch (\d)\/4/)[1]);
    assert.equal(step, 4 + batch, 'the step named is the refused one (4 steps in epoch 1)');
    assert.equal(trainer.steps, step - 1, 'the refused step did not count');
    assert.ok(model.getParams().every(Number.isFinite), 'no NaN reached the weights');
    // The file on disk is epoch 1's, byte for byte, and no temp file is left.
    assert.deepEqual(readFileSync(path), epoch1);
    assert.deepEqual(readdirSync(dir), ['run.ckpt']);
    const ck = await readCheckpointFile(path);
    assert.equal(ck.epoch, 1);
    // Resuming it with the sane lr finishes the run.
    const m2 = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 99 });
    const t2 = new wt.Trainer(m2, opts);
    const { history } = await t2.fit(data, { epochs: 3, batchSize: 16, resume: path });
    assert.equal(history.length, 2);
    assert.ok(history.every((h) => Number.isFinite(h.loss)));
    assert.equal(t2.steps, 12);
    model.dispose();
    m2.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint CRC-32: the standard check value, and corrupt or truncated bytes are detected', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926); // CRC-32/ISO-HDLC check value
  assert.equal(crc32(new Uint8Array(0)), 0);
  const m = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 5 });
  const t = new wt.Trainer(m, { optimizer: { name: 'adam', lr: 1e-3 } });
  const data = toySet(16);
  t.step(wt.data.toFloat(data.images, { shape: [1, 8, 8], mean: 0.5, std: 0.25 }), data.labels);
  const good = t.checkpoint();
  const end = good.length - 4;
  assert.equal(new DataView(good.buffer).getUint32(end, true), crc32(good.subarray(0, end)));
  assert.equal(decodeCheckpoint(good).steps, 1);
  const hl = new DataView(good.buffer).getUint32(8, true);
  const ck = decodeCheckpoint(good);
  // One flipped bit anywhere after the magic: header, model weights, moments, the CRC itself.
  const where = { 'the header': 12 + 20, 'the model section': 12 + hl + 200, 'the moments': end - 100, 'the stored CRC': end + 1 };
  for (const [what, at] of Object.entries(where)) {
    const bad = good.slice();
    bad[at] ^= 0x10;
    assert.throws(() => decodeCheckpoint(bad), (e) => e.code === 'WT_ERR_FORMAT' && /checksum mismatch/.test(e.message), what);
    throwsWt(() => t.restore(bad), 'WT_ERR_FORMAT', /checksum mismatch/);
  }
  // A flipped header-length field.
  const badLen = good.slice();
  badLen[11] ^= 0x40;
  throwsWt(() => decodeCheckpoint(badLen), 'WT_ERR_FORMAT', /checksum mismatch/);
  // Cut anywhere: in the preamble, the header, a section, or the CRC.
  for (const n of [4, 10, 12 + (hl >> 1), 12 + hl + 1000, end - 7, end, good.length - 1]) {
    throwsWt(() => decodeCheckpoint(good.subarray(0, n)), 'WT_ERR_FORMAT', /truncated/);
  }
  throwsWt(() => decodeCheckpoint(new Uint8Array([...good, 0])), 'WT_ERR_FORMAT', /checksum mismatch|padded/);
  throwsWt(() => decodeCheckpoint(new Uint8Array(64)), 'WT_ERR_FORMAT', /not a wasmtricks checkpoint/);
  // The trainer is intact after all that and restores the good bytes.
  t.step(wt.data.toFloat(data.images, { shape: [1, 8, 8], mean: 0.5, std: 0.25 }), data.labels);
  t.restore(good);
  assert.equal(t.steps, 1);
  assert.deepEqual(decodeCheckpoint(t.checkpoint()).moments, ck.moments);
  // Version 1 files (written before the checksum) still load: the same bytes without the CRC,
  // the header saying version 1 (padded with spaces to its length).
  const header = JSON.parse(new TextDecoder().decode(good.subarray(12, 12 + hl)));
  assert.equal(header.version, 2);
  const h1 = new TextEncoder().encode(JSON.stringify({ ...header, version: 1, totalBytes: end }).padEnd(hl, ' '));
  assert.equal(h1.length, hl);
  const v1 = good.slice(0, end);
  v1.set(h1, 12);
  assert.deepEqual(decodeCheckpoint(v1).moments, ck.moments);
  assert.deepEqual(decodeCheckpoint(v1).model, ck.model);
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(ck)).model, ck.model); // a round trip
  m.dispose();
});

test('a corrupt new checkpoint file is detected before it replaces the last good one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wt-ckpt-'));
  try {
    const path = join(dir, 'a.ckpt');
    const m = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 6 });
    const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 } });
    const data = toySet(16);
    const x = wt.data.toFloat(data.images, { shape: [1, 8, 8], mean: 0.5, std: 0.25 });
    t.step(x, data.labels);
    const good = t.checkpoint();
    await writeCheckpointFile(path, good);
    t.step(x, data.labels);
    const next = t.checkpoint();
    // The disk flips a bit of the new file while it is written (the temp file, not yet renamed).
    await assert.rejects(writeCheckpointFile(path, next, {
      chunkSize: 4096,
      onChunk: (written) => {
        if (written === 8192) {
          const tmp = join(dir, readdirSync(dir).find((f) => f.includes('.tmp-')));
          const b = readFileSync(tmp);
          b[5000] ^= 1;
          writeFileSync(tmp, b);
        }
      },
    }), (e) => e instanceof WasmTricksError && e.code === 'WT_ERR_FORMAT' &&
      /failed verification, the previous one is kept: checkpoint: checksum mismatch/.test(e.message));
    assert.deepEqual(readdirSync(dir), ['a.ckpt']); // no temp file left
    assert.deepEqual(new Uint8Array(readFileSync(path)), good);
    const back = await readCheckpointFile(path);
    t.restore(good);
    assert.equal(back.steps, 1);
    assert.equal(t.steps, 1);
    // A file corrupted on disk afterwards is reported with its path.
    const onDisk = readFileSync(path);
    onDisk[onDisk.length >> 1] ^= 4;
    writeFileSync(path, onDisk);
    await assert.rejects(readCheckpointFile(path), (e) => e.code === 'WT_ERR_FORMAT' && e.message.startsWith(`${path}: checkpoint: checksum mismatch`));
    writeFileSync(path, onDisk.subarray(0, 1000));
    await assert.rejects(readCheckpointFile(path), /truncated/);
    // fit refuses to resume from it and trains nothing.
    await assert.rejects(t.fit(data, { epochs: 1, batchSize: 16, resume: path }), /truncated/);
    assert.equal(t.steps, 1);
    m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('out of memory: a model or batch too large for 4 GiB is an error; what is held stays valid and trains', async () => {
  const w = await init(); // its own memory: the attempt below grows it to 2 GiB (not written)
  const small = w.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 1 });
  const trainer = new w.Trainer(small, { optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 } });
  const x = Float32Array.from({ length: 8 * 64 }, (_, i) => Math.sin(i));
  const y = Int32Array.from({ length: 8 }, (_, i) => i % 4);
  trainer.step(x, y);
  const params = small.getParams();
  const held = w.stats();
  // 536,838,914 parameters: 2 GiB of weights fit, the 2 GiB of gradients do not.
  throwsWt(() => w.models.fromSpec({ input: [29, 1, 1], classes: 2,
    layers: [{ type: 'flatten' }, { type: 'linear', out_features: 2 ** 24 - 1000 }, { type: 'linear', out_features: 2 }] }),
  'WT_ERR_OOM', /out of memory for 536838914 parameters/);
  // More parameters than 4 GiB can address at all: a size error naming the layer.
  throwsWt(() => w.models.studentCNN({ inputShape: [1, 1024, 512], numClasses: 10 }), 'WT_ERR_SHAPE',
    /layer 6 \(linear fc1\): the model would have more than 536870911 parameters/);
  // A batch whose activations exceed the memory.
  throwsWt(() => trainer.step(new Float32Array(40000 * 64), new Int32Array(40000)), 'WT_ERR_OOM', /a batch of 40000 is too large/);
  // An output of exactly 2^32 bytes: the size does not wrap to a small block.
  const wide = w.models.fromSpec({ input: [1, 2, 2], classes: 65536, layers: [{ type: 'flatten' }, { type: 'linear', out_features: 65536 }] });
  throwsWt(() => wide.forward(new Float32Array(16384 * 4)), 'WT_ERR_OOM', /outputs: 4294967296 bytes exceed the 4 GiB wasm32 memory/);
  throwsWt(() => wide.predict(new Float32Array(16384 * 4)), 'WT_ERR_OOM', /outputs/);
  wide.dispose();
  const after = w.stats();
  assert.equal(after.liveBytes, held.liveBytes);
  assert.equal(after.liveAllocations, held.liveAllocations);
  assert.deepEqual(small.getParams(), params);
  const { loss } = trainer.step(x, y);
  assert.ok(Number.isFinite(loss));
  assert.equal(trainer.steps, 2);
  console.log(`out of memory: wasm memory ${held.wasmMemoryBytes} -> ${after.wasmMemoryBytes} bytes after the attempts; live ${held.liveBytes} bytes in ${held.liveAllocations} blocks before and after`);
  small.dispose();
});

test('determinism: same seed, bitwise-identical weights after fit with shuffling, augmentation and batch tricks', async () => {
  const run = async (w, seed) => {
    const model = w.models.resnet({ depth: 8, inputShape: [1, 8, 8], numClasses: 4, seed });
    const t = new w.Trainer(model, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }, seed,
      mixup: { alpha: 0.4 }, cutmix: { alpha: 1 }, augment: { randomCrop: 1, hflip: true }, gradClipNorm: 2 });
    await t.fit(toySet(48), { epochs: 2, batchSize: 16 });
    const p = model.getParams();
    model.dispose();
    return p;
  };
  const a = await run(wt, 7);
  const b = await run(await init(), 7); // another instance: its own memory
  const c = await run(wt, 8);
  assert.deepEqual(new Uint8Array(a.buffer), new Uint8Array(b.buffer));
  assert.equal(fnv64(a), fnv64(b));
  assert.notEqual(fnv64(a), fnv64(c));
  console.log(`determinism (wasm, ${wt.kernelName}): resnet8 6 steps, seed 7 twice -> ${fnv64(a)}, seed 8 -> ${fnv64(c)}`);
});

test('CLI: --clip-grad-norm X sets gradClipNorm; a bad value is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wt-cli-clip-'));
  try {
    const set = toySet(32);
    for (const prefix of ['train', 't10k']) {
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([32, 8, 8], set.images));
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([32], Uint8Array.from(set.labels)));
    }
    const cli = new URL('../../bin/wasmtricks.js', import.meta.url).pathname;
    const run = (...args) => spawnSync(process.execPath, [cli, 'train', '--data', dir, '--batch-size', '16', ...args], { encoding: 'utf8' });
    const ok = run('--clip-grad-norm', '0.5');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /grad clip norm 0\.5/);
    assert.match(ok.stdout, /test accuracy: /);
    for (const v of ['0', '-1', 'x']) {
      const bad = run('--clip-grad-norm', v);
      assert.equal(bad.status, 2, bad.stderr);
      assert.match(bad.stderr, new RegExp(`--clip-grad-norm must be a positive number, got '${v}'`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
