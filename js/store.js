// store.js - runs saved in IndexedDB (browsers and their workers): openStore({ name }) ->
// { save, load, list, delete, exportFile, importFile }. A run is a name pointing at its current
// version and the previous one; save() writes the new version and moves the pointer in one
// readwrite transaction (IndexedDB commits it whole or not at all) and keeps the previous
// version, so a corrupt current version (checkpoint.js's decodeCheckpoint rejects it) leaves
// the previous one loadable. Quota errors become WasmTricksError('WT_ERR_QUOTA'). The bytes
// are checkpoint.js's container or, for an imported weights file, safetensors; no other
// format. Not here: making checkpoints (trainer.js, fit.js), the worker (worker.js).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { decodeCheckpoint, isCheckpoint, weightsFile } from './checkpoint.js';

const VERSION = 1;
const RUNS = 'runs';
const BLOBS = 'versions';

/** A WasmTricksError for an IndexedDB failure: quota errors get their own code. */
function dbError(what, e) {
  const name = e?.name ?? 'Error';
  if (name === 'QuotaExceededError' || /quota/i.test(e?.message ?? '')) {
    return new WasmTricksError('WT_ERR_QUOTA', `store.${what}: the browser's storage quota is exhausted (${e?.message || name}); delete saved runs or free space`);
  }
  return new WasmTricksError('WT_ERR_STATE', `store.${what}: IndexedDB failed: ${name}: ${e?.message ?? ''}`.trim());
}

const req = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

/** Runs fn(stores) in one transaction; resolves with fn's value once the transaction commits. */
function transact(db, mode, what, fn) {
  return new Promise((resolve, reject) => {
    let tx;
    let value;
    let failed = null;
    try {
      tx = db.transaction([RUNS, BLOBS], mode);
    } catch (e) {
      reject(dbError(what, e));
      return;
    }
    tx.oncomplete = () => resolve(value);
    tx.onabort = () => reject(failed ?? dbError(what, tx.error));
    tx.onerror = (ev) => ev.preventDefault?.();
    Promise.resolve()
      .then(() => fn({ runs: tx.objectStore(RUNS), blobs: tx.objectStore(BLOBS) }))
      .then((v) => { value = v; }, (e) => {
        failed = e instanceof WasmTricksError ? e : dbError(what, e);
        try { tx.abort(); } catch { reject(failed); }
      });
  });
}

function checkName(name, what) {
  argCheck(typeof name === 'string' && name.length > 0 && name.length <= 256,
    `store.${what}: name must be a non-empty string (at most 256 characters), got ${describe(name)}`);
}

function bytesOf(v, what) {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  argCheck(ArrayBuffer.isView(v), `store.${what} must be a Uint8Array, got ${describe(v)}`);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Checks a safetensors file's framing (u64 header length, a JSON object header). */
function checkSafetensors(b, what) {
  const bad = (m) => new WasmTricksError('WT_ERR_FORMAT', `store.${what}: not a checkpoint or safetensors file: ${m}`);
  if (b.length < 10) throw bad(`${b.length} bytes`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (8 + n > b.length) throw bad(`the header claims ${n} bytes, the file has ${b.length - 8} after it`);
  let h;
  try {
    h = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`the header is not JSON (${e.message})`);
  }
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw bad('the header is not a JSON object');
  return h;
}

/**
 * Opens (creating on first use) the IndexedDB database `name`. opts.indexedDB: an IDBFactory
 * (default globalThis.indexedDB; tests may pass another).
 */
export async function openStore({ name = 'wasmtricks', indexedDB = globalThis.indexedDB } = {}) {
  argCheck(typeof name === 'string' && name.length > 0, `openStore: name must be a non-empty string, got ${describe(name)}`);
  if (!indexedDB) {
    throw new WasmTricksError('WT_ERR_UNSUPPORTED', 'openStore: IndexedDB is not available here (browsers and their workers have it; in Node keep checkpoint files with fit({ checkpoint }))');
  }
  let db;
  try {
    const r = indexedDB.open(name, VERSION);
    r.onupgradeneeded = () => {
      const d = r.result;
      if (!d.objectStoreNames.contains(RUNS)) d.createObjectStore(RUNS, { keyPath: 'name' });
      if (!d.objectStoreNames.contains(BLOBS)) d.createObjectStore(BLOBS, { autoIncrement: true });
    };
    db = await new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error(`the database '${name}' is blocked by another tab with an older version open`));
    });
  } catch (e) {
    throw dbError('open', e);
  }
  // Another tab upgrading the database: let it, this handle is done.
  db.onversionchange = () => db.close();

  /** Saves a version of run `name` and makes it current; the former current becomes the
      previous version and the one before is deleted. Resolves to { name, savedAt, bytes }. */
  async function save(runName, { checkpoint, weights, meta = null } = {}) {
    checkName(runName, 'save');
    argCheck((checkpoint === undefined) !== (weights === undefined), 'store.save: give either checkpoint or weights bytes');
    const bytes = checkpoint !== undefined ? bytesOf(checkpoint, 'save: checkpoint') : bytesOf(weights, 'save: weights');
    const kind = checkpoint !== undefined ? 'checkpoint' : 'weights';
    if (kind === 'checkpoint') {
      argCheck(isCheckpoint(bytes), 'store.save: checkpoint is not a wasmtricks checkpoint (no "WTCKPT01" magic); use trainer.checkpoint()');
    } else {
      checkSafetensors(bytes, 'save: weights');
    }
    argCheck(meta === null || typeof meta === 'object', `store.save: meta must be a plain object, got ${describe(meta)}`);
    const savedAt = Date.now();
    // A copy the transaction owns (the caller's buffer may be a view into wasm memory).
    const copy = bytes.slice();
    await transact(db, 'readwrite', 'save', async ({ runs, blobs }) => {
      const old = await req(runs.get(runName));
      const key = await req(blobs.add({ run: runName, kind, bytes: copy, meta, savedAt }));
      await req(runs.put({ name: runName, current: key, previous: old?.current ?? null, kind, meta, savedAt,
        bytes: copy.length, previousSavedAt: old?.savedAt ?? null }));
      if (old?.previous !== null && old?.previous !== undefined) await req(blobs.delete(old.previous));
    });
    return { name: runName, savedAt, bytes: copy.length };
  }

  /**
   * The run's current version (or opts.version 'previous'): { name, kind, checkpoint | weights,
   * meta, savedAt, version }. A version that fails decodeCheckpoint is reported (its error,
   * and whether a previous version is kept), never replaced silently.
   */
  async function load(runName, { version = 'current' } = {}) {
    checkName(runName, 'load');
    argCheck(version === 'current' || version === 'previous', `store.load: version must be 'current' or 'previous', got ${describe(version)}`);
    const { run, rec } = await transact(db, 'readonly', 'load', async ({ runs, blobs }) => {
      const r = await req(runs.get(runName));
      if (!r) return { run: null, rec: null };
      const key = version === 'current' ? r.current : r.previous;
      return { run: r, rec: key === null || key === undefined ? null : await req(blobs.get(key)) };
    });
    if (!run) throw new WasmTricksError('WT_ERR_ARG', `store.load: no saved run named '${runName}'`);
    if (!rec) {
      throw new WasmTricksError('WT_ERR_STATE', version === 'previous'
        ? `store.load: run '${runName}' has no previous version`
        : `store.load: run '${runName}' lost its current version`);
    }
    const bytes = rec.bytes instanceof Uint8Array ? rec.bytes : new Uint8Array(rec.bytes);
    try {
      if (rec.kind === 'checkpoint') decodeCheckpoint(bytes);
      else checkSafetensors(bytes, 'load');
    } catch (e) {
      const prev = version === 'current' && run.previous !== null
        ? `; the previous version (saved ${new Date(run.previousSavedAt).toISOString()}) is kept: load('${runName}', { version: 'previous' })`
        : '';
      throw new WasmTricksError(e.code ?? 'WT_ERR_FORMAT', `store.load: run '${runName}' (${version} version) is corrupt: ${e.message}${prev}`);
    }
    const out = { name: runName, kind: rec.kind, meta: rec.meta ?? null, savedAt: rec.savedAt, version };
    out[rec.kind === 'checkpoint' ? 'checkpoint' : 'weights'] = bytes;
    return out;
  }

  /** Saved runs: [{ name, kind, savedAt, bytes, hasPrevious, meta }] by name. */
  async function list() {
    const all = await transact(db, 'readonly', 'list', ({ runs }) => req(runs.getAll()));
    return all.map((r) => ({ name: r.name, kind: r.kind, savedAt: r.savedAt, bytes: r.bytes,
      hasPrevious: r.previous !== null, meta: r.meta }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Deletes a run and its versions; resolves to true if it existed. */
  async function remove(runName) {
    checkName(runName, 'delete');
    return transact(db, 'readwrite', 'delete', async ({ runs, blobs }) => {
      const r = await req(runs.get(runName));
      if (!r) return false;
      for (const k of [r.current, r.previous]) if (k !== null && k !== undefined) await req(blobs.delete(k));
      await req(runs.delete(runName));
      return true;
    });
  }

  /** The run's model weights as a safetensors file carrying the run's normalisation and class
      names (a File named <name>.safetensors where File exists, else a Blob). */
  async function exportFile(runName) {
    const r = await load(runName);
    // A checkpoint's weights carry its normalisation and class names (as exportWeights' do).
    const ck = r.kind === 'checkpoint' ? decodeCheckpoint(r.checkpoint) : null;
    const st = ck ? weightsFile(ck.model, ck) : r.weights;
    const type = 'application/octet-stream';
    return typeof File === 'function' ? new File([st], `${runName}.safetensors`, { type }) : new Blob([st], { type });
  }

  /** Saves a file as a run: a wasmtricks checkpoint, or safetensors weights (exportFile's, or
      a PyTorch file from examples/pytorch/wt_models.py). opts.name defaults to the file's name
      without extension. Resolves to save()'s result. */
  async function importFile(blob, { name: runName } = {}) {
    argCheck(blob && typeof blob.arrayBuffer === 'function', `store.importFile: blob must be a Blob or File, got ${describe(blob)}`);
    runName ??= (blob.name ?? '').replace(/\.[^.]*$/, '') || 'imported';
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (isCheckpoint(bytes)) {
      decodeCheckpoint(bytes);
      return save(runName, { checkpoint: bytes, meta: { importedFrom: blob.name ?? null } });
    }
    checkSafetensors(bytes, 'importFile');
    return save(runName, { weights: bytes, meta: { importedFrom: blob.name ?? null } });
  }

  return Object.freeze({ name, save, load, list, delete: remove, exportFile, importFile, close: () => db.close() });
}
