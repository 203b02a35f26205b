// helpers.mjs - test helpers (not a test) shared by tests/js/*.test.mjs: assertions on the
// package's errors, the generated "quadrants" data sets, PNG files of given pixels, and the weight hashes the browser tests
// share (tests/browser/hash.mjs, re-exported). Not here: IDX file bytes (idx.mjs), the stripes
// set (tests/browser/stripes.mjs).
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { WasmTricksError } from '../../js/index.js';

export { fnv32, fnv64 } from '../browser/hash.mjs';

/** Asserts that the error is a WasmTricksError (an Error) with `code` and a message matching
    `pattern`; the assertion message says which part failed. */
function isWt(e, code, pattern) {
  assert.ok(e instanceof WasmTricksError, `expected WasmTricksError, got ${e?.stack ?? e}`);
  assert.ok(e instanceof Error);
  assert.equal(e.code, code, e.message);
  assert.match(e.message, pattern);
  return true;
}

/** fn() throws a WasmTricksError with `code` and a message matching `pattern`. */
export function throwsWt(fn, code, pattern) {
  assert.throws(fn, (e) => isWt(e, code, pattern));
}

/** The promise rejects with a WasmTricksError with `code` and a message matching `pattern`. */
export async function rejectsWt(p, code, pattern) {
  await assert.rejects(p, (e) => isWt(e, code, pattern));
}

/** n float images of 1x8x8 in K classes (default 4), each a bright quadrant plus uniform noise,
    from a seeded LCG: { x: Float32Array(n*64), y: Int32Array(n) } (the labels drawn too). */
export function quadrants(n, seed, K = 4) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(rnd() * K);
    for (let p = 0; p < 64; p++) {
      const q = (p >> 3 >= 4) * 2 + ((p & 7) >= 4);
      x[i * 64 + p] = (q === y[i] ? 1 : 0) + (rnd() - 0.5);
    }
  }
  return { x, y };
}

/** The same classes as a data set for wt.data.fromArrays: n uint8 RGB 16x16 images (HWC),
    label i % 4, a bright quadrant per class plus noise. */
export function quadrantImages(n, seed = 1) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 16777216;
  const images = new Uint8Array(n * 16 * 16 * 3);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const q = (y >= 8 ? 2 : 0) + (x >= 8 ? 1 : 0);
        for (let c = 0; c < 3; c++) {
          images[((i * 16 + y) * 16 + x) * 3 + c] = Math.min(255, (q === labels[i] ? 170 : 40) + c * 20 + Math.floor(rnd() * 60));
        }
      }
    }
  }
  return { images, labels, shape: [3, 16, 16], numClasses: 4 };
}

// A minimal PNG encoder (8-bit, colour type 0/2/6, one IDAT) for test images.
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b) {
  let c = 0xffffffff;
  for (const v of b) c = CRC[(c ^ v) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** A PNG file (8-bit; channels 1, 3 or 4: colour type 0/2/6; one IDAT) of HWC bytes. */
export function png(width, height, channels, data) {
  const chunk = (type, body) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    body.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = { 1: 0, 3: 2, 4: 6 }[channels];
  const raw = Buffer.alloc(height * (1 + width * channels));
  for (let y = 0; y < height; y++) Buffer.from(data.subarray(y * width * channels, (y + 1) * width * channels)).copy(raw, y * (1 + width * channels) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
