import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
