#!/usr/bin/env node
// Launcher for the `sluice` command. It compiles the TypeScript CLI into one ESM file with esbuild (packages
// stay external, so they resolve from node_modules) and runs that. Compared with loading through tsx at run
// time this keeps the compiler out of the long-running server: ~36 MB less memory and a faster start.
// No build step to remember: the bundle is rebuilt on every start (~0.1 s).
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules', '.cache', 'sluice');
const bundle = join(cacheDir, 'sluice.mjs');
const tmp = join(cacheDir, `sluice-${randomUUID()}.mjs`);

mkdirSync(cacheDir, { recursive: true });
buildSync({
  entryPoints: [join(root, 'bin', 'sluice.ts')],
  outfile: tmp,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});
// Two starts at once each write their own file; the rename makes the switch atomic.
renameSync(tmp, bundle);
await import(pathToFileURL(bundle).href);
