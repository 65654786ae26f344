// bench/spectrum/node: the spectrum benchmark's in-process Node point. Model.predict
// (bindings/node, N-API) on the rows spectrum_client scored (its --rows-out file),
// measured the way spectrum_client measures every point: a bit-for-bit check against
// the C result (the .ref file beside the rows), then one caller for SECONDS (p50, p99;
// the process's CPU time, which is the caller's: Node runs it on one thread), then
// CLIENTS calls of predictAsync kept in flight for SECONDS (throughput: Node's way to
// use more than its one JavaScript thread). One JSON line per batch size and repeat.
//   POLYSCORE_NODE_ADDON=.../polyscore.node node spectrum.js MODEL_FILE NAME ROWS BATCHES REPEATS SECONDS CLIENTS
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require(path.join(__dirname, '..', '..', '..', 'bindings', 'node', 'index.js'));

const POINT = 'Node in-process';
const [modelFile, name, rowsFile, batchesS, repeatsS, secondsS, clientsS] = process.argv.slice(2);
const repeats = Number(repeatsS), seconds = Number(secondsS), clients = Number(clientsS);
const batches = batchesS.split(',').map(Number);
const doubles = (file) => {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const m = polyscore.load(modelFile);
const cols = m.info.numFeatures;
const rows = doubles(rowsFile);
const reference = doubles(rowsFile + '.ref');
const now = () => Number(process.hrtime.bigint()) / 1000;  // µs

async function main() {
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const batch of batches) {
      const X = rows.subarray(0, batch * cols);
      const got = m.predict(X, batch);
      const want = new Uint8Array(reference.buffer, 0, batch * 8);
      const same = new Uint8Array(got.buffer, got.byteOffset, batch * 8).every((v, i) => v === want[i]);
      if (got.length !== batch || !same) throw new Error(`batch ${batch}: scores differ from the C library's`);
      for (let i = 0; i < 5; i++) m.predict(X, batch);
      const us = [];
      const cpu0 = process.cpuUsage();
      const start = now();
      while (us.length < 5 || (now() - start < seconds * 1e6 && us.length < 200000)) {
        const t0 = now();
        m.predict(X, batch);
        us.push(now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      us.sort((a, b) => a - b);
      const at = (q) => us[Math.min(us.length - 1, Math.floor(q * us.length))];

      let calls = 0, stop = false;
      const t0 = now();
      const loop = async () => { while (!stop) { await m.predictAsync(X, batch); calls++; } };
      const running = Array.from({ length: clients }, loop);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      stop = true;
      await Promise.all(running);
      const elapsed = (now() - t0) / 1e6;
      console.log(JSON.stringify({
        model: name, point: POINT, batch, repeat, calls: us.length, p50_us: at(0.5), p99_us: at(0.99),
        server_cpu_us_per_call: null, client_cpu_us_per_call: (cpu.user + cpu.system) / us.length,
        clients, throughput_calls_per_s: calls / elapsed, throughput_rows_per_s: calls * batch / elapsed,
      }));
      process.stderr.write(`  ${name.padEnd(9)} ${POINT.padEnd(26)} batch ${String(batch).padStart(4)}  repeat ${repeat}` +
        `  p50 ${at(0.5).toFixed(1).padStart(9)} us  p99 ${at(0.99).toFixed(1).padStart(9)} us` +
        `  ${(calls * batch / elapsed).toFixed(0).padStart(10)} rows/s (${clients} clients)\n`);
    }
  }
  m.close();
}
main().catch((e) => { console.error('spectrum node:', e.message); process.exit(1); });
