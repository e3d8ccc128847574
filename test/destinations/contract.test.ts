import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationHarness } from './harnesses/harness.ts';
import { CONTRACT, contractCase, jsonRecords, START_MS } from './harnesses/harness.ts';
import { HttpEndpointHarness } from './harnesses/http-endpoint.harness.ts';
import { OpenSearchHarness } from './harnesses/opensearch.harness.ts';
import { RedshiftHarness } from './harnesses/redshift.harness.ts';
import {
  BACKUP_BUCKET,
  BUCKET,
  S3Harness,
  SDK_ATTEMPTS_PER_PUT,
  TRANSFORM_ARN,
} from './harnesses/s3.harness.ts';

/**
 * The destination contract (STYLE.md). The writers with a retry window (HTTP endpoint, OpenSearch, Redshift) each run
 * through their real adapter against a real server on 127.0.0.1 (a node:http receiver, the OpenSearch stand-in,
 * PostgreSQL 15), with a fake clock so no backoff is waited for. The S3 writer runs the same cases at the end of this
 * file, through the whole local runtime.
 */
const harnesses: DestinationHarness[] = [
  new HttpEndpointHarness(),
  new OpenSearchHarness(),
  new RedshiftHarness(),
];

const byId = (docs: Array<Record<string, unknown>>) => [...docs].sort((a, b) => Number(a.id) - Number(b.id));
const expectedDocs = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => ({ id: from + i, name: `name-${from + i}` }));

describe.each(harnesses.map((h) => [h.name, h] as const))('destination contract: %s', (_, harness) => {
  beforeAll(() => harness.start());
  afterAll(() => harness.stop());
  beforeEach(() => harness.reset());

  contractCase(harness, 'readable', async () => {
    const records = jsonRecords(5);
    const { result, sleeps } = await harness.deliver(records);
    expect(result.failed).toEqual([]);
    expect(result.delivered).toEqual(records);
    expect(result.attempts).toBe(1);
    expect(sleeps).toEqual([]);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(5));
  });

  contractCase(harness, 'retriable', async () => {
    harness.failTransiently(2);
    const records = jsonRecords(4);
    const { result, sleeps } = await harness.deliver(records);
    expect(result.failed).toEqual([]);
    expect(result.delivered).toEqual(records);
    expect(result.attempts).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThanOrEqual(sleeps[0]!);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(4));
  });

  contractCase(harness, 'retryWindow', async () => {
    harness.failTransiently(1000);
    const records = jsonRecords(3);
    const { result, sleeps } = await harness.deliver(records, 600);
    expect(result.delivered).toEqual([]);
    expect(result.failed.map((f) => f.record)).toEqual(records);
    for (const failed of result.failed) {
      expect(failed.errorCode).toBe(harness.transientErrorCode);
      expect(failed.attemptsMade).toBe(result.attempts);
      expect(failed.attemptEndingTimestamp).toBe(START_MS + sleeps.reduce((a, b) => a + b, 0));
    }
    // The waits fill the window exactly: the last attempt starts as it closes.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(600_000);
    expect(await harness.readDelivered()).toEqual([]);
  });

  contractCase(harness, 'permanent', async () => {
    const failure = await harness.failPermanently(jsonRecords(3, 101));
    const { result } = await harness.deliver(failure.records, failure.retryDurationSeconds);
    expect(result.delivered).toEqual([]);
    expect(
      result.failed.map((f) => ({
        record: f.record,
        errorCode: f.errorCode,
        attempts: f.attemptsMade,
        fields: f.fields,
      })),
    ).toEqual(
      failure.records.map((record) => ({
        record,
        errorCode: failure.errorCode,
        attempts: failure.attemptsMade,
        fields: failure.fields(record),
      })),
    );
    for (const failed of result.failed) {
      expect(failed.errorMessage.length).toBeGreaterThan(0);
      const output = await harness.errorOutputOf(failed);
      const expected = failure.errorOutput(failed.record);
      expect(output).toEqual(expected);
      expect(Object.keys(output)).toEqual(Object.keys(expected));
    }
    const ids = (await harness.readDelivered()).map((d) => d.id);
    expect(ids.filter((id) => Number(id) >= 101 || String(id).startsWith('text-'))).toEqual([]);
  });

  contractCase(harness, 'partial', async () => {
    harness.failItems!(2);
    const records = jsonRecords(6);
    const { result } = await harness.deliver(records);
    expect(result.failed).toEqual([]);
    expect(result.attempts).toBe(2);
    expect(harness.itemsPerAttempt!()).toEqual([6, 2]);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(6));
  });

  contractCase(harness, 'noDuplicate', async () => {
    harness.loseNextAcknowledgement!();
    const records = jsonRecords(5);
    const { result } = await harness.deliver(records);
    expect(result.attempts).toBe(2);
    expect(result.delivered).toEqual(records);
    expect(harness.itemsPerAttempt!()).toEqual([5, 5]);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(5));
  });
});

describe('destination contract: S3 (local runtime → fault proxy → s3rver)', () => {
  const s3 = new S3Harness();
  beforeAll(() => s3.start(), 30_000);
  afterAll(() => s3.stop());
  beforeEach(() => s3.reset());

  /** Every key under the stream's prefix in `bucket`, as the proxy sees it (`<bucket>/<key>`). */
  const under = (bucket: string, prefix: string) => new RegExp(`^${bucket}/${prefix}`);

  contractCase(s3, 'readable', async () => {
    const stream = await s3.createStream();
    await s3.put(stream, jsonRecords(5));
    const { status, stalls } = await s3.flush(stream);
    expect(stalls).toEqual([]);
    expect(status).toMatchObject({ deliveredRecords: 5, deliveredObjects: 1, attempts: 1 });
    expect(s3.proxy.requests.map((r) => [r.method, r.status])).toEqual([['PUT', 200]]);
    expect(byId(await s3.documents(stream.dataPrefix))).toEqual(expectedDocs(5));
  });

  contractCase(s3, 'retriable', async () => {
    const stream = await s3.createStream();
    const data = under(BUCKET, stream.dataPrefix);
    // One fault more than the SDK's own attempts, so the runtime backs off and retries the batch as well.
    s3.proxy.failNext({ target: data, count: SDK_ATTEMPTS_PER_PUT + 1, status: 503 });
    await s3.put(stream, jsonRecords(4));
    // The backoff's timing is test/integration/delivery-retry.test.ts's subject; here, what is retried.
    const { status, stalls } = await s3.flush(stream);
    // SlowDown is not one of §3.7's named S3 codes: Firehose logs it as InternalError and retries.
    expect(stalls.map((s) => s.lastError?.replace(/\): .*/s, ')'))).toEqual([
      expect.stringMatching(
        /^InternalError: PutObject s3:\/\/contract\/contract-\d+\/data\/.* \(SlowDown, HTTP 503\)$/,
      ),
    ]);
    expect(status).toMatchObject({ stalled: false, deliveredRecords: 4, deliveredObjects: 1, attempts: 2 });
    const puts = s3.proxy.puts(data);
    expect(puts.map((p) => p.status)).toEqual([503, 503, 503, 503, 200]);
    expect(new Set(puts.map((p) => p.key)).size).toBe(1);
    expect(byId(await s3.documents(stream.dataPrefix))).toEqual(expectedDocs(4));
  });

  contractCase(s3, 'retryWindow', async () => {});

  contractCase(s3, 'permanent', async () => {
    const stream = await s3.createStream({ transform: true });
    const records = [...jsonRecords(2), ...jsonRecords(2, 101), ...jsonRecords(1, 3)];
    const before = Date.now();
    await s3.put(stream, records);
    const after = Date.now();
    const { status } = await s3.flush(stream);
    expect(status).toMatchObject({ stalled: false, attempts: 1 });
    // The rest of the batch is delivered (§5.3) …
    expect(byId(await s3.documents(stream.dataPrefix))).toEqual(expectedDocs(3));
    // … and each failed record is one §4.2 document under processing-failed, in Firehose's observed key order.
    const errors = await s3.objects(`${stream.errorPrefix}processing-failed/`);
    expect(errors.size).toBe(1);
    const documents = await s3.documents(`${stream.errorPrefix}processing-failed/`);
    expect(documents.map((d) => Object.keys(d))).toEqual(
      Array(2).fill([
        'rawData',
        'errorCode',
        'errorMessage',
        'attemptsMade',
        'arrivalTimestamp',
        'attemptEndingTimestamp',
        'lambdaARN',
      ]),
    );
    expect(documents).toEqual(
      records.slice(2, 4).map((record) => ({
        rawData: Buffer.from(record.data).toString('base64'),
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'ProcessingFailed status set for record',
        attemptsMade: 1,
        arrivalTimestamp: expect.any(Number),
        attemptEndingTimestamp: expect.any(Number),
        lambdaARN: TRANSFORM_ARN,
      })),
    );
    for (const document of documents) {
      expect(document.arrivalTimestamp).toBeGreaterThanOrEqual(before);
      expect(document.arrivalTimestamp).toBeLessThanOrEqual(after);
      expect(document.attemptEndingTimestamp).toBeGreaterThanOrEqual(document.arrivalTimestamp as number);
    }
  });

  it(`${CONTRACT.permanent}: records that fail format conversion`, async () => {
    const stream = await s3.createStream({ conversion: true });
    const records = [...jsonRecords(2), { ...jsonRecords(1, 3)[0]!, data: Buffer.from('{"id": 3, "name"') }];
    await s3.put(stream, records);
    await s3.flush(stream);
    const parquet = [...(await s3.objects(stream.dataPrefix))];
    expect(parquet.map(([key]) => key.endsWith('.parquet'))).toEqual([true]);
    expect(await readParquet(parquet[0]![1])).toEqual(expectedDocs(2));
    const documents = await s3.documents(`${stream.errorPrefix}format-conversion-failed/`);
    expect(documents).toEqual([
      {
        attemptsMade: 1,
        arrivalTimestamp: expect.any(Number),
        lastErrorCode: 'DataFormatConversion.ParseError',
        lastErrorMessage: expect.any(String),
        attemptEndingTimestamp: expect.any(Number),
        rawData: Buffer.from('{"id": 3, "name"').toString('base64'),
        // Sluice's own position of the record in the stream's log (a Direct PUT record has no Kinesis one).
        sequenceNumber: expect.any(String),
        subSequenceNumber: 0,
        dataCatalogTable: {
          catalogId: expect.any(String),
          databaseName: 'contract',
          tableName: 'events',
          region: 'us-east-1',
          versionId: expect.any(String),
          catalogArn: expect.any(String),
        },
      },
    ]);
  });

  contractCase(s3, 'partial', async () => {
    const stream = await s3.createStream({ backup: true });
    const data = under(BUCKET, stream.dataPrefix);
    const backup = under(BACKUP_BUCKET, stream.backupPrefix);
    // The backup put fails through all of the SDK's attempts; the data put beside it succeeds.
    s3.proxy.failNext({ target: backup, count: SDK_ATTEMPTS_PER_PUT, status: 500 });
    const records = jsonRecords(6);
    await s3.put(stream, records);
    const { status, stalls } = await s3.flush(stream);
    expect(stalls).toHaveLength(1);
    expect(status).toMatchObject({ stalled: false, deliveredRecords: 6, deliveredObjects: 1, attempts: 2 });
    // The batch's retry put only the failed object again; the data object was written once.
    expect(s3.proxy.puts(data).map((p) => p.status)).toEqual([200]);
    const backupPuts = s3.proxy.puts(backup);
    expect(backupPuts.map((p) => p.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(backupPuts.map((p) => p.key)).size).toBe(1);
    expect(byId(await s3.documents(stream.dataPrefix))).toEqual(expectedDocs(6));
    // The backup holds the source records as they came in: no delimiter was appended to them (§3.5).
    const backupObjects = [...(await s3.objects(stream.backupPrefix, BACKUP_BUCKET)).values()];
    expect(backupObjects).toEqual([Buffer.concat(records.map((r) => r.data))]);
  });

  it(`${CONTRACT.partial}: an error output put fails beside a delivered data object`, async () => {
    const stream = await s3.createStream({ transform: true });
    const data = under(BUCKET, stream.dataPrefix);
    const errors = under(BUCKET, `${stream.errorPrefix}processing-failed/`);
    s3.proxy.failNext({ target: errors, count: SDK_ATTEMPTS_PER_PUT, status: 503 });
    await s3.put(stream, [...jsonRecords(3), ...jsonRecords(1, 101)]);
    const { status, stalls } = await s3.flush(stream);
    expect(stalls).toHaveLength(1);
    expect(status).toMatchObject({ stalled: false, deliveredRecords: 4, deliveredObjects: 1, attempts: 2 });
    expect(s3.proxy.puts(data).map((p) => p.status)).toEqual([200]);
    const errorPuts = s3.proxy.puts(errors);
    expect(errorPuts.map((p) => p.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(errorPuts.map((p) => p.key)).size).toBe(1);
    expect(byId(await s3.documents(stream.dataPrefix))).toEqual(expectedDocs(3));
    // One key across the attempts: the retry re-sent the planned object instead of processing the batch again.
    const [failed] = await s3.documents(`${stream.errorPrefix}processing-failed/`);
    expect(failed).toMatchObject({ errorCode: 'Lambda.ProcessingFailedStatus', attemptsMade: 1 });
  });

  contractCase(s3, 'noDuplicate', async () => {
    const stream = await s3.createStream({ backup: true });
    const data = under(BUCKET, stream.dataPrefix);
    // Every attempt of the first round lands in S3 but loses its acknowledgement, so the runtime retries the batch.
    s3.proxy.failNext({ target: data, count: SDK_ATTEMPTS_PER_PUT, status: 500, afterForwarding: true });
    await s3.put(stream, jsonRecords(5));
    const { status, stalls } = await s3.flush(stream);
    expect(stalls).toHaveLength(1);
    expect(status).toMatchObject({ deliveredRecords: 5, deliveredObjects: 1, attempts: 2 });
    // Every data put reached S3; the first round's acknowledgements were the proxy's injected errors.
    expect(s3.proxy.puts(data).map((p) => [p.reachedS3, p.faulted])).toEqual([
      ...Array(SDK_ATTEMPTS_PER_PUT).fill([true, true]),
      [true, false],
    ]);
    // The retried batch wrote the key set the first attempt planned, so S3 holds one object per key, no more.
    const dataKeys = new Set(s3.proxy.puts(data).map((p) => p.key));
    expect(dataKeys.size).toBe(1);
    expect([...(await s3.objects(stream.dataPrefix)).keys()]).toEqual([...dataKeys]);
    expect((await s3.objects(stream.backupPrefix, BACKUP_BUCKET)).size).toBe(1);
    expect(byId(await s3.documents(stream.dataPrefix))).toEqual(expectedDocs(5));
  });
});

async function readParquet(bytes: Buffer): Promise<Array<Record<string, unknown>>> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Array<Record<string, unknown>>;
}
