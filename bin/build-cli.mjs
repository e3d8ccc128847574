// Compiles the TypeScript CLI into `outdir` (argv[2]) with esbuild. Run by bin/sluice.cjs in a child process,
// so the compiler's memory never counts against the long-running server.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
buildSync({
  entryPoints: [join(root, 'bin', 'sluice.ts')],
  outdir: process.argv[2],
  bundle: true,
  // Dynamically imported modules (the S3 adapter and its ~25 MB SDK) become chunks loaded only when used.
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});
