// dataset.js - the data set objects behind wt.data: Dataset (uint8 images, HWC per sample, with
// labels, class names and per-channel statistics; subsets and seeded train/validation splits)
// and its sources: IDX (MNIST, Fashion-MNIST), CIFAR-10/100 binary batches, ImageFolder
// directories (PNG/JPEG decoded by stb_image inside the engine), typed arrays and ImageData-like
// images. Bytes are parsed by the C engine (src/data/), so every corrupt file gets the engine's
// one clear error. Not here: batching, shuffling, augmentation (loader.js).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { isNode, importNode } from './runtime.js';

const fail = (code, msg) => { throw new WasmTricksError(code, msg); };

/** A labelled image set held as uint8, HWC per sample (C = 1 is also CHW, as IDX stores it). */
export class Dataset {
  /**
   * @param {{ images: Uint8Array, labels: Int32Array, shape: number[], numClasses: number,
   *           classNames?: string[], mean?: number[], std?: number[], name?: string }} o
   */
  constructor({ images, labels, shape, numClasses, classNames, mean, std, name = 'dataset' }) {
    const [C, H, W] = shape;
    const per = C * H * W;
    if (images.length !== labels.length * per) {
      fail('WT_ERR_SHAPE', `${name}: ${labels.length} labels but ${images.length / per} images of ${C}x${H}x${W}`);
    }
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (!(l >= 0 && l < numClasses)) fail('WT_ERR_FORMAT', `${name}: label ${i} is ${l}, outside 0..${numClasses - 1}`);
    }
    this.images = images;
    this.labels = labels;
    this.shape = Object.freeze([C, H, W]);
    this.numClasses = numClasses;
    this.classNames = Object.freeze(classNames ? [...classNames] : Array.from({ length: numClasses }, (_, i) => String(i)));
    argCheck(this.classNames.length === numClasses,
      `${name}: ${this.classNames.length} class names for ${numClasses} classes`);
    this.name = name;
    this._mean = mean ? [...mean] : null;
    this._std = std ? [...std] : null;
  }

  get length() { return this.labels.length; }
  /** The former loadFashionMNIST field. */
  get count() { return this.labels.length; }
  get bytesPerImage() { return this.shape[0] * this.shape[1] * this.shape[2]; }

  /** Per-channel mean of the pixels scaled to [0, 1] (given, or computed once). */
  get mean() { if (!this._mean) this._stats(); return this._mean; }
  /** Per-channel standard deviation (population), as torchvision recipes compute it. */
  get std() { if (!this._std) this._stats(); return this._std; }

  _stats() {
    const C = this.shape[0];
    const s = new Float64Array(C);
    const s2 = new Float64Array(C);
    const img = this.images;
    // Sum per channel with a histogram per channel: exact, and linear in the bytes.
    const hist = Array.from({ length: C }, () => new Float64Array(256));
    for (let c = 0; c < C; c++) {
      const h = hist[c];
      for (let i = c; i < img.length; i += C) h[img[i]]++;
      for (let v = 0; v < 256; v++) { s[c] += h[v] * v; s2[c] += h[v] * v * v; }
    }
    const n = Math.max(1, img.length / C);
    this._mean = Array.from(s, (v) => v / n / 255);
    this._std = Array.from(s2, (v, c) => Math.sqrt(Math.max(0, v / n / 65025 - this._mean[c] ** 2)) || 1);
  }

  /** One image as ImageData-like { data, width, height, channels } and its label. */
  get(i) {
    argCheck(Number.isInteger(i) && i >= 0 && i < this.length, `${this.name}.get: index ${describe(i)} out of range`);
    const [C, H, W] = this.shape;
    const per = C * H * W;
    return { image: { data: this.images.slice(i * per, (i + 1) * per), width: W, height: H, channels: C }, label: this.labels[i] };
  }

  /** A new data set of the given sample indices (copies). */
  subset(indices, name = this.name) {
    argCheck(Array.isArray(indices) || ArrayBuffer.isView(indices), `${this.name}.subset: indices must be an array of sample indices, got ${describe(indices)}`);
    const per = this.bytesPerImage;
    const images = new Uint8Array(indices.length * per);
    const labels = new Int32Array(indices.length);
    indices.forEach((k, j) => {
      argCheck(Number.isInteger(k) && k >= 0 && k < this.length, `${this.name}.subset: index ${describe(k)} out of range`);
      images.set(this.images.subarray(k * per, (k + 1) * per), j * per);
      labels[j] = this.labels[k];
    });
    return new Dataset({ images, labels, shape: this.shape, numClasses: this.numClasses,
      classNames: this.classNames, mean: this._mean, std: this._std, name });
  }

  /** The samples of the listed classes (indices or names), relabelled 0..k-1 in the order
      given, with their names: CIFAR-10's classes 5-9 as a 5-class data set. */
  selectClasses(classes) {
    argCheck(Array.isArray(classes) && classes.length >= 1,
      `${this.name}.selectClasses: classes must be a non-empty array of class indices or names, got ${describe(classes)}`);
    const ids = classes.map((c) => {
      const k = typeof c === 'string' ? this.classNames.indexOf(c) : c;
      argCheck(Number.isInteger(k) && k >= 0 && k < this.numClasses,
        `${this.name}.selectClasses: ${typeof c === 'string' ? `'${c}'` : describe(c)} is not a class of this data set (${this.classNames.join(', ')})`);
      return k;
    });
    argCheck(new Set(ids).size === ids.length, `${this.name}.selectClasses: a class is listed twice in [${classes.join(', ')}]`);
    const to = new Map(ids.map((k, j) => [k, j]));
    const keep = [];
    for (let i = 0; i < this.length; i++) if (to.has(this.labels[i])) keep.push(i);
    const sub = this.subset(keep);
    for (let i = 0; i < sub.labels.length; i++) sub.labels[i] = to.get(sub.labels[i]);
    return new Dataset({ images: sub.images, labels: sub.labels, shape: this.shape, numClasses: ids.length,
      classNames: ids.map((k) => this.classNames[k]), mean: this._mean, std: this._std, name: this.name });
  }

  /** The first n samples (a cheap view for quick runs). */
  take(n) {
    argCheck(Number.isInteger(n) && n >= 1, `take: n must be a positive integer, got ${describe(n)}`);
    n = Math.min(n, this.length);
    const per = this.bytesPerImage;
    return new Dataset({ images: this.images.subarray(0, n * per), labels: this.labels.subarray(0, n),
      shape: this.shape, numClasses: this.numClasses, classNames: this.classNames, mean: this._mean,
      std: this._std, name: this.name });
  }

  /** n samples drawn without replacement with a seeded order (kept in data set order): a
      fair subset of a class-sorted set such as an ImageFolder. balanced: the same number of
      images of every class (n / numClasses; the first n % numClasses classes one more), the
      first ones of each class in the seeded order; an error if a class has too few. */
  sample(n, { seed = 0, balanced = false } = {}) {
    argCheck(Number.isInteger(n) && n >= 1, `sample: n must be a positive integer, got ${describe(n)}`);
    argCheck(Number.isSafeInteger(seed) && seed >= 0, `sample: seed must be a non-negative integer, got ${describe(seed)}`);
    argCheck(typeof balanced === 'boolean', `sample: balanced must be true or false, got ${describe(balanced)}`);
    if (!balanced) {
      if (n >= this.length) return this;
      return this.subset(seededOrder(this.length, seed).slice(0, n).sort((x, y) => x - y));
    }
    const K = this.numClasses;
    const want = Array.from({ length: K }, (_, c) => Math.floor(n / K) + (c < n % K ? 1 : 0));
    const have = new Array(K).fill(0);
    for (let i = 0; i < this.length; i++) have[this.labels[i]]++;
    const short = want.findIndex((w, c) => have[c] < w);
    argCheck(short < 0, `sample: ${n} balanced samples need ${want[Math.max(short, 0)]} of class ` +
      `${this.classNames?.[short] ?? short}, the data set has ${have[Math.max(short, 0)]}`);
    const picked = [];
    for (const k of seededOrder(this.length, seed)) {
      if (want[this.labels[k]] > 0) {
        want[this.labels[k]]--;
        picked.push(k);
      }
    }
    return this.subset(picked.sort((x, y) => x - y));
  }

  /**
   * A seeded random split: { train, validation } with round(fraction * length) validation
   * samples. Same seed, same split (mulberry32 Fisher-Yates, independent of the engine's RNG).
   */
  split(fraction, { seed = 0 } = {}) {
    argCheck(typeof fraction === 'number' && fraction > 0 && fraction < 1, `split: fraction must be in (0, 1), got ${describe(fraction)}`);
    argCheck(Number.isSafeInteger(seed) && seed >= 0, `split: seed must be a non-negative integer, got ${describe(seed)}`);
    const order = seededOrder(this.length, seed);
    const nv = Math.round(fraction * this.length);
    const sorted = (a) => a.sort((x, y) => x - y);
    return {
      train: this.subset(sorted(order.slice(nv)), `${this.name} (train part)`),
      validation: this.subset(sorted(order.slice(0, nv)), `${this.name} (validation part)`),
    };
  }
}

/** A permutation of 0..n-1 from the seed (mulberry32 Fisher-Yates, independent of the engine). */
function seededOrder(n, seed) {
  const order = Array.from({ length: n }, (_, i) => i);
  const rnd = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function nodeModules() {
  const [fs, path] = await Promise.all([importNode('node:fs/promises'), importNode('node:path')]);
  return { fs, path };
}

/** Reads a file as a Uint8Array, with the path in the error. */
async function readBytes(file, what) {
  const { fs } = await nodeModules();
  try {
    const b = await fs.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    fail('WT_ERR_ARG', `${what}: cannot read ${file} (${e.code ?? e.message})`);
  }
}

export const CIFAR10_CLASSES = Object.freeze(['airplane', 'automobile', 'bird', 'cat', 'deer',
  'dog', 'frog', 'horse', 'ship', 'truck']);
export const CIFAR10_MEAN = Object.freeze([0.4914, 0.4822, 0.4465]);
export const CIFAR10_STD = Object.freeze([0.2470, 0.2435, 0.2616]);
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export function makeDatasets(rt, ctx, { parseIDX, readDataFile, gunzip, isGzip, fmnist }) {
  const e = rt.exports;

  /** Images and labels from two IDX buffers (gzip or not): counts and dims checked. */
  async function fromIDX(imgRaw, lblRaw, { name, imgName, lblName, numClasses, classNames, mean, std }) {
    const img = parseIDX(isGzip(imgRaw) ? await gunzip(imgRaw) : imgRaw);
    const lbl = parseIDX(isGzip(lblRaw) ? await gunzip(lblRaw) : lblRaw);
    if (img.dims.length !== 3) fail('WT_ERR_FORMAT', `${name}: ${imgName} has dims [${img.dims}], expected [N, H, W]`);
    if (lbl.dims.length !== 1) fail('WT_ERR_FORMAT', `${name}: ${lblName} has dims [${lbl.dims}], expected [N] (a labels file)`);
    if (lbl.dims[0] !== img.dims[0]) {
      fail('WT_ERR_FORMAT', `${name}: mismatched counts: ${lblName} has ${lbl.dims[0]} labels but ${imgName} has ${img.dims[0]} images`);
    }
    const labels = Int32Array.from(lbl.data);
    // A folder of unknown IDX files: as many classes as the largest label says.
    numClasses ??= classNames?.length ?? labels.reduce((m, v) => Math.max(m, v + 1), 1);
    const bad = labels.findIndex((v) => v >= numClasses);
    if (bad >= 0) fail('WT_ERR_FORMAT', `${name}: label ${bad} in ${lblName} is ${labels[bad]}, outside 0..${numClasses - 1}`);
    return new Dataset({ images: img.data, labels, shape: [1, img.dims[1], img.dims[2]], numClasses,
      classNames, mean, std, name });
  }

  const IDX_FILES = {
    train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
    test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
  };

  function checkSplit(fn, split) {
    argCheck(split === 'train' || split === 'test', `${fn}: split must be 'train' or 'test', got ${describe(split)}`);
  }

  async function idxSet(fn, { dir, split = 'train' }, defaults) {
    checkSplit(fn, split);
    if (dir === undefined) {
      argCheck(isNode && defaults.dir, `${fn}: pass dir (the folder or URL holding the IDX files)`);
      dir = defaults.dir;
    }
    argCheck(typeof dir === 'string' || dir instanceof URL, `${fn}: dir must be a string or URL, got ${describe(dir)}`);
    const [imgName, lblName] = IDX_FILES[split];
    const [imgRaw, lblRaw] = await Promise.all([readDataFile(String(dir), imgName, fn), readDataFile(String(dir), lblName, fn)]);
    return fromIDX(imgRaw, lblRaw, { name: `${defaults.name} ${split}`, imgName, lblName, ...defaults });
  }

  /** Fashion-MNIST (default dir: Debian's dataset-fashion-mnist). */
  const fashionMNIST = (o = {}) => idxSet('fashionMNIST', o, { dir: fmnist.dir, name: 'Fashion-MNIST',
    classNames: fmnist.classes, mean: [fmnist.mean], std: [fmnist.std] });
  /** MNIST from a folder of the four IDX files (no default folder is assumed to exist). */
  const mnist = (o = {}) => idxSet('mnist', o, { dir: o.dir ?? '/usr/share/datasets/mnist/', name: 'MNIST',
    classNames: Array.from({ length: 10 }, (_, i) => String(i)), mean: [MNIST_MEAN], std: [MNIST_STD] });

  /** Parses CIFAR binary batches (Uint8Array each) into one data set. */
  function parseCIFAR(batches, { classes = 10, classNames, name = `CIFAR-${classes}` } = {}) {
    argCheck(classes === 10 || classes === 100, `parseCIFAR: classes must be 10 or 100, got ${describe(classes)}`);
    argCheck(Array.isArray(batches) && batches.length > 0, `parseCIFAR: batches must be a non-empty array of Uint8Array, got ${describe(batches)}`);
    const parts = [];
    let total = 0;
    for (const [i, b] of batches.entries()) {
      argCheck(b instanceof Uint8Array, `parseCIFAR: batch ${i} must be a Uint8Array, got ${describe(b)}`);
      let p = 0;
      let img = 0;
      let lbl = 0;
      try {
        p = rt.copyIn(b, 'CIFAR batch');
        const n = rt.withStack((salloc) => {
          const out = salloc(8);
          rt.check(e.wt_wasm_cifar_parse(ctx, p, b.length, classes, out, 0, 0), ctx, `parseCIFAR (${batches.name?.[i] ?? `batch ${i}`})`);
          return new Float64Array(rt.memory.buffer, out, 1)[0];
        });
        img = rt.alloc(n * 3072, 'CIFAR images');
        lbl = rt.alloc(n * 4, 'CIFAR labels');
        rt.withStack((salloc) => {
          const out = salloc(8);
          rt.check(e.wt_wasm_cifar_parse(ctx, p, b.length, classes, out, img, lbl), ctx, 'parseCIFAR');
        });
        parts.push({ images: rt.u8.slice(img, img + n * 3072), labels: rt.i32.slice(lbl >> 2, (lbl >> 2) + n) });
        total += n;
      } catch (err) {
        if (batches.names) err.message = `${batches.names[i]}: ${err.message}`;
        throw err;
      } finally {
        rt.free(lbl);
        rt.free(img);
        rt.free(p);
      }
    }
    const images = new Uint8Array(total * 3072);
    const labels = new Int32Array(total);
    let at = 0;
    for (const part of parts) {
      images.set(part.images, at * 3072);
      labels.set(part.labels, at);
      at += part.labels.length;
    }
    const names = classNames ?? (classes === 10 ? CIFAR10_CLASSES : undefined);
    return new Dataset({ images, labels, shape: [3, 32, 32], numClasses: classes, classNames: names,
      mean: classes === 10 ? CIFAR10_MEAN : undefined, std: classes === 10 ? CIFAR10_STD : undefined, name });
  }

  /** CIFAR-10 / CIFAR-100 binary batches from a folder (cifar-10-batches-bin or its parent). */
  async function cifar(fn, classes, { dir, split = 'train' } = {}) {
    checkSplit(fn, split);
    argCheck(isNode, `${fn}: reading folders needs Node; in a browser fetch the batches and call wt.data.parseCIFAR`);
    argCheck(typeof dir === 'string', `${fn}: dir must be the folder of the binary batches, got ${describe(dir)}`);
    const { fs, path } = await nodeModules();
    const sub = classes === 10 ? 'cifar-10-batches-bin' : 'cifar-100-binary';
    let base = dir;
    try { await fs.access(path.join(dir, sub)); base = path.join(dir, sub); } catch { /* dir itself */ }
    const files = classes === 10
      ? (split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'])
      : [`${split}.bin`];
    const batches = await Promise.all(files.map((f) => readBytes(path.join(base, f), fn)));
    batches.names = files;
    let classNames;
    const meta = classes === 10 ? 'batches.meta.txt' : 'fine_label_names.txt';
    try {
      const text = await fs.readFile(path.join(base, meta), 'utf8');
      const names = text.split('\n').map((s) => s.trim()).filter(Boolean);
      if (names.length === classes) classNames = names;
    } catch { /* optional */ }
    return parseCIFAR(batches, { classes, classNames, name: `CIFAR-${classes} ${split}` });
  }

  /** Decodes one PNG/JPEG (bytes) to { data, width, height, channels } at shape [C, H, W]
      (resized to cover and centre-cropped when the file's extent differs), or at the file's
      own extent when shape is omitted. */
  function decodeImage(bytes, { shape } = {}) {
    argCheck(bytes instanceof Uint8Array, `decodeImage: bytes must be a Uint8Array, got ${describe(bytes)}`);
    argCheck(shape === undefined || (Array.isArray(shape) && shape.length === 3 &&
      shape.every((v) => Number.isInteger(v) && v >= 1 && v <= 1 << 24) && shape[0] * shape[1] * shape[2] <= 0xffffffff),
    `decodeImage: shape must be [C, H, W] of positive integers (at most 4 GiB of pixels), got ${describe(shape)}`);
    const d = new Decoder();
    try {
      return d.decode(bytes, shape, 'decodeImage');
    } finally {
      d.free();
    }
  }

  // Reuses one input and one output buffer in wasm memory over many files.
  class Decoder {
    constructor() { this.inP = 0; this.inCap = 0; this.outP = 0; this.outCap = 0; }
    _reserve(which, n) {
      if (this[`${which}Cap`] >= n) return this[`${which}P`];
      rt.free(this[`${which}P`]);
      this[`${which}P`] = 0;
      this[`${which}P`] = rt.alloc(n, 'image decoding');
      this[`${which}Cap`] = n;
      return this[`${which}P`];
    }
    info(bytes, what) {
      const p = this._reserve('in', bytes.length);
      rt.u8.set(bytes, p);
      return rt.withStack((salloc) => {
        const out = salloc(12);
        rt.check(e.wt_wasm_image_decode_info(ctx, p, bytes.length, out), ctx, what);
        return Array.from(rt.i32.subarray(out >> 2, (out >> 2) + 3));
      });
    }
    decode(bytes, shape, what) {
      const [fh, fw, fc] = this.info(bytes, what);
      const [C, H, W] = shape ?? [fc >= 3 ? 3 : 1, fh, fw];
      argCheck([1, 3, 4].includes(C), `${what}: channels must be 1, 3 or 4, got ${describe(C)}`);
      const n = C * H * W;
      const out = this._reserve('out', n);
      rt.check(e.wt_wasm_image_decode(ctx, this.inP, bytes.length, out, H, W, C), ctx, what);
      return { data: rt.u8.slice(out, out + n), width: W, height: H, channels: C };
    }
    free() { rt.free(this.inP); rt.free(this.outP); this.inP = this.outP = 0; }
  }

  /**
   * An ImageFolder (torchvision's layout): one sub-folder per class, sorted by name, holding
   * PNG/JPEG files. shape [C, H, W] fixes the extent (default: the first image's, 3 channels
   * unless it is grey); other extents are resized to cover and centre-cropped.
   */
  async function imageFolder(dir, { shape, classNames: given, onProgress } = {}) {
    argCheck(isNode, 'imageFolder: reading folders needs Node; in a browser use wt.data.fromImages');
    argCheck(typeof dir === 'string', `imageFolder: dir must be a folder path, got ${describe(dir)}`);
    const { fs, path } = await nodeModules();
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      fail('WT_ERR_ARG', `imageFolder: cannot read the folder ${dir} (${err.code ?? err.message})`);
    }
    const classes = entries.filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    if (classes.length === 0) fail('WT_ERR_FORMAT', `imageFolder: ${dir} has no class sub-folders (expected <dir>/<class>/<image>.png|jpg)`);
    const files = [];
    for (const [k, c] of classes.entries()) {
      const names = (await fs.readdir(path.join(dir, c))).filter((f) => IMAGE_EXT.test(f)).sort();
      for (const f of names) files.push([path.join(dir, c, f), k]);
    }
    if (files.length === 0) fail('WT_ERR_FORMAT', `imageFolder: no .png/.jpg/.jpeg files under the class folders of ${dir}`);
    const dec = new Decoder();
    try {
      if (!shape) {
        const [h, w, c] = dec.info(await readBytes(files[0][0], 'imageFolder'), `imageFolder: ${files[0][0]}`);
        shape = [c >= 3 ? 3 : 1, h, w];
      }
      argCheck(Array.isArray(shape) && shape.length === 3 && shape.every((v) => Number.isInteger(v) && v >= 1),
        `imageFolder: shape must be [C, H, W], got ${describe(shape)}`);
      const per = shape[0] * shape[1] * shape[2];
      const images = new Uint8Array(files.length * per);
      const labels = new Int32Array(files.length);
      const CONCURRENT = 64;
      for (let i = 0; i < files.length; i += CONCURRENT) {
        const chunk = files.slice(i, i + CONCURRENT);
        const bytes = await Promise.all(chunk.map(([f]) => readBytes(f, 'imageFolder')));
        bytes.forEach((b, j) => {
          const [file, label] = chunk[j];
          let img;
          try {
            img = dec.decode(b, shape, 'imageFolder');
          } catch (err) {
            err.message = `imageFolder: ${file}: ${err.message}`;
            throw err;
          }
          images.set(img.data, (i + j) * per);
          labels[i + j] = label;
        });
        onProgress?.({ done: Math.min(i + CONCURRENT, files.length), total: files.length });
      }
      return new Dataset({ images, labels, shape, numClasses: classes.length, classNames: given ?? classes,
        name: `ImageFolder ${dir}` });
    } finally {
      dec.free();
    }
  }

  /**
   * Typed arrays: images (N*C*H*W uint8, NCHW as PyTorch, or layout 'hwc'), labels (N
   * integers), shape [C, H, W], numClasses (default max label + 1), classNames, mean, std.
   */
  function fromArrays({ images, labels, shape, numClasses, classNames, mean, std, layout = 'chw' } = {}) {
    argCheck(images instanceof Uint8Array || images instanceof Uint8ClampedArray,
      `fromArrays: images must be a Uint8Array of N*C*H*W bytes, got ${describe(images)}`);
    argCheck(Array.isArray(shape) && shape.length === 3 && shape.every((v) => Number.isInteger(v) && v >= 1),
      `fromArrays: shape must be [C, H, W] of positive integers, got ${describe(shape)}`);
    argCheck(layout === 'chw' || layout === 'hwc', `fromArrays: layout must be 'chw' or 'hwc', got ${describe(layout)}`);
    argCheck(labels instanceof Int32Array || Array.isArray(labels) || ArrayBuffer.isView(labels),
      `fromArrays: labels must be an array of integers, got ${describe(labels)}`);
    argCheck(numClasses === undefined || (Number.isInteger(numClasses) && numClasses >= 1),
      `fromArrays: numClasses must be a positive integer, got ${describe(numClasses)}`);
    const lab = Int32Array.from(labels);
    const bad = Array.prototype.findIndex.call(labels, (v) => !Number.isInteger(Number(v)) || v < 0);
    argCheck(bad < 0, `fromArrays: labels[${bad}] = ${describe(labels[bad])} is not a class index`);
    const [C, H, W] = shape;
    const per = C * H * W;
    if (images.length !== lab.length * per) {
      fail('WT_ERR_SHAPE', `fromArrays: mismatched counts: ${lab.length} labels but images holds ${images.length / per} images of ${C}x${H}x${W}`);
    }
    let hwc = new Uint8Array(images.buffer, images.byteOffset, images.length).slice();
    if (layout === 'chw' && C > 1) {
      const plane = H * W;
      for (let n = 0; n < lab.length; n++) {
        const b = n * per;
        for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) hwc[b + p * C + c] = images[b + c * plane + p];
      }
    }
    const K = numClasses ?? (classNames?.length ?? lab.reduce((m, v) => Math.max(m, v), -1) + 1);
    return new Dataset({ images: hwc, labels: lab, shape: [C, H, W], numClasses: K, classNames,
      mean, std, name: 'fromArrays' });
  }

  /**
   * ImageData-like images: [{ image: { data, width, height, channels? }, label }]; all the same
   * extent. RGBA (canvas) keeps RGB unless channels: 4 is asked for.
   */
  function fromImages(items, { numClasses, classNames, channels, mean, std } = {}) {
    argCheck(Array.isArray(items) && items.length > 0, `fromImages: items must be a non-empty array of { image, label }, got ${describe(items)}`);
    const first = items[0]?.image;
    argCheck(first && Number.isInteger(first.width) && Number.isInteger(first.height),
      `fromImages: items[0].image must be { data, width, height }, got ${describe(first)}`);
    const W = first.width;
    const H = first.height;
    const inC = first.channels ?? first.data.length / (W * H);
    const C = channels ?? (inC === 4 ? 3 : inC);
    argCheck([1, 3, 4].includes(C) && C <= inC, `fromImages: channels must be 1, 3 or 4 (at most the images'), got ${describe(C)}`);
    const per = C * H * W;
    const images = new Uint8Array(items.length * per);
    const labels = new Int32Array(items.length);
    items.forEach(({ image, label } = {}, i) => {
      argCheck(image && image.width === W && image.height === H && (image.channels ?? image.data?.length / (W * H)) === inC &&
        image.data?.length === W * H * inC,
      `fromImages: items[${i}].image must be ${W}x${H} with ${inC} channels like items[0]`);
      argCheck(Number.isInteger(label) && label >= 0, `fromImages: items[${i}].label must be a class index, got ${describe(label)}`);
      const d = image.data;
      const o = i * per;
      if (C === inC) images.set(d, o);
      else for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) images[o + p * C + c] = d[p * inC + c];
      labels[i] = label;
    });
    const K = numClasses ?? (classNames?.length ?? labels.reduce((m, v) => Math.max(m, v), -1) + 1);
    return new Dataset({ images, labels, shape: [C, H, W], numClasses: K, classNames, mean, std, name: 'fromImages' });
  }

  /**
   * Node: a data set by name or path, as the CLI's --data takes it: 'fashion-mnist', 'mnist',
   * a folder of IDX files, of CIFAR-10/100 binary batches, or an ImageFolder (with train/ and
   * test/ sub-folders, or the class folders directly: then both splits are the whole folder).
   */
  async function open(spec, { split = 'train', shape } = {}) {
    checkSplit('open', split);
    if (spec === 'fashion-mnist') return fashionMNIST({ split });
    if (spec === 'mnist') return mnist({ split });
    if (spec === 'cifar10' || spec === 'cifar100') fail('WT_ERR_ARG', `open: ${spec} needs the folder of its binary batches`);
    argCheck(isNode, 'open: paths need Node');
    const { fs, path } = await nodeModules();
    let names;
    try {
      names = await fs.readdir(spec);
    } catch (err) {
      fail('WT_ERR_ARG', `no such data set or folder: ${spec} (${err.code ?? err.message})`);
    }
    const has = (f) => names.includes(f) || names.includes(`${f}.gz`);
    if (has('train-images-idx3-ubyte') || has('t10k-images-idx3-ubyte')) {
      return idxSet('open', { dir: spec, split }, { name: path.basename(spec) });
    }
    if (names.includes('cifar-10-batches-bin') || names.includes('data_batch_1.bin') || names.includes('test_batch.bin')) {
      return cifar('open', 10, { dir: spec, split });
    }
    if (names.includes('cifar-100-binary') || names.includes('train.bin') || names.includes('test.bin')) {
      return cifar('open', 100, { dir: spec, split });
    }
    if (names.includes('train') && names.includes('test')) return imageFolder(path.join(spec, split), { shape });
    if (split === 'test') fail('WT_ERR_ARG', `open: ${spec} has no test split (no train/ and test/ folders)`);
    return imageFolder(spec, { shape });
  }

  return {
    Dataset,
    fashionMNIST,
    mnist,
    cifar10: (o) => cifar('cifar10', 10, o),
    cifar100: (o) => cifar('cifar100', 100, o),
    parseCIFAR,
    imageFolder,
    decodeImage,
    fromArrays,
    fromImages,
    open,
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
  };
}
