'use strict';
// Runs score.js as a user would and checks it against examples/fraud/expected.csv.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const here = path.resolve(__dirname, '..');
const script = path.join(here, 'score.js');
const expected = fs.readFileSync(path.join(here, '..', 'expected.csv'), 'utf8')
  .trim().split('\n').slice(1)
  .map((l) => l.split(',').map(Number));

function run(args) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
}

function parse(stdout) {
  const score = /^score: (.*)$/m.exec(stdout);
  const label = /^label: (.*)$/m.exec(stdout);
  assert.ok(score && label, `unexpected output:\n${stdout}`);
  return { score: Number(score[1]), label: label[1] };
}

test('default features 0.4 1.2 give the expected score', () => {
  const r = run([]);
  assert.equal(r.status, 0, r.stderr);
  const { score, label } = parse(r.stdout);
  const row = expected.find(([a, v]) => a === 0.4 && v === 1.2);
  assert.equal(score, row[2]);
  assert.equal(label, 'fraud');
});

for (const [a, v, p] of expected) {
  test(`score.js ${a} ${v} gives ${p}`, () => {
    const out = execFileSync(process.execPath, [script, String(a), String(v)], { encoding: 'utf8' });
    const { score, label } = parse(out);
    assert.equal(score, p); // XGBoost's own float32 score, exact
    assert.equal(label, p >= 0.5 ? 'fraud' : 'legit');
  });
}

test('bad arguments exit 2 with a usage message', () => {
  assert.equal(run(['1']).status, 2);
  const r = run(['abc', '1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a number/);
});
