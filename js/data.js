// data.js - wt.data: IDX parsing (the C parser reads the header), file reading (Node folders or
// browser URLs, gzip or plain), uint8 -> float32 normalisation in bounded chunks, and the data
// set sources of dataset.js (Fashion-MNIST, MNIST, CIFAR, ImageFolder, arrays, images).
// Not here: batching, shuffling and augmentation (loader.js).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { isNode, importNode } from './runtime.js';
import { makeDatasets } from './dataset.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist/';
export const FASHION_MNIST_CLASSES = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);
/** Mean and standard deviation of the Fashion-MNIST training pixels (scaled to [0, 1]). */
export const FASHION_MNIST_MEAN = 0.2860;
export const FASHION_MNIST_STD = 0.3530;

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

// Images converted per wasm call by toFloat: bounds the wasm memory it needs.
const CHUNK_BYTES = 1 << 20;

async function gunzip(bytes) {
  if (isNode) {
    const { gunzipSync } = await importNode('node:zlib');
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const isGzip = (b) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Reads `name.gz` or `name` from a directory (Node) or a base URL (browsers). */
async function readDataFile(dir, name, fn = 'loadFashionMNIST') {
  if (isNode && !/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) {
    const { readFile } = await importNode('node:fs/promises');
    const { join } = await importNode('node:path');
    for (const file of [`${name}.gz`, name]) {
      try {
        return new Uint8Array(await readFile(join(dir, file)));
      } catch (e) {
        if (e.code !== 'ENOENT') throw e;
      }
    }
    throw new WasmTricksError('WT_ERR_ARG',
      `${fn}: neither ${name}.gz nor ${name} exists in ${dir}` +
      (dir === FASHION_MNIST_DIR ? ' (install it: apt-get install dataset-fashion-mnist)' : ''));
  }
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  for (const file of [`${name}.gz`, name]) {
    const response = await fetch(new URL(file, new URL(base, globalThis.location?.href)));
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
  }
  throw new WasmTricksError('WT_ERR_ARG', `${fn}: cannot fetch ${name}.gz or ${name} from ${base}`);
}

export function makeData(rt, moduleCtx) {
  /**
   * Parses an IDX buffer (uncompressed). Returns { dims, data }: data is a copy of the uint8
   * payload. Throws WT_ERR_FORMAT for bytes that are not IDX (or are truncated).
   */
  function parseIDX(bytes) {
    argCheck(bytes instanceof Uint8Array, `parseIDX: bytes must be a Uint8Array, got ${describe(bytes)}`);
    let p = 0;
    try {
      p = rt.copyIn(bytes, 'IDX bytes');
      const info = rt.withStack((salloc) => {
        const out = salloc(24);
        rt.check(rt.exports.wt_wasm_idx_parse(moduleCtx, p, bytes.length, out), moduleCtx, 'parseIDX');
        return Array.from(rt.i32.subarray(out >> 2, (out >> 2) + 6));
      });
      const [ndim, ...rest] = info;
      const dims = rest.slice(0, ndim);
      const offset = rest[4];
      const count = dims.reduce((a, b) => a * b, 1);
      return { dims, data: bytes.slice(offset, offset + count) };
    } finally {
      rt.free(p);
    }
  }

  const sets = makeDatasets(rt, moduleCtx, { parseIDX, readDataFile, gunzip, isGzip,
    fmnist: { dir: FASHION_MNIST_DIR, classes: FASHION_MNIST_CLASSES, mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD } });

  /**
   * Loads a Fashion-MNIST split (the former name of fashionMNIST): a Dataset with images
   * (N*28*28 bytes), labels, count / length, shape [1, 28, 28] and classNames.
   */
  async function loadFashionMNIST({ dir, split = 'train' } = {}) {
    argCheck(split === 'train' || split === 'test', `loadFashionMNIST: split must be 'train' or 'test', got ${describe(split)}`);
    if (dir === undefined) argCheck(isNode, 'loadFashionMNIST: pass dir (the URL of a folder holding the IDX files) in a browser');
    return sets.fashionMNIST({ dir, split });
  }

  /**
   * uint8 images (N*C*H*W, NCHW) to float32 (x / 255 - mean[c]) / std[c]. shape: [C, H, W];
   * mean / std: a number or one per channel (default 0 and 1).
   */
  function toFloat(images, { shape, mean = 0, std = 1, out } = {}) {
    argCheck(images instanceof Uint8Array || images instanceof Uint8ClampedArray,
      `toFloat: images must be a Uint8Array, got ${describe(images)}`);
    argCheck(Array.isArray(shape) && shape.length === 3 && shape.every((v) => Number.isInteger(v) && v >= 1),
      `toFloat: shape must be [C, H, W] of positive integers, got ${describe(shape)}`);
    const [C, H, W] = shape;
    const per = C * H * W;
    if (images.length % per !== 0) {
      throw new WasmTricksError('WT_ERR_SHAPE', `toFloat: images has length ${images.length}, not a multiple of C*H*W = ${per}`);
    }
    const perChannel = (v, name) => {
      const a = typeof v === 'number' ? new Array(C).fill(v) : Array.from(v ?? []);
      argCheck(a.length === C && a.every((x) => typeof x === 'number' && Number.isFinite(x)),
        `toFloat: ${name} must be a finite number or ${C} of them, got ${describe(v)}`);
      return Float32Array.from(a);
    };
    const meanF = perChannel(mean, 'mean');
    const stdF = perChannel(std, 'std');
    const N = images.length / per;
    if (out === undefined) out = new Float32Array(images.length);
    argCheck(out instanceof Float32Array && out.length === images.length,
      `toFloat: out must be a Float32Array of length ${images.length}, got ${describe(out)}`);
    if (N === 0) return out;
    const chunk = Math.max(1, Math.min(N, Math.floor(CHUNK_BYTES / (per * 5))));
    let src = 0;
    let dst = 0;
    let pm = 0;
    let ps = 0;
    try {
      pm = rt.copyIn(meanF, 'mean');
      ps = rt.copyIn(stdF, 'std');
      src = rt.alloc(chunk * per, 'toFloat source');
      dst = rt.alloc(chunk * per * 4, 'toFloat result');
      for (let n = 0; n < N; n += chunk) {
        const m = Math.min(chunk, N - n);
        rt.u8.set(images.subarray(n * per, (n + m) * per), src);
        rt.check(rt.exports.wt_wasm_images_u8_to_f32(moduleCtx, src, m, C, H, W, pm, ps, dst), moduleCtx, 'toFloat');
        out.set(rt.f32.subarray(dst >> 2, (dst >> 2) + m * per), n * per);
      }
      return out;
    } finally {
      rt.free(dst);
      rt.free(src);
      rt.free(ps);
      rt.free(pm);
    }
  }

  return Object.freeze({
    ...sets,
    parseIDX,
    loadFashionMNIST,
    toFloat,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MEAN,
    FASHION_MNIST_STD,
  });
}
