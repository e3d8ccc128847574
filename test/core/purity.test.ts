import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md: the core is pure. Time, ids and all I/O come in through ports, so a core file may import only
 * other core files and a short list of computation-only modules.
 */
const CORE = join(import.meta.dirname, '..', '..', 'lib', 'core');
const ALLOWED_PACKAGES = new Set(['node:zlib', 'node:buffer', 'node:util']);
const FORBIDDEN_CALLS: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'Date.now() (use the Clock port)'],
  [/\bnew Date\s*\(\s*\)/, 'new Date() without an instant (use the Clock port)'],
  [/\bperformance\.now\s*\(/, 'performance.now() (use the Clock port)'],
  [/\bMath\.random\s*\(/, 'Math.random() (use the IdSource port)'],
  [/\bcrypto\.(randomUUID|randomBytes|getRandomValues)\b/, 'crypto randomness (use the IdSource port)'],
  [/\bprocess\.(env|hrtime|stdout|stderr)\b/, 'process state (pass settings in)'],
  // setImmediate only yields to the event loop (no time is read), so long compressions may use it.
  [/\b(setTimeout|setInterval)\s*\(/, 'timers (the runtime schedules; the core is given the time)'],
  [/\brequire\s*\(/, 'require()'],
];

function coreFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return coreFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const match of source.matchAll(pattern)) specifiers.push((match[1] ?? match[2] ?? match[3])!);
  return specifiers;
}

function violations(file: string, source: string): string[] {
  const found: string[] = [];
  for (const specifier of importsOf(source)) {
    if (specifier.startsWith('.')) {
      const target = join(file, '..', specifier);
      if (relative(CORE, target).startsWith('..')) found.push(`imports ${specifier}, outside lib/core`);
    } else if (!ALLOWED_PACKAGES.has(specifier)) {
      found.push(`imports ${specifier}`);
    }
  }
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  for (const [pattern, what] of FORBIDDEN_CALLS) if (pattern.test(code)) found.push(`uses ${what}`);
  return found;
}

describe('lib/core purity', () => {
  const files = coreFiles(CORE);

  it('has core files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [relative(CORE, f), f]))(
    '%s imports no I/O, SDK, clock or randomness',
    (_, file) => {
      expect(violations(file, readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it('the checker itself catches each kind of violation', () => {
    const file = join(CORE, 'x.ts');
    const bad = [
      "import { readFile } from 'node:fs';",
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import * as cdk from 'aws-cdk-lib';",
      "import { x } from '../../local/runtime.ts';",
      'const t = Date.now();',
      'const r = Math.random();',
      'const d = new Date();',
      "const m = await import('node:http');",
    ];
    expect(bad.map((line) => violations(file, line).length)).toEqual(bad.map(() => 1));
    expect(violations(file, "import { gzip } from 'node:zlib';\nconst d = new Date(ms);")).toEqual([]);
  });
});
