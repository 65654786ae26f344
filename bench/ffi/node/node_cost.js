// bench/ffi/node: fixed cost of one single-row call from Node.
//   POLYSCORE_NODE_ADDON=.../polyscore.node node node_cost.js MODEL EMPTY_ADDON CALLS REPS
// binding: polyscore.load(MODEL).predictRow(Float64Array) (bindings/node, N-API);
// bare:    empty(row) of a tiny N-API addon (empty_addon.c) built the same way: the
//          binding's native signature (Float64Array in, number out), scoring nothing;
// noop:    noop(row), an N-API function doing nothing, reported beside.
// Interleaved per repeat, after warm-up; prints one JSON line: wall clock and the
// process's CPU time (process.cpuUsage: Node 20 has no per-thread figure).
'use strict';
const path = require('node:path');
// the binding of the source under test (PSFFI_SRC, set by run.sh), else of this work tree
const src = process.env.PSFFI_SRC || path.join(__dirname, '..', '..', '..');
const polyscore = require(path.join(src, 'bindings', 'node', 'index.js'));
const [model, emptyAddon, callsS, repsS] = process.argv.slice(2);
const calls = Number(callsS), reps = Number(repsS);
const { empty, noop } = require(path.resolve(emptyAddon));
const m = polyscore.load(model);
const row = new Float64Array(m.info.numFeatures);
let sink = 0;
// [wall ns, CPU ns] per call of f's loop
function timed(loop) {
  const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  loop();
  const wall = Number(process.hrtime.bigint() - t0) / calls, c = process.cpuUsage(c0);
  return [wall, ((c.user + c.system) * 1000) / calls];
}
const bind = () => timed(() => { for (let i = 0; i < calls; i++) sink += m.predictRow(row)[0]; });
const bare = () => timed(() => { for (let i = 0; i < calls; i++) sink += empty(row); });
const nothing = () => timed(() => { for (let i = 0; i < calls; i++) noop(row); });
for (let w = 0; w < 3; w++) { bind(); bare(); nothing(); }
const b = [], e = [], z = [];
for (let r = 0; r < reps; r++) { b.push(bind()); e.push(bare()); z.push(nothing()); }
const wall = (xs) => xs.map((x) => x[0]), cpu = (xs) => xs.map((x) => x[1]);
console.log(JSON.stringify({ binding_ns: wall(b), bare_ns: wall(e), noop_ns: wall(z),
  binding_cpu_ns: cpu(b), bare_cpu_ns: cpu(e), noop_cpu_ns: cpu(z), checksum: sink }));
m.close();
