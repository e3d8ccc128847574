#!/usr/bin/env node
// Launcher for the `sluice` command: compiles the TypeScript CLI (bin/build-cli.mjs, in a child process) and
// runs the result. No build step to remember (~0.2 s per start), and the long-running server carries neither
// a TypeScript loader (tsx at run time cost ~36 MB) nor the compiler (~25 MB).
//
// CommonJS on purpose: libuv sizes its thread pool from UV_THREADPOOL_SIZE when the pool first starts, and an
// ES module entry point is read through that pool before its first line runs; a CommonJS one is read
// synchronously. 4 threads (the default) are too few: a stream's object writes (each waiting on fsync) and
// zlib jobs would occupy all of them while the write-ahead log's fdatasync, which producers wait on, queued
// behind (p99 215 ms → 23 ms at half load with GZIP, bench/README.md).
'use strict';
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';

const { spawnSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { mkdirSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const bin = __dirname;
const cacheDir = join(bin, '..', 'node_modules', '.cache', 'sluice');
// Each start gets its own output directory, so concurrent starts never see each other's half-written files.
const outdir = join(cacheDir, `build-${randomUUID()}`);
const STALE_MS = 24 * 60 * 60 * 1000;

mkdirSync(cacheDir, { recursive: true });
for (const name of readdirSync(cacheDir)) {
  const path = join(cacheDir, name);
  // Builds of processes long gone (a running server loads its chunks only while it starts).
  if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
}
const build = spawnSync(process.execPath, [join(bin, 'build-cli.mjs'), outdir], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
import(pathToFileURL(join(outdir, 'sluice.js')).href).catch((error) => {
  console.error(error);
  process.exit(1);
});
