'use strict';
// polyscore for Node.js: score XGBoost and LightGBM models through libpolyscore.so.1.
//
//   const polyscore = require('polyscore');
//   const m = polyscore.load('fraud-v3.json');
//   const p = m.predict(new Float64Array([0.4, 1.2]), 1);   // Float64Array [0.855...]
//   const q = await m.predictAsync(rows, nRows, { output: 'margin' });
//   m.close();

const path = require('node:path');

/** Every failure of the library (and of the binding's own argument checks). */
class PolyscoreError extends Error {
  /**
   * @param {string} message  the library's message
   * @param {string} code     status name, e.g. 'PS_ERR_SHAPE'
   * @param {number} status   numeric ps_status
   * @param {number} [offset] byte offset in the model file where loading failed, or -1
   */
  constructor(message, code, status, offset) {
    super(message);
    this.name = 'PolyscoreError';
    this.code = code;
    this.status = status;
    this.offset = typeof offset === 'number' && offset >= 0 ? offset : undefined;
  }
}

const Status = Object.freeze({
  PS_OK: 0,
  PS_ERR_INVALID_ARGUMENT: 1,
  PS_ERR_INVALID_HANDLE: 2,
  PS_ERR_IO: 3,
  PS_ERR_PARSE: 4,
  PS_ERR_UNSUPPORTED: 5,
  PS_ERR_SHAPE: 6,
  PS_ERR_BUFFER_TOO_SMALL: 7,
  PS_ERR_OUT_OF_MEMORY: 8,
  PS_ERR_ABI_VERSION: 9,
  PS_ERR_INTERNAL: 10,
});

function bindingError(code, message) {
  return new PolyscoreError(message, code, Status[code], -1);
}

const addonPath = process.env.POLYSCORE_NODE_ADDON || path.join(__dirname, 'build', 'polyscore.node');
const native = require(addonPath);
native.setErrorClass(PolyscoreError);

/** ABI version this binding was compiled against (PS_ABI_VERSION of its header). */
const REQUIRED_ABI_VERSION = native.REQUIRED_ABI_VERSION;

/**
 * Checks that the loaded library offers at least ABI version `required`; returns the
 * library's ABI version. Throws PolyscoreError PS_ERR_ABI_VERSION naming both versions
 * otherwise. Called once at require time with REQUIRED_ABI_VERSION.
 */
function checkAbi(required = REQUIRED_ABI_VERSION) {
  return native.checkAbi(required);
}

checkAbi(REQUIRED_ABI_VERSION);

const OUTPUTS = Object.freeze({ value: 0, margin: 1, leaf: 2, contrib: 3 });
// parseOptions(undefined), without allocating anything.
const DEFAULT_OPTIONS = Object.freeze([OUTPUTS.value, 0, 0, 1]);

// Results of at most SCRATCH_LEN values are written by the addon into a Float64Array
// kept per model (the scratch) and copied from there into a fresh Float64Array here:
// creating a small typed array in JavaScript costs far less than creating one, with
// its ArrayBuffer, in native code. The result is still a new, independent array.
const SCRATCH_LEN = 16;

// The first k values of scratch as a new Float64Array.
function fromScratch(scratch, k) {
  if (k === 1) {
    const out = new Float64Array(1);
    out[0] = scratch[0];
    return out;
  }
  return scratch.slice(0, k);
}

function u32Option(opts, name, dflt) {
  const v = opts[name];
  if (v === undefined || v === null) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw bindingError('PS_ERR_INVALID_ARGUMENT', `${name} must be a non-negative integer, got ${v}`);
  return v;
}

function parseOptions(opts) {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object') throw new TypeError('options must be an object');
  const name = opts.output === undefined ? 'value' : opts.output;
  const output = OUTPUTS[name];
  if (output === undefined || !Object.prototype.hasOwnProperty.call(OUTPUTS, name))
    throw bindingError('PS_ERR_INVALID_ARGUMENT',
                       `output must be 'value', 'margin', 'leaf' or 'contrib', got ${JSON.stringify(name)}`);
  let numThreads = 1;
  if (opts.numThreads !== undefined && opts.numThreads !== null) {
    if (!Number.isInteger(opts.numThreads) || opts.numThreads < 0 || opts.numThreads > 0x7fffffff)
      throw bindingError('PS_ERR_INVALID_ARGUMENT',
                         `numThreads must be a non-negative integer (0 = all cores), got ${opts.numThreads}`);
    numThreads = opts.numThreads;
  }
  return [output, u32Option(opts, 'iterationBegin', 0), u32Option(opts, 'iterationEnd', 0), numThreads];
}

// Float64Array and Float32Array are passed as they are (no copy); other array-likes
// (plain arrays, other typed arrays) are converted once to a Float64Array.
function asRows(rows) {
  if (rows instanceof Float64Array || rows instanceof Float32Array) return rows;
  if (ArrayBuffer.isView(rows) && !(rows instanceof DataView)) return Float64Array.from(rows);
  if (Array.isArray(rows)) return Float64Array.from(rows, (x) => (x === null || x === undefined ? NaN : x));
  throw new TypeError('rows must be a Float64Array, a Float32Array or an array of numbers');
}

// predictRow's input as a Float64Array.
function asRow(row) {
  row = asRows(row);
  if (!(row instanceof Float64Array)) row = Float64Array.from(row);
  return row;
}

function nRowsOf(rows, nRows, numFeatures) {
  if (nRows === undefined || nRows === null) {
    if (numFeatures === 0 || rows.length % numFeatures !== 0)
      throw bindingError('PS_ERR_SHAPE', `the input has ${rows.length} values, not a multiple of the ` +
                         `model's ${numFeatures} features; pass nRows`);
    return rows.length / numFeatures;
  }
  if (!Number.isSafeInteger(nRows) || nRows < 0)
    throw bindingError('PS_ERR_INVALID_ARGUMENT', `nRows must be a non-negative integer, got ${nRows}`);
  return nRows;
}

class Model {
  /** @internal use polyscore.load / polyscore.loadBuffer */
  constructor(nativeModel) {
    this._native = nativeModel;
    this._scratch = new Float64Array(SCRATCH_LEN);
    const i = nativeModel.info();
    // predictRow's fast path when a row has one value (binary, regression): a plain
    // Node-API function bound to the handle that returns the value (see addon.cc).
    this._rowValue = i.numOutputs === 1 ? nativeModel.rowValueFunction() : undefined;
    Object.freeze(i.featureNames);
    this._info = Object.freeze(i);
  }

  /** What the model is: {numFeatures, numOutputs, numMargins, numTrees, numIterations,
   *  objective, booster, format, featureNames}. Read at load; still readable after close. */
  get info() {
    return this._info;
  }

  /** True once close() was called. */
  get closed() {
    return this._native.closed;
  }

  /** Number of values predict writes for nRows rows with these options. */
  outputSize(nRows, options) {
    return this._native.outputSize(nRows, ...parseOptions(options));
  }

  /**
   * Scores nRows rows stored row-major in `rows` (Float64Array or Float32Array, read
   * without a copy). Returns a Float64Array of nRows * k values, row after row, where
   * k = outputSize(1, options).
   */
  predict(rows, nRows, options) {
    const opts = options === undefined ? DEFAULT_OPTIONS : parseOptions(options);
    rows = asRows(rows);
    const n = nRowsOf(rows, nRows, this._numFeatures());
    const scratch = this._scratch;
    const r = this._native.predict(rows, n, opts[0], opts[1], opts[2], opts[3], scratch);
    return typeof r === 'number' ? fromScratch(scratch, r) : r;
  }

  /** As predict, on the libuv thread pool; the main thread stays free. */
  predictAsync(rows, nRows, options) {
    try {
      const opts = parseOptions(options);
      rows = asRows(rows);
      return this._native.predictAsync(rows, nRowsOf(rows, nRows, this._numFeatures()), ...opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Scores one row (an array of numbers or a Float64Array) on the single-row fast
   *  path. Returns a Float64Array of k values. numThreads is ignored. */
  predictRow(row, options) {
    if (options === undefined && this._rowValue !== undefined) {
      if (!(row instanceof Float64Array)) row = asRow(row);
      const value = this._rowValue(row);
      const out = new Float64Array(1);
      out[0] = value;
      return out;
    }
    const scratch = this._scratch;
    let r;
    if (options === undefined) {
      // the defaults: the addon needs no option arguments
      if (!(row instanceof Float64Array)) row = asRow(row);
      r = this._native.predictRow(row, scratch);
    } else {
      const [output, begin, end] = parseOptions(options);
      if (!(row instanceof Float64Array)) row = asRow(row);
      r = this._native.predictRow(row, scratch, output, begin, end);
    }
    return typeof r === 'number' ? fromScratch(scratch, r) : r;
  }

  /** Frees the model. Calls in flight finish normally; later calls throw
   *  PolyscoreError PS_ERR_INVALID_HANDLE. Closing twice is harmless. */
  close() {
    this._native.close();
  }

  _numFeatures() {
    return this._info.numFeatures;
  }
}

/** Loads a model file (XGBoost JSON/UBJSON, LightGBM text; detected from the content). */
function load(file) {
  if (typeof file !== 'string') {
    if (file instanceof URL) file = require('node:url').fileURLToPath(file);
    else throw new TypeError('load(path): path must be a string or a file: URL');
  }
  return new Model(new native.NativeModel(file));
}

/** Loads a model from its bytes (Buffer, Uint8Array, ArrayBuffer). The bytes are not kept. */
function loadBuffer(bytes) {
  if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes))
    throw new TypeError('loadBuffer(bytes): bytes must be a Buffer, a TypedArray or an ArrayBuffer');
  return new Model(new native.NativeModel(bytes));
}

module.exports = {
  load,
  loadBuffer,
  Model,
  PolyscoreError,
  Status,
  checkAbi,
  REQUIRED_ABI_VERSION,
  abiVersion: () => native.abiVersion(),
  version: () => native.versionString(),
};

// For test/abi_layout.test.js (not public API): the JS constants that stand for the
// header's PS_* values (Status; OUTPUTS.value is PS_OUTPUT_VALUE, ...), compared there
// with abi_tests/layout.json.
Object.defineProperty(module.exports, '_abi', {
  value: Object.freeze({ Status, OUTPUTS, REQUIRED_ABI_VERSION }),
});
