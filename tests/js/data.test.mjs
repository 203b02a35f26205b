// data.test.mjs - IDX parsing (a buffer built here, and Debian's Fashion-MNIST test split when
// installed) and uint8 -> float conversion.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { init, WasmTricksError } from '../../js/index.js';

const wt = await init();
const FMNIST = '/usr/share/datasets/fashion-mnist/';

test('parseIDX reads dims and payload of a small IDX buffer', () => {
  const payload = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);
  const r = wt.data.parseIDX(idx([2, 3, 4], payload));
  assert.deepEqual(r.dims, [2, 3, 4]);
  assert.deepEqual(r.data, payload);
  const labels = wt.data.parseIDX(idx([5], Uint8Array.of(9, 0, 3, 3, 1)));
  assert.deepEqual(labels.dims, [5]);
  assert.deepEqual([...labels.data], [9, 0, 3, 3, 1]);
});

test('parseIDX rejects bad magic and truncated data with WT_ERR_FORMAT, then still works', () => {
  const good = idx([2, 2], Uint8Array.of(1, 2, 3, 4));
  const badMagic = good.slice();
  badMagic[0] = 0x1f; // not an IDX magic
  assert.throws(() => wt.data.parseIDX(badMagic), (e) => e instanceof WasmTricksError && e.code === 'WT_ERR_FORMAT');
  const floats = good.slice();
  floats[2] = 0x0d; // float32 payload: only uint8 is read
  assert.throws(() => wt.data.parseIDX(floats), (e) => e instanceof WasmTricksError && /0x0d/.test(e.message));
  assert.throws(() => wt.data.parseIDX(good.subarray(0, good.length - 1)),
    (e) => e instanceof WasmTricksError && e.code === 'WT_ERR_FORMAT');
  assert.throws(() => wt.data.parseIDX(Uint8Array.of(0, 0)),
    (e) => e instanceof WasmTricksError && e.code === 'WT_ERR_FORMAT');
  assert.throws(() => wt.data.parseIDX([0, 0, 8, 1]), /bytes must be a Uint8Array/);
  assert.deepEqual(wt.data.parseIDX(good).dims, [2, 2]);
});

test('toFloat normalises per channel, in chunks, and checks its arguments', () => {
  const N = 3000; // more than one chunk of 1x28x28... is 1 MiB / (784*5) = 267 images
  const C = 2;
  const per = C * 4 * 4;
  const u8 = Uint8Array.from({ length: N * per }, (_, i) => (i * 31) % 256);
  const mean = [0.5, 0.25];
  const std = [0.5, 2];
  const f = wt.data.toFloat(u8, { shape: [C, 4, 4], mean, std });
  assert.equal(f.length, u8.length);
  for (const i of [0, 1, 17, 31, 32, 12345, u8.length - 1]) {
    const c = Math.floor((i % per) / 16);
    const want = (u8[i] / 255 - mean[c]) / std[c];
    assert.ok(Math.abs(f[i] - want) < 1e-6, `element ${i}: ${f[i]} vs ${want}`);
  }
  const plain = wt.data.toFloat(Uint8Array.of(0, 255), { shape: [1, 1, 1] });
  assert.deepEqual([...plain], [0, 1]);
  assert.throws(() => wt.data.toFloat(u8.subarray(1), { shape: [C, 4, 4] }), /multiple of C\*H\*W = 32/);
  assert.throws(() => wt.data.toFloat(u8, { shape: [C, 4, 4], mean: [1] }), /mean must be/);
  assert.throws(() => wt.data.toFloat(u8, { shape: [C, 4, 4], std: 0 }), WasmTricksError);
  assert.equal(wt.data.toFloat(Uint8Array.of(51), { shape: [1, 1, 1] })[0], Math.fround(0.2));
});

test('Fashion-MNIST test split from Debian dataset-fashion-mnist', { skip: !existsSync(FMNIST) && 'dataset-fashion-mnist is not installed' }, async () => {
  const t = await wt.data.loadFashionMNIST({ split: 'test' });
  assert.equal(t.count, 10000);
  assert.deepEqual(t.shape, [1, 28, 28]);
  assert.equal(t.images.length, 10000 * 784);
  assert.equal(t.labels.length, 10000);
  const hist = new Array(10).fill(0);
  for (const l of t.labels) hist[l]++;
  assert.deepEqual(hist, new Array(10).fill(1000), 'the test split has 1000 of each class');
  assert.equal(t.classNames.length, 10);
  assert.equal(t.classNames[9], 'Ankle boot');
  await assert.rejects(wt.data.loadFashionMNIST({ split: 'valid' }), /split must be 'train' or 'test'/);
  await assert.rejects(wt.data.loadFashionMNIST({ dir: '/nonexistent', split: 'test' }), /t10k-images-idx3-ubyte/);
});

// ---- data sets on generated files (issue 9): IDX folders, CIFAR batches, ImageFolder, arrays.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { png } from './helpers.mjs';
import { execFileSync } from 'node:child_process';
import { idx } from './idx.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'wt-data-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function idxDir(name, { n = 6, labels = n, bad } = {}) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const img = idx([n, 4, 4], Uint8Array.from({ length: n * 16 }, (_, i) => i % 256));
  const lbl = idx([labels], Uint8Array.from({ length: labels }, (_, i) => i % 10));
  if (bad === 'magic') img[2] = 0x0b;
  if (bad === 'label') lbl[8] = 12;
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(bad === 'truncated' ? img.subarray(0, img.length - 3) : img));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), lbl);
  return dir;
}

test('mnist / open read an IDX folder (gzip and plain) into a data set', async () => {
  const ds = await wt.data.mnist({ dir: idxDir('ok'), split: 'train' });
  assert.equal(ds.length, 6);
  assert.equal(ds.numClasses, 10);
  assert.deepEqual(ds.shape, [1, 4, 4]);
  assert.equal(ds.classNames[3], '3');
  assert.deepEqual([...ds.labels], [0, 1, 2, 3, 4, 5]);
  const viaOpen = await wt.data.open(idxDir('ok2'));
  assert.equal(viaOpen.length, 6);
});

test('IDX loaders: wrong magic, truncated, mismatched counts and bad labels each name the problem', async () => {
  await assert.rejects(wt.data.mnist({ dir: idxDir('magic', { bad: 'magic' }) }), /element type 0x0b/);
  await assert.rejects(wt.data.mnist({ dir: idxDir('trunc', { bad: 'truncated' }) }), /truncated IDX data/);
  await assert.rejects(wt.data.mnist({ dir: idxDir('count', { labels: 5 }) }), /mismatched counts: train-labels-idx1-ubyte has 5 labels but train-images-idx3-ubyte has 6 images/);
  await assert.rejects(wt.data.mnist({ dir: idxDir('label', { bad: 'label' }) }), /label 0 in train-labels-idx1-ubyte is 12/);
  await assert.rejects(wt.data.mnist({ dir: join(tmp, 'none') }), /neither train-images-idx3-ubyte.gz nor/);
});

function cifarBatch(n, classes, label = (i) => i % classes) {
  const rec = classes === 10 ? 3073 : 3074;
  const b = new Uint8Array(n * rec);
  for (let i = 0; i < n; i++) {
    if (classes === 100) b[i * rec] = 3;
    b[i * rec + rec - 3073] = label(i);
    for (let p = 0; p < 3072; p++) b[i * rec + rec - 3072 + p] = (p + i) & 255;
  }
  return b;
}

test('cifar10 / cifar100 read binary batches (planes to HWC) and reject corrupt ones', async () => {
  const dir = join(tmp, 'cifar-10-batches-bin');
  mkdirSync(dir);
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), cifarBatch(2, 10));
  writeFileSync(join(dir, 'test_batch.bin'), cifarBatch(3, 10));
  const train = await wt.data.cifar10({ dir: tmp, split: 'train' });
  assert.equal(train.length, 10);
  assert.deepEqual(train.shape, [3, 32, 32]);
  assert.equal(train.classNames[9], 'truck');
  // pixel 1 of image 0: R from plane 0 (1), G from plane 1 (1025 & 255), B from plane 2
  assert.deepEqual([...train.images.subarray(3, 6)], [1, 1025 & 255, 2049 & 255]);
  const test1 = await wt.data.cifar10({ dir, split: 'test' });
  assert.equal(test1.length, 3);
  const c100 = wt.data.parseCIFAR([cifarBatch(4, 100, (i) => 90 + i)], { classes: 100 });
  assert.deepEqual([...c100.labels], [90, 91, 92, 93]);
  assert.equal(c100.numClasses, 100);

  writeFileSync(join(dir, 'test_batch.bin'), cifarBatch(3, 10).subarray(0, 3 * 3073 - 10));
  await assert.rejects(wt.data.cifar10({ dir, split: 'test' }), /test_batch.bin: .*not a multiple of the 3073-byte record/);
  writeFileSync(join(dir, 'test_batch.bin'), cifarBatch(3, 10, () => 11));
  await assert.rejects(wt.data.cifar10({ dir, split: 'test' }), /record 0 has label 11/);
  // CIFAR-100 bytes read as CIFAR-10: the record size does not divide.
  assert.throws(() => wt.data.parseCIFAR([cifarBatch(3, 100)], { classes: 10 }), (e) => e.code === 'WT_ERR_FORMAT');
});


test('imageFolder decodes PNG inside the engine, sorts classes, fits other extents; corrupt files are named', async () => {
  const root = join(tmp, 'folder');
  const pix = (w, h, seed) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * seed) & 255);
  for (const [cls, seed] of [['cat', 3], ['ant', 5]]) {
    mkdirSync(join(root, cls), { recursive: true });
    writeFileSync(join(root, cls, 'a.png'), png(8, 8, 3, pix(8, 8, seed)));
    writeFileSync(join(root, cls, 'b.png'), png(16, 12, 3, pix(16, 12, seed + 1)));
    writeFileSync(join(root, cls, 'notes.txt'), 'ignored');
  }
  const ds = await wt.data.imageFolder(root);
  assert.deepEqual(ds.classNames, ['ant', 'cat']);
  assert.deepEqual(ds.shape, [3, 8, 8]);
  assert.equal(ds.length, 4);
  assert.deepEqual([...ds.labels], [0, 0, 1, 1]);
  assert.deepEqual(ds.images.subarray(0, 192), pix(8, 8, 5), 'PNG decodes losslessly');
  const grey = await wt.data.imageFolder(root, { shape: [1, 4, 4] });
  assert.deepEqual(grey.shape, [1, 4, 4]);
  const one = wt.data.decodeImage(new Uint8Array(png(8, 8, 3, pix(8, 8, 3))));
  assert.deepEqual([one.width, one.height, one.channels], [8, 8, 3]);

  writeFileSync(join(root, 'cat', 'c.png'), png(8, 8, 3, pix(8, 8, 1)).subarray(0, 40));
  await assert.rejects(wt.data.imageFolder(root), /cat\/c\.png: .*cannot decode the image/);
  writeFileSync(join(root, 'cat', 'c.png'), 'not an image at all');
  await assert.rejects(wt.data.imageFolder(root), (e) => e.code === 'WT_ERR_FORMAT' && /c\.png/.test(e.message));
  await assert.rejects(wt.data.imageFolder(join(tmp, 'missing')), /cannot read the folder/);
  mkdirSync(join(tmp, 'flat'));
  await assert.rejects(wt.data.imageFolder(join(tmp, 'flat')), /no class sub-folders/);
});

const CIFAR_JPEG = '/work/shared/data/cifar10-jpeg.tar.gz';
test('imageFolder decodes JPEG (CIFAR-10 JPEG files)', { skip: !existsSync(CIFAR_JPEG) && 'the shared CIFAR-10 JPEG archive is absent' }, async () => {
  const dir = join(tmp, 'cifar-jpeg');
  mkdirSync(dir);
  execFileSync('tar', ['xzf', CIFAR_JPEG, '-C', dir, '--wildcards', 'test/airplane/000[0-4].jpg', 'test/ship/000[0-4].jpg']);
  const ds = await wt.data.imageFolder(join(dir, 'test'));
  assert.deepEqual(ds.classNames, ['airplane', 'ship']);
  assert.deepEqual(ds.shape, [3, 32, 32]);
  assert.equal(ds.length, 10);
  const m = ds.mean;
  assert.ok(m.every((v) => v > 0.2 && v < 0.8), `mean ${m}`);
});

test('fromArrays / fromImages: layouts, channel statistics, seeded splits, clear errors', () => {
  // CHW input becomes HWC storage.
  const a = wt.data.fromArrays({ images: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), labels: [1, 0], shape: [2, 1, 2], classNames: ['x', 'y'] });
  assert.deepEqual([...a.images], [1, 3, 2, 4, 5, 7, 6, 8]);
  assert.deepEqual(a.classNames, ['x', 'y']);
  const flat = wt.data.fromArrays({ images: Uint8Array.of(0, 255, 0, 255), labels: [0, 1, 0, 1], shape: [1, 1, 1] });
  assert.equal(flat.numClasses, 2);
  assert.ok(Math.abs(flat.mean[0] - 0.5) < 1e-12 && Math.abs(flat.std[0] - 0.5) < 1e-12);
  assert.throws(() => wt.data.fromArrays({ images: new Uint8Array(7), labels: [0, 1], shape: [1, 2, 2] }), /mismatched counts: 2 labels but images holds 1.75 images/);
  assert.throws(() => wt.data.fromArrays({ images: new Uint8Array(4), labels: [0, -1], shape: [1, 1, 2] }), /labels\[1\]/);

  const img = (v) => ({ data: new Uint8ClampedArray(2 * 2 * 4).fill(v), width: 2, height: 2 });
  const b = wt.data.fromImages([{ image: img(10), label: 0 }, { image: img(20), label: 2 }], { classNames: ['a', 'b', 'c'] });
  assert.deepEqual(b.shape, [3, 2, 2]);
  assert.equal(b.numClasses, 3);
  assert.equal(b.images[0], 10);
  assert.throws(() => wt.data.fromImages([{ image: img(1), label: 0 }, { image: { data: new Uint8Array(4), width: 1, height: 1 }, label: 0 }]), /items\[1\]\.image must be 2x2/);

  const big = wt.data.fromArrays({ images: Uint8Array.from({ length: 100 }, (_, i) => i), labels: Array.from({ length: 100 }, (_, i) => i % 4), shape: [1, 1, 1] });
  const s1 = big.split(0.2, { seed: 3 });
  const s2 = big.split(0.2, { seed: 3 });
  assert.equal(s1.validation.length, 20);
  assert.equal(s1.train.length, 80);
  assert.deepEqual(s1.validation.images, s2.validation.images);
  const all = new Set([...s1.train.images, ...s1.validation.images]);
  assert.equal(all.size, 100, 'train and validation partition the set');
  assert.notDeepEqual(big.split(0.2, { seed: 4 }).validation.images, s1.validation.images);
  const few = big.sample(10, { seed: 2 });
  assert.equal(few.length, 10);
  assert.deepEqual(few.images, big.sample(10, { seed: 2 }).images);
  assert.notDeepEqual(few.images, big.take(10).images, 'a seeded sample, not the first 10');
  assert.equal(big.sample(1000), big);

  // balanced: equal counts per class (the remainder to the first classes), seeded, a subset
  const skewed = wt.data.fromArrays({ images: Uint8Array.from({ length: 60 }, (_, i) => i),
    labels: Array.from({ length: 60 }, (_, i) => (i < 30 ? 0 : i < 45 ? 1 : i < 55 ? 2 : 3)), shape: [1, 1, 1] });
  const counts = (d) => Array.from({ length: 4 }, (_, c) => d.labels.filter((y) => y === c).length);
  const bal = skewed.sample(18, { seed: 5, balanced: true });
  assert.deepEqual(counts(bal), [5, 5, 4, 4]);
  assert.ok(bal.images.every((v, i) => skewed.labels[v] === bal.labels[i]), 'images keep their labels');
  assert.equal(new Set(bal.images).size, 18);
  assert.deepEqual(bal.images, skewed.sample(18, { seed: 5, balanced: true }).images);
  assert.notDeepEqual(bal.images, skewed.sample(18, { seed: 6, balanced: true }).images);
  assert.deepEqual(counts(skewed.sample(20, { seed: 1, balanced: true })), [5, 5, 5, 5]);
  assert.throws(() => skewed.sample(24, { balanced: true }), /24 balanced samples need 6 of class 3, the data set has 5/);
  assert.throws(() => skewed.sample(8, { balanced: 'yes' }), /balanced must be true or false/);

  // selectClasses: the listed classes only, relabelled in the order given, names carried
  const named = wt.data.fromArrays({ images: Uint8Array.from({ length: 60 }, (_, i) => i), labels: skewed.labels,
    shape: [1, 1, 1], classNames: ['a', 'b', 'c', 'd'] });
  const two = named.selectClasses([3, 'b']);
  assert.deepEqual([...two.classNames], ['d', 'b']);
  assert.equal(two.numClasses, 2);
  assert.equal(two.length, 20);
  assert.ok(two.images.every((v, i) => (skewed.labels[v] === 3 ? 0 : 1) === two.labels[i]), 'class 3 -> 0, class 1 -> 1');
  assert.equal(skewed.labels[0], 0, 'the source is untouched');
  assert.throws(() => named.selectClasses(['e']), /'e' is not a class of this data set \(a, b, c, d\)/);
  assert.throws(() => named.selectClasses([1, 'b']), /a class is listed twice/);
  assert.throws(() => named.selectClasses([]), /non-empty array/);
});
