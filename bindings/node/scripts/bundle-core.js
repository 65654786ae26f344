#!/usr/bin/env node
// `npm pack` / `npm publish` (prepack): copies the C++ core's sources from the checkout
// into deps/polyscore/, so that the package can build libpolyscore.so.1 when installed
// (scripts/build.js; prepack then builds the prebuilt addon from them).
// `node scripts/bundle-core.js --clean` (postpack) removes the copy and prebuilds/.
// The copy is made from the checkout each time and never committed, so it cannot drift.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const repo = path.resolve(here, '..', '..');
const dest = path.join(here, 'deps', 'polyscore');

fs.rmSync(path.join(here, 'deps'), { recursive: true, force: true });
// and the prebuilt addon scripts/build.js --prebuild made from that copy
fs.rmSync(path.join(here, 'prebuilds'), { recursive: true, force: true });
if (process.argv[2] === '--clean') process.exit(0);

// What the library's CMake build reads (CMakeLists.txt with POLYSCORE_TESTS=OFF).
const parts = ['CMakeLists.txt', 'cmake', 'include', 'src', 'third_party/simdjson'];
for (const part of parts) {
  const from = path.join(repo, part);
  if (!fs.existsSync(from)) throw new Error(`bundle-core: ${from} is missing; run this in a checkout`);
  fs.cpSync(from, path.join(dest, part), { recursive: true });
}
console.log(`[polyscore] bundled the core's sources into ${path.relative(process.cwd(), dest) || dest}`);
