// augment.test.mjs - wt.augment: shapes, determinism by seed, op semantics spot checks against
// the same torchvision goldens the native test reads, what the random policies report having
// drawn (against torchvision's tables and bins, and by replaying it), thrown errors, and no
// leaked wasm memory.
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

/** torchvision's policy tables and magnitude bins, as scripts/gen_augment_goldens.py wrote them
    from torchvision's own objects into tests/data/augment_goldens.bin (records K_POLICY = 20:
    50 x (op, p, bin); K_BINS = 21: one op's magnitudes for (bins, H, W, wide)). */
function torchvisionTables() {
  const b = readFileSync(new URL('../data/augment_goldens.bin', import.meta.url));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 16;
  for (let k = 0; k < v.getUint32(8, true); k++) p += 12 + v.getUint32(p, true) * v.getUint32(p + 4, true) * v.getUint32(p + 8, true);
  const policies = [];
  const bins = new Map();
  for (let k = 0; k < v.getUint32(12, true); k++) {
    const kind = v.getUint8(p);
    const int = (i) => Number(v.getBigInt64(p + 8 + 8 * i, true));
    const [H, W, C, dtype] = [0, 1, 2, 3].map((i) => v.getUint32(p + 136 + 4 * i, true));
    const bytes = dtype === 0 ? H * W * C : dtype === 1 ? H * W * C * 4 : dtype === 2 ? W * 8 : 8;
    const doubles = () => Array.from({ length: W }, (_, i) => v.getFloat64(p + 152 + 8 * i, true));
    if (kind === 20) {
      const d = doubles();
      policies[int(0)] = Array.from({ length: 50 }, (_, e) => ({ op: wt.augment.OPS[d[3 * e]], p: d[3 * e + 1], bin: d[3 * e + 2] }));
    } else if (kind === 21) {
      bins.set(`${wt.augment.OPS[int(0)]}/${int(1)}/${int(2)}x${int(3)}/${int(4)}`, { values: doubles(), signed: int(5) === 1 });
    }
    p += 152 + bytes;
  }
  assert.equal(p, b.length);
  return { policies, bins };
}

/** Replays a report's applied ops with wt.augment.apply (nearest, no fill: the policies' defaults). */
function replay(img, ops) {
  return ops.filter((o) => o.applied).reduce((x, o) => wt.augment.apply(x, { op: o.name, magnitude: o.magnitude }), img);
}

/** |magnitude| is torchvision's bin value (within the one float32 ulp docs/augment.md allows);
    unsigned ops are never negated. */
function checkMagnitude(o, tables, key) {
  if (o.bin === null) {
    assert.equal(o.magnitude, 0, `${o.name} has no magnitude`);
    return;
  }
  const { values, signed } = tables.bins.get(key);
  const want = values[o.bin];
  assert.ok(Math.abs(Math.abs(o.magnitude) - want) <= 1.2e-7 * Math.abs(want), `${o.name} bin ${o.bin}: ${o.magnitude} vs torchvision ${want}`);
  if (!signed) assert.ok(o.magnitude >= 0, `${o.name} is unsigned, got ${o.magnitude}`);
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

test('autoAugment { report: true }: the sub-policy and its ops are torchvision\'s, and replaying them gives the pixels', () => {
  const img = cifar();
  const tables = torchvisionTables();
  const before = wt.liveBytes();
  for (const [pi, policy] of ['imagenet', 'cifar10', 'svhn'].entries()) {
    const seen = new Set();
    let skipped = 0;
    let negative = 0;
    let none = 0;
    for (let seed = 0; seed < 80; seed++) {
      const r = wt.augment.autoAugment(img, { policy, seed, report: true });
      // The same draw as without report: the image is what the plain call returns.
      assert.deepEqual(r.image, wt.augment.autoAugment(img, { policy, seed }));
      assert.ok(Number.isInteger(r.subPolicy) && r.subPolicy >= 0 && r.subPolicy < 25, `subPolicy ${r.subPolicy}`);
      seen.add(r.subPolicy);
      assert.equal(r.ops.length, 2);
      for (const [i, o] of r.ops.entries()) {
        const e = tables.policies[pi][2 * r.subPolicy + i];
        assert.deepEqual([o.name, o.probability, o.bin], [e.op, e.p, e.bin < 0 ? null : e.bin], `${policy} sub-policy ${r.subPolicy} op ${i}`);
        checkMagnitude(o, tables, `${o.name}/10/32x32/0`);
        if (e.p === 0) assert.equal(o.applied, false);
        if (e.p === 1) assert.equal(o.applied, true);
        skipped += !o.applied;
        negative += o.magnitude < 0;
      }
      assert.deepEqual(replay(img, r.ops).data, r.image.data, `${policy} seed ${seed}: replaying ${JSON.stringify(r.ops)}`);
      none += r.ops.every((o) => !o.applied);
    }
    assert.ok(seen.size >= 15 && skipped > 0 && negative > 0 && none > 0, `${policy}: ${seen.size} sub-policies, ${skipped} skipped, ${negative} negated, ${none} with no op`);
  }
  assert.equal(wt.liveBytes(), before);
});

test('randAugment / trivialAugment { report: true }: the ops drawn, their bins and magnitudes; replaying them gives the pixels', () => {
  const img = cifar();
  const tables = torchvisionTables();
  const names = new Set();
  for (let seed = 0; seed < 40; seed++) {
    const r = wt.augment.randAugment(img, { numOps: 3, magnitude: 12, seed, report: true });
    assert.deepEqual(r.image, wt.augment.randAugment(img, { numOps: 3, magnitude: 12, seed }));
    assert.equal(r.subPolicy, null);
    assert.equal(r.ops.length, 3);
    for (const o of r.ops) {
      assert.ok(wt.augment.OPS.includes(o.name) && o.name !== 'Invert', o.name);
      assert.equal(o.applied, true);
      assert.equal(o.probability, 1);
      const key = `${o.name}/31/32x32/0`;
      assert.equal(o.bin, tables.bins.get(key).values.length ? 12 : null, o.name);
      checkMagnitude(o, tables, key);
      names.add(o.name);
    }
    assert.deepEqual(replay(img, r.ops).data, r.image.data, `randAugment seed ${seed}`);

    const t = wt.augment.trivialAugment(img, { seed, report: true });
    assert.deepEqual(t.image, wt.augment.trivialAugment(img, { seed }));
    assert.equal(t.ops.length, 1);
    const [o] = t.ops;
    const key = `${o.name}/31/32x32/1`;
    if (tables.bins.get(key).values.length) assert.ok(Number.isInteger(o.bin) && o.bin >= 0 && o.bin < 31, `bin ${o.bin}`);
    else assert.equal(o.bin, null);
    checkMagnitude(o, tables, key);
    assert.deepEqual(replay(img, t.ops).data, t.image.data, `trivialAugment seed ${seed}`);
  }
  assert.ok(names.size >= 10, `${names.size} distinct ops drawn`);
  const none = wt.augment.randAugment(img, { numOps: 0, report: true });
  assert.deepEqual([none.ops, [...none.image.data]], [[], [...img.data]]);
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
  throwsArg(() => wt.augment.autoAugment(img, { report: 'yes' }), /autoAugment: report must be true or false/);
  throwsArg(() => wt.augment.randAugment(img, { numOps: 65, report: true }), /numOps must be an integer in \[0, 64\]/);
});

test('no leaks', () => {
  const before = wt.liveBytes();
  const img = rgba(64, 48);
  for (let k = 0; k < 20; k++) {
    wt.augment.autoAugment(img, { policy: 'imagenet' });
    wt.augment.randAugment(img, { seed: k });
    wt.augment.trivialAugment(img);
    wt.augment.randAugment(img, { seed: k, report: true });
  }
  assert.equal(wt.liveBytes(), before);
});
