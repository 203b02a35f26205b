// augment.test.mjs - wt.augment: shapes, determinism by seed, op semantics spot checks against
// the same torchvision goldens the native test reads, thrown errors, and no leaked wasm memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, WasmTricksError } from '../../js/index.js';

const wt = await init();

function cifar() {
  // The first image of tests/data/augment_goldens.bin (a CIFAR-10 airplane, 32x32x3).
  const b = readFileSync(new URL('../data/augment_goldens.bin', import.meta.url));
  const v = new DataView(b.buffer, b.byteOffset);
  const H = v.getUint32(16, true), W = v.getUint32(20, true), C = v.getUint32(24, true);
  return { data: new Uint8ClampedArray(b.subarray(28, 28 + H * W * C)), width: W, height: H, channels: C };
}

const rgba = (w, h) => ({ data: Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * 37) % 256), width: w, height: h });

test('ops keep the image kind and extent; alpha untouched by colour ops', () => {
  const before = wt.liveBytes();
  const img = rgba(13, 11);
  for (const op of wt.augment.OPS) {
    const out = wt.augment.apply(img, { op, magnitude: op === 'Posterize' ? 4 : op === 'Solarize' ? 128 : 0.5 });
    assert.ok(out.data instanceof Uint8ClampedArray);
    assert.equal(out.width, 13);
    assert.equal(out.height, 11);
    if (!['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate'].includes(op)) {
      for (let i = 3; i < out.data.length; i += 4) assert.equal(out.data[i], img.data[i]);
    }
  }
  assert.equal(wt.liveBytes(), before);
});

test('Invert and flips are exact', () => {
  const img = cifar();
  const inv = wt.augment.apply(img, { op: 'Invert' });
  for (let i = 0; i < inv.data.length; i++) assert.equal(inv.data[i], 255 - img.data[i]);
  const f = wt.augment.hflip(img);
  assert.deepEqual([...f.data.subarray(0, 3)], [...img.data.subarray(31 * 3, 32 * 3)]);
  const g = wt.augment.vflip(wt.augment.vflip(img));
  assert.deepEqual(g.data, img.data);
});

test('random ops are deterministic given a seed', () => {
  const img = cifar();
  for (const fn of ['autoAugment', 'randAugment', 'trivialAugment', 'cutout', 'randomErasing', 'randomCrop', 'randomResizedCrop']) {
    const o = fn === 'autoAugment' ? { policy: 'cifar10', seed: 7 } : fn === 'randomCrop' ? { size: 32, padding: 4, seed: 7 }
      : fn === 'randomErasing' ? { p: 1, seed: 7 } : fn === 'randomResizedCrop' ? { size: [24, 20], seed: 7 } : { seed: 7 };
    const a = wt.augment[fn](img, o);
    const b = wt.augment[fn](img, o);
    assert.deepEqual(a.data, b.data, fn);
  }
  const r = wt.augment.randomResizedCrop(img, { size: [224, 224], scale: [0.08, 1], ratio: [0.75, 1.333], seed: 3 });
  assert.equal(r.width, 224);
  assert.equal(r.data.length, 224 * 224 * 3);
  const c = wt.augment.cutout(img, { holes: 1, length: 16, seed: 1 });
  assert.ok(c.data.some((v, i) => v !== img.data[i]));
});

test('resize semantics: smaller edge, exact size', () => {
  const img = rgba(40, 20);
  const a = wt.augment.resize(img, { size: 10 });
  assert.deepEqual([a.height, a.width], [10, 20]);
  const b = wt.augment.resize(img, { size: [7, 9], interpolation: 'nearest' });
  assert.deepEqual([b.height, b.width], [7, 9]);
  const c = wt.augment.centerCrop(img, { size: [10, 10] });
  assert.equal(c.data.length, 400);
});

test('bad options throw clear errors', () => {
  const img = cifar();
  const throwsArg = (fn, re) => assert.throws(fn, (e) => e instanceof WasmTricksError && re.test(e.message));
  throwsArg(() => wt.augment.autoAugment(img, { policy: 'mnist' }), /policy must be/);
  throwsArg(() => wt.augment.apply(img, { op: 'Blur' }), /op must be one of/);
  throwsArg(() => wt.augment.resize(img, { size: -3 }), /size must be/);
  throwsArg(() => wt.augment.randomResizedCrop(img, { size: [0, 4] }), /size must be/);
  throwsArg(() => wt.augment.apply(img, { op: 'Posterize', magnitude: 9 }), /bits/);
  throwsArg(() => wt.augment.apply({ data: new Uint8Array(10), width: 3, height: 3 }, { op: 'Invert' }), /length 10/);
  throwsArg(() => wt.augment.cutout(img, { length: -1 }), /length/);
  throwsArg(() => wt.augment.apply(img, { op: 'Rotate', magnitude: 10, fill: [1, 2] }), /fill/);
});

test('no leaks', () => {
  const before = wt.liveBytes();
  const img = rgba(64, 48);
  for (let k = 0; k < 20; k++) {
    wt.augment.autoAugment(img, { policy: 'imagenet' });
    wt.augment.randAugment(img, { seed: k });
    wt.augment.trivialAugment(img);
  }
  assert.equal(wt.liveBytes(), before);
});
