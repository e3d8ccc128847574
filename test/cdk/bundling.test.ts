import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, expect, it } from 'vitest';
import { DeliveryStream, S3Bucket } from '../../lib/cdk/index.ts';
import { ENV } from './support.ts';

const outdir = mkdtempSync(join(tmpdir(), 'sluice-cdk-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The one synth that really bundles: each handler becomes an ESM bundle made by the local esbuild. */
it('bundles every handler with esbuild, offline, as ESM for Node 22', () => {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundled', { env: ENV });
  new DeliveryStream(stack, 'Clicks', {
    deliveryStreamName: 'clicks',
    destination: new S3Bucket(s3.Bucket.fromBucketName(stack, 'Dest', 'dest')),
    dashboard: false,
  });
  const template = Template.fromStack(stack);
  const functions = template.findResources('AWS::Lambda::Function');
  expect(Object.keys(functions)).toHaveLength(4);
  for (const fn of Object.values(functions)) {
    expect(fn.Properties.Handler).toBe('index.handler');
    const assetPath = `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`;
    const bundle = readFileSync(join(outdir, assetPath, 'index.mjs'), 'utf8');
    expect(bundle).toMatch(/export\{[^}]*as handler\}/);
    // The runtime provides the AWS SDK; the bundle imports it instead of carrying it.
    expect(bundle).toMatch(/from"@aws-sdk\/client-/);
    expect(existsSync(join(outdir, assetPath, 'index.mjs.map'))).toBe(true);
  }
});

/** Every file under a directory, in bytes: what Lambda unzips (its limit is 250 MB unzipped, layers included). */
function unzippedBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

it('keeps every Lambda package well under 250 MB unzipped (the flush Lambda carries conversion and processors)', () => {
  const assets = readdirSync(outdir).filter((name) => existsSync(join(outdir, name, 'index.mjs.map')));
  const sizes = assets.map((name) => ({
    name,
    handler: handlerOf(join(outdir, name)),
    bytes: unzippedBytes(join(outdir, name)),
    codeBytes: statSync(join(outdir, name, 'index.mjs')).size,
  }));
  console.log(
    `Lambda packages, unzipped: ${sizes.map((s) => `${s.handler} ${mib(s.bytes)} MiB (code ${mib(s.codeBytes)} MiB)`).join(', ')}`,
  );
  expect(sizes.map((s) => s.handler).sort()).toEqual(['buffer', 'flush', 'ingest', 'sweeper']);
  for (const { bytes } of sizes) expect(bytes).toBeLessThan(25 * 1_048_576);
  // The flush bundle holds the Parquet writer and the processors; the AWS SDK clients stay external.
  const flush = sizes.find((s) => s.handler === 'flush')!;
  const flushBundle = readFileSync(join(outdir, flush.name, 'index.mjs'), 'utf8');
  for (const client of ['client-glue', 'client-lambda'])
    expect(flushBundle).toContain(`from"@aws-sdk/${client}"`);
});

it('ships jq-web with the buffer Lambda, loadable from the bundle’s own directory (MetadataExtraction)', async () => {
  const assets = readdirSync(outdir).filter((name) => existsSync(join(outdir, name, 'index.mjs.map')));
  const buffer = assets.find((name) => handlerOf(join(outdir, name)) === 'buffer')!;
  const bundle = readFileSync(join(outdir, buffer, 'index.mjs'), 'utf8');
  // The adapter requires the package at run time; esbuild leaves the call for Node to resolve next to index.mjs.
  expect(bundle).toContain('"jq-web"');
  expect(readdirSync(join(outdir, buffer, 'node_modules', 'jq-web')).sort()).toEqual([
    'jq.js',
    'jq.wasm',
    'package.json',
  ]);
  // Resolved as the handler resolves it (the temporary directory has no other node_modules above it).
  const jq = await (createRequire(join(outdir, buffer, 'index.mjs'))('jq-web') as Promise<{
    raw(input: string, filter: string, flags?: string[]): string;
  }>);
  expect(jq.raw('{"customer":{"id":7}}', '{customer: .customer.id}', ['-c']).trim()).toBe('{"customer":7}');
  for (const name of assets.filter((name) => name !== buffer)) {
    expect(existsSync(join(outdir, name, 'node_modules'))).toBe(false);
  }
});

const mib = (bytes: number) => (bytes / 1_048_576).toFixed(2);

/** Which handler an asset is: the `lambda/<name>.ts` entry its source map lists. */
function handlerOf(assetDir: string): string {
  const { sources } = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as {
    sources: string[];
  };
  const entry = sources
    .map((source) => /(?:^|\/)lambda\/(flush|buffer|ingest|sweeper)\.ts$/.exec(source)?.[1])
    .find(Boolean);
  return entry ?? 'unknown';
}
