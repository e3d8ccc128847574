import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lib/adapters/local/fs-object-store.ts';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  REPO_ROOT,
  s3StreamInput,
  startSluice,
} from '../support/sluice.ts';

const run = promisify(execFile);

async function cli(endpoint: string, args: string[]) {
  const { stdout } = await run(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'sluice.cjs'), ...args, '--endpoint', endpoint],
    {
      cwd: REPO_ROOT,
      timeout: 30_000,
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** A processing-failed document as §4.2 shows it (observed key order, `lambdaARN`). */
function failedDocument(record: string): string {
  return JSON.stringify({
    rawData: Buffer.from(record).toString('base64'),
    errorCode: 'Lambda.ProcessingFailedStatus',
    errorMessage: 'ProcessingFailed status set for record',
    attemptsMade: 1,
    arrivalTimestamp: 1_700_000_000_000,
    attemptEndingTimestamp: 1_700_000_001_000,
    lambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:enrich:$LATEST',
  });
}

describe('sluice replay', () => {
  let sluice: InProcessSluice;
  let store: FsObjectStore;

  beforeAll(async () => {
    sluice = await startSluice();
    store = new FsObjectStore(join(sluice.dataDir, 's3'));
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(
        s3StreamInput('replayed', {
          Prefix: 'out/',
          BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 900 },
        }),
      ),
    );
    const put = (key: string, body: Buffer, contentEncoding?: string) =>
      store.putObject({
        bucket: 'test-bucket',
        key,
        body,
        contentType: 'application/octet-stream',
        ...(contentEncoding ? { contentEncoding } : {}),
      });
    // Newline-separated documents, concatenated ones, a GZIP object, and one document that is not readable.
    await put('err/processing-failed/a', Buffer.from(`${failedDocument('r1')}\n${failedDocument('r2')}\n`));
    await put('err/processing-failed/b', Buffer.from(failedDocument('r3') + failedDocument('r4')));
    await put('err/processing-failed/c.gz', gzipSync(`${failedDocument('r5')}\n{"rawData": 42}\n`), 'gzip');
    await put('err/processing-failed/empty', Buffer.from('not json at all'));
  });

  afterAll(() => sluice?.close());

  it('re-ingests rawData of every error object, reports what it could not read, and marks what it replayed', async () => {
    const result = await cli(sluice.endpoint, [
      'replay',
      '--stream',
      'replayed',
      '--from',
      's3://test-bucket/err/',
    ]);
    expect(result).toMatchObject({ stream: 'replayed', objectsReplayed: 3, recordsReplayed: 5 });
    expect(result.objectsSkipped).toEqual([
      { key: 'err/processing-failed/c.gz', reason: 'partly: document 2 has no base64 rawData' },
      { key: 'err/processing-failed/empty', reason: 'document 1 is not valid JSON' },
    ]);
    await cli(sluice.endpoint, ['flush', '--stream', 'replayed']);
    const objects = await listEmbeddedObjects(sluice.dataDir, 'test-bucket');
    const delivered = [...objects].filter(([key]) => key.startsWith('out/'));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]![1].toString()).toBe('r1r2r3r4r5');
    expect([...objects.keys()].filter((key) => key.startsWith('.sluice-replayed/')).sort()).toEqual([
      '.sluice-replayed/err/processing-failed/a',
      '.sluice-replayed/err/processing-failed/b',
      '.sluice-replayed/err/processing-failed/c.gz',
    ]);
  });

  it('does not replay a marked object twice', async () => {
    const result = await cli(sluice.endpoint, [
      'replay',
      '--stream',
      'replayed',
      '--from',
      's3://test-bucket/err/',
    ]);
    expect(result).toMatchObject({ objectsReplayed: 0, recordsReplayed: 0 });
  });

  it('refuses an unknown stream and a malformed URL with Firehose error types', async () => {
    await expect(sluice.runtime.replay('nope', 's3://test-bucket/err/')).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
    });
    await expect(sluice.runtime.replay('replayed', 'test-bucket/err/')).rejects.toMatchObject({
      type: 'InvalidArgumentException',
    });
  });
});
