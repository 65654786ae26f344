'use strict';
// What the binding declares of the C ABI itself equals abi_tests/layout.json, the one
// table abi_tests/layout_gen.c prints from the C header (schema: abi_tests/README.md):
// every JS constant standing for a PS_* value (Status, the output kinds, the SHAP
// algorithms, REQUIRED_ABI_VERSION) has the header's value, the binding defines all of them and no
// PS_* name the header lacks, and a model's info has one key per field of ps_model_info.
// The C structs are not compared: the addon builds them in C++ from the header, so the
// binding has no copy of its own (comparing the header with itself cannot fail).
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

test('layout.json is schema 1 and not empty', () => {
  assert.equal(LAYOUT.schema, 1);
  assert.ok(Object.keys(LAYOUT.structs).length > 0);
  assert.ok(Object.keys(LAYOUT.constants).length > 0);
});

// camelCase of a C field name: num_features -> numFeatures.
const jsName = (c) => c.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase());

test('a model\'s info has one key per field of ps_model_info, in order', () => {
  const want = LAYOUT.structs.ps_model_info.fields.map((f) => f.name)
    .filter((n) => n !== 'struct_size' && !n.startsWith('reserved')).map(jsName);
  const model = polyscore.load(path.join(repo, 'examples', 'fraud', 'fraud-v3.json'));
  try {
    // featureNames is not a ps_model_info field: it comes from ps_model_feature_name.
    assert.deepEqual(Object.keys(model.info).filter((k) => k !== 'featureNames'), want);
  } finally {
    model.close();
  }
});

// The JS constants standing for header constants, by C name.
function jsConstants() {
  const js = { PS_ABI_VERSION: abi.REQUIRED_ABI_VERSION };
  for (const [k, v] of Object.entries(abi.Status)) js[k] = v;
  for (const [k, v] of Object.entries(abi.OUTPUTS)) js[`PS_OUTPUT_${k.toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(abi.SHAP_ALGORITHMS)) js[`PS_SHAP_${k.toUpperCase()}`] = v;
  return js;
}

// Which JS constant must stand for a constant of the table, by its name: true for
// "one in jsConstants", false for "none: the addon passes the header's value itself".
function jsCovers(c) {
  if (c === 'PS_ABI_VERSION' || c === 'PS_OK' || c.startsWith('PS_ERR_') || c.startsWith('PS_OUTPUT_') ||
      c.startsWith('PS_SHAP_')) return true;
  if (c.startsWith('PS_FORMAT_') || c.startsWith('PS_DTYPE_') || c.startsWith('PS_CATEGORY_')) return false;
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
