import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lib/adapters/local/fs-object-store.ts';
import type { LocalRuntime } from '../../lib/local/runtime.ts';
import { FailingStore, type FailingStoreOptions } from '../support/failing-store.ts';
import { type InProcessSluice, s3StreamInput, startSluice, tempDir } from '../support/sluice.ts';
import { waitFor } from '../support/wait-for.ts';

async function statusOf(runtime: LocalRuntime, name: string) {
  const status = (await runtime.status()).find((s) => s.name === name);
  if (!status) throw new Error(`no status for ${name}`);
  return status;
}

const putBatch = (runtime: LocalRuntime, name: string, records: string[]) =>
  runtime.execute('PutRecordBatch', {
    DeliveryStreamName: name,
    Records: records.map((r) => ({ Data: Buffer.from(r).toString('base64') })),
  });

describe('S3 delivery retries through a failing ObjectStore', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(options: FailingStoreOptions) {
    const dir = await tempDir('sluice-retry-');
    cleanups.push(dir.remove);
    const fs = new FsObjectStore(join(dir.path, 's3'));
    const store = new FailingStore(fs, options);
    const sluice: InProcessSluice = await startSluice({}, { dataDir: dir.path, store });
    cleanups.push(() => sluice.close());
    return { sluice, runtime: sluice.runtime, fs, store };
  }

  it('retries with exponential backoff, reports the stall, then clears it', { timeout: 20_000 }, async () => {
    const { runtime, fs, store } = await start({ failures: 2 });
    // Interval 0: delivery starts on put, so no flush cuts the backoff short.
    await runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('retry', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }),
    );
    await putBatch(runtime, 'retry', ['one|', 'two|', 'three|']);

    const stalled = await waitFor('a stall', async () => {
      const s = await statusOf(runtime, 'retry');
      return s.stalled ? s : undefined;
    });
    expect(stalled).toMatchObject({
      stalled: true,
      attempts: 1,
      lastError: 'InternalError: We encountered an internal error.',
      bufferedRecords: 0, // taken into the batch being retried …
      deliveredRecords: 0,
    });
    expect(stalled.wal.pendingRecords).toBe(3); // … but still in the log until delivered
    // First backoff: 1 s ± 15 % (lib/core/retry.ts S3_DELIVERY_BACKOFF).
    const firstCallMs = store.calls[0]!.atMs;
    expect(stalled.nextRetryAtMs! - firstCallMs).toBeGreaterThanOrEqual(850);
    expect(stalled.nextRetryAtMs! - firstCallMs).toBeLessThanOrEqual(1150 + 100);
    expect(runtime.metrics.snapshot().retry?.['Sluice.DeliveryStalled']).toBe(1);

    const delivered = await waitFor(
      'the delivery',
      async () => {
        const s = await statusOf(runtime, 'retry');
        return s.deliveredRecords === 3 ? s : undefined;
      },
      { timeoutMs: 8_000 },
    );
    expect(delivered).toMatchObject({
      stalled: false,
      attempts: 3,
      lastError: undefined,
      nextRetryAtMs: undefined,
      deliveredObjects: 1,
    });
    expect(delivered.wal.pendingRecords).toBe(0);

    // Three attempts at the same planned key, spaced ~1 s then ~2 s apart.
    expect(store.calls.map((c) => c.ok)).toEqual([false, false, true]);
    expect(new Set(store.calls.map((c) => c.key)).size).toBe(1);
    const gaps = [store.calls[1]!.atMs - store.calls[0]!.atMs, store.calls[2]!.atMs - store.calls[1]!.atMs];
    expect(gaps[0]).toBeGreaterThanOrEqual(850);
    expect(gaps[0]).toBeLessThan(1150 + 300);
    expect(gaps[1]).toBeGreaterThanOrEqual(1700);
    expect(gaps[1]).toBeLessThan(2300 + 300);

    expect(runtime.metrics.snapshot().retry).toMatchObject({
      'Sluice.DeliveryStalled': 0,
      'Sluice.DeliveryErrors': 2,
      'DeliveryToS3.ObjectCount': 1,
      'DeliveryToS3.Records': 3,
      'DeliveryToS3.Success': 1 / 3,
    });
    const keys = await fs.listObjects('test-bucket');
    expect(keys).toEqual([store.calls[0]!.key]);
    expect((await fs.getObject('test-bucket', keys[0]!))?.body.toString()).toBe('one|two|three|');
  });

  it('overwrites the same key when a put failed after writing (no duplicate object)', async () => {
    const { runtime, fs, store } = await start({ failures: 1, writeBeforeFailing: true });
    await runtime.execute('CreateDeliveryStream', s3StreamInput('lost-ack'));
    await putBatch(runtime, 'lost-ack', ['x', 'y']);
    // flush() cuts the backoff short on the way in; the second flush cuts the 1 s retry wait.
    const flushed = runtime.flush('lost-ack');
    await waitFor('a stall', async () => (await statusOf(runtime, 'lost-ack')).stalled);
    await Promise.all([flushed, runtime.flush('lost-ack')]);

    expect(store.calls.map((c) => c.ok)).toEqual([false, true]);
    expect(store.calls[0]!.key).toBe(store.calls[1]!.key);
    expect(await fs.listObjects('test-bucket')).toEqual([store.calls[0]!.key]);
    expect(await statusOf(runtime, 'lost-ack')).toMatchObject({ deliveredObjects: 1, deliveredRecords: 2 });
  });

  it('retries only the failed S3 backup put, never re-writing the delivered primary object', async () => {
    const { runtime, fs, store } = await start({
      failures: 2,
      matches: (input) => input.bucket === 'backup-bucket',
    });
    await runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('with-backup', {
        Prefix: 'primary/',
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        S3BackupMode: 'Enabled',
        S3BackupConfiguration: {
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          BucketARN: 'arn:aws:s3:::backup-bucket',
          Prefix: 'source/',
          CompressionFormat: 'GZIP',
        },
      }),
    );
    await putBatch(runtime, 'with-backup', ['{"a":1}', '{"b":2}', '{"c":3}']);
    const flushed = runtime.flush('with-backup');
    for (let stall = 1; stall <= 2; stall++) {
      await waitFor(`stall ${stall}`, async () => {
        const s = await statusOf(runtime, 'with-backup');
        return s.stalled && s.attempts === stall;
      });
      // Cut each backoff short: this test is about what is retried, not when.
      void runtime.flush('with-backup');
    }
    await flushed;

    const primaryCalls = store.calls.filter((c) => c.bucket === 'test-bucket');
    const backupCalls = store.calls.filter((c) => c.bucket === 'backup-bucket');
    expect(primaryCalls.map((c) => c.ok)).toEqual([true]);
    expect(backupCalls.map((c) => c.ok)).toEqual([false, false, true]);
    expect(new Set(backupCalls.map((c) => c.key)).size).toBe(1);

    const primaryKeys = await fs.listObjects('test-bucket');
    expect(primaryKeys).toHaveLength(1);
    expect(primaryKeys[0]).toMatch(/^primary\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/with-backup-1-/);
    expect((await fs.getObject('test-bucket', primaryKeys[0]!))?.body.toString()).toBe(
      '{"a":1}\n{"b":2}\n{"c":3}\n',
    );
    // The backup has its own bucket, prefix and compression, and holds the records before processing (§3.5).
    const backupKeys = await fs.listObjects('backup-bucket');
    expect(backupKeys).toEqual([backupCalls[0]!.key]);
    expect(backupKeys[0]).toMatch(/^source\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/with-backup-1-.*\.gz$/);
    const backup = await fs.getObject('backup-bucket', backupKeys[0]!);
    expect(backup?.contentEncoding).toBe('gzip');
    expect(gunzipSync(backup!.body).toString()).toBe('{"a":1}{"b":2}{"c":3}');

    expect(await statusOf(runtime, 'with-backup')).toMatchObject({
      stalled: false,
      attempts: 3,
      deliveredObjects: 1,
      deliveredRecords: 3,
    });
    expect(runtime.metrics.snapshot()['with-backup']).toMatchObject({
      'DeliveryToS3.Success': 1,
      'DeliveryToS3.ObjectCount': 1,
      'BackupToS3.Success': 1 / 3,
      'BackupToS3.ObjectCount': 1,
      'BackupToS3.Records': 3,
      'Sluice.DeliveryErrors': 2,
      'Sluice.DeliveryStalled': 0,
    });
  });
});
