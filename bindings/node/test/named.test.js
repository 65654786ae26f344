'use strict';
// Rows given by feature name (predict([{name: value}]), predictAsync, predictRow): the
// same scores as the positional predict, bit for bit, whatever the key order, and a
// PolyscoreError naming the problem for every mismatch.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const polyscore = require('..');
const { repo, vectors, manifest, readCsv, sameBits } = require('./helpers');

const fraudModel = path.join(repo, 'examples', 'fraud', 'fraud-v3.json');

function loadCase(name) {
  const c = manifest().find((k) => k.name === name);
  assert.ok(c, `no case ${name} in the manifest`);
  return [polyscore.load(path.join(vectors, c.model)), readCsv(path.join(vectors, c.input))];
}

// Row r of x as an object from the model's feature names, keys in reverse column order.
function byName(names, x, r) {
  const row = {};
  for (let j = names.length - 1; j >= 0; j--) row[names[j]] = x.values[r * x.cols + j];
  return row;
}

// LightGBM conformance models with feature names (Column_0...; multiclass, and
// categorical splits; their inputs have missing values).
for (const name of ['lgb4_multiclass', 'lgb4_categorical']) {
  test(`named rows score as positional ones, bit for bit: ${name}`, async () => {
    const [m, x] = loadCase(name);
    try {
      const names = m.info.featureNames;
      const rows = Array.from({ length: x.rows }, (_, r) => byName(names, x, r));
      for (const opts of [undefined, { output: 'margin', numThreads: 2 }]) {
        const want = m.predict(x.values, x.rows, opts);
        assert.ok(sameBits(want, m.predict(rows, opts)), 'predict(rows, options)');
        assert.ok(sameBits(want, m.predict(rows, x.rows, opts)), 'predict(rows, nRows, options)');
        assert.ok(sameBits(want, await m.predictAsync(rows, opts)), 'predictAsync');
        const k = want.length / x.rows;
        for (const r of [0, 1, 7]) {
          assert.ok(sameBits(want.subarray(r * k, (r + 1) * k), m.predictRow(rows[r], opts)), `predictRow ${r}`);
        }
      }
    } finally {
      m.close();
    }
  });
}

test('named rows: key order does not matter, null and undefined are missing', () => {
  const m = polyscore.load(fraudModel);
  try {
    const want = m.predict([0.4, 1.2, NaN, 0.5, 0.1, NaN], 3);
    const got = m.predict([{ amount_zscore: 0.4, velocity: 1.2 }, { velocity: 0.5, amount_zscore: null },
                           { amount_zscore: 0.1, velocity: undefined }]);
    assert.ok(sameBits(want, got), `${got} != ${want}`);
    assert.ok(sameBits(want.subarray(0, 1), m.predictRow({ velocity: 1.2, amount_zscore: 0.4 })));
    const noProto = Object.assign(Object.create(null), { velocity: 1.2, amount_zscore: 0.4 });
    assert.ok(sameBits(want.subarray(0, 1), m.predict([noProto])));
  } finally {
    m.close();
  }
});

function rejects(fn, ...parts) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof polyscore.PolyscoreError, `${e}`);
    assert.equal(e.code, 'PS_ERR_INVALID_ARGUMENT', e.message);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

test('named rows: a typo, an unknown or a missing feature is an error naming it', async () => {
  const m = polyscore.load(fraudModel);
  try {
    const ok = { amount_zscore: 0.4, velocity: 1.2 };
    rejects(() => m.predict([ok, { amount_zscore: 0.4, velocty: 1.2 }]),
            'rows[1]', 'unknown feature "velocty"', 'missing feature "velocity"');
    rejects(() => m.predict([{ ...ok, country: 3 }]), 'rows[0]', 'unknown feature "country"');
    rejects(() => m.predict([{ amount_zscore: 0.4 }]), 'missing feature "velocity"', 'null');
    rejects(() => m.predict([{}]), 'missing features "amount_zscore", "velocity"');
    rejects(() => m.predict([{ Amount_zscore: 0.4, velocity: 1.2 }]), 'unknown feature "Amount_zscore"');
    rejects(() => m.predictRow({ amount_zscore: 0.4 }), 'row does not match', 'missing feature "velocity"');
    await assert.rejects(m.predictAsync([{ amount_zscore: 0.4, velocty: 1.2 }]), /unknown feature "velocty"/);
    // An inherited key is not the row's own.
    rejects(() => m.predict([Object.assign(Object.create({ velocity: 1 }), { amount_zscore: 0.4 })]),
            'is not an object of feature values');
  } finally {
    m.close();
  }
});

test('named rows: values must be numbers, rows plain objects', () => {
  const m = polyscore.load(fraudModel);
  try {
    for (const bad of ['N/A', '', '0.4', true, [0.4], { v: 1 }, 1n]) {
      rejects(() => m.predict([{ amount_zscore: bad, velocity: 1.2 }]), 'rows[0]["amount_zscore"] is not a number');
    }
    rejects(() => m.predict([{ amount_zscore: 0.4, velocity: 1.2 }, [0.4, 1.2]]), 'rows[1] is not an object', 'an array');
    rejects(() => m.predict([new Map([['amount_zscore', 0.4], ['velocity', 1.2]])]), 'rows[0]', 'a Map');
    rejects(() => m.predict([{ amount_zscore: 0.4, velocity: 1.2 }, null]), 'rows[1]', 'null');
    assert.throws(() => m.predict([{ amount_zscore: 0.4, velocity: 1.2 }], 2),
                  (e) => e.code === 'PS_ERR_SHAPE' && /nRows is 2 but 1 rows/.test(e.message));
  } finally {
    m.close();
  }
});

test('named rows: a model without feature names, a closed model', () => {
  const [unnamed] = loadCase('xgb1_binary_logistic'); // this XGBoost model names no features
  try {
    rejects(() => unnamed.predict([{ f0: 1 }]), 'names no feature', "model's feature order");
    rejects(() => unnamed.predictRow({ f0: 1 }), 'names no feature');
  } finally {
    unnamed.close();
  }
  const m = polyscore.load(fraudModel);
  m.close();
  assert.throws(() => m.predict([{ amount_zscore: 0.4, velocity: 1.2 }]), (e) => e.code === 'PS_ERR_INVALID_HANDLE');
});
