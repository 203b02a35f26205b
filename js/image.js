// image.js - canvas I/O (wt.image, and re-exported by wasmtricks/worker): turns what a page has
// (ImageData, a canvas or OffscreenCanvas, an <img>, an ImageBitmap, a <video> webcam frame, a
// Blob/File) into the ImageData-like { data, width, height, channels } that Trainer.predict and
// the data sets take, at the model's input extent (resized to cover and centre-cropped by
// default; grayscale for C = 1); draws an image or a float tensor back onto a canvas; and
// predicts from any of these sources. Pure JS: no wasm here, so it works on a page that trains
// in a WorkerTrainer. Not here: augmentation (augment.js), normalisation (loader.js).

import { WasmTricksError, argCheck, describe } from './errors.js';

const g = globalThis;
const FITS = ['cover', 'contain', 'fill'];

/** True for an ImageData-like object: { data: Uint8(Clamped)Array, width, height }. */
export function isImageLike(v) {
  return !!v && typeof v === 'object' && (v.data instanceof Uint8ClampedArray || v.data instanceof Uint8Array) &&
    Number.isInteger(v.width) && Number.isInteger(v.height);
}

/** True for something canvas drawImage() takes (an element, a canvas, an ImageBitmap...). */
export function isDrawable(v) {
  if (!v || typeof v !== 'object') return false;
  for (const k of ['HTMLCanvasElement', 'OffscreenCanvas', 'HTMLImageElement', 'ImageBitmap',
    'HTMLVideoElement', 'SVGImageElement', 'VideoFrame']) {
    if (typeof g[k] === 'function' && v instanceof g[k]) return true;
  }
  return false;
}

const isBlob = (v) => typeof g.Blob === 'function' && v instanceof g.Blob;

/** Width and height of a drawable source (a video's frame size, an image's natural size). */
function extentOf(src) {
  const w = src.videoWidth || src.naturalWidth || src.displayWidth || src.width;
  const h = src.videoHeight || src.naturalHeight || src.displayHeight || src.height;
  return [w | 0, h | 0];
}

/** The source rectangle [sx, sy, sw, sh] and the destination one [dx, dy, dw, dh] that put a
    w x h source into W x H with the given fit. */
function layout(w, h, W, H, fit) {
  if (fit === 'fill') return [[0, 0, w, h], [0, 0, W, H]];
  if (fit === 'cover') {
    const s = Math.max(W / w, H / h);
    const sw = Math.min(w, W / s);
    const sh = Math.min(h, H / s);
    return [[(w - sw) / 2, (h - sh) / 2, sw, sh], [0, 0, W, H]];
  }
  const s = Math.min(W / w, H / h);
  const dw = w * s;
  const dh = h * s;
  return [[0, 0, w, h], [(W - dw) / 2, (H - dh) / 2, dw, dh]];
}

function scratchCanvas(W, H) {
  if (typeof g.OffscreenCanvas === 'function') return new g.OffscreenCanvas(W, H);
  if (g.document?.createElement) {
    const c = g.document.createElement('canvas');
    c.width = W;
    c.height = H;
    return c;
  }
  throw new WasmTricksError('WT_ERR_UNSUPPORTED', 'image: no canvas here (OffscreenCanvas or document); pass an ImageData-like { data, width, height } instead');
}

function checkShape(shape, fn) {
  argCheck(Array.isArray(shape) && shape.length === 3 && shape.every((v) => Number.isInteger(v) && v >= 1),
    `${fn}: shape must be [C, H, W] of positive integers, got ${describe(shape)}`);
  argCheck([1, 3, 4].includes(shape[0]), `${fn}: shape[0] (channels) must be 1, 3 or 4, got ${shape[0]}`);
  return shape;
}

/** HWC bytes with `C` channels from RGBA bytes (grayscale by ITU-R 601 luma, as the engine's
    predict path does). */
function fromRGBA(rgba, n, C) {
  if (C === 4) return new Uint8ClampedArray(rgba);
  const out = new Uint8ClampedArray(n * C);
  for (let p = 0; p < n; p++) {
    const s = p * 4;
    if (C === 1) out[p] = Math.round(0.299 * rgba[s] + 0.587 * rgba[s + 1] + 0.114 * rgba[s + 2]);
    else { out[p * 3] = rgba[s]; out[p * 3 + 1] = rgba[s + 1]; out[p * 3 + 2] = rgba[s + 2]; }
  }
  return out;
}

/** A drawable resized into W x H by the browser's canvas (smoothing 'high'), as RGBA bytes. */
function rasterize(src, W, H, fit) {
  const [w, h] = extentOf(src);
  if (!(w > 0 && h > 0)) {
    throw new WasmTricksError('WT_ERR_STATE', `image.toInput: the ${src.constructor.name} has no pixels yet (${w}x${h}; an image not loaded or a video without a frame)`);
  }
  const c = scratchCanvas(W, H);
  const cx = c.getContext('2d', { willReadFrequently: true });
  cx.imageSmoothingEnabled = true;
  cx.imageSmoothingQuality = 'high';
  cx.fillStyle = '#000';
  cx.fillRect(0, 0, W, H);
  const [s, d] = layout(w, h, W, H, fit);
  cx.drawImage(src, ...s, ...d);
  return cx.getImageData(0, 0, W, H).data;
}

/** Separable resampling of HWC bytes (any channel count): area average when shrinking (every
    source pixel weighted by its overlap), bilinear when enlarging; pixel centres as torch's
    align_corners=False. Pure JS, so Node and workers without canvases get the same result. */
function resample(src, w, h, C, [sx, sy, sw, sh], W, H) {
  const weights = (n, s0, len) => {
    const scale = len / n;
    return Array.from({ length: n }, (_, o) => {
      const taps = [];
      if (scale > 1) {
        const a = s0 + o * scale;
        const b = a + scale;
        for (let i = Math.floor(a); i < Math.ceil(b); i++) {
          const wgt = Math.min(b, i + 1) - Math.max(a, i);
          if (wgt > 0) taps.push([i, wgt / scale]);
        }
      } else {
        const x = s0 + (o + 0.5) * scale - 0.5;
        const i = Math.floor(x);
        const f = x - i;
        taps.push([i, 1 - f], [i + 1, f]);
      }
      return taps;
    });
  };
  const clampTo = (n) => (i) => Math.min(n - 1, Math.max(0, i));
  const cx = clampTo(w);
  const cy = clampTo(h);
  const wx = weights(W, sx, sw);
  const wy = weights(H, sy, sh);
  const tmp = new Float32Array(h * W * C);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < W; x++) {
      for (const [i, wgt] of wx[x]) {
        const s = (y * w + cx(i)) * C;
        const d = (y * W + x) * C;
        for (let c = 0; c < C; c++) tmp[d + c] += wgt * src[s + c];
      }
    }
  }
  const out = new Uint8ClampedArray(H * W * C);
  const acc = new Float32Array(C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      acc.fill(0);
      for (const [j, wgt] of wy[y]) {
        const s = (cy(j) * W + x) * C;
        for (let c = 0; c < C; c++) acc[c] += wgt * tmp[s + c];
      }
      for (let c = 0; c < C; c++) out[(y * W + x) * C + c] = Math.round(acc[c]);
    }
  }
  return out;
}

/** An ImageData-like source at W x H with C channels (pure JS). */
function imageLikeTo(img, C, H, W, fit) {
  const { width: w, height: h, data } = img;
  const inC = img.channels ?? data.length / (w * h);
  if (![1, 3, 4].includes(inC) || data.length !== w * h * inC) {
    throw new WasmTricksError('WT_ERR_SHAPE', `image.toInput: data has length ${data.length}, not ${w}x${h} times 1, 3 or 4 channels`);
  }
  argCheck(fit !== 'contain' || (w * H === h * W), "image.toInput: fit 'contain' needs a canvas for ImageData-like input of another aspect ratio; use 'cover' or 'fill'");
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const s = p * inC;
    const d = p * 4;
    if (inC === 1) { rgba[d] = rgba[d + 1] = rgba[d + 2] = data[s]; } else { rgba[d] = data[s]; rgba[d + 1] = data[s + 1]; rgba[d + 2] = data[s + 2]; }
    rgba[d + 3] = inC === 4 ? data[s + 3] : 255;
  }
  const [s] = layout(w, h, W, H, fit);
  const px = w === W && h === H ? rgba : resample(rgba, w, h, 4, s, W, H);
  // Gray input stays exactly gray (no luma rounding) when the model wants one channel.
  if (C === 1 && inC === 1) {
    const out = new Uint8ClampedArray(W * H);
    for (let p = 0; p < W * H; p++) out[p] = px[p * 4];
    return out;
  }
  return fromRGBA(px, W * H, C);
}

function parseOpts(opts, fn) {
  argCheck(opts && typeof opts === 'object', `${fn}: options must be an object like { shape: [C, H, W] }`);
  const [C, H, W] = checkShape(opts.shape, fn);
  const fit = opts.fit ?? 'cover';
  argCheck(FITS.includes(fit), `${fn}: fit must be ${FITS.map((f) => `'${f}'`).join(', ')}, got ${describe(fit)}`);
  return { C, H, W, fit };
}

/**
 * Synchronous toInput for sources already in memory (ImageData-like or drawable; not a Blob).
 * Returns { data: Uint8ClampedArray (H*W*C, HWC), width: W, height: H, channels: C }.
 */
export function toInputSync(source, opts) {
  const { C, H, W, fit } = parseOpts(opts, 'image.toInput');
  let data;
  if (isImageLike(source)) data = imageLikeTo(source, C, H, W, fit);
  else if (isDrawable(source)) data = fromRGBA(rasterize(source, W, H, fit), W * H, C);
  else if (isBlob(source)) throw new WasmTricksError('WT_ERR_ARG', 'image.toInput: a Blob must be decoded first: use `await wt.image.toInput(blob, ...)`');
  else {
    throw new WasmTricksError('WT_ERR_ARG', `image.toInput: source must be ImageData, a canvas, an OffscreenCanvas, an <img>, an ImageBitmap, a <video>, a Blob or { data, width, height }, got ${describe(source)}`);
  }
  return { data, width: W, height: H, channels: C };
}

/**
 * The model input from a page's image source: ImageData (or { data, width, height, channels? }),
 * HTMLCanvasElement, OffscreenCanvas, HTMLImageElement, ImageBitmap, HTMLVideoElement (the
 * current frame) or Blob/File (decoded with createImageBitmap). opts: { shape: [C, H, W], fit:
 * 'cover' (default: scale to cover, centre-crop) | 'contain' (letterbox on black) | 'fill' }.
 */
export async function toInput(source, opts) {
  if (isBlob(source)) {
    parseOpts(opts, 'image.toInput');
    argCheck(typeof g.createImageBitmap === 'function', 'image.toInput: decoding a Blob needs createImageBitmap (browsers, workers)');
    let bmp;
    try {
      bmp = await g.createImageBitmap(source);
    } catch (e) {
      throw new WasmTricksError('WT_ERR_FORMAT', `image.toInput: cannot decode the ${source.type || 'untyped'} Blob of ${source.size} bytes as an image (${e.message})`);
    }
    try {
      return toInputSync(bmp, opts);
    } finally {
      bmp.close();
    }
  }
  return toInputSync(source, opts);
}

/**
 * Draws an image onto a canvas (HTMLCanvasElement or OffscreenCanvas): an ImageData-like image
 * (1, 3 or 4 channels), or a Float32Array tensor N*C*H*W (NCHW) with opts.shape [C, H, W] and
 * opts.index (0): values in [0, 1], or normalised ones undone with opts.mean / opts.std
 * (numbers or one per channel). The canvas is resized to the image (enlarge it with CSS
 * `image-rendering: pixelated`), or with opts.resize false the image is scaled to the canvas
 * without smoothing. Returns the drawn ImageData-like RGBA image.
 */
export function draw(canvas, image, opts = {}) {
  argCheck(canvas && typeof canvas.getContext === 'function', `image.draw: canvas must be a canvas or OffscreenCanvas, got ${describe(canvas)}`);
  argCheck(opts && typeof opts === 'object', 'image.draw: options must be an object');
  let W;
  let H;
  let rgba;
  if (image instanceof Float32Array) {
    const [C, h, w] = checkShape(opts.shape, 'image.draw');
    W = w;
    H = h;
    const per = C * H * W;
    const index = opts.index ?? 0;
    argCheck(Number.isInteger(index) && index >= 0 && (index + 1) * per <= image.length,
      `image.draw: index ${describe(index)} is outside the ${Math.floor(image.length / per)} images of ${C}x${H}x${W} in the tensor`);
    const chan = (v, c, name) => {
      if (v === undefined) return name === 'mean' ? 0 : 1;
      const a = typeof v === 'number' ? [v] : Array.from(v);
      argCheck(a.length === 1 || a.length === C, `image.draw: ${name} must be a number or ${C} numbers, got ${describe(v)}`);
      return a[a.length === 1 ? 0 : c];
    };
    rgba = new Uint8ClampedArray(W * H * 4);
    const base = index * per;
    for (let p = 0; p < W * H; p++) {
      for (let k = 0; k < 3; k++) {
        const c = C === 1 ? 0 : k;
        rgba[p * 4 + k] = Math.round((image[base + c * W * H + p] * chan(opts.std, c, 'std') + chan(opts.mean, c, 'mean')) * 255);
      }
      rgba[p * 4 + 3] = C === 4 ? Math.round(image[base + 3 * W * H + p] * 255) : 255;
    }
  } else if (isImageLike(image)) {
    W = image.width;
    H = image.height;
    const px = imageLikeTo(image, 4, H, W, 'fill');
    rgba = new Uint8ClampedArray(px.buffer);
    if ((image.channels ?? image.data.length / (W * H)) !== 4) for (let p = 0; p < W * H; p++) rgba[p * 4 + 3] = 255;
  } else {
    throw new WasmTricksError('WT_ERR_ARG', `image.draw: image must be ImageData-like { data, width, height } or a Float32Array tensor, got ${describe(image)}`);
  }
  if (opts.resize ?? true) {
    canvas.width = W;
    canvas.height = H;
  }
  const out = { data: rgba, width: W, height: H, channels: 4 };
  const cx = canvas.getContext('2d');
  const id = typeof g.ImageData === 'function' ? new g.ImageData(rgba, W, H) : null;
  argCheck(id !== null, 'image.draw: ImageData is not available here');
  if (canvas.width === W && canvas.height === H) {
    cx.putImageData(id, 0, 0);
  } else {
    const tmp = scratchCanvas(W, H);
    tmp.getContext('2d').putImageData(id, 0, 0);
    cx.imageSmoothingEnabled = false;
    cx.clearRect(0, 0, canvas.width, canvas.height);
    cx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  }
  return out;
}

/**
 * Top-k predictions from any source toInput takes, with a Trainer or a WorkerTrainer:
 * [{ label, className, probability }] best first.
 */
export async function predict(trainer, source, { topK = 5, fit } = {}) {
  const shape = trainer?.model?.inputShape ?? trainer?.inputShape;
  argCheck(Array.isArray(shape), `image.predict: trainer must be a Trainer or WorkerTrainer, got ${describe(trainer)}`);
  const input = await toInput(source, { shape: [...shape], fit });
  return trainer.predict(input, { topK });
}
