#!/usr/bin/env node
// Builds build/polyscore.node with one g++ command: Node-API headers from the npm
// package node-api-headers, the C++ wrapper from node-addon-api, polyscore's public
// header from include/. Nothing is downloaded. The addon links to libpolyscore.so.1
// (DT_NEEDED) with a RUNPATH to the library's folder; the napi_* symbols stay
// undefined and are resolved by node when it loads the addon.
//
// Where the library is found, first match wins:
//   POLYSCORE_LIBRARY    path of libpolyscore.so.1
//   POLYSCORE_BUILD_DIR  a polyscore CMake build folder
//   ../../build          the build folder of this repository
// Where the header is found: POLYSCORE_INCLUDE_DIR, else ../../include.
// CXX overrides the compiler (default g++).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const here = path.resolve(__dirname, '..');
const repo = path.resolve(here, '..', '..');

function packageDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [here] }));
}

function findLibrary() {
  const candidates = [];
  if (process.env.POLYSCORE_LIBRARY) candidates.push(path.resolve(process.env.POLYSCORE_LIBRARY));
  if (process.env.POLYSCORE_BUILD_DIR)
    candidates.push(path.resolve(process.env.POLYSCORE_BUILD_DIR, 'libpolyscore.so.1'));
  candidates.push(path.join(repo, 'build', 'libpolyscore.so.1'));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`libpolyscore.so.1 not found; tried ${candidates.join(', ')}. ` +
                  'Set POLYSCORE_LIBRARY or POLYSCORE_BUILD_DIR.');
}

const napiHeaders = require(path.join(packageDir('node-api-headers'), 'index.js')).include_dir;
const addonApi = packageDir('node-addon-api');
const includeDir = path.resolve(process.env.POLYSCORE_INCLUDE_DIR || path.join(repo, 'include'));
if (!fs.existsSync(path.join(includeDir, 'polyscore', 'polyscore.h')))
  throw new Error(`polyscore/polyscore.h not found under ${includeDir}; set POLYSCORE_INCLUDE_DIR`);
const library = findLibrary();
const libDir = path.dirname(library);

const outDir = path.join(here, 'build');
fs.mkdirSync(outDir, { recursive: true });
const output = path.join(outDir, 'polyscore.node');
const tmp = `${output}.tmp-${process.pid}`;

const args = [
  '-std=c++17', '-O2', '-g', '-fPIC', '-shared', '-fvisibility=hidden',
  '-Wall', '-Wextra', '-Werror',
  '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  `-I${napiHeaders}`, `-I${addonApi}`, `-I${includeDir}`,
  path.join(here, 'src', 'addon.cc'),
  '-o', tmp,
  // Link the exact file, recorded by its SONAME (libpolyscore.so.1).
  library,
  `-Wl,-rpath,${libDir}`, '-Wl,--enable-new-dtags',
  // napi_* come from the node executable at load time.
  '-Wl,--allow-shlib-undefined',
];
const cxx = process.env.CXX || 'g++';
console.log(`[polyscore] ${cxx} ... -> ${path.relative(process.cwd(), output) || output} (library ${library})`);
execFileSync(cxx, args, { stdio: 'inherit' });
fs.renameSync(tmp, output);
