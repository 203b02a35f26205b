// checkpoint.js - one checkpoint file: the model's safetensors bytes (weights, BatchNorm buffers,
// spec), the optimizer's moment buffers, the schedule position (steps, epochs), the context RNG
// and the run's position and settings, behind a small header; and atomic writes in Node (temp
// file, fsync, rename, fsync of the folder), so a crash mid-write leaves the last good file.
// Layout: "WTCKPT01" | u32 LE header length | header JSON | zero padding to 4 | sections
// (header.sections: name -> [offset, length] from the file start) | version 2: u32 LE CRC-32
// (IEEE 802.3, zlib's) of every byte before it, so a flipped or lost byte anywhere is caught
// ('checksum mismatch', 'truncated'). Version 1 files (no checksum) still load. The checkpoint
// writer reads the temp file back and verifies it before it replaces the last good file. Not
// here: what the Trainer does with it (fit.js); IndexedDB (store.js uses encode/decode).

import { WasmTricksError, describe } from './errors.js';
import { isNode, importNode } from './runtime.js';

const MAGIC = 'WTCKPT01';
const VERSION = 2;
const bad = (msg) => new WasmTricksError('WT_ERR_FORMAT', `checkpoint: ${msg}`);

// CRC-32 (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF: zlib.crc32,
// binascii.crc32, PNG, gzip), one table lookup per byte.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of bytes (a Uint8Array), as an unsigned 32-bit number; crc32(b2, crc32(b1)) is the
    CRC of b1 followed by b2. */
export function crc32(bytes, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Bytes of a checkpoint object ({ model: Uint8Array, moments: Float32Array, ...json fields }). */
export function encodeCheckpoint(ck) {
  const { model, moments, ...meta } = ck;
  const mom = new Uint8Array(moments.buffer, moments.byteOffset, moments.byteLength);
  const sizes = [model.length, mom.length];
  // The header's length depends on the offsets it holds: fix it with a padded width.
  const head = (offsets) => new TextEncoder().encode(JSON.stringify({
    format: 'wasmtricks-checkpoint', version: VERSION, ...meta,
    sections: { model: [offsets[0], sizes[0]], moments: [offsets[1], sizes[1]] },
    totalBytes: offsets[1] + sizes[1] + 4,
  }));
  let h = head([1e12, 1e12]);
  const base = (12 + h.length + 3) & ~3;
  const offs = [base, (base + sizes[0] + 3) & ~3];
  h = head(offs);
  const end = offs[1] + sizes[1];
  const out = new Uint8Array(end + 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(model, offs[0]);
  out.set(mom, offs[1]);
  dv.setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

/** The stored and the computed CRC-32 of checkpoint bytes whose last 4 bytes are the CRC. */
function checksums(bytes) {
  const end = bytes.length - 4;
  return [new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end, true),
    crc32(bytes.subarray(0, end))];
}

const hex = (v) => `0x${v.toString(16).padStart(8, '0')}`;

/** Parses checkpoint bytes, checking magic, header, length, checksum and sections. A corrupt
    file is a WT_ERR_FORMAT error that says 'checksum mismatch' or 'truncated'. */
export function decodeCheckpoint(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new WasmTricksError('WT_ERR_ARG', 'checkpoint: bytes must be a Uint8Array');
  const head = new TextDecoder().decode(bytes.subarray(0, 8));
  if (head !== MAGIC.slice(0, head.length) || bytes.length === 0) {
    throw bad('not a wasmtricks checkpoint (magic "WTCKPT01" missing)');
  }
  if (bytes.length < 12) throw bad(`truncated: ${bytes.length} bytes, shorter than the 12-byte preamble`);
  const hl = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  // Version 2 ends in the CRC of all before it: when it matches, the bytes are as written.
  const [stored, actual] = bytes.length >= 16 ? checksums(bytes) : [0, 1];
  const intact = stored === actual;
  // A header length past the end: a file cut inside its header, or a corrupt length field.
  if (12 + hl > bytes.length) {
    if (hl < (1 << 24)) throw bad(`truncated: the header needs ${12 + hl} bytes, the file has ${bytes.length}`);
    throw bad(`checksum mismatch: corrupt header length ${hl} in a ${bytes.length}-byte file`);
  }
  let h;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl)));
  } catch (e) {
    throw bad(`${intact ? '' : 'checksum mismatch: '}the header is not JSON (${e.message})`);
  }
  const v1 = h?.format === 'wasmtricks-checkpoint' && h.version === 1; // no checksum
  if (!intact && !v1) {
    if (Number.isInteger(h?.totalBytes) && bytes.length < h.totalBytes) {
      throw bad(`truncated: ${bytes.length} bytes, the header says ${h.totalBytes}`);
    }
    throw bad(`checksum mismatch: the file's CRC-32 is ${hex(actual)}, it stores ${hex(stored)} (corrupt)`);
  }
  if (h?.format !== 'wasmtricks-checkpoint' || (h.version !== 1 && h.version !== VERSION)) {
    throw bad(`unsupported format ${h?.format} version ${h?.version}`);
  }
  if (h.totalBytes !== bytes.length) {
    throw bad(`${bytes.length < h.totalBytes ? 'truncated: ' : ''}${bytes.length} bytes, the header says ${h.totalBytes}`);
  }
  const section = (name) => {
    const [o, n] = h.sections?.[name] ?? [];
    const end = bytes.length - (h.version >= 2 ? 4 : 0);
    if (!(Number.isInteger(o) && Number.isInteger(n) && o >= 12 + hl && n >= 0 && o + n <= end)) throw bad(`section ${name} is out of bounds`);
    return bytes.slice(o, o + n);
  };
  const model = section('model');
  const m = section('moments');
  if (m.length % 4) throw bad('the moments section is not whole floats');
  const { sections, totalBytes, format, version, ...meta } = h;
  return { ...meta, model, moments: new Float32Array(m.buffer, 0, m.length / 4) };
}

/** True when bytes start with the checkpoint container's magic (else: a safetensors file). */
export const isCheckpoint = (b) => b.length >= 8 && String.fromCharCode(...b.subarray(0, 8)) === MAGIC;

/** A safetensors file's header: [JSON object, header bytes (with the 8-byte length)]. */
export function safetensorsHeader(bytes, what) {
  const bad = (m) => new WasmTricksError('WT_ERR_FORMAT', `${what}: not a safetensors file: ${m}`);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (8 + n > bytes.length) throw bad(`the header claims ${n} bytes, the file has ${bytes.length - 8} after it`);
  let h;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`the header is not JSON (${e.message})`);
  }
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw bad('the header is not a JSON object');
  return [h, 8 + n];
}

/** A model's safetensors bytes with the run's normalisation and class names added to
    __metadata__ (JSON strings), so the file alone predicts from pixels; tensors unchanged. */
export function weightsFile(bytes, { normalization, classNames } = {}) {
  const extra = {};
  if (normalization) extra.normalization = JSON.stringify({ mean: [...normalization.mean], std: [...normalization.std] });
  if (classNames) extra.classNames = JSON.stringify([...classNames]);
  if (!Object.keys(extra).length) return bytes;
  const [h, end] = safetensorsHeader(bytes, 'weightsFile');
  h.__metadata__ = { ...(h.__metadata__ ?? {}), ...extra };
  const json = new TextEncoder().encode(JSON.stringify(h));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + bytes.length - end);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  out.set(bytes.subarray(end), 8 + padded);
  return out;
}

/** The normalisation and class names a weights file's __metadata__ holds ({ normalization?,
    classNames? }, JSON strings as weightsFile writes them), checked (numClasses: the model's);
    what names the caller in errors. */
export function weightsMetadata(bytes, numClasses, what) {
  const meta = safetensorsHeader(bytes, what)[0].__metadata__ ?? {};
  const out = {};
  const field = (key, ok, want) => {
    if (meta[key] === undefined) return;
    let v;
    try {
      v = JSON.parse(meta[key]);
    } catch {
      v = undefined;
    }
    if (!ok(v)) {
      throw new WasmTricksError('WT_ERR_FORMAT', `${what}: the weights file's __metadata__.${key} must be ${want}, got ${describe(meta[key])}`);
    }
    out[key] = v;
  };
  const nums = (a) => Array.isArray(a) && a.length >= 1 && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  field('normalization', (v) => v && nums(v.mean) && nums(v.std) && v.std.length === v.mean.length && v.std.every((x) => x > 0),
    'JSON { "mean": [...], "std": [...] } (one number per channel, std > 0)');
  field('classNames', (v) => Array.isArray(v) && v.length === numClasses && v.every((x) => typeof x === 'string'),
    `a JSON array of ${numClasses} strings (one per class of the model)`);
  return out;
}

async function fsMods() {
  const [fs, path] = await Promise.all([importNode('node:fs'), importNode('node:path')]);
  return { fs, path };
}

/**
 * Node: writes bytes to path atomically: a temp file beside it (path.tmp-<pid>), written in
 * chunks and fsync'ed, then renamed over path, then the folder fsync'ed. A crash at any point
 * leaves path as it was (or as the whole new file). onChunk(written, total) after each chunk.
 * verify(readBack): called with the temp file's bytes as read back from disk before the rename;
 * if it throws, the temp file is removed, path keeps its last good content, and the error is
 * rethrown.
 */
export async function writeFileAtomic(path, bytes, { chunkSize = 1 << 20, onChunk, verify } = {}) {
  if (!isNode) throw new WasmTricksError('WT_ERR_UNSUPPORTED', 'checkpoint files need Node; in a browser keep the bytes of trainer.checkpoint()');
  const { fs, path: p } = await fsMods();
  const tmp = `${path}.tmp-${process.pid}`;
  let fd;
  try {
    fd = fs.openSync(tmp, 'w');
    for (let at = 0; at < bytes.length; at += chunkSize) {
      const n = Math.min(chunkSize, bytes.length - at);
      let w = 0;
      while (w < n) w += fs.writeSync(fd, bytes, at + w, n - w);
      onChunk?.(at + n, bytes.length);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (verify) {
      const back = fs.readFileSync(tmp);
      verify(new Uint8Array(back.buffer, back.byteOffset, back.byteLength));
    }
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    if (e instanceof WasmTricksError) {
      e.message = `${path}: the new file failed verification, the previous one is kept: ${e.message}`;
      throw e;
    }
    throw new WasmTricksError('WT_ERR_STATE', `cannot write ${path}: ${e.message}`);
  }
  try {
    const dfd = fs.openSync(p.dirname(p.resolve(path)), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* folders cannot be fsync'ed on every platform */ }
}

/** Node: writes checkpoint bytes atomically (writeFileAtomic) and decodes the temp file read
    back from disk before it replaces path, so a corrupt write never replaces a good file. */
export function writeCheckpointFile(path, bytes, opts = {}) {
  return writeFileAtomic(path, bytes, { ...opts, verify: decodeCheckpoint });
}

/** Node: reads and decodes a checkpoint file. */
export async function readCheckpointFile(path) {
  const { fs } = await fsMods();
  let b;
  try {
    b = fs.readFileSync(path);
  } catch (e) {
    throw new WasmTricksError('WT_ERR_ARG', `cannot read the checkpoint ${path} (${e.code ?? e.message})`);
  }
  try {
    return decodeCheckpoint(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (e) {
    e.message = `${path}: ${e.message}`;
    throw e;
  }
}
