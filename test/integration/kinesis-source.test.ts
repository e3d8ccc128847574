import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KinesisRecordMetadata } from '../../lib/core/records.ts';
import { recordAt } from '../../lib/core/records.ts';
import { WriteAheadLog } from '../../lib/local/wal/index.ts';
import {
  createKinesisStream,
  encodeKplRecord,
  KINESIS_CREDENTIALS,
  type Kinesalite,
  startKinesalite,
} from '../support/kinesalite.ts';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  REPO_ROOT,
  startSluice,
  tempDir,
} from '../support/sluice.ts';
import { waitFor } from '../support/wait-for.ts';

const STREAM = 'from-kinesis';
const BUCKET = 'kinesis-bucket';

/** What a record read from Kinesis must carry, keyed by its bytes. */
type Expected = Map<
  string,
  Omit<KinesisRecordMetadata, 'approximateArrivalTimestamp'> & { putBetween: [number, number] }
>;

/**
 * A KinesisStreamAsSource delivery stream reading a two-shard stream in kinesalite (spec §12): records put
 * before the delivery stream existed are not read, plain and KPL-aggregated records are delivered with their
 * Kinesis metadata kept in the write-ahead log, and records put while Sluice is stopped are read after the
 * restart from the per-shard checkpoints. The steps build on each other, so they run in order in one test.
 */
describe('Kinesis data stream as source', () => {
  let kinesis: Kinesalite;
  let streamArn: string;
  let dir: { path: string; remove(): Promise<void> };
  let sluice: InProcessSluice | undefined;

  beforeAll(async () => {
    kinesis = await startKinesalite();
    streamArn = await createKinesisStream(kinesis.client, 'clicks', 2);
    dir = await tempDir('sluice-kinesis-');
  });
  afterAll(async () => {
    await sluice?.close();
    await kinesis?.close();
    await dir?.remove();
  });

  const config = () => ({
    kinesis: {
      endpoint: kinesis.endpoint,
      region: 'us-east-1',
      credentials: KINESIS_CREDENTIALS,
      pollIntervalMs: 50,
    },
    deliveryStreams: [
      {
        DeliveryStreamName: STREAM,
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: streamArn,
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        },
        ExtendedS3DestinationConfiguration: {
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          BucketARN: `arn:aws:s3:::${BUCKET}`,
          Prefix: 'clicks/',
          // Nothing is delivered before the explicit flush, so the records wait in the log to be inspected.
          BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
        },
      },
    ],
  });
  const start = async () => {
    sluice = await startSluice(config(), { dataDir: join(dir.path, 'data') });
    return sluice;
  };
  const stop = async () => {
    await sluice?.close();
    sluice = undefined;
  };
  const streamStatus = async () => (await sluice!.runtime.status()).find((s) => s.name === STREAM)!;

  /** Puts newline-terminated records; returns where Kinesis put each (shard, sequence number). */
  async function putPlain(expected: Expected, lines: string[], key: (i: number) => string): Promise<void> {
    const before = Date.now();
    const out = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: lines.map((line, i) => ({ PartitionKey: key(i), Data: Buffer.from(`${line}\n`) })),
      }),
    );
    const after = Date.now();
    expect(out.FailedRecordCount).toBe(0);
    out.Records!.forEach((entry, i) => {
      expected.set(`${lines[i]}\n`, {
        shardId: entry.ShardId!,
        partitionKey: key(i),
        sequenceNumber: entry.SequenceNumber!,
        subsequenceNumber: 0,
        putBetween: [before, after],
      });
    });
  }

  it('reads plain and KPL records from every shard with their metadata, and again after a restart', async () => {
    const expected: Expected = new Map();

    // Already in the stream before the delivery stream exists: never read (reading starts at LATEST).
    const stale: Expected = new Map();
    await putPlain(stale, ['stale-0', 'stale-1', 'stale-2'], (i) => `stale-${i}`);
    const staleUntil = Date.now();
    await waitFor('the clock to pass the stale records', () => Date.now() > staleUntil);

    await start();
    await putPlain(
      expected,
      Array.from({ length: 20 }, (_, i) => `plain-${i}`),
      (i) => `user-${i % 7}`,
    );
    const subRecords = [
      { partitionKey: 'kpl-a', data: Buffer.from('kpl-0\n') },
      { partitionKey: 'kpl-b', data: Buffer.from('kpl-1\n') },
      { partitionKey: 'kpl-a', data: Buffer.from('kpl-2\n') },
    ];
    const kplBefore = Date.now();
    const kpl = await kinesis.client.send(
      new PutRecordCommand({
        StreamName: 'clicks',
        PartitionKey: 'kpl-a',
        Data: encodeKplRecord(subRecords),
      }),
    );
    subRecords.forEach((sub, subsequenceNumber) => {
      expected.set(sub.data.toString(), {
        shardId: kpl.ShardId!,
        partitionKey: sub.partitionKey,
        sequenceNumber: kpl.SequenceNumber!,
        subsequenceNumber,
        putBetween: [kplBefore, Date.now()],
      });
    });
    // Both shards got records, so both readers are exercised.
    expect(new Set([...expected.values()].map((m) => m.shardId)).size).toBe(2);

    await waitFor('23 records read from Kinesis', async () => (await streamStatus()).bufferedRecords === 23);
    const status = await streamStatus();
    expect(status.kinesisSource).toMatchObject({ streamArn, lastError: undefined });
    expect(status.kinesisSource!.shards.map((s) => [s.shardId, s.state])).toEqual([
      ['shardId-000000000000', 'reading'],
      ['shardId-000000000001', 'reading'],
    ]);
    expect(status.kinesisSource!.shards.reduce((sum, s) => sum + s.recordsRead, 0)).toBe(23);

    // Producers write to the Kinesis stream, not to the delivery stream (spec §1.3).
    const put = firehoseClient(sluice!.endpoint).send(
      new PutRecordBatchCommand({ DeliveryStreamName: STREAM, Records: [{ Data: Buffer.from('x') }] }),
    );
    await expect(put).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      message: 'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
    });

    // The metadata is in the write-ahead log: stop without delivering and read the log as a restart would.
    await stop();
    const walDir = join(dir.path, 'data', 'streams', STREAM, 'wal');
    const { log, replayed } = await WriteAheadLog.open(walDir);
    await log.close();
    const logged = new Map<string, KinesisRecordMetadata>();
    for (const run of replayed) {
      expect(run.kinesis).toHaveLength(run.ends.length);
      // A run's arrival time is its oldest record's ApproximateArrivalTimestamp.
      expect(run.arrivalMs).toBe(Math.min(...run.kinesis!.map((m) => m.approximateArrivalTimestamp)));
      run.kinesis!.forEach((m, i) => {
        logged.set(Buffer.from(recordAt(run, i)).toString(), m);
      });
    }
    expect([...logged.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [data, want] of expected) {
      const { putBetween, ...metadata } = want;
      const got = logged.get(data)!;
      expect({ data, ...got, approximateArrivalTimestamp: undefined }).toEqual({
        data,
        ...metadata,
        approximateArrivalTimestamp: undefined,
      });
      expect(got.approximateArrivalTimestamp).toBeGreaterThanOrEqual(putBetween[0]);
      expect(got.approximateArrivalTimestamp).toBeLessThanOrEqual(putBetween[1]);
    }

    // Put while Sluice is stopped: read after the restart from the checkpoints (AFTER_SEQUENCE_NUMBER).
    await putPlain(
      expected,
      Array.from({ length: 10 }, (_, i) => `while-stopped-${i}`),
      (i) => `late-${i}`,
    );
    await start();
    await waitFor('33 records buffered', async () => (await streamStatus()).bufferedRecords >= 33);
    const flushed = await sluice!.runtime.flush(STREAM, 20_000);
    expect(flushed.complete).toBe(true);

    const objects = await listEmbeddedObjects(join(dir.path, 'data'), BUCKET);
    const lines = [...objects.values()].flatMap((body) => body.toString().split('\n').filter(Boolean));
    const duplicates = lines.length - new Set(lines).size;
    expect([...new Set(lines)].sort()).toEqual([...expected.keys()].map((k) => k.trimEnd()).sort());
    // Each stop was graceful, so every checkpoint was written after its put: nothing is read twice.
    expect(duplicates).toBe(0);
    expect([...objects.keys()].every((key) => key.startsWith('clicks/'))).toBe(true);
  });

  it('retries records refused by a full buffer until they fit, and re-reads after a lost checkpoint', async () => {
    const arn = await createKinesisStream(kinesis.client, 'busy', 1);
    const dataDir = join(dir.path, 'busy');
    const busyConfig = {
      ...config(),
      // A few records' worth: most puts are refused with "Slow down." until deliveries drain the buffer.
      maxBufferedBytesPerStream: 120,
      deliveryStreams: [
        {
          DeliveryStreamName: 'busy',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: {
            KinesisStreamARN: arn,
            RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          },
          ExtendedS3DestinationConfiguration: {
            RoleARN: 'arn:aws:iam::000000000000:role/firehose',
            BucketARN: `arn:aws:s3:::${BUCKET}`,
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          },
        },
      ],
    };
    const lines = Array.from({ length: 60 }, (_, i) => `busy-${String(i).padStart(3, '0')}`);
    const delivered = async (): Promise<string[]> => {
      const objects = await listEmbeddedObjects(dataDir, BUCKET);
      return [...objects.values()].flatMap((body) => body.toString().split('\n').filter(Boolean));
    };

    let busy = await startSluice(busyConfig, { dataDir });
    try {
      await kinesis.client.send(
        new PutRecordsCommand({
          StreamName: 'busy',
          Records: lines.map((line) => ({ PartitionKey: line, Data: Buffer.from(`${line}\n`) })),
        }),
      );
      await waitFor('60 records delivered', async () => new Set(await delivered()).size === 60, {
        timeoutMs: 20_000,
      });
      expect(busy.runtime.metrics.snapshot().busy?.ThrottledRecords).toBeGreaterThan(0);
    } finally {
      await busy.close();
    }
    expect((await delivered()).sort()).toEqual(lines);

    // A crash after the log append but before the checkpoint write: the records are read, and delivered, again.
    await rm(join(dataDir, 'streams', 'busy', 'kinesis-checkpoints.json'));
    busy = await startSluice(busyConfig, { dataDir });
    try {
      await waitFor('the records read a second time', async () => (await delivered()).length === 120, {
        timeoutMs: 20_000,
      });
    } finally {
      await busy.close();
    }
    const again = await delivered();
    expect(again.length - new Set(again).size).toBe(60);
    expect([...new Set(again)].sort()).toEqual(lines);
  });

  it("the transform Lambda sees sourceKinesisStreamArn and each record's kinesisRecordMetadata (spec §5.1, §12)", async () => {
    const arn = await createKinesisStream(kinesis.client, 'echoed', 1);
    const dataDir = join(dir.path, 'echoed');
    const echoed = await startSluice(
      {
        ...config(),
        lambdaFunctions: {
          echo: `${join(REPO_ROOT, 'test', 'fixtures', 'transforms', 'conformance.mjs')}#echoEvent`,
        },
        deliveryStreams: [
          {
            DeliveryStreamName: 'echoed',
            DeliveryStreamType: 'KinesisStreamAsSource',
            KinesisStreamSourceConfiguration: {
              KinesisStreamARN: arn,
              RoleARN: 'arn:aws:iam::000000000000:role/firehose',
            },
            ExtendedS3DestinationConfiguration: {
              RoleARN: 'arn:aws:iam::000000000000:role/firehose',
              BucketARN: `arn:aws:s3:::${BUCKET}`,
              Prefix: 'echoed/',
              BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
              ProcessingConfiguration: {
                Enabled: true,
                Processors: [
                  {
                    Type: 'Lambda',
                    Parameters: [
                      {
                        ParameterName: 'LambdaArn',
                        ParameterValue: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
                      },
                    ],
                  },
                  { Type: 'AppendDelimiterToRecord' },
                ],
              },
            },
          },
        ],
      },
      { dataDir },
    );
    try {
      const plain = await kinesis.client.send(
        new PutRecordCommand({ StreamName: 'echoed', PartitionKey: 'p1', Data: Buffer.from('plain') }),
      );
      const kpl = await kinesis.client.send(
        new PutRecordCommand({
          StreamName: 'echoed',
          PartitionKey: 'outer',
          Data: encodeKplRecord([
            { partitionKey: 'k-a', data: Buffer.from('sub-0') },
            { partitionKey: 'k-b', data: Buffer.from('sub-1') },
          ]),
        }),
      );
      await waitFor('3 records read', async () => {
        const status = (await echoed.runtime.status()).find((s) => s.name === 'echoed');
        return status?.bufferedRecords === 3;
      });
      expect((await echoed.runtime.flush('echoed', 20_000)).complete).toBe(true);
      const objects = await listEmbeddedObjects(dataDir, BUCKET);
      const events = [...objects.entries()]
        .filter(([key]) => key.startsWith('echoed/'))
        .flatMap(([, body]) => body.toString().split('\n').filter(Boolean))
        .map((line) => JSON.parse(line));
      expect(events.map((e) => [e.sourceKinesisStreamArn, e.region])).toEqual(
        Array(3).fill([arn, 'us-east-1']),
      );
      expect(
        events.map((e) => {
          const { approximateArrivalTimestamp, ...metadata } = e.record.kinesisRecordMetadata;
          expect(approximateArrivalTimestamp).toBeTypeOf('number');
          return [e.record.data, metadata];
        }),
      ).toEqual([
        [
          'plain',
          {
            shardId: plain.ShardId,
            partitionKey: 'p1',
            sequenceNumber: plain.SequenceNumber,
            subsequenceNumber: 0,
          },
        ],
        [
          'sub-0',
          {
            shardId: kpl.ShardId,
            partitionKey: 'k-a',
            sequenceNumber: kpl.SequenceNumber,
            subsequenceNumber: 0,
          },
        ],
        [
          'sub-1',
          {
            shardId: kpl.ShardId,
            partitionKey: 'k-b',
            sequenceNumber: kpl.SequenceNumber,
            subsequenceNumber: 1,
          },
        ],
      ]);
    } finally {
      await echoed.close();
    }
  });
});
