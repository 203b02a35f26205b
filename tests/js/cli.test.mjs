// cli.test.mjs - bin/wasmtricks.js as a user runs it: --help documents every flag; bad flags,
// values and paths exit non-zero with one line; train on a small generated IDX folder (a
// preset plus trick flags, --save, --checkpoint, --resume), then eval and predict; --init and
// --head (a run from a saved model, with a new classifier).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { idx } from './idx.mjs';
import { optionSchema } from '../../js/index.js';
import { safetensorsHeader, decodeCheckpoint, weightsFile } from '../../js/checkpoint.js';

const CLI = new URL('../../bin/wasmtricks.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'wt-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** Two classes of 8x8 images: bright left half (0) or bright right half (1). */
function toyIDX(dir, prefix, n) {
  const img = new Uint8Array(n * 64);
  const lbl = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    lbl[i] = i % 2;
    for (let p = 0; p < 64; p++) img[i * 64 + p] = ((p % 8 < 4) === (lbl[i] === 0) ? 200 : 30) + ((i * 7 + p) % 40);
  }
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 8, 8], img));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], lbl));
}
toyIDX(tmp, 'train', 96);
toyIDX(tmp, 't10k', 32);

test('--help documents every flag and every schema option; usage errors exit 2 with one line', () => {
  const h = run('--help');
  assert.equal(h.status, 0);
  assert.equal(run('train', '--help').stdout, h.stdout);
  // The CLI's own flags (the FLAGS literal) and the flags of optionSchema's options.
  const src = readFileSync(CLI, 'utf8');
  const block = src.slice(src.indexOf('const FLAGS = {'), src.indexOf('};', src.indexOf('const FLAGS = {')));
  const own = [...block.matchAll(/^\s+'?([a-z][a-z-]*)'?:|,\s*'?([a-z][a-z-]*)'?:\s*(?:int|\{)/gm)].map((m) => m[1] ?? m[2]);
  const flags = [...own, ...optionSchema.filter((e) => e.cli).map((e) => e.cli.slice(2))];
  assert.ok(own.length >= 12 && flags.length > 40, `found ${own.length} + ${flags.length - own.length} flags`);
  assert.equal(new Set(flags).size, flags.length, 'a flag is declared twice');
  for (const f of flags) assert.match(h.stdout, new RegExp(`--${f}\\b`), `--help mentions --${f}`);
  for (const e of optionSchema) assert.ok(h.stdout.replace(/\n\s+/g, ' ').includes(e.name), `--help lists option ${e.name}`);
  for (const f of ['data', 'model', 'epochs', 'batch-size', 'optimizer', 'lr', 'final-lr', 'label-smoothing', 'mixup',
    'cutmix', 'ricap', 'cutout', 'autoaugment', 'teacher', 'preset', 'save', 'resume']) assert.ok(flags.includes(f), f);
  for (const [args, re] of [
    [['train', '--data', 'fashion-mnist', '--bogus'], /unknown option '--bogus'/],
    [['train', '--data', 'fashion-mnist', '--epochs', 'x'], /--epochs must be an integer >= 1, got 'x'/],
    [['train', '--data', 'fashion-mnist', '--preset', 'magic'], /--preset must be one of baseline, bag-of-tricks, cifar-autoaugment/],
    [['train', '--data', 'fashion-mnist', '--model', 'vgg'], /--model must be/],
    [['train', '--data', 'fashion-mnist', '--resume', join(tmp, 'nope')], /--resume: no such file/],
    [['train'], /train needs --data/],
    [['fly'], /unknown command 'fly'/],
    [['predict', '--model-file', CLI], /predict needs one or more image files/],
  ]) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const bad = run('train', '--data', join(tmp, 'missing-folder'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no such data set or folder/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('train (preset + trick flags, --save, --checkpoint), resume, eval and predict on a small IDX folder', () => {
  const model = join(tmp, 'toy.safetensors');
  const ck = join(tmp, 'toy.ckpt');
  const t = run('train', '--data', tmp, '--limit', '64', '--epochs', '2', '--batch-size', '16', '--preset', 'bag-of-tricks',
    '--lr', '0.05', '--cutout', '2', '--random-crop', '1', '--save', model, '--checkpoint', ck, '--seed', '3');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /64 training and 32 test images 1x8x8, 2 classes/);
  assert.match(t.stdout, /label smoothing 0\.1, mixup 0\.2, randomCrop, cutout, no bias decay/);
  assert.match(t.stdout, /epoch 2\/2 100% step 4\/4 \| loss [\d.]+ \| acc [\d.]+% \| \d+ img\/s \| lr [\d.e-]+ \| ETA 0:00/);
  const acc = Number(t.stdout.match(/test accuracy: ([\d.]+)%/)[1]);
  assert.ok(acc >= 90, `test accuracy ${acc}%`);
  assert.ok(existsSync(model) && existsSync(join(tmp, 'toy.json')) && existsSync(ck));

  const r = run('train', '--data', tmp, '--limit', '64', '--epochs', '2', '--batch-size', '16', '--preset', 'bag-of-tricks',
    '--lr', '0.05', '--cutout', '2', '--random-crop', '1', '--resume', ck, '--seed', '3');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`test accuracy: ${acc.toFixed(2)}%`), 'resuming a finished run gives its accuracy');

  const kd = run('train', '--data', tmp, '--limit', '32', '--batch-size', '16', '--teacher', ck, '--kd-temperature', '2',
    '--optimizer', 'adabound', '--final-lr', '0.05', '--cutmix', '1', '--mixup', '0.4', '--hflip', '--trivialaugment');
  assert.equal(kd.status, 0, kd.stderr);
  assert.match(kd.stdout, /adabound lr 0\.001 .*mixup 0\.4, cutmix 1 \(p 1\), hflip, trivialAugment, distillation T=2/);

  const e = run('eval', '--model-file', model, '--data', tmp);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, new RegExp(`accuracy ${acc.toFixed(2)}% \\(\\d+/32\\)`));
  assert.match(e.stdout, /confusion matrix \(rows: true class, columns: predicted\)/);
  const e2 = run('eval', '--model-file', ck, '--data', tmp, '--limit', '8');
  assert.equal(e2.status, 0, e2.stderr);
  assert.match(e2.stdout, /\(\d+\/8\)/);

  // A 16x16 grey PNG of class 0 (bright left half), resized to 8x8 by the engine.
  const raw = Buffer.alloc(16 * 17);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) raw[y * 17 + 1 + x] = x < 8 ? 220 : 30;
  const CRC = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (b) => { let c = 0xffffffff; for (const v of b) c = CRC[(c ^ v) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, body) => { const o = Buffer.alloc(12 + body.length); o.writeUInt32BE(body.length, 0); o.write(type, 4, 'latin1'); body.copy(o, 8); o.writeUInt32BE(crc(o.subarray(4, 8 + body.length)), 8 + body.length); return o; };
  const ihdr = Buffer.from([0, 0, 0, 16, 0, 0, 0, 16, 8, 0, 0, 0, 0]);
  const png = join(tmp, 'left.png');
  writeFileSync(png, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
  const p = run('predict', '--model-file', model, '--top-k', '2', png);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /left\.png: 0 \d+\.\d%, 1 \d+\.\d%/);
  const bad = run('predict', '--model-file', model, CLI);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /wasmtricks\.js: .*not a PNG or JPEG file/);
});

test('train --init FILE starts from the file\'s weights; --head N gives it a new classifier; bad files and N are clear errors', () => {
  const dir = mkdtempSync(join(tmp, 'init-'));
  const three = mkdtempSync(join(tmp, 'three-'));
  // Three classes: a bright band at the left, middle or right of the 8x8 image.
  const band = (prefix, n) => {
    const img = new Uint8Array(n * 64);
    const lbl = Uint8Array.from({ length: n }, (_, i) => i % 3);
    for (let i = 0; i < n; i++) for (let p = 0; p < 64; p++) img[i * 64 + p] = (Math.min(2, Math.floor((p % 8) / 3)) === lbl[i] ? 200 : 30) + ((i * 5 + p) % 40);
    writeFileSync(join(three, `${prefix}-images-idx3-ubyte`), idx([n, 8, 8], img));
    writeFileSync(join(three, `${prefix}-labels-idx1-ubyte`), idx([n], lbl));
  };
  band('train', 48);
  band('t10k', 24);
  const file = join(dir, 'toy.safetensors');
  const ck = join(dir, 'toy.ckpt');
  let r = run('train', '--data', tmp, '--limit', '64', '--epochs', '2', '--batch-size', '16', '--lr', '0.05', '--seed', '3', '--save', file);
  assert.equal(r.status, 0, r.stderr);
  r = run('train', '--data', tmp, '--limit', '64', '--batch-size', '16', '--lr', '0.05', '--seed', '3', '--save', ck);
  assert.equal(r.status, 0, r.stderr);
  const e = run('eval', '--model-file', file, '--data', tmp);
  const acc = e.stdout.match(/accuracy ([\d.]+)%/)[1];
  assert.ok(Number(acc) >= 90, e.stdout);

  // An lr of 1e-9 leaves the weights as they were: the trained file's accuracy, not chance.
  r = run('train', '--data', tmp, '--init', file, '--epochs', '1', '--batch-size', '16', '--lr', '1e-9', '--schedule', 'constant');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`2 classes; student_cnn from ${file.replace(/[.]/g, '\\.')} \\(150274 parameters\\)`));
  assert.match(r.stdout, new RegExp(`test accuracy: ${acc}%`));
  const scratch = run('train', '--data', tmp, '--epochs', '1', '--batch-size', '16', '--lr', '1e-9', '--schedule', 'constant');
  assert.ok(Number(scratch.stdout.match(/test accuracy: ([\d.]+)%/)[1]) < 90, scratch.stdout);

  // The exported starting weights are the file's, bit for bit (a checkpoint's too).
  const tensors = (bytes) => {
    const [h, at] = safetensorsHeader(bytes, 'test');
    return Object.fromEntries(Object.entries(h).filter(([k]) => k !== '__metadata__')
      .map(([k, t]) => [k, { shape: t.shape, bytes: bytes.subarray(at + t.data_offsets[0], at + t.data_offsets[1]) }]));
  };
  const src = tensors(new Uint8Array(readFileSync(file)));
  r = run('export-pytorch', '--data', tmp, '--init', file, '--out', join(dir, 'same'));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(tensors(new Uint8Array(readFileSync(join(dir, 'same', 'init.safetensors')))), src);
  r = run('export-pytorch', '--data', tmp, '--init', ck, '--out', join(dir, 'ck'));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(tensors(new Uint8Array(readFileSync(join(dir, 'ck', 'init.safetensors')))),
    tensors(decodeCheckpoint(new Uint8Array(readFileSync(ck))).model));

  // --head 3 on three classes: the backbone copied, fc2 new; trained and saved with 3 classes.
  r = run('export-pytorch', '--data', three, '--init', file, '--head', '3', '--out', join(dir, 'head'));
  assert.equal(r.status, 0, r.stderr);
  const head = tensors(new Uint8Array(readFileSync(join(dir, 'head', 'init.safetensors'))));
  for (const k of ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias']) assert.deepEqual(head[k], src[k], k);
  assert.deepEqual(head['fc2.weight'].shape, [3, 128]);
  assert.deepEqual(head['fc2.bias'].shape, [3]);
  const saved = join(dir, 'three.safetensors');
  r = run('train', '--data', three, '--init', file, '--head', '3', '--epochs', '3', '--batch-size', '16', '--lr', '0.05', '--save', saved);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 classes; student_cnn from .*toy\.safetensors with a new 3-class head \(was 2\) \(150403 parameters\)/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'three.json'), 'utf8')).classNames, ['0', '1', '2']);
  assert.ok(Number(r.stdout.match(/test accuracy: ([\d.]+)%/)[1]) > 34, r.stdout);

  // Without a .json beside it, a file's __metadata__ names the classes and the normalisation.
  const named = join(dir, 'named.safetensors');
  const plain = new Uint8Array(readFileSync(file));
  const norm = JSON.parse(readFileSync(join(dir, 'toy.json'), 'utf8')).normalization;
  writeFileSync(named, weightsFile(plain, { classNames: ['left', 'right'], normalization: norm }));
  r = run('eval', '--model-file', named, '--data', tmp);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`accuracy ${acc}%[^]*\\nleft +[\\d.]+%[^]*\\nright +[\\d.]+%`));

  writeFileSync(join(dir, 'junk.safetensors'), '{"not": "safetensors"}');
  for (const [args, code, re] of [
    [['--data', three, '--init', file], 2, /--init .*toy\.safetensors has 2 classes, the data set 3: pass --head 3 for a new classifier/],
    [['--data', three, '--init', file, '--head', '4'], 2, /--head 4: the data set has 3 classes/],
    [['--data', tmp, '--head', '3'], 2, /--head needs --init FILE/],
    [['--data', tmp, '--init', file, '--head', '1'], 2, /option --head must be an integer >= 2, got '1'/],
    [['--data', tmp, '--init', file, '--head', 'x'], 2, /option --head must be an integer >= 2, got 'x'/],
    [['--data', tmp, '--init', file, '--model', 'resnet8'], 2, /--model cannot be combined with --init: the model comes from the file/],
    [['--data', tmp, '--init', join(dir, 'nope')], 2, /--init: no such file .*nope/],
    [['--data', tmp, '--init', join(dir, 'junk.safetensors')], 1, /WT_ERR_FORMAT: .*junk\.safetensors: .*header length/],
  ]) {
    const b = run('train', ...args);
    assert.equal(b.status, code, `${args.join(' ')}: ${b.stderr}`);
    assert.match(b.stderr, re);
    assert.equal(b.stderr.trim().split('\n').length, 1, b.stderr);
  }
});

test('--simd picks the module and kernels (named in the header); the same run on simd128 and scalar agrees', () => {
  const acc = {};
  for (const [simd, name] of [['simd128', /simd128 build, kernel wt_f32_gemm_ukernel_4x8__wasmsimd\b/], ['scalar', /scalar build, kernel wt_f32_gemm_ukernel_4x8__scalar/],
    ['relaxed', /relaxed build, kernel wt_f32_gemm_ukernel_4x8__wasmsimd_relaxed_madd/]]) {
    const t = run('train', '--data', tmp, '--limit', '32', '--epochs', '1', '--batch-size', '16', '--simd', simd);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, name);
    acc[simd] = t.stdout.match(/test accuracy: ([\d.]+)%/)[1];
  }
  assert.equal(acc.scalar, acc.simd128, 'the scalar kernels give the same accuracy (to float rounding, the same run)');
  const bad = run('train', '--data', tmp, '--simd', 'fast');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /option --simd must be one of auto, relaxed, simd128, scalar, got 'fast'/);
});
