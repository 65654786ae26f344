#!/usr/bin/env node
// `npm install` of the package: uses the prebuilt addon for this platform when the
// package carries one that loads here (prebuilds/<platform>-<arch>/, found by
// node-gyp-build as index.js finds it); otherwise builds the addon and libpolyscore.so.1
// from the package's sources (scripts/build.js: needs cmake and a C++17 compiler).
'use strict';

const path = require('node:path');

const here = path.resolve(__dirname, '..');

function prebuiltAddon() {
  let addon;
  try {
    addon = require('node-gyp-build').path(here);
  } catch (e) {
    console.log(`[polyscore] no prebuilt addon for ${process.platform}-${process.arch}: ${e.message}`);
    return null;
  }
  try {
    require(addon);
    return addon;
  } catch (e) {
    // e.g. a glibc older than the one it was built with
    console.log(`[polyscore] the prebuilt addon ${addon} does not load here: ${e.message}`);
    return null;
  }
}

const addon = prebuiltAddon();
if (addon) {
  console.log(`[polyscore] using the prebuilt addon ${path.relative(here, addon)}`);
} else {
  console.log('[polyscore] building the addon from the package\'s sources');
  require('./build.js');
}
