// checkpoint.js - one checkpoint file: the model's safetensors bytes (weights, BatchNorm buffers,
// spec), the optimizer's moment buffers, the schedule position (steps, epochs), the context RNG
// and the run's position and settings, behind a small header; and atomic writes in Node (temp
// file, fsync, rename, fsync of the folder), so a crash mid-write leaves the last good file.
// Layout: "WTCKPT01" | u32 LE header length | header JSON | zero padding to 4 | sections
// (header.sections: name -> [offset, length] from the file start). Not here: what the Trainer
// does with it (fit.js).

import { WasmTricksError } from './errors.js';
import { isNode } from './runtime.js';

const MAGIC = 'WTCKPT01';
const bad = (msg) => new WasmTricksError('WT_ERR_FORMAT', `checkpoint: ${msg}`);

/** Bytes of a checkpoint object ({ model: Uint8Array, moments: Float32Array, ...json fields }). */
export function encodeCheckpoint(ck) {
  const { model, moments, ...meta } = ck;
  const mom = new Uint8Array(moments.buffer, moments.byteOffset, moments.byteLength);
  const sizes = [model.length, mom.length];
  // The header's length depends on the offsets it holds: fix it with a padded width.
  const head = (offsets) => new TextEncoder().encode(JSON.stringify({
    format: 'wasmtricks-checkpoint', version: 1, ...meta,
    sections: { model: [offsets[0], sizes[0]], moments: [offsets[1], sizes[1]] },
    totalBytes: offsets[1] + sizes[1],
  }));
  let h = head([1e12, 1e12]);
  const base = (12 + h.length + 3) & ~3;
  const offs = [base, (base + sizes[0] + 3) & ~3];
  h = head(offs);
  const out = new Uint8Array(offs[1] + sizes[1]);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(model, offs[0]);
  out.set(mom, offs[1]);
  return out;
}

/** Parses checkpoint bytes, checking magic, header, length and sections. */
export function decodeCheckpoint(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new WasmTricksError('WT_ERR_ARG', 'checkpoint: bytes must be a Uint8Array');
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw bad('not a wasmtricks checkpoint (magic "WTCKPT01" missing)');
  }
  const hl = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + hl > bytes.length) throw bad(`truncated: the header needs ${12 + hl} bytes, the file has ${bytes.length}`);
  let h;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl)));
  } catch (e) {
    throw bad(`the header is not JSON (${e.message})`);
  }
  if (h.format !== 'wasmtricks-checkpoint' || h.version !== 1) throw bad(`unsupported format ${h.format} version ${h.version}`);
  if (h.totalBytes !== bytes.length) throw bad(`truncated or padded: ${bytes.length} bytes, the header says ${h.totalBytes}`);
  const section = (name) => {
    const [o, n] = h.sections?.[name] ?? [];
    if (!(Number.isInteger(o) && Number.isInteger(n) && o >= 12 + hl && o + n <= bytes.length)) throw bad(`section ${name} is out of bounds`);
    return bytes.slice(o, o + n);
  };
  const model = section('model');
  const m = section('moments');
  if (m.length % 4) throw bad('the moments section is not whole floats');
  const { sections, totalBytes, format, version, ...meta } = h;
  return { ...meta, model, moments: new Float32Array(m.buffer, 0, m.length / 4) };
}

async function fsMods() {
  const [fs, path] = await Promise.all([import('node:fs'), import('node:path')]);
  return { fs, path };
}

/**
 * Node: writes bytes to path atomically: a temp file beside it (path.tmp-<pid>), written in
 * chunks and fsync'ed, then renamed over path, then the folder fsync'ed. A crash at any point
 * leaves path as it was (or as the whole new file). onChunk(written, total) after each chunk.
 */
export async function writeFileAtomic(path, bytes, { chunkSize = 1 << 20, onChunk } = {}) {
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
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw new WasmTricksError('WT_ERR_STATE', `cannot write ${path}: ${e.message}`);
  }
  try {
    const dfd = fs.openSync(p.dirname(p.resolve(path)), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* folders cannot be fsync'ed on every platform */ }
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
