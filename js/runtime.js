// runtime.js - loads dist/wasmtricks.wasm and wraps its flat C ABI (src/wasm/exports.c):
// instantiation in Node (bytes from disk), browsers and Web Workers (fetch by URL), heap views
// that are re-made whenever memory grows, C strings, status checks, and the contexts (wt_ctx)
// every object hangs off. Not here: the public classes (model.js, trainer.js, data.js).

import { WasmTricksError } from './errors.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node &&
  typeof window === 'undefined';

export const defaultWasmURL = new URL('../dist/wasmtricks.wasm', import.meta.url);
/** The relaxed-SIMD module: the same engine with fused multiply-add GEMM and conv kernels. */
export const relaxedWasmURL = new URL('../dist/wasmtricks-relaxed.wasm', import.meta.url);

/** init()'s `simd` choices: 'auto' takes 'relaxed' where the host validates relaxed SIMD, else
    'simd128' (the baseline module); 'scalar' is the baseline module with the scalar kernels. */
export const SIMD_CHOICES = Object.freeze(['auto', 'relaxed', 'simd128', 'scalar']);

// The smallest module using f32x4.relaxed_madd (0xfd 0x105): () -> v128 of three v128.const.
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const RELAXED_PROBE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b,
  3, 2, 1, 0, 10, 61, 1, 59, 0, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 0x0b]);

/** Whether this host runs relaxed SIMD. Node 20 validates it only behind V8's
    --experimental-wasm-relaxed-simd; the flag is set here at run time (V8 reads it when it
    validates and compiles, so it works after start-up; Node 22's V8 has it on by default), so
    Node users get the FMA module without a command-line flag. Browsers are asked as they are:
    Chromium runs relaxed SIMD by default, Safari and Firefox < 120 do not. */
export async function relaxedSimdSupported() {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  if (!isNode) return false;
  try {
    (await importNode('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(RELAXED_PROBE);
}

/** The name of the build a context's kernels are: 'scalar', 'relaxed' or 'simd128'. */
export function buildOfKernel(kernelName) {
  if (kernelName.includes('__scalar')) return 'scalar';
  return kernelName.includes('_relaxed_madd') ? 'relaxed' : 'simd128';
}

/** Imports a Node built-in ('node:fs/promises', ...) by a non-literal name, so browser bundlers
    (Vite, Rollup, esbuild) neither bundle it nor warn that it was externalized. Call it only
    where isNode holds. */
export const importNode = (name) => import(/* @vite-ignore */ name);

/** The imports the standalone module may ask for. It needs only
    env.emscripten_notify_memory_growth; WASI calls get stubs that fail politely (the library
    never does I/O, so they would only be reached by a stray printf/abort in a debug build). */
function makeImports(module, onGrow) {
  const imports = { env: { emscripten_notify_memory_growth: onGrow } };
  const ENOSYS = 52;
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    const ns = (imports[imp.module] ??= {});
    if (ns[imp.name]) continue;
    if (imp.module === 'wasi_snapshot_preview1' && imp.name === 'proc_exit') {
      ns[imp.name] = (code) => { throw new WasmTricksError('WT_ERR_STATE', `wasm called proc_exit(${code})`); };
    } else if (imp.module === 'wasi_snapshot_preview1') {
      ns[imp.name] = () => ENOSYS;
    } else {
      ns[imp.name] = () => { throw new WasmTricksError('WT_ERR_UNSUPPORTED', `wasm import ${imp.module}.${imp.name} is not provided`); };
    }
  }
  return imports;
}

/** Low-level access to one instance: every pointer is an unsigned 32-bit number. */
export class Runtime {
  static async load(opts = {}) {
    // Compile first so the imports can be built from what the module really asks for.
    const module = await compileSource(opts.wasm);
    const rt = new Runtime();
    const instance = await WebAssembly.instantiate(module, makeImports(module, () => rt._refresh()));
    rt._attach(instance, module);
    return rt;
  }

  _attach(instance, module) {
    this.module = module;
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this._buffer = null;
    this.imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    if (typeof this.exports._initialize === 'function') this.exports._initialize();
    this.contexts = new Set();
    this.layouts = readAbi(this);
  }

  /**
   * An option record (src/wasm/records.h) written by field name: `values` maps the C field
   * names to numbers, booleans, arrays (up to the field's count) or, for enum fields, the
   * enum's names (enums); an optional field's null/undefined leaves it absent. Unnamed fields
   * stay 0. Writes into `out` at slot `at` when given (arrays of records), else returns a new
   * Float64Array of the record's size.
   */
  record(name, values, out, at = 0) {
    const layout = this.layouts[name];
    const r = out ?? new Float64Array(layout.size);
    for (const key of Object.keys(values)) {
      const f = layout.fields[key];
      if (!f) throw new WasmTricksError('WT_ERR_STATE', `the ${name} record has no field '${key}' (this wasm file is another version)`);
      let v = values[key];
      let o = at + f.offset;
      if (f.optional) {
        if (v === undefined || v === null) continue;
        r[o++] = 1;
      }
      if (v === undefined || v === null) continue;
      if (typeof v === 'string') {
        const value = enums[f.type]?.[v];
        if (value === undefined) throw new WasmTricksError('WT_ERR_ARG', `${name}.${key}: unknown ${f.type} '${v}'`);
        v = value;
      }
      if (typeof v === 'number' || typeof v === 'boolean') {
        r[o] = +v;
      } else {
        const n = Math.min(v.length, f.count);
        for (let i = 0; i < n; i++) r[o + i] = v[i];
      }
    }
    return r;
  }

  /** The fields of record `name` read back from r: numbers, arrays for fields of several slots. */
  readRecord(name, r) {
    const out = {};
    for (const [k, f] of Object.entries(this.layouts[name].fields)) {
      out[k] = f.count === 1 ? r[f.offset] : Array.from(r.subarray(f.offset, f.offset + f.count));
    }
    return out;
  }

  _refresh() {
    const buf = this.memory.buffer;
    if (buf !== this._buffer) {
      this._buffer = buf;
      this._u8 = new Uint8Array(buf);
      this._i32 = new Int32Array(buf);
      this._f32 = new Float32Array(buf);
    }
  }

  // Views over the whole memory. Fresh after growth: take them right before use, never keep
  // them across a call into wasm.
  get u8() { this._refresh(); return this._u8; }
  get i32() { this._refresh(); return this._i32; }
  get f32() { this._refresh(); return this._f32; }

  /** malloc; throws WT_ERR_OOM when wasm memory cannot grow further. */
  alloc(bytes, what) {
    // wt_wasm_alloc takes a 32-bit size_t: a larger number would wrap to a small block.
    if (!(Number.isSafeInteger(bytes) && bytes >= 0 && bytes <= 0xffffffff)) {
      throw new WasmTricksError('WT_ERR_OOM', `${what}: ${bytes} bytes exceed the 4 GiB wasm32 memory`);
    }
    const p = this.exports.wt_wasm_alloc(bytes) >>> 0;
    if (p === 0) {
      throw new WasmTricksError('WT_ERR_OOM', `out of wasm memory allocating ${bytes} bytes for ${what}`);
    }
    return p;
  }

  free(p) {
    if (p) this.exports.wt_wasm_free(p);
  }

  /** Runs fn(stackAlloc) with the wasm stack restored afterwards (out-parameters). */
  withStack(fn) {
    const e = this.exports;
    const sp = e.stackSave();
    try {
      return fn((bytes) => e.stackAlloc(bytes) >>> 0);
    } finally {
      e.stackRestore(sp);
    }
  }

  /** Copies a JS typed array into a fresh malloc'd block; returns the pointer. */
  copyIn(arr, what) {
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    const p = this.alloc(bytes.length, what);
    this.u8.set(bytes, p);
    return p;
  }

  cstring(p) {
    if (!p) return '';
    const u8 = this.u8;
    let end = p;
    while (u8[end] !== 0) end++;
    return new TextDecoder().decode(u8.subarray(p, end));
  }

  statusName(st) {
    return this.cstring(this.exports.wt_wasm_status_str(st) >>> 0);
  }

  /** Throws WasmTricksError with the context's last error unless st is WT_OK. */
  check(st, ctxPtr, fallback) {
    if (st === 0) return;
    const msg = ctxPtr ? this.cstring(this.exports.wt_wasm_ctx_last_error(ctxPtr) >>> 0) : '';
    throw new WasmTricksError(this.statusName(st), msg || `${fallback}: failed with ${this.statusName(st)}`);
  }

  /** A wt_ctx seeded with `seed` (an integer 0..2^53-1 or a BigInt < 2^64). */
  createContext(seed = 0, forceScalar = false) {
    const [lo, hi] = splitSeed(seed);
    const p = this.exports.wt_wasm_ctx_create(lo, hi, forceScalar ? 1 : 0) >>> 0;
    if (p === 0) throw new WasmTricksError('WT_ERR_OOM', 'wt_ctx_create: out of wasm memory');
    this.contexts.add(p);
    return p;
  }

  destroyContext(p) {
    if (this.contexts.delete(p)) this.exports.wt_wasm_ctx_destroy(p);
  }

  seedContext(p, seed) {
    const [lo, hi] = splitSeed(seed);
    this.exports.wt_wasm_ctx_seed(p, lo, hi);
  }

  liveBytes(ctx) {
    if (ctx !== undefined) return this.exports.wt_wasm_ctx_live_bytes(ctx);
    let sum = 0;
    for (const p of this.contexts) sum += this.exports.wt_wasm_ctx_live_bytes(p);
    return sum;
  }
}

/** The enums the engine exports (wt_wasm_abi): C type name -> { name: value }, e.g.
    enums.wt_optim_kind.adam. Filled by the first init(); every build of one source has the same. */
export const enums = {};

/** Names of an exported enum in value order ('wt_aug_policy' -> ['imagenet', 'cifar10', 'svhn']). */
export const enumNames = (type) => Object.keys(enums[type] ?? {});

/** Reads the module's ABI description once: the record layouts (returned: name -> { size,
    fields: { name -> { offset, count, type, optional } } }) and the enums (into `enums`). */
function readAbi(rt) {
  const e = rt.exports;
  const text = rt.withStack((salloc) => {
    const len = salloc(8);
    e.wt_wasm_abi(0, 0, len);
    const n = new Float64Array(rt.memory.buffer, len, 1)[0];
    const p = rt.alloc(n + 1, 'ABI description');
    try {
      e.wt_wasm_abi(p, n + 1, len);
      return rt.cstring(p);
    } finally {
      rt.free(p);
    }
  });
  const abi = JSON.parse(text);
  for (const [type, values] of Object.entries(abi.enums)) enums[type] = Object.freeze(values);
  const layouts = {};
  for (const [name, { size, fields }] of Object.entries(abi.records)) {
    const byName = {};
    for (const [field, offset, count, type] of fields) {
      byName[field] = Object.freeze({ offset, count, type, optional: type === 'optional float' });
    }
    layouts[name] = Object.freeze({ size, fields: Object.freeze(byName) });
  }
  return Object.freeze(layouts);
}

/** The bytes at a URL: Node reads file: URLs from disk, everything else is fetched; what names
    the caller in the error (WT_ERR_IO). Bundlers ship files named by literal URLs as assets. */
export async function readURL(url, what) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await importNode('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (e) {
      throw new WasmTricksError('WT_ERR_IO', `${what}: cannot read ${decodeURIComponent(url.pathname)} (${e.code ?? e.message})`);
    }
  }
  const r = await fetch(url);
  if (!r.ok) throw new WasmTricksError('WT_ERR_IO', `${what}: cannot fetch ${url} (HTTP ${r.status})`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Compiles the `wasm` option of init(): a WebAssembly.Module, bytes, or a URL / path (default:
    dist/wasmtricks.wasm next to this package). Node reads file: URLs from disk; everything else
    is fetched, streaming when served as application/wasm, from the bytes otherwise. */
async function compileSource(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  const url = source === undefined ? defaultWasmURL : new URL(String(source), defaultWasmURL);
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await importNode('node:fs/promises');
    let bytes;
    try {
      bytes = await readFile(url);
    } catch (e) {
      throw new WasmTricksError('WT_ERR_STATE',
        `init: cannot read ${decodeURIComponent(url.pathname)} (${e.code ?? e.message}); build it with \`npm run build:wasm\``);
    }
    return WebAssembly.compile(bytes);
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new WasmTricksError('WT_ERR_STATE', `init: fetching ${url} failed: HTTP ${response.status}`);
  }
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch {
      // Not served as application/wasm, or no streaming support: compile from the bytes.
    }
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

export function splitSeed(seed) {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) {
      throw new WasmTricksError('WT_ERR_ARG', `seed must be in [0, 2^64), got ${seed}`);
    }
    return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new WasmTricksError('WT_ERR_ARG', `seed must be a non-negative integer, got ${seed}`);
  }
  return [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
}

export { isNode };
