// augment.js - wt.augment: per-image augmentation on ImageData-like { data, width, height }
// (data a Uint8ClampedArray or Uint8Array, HWC with 1, 3 or 4 channels inferred from its length
// or given as `channels`), with torchvision 0.14 semantics (src/augment/). Every call copies the
// image into wasm memory, runs one C function and returns a new image of the same kind; temp
// buffers are freed in `finally`. Randomness: options.seed (a throwaway seeded context) or the
// instance's context RNG. The random policies (autoAugment, randAugment, trivialAugment) with
// { report: true } also say what they drew. Not here: the float-side batch pipeline (wt.data.toFloat).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { enums, enumNames } from './runtime.js';
// wt_wasm_aug_policy's report: 2 + 5 doubles per op, for up to 64 ops (WT_AUG_REPORT_MAX_OPS).
const REPORT_DOUBLES = 2 + 5 * 64;

/** The shortest decimal with the same float32 value (0.4, not 0.4000000059604645). */
function shortestFloat(x) {
  for (let k = 1; k < 9; k++) {
    const d = Number(x.toPrecision(k));
    if (Math.fround(d) === x) return d;
  }
  return x;
}

export function makeAugment(rt, moduleCtx) {
  const e = rt.exports;
  // The engine's enums (wt_wasm_abi): the ops in torchvision's spelling, policies, interpolations.
  const OPS = enumNames('wt_aug_op');
  const POLICIES = enums.wt_aug_policy;
  const INTERP = enums.wt_interp;
  const STEP = enums.wt_aug_step_kind; // wt_wasm_aug_policy's kind

  function parseImage(fn, img, channels) {
    argCheck(img !== null && typeof img === 'object', `augment.${fn}: image must be { data, width, height }, got ${describe(img)}`);
    const { data, width, height } = img;
    argCheck(data instanceof Uint8ClampedArray || data instanceof Uint8Array,
      `augment.${fn}: image.data must be a Uint8ClampedArray or Uint8Array, got ${describe(data)}`);
    argCheck(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1,
      `augment.${fn}: width and height must be positive integers, got ${describe(width)} x ${describe(height)}`);
    const C = channels ?? img.channels ?? data.length / (width * height);
    if (![1, 3, 4].includes(C) || data.length !== width * height * C) {
      throw new WasmTricksError('WT_ERR_SHAPE',
        `augment.${fn}: data has length ${data.length}, not ${width}x${height} times 1, 3 or 4 channels`);
    }
    return { data, W: width, H: height, C };
  }

  const makeImage = (like, bytes, W, H, C) => {
    const data = like.data instanceof Uint8ClampedArray ? new Uint8ClampedArray(bytes) : new Uint8Array(bytes);
    return C === 4 || like.channels === undefined ? { data, width: W, height: H } : { data, width: W, height: H, channels: C };
  };

  function interpOf(fn, v, dflt) {
    const name = v ?? dflt;
    argCheck(Object.hasOwn(INTERP, name), `augment.${fn}: interpolation must be 'nearest' or 'bilinear', got ${describe(name)}`);
    return INTERP[name];
  }

  function pair(fn, name, v, dflt) {
    const a = v === undefined ? dflt : (typeof v === 'number' ? [v, v] : v);
    argCheck(Array.isArray(a) && a.length === 2 && a.every((x) => typeof x === 'number' && Number.isFinite(x)),
      `augment.${fn}: ${name} must be a number or [a, b], got ${describe(v)}`);
    return a;
  }

  function size2(fn, v) {
    const a = typeof v === 'number' ? [v, v] : v;
    argCheck(Array.isArray(a) && a.length === 2 && a.every((x) => Number.isInteger(x) && x >= 1),
      `augment.${fn}: size must be a positive integer or [height, width], got ${describe(v)}`);
    return a;
  }

  // Runs body(ctx, src, dst) with the image in wasm memory and an output buffer of outBytes.
  function run(fn, img, options, outW, outH, body) {
    const { data, W, H, C } = img;
    let ctx = moduleCtx;
    let own = false;
    let src = 0;
    let dst = 0;
    let fill = 0;
    try {
      if (options.seed !== undefined) {
        ctx = rt.createContext(options.seed);
        own = true;
      }
      if (options.fill !== undefined) {
        const f = typeof options.fill === 'number' ? new Array(C).fill(options.fill) : Array.from(options.fill);
        if (f.length === 3 && C === 4) f.push(255);
        argCheck(f.length === C && f.every((x) => Number.isFinite(x)),
          `augment.${fn}: fill must be a number or ${C} numbers, got ${describe(options.fill)}`);
        fill = rt.copyIn(Float32Array.from(f), 'fill');
      }
      src = rt.copyIn(data, 'image');
      dst = rt.alloc(outW * outH * C, 'augmented image');
      rt.check(body(ctx, src, dst, fill), ctx, `augment.${fn}`);
      return rt.u8.slice(dst, dst + outW * outH * C);
    } finally {
      rt.free(dst);
      rt.free(src);
      rt.free(fill);
      if (own) rt.destroyContext(ctx);
    }
  }

  function apply(image, options = {}) {
    const img = parseImage('apply', image, options.channels);
    const op = OPS.indexOf(options.op);
    argCheck(op >= 0, `augment.apply: op must be one of ${OPS.join(', ')}; got ${describe(options.op)}`);
    const mag = options.magnitude ?? 0;
    argCheck(typeof mag === 'number' && Number.isFinite(mag), `augment.apply: magnitude must be a finite number, got ${describe(mag)}`);
    const interp = interpOf('apply', options.interpolation, 'nearest');
    const out = run('apply', img, options, img.W, img.H, (ctx, s, d, f) =>
      e.wt_wasm_aug_apply(ctx, op, mag, interp, f, s, img.H, img.W, img.C, d));
    return makeImage(image, out, img.W, img.H, img.C);
  }

  // Runs a random policy; with options.report, returns { image, subPolicy, ops } (what it drew,
  // read from the doubles wt_wasm_aug_policy writes: sub_policy, n_ops, then per op op, bin,
  // applied, p, magnitude) instead of the image.
  function policy(fn, kind, image, options, a, b, c) {
    const img = parseImage(fn, image, options.channels);
    const interp = interpOf(fn, options.interpolation, 'nearest');
    const report = options.report ?? false;
    argCheck(typeof report === 'boolean', `augment.${fn}: report must be true or false, got ${describe(report)}`);
    let rp = 0;
    try {
      if (report) rp = rt.alloc(8 * REPORT_DOUBLES, 'augment report');
      const out = run(fn, img, options, img.W, img.H, (ctx, s, d, f) =>
        e.wt_wasm_aug_policy(ctx, kind, a, b, c, interp, f, s, img.H, img.W, img.C, d, rp));
      const result = makeImage(image, out, img.W, img.H, img.C);
      return report ? { image: result, ...readReport(rp) } : result;
    } finally {
      rt.free(rp);
    }
  }

  function readReport(p) {
    const v = new Float64Array(rt.u8.buffer.slice(p, p + 8 * REPORT_DOUBLES));
    const ops = [];
    for (let i = 0; i < v[1]; i++) {
      const [op, bin, applied, prob, magnitude] = v.subarray(2 + 5 * i, 7 + 5 * i);
      ops.push({ name: OPS[op], magnitude, applied: applied === 1, bin: bin < 0 ? null : bin, probability: shortestFloat(prob) });
    }
    return { subPolicy: v[0] < 0 ? null : v[0], ops };
  }

  function autoAugment(image, options = {}) {
    const name = String(options.policy ?? 'imagenet').toLowerCase();
    argCheck(Object.hasOwn(POLICIES, name), `augment.autoAugment: policy must be 'imagenet', 'cifar10' or 'svhn', got ${describe(options.policy)}`);
    return policy('autoAugment', STEP.autoAugment, image, options, POLICIES[name], 0, 0);
  }

  function randAugment(image, options = {}) {
    const { numOps = 2, magnitude = 9, numMagnitudeBins = 31 } = options;
    argCheck(Number.isInteger(numOps) && numOps >= 0 && numOps <= 64, `augment.randAugment: numOps must be an integer in [0, 64], got ${describe(numOps)}`);
    argCheck(Number.isInteger(magnitude) && magnitude >= 0 && magnitude < numMagnitudeBins,
      `augment.randAugment: magnitude must be an integer in [0, numMagnitudeBins), got ${describe(magnitude)}`);
    return policy('randAugment', STEP.randAugment, image, options, numOps, magnitude, numMagnitudeBins);
  }

  function trivialAugment(image, options = {}) {
    const { numMagnitudeBins = 31 } = options;
    argCheck(Number.isInteger(numMagnitudeBins) && numMagnitudeBins >= 1,
      `augment.trivialAugment: numMagnitudeBins must be a positive integer, got ${describe(numMagnitudeBins)}`);
    return policy('trivialAugment', STEP.trivialAugment, image, options, 0, 0, numMagnitudeBins);
  }

  function resizedCrop(fn, image, options, box, size) {
    const img = parseImage(fn, image, options.channels);
    const [OH, OW] = size;
    const interp = interpOf(fn, options.interpolation, 'bilinear');
    const [top, left, h, w] = box;
    const out = run(fn, img, options, OW, OH, (ctx, s, d) =>
      e.wt_wasm_image_resized_crop(ctx, s, img.H, img.W, img.C, top, left, h, w, d, OH, OW, interp));
    return makeImage(image, out, OW, OH, img.C);
  }

  function resize(image, options = {}) {
    const img = parseImage('resize', image, options.channels);
    let size = options.size;
    if (typeof size === 'number') size = [size];
    argCheck(Array.isArray(size) && (size.length === 1 || size.length === 2) && size.every((x) => Number.isInteger(x) && x >= 1),
      `augment.resize: size must be a positive integer (smaller edge) or [height, width], got ${describe(options.size)}`);
    const ext = rt.withStack((salloc) => {
      const o = salloc(8);
      rt.check(e.wt_wasm_image_resize_extent(moduleCtx, img.H, img.W, size[0], size[1] ?? 0, o), moduleCtx, 'augment.resize');
      return [rt.i32[o >> 2], rt.i32[(o >> 2) + 1]];
    });
    return resizedCrop('resize', image, options, [0, 0, img.H, img.W], ext);
  }

  function boxParams(fn, erasing, ctx, H, W, scale, ratio) {
    return rt.withStack((salloc) => {
      const o = salloc(20);
      rt.check(e.wt_wasm_aug_box_params(ctx, erasing, H, W, scale[0], scale[1], ratio[0], ratio[1], o), ctx, `augment.${fn}`);
      return Array.from(rt.i32.subarray(o >> 2, (o >> 2) + 5));
    });
  }

  // Runs fn(ctx) with the seeded throwaway context or the instance's.
  function withCtx(options, fn) {
    if (options.seed === undefined) return fn(moduleCtx);
    const ctx = rt.createContext(options.seed);
    try {
      return fn(ctx);
    } finally {
      rt.destroyContext(ctx);
    }
  }

  function randomResizedCrop(image, options = {}) {
    const img = parseImage('randomResizedCrop', image, options.channels);
    const size = size2('randomResizedCrop', options.size ?? 224);
    const scale = pair('randomResizedCrop', 'scale', options.scale, [0.08, 1]);
    const ratio = pair('randomResizedCrop', 'ratio', options.ratio, [3 / 4, 4 / 3]);
    const box = withCtx(options, (ctx) => boxParams('randomResizedCrop', 0, ctx, img.H, img.W, scale, ratio));
    const { seed, ...rest } = options;
    return resizedCrop('randomResizedCrop', image, rest, box.slice(0, 4), size);
  }

  function centerCrop(image, options = {}) {
    const img = parseImage('centerCrop', image, options.channels);
    const [OH, OW] = size2('centerCrop', options.size);
    const out = run('centerCrop', img, options, OW, OH, (ctx, s, d) =>
      e.wt_wasm_image_center_crop(ctx, s, img.H, img.W, img.C, d, OH, OW));
    return makeImage(image, out, OW, OH, img.C);
  }

  function crop(image, options = {}) {
    const img = parseImage('crop', image, options.channels);
    const { top = 0, left = 0 } = options;
    argCheck(Number.isInteger(top) && Number.isInteger(left), `augment.crop: top and left must be integers`);
    const [OH, OW] = size2('crop', [options.height, options.width]);
    const out = run('crop', img, options, OW, OH, (ctx, s, d) =>
      e.wt_wasm_image_crop(ctx, s, img.H, img.W, img.C, top, left, d, OH, OW));
    return makeImage(image, out, OW, OH, img.C);
  }

  // RandomCrop(size, padding) with zero padding: offsets uniform over the padded image.
  function randomCrop(image, options = {}) {
    const img = parseImage('randomCrop', image, options.channels);
    const [OH, OW] = size2('randomCrop', options.size ?? [img.H, img.W]);
    const pad = options.padding ?? 0;
    argCheck(Number.isInteger(pad) && pad >= 0, `augment.randomCrop: padding must be a non-negative integer, got ${describe(pad)}`);
    const PH = img.H + 2 * pad;
    const PW = img.W + 2 * pad;
    argCheck(OH <= PH && OW <= PW, `augment.randomCrop: crop ${OH}x${OW} is larger than the padded ${PH}x${PW} image`);
    const [i, j] = withCtx(options, (ctx) => [
      Math.floor(e.wt_wasm_ctx_uniform(ctx) * (PH - OH + 1)),
      Math.floor(e.wt_wasm_ctx_uniform(ctx) * (PW - OW + 1)),
    ]);
    const { seed, ...rest } = options;
    return crop(image, { ...rest, top: i - pad, left: j - pad, height: OH, width: OW });
  }

  function flip(fn, vertical, image, options) {
    const img = parseImage(fn, image, options.channels);
    const p = options.p ?? 1;
    argCheck(typeof p === 'number' && p >= 0 && p <= 1, `augment.${fn}: p must be in [0, 1], got ${describe(p)}`);
    const doIt = p >= 1 || withCtx(options, (ctx) => e.wt_wasm_ctx_uniform(ctx) < p);
    if (!doIt) return makeImage(image, img.data.slice(), img.W, img.H, img.C);
    const { seed, ...rest } = options;
    const out = run(fn, img, rest, img.W, img.H, (ctx, s, d) => e.wt_wasm_image_flip(ctx, s, img.H, img.W, img.C, d, vertical));
    return makeImage(image, out, img.W, img.H, img.C);
  }

  function cutout(image, options = {}) {
    const img = parseImage('cutout', image, options.channels);
    const { holes = 1, length = 16 } = options;
    argCheck(Number.isInteger(holes) && holes >= 0, `augment.cutout: holes must be a non-negative integer, got ${describe(holes)}`);
    argCheck(Number.isInteger(length) && length >= 0, `augment.cutout: length must be a non-negative integer, got ${describe(length)}`);
    const out = run('cutout', img, options, img.W, img.H, (ctx, s, d) => {
      rt.u8.copyWithin(d, s, s + img.W * img.H * img.C);
      return e.wt_wasm_aug_cutout_u8(ctx, d, img.H, img.W, img.C, holes, length, -1, 0);
    });
    return makeImage(image, out, img.W, img.H, img.C);
  }

  function randomErasing(image, options = {}) {
    const img = parseImage('randomErasing', image, options.channels);
    const p = options.p ?? 0.5;
    argCheck(typeof p === 'number' && p >= 0 && p <= 1, `augment.randomErasing: p must be in [0, 1], got ${describe(p)}`);
    const scale = pair('randomErasing', 'scale', options.scale, [0.02, 0.33]);
    const ratio = pair('randomErasing', 'ratio', options.ratio, [0.3, 3.3]);
    const value = options.value ?? 0;
    const random = value === 'random';
    const CC = img.C === 4 ? 3 : img.C;
    const vals = random ? new Array(CC).fill(0) : (typeof value === 'number' ? new Array(CC).fill(value) : Array.from(value));
    argCheck(vals.length === CC && vals.every((x) => Number.isInteger(x) && x >= 0 && x <= 255),
      `augment.randomErasing: value must be 'random', a byte or ${CC} bytes, got ${describe(value)}`);
    let vp = 0;
    try {
      vp = rt.copyIn(Uint8Array.from(vals), 'erasing value');
      const out = run('randomErasing', img, options, img.W, img.H, (ctx, s, d) => {
        rt.u8.copyWithin(d, s, s + img.W * img.H * img.C);
        if (!(e.wt_wasm_ctx_uniform(ctx) < p)) return 0;
        const [t, l, h, w, found] = boxParams('randomErasing', 1, ctx, img.H, img.W, scale, ratio);
        if (!found) return 0;
        return e.wt_wasm_aug_erase_u8(ctx, d, img.H, img.W, img.C, t, l, h, w, enums.wt_erase_mode[random ? 'random' : 'const'], vp);
      });
      return makeImage(image, out, img.W, img.H, img.C);
    } finally {
      rt.free(vp);
    }
  }

  // Every op takes (image, options): options, when given, must be an object.
  const ops = { apply, autoAugment, randAugment, trivialAugment, resize, centerCrop, crop, randomCrop,
    randomResizedCrop, hflip: (image, options) => flip('hflip', 0, image, options),
    vflip: (image, options) => flip('vflip', 1, image, options), cutout, randomErasing };
  const checked = Object.fromEntries(Object.entries(ops).map(([fn, f]) => [fn, (image, options = {}) => {
    argCheck(options !== null && typeof options === 'object', `augment.${fn}: options must be an object, got ${describe(options)}`);
    return f(image, options);
  }]));
  return Object.freeze({ ...checked, OPS: Object.freeze([...OPS]) });
}
