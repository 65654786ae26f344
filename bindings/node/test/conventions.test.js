'use strict';
// The conventions every binding shares with C (docs/bindings.md): numThreads 0 is all
// cores, an empty batch gives an empty result, info after close and any call on a
// closed model throw PS_ERR_INVALID_HANDLE, input that is not a number is an error,
// unknown option names are rejected, and the names are the header's (the CLI's).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const polyscore = require('..');
const { PolyscoreError } = polyscore;
const { repo } = require('./helpers');

const fraudPath = path.join(repo, 'examples', 'fraud', 'fraud-v3.json');

function psError(code, re) {
  return (e) => {
    assert.ok(e instanceof PolyscoreError, `expected PolyscoreError, got ${e}`);
    assert.equal(e.code, code);
    if (re) assert.match(e.message, re);
    return true;
  };
}

test('numThreads 0 is all cores; negative is an error', () => {
  const m = polyscore.load(fraudPath);
  const rows = new Float64Array([0.4, 1.2, 0, 0.5]);
  assert.deepEqual(m.predict(rows, 2, { numThreads: 0 }), m.predict(rows, 2));
  assert.throws(() => m.predict(rows, 2, { numThreads: -1 }), psError('PS_ERR_INVALID_ARGUMENT', /numThreads/));
  m.close();
});

test('an empty batch gives an empty result', async () => {
  const m = polyscore.load(fraudPath);
  for (const rows of [[], new Float64Array(0), new Float32Array(0)]) {
    for (const output of ['value', 'leaf']) {
      assert.equal(m.predict(rows, 0, { output }).length, 0);
      assert.equal(m.predict(rows, undefined, { output }).length, 0);
      assert.equal((await m.predictAsync(rows, 0, { output })).length, 0);
    }
  }
  m.close();
});

test('info after close throws PS_ERR_INVALID_HANDLE', () => {
  const m = polyscore.load(fraudPath);
  assert.equal(m.info.numFeatures, 2);
  assert.equal(m.info.format, 'xgboost-json');
  m.close();
  assert.throws(() => m.info, psError('PS_ERR_INVALID_HANDLE', /closed/));
  assert.throws(() => m.predict([0.4, 1.2], 1), psError('PS_ERR_INVALID_HANDLE'));
  assert.throws(() => m.predictRow([0.4, 1.2]), psError('PS_ERR_INVALID_HANDLE'));
});

test('input that is not a number is an error naming it', () => {
  const m = polyscore.load(fraudPath);
  const cases = [
    [[0.4, 'N/A'], /rows\[1\] is not a number: string "N\/A"/],
    [[0.4, ''], /rows\[1\] is not a number: string ""/],
    [[true, 1.2], /rows\[0\] is not a number: boolean true/],
    [[[0.4], 1.2], /rows\[0\] is not a number: a nested array/],
    [[0.4, {}], /rows\[1\] is not a number: object/],
  ];
  for (const [rows, re] of cases) {
    assert.throws(() => m.predict(rows, 1), psError('PS_ERR_INVALID_ARGUMENT', re));
    assert.throws(() => m.predictRow(rows), psError('PS_ERR_INVALID_ARGUMENT', re));
    assert.throws(() => m.predictRow(rows, { output: 'margin' }), psError('PS_ERR_INVALID_ARGUMENT', re));
  }
  assert.throws(() => m.predict(new BigInt64Array(2), 1), psError('PS_ERR_INVALID_ARGUMENT', /BigInt/));
  // null and undefined are missing values, as NaN
  assert.deepEqual(m.predict([0.4, null], 1), m.predict(new Float64Array([0.4, NaN]), 1));
  m.close();
});

test('unknown option names are rejected', async () => {
  const m = polyscore.load(fraudPath);
  const bad = psError('PS_ERR_INVALID_ARGUMENT', /unknown option "threads" \(options are output, iterationBegin, iterationEnd, numThreads, shapAlgorithm, baseMargin\)/);
  assert.throws(() => m.predict([0.4, 1.2], 1, { threads: 2 }), bad);
  assert.throws(() => m.predictRow([0.4, 1.2], { outptu: 'margin' }), psError('PS_ERR_INVALID_ARGUMENT', /outptu/));
  assert.throws(() => m.outputSize(1, { threads: 2 }), bad);
  await assert.rejects(m.predictAsync([0.4, 1.2], 1, { threads: 2 }), bad);
  m.close();
});

test('names and codes are the header\'s', () => {
  const c = require('../constants');
  assert.equal(polyscore.Status.PS_ERR_SHAPE, 6);
  assert.deepEqual(Object.keys(c.FORMATS), ['auto', 'xgboost-json', 'xgboost-ubjson', 'lightgbm-text']);
  assert.deepEqual(Object.keys(c.OUTPUTS), ['value', 'margin', 'leaf', 'contrib', 'interactions']);
  assert.equal(c.ABI_VERSION, polyscore.REQUIRED_ABI_VERSION);
});
