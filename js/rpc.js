// rpc.js - request/reply over postMessage between a thread and the worker it started, for the
// package's three workers: data-parallel helpers (parallel.js), the loader worker (prefetch.js)
// and WorkerTrainer's worker (worker.js). Both sides live here: `Rpc` wraps the Worker on the
// calling side, `serve` answers in the worker. One protocol:
//   request   { id, op, args, transfer }   transfer: the buffers moved with it (also in args)
//   reply     { id, ok: true, result }  or  { id, ok: false, error: { name, code, message },
//             returned }                  returned: the moved buffers, sent back with an error
//   progress  { id, progress }            relayed to the call's onProgress; the call goes on
//   announce  { ready: true }             a worker served with announce posts it once it listens
// Node worker_threads ('message' / 'error' / 'exit') and browser Web Workers ('message' /
// 'error' / 'messageerror') both work. A worker that dies or fails to load rejects every pending
// call and every later one with WT_ERR_STATE naming it. Not here: starting the worker (each
// caller keeps its own literal `new Worker(new URL('./x.js', import.meta.url), ...)`, which
// bundlers follow) and what the requests do.

import { WasmTricksError } from './errors.js';
import { isNode, importNode } from './runtime.js';

/** A Node worker_thread running the script at `url` (a URL built from a non-literal path, so
    bundlers do not copy the Node entry as an asset). */
export async function nodeWorker(url, options) {
  const { Worker } = await importNode('node:worker_threads');
  return new Worker(url, options);
}

/** A WasmTricksError from an error reply: the worker's code and name, `prefix` + its message. */
function rebuild(err, prefix) {
  const e = new WasmTricksError(err?.code ?? 'WT_ERR_STATE', `${prefix}${err?.message ?? String(err)}`);
  if (err?.name && err.name !== 'WasmTricksError') e.name = err.name;
  return e;
}

/** The calling side of one worker. */
export class Rpc {
  /**
   * worker: a Web Worker or a Node Worker. name: who it is in messages ('fit (prefetch): the
   * loader worker'); a dead worker rejects with "<name> stopped: <why>". script: its file, for
   * the load-failure message. errorPrefix: put before the message of every error reply.
   * idleUnref: in Node, the worker holds the process open only while a call is out (helpers a
   * caller never disposes must not keep Node running). handshake: wait for the worker's
   * announcement, or its answer to a 'hello' call (`ready`). onDead(error): called once when
   * the worker dies on its own (not after close()).
   */
  constructor(worker, { name, script, errorPrefix = '', idleUnref = false, handshake = false, onDead } = {}) {
    this.worker = worker;
    this.name = name;
    this.errorPrefix = errorPrefix;
    this.idleUnref = idleUnref;
    this.onDead = onDead;
    this.dead = null;      // the WasmTricksError every call rejects with once the worker is gone
    this.next = 1;
    this.calls = new Map();  // id -> { resolve, reject, onProgress }
    const died = (why) => this.#die(new WasmTricksError('WT_ERR_STATE', `${name} stopped: ${why}`), true);
    if (typeof worker.on === 'function') {
      worker.on('message', (m) => this.#onMessage(m));
      worker.on('error', (e) => died(e?.message ?? String(e)));
      worker.on('exit', (code) => died(`it exited (code ${code})`));
    } else {
      worker.addEventListener('message', (ev) => this.#onMessage(ev.data));
      worker.addEventListener('error', (ev) => {
        ev.preventDefault?.();
        died(ev.message || `it failed to load (is ${script ?? 'its script'} served? see the console)`);
      });
      worker.addEventListener('messageerror', () => died('a message from it could not be decoded'));
    }
    this.ready = null;
    if (handshake) {
      // The worker announces { ready } once it listens; one started earlier (handed over by the
      // caller) may have done so before we listened, so ask too: its reply to 'hello' comes
      // whenever we listen. One of the two always arrives (a hello sent before the worker listens
      // can be dropped by browsers, but then its announcement comes after we listen).
      this.ready = new Promise((resolve, reject) => {
        this.helloId = this.next;
        this.readyCallbacks = { resolve, reject };
        this.call('hello').then(() => resolve(), () => {});
      });
      this.ready.catch(() => {}); // reported to whoever awaits it
    }
  }

  /**
   * Sends { op, args } and resolves with the worker's result; rejects with its error (a
   * WasmTricksError; `returned` holds the buffers moved with the request, when it sent them
   * back). transfer: buffers to move; onProgress: called with each progress record of this call.
   */
  call(op, args, { transfer = [], onProgress } = {}) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject, onProgress });
      if (this.idleUnref && this.calls.size === 1) this.worker.ref?.();
      try {
        this.worker.postMessage({ id, op, args, transfer }, transfer);
      } catch (e) {
        this.#settle(id);
        reject(new WasmTricksError('WT_ERR_ARG', `${this.name} cannot receive '${op}': ${e.message}`));
      }
    });
  }

  /** Ends the worker: pending and later calls reject with `message` (WT_ERR_STATE). */
  close(message = `${this.name} was terminated`) {
    this.#die(new WasmTricksError('WT_ERR_STATE', message), false);
    return this.worker.terminate?.();
  }

  /** Drops call `id`; in Node with idleUnref, lets the process exit once no call is out. */
  #settle(id) {
    this.calls.delete(id);
    if (this.idleUnref && this.calls.size === 0) this.worker.unref?.();
  }

  #onMessage(m) {
    if (m?.ready && this.readyCallbacks) {
      this.#settle(this.helloId);
      this.readyCallbacks?.resolve();
      return;
    }
    const call = this.calls.get(m?.id);
    if (!call) return;
    if (m.progress !== undefined) {
      try {
        call.onProgress?.(m.progress);
      } catch (e) {
        console.error('wasmtricks: onProgress threw', e);
      }
      return;
    }
    this.#settle(m.id);
    if (m.ok) {
      call.resolve(m.result);
    } else {
      const e = rebuild(m.error, this.errorPrefix);
      if (m.returned?.length) e.returned = m.returned;
      call.reject(e);
    }
  }

  #die(error, byItself) {
    if (this.dead) return;
    this.dead = error;
    this.readyCallbacks?.reject(error);
    const calls = [...this.calls.values()];
    for (const id of [...this.calls.keys()]) this.#settle(id);
    for (const c of calls) c.reject(error);
    if (byItself) this.onDead?.(error);
  }
}

const TRANSFER = Symbol('transfer');

/** A handler's result moved rather than copied: `transfer` lists its buffers. */
export const withTransfer = (value, transfer) => ({ [TRANSFER]: transfer, value });

/** A handler's result that says it replies later, with server.reply(id, result). */
export const LATER = Symbol('reply later');

// A buffer that can go back: moved here, not moved on since (detached) and not shared.
const movable = (b) => b instanceof ArrayBuffer && !b.detached && b.byteLength > 0;

/**
 * The worker side: answers each request { id, op, args } with handlers[op](args, id) (sync or
 * async). A thrown error replies { ok: false } with its name, code and message, and with the
 * buffers the request moved here that are still here, so the caller never loses them. Answers
 * 'hello' itself; announce: post { ready: true } once listening. name: the worker in messages
 * ('loader worker: unknown request ...'). Resolves to { reply(id, result), progress(id, p) }
 * once listening (in a browser the listener is up when serve() returns).
 */
export async function serve(handlers, { name, announce = false } = {}) {
  const port = isNode ? (await importNode('node:worker_threads')).parentPort : globalThis;
  const post = (msg, transfer = []) => port.postMessage(msg, transfer);
  const reply = (id, r) => {
    if (r && r[TRANSFER]) post({ id, ok: true, result: r.value }, r[TRANSFER]);
    else post({ id, ok: true, result: r });
  };
  async function handle({ id, op, args, transfer = [] } = {}) {
    try {
      const fn = op === 'hello' ? () => ({ ready: true }) : Object.hasOwn(handlers, op) ? handlers[op] : null;
      if (!fn) throw new WasmTricksError('WT_ERR_ARG', `${name}: unknown request '${op}'`);
      const r = await fn(args ?? {}, id);
      if (r !== LATER) reply(id, r);
    } catch (e) {
      const returned = transfer.filter(movable);
      const error = { name: e?.name ?? 'Error', code: e?.code ?? 'WT_ERR_STATE', message: e?.message ?? String(e) };
      post({ id, ok: false, error, returned }, returned);
    }
  }
  if (isNode) port.on('message', handle);
  else port.addEventListener('message', (ev) => handle(ev.data));
  if (announce) post({ ready: true });
  return { reply, progress: (id, p) => post({ id, progress: p }) };
}
