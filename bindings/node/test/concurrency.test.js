'use strict';
// One model used by many predictAsync calls at once (libuv thread pool) and from
// several worker_threads gives exact results; closing while calls are in flight (or
// ending a worker mid-call) never crashes.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const polyscore = require('..');
const { PolyscoreError } = polyscore;
const { vectors, readCsv, sameBits } = require('./helpers');

const modelFile = path.join(vectors, 'models', 'xgb3_bigish_binary_logistic.json');
const X = readCsv(path.join(vectors, 'data', 'xgb3_bigish_binary_logistic.X.csv'));

// A larger batch (the vector rows repeated) so that calls take long enough to overlap.
function repeated(times) {
  const out = new Float64Array(X.values.length * times);
  for (let t = 0; t < times; t++) out.set(X.values, t * X.values.length);
  return { values: out, rows: X.rows * times };
}

test('many predictAsync at once on one model give exact results', async () => {
  const m = polyscore.load(modelFile);
  const outputs = ['value', 'margin', 'leaf'];
  const ref = {};
  for (const o of outputs) ref[o] = m.predict(X.values, X.rows, { output: o });
  const calls = [];
  for (let i = 0; i < 300; i++) {
    const output = outputs[i % 3];
    const rows = i % 2 ? X.values : Float32Array.from(X.values);
    calls.push(m.predictAsync(rows, X.rows, { output, numThreads: i % 4 === 0 ? 2 : 1 }).then((r) => [output, r]));
  }
  // the main thread also predicts while the pool works
  for (let i = 0; i < 50; i++) assert.ok(sameBits(m.predict(X.values, X.rows), ref.value));
  const results = await Promise.all(calls);
  for (const [output, r] of results) assert.ok(sameBits(r, ref[output]), `${output} differs`);
  m.close();
});

test('the input array stays alive while the worker reads it', async () => {
  const m = polyscore.load(modelFile);
  const big = repeated(20);
  const ref = m.predict(big.values, big.rows);
  const calls = [];
  for (let i = 0; i < 20; i++) {
    // the only reference to the copy is the one the worker holds
    calls.push(m.predictAsync(Float64Array.from(big.values), big.rows));
  }
  if (global.gc) global.gc();
  for (const r of await Promise.all(calls)) assert.ok(sameBits(r, ref));
  m.close();
});

test('close() while predictAsync calls are in flight: each completes exactly or fails with PS_ERR_INVALID_HANDLE', async () => {
  const big = repeated(25); // 5000 rows per call
  for (let round = 0; round < 5; round++) {
    const m = polyscore.load(modelFile);
    const ref = m.predict(big.values, big.rows);
    const calls = [];
    for (let i = 0; i < 24; i++) calls.push(m.predictAsync(big.values, big.rows));
    m.close(); // the first calls are already running on the pool
    const settled = await Promise.allSettled(calls);
    let ok = 0;
    let invalid = 0;
    for (const s of settled) {
      if (s.status === 'fulfilled') {
        assert.ok(sameBits(s.value, ref), 'a call that ran gives the exact result');
        ok++;
      } else {
        assert.ok(s.reason instanceof PolyscoreError, String(s.reason));
        assert.equal(s.reason.code, 'PS_ERR_INVALID_HANDLE');
        invalid++;
      }
    }
    assert.equal(ok + invalid, calls.length);
    assert.throws(() => m.predict(big.values, big.rows), (e) => e.code === 'PS_ERR_INVALID_HANDLE');
  }
});

test('a model dropped without close() while calls are in flight is kept until they finish', async () => {
  let m = polyscore.load(modelFile);
  const ref = m.predict(X.values, X.rows);
  const calls = [];
  for (let i = 0; i < 16; i++) calls.push(m.predictAsync(X.values, X.rows));
  m = null;
  if (global.gc) global.gc();
  for (const r of await Promise.all(calls)) assert.ok(sameBits(r, ref));
});

function runWorker(source, workerData) {
  return new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true, workerData });
    let msg;
    w.on('message', (m) => { msg = m; });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve(msg) : reject(new Error(`worker exited with ${code}`))));
  });
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const polyscore = require(workerData.pkg);
const m = polyscore.load(workerData.model);
const rows = new Float64Array(workerData.rows);
(async () => {
  const results = [];
  for (let i = 0; i < 20; i++) results.push(m.predict(rows, workerData.nRows, { output: 'margin' }));
  const asyncResults = await Promise.all(Array.from({ length: 20 }, () => m.predictAsync(rows, workerData.nRows, { output: 'margin' })));
  const all = results.concat(asyncResults);
  const first = all[0];
  const same = all.every((r) => r.length === first.length && r.every((v, i) => Object.is(v, first[i])));
  let err = null;
  try { m.predict(new Float64Array(3), 1); } catch (e) { err = { name: e.name, code: e.code, isPs: e instanceof polyscore.PolyscoreError }; }
  m.close();
  parentPort.postMessage({ same, result: Array.from(first), err });
})();
`;

test('worker_threads: the addon loads in several threads at once and gives exact results', async () => {
  const m = polyscore.load(modelFile);
  const ref = m.predict(X.values, X.rows, { output: 'margin' });
  const data = { pkg: path.resolve(__dirname, '..'), model: modelFile, rows: Array.from(X.values), nRows: X.rows };
  const results = await Promise.all(Array.from({ length: 4 }, () => runWorker(workerSource, data)));
  for (const r of results) {
    assert.equal(r.same, true);
    assert.ok(sameBits(Float64Array.from(r.result), ref));
    assert.deepEqual(r.err, { name: 'PolyscoreError', code: 'PS_ERR_SHAPE', isPs: true });
  }
  // the main thread's model is untouched by the workers' loads and closes
  assert.ok(sameBits(m.predict(X.values, X.rows, { output: 'margin' }), ref));
  m.close();
});

test('worker_threads: terminating a worker with calls in flight does not crash', async () => {
  const source = `
const { parentPort, workerData } = require('node:worker_threads');
const polyscore = require(workerData.pkg);
const m = polyscore.load(workerData.model);
const base = new Float64Array(workerData.rows);
const rows = new Float64Array(base.length * 25);
for (let t = 0; t < 25; t++) rows.set(base, t * base.length);
for (let i = 0; i < 16; i++) m.predictAsync(rows, workerData.nRows * 25);
parentPort.postMessage('started');
setInterval(() => {}, 1000);
`;
  const data = { pkg: path.resolve(__dirname, '..'), model: modelFile, rows: Array.from(X.values), nRows: X.rows };
  for (let i = 0; i < 3; i++) {
    const w = new Worker(source, { eval: true, workerData: data });
    await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
  }
  // the process is still fine
  const m = polyscore.load(modelFile);
  assert.equal(m.predict(X.values, X.rows).length, X.rows);
  m.close();
});
