'use strict';
// Bad input gives PolyscoreError with the library's status (name and number) and
// message; the ABI check names both versions.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const polyscore = require('..');
const { PolyscoreError, Status } = polyscore;
const { repo } = require('./helpers');

const fraud = path.join(repo, 'examples', 'fraud', 'fraud-v3.json');

function isPsError(code, re) {
  return (e) => {
    assert.ok(e instanceof PolyscoreError, `expected PolyscoreError, got ${e && e.constructor && e.constructor.name}: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'PolyscoreError');
    assert.equal(e.code, code);
    assert.equal(e.status, Status[code]);
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0);
    if (re) assert.match(e.message, re);
    return true;
  };
}

function tmpFile(name, bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyscore-node-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

test('library and ABI versions', () => {
  assert.equal(typeof polyscore.version(), 'string');
  assert.match(polyscore.version(), /^\d+\.\d+\.\d+/);
  assert.ok(polyscore.abiVersion() >= polyscore.REQUIRED_ABI_VERSION);
  assert.equal(polyscore.checkAbi(), polyscore.abiVersion());
  assert.equal(polyscore.checkAbi(1), polyscore.abiVersion());
});

test('ABI check: a library older than required fails naming both versions', () => {
  const have = polyscore.abiVersion();
  const need = have + 41;
  assert.throws(() => polyscore.checkAbi(need), (e) => {
    isPsError('PS_ERR_ABI_VERSION')(e);
    assert.ok(e.message.includes(String(have)), `message names the library's version ${have}: ${e.message}`);
    assert.ok(e.message.includes(String(need)), `message names the required version ${need}: ${e.message}`);
    return true;
  });
});

test('missing file: PS_ERR_IO with the path', () => {
  const missing = path.join(os.tmpdir(), 'polyscore-no-such-model.json');
  assert.throws(() => polyscore.load(missing), isPsError('PS_ERR_IO', /polyscore-no-such-model\.json/));
});

test('corrupt model: truncated copies of vector models give PS_ERR_PARSE', () => {
  for (const name of ['xgb3_binary_logistic.json', 'xgb3_binary_logistic.ubj', 'lgb4_binary.txt']) {
    const src = path.join(repo, 'tests', 'vectors', 'models', name);
    if (!fs.existsSync(src)) continue;
    const bytes = fs.readFileSync(src);
    const truncated = bytes.subarray(0, Math.floor(bytes.length / 2));
    const file = tmpFile(name, truncated);
    assert.throws(() => polyscore.load(file), isPsError('PS_ERR_PARSE'), name);
    assert.throws(() => polyscore.loadBuffer(truncated), isPsError('PS_ERR_PARSE'), name);
  }
  assert.throws(() => polyscore.loadBuffer(Buffer.alloc(0)), isPsError('PS_ERR_PARSE'));
  assert.throws(() => polyscore.loadBuffer(Buffer.from('not a model at all')), (e) => e instanceof PolyscoreError);
});

test('wrong feature count: PS_ERR_SHAPE from the library', () => {
  const m = polyscore.load(fraud);
  assert.throws(() => m.predict(new Float64Array(3), 1), isPsError('PS_ERR_SHAPE', /3/));
  assert.throws(() => m.predictRow([1, 2, 3]), isPsError('PS_ERR_SHAPE'));
  assert.throws(() => m.predictRow(new Float64Array(1)), isPsError('PS_ERR_SHAPE'));
  assert.throws(() => m.predictRow(new Float64Array(0)), isPsError('PS_ERR_SHAPE'));
  // the fast path's result is a new Float64Array each call, never a shared one
  const a = m.predictRow(new Float64Array([0.4, 1.2])), b = m.predictRow(new Float64Array([0.4, 1.2]));
  assert.ok(a instanceof Float64Array && a.length === 1 && a !== b && a[0] === b[0]);
  m.close();
});

test('wrong array length: PS_ERR_SHAPE', () => {
  const m = polyscore.load(fraud);
  // 5 values are not 2 rows of anything
  assert.throws(() => m.predict(new Float64Array(5), 2), isPsError('PS_ERR_SHAPE', /5/));
  // nRows inferred: 3 values are not whole rows of 2 features
  assert.throws(() => m.predict(new Float64Array(3)), isPsError('PS_ERR_SHAPE'));
  assert.throws(() => m.predict(new Float64Array(2), 0), isPsError('PS_ERR_SHAPE'));
  // zero rows is fine
  assert.equal(m.predict(new Float64Array(0), 0).length, 0);
  m.close();
});

test('bad options: PS_ERR_INVALID_ARGUMENT', () => {
  const m = polyscore.load(fraud);
  const row = new Float64Array([0.4, 1.2]);
  assert.throws(() => m.predict(row, 1, { output: 'probability' }), isPsError('PS_ERR_INVALID_ARGUMENT', /output/));
  assert.throws(() => m.predict(row, 1, { iterationBegin: -1 }), isPsError('PS_ERR_INVALID_ARGUMENT'));
  assert.throws(() => m.predict(row, 1, { numThreads: 1.5 }), isPsError('PS_ERR_INVALID_ARGUMENT'));
  assert.throws(() => m.predict(row, -1), isPsError('PS_ERR_INVALID_ARGUMENT'));
  // an iteration range outside the model is the library's call
  assert.throws(() => m.predict(row, 1, { iterationBegin: 10, iterationEnd: 5 }), (e) => e instanceof PolyscoreError);
  assert.throws(() => m.predict(row, 1, { iterationEnd: 100000 }), (e) => e instanceof PolyscoreError);
  assert.throws(() => m.predict('0.4,1.2', 1), TypeError);
  assert.throws(() => polyscore.load(42), TypeError);
  assert.throws(() => polyscore.loadBuffer('{}'), TypeError);
  m.close();
});

test('errors reject predictAsync instead of throwing', async () => {
  const m = polyscore.load(fraud);
  await assert.rejects(m.predictAsync(new Float64Array(3), 1), isPsError('PS_ERR_SHAPE'));
  await assert.rejects(m.predictAsync(new Float64Array(5), 2), isPsError('PS_ERR_SHAPE'));
  await assert.rejects(m.predictAsync(new Float64Array(2), 1, { output: 'x' }), isPsError('PS_ERR_INVALID_ARGUMENT'));
  m.close();
  await assert.rejects(m.predictAsync(new Float64Array(2), 1), isPsError('PS_ERR_INVALID_HANDLE'));
});

test('use after close: PS_ERR_INVALID_HANDLE; close twice is harmless', () => {
  const m = polyscore.load(fraud);
  const before = m.predictRow([0.4, 1.2]);
  assert.equal(m.closed, false);
  m.close();
  assert.equal(m.closed, true);
  m.close();
  assert.throws(() => m.predict(new Float64Array([0.4, 1.2]), 1), isPsError('PS_ERR_INVALID_HANDLE'));
  assert.throws(() => m.predictRow([0.4, 1.2]), isPsError('PS_ERR_INVALID_HANDLE'));
  // predictRow's Float64Array fast path (one value per row, default options) too
  assert.throws(() => m.predictRow(new Float64Array([0.4, 1.2])), isPsError('PS_ERR_INVALID_HANDLE'));
  assert.throws(() => m.outputSize(1), isPsError('PS_ERR_INVALID_HANDLE'));
  // info too, as in every binding
  assert.throws(() => m.info, isPsError('PS_ERR_INVALID_HANDLE'));
  // a new model is unaffected (the freed slot may be reused; the old handle stays dead)
  const m2 = polyscore.load(fraud);
  assert.deepEqual(m2.predictRow([0.4, 1.2]), before);
  assert.throws(() => m.predictRow([0.4, 1.2]), isPsError('PS_ERR_INVALID_HANDLE'));
  m2.close();
});

test('info describes the model', () => {
  const m = polyscore.load(fraud);
  const i = m.info;
  assert.equal(i.numFeatures, 2);
  assert.equal(i.numOutputs, 1);
  assert.equal(i.objective, 'binary:logistic');
  assert.equal(i.booster, 'gbtree');
  assert.equal(i.format, 'xgboost-json');
  assert.ok(i.numTrees > 0);
  assert.deepEqual([...i.featureNames], ['amount_zscore', 'velocity']);
  assert.ok(Object.isFrozen(i));
  m.close();
});

test('load accepts a file: URL', () => {
  const m = polyscore.load(require('node:url').pathToFileURL(fraud));
  assert.equal(m.info.numFeatures, 2);
  m.close();
});
