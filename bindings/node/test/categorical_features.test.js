'use strict';
// model.categoricalFeatures (ps_model_feature_categorical): the features the model's
// splits test as categories, as tests/vectors/categorical_features.json has them (read
// straight from the model files by tests/gen/make_categorical_feature_vectors.py), on
// categorical models with and without the training categories and numeric-only ones.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require('..');
const { vectors } = require('./helpers');

const CASES = JSON.parse(fs.readFileSync(path.join(vectors, 'categorical_features.json'), 'utf8')).cases;

test('categoricalFeatures: the features the splits test as categories', () => {
  assert.ok(CASES.some((c) => c.categorical_features.length > 0), 'models with categorical splits');
  assert.ok(CASES.some((c) => c.categorical_features.length === 0), 'numeric-only models');
  for (const c of CASES) {
    const m = polyscore.load(path.join(vectors, c.model));
    assert.deepEqual(m.categoricalFeatures, c.categorical_features, c.model);
    assert.ok(Object.isFrozen(m.categoricalFeatures));
    m.close();
    assert.throws(() => m.categoricalFeatures, { code: 'PS_ERR_INVALID_HANDLE' });
  }
});
