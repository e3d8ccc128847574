#!/usr/bin/env node
// Launcher for the `sluice` command: compiles the TypeScript CLI (bin/build-cli.mjs, in a child process) and
// runs the result. No build step to remember (~0.2 s per start), and the long-running server carries neither
// a TypeScript loader (tsx at run time cost ~36 MB) nor the compiler (~25 MB).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bin = dirname(fileURLToPath(import.meta.url));
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
await import(pathToFileURL(join(outdir, 'sluice.js')).href);
