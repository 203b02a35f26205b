// errors.js - the one error type the package throws. `code` is the C status name
// ('WT_ERR_SHAPE', ...) for errors from the engine, or the same vocabulary for arguments the
// JS side rejects before calling it. Not here: reading messages out of wasm (runtime.js).

export class WasmTricksError extends Error {
  /**
   * @param {string} code a wt_status name, e.g. 'WT_ERR_ARG'
   * @param {string} message what went wrong, naming the argument or the C function
   */
  constructor(code, message) {
    super(message);
    this.name = 'WasmTricksError';
    this.code = code;
  }
}

/** Throws WT_ERR_ARG naming the argument unless `ok`. */
export function argCheck(ok, message) {
  if (!ok) throw new WasmTricksError('WT_ERR_ARG', message);
}

/** A short description of a value for error messages ("Float64Array(10)", "string"). */
export function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length ?? v.byteLength})`;
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  if (typeof v === 'number') return String(v);
  return typeof v;
}

/** Throws WT_ERR_NONFINITE naming the first NaN or +-Inf of a float array ("step: grads[3] is
    NaN"). For arrays the engine does not check itself (weights set from JS, optimizer input). */
export function finiteCheck(arr, name) {
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v - v !== 0) {
      throw new WasmTricksError('WT_ERR_NONFINITE', `${name}[${i}] is ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`);
    }
  }
}
