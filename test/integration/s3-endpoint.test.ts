import { gunzipSync } from 'node:zlib';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lib/local/runtime.ts';
import { type RestartableS3rver, startRestartableS3rver } from '../support/restartable-s3rver.ts';
import { S3RVER_CREDENTIALS } from '../support/s3rver.ts';
import { firehoseClient, type InProcessSluice, s3StreamInput, startSluice } from '../support/sluice.ts';
import { waitFor } from '../support/wait-for.ts';

const BUCKET = 'sluice-s3';

/** `<prefix>yyyy/MM/dd/HH/<stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>` (spec §3.1). */
const KEY =
  /^(?<prefix>[a-z]+\/)(?<path>\d{4}\/\d{2}\/\d{2}\/\d{2})\/(?<stream>[a-z-]+)-(?<version>\d+)-(?<time>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(?<ext>\.gz)?$/;

async function statusOf(runtime: LocalRuntime, name: string) {
  const status = (await runtime.status()).find((s) => s.name === name);
  if (!status) throw new Error(`no status for ${name}`);
  return status;
}

/** The UTC time of `ms` formatted as the key suffix does: yyyy-MM-dd-HH-mm-ss. */
function suffixTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '-');
}

describe('delivery to an S3-compatible endpoint (s3rver)', () => {
  let s3rver: RestartableS3rver;
  let sluice: InProcessSluice;
  let s3: S3Client;

  beforeAll(async () => {
    s3rver = await startRestartableS3rver([BUCKET]);
    sluice = await startSluice({
      s3: {
        endpoint: s3rver.endpoint,
        region: 'us-east-1',
        credentials: S3RVER_CREDENTIALS,
        forcePathStyle: true,
      },
    });
    s3 = new S3Client({
      endpoint: s3rver.endpoint,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await sluice?.close();
    await s3rver?.destroy();
  });

  async function listKeys(prefix: string): Promise<string[]> {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function getObject(key: string) {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return {
      body: Buffer.from(await out.Body!.transformToByteArray()),
      contentEncoding: out.ContentEncoding,
      contentType: out.ContentType,
    };
  }

  async function putRecords(stream: string, records: string[]): Promise<void> {
    const client = firehoseClient(sluice.endpoint);
    try {
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: stream,
          Records: records.map((r) => ({ Data: Buffer.from(r) })),
        }),
      );
      expect(out.FailedPutCount).toBe(0);
    } finally {
      client.destroy();
    }
  }

  it('writes GZIP and UNCOMPRESSED objects with Firehose key layout, Content-Encoding and exact bytes', async () => {
    await sluice.runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('ep-gzip', {
        BucketARN: `arn:aws:s3:::${BUCKET}`,
        Prefix: 'gz/',
        CompressionFormat: 'GZIP',
      }),
    );
    await sluice.runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('ep-plain', { BucketARN: `arn:aws:s3:::${BUCKET}`, Prefix: 'plain/' }),
    );
    const records = Array.from({ length: 200 }, (_, i) => `${JSON.stringify({ i })}\n`);
    const before = Date.now();
    await putRecords('ep-gzip', records);
    await putRecords('ep-plain', records);
    const after = Date.now();
    await sluice.runtime.flush();

    const expected = Buffer.from(records.join(''));
    const gzKeys = await listKeys('gz/');
    expect(gzKeys).toHaveLength(1);
    const gz = KEY.exec(gzKeys[0]!)?.groups;
    expect(gz).toMatchObject({ prefix: 'gz/', stream: 'ep-gzip', version: '1', ext: '.gz' });
    const time = gz?.time ?? 'missing';
    expect([suffixTime(before), suffixTime(after)]).toContain(time);
    // The date path and the suffix come from the same instant (the oldest record's arrival, spec §3.1).
    expect(gz?.path).toBe(time.slice(0, 13).replaceAll('-', '/'));
    const gzObject = await getObject(gzKeys[0]!);
    expect(gzObject.contentEncoding).toBe('gzip');
    expect(gzObject.contentType).toBe('application/octet-stream');
    expect(gunzipSync(gzObject.body).equals(expected)).toBe(true);

    const plainKeys = await listKeys('plain/');
    expect(plainKeys).toHaveLength(1);
    expect(KEY.exec(plainKeys[0]!)?.groups).toMatchObject({
      prefix: 'plain/',
      stream: 'ep-plain',
      version: '1',
      ext: undefined,
    });
    const plainObject = await getObject(plainKeys[0]!);
    expect(plainObject.contentEncoding).toBeUndefined();
    expect(plainObject.body.equals(expected)).toBe(true);
  });

  it('stalls while the endpoint is down, keeps the records and delivers them once after it is back', async () => {
    await sluice.runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('ep-outage', { BucketARN: `arn:aws:s3:::${BUCKET}`, Prefix: 'outage/' }),
    );
    await putRecords('ep-outage', ['a\n', 'b\n']);
    await sluice.runtime.flush('ep-outage');
    expect(await listKeys('outage/')).toHaveLength(1);

    await s3rver.stop();
    await putRecords('ep-outage', ['c\n', 'd\n', 'e\n']);
    const flushed = sluice.runtime.flush('ep-outage');

    // The first retry comes after ~1 s of backoff: wait for two failed attempts of the same batch.
    const stalled = await waitFor(
      'the stream to stall twice',
      async () => {
        const s = await statusOf(sluice.runtime, 'ep-outage');
        return s.stalled && s.attempts >= 3 ? s : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(stalled.lastError).toMatch(/^InternalError: PutObject s3:\/\/sluice-s3\/outage\/.*ECONNREFUSED/);
    expect(stalled.nextRetryAtMs).toBeGreaterThan(Date.now() - 100);
    expect(stalled.wal.pendingRecords).toBe(3);
    expect(stalled.deliveredRecords).toBe(2);
    // A bounded flush reports that it could not deliver everything instead of hanging.
    const bounded = await sluice.runtime.flush('ep-outage', 100);
    expect(bounded.complete).toBe(false);
    expect(bounded.streams).toMatchObject([{ name: 'ep-outage', stalled: true, deliveredRecords: 2 }]);
    expect(sluice.runtime.metrics.snapshot()['ep-outage']).toMatchObject({
      'Sluice.DeliveryStalled': 1,
      'DeliveryToS3.ObjectCount': 1,
    });
    expect(sluice.runtime.metrics.snapshot()['ep-outage']!['Sluice.DeliveryErrors']).toBeGreaterThanOrEqual(
      1,
    );

    await s3rver.start();
    // A second flush cuts the backoff short instead of waiting up to 2 s for the next attempt.
    await Promise.all([flushed, sluice.runtime.flush('ep-outage')]);

    const after = await statusOf(sluice.runtime, 'ep-outage');
    expect(after).toMatchObject({
      stalled: false,
      lastError: undefined,
      bufferedRecords: 0,
      deliveredRecords: 5,
      deliveredObjects: 2,
    });
    expect(after.wal.pendingRecords).toBe(0);
    expect(sluice.runtime.metrics.snapshot()['ep-outage']).toMatchObject({
      'Sluice.DeliveryStalled': 0,
      'DeliveryToS3.ObjectCount': 2,
      'DeliveryToS3.Records': 5,
    });

    // Every retry re-sent the one key planned for the batch: exactly one new object, nothing lost.
    const keys = await listKeys('outage/');
    expect(keys).toHaveLength(2);
    const bodies = await Promise.all(keys.map(async (k) => (await getObject(k)).body.toString()));
    expect(bodies.sort()).toEqual(['a\nb\n', 'c\nd\ne\n']);
  });
});
