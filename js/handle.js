// handle.js - the base of every class that owns wasm memory: dispose() / [Symbol.dispose],
// a guard that throws on use after dispose, and a FinalizationRegistry that only WARNS when a
// handle is garbage-collected without dispose() (freeing from a finalizer would race the user).

import { WasmTricksError } from './errors.js';

export const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

const leaks = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((what) => {
    console.warn(`wasmtricks: a ${what} was garbage-collected without dispose(); its wasm memory leaked`);
  })
  : null;

export class Handle {
  #disposed = false;
  #what;

  constructor(what) {
    this.#what = what;
  }

  /** Call once the wasm object exists: from then on a missing dispose() is reported. */
  _track() {
    leaks?.register(this, this.#what, this);
  }

  get disposed() { return this.#disposed; }

  /** Throws WT_ERR_STATE if dispose() was called. */
  _alive(method) {
    if (this.#disposed) {
      throw new WasmTricksError('WT_ERR_STATE', `${this.#what}.${method}: the ${this.#what} was disposed`);
    }
  }

  /** Frees the wasm memory behind the handle. Safe to call more than once. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    leaks?.unregister(this);
    this._free();
  }

  [disposeSymbol]() { this.dispose(); }
}
