#!/usr/bin/env node
// Builds build/polyscore.node with one g++ command: Node-API headers from the npm
// package node-api-headers, the C++ wrapper from node-addon-api, polyscore's public
// header. Nothing is downloaded. The addon links to libpolyscore.so.1 (DT_NEEDED); the
// napi_* symbols stay undefined and are resolved by node when it loads the addon.
//
// Installed from the npm package (deps/polyscore/ holds the core's C++ sources, copied
// there by scripts/bundle-core.js when the package is packed): CMake builds
// libpolyscore.so.1 from those sources into build/, beside the addon, whose RUNPATH is
// $ORIGIN. Needs cmake >= 3.20 and a C++17 compiler.
//
// In a checkout (no deps/), the addon links a library built already, with a RUNPATH to
// its folder; first match wins:
//   POLYSCORE_LIBRARY    path of libpolyscore.so.1
//   POLYSCORE_BUILD_DIR  a polyscore CMake build folder
//   ../../build          the build folder of this repository
// and the header comes from POLYSCORE_INCLUDE_DIR, else ../../include.
// CXX overrides the compiler (default g++).
//
// `node scripts/build.js --prebuild` (prepack, after bundle-core.js) builds the same from
// the bundled sources into prebuilds/<platform>-<arch>/, named as node-gyp-build looks
// for it (polyscore.napi.glibc.node), with libpolyscore.so.1 beside it: the prebuilt
// addon the package carries, which scripts/install.js uses instead of compiling.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
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

const prebuild = process.argv.includes('--prebuild');
const outDir = prebuild ? path.join(here, 'prebuilds', `${process.platform}-${process.arch}`)
  : path.join(here, 'build');
fs.mkdirSync(outDir, { recursive: true });

// Builds libpolyscore.so.1 from the bundled sources with CMake into build/ and returns
// its path. Only the library: no tests, no CLI.
function buildBundledLibrary(sourceDir) {
  const work = path.join(here, 'build', 'core');
  const run = (cmd, args) => {
    console.log(`[polyscore] ${cmd} ${args.join(' ')}`);
    try {
      execFileSync(cmd, args, { stdio: 'inherit' });
    } catch (e) {
      const hint = e.code === 'ENOENT' ? `${cmd} is not installed. ` : '';
      throw new Error(`${hint}Building libpolyscore from the package's sources failed; ` +
                      'it needs cmake >= 3.20 and a C++17 compiler (Debian: apt-get install ' +
                      'cmake g++), then run `npm rebuild polyscore`.');
    }
  };
  run('cmake', ['-S', sourceDir, '-B', work, '-DCMAKE_BUILD_TYPE=Release',
                '-DPOLYSCORE_TESTS=OFF', '-DPOLYSCORE_CLI=OFF', '-DPOLYSCORE_INSTALL=OFF']);
  run('cmake', ['--build', work, '--target', 'polyscore', '--parallel',
                String(Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 4)))]);
  const library = path.join(outDir, 'libpolyscore.so.1');
  fs.copyFileSync(path.join(work, 'libpolyscore.so.1'), library);  // the file, not the link
  fs.rmSync(work, { recursive: true, force: true });
  return library;
}

const napiHeaders = require(path.join(packageDir('node-api-headers'), 'index.js')).include_dir;
const addonApi = packageDir('node-addon-api');
const bundled = path.join(here, 'deps', 'polyscore');
const isBundled = fs.existsSync(path.join(bundled, 'CMakeLists.txt'));
if (prebuild && !isBundled) throw new Error('--prebuild needs the bundled sources: run scripts/bundle-core.js first');
const includeDir = isBundled ? path.join(bundled, 'include')
  : path.resolve(process.env.POLYSCORE_INCLUDE_DIR || path.join(repo, 'include'));
if (!fs.existsSync(path.join(includeDir, 'polyscore', 'polyscore.h')))
  throw new Error(`polyscore/polyscore.h not found under ${includeDir}; set POLYSCORE_INCLUDE_DIR`);
const library = isBundled ? buildBundledLibrary(bundled) : findLibrary();
// The packaged addon finds its library beside itself, wherever node_modules is.
const runpath = isBundled ? '$ORIGIN' : path.dirname(library);
// node-gyp-build's tags: Node-API (any node version), glibc (musl systems build instead).
const output = path.join(outDir, prebuild ? 'polyscore.napi.glibc.node' : 'polyscore.node');
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
  `-Wl,-rpath,${runpath}`, '-Wl,--enable-new-dtags',
  // napi_* come from the node executable at load time.
  '-Wl,--allow-shlib-undefined',
];
const cxx = process.env.CXX || 'g++';
console.log(`[polyscore] ${cxx} ... -> ${path.relative(process.cwd(), output) || output} (library ${library})`);
execFileSync(cxx, args, { stdio: 'inherit' });
fs.renameSync(tmp, output);
