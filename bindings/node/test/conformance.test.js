'use strict';
// Every case of tests/vectors/manifest.json, every output kind, float64 and float32
// inputs, iteration ranges: the binding must give the training library's answer (to
// the C tests' tolerance) and the C library's answer bit for bit (the CLI of the same
// build, for the cases the CLI can express: the whole model, no iteration range).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const polyscore = require('..');
const { vectors, manifest, readCsv, parseCliOutput, close, sameBits, cliPath } = require('./helpers');

const cases = manifest();
const cli = cliPath();

test('the manifest has cases of both dtypes, all outputs and ranges', () => {
  assert.ok(cases.length > 0);
  assert.ok(cases.some((c) => c.dtype === 'float32'));
  assert.ok(cases.some((c) => c.dtype === 'float64'));
  assert.ok(cases.some((c) => c.iteration_end > 0));
  for (const o of ['value', 'margin', 'leaf']) assert.ok(cases.some((c) => o in c.outputs));
});

for (const c of cases) {
  test(`conformance ${c.name}`, async () => {
    const m = polyscore.load(path.join(vectors, c.model));
    try {
      assert.equal(m.info.numFeatures, c.num_features);
      const X = readCsv(path.join(vectors, c.input));
      assert.equal(X.cols, c.num_features);
      const f32 = c.dtype === 'float32';
      const rows = f32 ? Float32Array.from(X.values) : X.values;
      const rel = f32 ? 1e-5 : 1e-6;
      const wholeModel = c.iteration_begin === 0 && c.iteration_end === 0;

      for (const [output, spec] of Object.entries(c.outputs)) {
        const opts = { output, iterationBegin: c.iteration_begin, iterationEnd: c.iteration_end };
        const expected = readCsv(path.join(vectors, spec.file));
        const got = m.predict(rows, X.rows, opts);
        assert.ok(got instanceof Float64Array);
        assert.equal(got.length, spec.shape[0] * spec.shape[1], `${output}: output length`);
        assert.equal(m.outputSize(X.rows, opts), got.length);
        for (let i = 0; i < got.length; i++) {
          if (!close(expected.values[i], got[i], rel))
            assert.fail(`${output}[${i}]: expected ${expected.values[i]}, got ${got[i]}`);
        }

        // The C library, bit for bit: the CLI reads the same rows as float64 (the
        // float32 vectors hold float32-exact values, so both paths see the same numbers).
        if (cli && wholeModel) {
          const text = execFileSync(cli, ['predict', path.join(vectors, c.model),
                                          '--input', path.join(vectors, c.input), '--output', output],
                                    { encoding: 'utf8', maxBuffer: 64 << 20 });
          const ref = parseCliOutput(text);
          assert.ok(sameBits(ref, got), `${output}: differs from the C library (CLI) bit for bit`);
        }

        // The same call off the main thread gives the same bits.
        const viaAsync = await m.predictAsync(rows, X.rows, { ...opts, numThreads: 2 });
        assert.ok(sameBits(viaAsync, got), `${output}: predictAsync differs`);

        // float64 cases: the single-row path and plain-array input agree bit for bit.
        if (!f32) {
          const k = got.length / X.rows;
          for (let r = 0; r < X.rows; r++) {
            const one = m.predictRow(X.values.subarray(r * X.cols, (r + 1) * X.cols), opts);
            assert.ok(sameBits(one, got.subarray(r * k, (r + 1) * k)), `${output}: predictRow row ${r}`);
            if (output === 'value' && wholeModel) {  // no options: the one-value fast path when k is 1
              const dflt = m.predictRow(X.values.subarray(r * X.cols, (r + 1) * X.cols));
              assert.ok(sameBits(dflt, got.subarray(r * k, (r + 1) * k)), `predictRow(row) row ${r}`);
            }
          }
          const plain = Array.from(X.values.subarray(0, X.cols));
          assert.ok(sameBits(m.predictRow(plain, opts), got.subarray(0, k)), `${output}: predictRow(array)`);
        }
      }
    } finally {
      m.close();
    }
  });
}

test('a float32 case scored with float64 input (same values) gives the same result', () => {
  const c = cases.find((x) => x.dtype === 'float32');
  const m = polyscore.load(path.join(vectors, c.model));
  const X = readCsv(path.join(vectors, c.input));
  const a = m.predict(Float32Array.from(X.values), X.rows, { output: 'margin' });
  const b = m.predict(X.values, X.rows, { output: 'margin' });
  assert.ok(sameBits(a, b));
  m.close();
});

test('a subarray view (non-zero byteOffset) is read in place', () => {
  const c = cases.find((x) => x.dtype === 'float64' && x.library === 'xgboost');
  const m = polyscore.load(path.join(vectors, c.model));
  const X = readCsv(path.join(vectors, c.input));
  const whole = m.predict(X.values, X.rows);
  const k = whole.length / X.rows;
  const buf = new Float64Array(X.values.length + 3);
  buf.set(X.values, 3);
  const view = buf.subarray(3 + X.cols, 3 + 3 * X.cols); // rows 1 and 2
  assert.ok(sameBits(m.predict(view, 2), whole.subarray(k, 3 * k)));
  // nRows inferred from the model's feature count
  assert.ok(sameBits(m.predict(view), whole.subarray(k, 3 * k)));
  m.close();
});

test('loadBuffer gives the same model as load', () => {
  const fs = require('node:fs');
  for (const c of [cases.find((x) => x.format === 'xgboost-ubjson'), cases.find((x) => x.format === 'lightgbm-text')]) {
    const file = path.join(vectors, c.model);
    const a = polyscore.load(file);
    const bytes = fs.readFileSync(file);
    const b = polyscore.loadBuffer(bytes);
    const d = polyscore.loadBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    assert.deepEqual(b.info, a.info);
    assert.equal(a.info.format, c.format);
    const X = readCsv(path.join(vectors, c.input));
    const ref = a.predict(X.values, X.rows);
    assert.ok(sameBits(b.predict(X.values, X.rows), ref));
    assert.ok(sameBits(d.predict(X.values, X.rows), ref));
    a.close(); b.close(); d.close();
  }
});

test('a Float64Array over a SharedArrayBuffer is read in place, sync and async', async () => {
  const c = cases.find((x) => x.dtype === 'float64' && x.library === 'lightgbm');
  const m = polyscore.load(path.join(vectors, c.model));
  const X = readCsv(path.join(vectors, c.input));
  const ref = m.predict(X.values, X.rows);
  const shared = new Float64Array(new SharedArrayBuffer(8 * (X.values.length + 1)), 8, X.values.length);
  shared.set(X.values);
  assert.ok(sameBits(m.predict(shared, X.rows), ref));
  assert.ok(sameBits(await m.predictAsync(shared, X.rows), ref));
  const shared32 = new Float32Array(new SharedArrayBuffer(4 * X.values.length));
  shared32.set(X.values);
  assert.ok(sameBits(m.predict(shared32, X.rows), m.predict(Float32Array.from(X.values), X.rows)));
  m.close();
});
