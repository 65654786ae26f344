'use strict';
// model.categoricalFeatures (ps_model_feature_categorical): the features the model's
// splits test as categories, checked against the split types read straight from the
// model files (XGBoost JSON split_type 1 at split_indices; LightGBM decision_type bit 0
// at split_feature), as tests/core/test_feature_categorical.cc does.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require('..');
const { vectors } = require('./helpers');

// Categorical models with and without the training categories, and numeric-only ones.
const MODELS = [
  'models/xgb34_categorical_partition.json', // features 1 and 3; XGBoost 3.4 on arrays: no lists
  'models/xgb3_categorical_multi_softprob.json', // feature 0; XGBoost 3.2 on arrays: no lists
  'models/xgb1_categorical_onehot.json', // XGBoost 1.7: no category lists at all
  'models/lgb4_categorical.txt', // LightGBM on arrays: pandas_categorical:null
  'models/lgb3_categorical_binary.txt', // feature 0
  'frames/xgb34_frame_binary.json', // with its training categories
  'frames/lgb4_frame_binary.txt', // with pandas_categorical lists
  'models/xgb34_binary_logistic.json', // numeric only
  'models/lgb4_binary.txt', // numeric only
];

function xgboostCategoricalSplits(text) {
  // Bare NaN / Infinity (XGBoost's non-finite values) become 0: only split types are read.
  let booster = JSON.parse(text.replace(/([[,:])-?(?:Infinity|NaN)/g, (_, before) => before + '0')).learner.gradient_booster;
  if (booster.name === 'dart') booster = booster.gbtree;
  const out = new Set();
  for (const tree of booster.model.trees) {
    tree.left_children.forEach((left, i) => {
      if (left !== -1 && tree.split_type[i] === 1) out.add(tree.split_indices[i]);
    });
  }
  return [...out].sort((a, b) => a - b);
}

function lightgbmCategoricalSplits(text) {
  const out = new Set();
  let features = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('split_feature=')) {
      features = line.slice('split_feature='.length).trim().split(/\s+/).map(Number);
    } else if (line.startsWith('decision_type=')) {
      const types = line.slice('decision_type='.length).trim().split(/\s+/).map(Number);
      assert.equal(types.length, features.length);
      types.forEach((t, i) => { if (t & 1) out.add(features[i]); });
    }
  }
  return [...out].sort((a, b) => a - b);
}

test('categoricalFeatures: the features the splits test as categories', () => {
  let withCategorical = 0;
  for (const rel of MODELS) {
    const file = path.join(vectors, rel);
    const text = fs.readFileSync(file, 'latin1');
    const expected = rel.endsWith('.json') ? xgboostCategoricalSplits(text) : lightgbmCategoricalSplits(text);
    if (expected.length > 0) withCategorical++;
    const m = polyscore.load(file);
    assert.deepEqual(m.categoricalFeatures, expected, rel);
    assert.ok(Object.isFrozen(m.categoricalFeatures));
    m.close();
    assert.throws(() => m.categoricalFeatures, { code: 'PS_ERR_INVALID_HANDLE' });
  }
  assert.equal(withCategorical, 7);
});
