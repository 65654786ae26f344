'use strict';
// The shapAlgorithm option (ps_predict_options.shap_algorithm, ABI 6), bit for bit against
// the training libraries' vectors: xgb34_* files were explained by XGBoost 3.4.1
// (QuadratureTreeSHAP), xgb3_* files by XGBoost 3.2.0 (exact TreeSHAP), so each case gives
// its vector under its own algorithm and not under the other; under the other it gives the
// cross vector of tests/vectors/shap_algorithms (XGBoost 3.2.0 explaining the 3.4.1 file,
// XGBoost 3.4.1 explaining the 3.2.0 file). Through predict, predictAsync, predictRow and
// outputSize.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require('..');
const { vectors, manifest, readCsv, close, sameBits } = require('./helpers');

const CASES = Object.fromEntries(manifest().map((c) => [c.name, c]));
const QUADRATURE_CASE = CASES.xgb34_binary_logistic; // XGBoost 3.4.1's pred_contribs
const TREESHAP_CASE = CASES.xgb3_binary_logistic; // XGBoost 3.2.0's pred_contribs
const LIGHTGBM_CASE = CASES.lgb4_binary;
const CROSS = Object.fromEntries(JSON.parse(fs.readFileSync(path.join(vectors, 'shap_algorithms', 'manifest.json'), 'utf8'))
  .cases.map((c) => [c.name, c]));

// The other XGBoost's output for a case under an algorithm (its own bits).
function crossVector(c, algorithm, output) {
  return readCsv(path.join(vectors, 'shap_algorithms', CROSS[`${c.name}.${algorithm}`][output].file)).values;
}

async function withCase(c, fn) {
  const m = polyscore.load(path.join(vectors, c.model));
  try {
    return await fn(m, readCsv(path.join(vectors, c.input)));
  } finally {
    m.close();
  }
}

// Other rounding of the same Shapley values.
function assertClose(want, got) {
  assert.equal(got.length, want.length);
  want.forEach((w, i) => assert.ok(Math.abs(w - got[i]) <= 1e-6 || close(w, got[i], 1e-5), `value ${i}: ${got[i]}, the library's ${w}`));
}

test('quadrature gives XGBoost 3.4.1\'s bits and treeshap does not', async () => {
  const want = readCsv(path.join(vectors, QUADRATURE_CASE.outputs.contrib.file)).values;
  return withCase(QUADRATURE_CASE, async (m, x) => {
    assert.ok(sameBits(want, m.predict(x.values, x.rows, { output: 'contrib' })));
    assert.ok(sameBits(want, m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'quadrature' })));
    const exact = m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'treeshap' });
    assert.ok(!sameBits(want, exact), 'treeshap gave XGBoost 3.4.1\'s bits');
    assertClose(want, exact);
    // XGBoost 3.2.0's own bits explaining this 3.4.1 file
    assert.ok(sameBits(crossVector(QUADRATURE_CASE, 'treeshap', 'contrib'), exact), 'treeshap differs from XGBoost 3.2.0');
    const async_ = await m.predictAsync(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'treeshap' });
    assert.ok(sameBits(exact, async_), 'predictAsync ignored shapAlgorithm');
  });
});

test('interactions follow the option', () => {
  const spec = QUADRATURE_CASE.interactions;
  const want = readCsv(path.join(vectors, spec.file)).values;
  return withCase(QUADRATURE_CASE, (m, x) => {
    const n = spec.shape[0];
    const rows = x.values.subarray(0, n * x.cols);
    assert.ok(sameBits(want, m.predict(rows, n, { output: 'interactions', shapAlgorithm: 'quadrature' })));
    const exact = m.predict(rows, n, { output: 'interactions', shapAlgorithm: 'treeshap' });
    assert.ok(!sameBits(want, exact));
    const cross = crossVector(QUADRATURE_CASE, 'treeshap', 'interactions'); // the first rows
    assert.ok(sameBits(cross, exact.subarray(0, cross.length)), 'treeshap interactions differ from XGBoost 3.2.0');
  });
});

test('treeshap gives XGBoost 3.2.0\'s bits and quadrature does not; predictRow takes it', () => {
  const want = readCsv(path.join(vectors, TREESHAP_CASE.outputs.contrib.file)).values;
  return withCase(TREESHAP_CASE, (m, x) => {
    assert.ok(sameBits(want, m.predict(x.values, x.rows, { output: 'contrib' })));
    assert.ok(sameBits(want, m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'treeshap' })));
    const quadrature = m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'quadrature' });
    assert.ok(!sameBits(want, quadrature), 'quadrature gave XGBoost 3.2.0\'s bits');
    assertClose(want, quadrature);
    // XGBoost 3.4.1's own bits explaining this 3.2.0 file (what its pred_contribs gives)
    assert.ok(sameBits(crossVector(TREESHAP_CASE, 'quadrature', 'contrib'), quadrature), 'quadrature differs from XGBoost 3.4.1');
    const k = x.cols + 1;
    const row = m.predictRow(x.values.subarray(0, x.cols), { output: 'contrib', shapAlgorithm: 'quadrature' });
    assert.ok(sameBits(quadrature.subarray(0, k), row), 'predictRow ignored shapAlgorithm');
    assert.ok(sameBits(want.subarray(0, k), m.predictRow(x.values.subarray(0, x.cols), { output: 'contrib' })));
  });
});

test('an unknown name is refused naming it and the names', () => {
  return withCase(QUADRATURE_CASE, (m, x) => {
    for (const bad of ['exact', 'QUADRATURE', 2, true]) {
      for (const call of [() => m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: bad }),
                          () => m.predictRow(x.values.subarray(0, x.cols), { output: 'contrib', shapAlgorithm: bad }),
                          () => m.outputSize(1, { output: 'contrib', shapAlgorithm: bad })]) {
        assert.throws(call, (e) => e instanceof polyscore.PolyscoreError && e.code === 'PS_ERR_INVALID_ARGUMENT' &&
                      e.message.includes(JSON.stringify(bad)) && e.message.includes('auto, treeshap, quadrature'));
      }
    }
    return assert.rejects(m.predictAsync(x.values, x.rows, { shapAlgorithm: 'exact' }),
                          (e) => e.code === 'PS_ERR_INVALID_ARGUMENT');
  });
});

test('quadrature on a LightGBM model is unsupported', () => {
  return withCase(LIGHTGBM_CASE, (m, x) => {
    for (const call of [() => m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'quadrature' }),
                        () => m.outputSize(1, { output: 'contrib', shapAlgorithm: 'quadrature' })]) {
      assert.throws(call, (e) => e.code === 'PS_ERR_UNSUPPORTED' && /quadrature/i.test(e.message));
    }
    assert.ok(sameBits(m.predict(x.values, x.rows, { output: 'contrib' }),
                       m.predict(x.values, x.rows, { output: 'contrib', shapAlgorithm: 'treeshap' })));
  });
});
