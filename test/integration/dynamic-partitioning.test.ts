import { execFile } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lib/adapters/local/fs-object-store.ts';
import { FailingStore } from '../support/failing-store.ts';
import { createKinesisStream, KINESIS_CREDENTIALS, startKinesalite } from '../support/kinesalite.ts';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  REPO_ROOT,
  s3StreamInput,
  spawnSluice,
  startSluice,
  tempDir,
} from '../support/sluice.ts';
import { waitFor } from '../support/wait-for.ts';

const ENRICH = 'arn:aws:lambda:us-east-1:000000000000:function:enrich';

const metadataExtraction = (query: string) => ({
  Type: 'MetadataExtraction',
  Parameters: [
    { ParameterName: 'MetadataExtractionQuery', ParameterValue: query },
    { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
  ],
});

/** A stream with dynamic partitioning on, at Firehose's minimum hints: only a flush delivers in these tests. */
function partitionedStream(name: string, prefix: string, processors: unknown[], retrySeconds = 300) {
  return s3StreamInput(name, {
    BucketARN: 'arn:aws:s3:::partitioned',
    Prefix: prefix,
    ErrorOutputPrefix: `${name}-errors/!{firehose:error-output-type}/`,
    BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
    DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: retrySeconds } },
    ProcessingConfiguration: { Enabled: true, Processors: processors },
  });
}

const jsonRecords = (values: unknown[]) => values.map((v) => ({ Data: Buffer.from(JSON.stringify(v)) }));
const lines = (body: Buffer) =>
  body
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const under = (objects: Map<string, Buffer>, prefix: string) =>
  [...objects].filter(([key]) => key.startsWith(prefix));

describe('dynamic partitioning in the local runtime (spec §6)', () => {
  let sluice: InProcessSluice;

  beforeAll(async () => {
    sluice = await startSluice({
      lambdaFunctions: { [ENRICH]: join(REPO_ROOT, 'examples', 'transforms', 'enrich.mjs#handler') },
    });
  });
  afterAll(() => sluice?.close());

  const create = (input: unknown) =>
    firehoseClient(sluice.endpoint).send(new CreateDeliveryStreamCommand(input as never));
  const put = async (stream: string, records: Array<{ Data: Buffer }>) => {
    for (let at = 0; at < records.length; at += 500) {
      const out = await firehoseClient(sluice.endpoint).send(
        new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: records.slice(at, at + 500) }),
      );
      expect(out.FailedPutCount).toBe(0);
    }
  };
  const flush = async (stream: string) => {
    const result = await sluice.runtime.flush(stream, 60_000);
    expect(result.complete).toBe(true);
    return listEmbeddedObjects(sluice.dataDir, 'partitioned');
  };

  it('keys from the Lambda and from MetadataExtraction (run after it) each fill their own namespace; missing keys go to the error prefix (§4.2)', async () => {
    await create(
      partitionedStream(
        'clicks',
        'clicks/customer=!{partitionKeyFromLambda:customer}/device=!{partitionKeyFromQuery:device}/enriched=!{partitionKeyFromQuery:enriched}/',
        [
          { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: ENRICH }] },
          // `processedAt` only exists after the transform, so `enriched` shows the query ran after it. Its
          // `customer` must not replace the Lambda's in `!{partitionKeyFromLambda:customer}`.
          metadataExtraction(
            '{device: .device, enriched: has("processedAt"), customer: ("query-" + .customer_id)}',
          ),
        ],
      ),
    );
    await put('clicks', [
      ...jsonRecords([
        { customer_id: 'acme', device: 'phone', n: 1 },
        { customer_id: 'acme', device: 'tablet', n: 2 },
        { customer_id: 'zen', device: 'phone', n: 3 },
        { customer_id: 'acme', device: 'phone', n: 4 },
        // The Lambda gives `customer`; the query has no `device` for these.
        { customer_id: 'acme', n: 5 },
        { customer_id: 'zen', device: null, n: 6 },
      ]),
      { Data: Buffer.from('not json') },
    ]);
    const objects = await flush('clicks');

    const partitions = under(objects, 'clicks/').map(([key, body]) => [
      key.slice(0, key.lastIndexOf('/') + 1),
      lines(body).map((r) => r.n),
    ]);
    expect(partitions.sort()).toEqual([
      ['clicks/customer=acme/device=phone/enriched=true/', [1, 4]],
      ['clicks/customer=acme/device=tablet/enriched=true/', [2]],
      ['clicks/customer=zen/device=phone/enriched=true/', [3]],
    ]);
    for (const [key, body] of under(objects, 'clicks/')) {
      expect(key).toMatch(/\/clicks-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}$/);
      expect(lines(body).every((r) => typeof r.processedAt === 'string')).toBe(true);
    }

    const errors = under(objects, 'clicks-errors/');
    expect(errors.map(([key]) => key.split('/')[1])).toEqual(['processing-failed']);
    const documents = lines(errors[0]![1]);
    const byData = new Map(documents.map((d) => [Buffer.from(String(d.rawData), 'base64').toString(), d]));
    const transformFailed = byData.get('not json')!;
    expect(Object.keys(transformFailed)).toEqual([
      'rawData',
      'errorCode',
      'errorMessage',
      'attemptsMade',
      'arrivalTimestamp',
      'attemptEndingTimestamp',
      'lambdaARN',
    ]);
    expect(transformFailed).toMatchObject({
      errorCode: 'Lambda.ProcessingFailedStatus',
      attemptsMade: 1,
      lambdaARN: ENRICH,
    });
    // The keyless records failed after the transform: their rawData is the transformed record, no lambdaARN.
    const keyless = documents.filter((d) => d !== transformFailed);
    expect(keyless).toHaveLength(2);
    for (const document of keyless) {
      expect(Object.keys(document)).toEqual([
        'rawData',
        'errorCode',
        'errorMessage',
        'attemptsMade',
        'arrivalTimestamp',
        'attemptEndingTimestamp',
      ]);
      expect(document.errorCode).toBe('DynamicPartitioning.MetadataExtractionFailed');
      expect(document.attemptsMade).toBe(1);
      expect(typeof document.arrivalTimestamp).toBe('number');
    }
    expect(
      keyless.map((d) => JSON.parse(Buffer.from(String(d.rawData), 'base64').toString()).n).sort(),
    ).toEqual([5, 6]);
  });

  it('backs up the source records of every processed batch, before any processor ran (§3.5)', async () => {
    const input = partitionedStream('backedup', 'backedup/k=!{partitionKeyFromQuery:k}/', [
      metadataExtraction('{k: .k}'),
    ]);
    await create({
      ...input,
      ExtendedS3DestinationConfiguration: {
        ...input.ExtendedS3DestinationConfiguration,
        S3BackupMode: 'Enabled',
        S3BackupConfiguration: {
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          BucketARN: 'arn:aws:s3:::partitioned',
          Prefix: 'source/',
        },
      },
    });
    await put('backedup', jsonRecords([{ k: 'a' }, { k: 'b' }, { x: 1 }]));
    const objects = await flush('backedup');
    const backup = under(objects, 'source/');
    expect(backup).toHaveLength(1);
    expect(backup[0]![1].toString()).toBe('{"k":"a"}{"k":"b"}{"x":1}');
    expect(
      under(objects, 'backedup/')
        .map(([key]) => key.split('/')[1])
        .sort(),
    ).toEqual(['k=a', 'k=b']);
    expect(under(objects, 'backedup-errors/processing-failed/')).toHaveLength(1);
  });

  it('1,000 distinct keys with a limit of 500: exactly the records beyond the limit are under activePartitionExceeded', async () => {
    await create(
      partitionedStream('wide', 'wide/k=!{partitionKeyFromQuery:k}/', [
        metadataExtraction('{k: .k}'),
        { Type: 'AppendDelimiterToRecord' },
      ]),
    );
    // Keys 0..999 in order, then all of them again: partitions open in arrival order, so keys 0..499 are admitted.
    const values = [
      ...Array.from({ length: 1000 }, (_, k) => k),
      ...Array.from({ length: 1000 }, (_, k) => k),
    ];
    await put('wide', jsonRecords(values.map((k, i) => ({ k: `key${String(k).padStart(4, '0')}`, i }))));
    const objects = await flush('wide');

    const delivered = new Map<string, number[]>();
    for (const [key, body] of under(objects, 'wide/')) {
      const partition = key.split('/')[1]!;
      const records = lines(body);
      expect(records.every((r) => `k=${r.k}` === partition)).toBe(true);
      delivered.set(partition, [...(delivered.get(partition) ?? []), ...records.map((r) => r.i as number)]);
    }
    const admitted = Array.from({ length: 500 }, (_, k) => `k=key${String(k).padStart(4, '0')}`);
    expect([...delivered.keys()].sort()).toEqual(admitted);
    expect([...delivered.values()].every((is) => is.length === 2)).toBe(true);

    const exceeded = under(objects, 'wide-errors/').flatMap(([key, body]) => {
      expect(key.split('/')[1]).toBe('activePartitionExceeded');
      return lines(body);
    });
    expect(Object.keys(exceeded[0]!)).toEqual([
      'rawData',
      'errorCode',
      'errorMessage',
      'attemptsMade',
      'arrivalTimestamp',
      'attemptEndingTimestamp',
    ]);
    const refused = exceeded.map((d) => JSON.parse(Buffer.from(String(d.rawData), 'base64').toString()));
    expect(refused.every((r) => Number(String(r.k).slice(3)) >= 500)).toBe(true);
    expect(new Set(refused.map((r) => r.i)).size).toBe(1000);
    const deliveredCount = [...delivered.values()].reduce((sum, is) => sum + is.length, 0);
    expect([deliveredCount, refused.length, deliveredCount + refused.length]).toEqual([1000, 1000, 2000]);

    const status = (await sluice.runtime.status()).find((s) => s.name === 'wide')!;
    expect(status.partitions).toEqual({ active: 0, bufferedRecords: 0 });
  });
});

describe('dynamic partitioning across an UpdateDestination (spec §1.9, §6)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  // A transform that passes records through once a gate file exists, and says when it was called: it holds a batch
  // inside processing while the test updates the stream.
  const GATED = `import { existsSync, writeFileSync } from 'node:fs';
const dir = new URL('.', import.meta.url).pathname;
export const handler = async (event) => {
  writeFileSync(dir + 'entered', '');
  while (!existsSync(dir + 'gate')) await new Promise((resolve) => setTimeout(resolve, 10));
  return { records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })) };
};
`;

  it('a batch in processing when the query and prefix change is written as its configuration says; the next batch as the new one does', async () => {
    const dir = await tempDir('sluice-dp-update-');
    cleanups.push(dir.remove);
    await writeFile(join(dir.path, 'gated.mjs'), GATED);
    const sluice = await startSluice(
      { lambdaFunctions: { gated: join(dir.path, 'gated.mjs#handler') } },
      { dataDir: join(dir.path, 'data') },
    );
    cleanups.push(() => sluice.close());
    const client = firehoseClient(sluice.endpoint);
    await client.send(
      new CreateDeliveryStreamCommand(
        partitionedStream('upd', 'upd/v1/k=!{partitionKeyFromQuery:k}/', [
          { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: 'gated' }] },
          metadataExtraction('{k: .k}'),
          { Type: 'AppendDelimiterToRecord' },
        ]) as never,
      ),
    );
    await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'upd',
        Records: jsonRecords([{ k: 'a', c: 'x', n: 1 }]),
      }),
    );
    await waitFor('the first batch in the transform', () =>
      access(join(dir.path, 'entered')).then(
        () => true,
        () => false,
      ),
    );
    const { DeliveryStreamDescription: described } = await client.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'upd' }),
    );
    await client.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'upd',
        CurrentDeliveryStreamVersionId: described!.VersionId!,
        DestinationId: described!.Destinations![0]!.DestinationId!,
        ExtendedS3DestinationUpdate: {
          Prefix: 'upd/v2/c=!{partitionKeyFromQuery:c}/',
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [metadataExtraction('{c: .c}'), { Type: 'AppendDelimiterToRecord' }] as never,
          },
        },
      }),
    );
    await writeFile(join(dir.path, 'gate'), '');
    await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'upd',
        Records: jsonRecords([{ k: 'b', c: 'y', n: 2 }]),
      }),
    );
    client.destroy();
    expect((await sluice.runtime.flush('upd', 30_000)).complete).toBe(true);

    const objects = await listEmbeddedObjects(join(dir.path, 'data'), 'partitioned');
    const written = [...objects].map(([key, body]) => {
      const name = key.slice(key.lastIndexOf('/') + 1);
      return [key.slice(0, key.lastIndexOf('/') + 1), name.slice(0, name.indexOf('-', 4) + 1), lines(body)];
    });
    expect(written.sort()).toEqual([
      ['upd/v1/k=a/', 'upd-1-', [{ k: 'a', c: 'x', n: 1 }]],
      ['upd/v2/c=y/', 'upd-2-', [{ k: 'b', c: 'y', n: 2 }]],
    ]);
  });
});

describe('RetryOptions of dynamic partitioning (spec §3.7, §6)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A stream whose first put of a partition object fails with S3's InternalError. */
  async function failingOnce(durationSeconds: number) {
    const dir = await tempDir('sluice-dp-retry-');
    cleanups.push(dir.remove);
    const store = new FailingStore(new FsObjectStore(join(dir.path, 's3')), {
      failures: 1,
      matches: (input) => input.key.startsWith('retry/'),
    });
    const sluice = await startSluice({}, { dataDir: dir.path, store });
    cleanups.push(() => sluice.close());
    await sluice.runtime.execute(
      'CreateDeliveryStream',
      partitionedStream(
        'retry',
        'retry/k=!{partitionKeyFromQuery:k}/',
        [metadataExtraction('{k: .k}')],
        durationSeconds,
      ),
    );
    await sluice.runtime.execute('PutRecordBatch', {
      DeliveryStreamName: 'retry',
      Records: [{ k: 'a', n: 1 }].map((r) => ({ Data: Buffer.from(JSON.stringify(r)).toString('base64') })),
    });
    const flushed = await sluice.runtime.flush('retry', 30_000);
    expect(flushed.complete).toBe(true);
    return { objects: await listEmbeddedObjects(dir.path, 'partitioned'), store };
  }

  it('retries a failed partition object within the window', async () => {
    const { objects, store } = await failingOnce(300);
    expect(store.calls.filter((c) => c.key.startsWith('retry/')).map((c) => c.ok)).toEqual([false, true]);
    expect([...objects.keys()].map((k) => k.slice(0, k.lastIndexOf('/') + 1))).toEqual(['retry/k=a/']);
  });

  it('past the window, writes the partition records under the error prefix with the S3 error code', async () => {
    const { objects } = await failingOnce(0);
    const keys = [...objects.keys()];
    expect(keys.map((k) => k.split('/').slice(0, 2).join('/'))).toEqual(['retry-errors/processing-failed']);
    const [document] = lines(objects.get(keys[0]!)!);
    expect(document).toMatchObject({ errorCode: 'S3.InternalError', attemptsMade: 1 });
    expect(JSON.parse(Buffer.from(String(document!.rawData), 'base64').toString())).toEqual({ k: 'a', n: 1 });
  });
});

describe('dynamic partitioning of a KinesisStreamAsSource stream (spec §5.1, §12)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  // Partition keys from what the transform's event carries: the source stream's ARN and each record's shard.
  const SOURCE_AWARE = `export const handler = async (event) => ({
  records: event.records.map((r) => ({
    recordId: r.recordId,
    result: 'Ok',
    data: r.data,
    metadata: {
      partitionKeys: {
        source: String(event.sourceKinesisStreamArn).split('/').pop(),
        shard: String(r.kinesisRecordMetadata?.shardId),
      },
    },
  })),
});
`;

  it('the transform sees the source stream ARN and the Kinesis metadata, and its keys partition the records', {
    timeout: 60_000,
  }, async () => {
    const kinesis = await startKinesalite();
    cleanups.push(() => kinesis.close());
    const streamArn = await createKinesisStream(kinesis.client, 'orders', 1);
    const dir = await tempDir('sluice-dp-kinesis-');
    cleanups.push(dir.remove);
    await writeFile(join(dir.path, 'source-aware.mjs'), SOURCE_AWARE);
    const partitioned = partitionedStream(
      'orders',
      'orders/source=!{partitionKeyFromLambda:source}/!{partitionKeyFromLambda:shard}/k=!{partitionKeyFromQuery:k}/',
      [
        { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: 'source-aware' }] },
        metadataExtraction('{k: .k}'),
      ],
    );
    const sluice = await startSluice(
      {
        kinesis: {
          endpoint: kinesis.endpoint,
          region: 'us-east-1',
          credentials: KINESIS_CREDENTIALS,
          pollIntervalMs: 50,
        },
        lambdaFunctions: { 'source-aware': join(dir.path, 'source-aware.mjs#handler') },
        deliveryStreams: [
          {
            ...partitioned,
            DeliveryStreamType: 'KinesisStreamAsSource',
            KinesisStreamSourceConfiguration: {
              KinesisStreamARN: streamArn,
              RoleARN: 'arn:aws:iam::000000000000:role/firehose',
            },
          },
        ],
      },
      { dataDir: join(dir.path, 'data') },
    );
    cleanups.push(() => sluice.close());
    const out = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: 'orders',
        Records: ['a', 'b', 'a'].map((k, i) => ({
          PartitionKey: `p${i}`,
          Data: Buffer.from(JSON.stringify({ k, i })),
        })),
      }),
    );
    expect(out.FailedRecordCount).toBe(0);
    await waitFor('the records in the log', async () => {
      const status = (await sluice.runtime.status()).find((s) => s.name === 'orders');
      return (status?.wal.pendingRecords ?? 0) >= 3;
    });
    expect((await sluice.runtime.flush('orders', 30_000)).complete).toBe(true);

    const objects = await listEmbeddedObjects(join(dir.path, 'data'), 'partitioned');
    const partitions = under(objects, 'orders/').map(([key, body]) => [
      key.slice(0, key.lastIndexOf('/') + 1),
      lines(Buffer.from(body.toString().replaceAll('}{', '}\n{'))).map((r) => r.i),
    ]);
    expect(partitions.sort()).toEqual([
      ['orders/source=orders/shardId-000000000000/k=a/', [0, 2]],
      ['orders/source=orders/shardId-000000000000/k=b/', [1]],
    ]);
  });
});

describe('dynamic partitioning survives kill -9', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('records acknowledged before the kill are all delivered to their partitions after the restart', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir('sluice-dp-crash-');
    cleanups.push(dir.remove);
    const config = join(dir.path, 'sluice.json');
    await writeFile(
      config,
      JSON.stringify({
        streamActivationDelayMs: 0,
        deliveryStreams: [
          partitionedStream('crash', 'crash/k=!{partitionKeyFromQuery:k}/', [
            metadataExtraction('{k: .k}'),
            { Type: 'AppendDelimiterToRecord' },
          ]),
        ],
      }),
    );
    const args = ['--data-dir', join(dir.path, 'data'), '--config', config];
    const flushCli = (endpoint: string) =>
      promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, 'bin', 'sluice.cjs'), 'flush', '--stream', 'crash', '--endpoint', endpoint],
        { cwd: REPO_ROOT },
      );
    const acknowledged = new Set<number>();
    let next = 0;
    for (let round = 0; round < 3; round++) {
      const sluice = await spawnSluice(args);
      const client = firehoseClient(sluice.endpoint);
      for (let call = 0; call < 6; call++) {
        const ids = Array.from({ length: 200 }, () => next++);
        const out = await client.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: 'crash',
            Records: jsonRecords(ids.map((i) => ({ k: `p${i % 37}`, i }))),
          }),
        );
        out.RequestResponses!.forEach((r, j) => {
          if (r.RecordId) acknowledged.add(ids[j]!);
        });
      }
      // Kill while a flush is delivering partitions (some written, some not), or before it starts.
      const flushing = flushCli(sluice.endpoint).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50 + round * 150));
      await sluice.kill('SIGKILL');
      await flushing;
      client.destroy();
    }
    const sluice = await spawnSluice(args);
    const flushed = JSON.parse((await flushCli(sluice.endpoint)).stdout);
    expect(flushed.streams[0]).toMatchObject({ name: 'crash', bufferedRecords: 0, stalled: false });
    await sluice.kill('SIGTERM');

    const delivered = new Set<number>();
    for (const [key, body] of await listEmbeddedObjects(join(dir.path, 'data'), 'partitioned')) {
      expect(key).toMatch(/^crash\/k=p\d+\/crash-1-/);
      for (const record of lines(body)) {
        expect(key.startsWith(`crash/k=${record.k}/`)).toBe(true);
        delivered.add(record.i as number);
      }
    }
    expect(acknowledged.size).toBe(3600);
    expect([...acknowledged].filter((i) => !delivered.has(i))).toEqual([]);
  });
});
