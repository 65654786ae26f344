'use strict';
// polyscore for Node.js: score XGBoost and LightGBM models through libpolyscore.so.1.
//
//   const polyscore = require('polyscore');
//   const m = polyscore.load('fraud-v3.json');
//   const p = m.predict(new Float64Array([0.4, 1.2]), 1);   // Float64Array [0.855...]
//   const q = await m.predictAsync(rows, nRows, { output: 'margin' });
//   const r = m.predict([{ amount_zscore: 0.4, velocity: 1.2 }]);  // rows by feature name
//   m.close();

const fs = require('node:fs');
const path = require('node:path');
// Status codes, names and defaults, generated from the C header.
const { ABI_VERSION, Status, FORMATS, OUTPUTS, SHAP_ALGORITHMS, PREDICT_DEFAULTS } = require('./constants');

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

// value -> name, for FORMATS and OUTPUTS
function namesByValue(table) {
  return Object.freeze(Object.fromEntries(Object.entries(table).map(([name, value]) => [value, name])));
}
const FORMAT_NAMES = namesByValue(FORMATS);
const OUTPUT_NAMES = namesByValue(OUTPUTS);
// The header's options with defaults, and baseMargin (per-row offsets; no default).
const OPTION_NAMES = Object.freeze([...Object.keys(PREDICT_DEFAULTS), 'baseMargin']);

function bindingError(code, message) {
  return new PolyscoreError(message, code, Status[code], -1);
}

// The addon: POLYSCORE_NODE_ADDON if set; else the one built from sources on install
// (build/polyscore.node); else the prebuilt one for this platform that the package
// carries (prebuilds/<platform>-<arch>/, as node-gyp-build names them).
function addonPath() {
  if (process.env.POLYSCORE_NODE_ADDON) return process.env.POLYSCORE_NODE_ADDON;
  const built = path.join(__dirname, 'build', 'polyscore.node');
  if (fs.existsSync(built)) return built;
  return require('node-gyp-build').path(__dirname);
}
function loadAddon() {
  let where = 'build/polyscore.node';
  try {
    where = addonPath();
    return require(where);
  } catch (e) {
    throw new Error(
      `polyscore: cannot load the native addon (${where}): ${e.message}\n` +
      'The package carries a prebuilt addon for Linux x64 (glibc); elsewhere the addon and ' +
      'libpolyscore.so.1 are built when the package is installed, which needs cmake >= 3.20 ' +
      'and a C++17 compiler. Install them (Debian: apt-get install cmake g++) and run ' +
      '`npm rebuild polyscore`; the install log says what failed.',
      { cause: e });
  }
}
const native = loadAddon();
native.setErrorClass(PolyscoreError);

/** ABI version this binding was compiled against (PS_ABI_VERSION of its header). */
const REQUIRED_ABI_VERSION = native.REQUIRED_ABI_VERSION;
if (REQUIRED_ABI_VERSION !== ABI_VERSION)
  throw bindingError('PS_ERR_ABI_VERSION', `the addon was built against ABI version ${REQUIRED_ABI_VERSION} ` +
                     `but constants.js is of ABI version ${ABI_VERSION}: rebuild the addon`);

/**
 * Checks that the loaded library offers at least ABI version `required`; returns the
 * library's ABI version. Throws PolyscoreError PS_ERR_ABI_VERSION naming both versions
 * otherwise. Called once at require time with REQUIRED_ABI_VERSION.
 */
function checkAbi(required = REQUIRED_ABI_VERSION) {
  return native.checkAbi(required);
}

checkAbi(REQUIRED_ABI_VERSION);

// parseOptions(undefined), without allocating anything.
const DEFAULT_OPTIONS = Object.freeze([PREDICT_DEFAULTS.output, PREDICT_DEFAULTS.iterationBegin,
                                       PREDICT_DEFAULTS.iterationEnd, PREDICT_DEFAULTS.numThreads]);

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
  for (const key of Object.keys(opts)) {
    if (!OPTION_NAMES.includes(key))
      throw bindingError('PS_ERR_INVALID_ARGUMENT',
                         `unknown option ${JSON.stringify(key)} (options are ${OPTION_NAMES.join(', ')})`);
  }
  const name = opts.output === undefined ? OUTPUT_NAMES[PREDICT_DEFAULTS.output] : opts.output;
  const output = OUTPUTS[name];
  if (output === undefined || !Object.prototype.hasOwnProperty.call(OUTPUTS, name))
    throw bindingError('PS_ERR_INVALID_ARGUMENT',
                       `output must be one of ${Object.keys(OUTPUTS).join(', ')}, got ${JSON.stringify(name)}`);
  let numThreads = PREDICT_DEFAULTS.numThreads;
  if (opts.numThreads !== undefined && opts.numThreads !== null) {
    if (!Number.isInteger(opts.numThreads) || opts.numThreads < 0 || opts.numThreads > 0x7fffffff)
      throw bindingError('PS_ERR_INVALID_ARGUMENT',
                         `numThreads must be a non-negative integer (0 = all cores), got ${opts.numThreads}`);
    numThreads = opts.numThreads;
  }
  return [output, u32Option(opts, 'iterationBegin', PREDICT_DEFAULTS.iterationBegin),
          u32Option(opts, 'iterationEnd', PREDICT_DEFAULTS.iterationEnd), numThreads,
          baseMarginOption(opts.baseMargin), shapAlgorithmOption(opts.shapAlgorithm)];
}

// shapAlgorithm: 'auto' (default), 'treeshap' or 'quadrature', as the header's number for it.
function shapAlgorithmOption(name) {
  if (name === undefined || name === null) return PREDICT_DEFAULTS.shapAlgorithm;
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(SHAP_ALGORITHMS, name))
    throw bindingError('PS_ERR_INVALID_ARGUMENT',
                       `shapAlgorithm must be one of ${Object.keys(SHAP_ALGORITHMS).join(', ')}, got ${JSON.stringify(name)}`);
  return SHAP_ALGORITHMS[name];
}

// baseMargin: per-row margin offsets (XGBoost's base_margin), nRows * numMargins
// numbers, row-major; a Float64Array as it is, an array of numbers converted.
function baseMarginOption(v) {
  if (v === undefined || v === null || v instanceof Float64Array) return v;
  if (!Array.isArray(v) && !ArrayBuffer.isView(v))
    throw bindingError('PS_ERR_INVALID_ARGUMENT', 'baseMargin must be a Float64Array or an array of numbers');
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number')
      throw bindingError('PS_ERR_INVALID_ARGUMENT', `baseMargin[${i}] is not a number: ${JSON.stringify(v[i])}`);
    out[i] = v[i];
  }
  return out;
}

// A plain array's element as a double: a number as it is, null or undefined as NaN
// (missing). Anything else is an error: JavaScript would turn "N/A" into NaN, "" and
// false into 0, true and [1] into 1, and score them.
function numberAt(rows, i) {
  const x = rows[i];
  if (typeof x === 'number') return x;
  if (x === null || x === undefined) return NaN;
  const what = Array.isArray(x) ? 'a nested array (pass the rows flat, row after row)'
    : `${typeof x} ${JSON.stringify(x)}`;
  throw bindingError('PS_ERR_INVALID_ARGUMENT', `rows[${i}] is not a number: ${what}`);
}

// Float64Array and Float32Array are passed as they are (no copy); other array-likes
// (plain arrays of numbers, other typed arrays) are converted once to a Float64Array.
function asRows(rows) {
  if (rows instanceof Float64Array || rows instanceof Float32Array) return rows;
  if (ArrayBuffer.isView(rows) && !(rows instanceof DataView)) {
    if (rows instanceof BigInt64Array || rows instanceof BigUint64Array)
      throw bindingError('PS_ERR_INVALID_ARGUMENT', 'rows must be numbers, not a BigInt array');
    return Float64Array.from(rows);
  }
  if (Array.isArray(rows)) {
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = numberAt(rows, i);
    return out;
  }
  throw new TypeError('rows must be a Float64Array, a Float32Array or an array of numbers');
}

// ---- rows given by feature name: [{amount: 0.4, velocity: 1.2}, ...]
// The rules are the Python binding's for a DataFrame (bindings/python/src/polyscore/
// _frame.py): names match exactly as the model file stores them (info.featureNames), a
// feature absent from a row and a name the model does not have are errors naming them
// (a typo never scores silently), and a model whose file names no features cannot be
// given rows by name.

// True when rows is an array of objects (not an array of numbers): predict's named form.
function isNamedBatch(rows) {
  if (!Array.isArray(rows) || rows.length === 0) return false;
  const first = rows[0];
  return typeof first === 'object' && first !== null && !Array.isArray(first) && !ArrayBuffer.isView(first);
}

// A row given by name must be a plain object: a Map or a class instance would read as
// an object without the features.
function isPlainObject(x) {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describe(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') {
    const cls = x.constructor?.name;
    return cls && cls !== 'Object' ? `a ${cls}` : 'an object';
  }
  if (typeof x === 'bigint') return `bigint ${x}n`;
  return `${typeof x} ${JSON.stringify(x)}`;
}

// The first names of a list, quoted, and how many more there are.
function quoteSome(names) {
  const most = 20;
  const shown = names.slice(0, most).map((n) => JSON.stringify(n)).join(', ');
  return names.length > most ? `${shown} and ${names.length - most} more` : shown;
}

function plural(word, n) {
  return n === 1 ? word : `${word}s`;
}

// The error for a row that lacks some of the model's features or holds other names.
function namedMismatch(where, row, names, column) {
  const unknown = Object.keys(row).filter((k) => !column.has(k));
  const missing = names.filter((n) => !Object.prototype.hasOwnProperty.call(row, n));
  const parts = [];
  if (unknown.length > 0) parts.push(`unknown ${plural('feature', unknown.length)} ${quoteSome(unknown)}`);
  if (missing.length > 0)
    parts.push(`missing ${plural('feature', missing.length)} ${quoteSome(missing)} (use null for a missing value)`);
  return bindingError('PS_ERR_INVALID_ARGUMENT',
                      `${where} does not match the model's features (${quoteSome(names)}): ${parts.join('; ')}`);
}

// Rows given by feature name as a row-major Float64Array in the model's feature order.
// where(r) names row r in messages.
function namedRows(rows, names, column, where) {
  const n = names.length;
  const out = new Float64Array(rows.length * n);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!isPlainObject(row))
      throw bindingError('PS_ERR_INVALID_ARGUMENT',
                         `${where(r)} is not an object of feature values ({name: value}): ${describe(row)}`);
    const keys = Object.keys(row);
    let found = 0;
    for (const key of keys) {
      const j = column.get(key);
      if (j === undefined) continue; // an unknown name: reported below
      const x = row[key];
      if (typeof x === 'number') out[r * n + j] = x;
      else if (x === null || x === undefined) out[r * n + j] = NaN;
      else
        throw bindingError('PS_ERR_INVALID_ARGUMENT',
                           `${where(r)}[${JSON.stringify(key)}] is not a number: ${describe(x)}`);
      found++;
    }
    if (found !== n || keys.length !== n) throw namedMismatch(where(r), row, names, column);
  }
  return out;
}

const batchRow = (r) => `rows[${r}]`;
const singleRow = () => 'row';

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

// A training category's text as a JS value, by its kind (the addon names the header's kinds).
function categoryValue(kind, text) {
  switch (kind) {
    case 'string': return text;
    case 'integer': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    case 'real': return Number(text); // also Infinity, -Infinity, NaN
    case 'boolean': return text === 'true';
    default: throw bindingError('PS_ERR_UNSUPPORTED', `a training category of kind ${kind}, unknown to this binding`);
  }
}

class Model {
  /** @internal use polyscore.load / polyscore.loadBuffer */
  constructor(nativeModel) {
    this._native = nativeModel;
    this._scratch = new Float64Array(SCRATCH_LEN);
    const i = nativeModel.info();
    i.format = FORMAT_NAMES[i.format] ?? `unknown (${i.format})`;
    // predictRow's fast path when a row has one value (binary, regression): a plain
    // Node-API function bound to the handle that returns the value (see addon.cc).
    this._rowValue = i.numOutputs === 1 ? nativeModel.rowValueFunction() : undefined;
    Object.freeze(i.featureNames);
    this._info = Object.freeze(i);
  }

  /** What the model is: {numFeatures, numOutputs, numMargins, numTrees, numIterations,
   *  objective, booster, format, featureNames}. Read at load; after close() it throws
   *  PolyscoreError PS_ERR_INVALID_HANDLE, as every binding does. */
  get info() {
    if (this._native.closed) throw bindingError('PS_ERR_INVALID_HANDLE', 'the model is closed');
    return this._info;
  }

  /**
   * The training categories the model file saved: an array of {feature, values}, one per
   * categorical column in the file's order; empty when the file saved none (XGBoost
   * before 3.1, models trained on arrays). feature is the feature index the list codes
   * (XGBoost 3.1+), or null when the file does not say (LightGBM's pandas_categorical:
   * list i is the i-th categorical column of the training DataFrame). values are
   * strings, numbers (an integer beyond 2^53 as a BigInt) or booleans, in training
   * order: the code of a value is its index. Read at load; after close() it throws
   * PS_ERR_INVALID_HANDLE.
   */
  get categories() {
    if (this._native.closed) throw bindingError('PS_ERR_INVALID_HANDLE', 'the model is closed');
    if (this._categories === undefined) {
      this._categories = Object.freeze(this._native.categories().map((l) => Object.freeze({
        feature: l.feature,
        values: Object.freeze(l.texts.map((t, k) => categoryValue(l.kinds[k], t))),
      })));
    }
    return this._categories;
  }

  /**
   * Whether the model file saved category lists at all, even none: true for LightGBM's
   * "pandas_categorical:[]" (trained on a DataFrame with no categorical column, which
   * LightGBM refuses to pair with a frame's categorical columns) and every XGBoost 3.1+
   * model; false for "pandas_categorical:null" (trained on arrays) and XGBoost before
   * 3.1. After close() it throws PS_ERR_INVALID_HANDLE.
   */
  get categoriesSaved() {
    if (this._native.closed) throw bindingError('PS_ERR_INVALID_HANDLE', 'the model is closed');
    if (this._categoriesSaved === undefined) this._categoriesSaved = this._native.categoriesSaved();
    return this._categoriesSaved;
  }

  /**
   * The indices of the features some split of the model tests as a category
   * (ps_model_feature_categorical), ascending; empty for a model with numeric splits
   * only. Such a feature takes category codes, whether or not the file saved its
   * categories (this.categories): XGBoost before 3.1 and LightGBM trained on arrays save
   * none, and then a row must carry the codes the training data had. Indices, as
   * CategoryList.feature is one. Read at the first ask; after close() it throws
   * PS_ERR_INVALID_HANDLE.
   */
  get categoricalFeatures() {
    if (this._native.closed) throw bindingError('PS_ERR_INVALID_HANDLE', 'the model is closed');
    if (this._categoricalFeatures === undefined) {
      this._categoricalFeatures = Object.freeze(this._native.categoricalFeatures());
    }
    return this._categoricalFeatures;
  }

  /** True once close() was called. */
  get closed() {
    return this._native.closed;
  }

  /** Number of values predict writes for nRows rows with these options. */
  outputSize(nRows, options) {
    const opts = parseOptions(options);
    return this._native.outputSize(nRows, opts[0], opts[1], opts[2], opts[3], opts[5]);
  }

  /**
   * Scores nRows rows stored row-major in `rows` (Float64Array or Float32Array, read
   * without a copy). Returns a Float64Array of nRows * k values, row after row, where
   * k = outputSize(1, options).
   * Rows may also be given by feature name, as an array of plain objects
   * ({amount_zscore: 0.4, velocity: 1.2}), with predict(rows, options): each must hold
   * exactly the model's info.featureNames, in any order (null is a missing value).
   */
  predict(rows, nRows, options) {
    if (isNamedBatch(rows)) [rows, nRows, options] = this._named(rows, nRows, options);
    const opts = options === undefined ? DEFAULT_OPTIONS : parseOptions(options);
    rows = asRows(rows);
    const n = nRowsOf(rows, nRows, this._numFeatures());
    const scratch = this._scratch;
    const r = this._native.predict(rows, n, opts[0], opts[1], opts[2], opts[3], scratch, opts[4], opts[5]);
    return typeof r === 'number' ? fromScratch(scratch, r) : r;
  }

  /** As predict, on the libuv thread pool; the main thread stays free. */
  predictAsync(rows, nRows, options) {
    try {
      if (isNamedBatch(rows)) [rows, nRows, options] = this._named(rows, nRows, options);
      const opts = parseOptions(options);
      rows = asRows(rows);
      return this._native.predictAsync(rows, nRowsOf(rows, nRows, this._numFeatures()), ...opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Scores one row (an array of numbers, a Float64Array, or an object by feature name
   *  as predict takes) on the single-row fast path. Returns a Float64Array of k values.
   *  numThreads is ignored. */
  predictRow(row, options) {
    if (options === undefined && this._rowValue !== undefined && row instanceof Float64Array) {
      // the common case first, with no other test: one value per row, default options
      const out = new Float64Array(1);
      out[0] = this._rowValue(row);
      return out;
    }
    if (!(row instanceof Float64Array) && isPlainObject(row))
      row = namedRows([row], ...this._featureIndex(), singleRow);
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
      const [output, begin, end, , baseMargin, shapAlgorithm] = parseOptions(options);
      if (!(row instanceof Float64Array)) row = asRow(row);
      r = this._native.predictRow(row, scratch, output, begin, end, baseMargin, shapAlgorithm);
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

  // [feature names, Map name -> column], made on first use; throws for a model whose
  // file does not name every feature once.
  _featureIndex() {
    const names = this.info.featureNames; // throws PS_ERR_INVALID_HANDLE after close
    if (this._column === undefined) {
      const column = new Map();
      names.forEach((name, i) => {
        if (name === '')
          throw bindingError('PS_ERR_INVALID_ARGUMENT',
                             `the model file names no feature ${i}, so rows cannot be given by feature ` +
                             "name: pass arrays of numbers in the model's feature order");
        if (column.has(name))
          throw bindingError('PS_ERR_INVALID_ARGUMENT',
                             `the model names features ${column.get(name)} and ${i} both ` +
                             `${JSON.stringify(name)}, so rows cannot be given by feature name: pass ` +
                             "arrays of numbers in the model's feature order");
        column.set(name, i);
      });
      this._column = column;
    }
    return [names, this._column];
  }

  // predict's named form, predict(rows, options) or predict(rows, nRows, options), as
  // the arguments of the positional one.
  _named(rows, nRows, options) {
    if (options === undefined && typeof nRows === 'object' && nRows !== null) [nRows, options] = [undefined, nRows];
    if (nRows !== undefined && nRows !== null && nRows !== rows.length)
      throw bindingError('PS_ERR_SHAPE', `nRows is ${nRows} but ${rows.length} rows were given by feature name`);
    return [namedRows(rows, ...this._featureIndex(), batchRow), rows.length, options];
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
  value: Object.freeze({ Status, OUTPUTS, SHAP_ALGORITHMS, REQUIRED_ABI_VERSION }),
});
