'use strict';
// Shared helpers for the tests: where the repository, the vectors and the CLI are.
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..', '..');
const vectors = path.join(repo, 'tests', 'vectors');

function buildDir() {
  if (process.env.POLYSCORE_BUILD_DIR) return path.resolve(process.env.POLYSCORE_BUILD_DIR);
  if (process.env.POLYSCORE_LIBRARY) return path.dirname(path.resolve(process.env.POLYSCORE_LIBRARY));
  return path.join(repo, 'build');
}

// The polyscore CLI of the same build, or null when it is not there.
function cliPath() {
  const p = path.join(buildDir(), 'polyscore');
  return fs.existsSync(p) ? p : null;
}

function manifest() {
  return JSON.parse(fs.readFileSync(path.join(vectors, 'manifest.json'), 'utf8')).cases;
}

// One CSV field: '' and nan are NaN; inf, -inf, infinity as the C tests read them.
function parseNumber(field) {
  const t = field.trim().toLowerCase();
  if (t === '' || t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  const m = /^([+-]?)inf(inity)?$/.exec(t);
  if (m) return m[1] === '-' ? -Infinity : Infinity;
  const v = Number(t);
  if (Number.isNaN(v)) throw new Error(`not a number: '${field}'`);
  return v;
}

// Reads a headerless CSV of numbers ('nan' is NaN) into {rows, cols, values}.
function readCsv(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = lines.length ? lines[0].split(',').length : 0;
  const values = new Float64Array(lines.length * cols);
  lines.forEach((line, r) => {
    const fields = line.split(',');
    if (fields.length !== cols) throw new Error(`${file}: line ${r + 1} has ${fields.length} fields, not ${cols}`);
    fields.forEach((f, c) => {
      values[r * cols + c] = parseNumber(f);
    });
  });
  return { rows: lines.length, cols, values };
}

// Parses the CLI's output (one line per row, shortest round-trip doubles).
function parseCliOutput(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    for (const f of line.split(',')) out.push(parseNumber(f));
  }
  return Float64Array.from(out);
}

// Relative closeness as the C tests define it.
function close(expected, actual, rel) {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (expected === actual) return true;
  return Math.abs(expected - actual) <= rel * Math.max(Math.abs(expected), Math.abs(actual));
}

// Bit equality, NaN equal to NaN.
function sameBits(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

module.exports = { parseNumber, repo, vectors, buildDir, cliPath, manifest, readCsv, parseCliOutput, close, sameBits };
