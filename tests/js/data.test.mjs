// data.test.mjs - IDX parsing (a buffer built here, and Debian's Fashion-MNIST test split when
// installed) and uint8 -> float conversion.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { init, WasmTricksError } from '../../js/index.js';

const wt = await init();
const FMNIST = '/usr/share/datasets/fashion-mnist/';

/** An IDX3 buffer: magic 0x00000803, big-endian dims, then the bytes. */
function idx(dims, data) {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint32(0, 0x800 | dims.length);
  dims.forEach((d, i) => head.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.byteLength + data.length);
  out.set(new Uint8Array(head.buffer));
  out.set(data, head.byteLength);
  return out;
}

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
