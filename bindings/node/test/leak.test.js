'use strict';
// Many load/predict/close cycles keep the resident set flat; so do models that are
// never closed and left to the finalizer.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require('..');
const { vectors, readCsv } = require('./helpers');

function gc() {
  if (typeof global.gc === 'function') return global.gc();
  // Without --expose-gc: turn the flag on and fetch gc from a fresh context.
  require('node:v8').setFlagsFromString('--expose-gc');
  global.gc = require('node:vm').runInNewContext('gc');
  return global.gc();
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

const modelFile = path.join(vectors, 'models', 'xgb3_bigish_binary_logistic.json');
const lgbFile = path.join(vectors, 'models', 'lgb4_bigish_binary.txt');
const X = readCsv(path.join(vectors, 'data', 'xgb3_bigish_binary_logistic.X.csv'));
const BOUND = 24 * 1024 * 1024; // bytes of RSS growth allowed over the measured loop

async function cycle(i, { close }) {
  const file = i % 2 ? modelFile : lgbFile;
  const m = i % 3 === 0 ? polyscore.loadBuffer(fs.readFileSync(file)) : polyscore.load(file);
  m.predict(X.values, X.rows, { output: i % 2 ? 'value' : 'leaf' });
  m.predictRow(X.values.subarray(0, X.cols));
  await m.predictAsync(Float32Array.from(X.values), X.rows);
  try {
    m.predict(new Float64Array(3), 1);
  } catch (e) {
    assert.equal(e.code, 'PS_ERR_SHAPE');
  }
  if (close) m.close();
}

async function measure(n, opts) {
  for (let i = 0; i < 200; i++) await cycle(i, opts); // warm up allocators and JIT
  await settle();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < n; i++) {
    await cycle(i, opts);
    if (i % 100 === 0) await settle();
  }
  await settle();
  const after = process.memoryUsage().rss;
  return { before, after, growth: after - before };
}

test('load/predict/close cycles keep RSS flat', async (t) => {
  const r = await measure(1000, { close: true });
  t.diagnostic(`RSS growth ${(r.growth / 1048576).toFixed(2)} MiB`);
  assert.ok(r.growth < BOUND, `RSS grew by ${(r.growth / 1048576).toFixed(1)} MiB over 1000 cycles ` +
                              `(${(r.before / 1048576).toFixed(1)} -> ${(r.after / 1048576).toFixed(1)} MiB)`);
});

test('models never closed are freed by the finalizer', async (t) => {
  const r = await measure(1000, { close: false });
  t.diagnostic(`RSS growth ${(r.growth / 1048576).toFixed(2)} MiB`);
  assert.ok(r.growth < BOUND, `RSS grew by ${(r.growth / 1048576).toFixed(1)} MiB over 1000 unclosed models`);
});
