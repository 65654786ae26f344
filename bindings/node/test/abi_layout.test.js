'use strict';
// The binding's view of the C ABI equals abi_tests/layout.json, which
// abi_tests/layout_gen.c generates from the C header (schema: abi_tests/README.md):
// the addon (C++ compiled against the header) reports sizeof/alignof/offsetof of every
// public struct and the PS_* constants as it sees them (native._layout()), and every
// JS constant standing for a PS_* value (Status, the output kinds, REQUIRED_ABI_VERSION)
// has the header's value; the binding defines all of them and no PS_* name the header
// lacks.
//
// POLYSCORE_ABI_LAYOUT names another layout.json (to show that the check fails).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const polyscore = require('..');
const { repo } = require('./helpers');

const layoutPath = process.env.POLYSCORE_ABI_LAYOUT || path.join(repo, 'abi_tests', 'layout.json');
const LAYOUT = JSON.parse(fs.readFileSync(layoutPath, 'utf8'));
const abi = polyscore._abi;
const native = abi.layout();

test('layout.json is schema 1 and not empty', () => {
  assert.equal(LAYOUT.schema, 1);
  assert.ok(Object.keys(LAYOUT.structs).length > 0);
  assert.ok(Object.keys(LAYOUT.constants).length > 0);
});

test('the addon was built for the data model of layout.json', () => {
  for (const [k, v] of Object.entries(LAYOUT.platform)) {
    assert.ok(k in native.platform, `layout.json platform has ${k}, which the addon's _layout() lacks`);
    assert.equal(native.platform[k], v, `sizeof ${k}`);
  }
});

test('the addon reports every struct of layout.json and no other', () => {
  assert.deepEqual(Object.keys(native.structs).sort(), Object.keys(LAYOUT.structs).sort());
});

for (const name of Object.keys(LAYOUT.structs).sort()) {
  test(`struct ${name}: size, alignment, fields as the addon sees them`, () => {
    const want = LAYOUT.structs[name];
    const got = native.structs[name];
    assert.ok(got, `layout.json has struct ${name}, which the addon's _layout() does not report`);
    assert.equal(got.size, want.size, `sizeof(${name})`);
    assert.equal(got.align, want.align, `alignof(${name})`);
    assert.deepEqual(got.fields.map((f) => f.name), want.fields.map((f) => f.name), `${name}: fields`);
    for (const [i, w] of want.fields.entries()) {
      const f = got.fields[i];
      assert.equal(f.offset, w.offset, `offsetof(${name}, ${w.name})`);
      assert.equal(f.size, w.size, `sizeof(${name}.${w.name})`);
      assert.equal(f.type, w.type, `type of ${name}.${w.name}`);
    }
    const last = want.fields[want.fields.length - 1];
    assert.equal(got.size - last.offset - last.size, want.tail_padding, `${name}: tail padding`);
  });
}

test('the addon sees every PS_* constant of layout.json with its value, and no other', () => {
  const want = LAYOUT.constants;
  const got = native.constants;
  for (const [c, v] of Object.entries(want)) {
    assert.ok(c in got, `layout.json has ${c} = ${v}, which the addon's _layout() lacks`);
    assert.equal(got[c], v, `${c} as the addon sees it`);
  }
  for (const c of Object.keys(got)) assert.ok(c in want, `the addon reports ${c}, which layout.json lacks`);
});

// The JS constants standing for header constants, by C name.
function jsConstants() {
  const js = { PS_ABI_VERSION: abi.REQUIRED_ABI_VERSION };
  for (const [k, v] of Object.entries(abi.Status)) js[k] = v;
  for (const [k, v] of Object.entries(abi.OUTPUTS)) js[`PS_OUTPUT_${k.toUpperCase()}`] = v;
  return js;
}

// Which JS constant must stand for a constant of the table, by its name: true for
// "one in jsConstants", false for "none: the addon passes the header's value itself".
function jsCovers(c) {
  if (c === 'PS_ABI_VERSION' || c === 'PS_OK' || c.startsWith('PS_ERR_') || c.startsWith('PS_OUTPUT_')) return true;
  if (c.startsWith('PS_FORMAT_') || c.startsWith('PS_DTYPE_')) return false;
  return undefined;
}

test('every JS constant has the header value, and the binding has all of them', () => {
  const want = LAYOUT.constants;
  const js = jsConstants();
  for (const [c, v] of Object.entries(js)) {
    assert.ok(c in want, `the binding defines ${c}, which layout.json lacks`);
    assert.equal(v, want[c], `JS value of ${c}`);
  }
  for (const c of Object.keys(want)) {
    const covers = jsCovers(c);
    assert.notEqual(covers, undefined, `layout.json has ${c}, of a kind this test does not know: ` +
                    'decide which JS constant stands for it');
    if (covers) assert.ok(c in js, `layout.json has ${c}, which the JS binding lacks`);
    else assert.ok(!(c in js), `${c} has a JS constant; update jsCovers`);
  }
  assert.equal(polyscore.Status, abi.Status);
  assert.equal(polyscore.REQUIRED_ABI_VERSION, want.PS_ABI_VERSION);
});

test('every PS_* name in the JS sources is a constant of layout.json', () => {
  for (const file of ['index.js', 'index.d.ts', 'constants.js', 'constants.d.ts']) {
    const src = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    const names = new Set(src.match(/\bPS_[A-Z0-9_]+\b/g));
    for (const n of names) assert.ok(n in LAYOUT.constants, `${file} names ${n}, which layout.json lacks`);
    if (file === 'constants.d.ts') {
      // its StatusCode type lists every status
      for (const c of Object.keys(LAYOUT.constants).filter((c) => c === 'PS_OK' || c.startsWith('PS_ERR_')))
        assert.ok(names.has(c), `constants.d.ts does not name ${c} (StatusCode)`);
    }
  }
});
