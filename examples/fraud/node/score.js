#!/usr/bin/env node
// Score one transaction with the bundled fraud model (examples/fraud/fraud-v3.json).
//
//     node score.js [AMOUNT_ZSCORE VELOCITY]     (default: 0.4 1.2)
//
// prints the model's fraud probability and the label (fraud when score >= 0.5).
// Needs the polyscore package (bindings/node, built) and libpolyscore.so.1.
'use strict';
const path = require('node:path');
const polyscore = require('polyscore');

const MODEL = path.join(__dirname, '..', 'fraud-v3.json');
const THRESHOLD = 0.5;

function main(argv) {
  const args = argv.length ? argv : ['0.4', '1.2'];
  if (args.length !== 2) {
    console.error('usage: node score.js [AMOUNT_ZSCORE VELOCITY]');
    return 2;
  }
  const features = args.map(Number);
  const bad = args.find((a, i) => a.trim() === '' || (Number.isNaN(features[i]) && a.trim().toLowerCase() !== 'nan'));
  if (bad !== undefined) {
    console.error(`score.js: not a number: '${bad}'`);
    return 2;
  }
  let score;
  try {
    const model = polyscore.load(MODEL);
    try {
      score = model.predictRow(features)[0];
    } finally {
      model.close();
    }
  } catch (e) {
    if (!(e instanceof polyscore.PolyscoreError)) throw e;
    console.error(`score.js: ${e.message} (${e.code})`);
    return 1;
  }
  console.log(`features: amount_zscore=${features[0]} velocity=${features[1]}`);
  console.log(`score: ${score}`);
  console.log(`label: ${score >= THRESHOLD ? 'fraud' : 'legit'}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
module.exports = { main, MODEL, THRESHOLD };
