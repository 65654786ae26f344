'use strict';
// The baseMargin option: per-row margin offsets (XGBoost's base_margin), checked against
// tests/vectors/offsets (made by XGBoost with base_margin and by LightGBM with
// init_score added by hand), through predict, predictAsync and predictRow.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require('..');
const { vectors, readCsv, close, sameBits } = require('./helpers');

const dir = path.join(vectors, 'offsets');
const cases = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).cases;

// XGBoost's float32 results are repeated to the bit; LightGBM's value was made with
// numpy's exp, which may differ from the C library's in the last bit.
function same(c, want, got) {
  if (want.length !== got.length) return false;
  if (c.library !== 'lightgbm') return sameBits(want, got);
  return want.every((w, i) => close(w, got[i], 4e-16));
}

for (const c of cases) {
  test(`baseMargin: ${c.name}`, async () => {
    const m = polyscore.load(path.join(dir, c.model));
    try {
      const x = readCsv(path.join(dir, c.input));
      const bm = readCsv(path.join(dir, c.base_margin)).values;
      for (const output of ['value', 'margin', 'contrib', 'interactions']) {
        if (!c.outputs[output]) continue; // interactions: XGBoost tree models only
        const want = readCsv(path.join(dir, c.outputs[output].file)).values;
        const got = m.predict(x.values, x.rows, { output, baseMargin: bm });
        assert.ok(same(c, want, got), `${c.name} ${output}`);
        assert.ok(sameBits(got, m.predict(x.values, x.rows, { output, baseMargin: Array.from(bm) })));
        assert.ok(sameBits(got, await m.predictAsync(x.values, x.rows, { output, baseMargin: bm })));
        const per = want.length / x.rows;
        for (let r = 0; r < x.rows; r++) {
          const row = x.values.subarray(r * x.cols, (r + 1) * x.cols);
          const one = m.predictRow(row, { output, baseMargin: bm.subarray(r * c.num_margins, (r + 1) * c.num_margins) });
          assert.ok(sameBits(one, got.subarray(r * per, (r + 1) * per)), `${c.name} ${output} row ${r}`);
        }
        // Without the offsets, the model's base score: other numbers.
        assert.ok(!same(c, want, m.predict(x.values, x.rows, { output })), `${c.name} ${output} without offsets`);
      }
    } finally {
      m.close();
    }
  });
}

test('baseMargin errors', async () => {
  const c = cases.find((k) => k.name === 'xgb3_offset_softprob');
  const m = polyscore.load(path.join(dir, c.model));
  try {
    const x = readCsv(path.join(dir, c.input));
    const isLength = (e) => e instanceof polyscore.PolyscoreError && e.code === 'PS_ERR_INVALID_ARGUMENT' &&
      /expected 40 rows x 3 margins = 120/.test(e.message);
    assert.throws(() => m.predict(x.values, x.rows, { baseMargin: new Float64Array(40) }), isLength);
    assert.throws(() => m.predict(x.values, x.rows, { baseMargin: new Float64Array(0) }), isLength);
    await assert.rejects(m.predictAsync(x.values, x.rows, { baseMargin: new Float64Array(40) }), isLength);
    assert.throws(() => m.predict(x.values, x.rows, { output: 'leaf', baseMargin: new Float64Array(120) }),
      (e) => e.code === 'PS_ERR_INVALID_ARGUMENT' && /PS_OUTPUT_LEAF/.test(e.message));
    assert.throws(() => m.predict(x.values, x.rows, { baseMargin: ['a'] }),
      (e) => e.code === 'PS_ERR_INVALID_ARGUMENT' && /baseMargin\[0\] is not a number/.test(e.message));
  } finally {
    m.close();
  }
});
