import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordBatchCommand, PutRecordCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type KinesisRecordWriter,
  SdkKinesisRecordWriter,
} from '../../lib/adapters/aws/kinesis-record-writer.ts';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { handleKinesisBatch } from '../../lib/aws/buffer.ts';
import { BufferLedger } from '../../lib/aws/buffer-ledger.ts';
import { EmfMetrics } from '../../lib/aws/emf.ts';
import { handleFlushMessages } from '../../lib/aws/flush.ts';
import { StagingStore } from '../../lib/aws/staging-store.ts';
import { STALE_CLAIM_MS, sweep } from '../../lib/aws/sweeper.ts';
import type { ObjectStore } from '../../lib/core/ports.ts';
import { REGION, startEmulators } from './support/emulators.ts';
import {
  allRecords,
  BACKUP,
  DEST,
  objects as objectsIn,
  type PipelineOptions,
  pipeline as pipelineIn,
  records,
  STAGING,
  text,
  type World,
} from './support/pipeline.ts';

/**
 * The AWS data path without AWS: the ingest, buffer, sweeper and flush handlers invoked the way API Gateway,
 * the Kinesis event source mapping, EventBridge and SQS invoke them, against kinesalite, dynalite and s3rver.
 */
const emf: string[] = [];
const metrics = new EmfMetrics('Sluice', (line) => emf.push(line));
let world: World;
let store: S3ObjectStore;
let staging: StagingStore;
let emulators: World['emulators'];

const pipeline = (options: PipelineOptions = {}) => pipelineIn(world, options);
const objects = (bucket: string, prefix: string) => objectsIn(world, bucket, prefix);

beforeAll(async () => {
  emulators = await startEmulators([DEST, BACKUP, STAGING]);
  store = new S3ObjectStore({
    region: REGION,
    endpoint: emulators.s3rver.endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  staging = new StagingStore(emulators.s3, STAGING);
  world = { emulators, store, staging, metrics };
});

afterAll(async () => {
  store?.destroy();
  await emulators?.stop();
});

describe('direct mode (hints within one event source mapping batch)', () => {
  it('delivers a PutRecordBatch from a stock SDK client to S3, each record once, with RecordIds', async () => {
    const p = await pipeline();
    const client = p.api.client();
    const sent = records(300, 'direct');
    const response = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent }),
    );
    expect(response.FailedPutCount).toBe(0);
    expect(response.Encrypted).toBe(true);
    const ids = response.RequestResponses!.map((entry) => entry.RecordId);
    expect(new Set(ids).size).toBe(300);
    const single = await client.send(
      new PutRecordCommand({ DeliveryStreamName: p.name, Record: { Data: Buffer.from('{"single":1}') } }),
    );
    expect(single.RecordId).toMatch(/^\d+$/);

    // Many producer records per Kinesis record: 300 + 1 records arrive in at most 2 Kinesis records.
    const batches = await p.mapping.poll();
    expect(batches.reduce((sum, batch) => sum + batch.event.Records.length, 0)).toBe(2);

    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    const found = await objects(DEST, p.prefix);
    expect(allRecords(found)).toEqual([...text(sent), '{"single":1}'].sort());
    for (const key of found.keys())
      expect(key).toMatch(
        new RegExp(
          `^${p.prefix}\\d{4}/\\d{2}/\\d{2}/\\d{2}/stream-\\d+-1-\\d{4}(-\\d{2}){5}-[0-9a-f-]{36}\\.gz$`,
        ),
      );
    client.destroy();
  });

  it('replays of the same Kinesis batch overwrite the same objects', async () => {
    const p = await pipeline();
    const client = p.api.client();
    const sent = records(50, 'replay');
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent }));
    const [batch] = await p.mapping.poll();
    await handleKinesisBatch(batch!.event, p.bufferDeps);
    await handleKinesisBatch(batch!.event, p.bufferDeps);
    const found = await objects(DEST, p.prefix);
    expect(found.size).toBe(1);
    expect(allRecords(found)).toEqual(text(sent).sort());
    client.destroy();
  });

  it('answers Firehose errors: unknown stream, over-limit record, bad signature', async () => {
    const p = await pipeline();
    const client = p.api.client();
    await expect(
      client.send(new PutRecordCommand({ DeliveryStreamName: 'nope', Record: { Data: Buffer.from('x') } })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: p.name,
          Records: [{ Data: new Uint8Array(1_024_001) }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const unsigned = await p.api.invoke({
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'Firehose_20150804.PutRecord', host: 'fakeapi' },
      body: '{}',
    } as never);
    expect(unsigned.statusCode).toBe(403);
    client.destroy();
  });

  it('reports per-record Kinesis failures as FailedPutCount entries; resending them loses nothing', async () => {
    // The first entry of the first two calls is refused (the handler retries once), so its records fail.
    const real = new SdkKinesisRecordWriter(emulators.kinesis);
    let calls = 0;
    const twiceFlaky: KinesisRecordWriter = {
      async putRecords(stream, entries) {
        if (++calls > 2) return real.putRecords(stream, entries);
        const results = await real.putRecords(stream, entries.slice(1));
        return [
          { ok: false, errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded' },
          ...results,
        ];
      },
    };
    const p = await pipeline({ kinesis: twiceFlaky });
    const client = p.api.client();
    const big = Array.from({ length: 6 }, (_, i) => ({ Data: Buffer.alloc(600_000, 97 + i) }));
    const response = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: big }),
    );
    // 600 KB records: one per Kinesis record, so exactly the first producer record failed.
    expect(response.FailedPutCount).toBe(1);
    expect(response.RequestResponses![0]).toEqual({
      ErrorCode: 'ServiceUnavailableException',
      ErrorMessage: 'Slow down.',
    });
    expect(response.RequestResponses!.slice(1).every((entry) => entry.RecordId)).toBe(true);
    const retry = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: [big[0]!] }),
    );
    expect(retry.FailedPutCount).toBe(0);
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    const delivered = [...(await objects(DEST, p.prefix)).values()].flat();
    expect(delivered.map((line) => line[0]).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    metrics.flush(Date.now());
    const throttled = emf
      .map((line) => JSON.parse(line))
      .filter((line) => line.DeliveryStreamName === p.name);
    expect(throttled.reduce((sum, line) => sum + (line.ThrottledRecords ?? 0), 0)).toBe(1);
    client.destroy();
  });
});

describe('staged mode (Firehose hints beyond the mapping: 900 s, up to 128 MiB)', () => {
  const hints = { SizeInMBs: 1, IntervalInSeconds: 900 };

  it('stages batches, and the sweeper flushes them once the interval has passed', async () => {
    const p = await pipeline({ hints });
    const client = p.api.client();
    const sent = [...records(100, 'a'), ...records(100, 'b')];
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent.slice(0, 100) }));
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent.slice(100) }));
    // A replayed batch (the mapping retrying after a timeout) stages the same chunk, not a new one.
    const [batch] = await p.mapping.poll();
    await handleKinesisBatch(batch!.event, p.bufferDeps);
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));

    expect(p.queue.messages).toEqual([]);
    expect((await p.ledger.openChunks('')).length).toBeGreaterThanOrEqual(2);
    const sweepDeps = { ...p.bufferDeps, nowMs: () => p.clock.nowMs };
    expect((await sweep(sweepDeps)).sealed).toEqual([]);
    p.clock.nowMs += 901_000;
    const result = await sweep(sweepDeps);
    expect(result.sealed).toHaveLength(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);

    expect(allRecords(await objects(DEST, p.prefix))).toEqual(text(sent).sort());
    expect(await p.ledger.pendingFlushes()).toEqual([]);
    expect(await p.ledger.openChunks('')).toEqual([]);
    client.destroy();
  });

  it('enqueues a flush as soon as a partition crosses the size hint', async () => {
    const p = await pipeline({ hints });
    const client = p.api.client();
    const sent = records(3, 'size', 500_000);
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent }));
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    expect(p.queue.messages.length).toBeGreaterThanOrEqual(1);
    await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps));
    p.clock.nowMs += 901_000;
    await sweep({ ...p.bufferDeps });
    await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps));
    expect(allRecords(await objects(DEST, p.prefix))).toEqual(text(sent).sort());
    client.destroy();
  });

  it('a flush killed between puts is re-driven without losing or duplicating objects', async () => {
    const p = await pipeline({ hints, backup: true });
    const client = p.api.client();
    const sent = records(120, 'killed');
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent }));
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    p.clock.nowMs += 901_000;
    await sweep({ ...p.bufferDeps });
    expect(p.queue.messages).toHaveLength(1);

    // 1st attempt: the data object is written, then the Lambda dies before the backup object.
    let puts = 0;
    const dying: ObjectStore = {
      async putObject(input) {
        if (puts++ === 1) throw new Error('Lambda killed');
        await store.putObject(input);
      },
    };
    expect(
      await p.queue.deliverTo((event) => handleFlushMessages(event, { ...p.flushDeps, store: dying })),
    ).toBe(1);
    // 2nd attempt: the deadline is near before anything is written; it stops and stays re-drivable.
    expect(
      await p.queue.deliverTo((event) =>
        handleFlushMessages(event, { ...p.flushDeps, remainingMs: () => 1_000 }),
      ),
    ).toBe(1);
    // 3rd attempt: the put succeeds but the Lambda dies before it is recorded; the re-drive rewrites the same key.
    let recorded = 0;
    const forgetful = Object.create(p.ledger) as BufferLedger;
    forgetful.markDelivered = async (flushId, role) => {
      if (recorded++ === 0) throw new Error('Lambda killed after the put');
      await p.ledger.markDelivered(flushId, role);
    };
    expect(
      await p.queue.deliverTo((event) => handleFlushMessages(event, { ...p.flushDeps, ledger: forgetful })),
    ).toBe(1);
    // The clean-up dies after the objects were all delivered: the re-drive only cleans up.
    const dyingStaging = Object.create(staging) as StagingStore;
    dyingStaging.delete = async () => {
      throw new Error('Lambda killed during clean-up');
    };
    expect(
      await p.queue.deliverTo((event) =>
        handleFlushMessages(event, { ...p.flushDeps, staging: dyingStaging }),
      ),
    ).toBe(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    // A duplicate message of a completed flush is a no-op.
    await p.queue.enqueue({ flushId: (await p.ledger.pendingFlushes())[0]?.flushId ?? 'gone' });
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);

    const data = await objects(DEST, p.prefix);
    const backup = await objects(BACKUP, `${p.prefix}source/`);
    expect(data.size).toBe(1);
    expect(backup.size).toBe(1);
    expect(allRecords(data)).toEqual(text(sent).sort());
    // The backup holds the source records as they arrived: no delimiter was appended.
    expect([...backup.values()][0]!.join('')).toBe(text(sent).join(''));
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('the sweeper finishes a claim whose claimer died before sealing it', async () => {
    const dying = Object.create(emulators.dynamodb) as DynamoDBClient;
    dying.send = (async (command: unknown) => {
      if (
        command instanceof UpdateItemCommand &&
        String(command.input.UpdateExpression).includes(':sealed')
      ) {
        throw new Error('Lambda killed mid-claim');
      }
      return emulators.dynamodb.send(command as never);
    }) as DynamoDBClient['send'];
    const p = await pipeline({ hints });
    const client = p.api.client();
    const sent = records(30, 'claim');
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: p.name, Records: sent }));
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    p.clock.nowMs += 901_000;
    const dyingLedger = new BufferLedger(dying, (p.ledger as unknown as { tableName: string }).tableName);
    // The partition's failure is logged and left to the next run (the sweep itself goes on).
    const log: string[] = [];
    const dyingSweep = await sweep({ ...p.bufferDeps, ledger: dyingLedger, log: (line) => log.push(line) });
    expect(dyingSweep).toEqual({ sealed: [], recovered: [] });
    expect(log).toEqual([expect.stringContaining('left to the next run: Error: Lambda killed mid-claim')]);
    expect(p.queue.messages).toEqual([]);
    // The chunks are claimed by a flush that never sealed: a sweep now neither loses nor double-claims them.
    expect(await sweep({ ...p.bufferDeps })).toEqual({ sealed: [], recovered: [] });
    p.clock.nowMs += STALE_CLAIM_MS;
    const recovered = await sweep({ ...p.bufferDeps });
    expect(recovered.recovered).toHaveLength(1);
    await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps));
    expect(allRecords(await objects(DEST, p.prefix))).toEqual(text(sent).sort());
    client.destroy();
  });
});

describe('EMF metrics', () => {
  it('uses Firehose metric names with the DeliveryStreamName dimension', () => {
    metrics.flush(Date.now());
    const lines = emf.map((line) => JSON.parse(line));
    const names = new Set(
      lines.flatMap((line) => line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)),
    );
    for (const name of [
      'IncomingRecords',
      'IncomingBytes',
      'PutRecordBatch.Records',
      'DeliveryToS3.Records',
      'BackupToS3.Bytes',
    ]) {
      expect(names.has(name)).toBe(true);
    }
    expect(lines[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['DeliveryStreamName']]);
  });
});
