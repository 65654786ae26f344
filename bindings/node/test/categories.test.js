'use strict';
// model.categories: the training categories of the frame models (tests/vectors/frames,
// trained on DataFrames by the real libraries), read through the C ABI.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const polyscore = require('..');
const { vectors } = require('./helpers');

const frames = path.join(vectors, 'frames');
const merchants = ['grocery', 'travel', 'games', 'fuel', 'pharmacy', 'jewelry', 'cash', 'hotel'];
const countries = ['FR', 'DE', 'US', 'BR', 'JP'];
const channels = [1, 2, 4, 8];

test('categories: what the model file saved, from a path or from bytes', () => {
  const cases = {
    'lgb4_frame_binary.txt': [null, null, null],
    'xgb3_frame_binary.json': [1, 3, 4],
    'xgb3_frame_binary.ubj': [1, 3, 4],
  };
  for (const [file, features] of Object.entries(cases)) {
    for (const m of [polyscore.load(path.join(frames, file)),
      polyscore.loadBuffer(fs.readFileSync(path.join(frames, file)))]) {
      assert.deepEqual(m.categories, [
        { feature: features[0], values: merchants },
        { feature: features[1], values: countries },
        { feature: features[2], values: channels },
      ], file);
      m.close();
      assert.throws(() => m.categories, { code: 'PS_ERR_INVALID_HANDLE' });
    }
  }
  const m = polyscore.load(path.join(frames, 'xgb1_frame_binary.json'));
  assert.deepEqual(m.categories, []);
  m.close();
});

test('categoriesSaved: lists saved (even none) or not', () => {
  const lgb = fs.readFileSync(path.join(frames, 'lgb4_frame_binary.txt'));
  const head = lgb.subarray(0, lgb.lastIndexOf('pandas_categorical:'));
  const cases = [
    ['lgb4 frame (3 lists)', lgb, true],
    ['pandas_categorical:[]', Buffer.concat([head, Buffer.from('pandas_categorical:[]\n')]), true],
    ['pandas_categorical:null', Buffer.concat([head, Buffer.from('pandas_categorical:null\n')]), false],
    ['xgb3 frame', fs.readFileSync(path.join(frames, 'xgb3_frame_binary.json')), true],
    ['xgb3 on arrays', fs.readFileSync(path.join(vectors, 'models', 'xgb3_categorical_partition.json')), true],
    ['xgb1 frame', fs.readFileSync(path.join(frames, 'xgb1_frame_binary.json')), false],
  ];
  for (const [name, bytes, saved] of cases) {
    const m = polyscore.loadBuffer(bytes);
    assert.equal(m.categoriesSaved, saved, name);
    m.close();
    assert.throws(() => m.categoriesSaved, { code: 'PS_ERR_INVALID_HANDLE' });
  }
});
