import { join } from 'node:path';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { handleKinesisBatch } from '../../lib/aws/buffer.ts';
import type { BufferLedger } from '../../lib/aws/buffer-ledger.ts';
import { awsDeliveryAdapters } from '../../lib/aws/delivery-adapters.ts';
import { EmfMetrics } from '../../lib/aws/emf.ts';
import { handleFlushMessages } from '../../lib/aws/flush.ts';
import { StagingStore } from '../../lib/aws/staging-store.ts';
import { sweep } from '../../lib/aws/sweeper.ts';
import type { ObjectStore } from '../../lib/core/ports.ts';
import { REGION, startEmulators } from './support/emulators.ts';
import { type LambdaStandIn, loadHandler, startLambdaStandIn } from './support/lambda-stand-in.ts';
import {
  ACCOUNT,
  BACKUP,
  DEST,
  objects,
  type Pipeline,
  type PipelineOptions,
  pipeline as pipelineIn,
  STAGING,
  type World,
} from './support/pipeline.ts';

/**
 * Dynamic partitioning on the AWS data path (spec §6): the buffer Lambda processes each Kinesis batch (the Lambda
 * transform through a stand-in Invoke endpoint, MetadataExtraction with jq-web) and stages one chunk per evaluated
 * prefix; the sweeper seals each partition; the flush Lambda writes one object per partition. Against kinesalite,
 * dynalite and s3rver.
 */
let world: World;
let lambda: LambdaStandIn;
const emf: string[] = [];

beforeAll(async () => {
  const emulators = await startEmulators([DEST, BACKUP, STAGING]);
  const store = new S3ObjectStore({
    region: REGION,
    endpoint: emulators.s3rver.endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  world = {
    emulators,
    store,
    staging: new StagingStore(emulators.s3, STAGING),
    metrics: new EmfMetrics('Sluice', (line) => emf.push(line)),
  };
  lambda = await startLambdaStandIn({
    enrich: await loadHandler(join(import.meta.dirname, '../../examples/transforms/enrich.mjs')),
    // A function that never answers: every call ends at its timeout.
    hang: () => new Promise(() => {}),
  });
});

afterAll(async () => {
  world?.store.destroy();
  await world?.emulators.stop();
  await lambda?.stop();
});

const ENRICH_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:enrich`;
const HANG_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:hang`;

/** A partitioned stream: keys from a jq query, or from the transform Lambda. */
function partitionedConfig(
  source: 'query' | 'lambda',
  options: { backup?: boolean; retrySeconds?: number; functionArn?: string; query?: string } = {},
) {
  return (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      BucketARN: `arn:aws:s3:::${DEST}`,
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      Prefix:
        source === 'query'
          ? `${prefix}customer=!{partitionKeyFromQuery:customer}/`
          : `${prefix}customer=!{partitionKeyFromLambda:customer}/year=!{partitionKeyFromLambda:year}/`,
      ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
      CompressionFormat: 'GZIP',
      // Spec §6: at least 64 MiB and 60 s.
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      DynamicPartitioningConfiguration: {
        Enabled: true,
        ...(options.retrySeconds === undefined
          ? {}
          : { RetryOptions: { DurationInSeconds: options.retrySeconds } }),
      },
      ProcessingConfiguration: {
        Enabled: true,
        Processors:
          source === 'query'
            ? [
                {
                  Type: 'MetadataExtraction',
                  Parameters: [
                    {
                      ParameterName: 'MetadataExtractionQuery',
                      ParameterValue: options.query ?? '{customer: .customer}',
                    },
                    { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
                  ],
                },
                { Type: 'AppendDelimiterToRecord' },
              ]
            : [
                {
                  Type: 'Lambda',
                  Parameters: [
                    { ParameterName: 'LambdaArn', ParameterValue: options.functionArn ?? ENRICH_ARN },
                    { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
                  ],
                },
              ],
      },
      ...(options.backup
        ? {
            S3BackupMode: 'Enabled',
            S3BackupConfiguration: {
              BucketARN: `arn:aws:s3:::${BACKUP}`,
              RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
              Prefix: `${prefix}source/`,
            },
          }
        : {}),
    },
  });
}

const pipeline = (options: PipelineOptions) => pipelineIn(world, options);
const lambdaAdapters: PipelineOptions['adapters'] = (stream) =>
  awsDeliveryAdapters(
    stream,
    { region: REGION, accountId: ACCOUNT },
    {
      glue: () => {
        throw new Error('No conversion here.');
      },
      lambda: () =>
        new LambdaClient({
          region: REGION,
          endpoint: lambda.endpoint,
          credentials: { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'secret' },
          maxAttempts: 1,
        }),
      destinations: () => {
        throw new Error('These streams deliver to S3.');
      },
    },
  );

async function put(p: Pipeline, lines: string[]): Promise<void> {
  const client = p.api.client();
  const response = await client.send(
    new PutRecordBatchCommand({
      DeliveryStreamName: p.name,
      Records: lines.map((line) => ({ Data: Buffer.from(line) })),
    }),
  );
  expect(response.FailedPutCount).toBe(0);
  client.destroy();
}

/** The buffer Lambda over every pending Kinesis batch. */
const buffer = (p: Pipeline) => p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));

/** The interval passes, the sweeper seals every partition, the flush Lambda runs each flush. */
async function sweepAndFlush(p: Pipeline, flushDeps = p.flushDeps): Promise<number> {
  p.clock.nowMs = Date.now() + 61_000;
  await sweep(p.bufferDeps);
  return p.queue.deliverTo((event) => handleFlushMessages(event, flushDeps));
}

/** Objects under a prefix as key (relative to it, without the file name) → sorted records. */
async function byPartition(p: Pipeline, under = ''): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (const [key, lines] of await objects(world, DEST, `${p.prefix}${under}`)) {
    const folder = key.slice(p.prefix.length, key.lastIndexOf('/') + 1);
    result.set(folder, [...(result.get(folder) ?? []), ...lines].sort());
  }
  return result;
}

/** The §4.2 documents under the stream's error prefix for one error-output type. */
async function errorDocuments(p: Pipeline, type: string): Promise<Array<Record<string, unknown>>> {
  const found = await objects(world, DEST, `${p.prefix}errors/${type}/`);
  return [...found.values()].flat().map((line) => JSON.parse(line));
}

const rawDataOf = (document: Record<string, unknown>) =>
  Buffer.from(String(document.rawData), 'base64').toString();

describe('keys from partitionKeyFromQuery (MetadataExtraction with jq-web in the buffer Lambda)', () => {
  it('writes one object per partition, each with exactly its records; missing keys go to the error prefix', async () => {
    const p = await pipeline({ config: partitionedConfig('query', { backup: true }) });
    const sent = [
      '{"customer":"acme","n":1}',
      '{"customer":"globex","n":2}',
      '{"customer":"acme","n":3}',
      '{"n":4}',
      'not json',
      '{"customer":"initech","n":5}',
    ];
    await put(p, sent.slice(0, 3));
    await put(p, sent.slice(3));
    await buffer(p);
    // Staged per partition: each evaluated prefix has its own open buffer in the ledger.
    expect(
      (await p.ledger.partitions())
        .filter((partition) => partition.openBytes > 0)
        .map((partition) => partition.partition)
        .sort(),
    ).toEqual([`${p.prefix}customer=acme/`, `${p.prefix}customer=globex/`, `${p.prefix}customer=initech/`]);
    expect(p.queue.messages).toEqual([]);

    expect(await sweepAndFlush(p)).toBe(0);
    expect(await byPartition(p, 'customer=')).toEqual(
      new Map([
        ['customer=acme/', ['{"customer":"acme","n":1}', '{"customer":"acme","n":3}']],
        ['customer=globex/', ['{"customer":"globex","n":2}']],
        ['customer=initech/', ['{"customer":"initech","n":5}']],
      ]),
    );
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf).sort()).toEqual(['not json', '{"n":4}']);
    for (const document of failed) {
      // The dynamic-partitioning variant of §4.2: no lambdaARN.
      expect(Object.keys(document).sort()).toEqual([
        'arrivalTimestamp',
        'attemptEndingTimestamp',
        'attemptsMade',
        'errorCode',
        'errorMessage',
        'rawData',
      ]);
      expect(document.errorCode).toBe('DynamicPartitioning.MetadataExtractionFailed');
    }
    // The source backup holds every record as it arrived, written by the buffer Lambda.
    const backup = [...(await objects(world, BACKUP, `${p.prefix}source/`)).values()].flat().join('');
    for (const line of sent) expect(backup).toContain(line);
    // Every partition is delivered and forgotten: none is active any more.
    expect(await p.ledger.activePartitions()).toEqual(new Set());
    expect(await p.ledger.pendingFlushes()).toEqual([]);
    // The next sweep forgets the empty partitions, so past prefixes are not swept forever.
    expect((await p.ledger.partitions()).length).toBe(3);
    await sweep(p.bufferDeps);
    expect(await p.ledger.partitions()).toEqual([]);
  });
});

describe('a prefix too long in bytes for S3 and the ledger', () => {
  it('sends its records to the error prefix instead of failing the batch forever', async () => {
    const p = await pipeline({ config: partitionedConfig('query') });
    // 310 characters of 3 bytes each: under Firehose's 512 characters, over 1,024 bytes with the file name.
    const wide = `{"customer":"${'€'.repeat(310)}"}`;
    await put(p, [wide, '{"customer":"ok"}']);
    await buffer(p);
    expect(await sweepAndFlush(p)).toBe(0);
    expect(await byPartition(p, 'customer=')).toEqual(new Map([['customer=ok/', ['{"customer":"ok"}']]]));
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf)).toEqual([wide]);
    expect(failed[0]!.errorCode).toBe('DynamicPartitioning.PrefixTooLong');
  });
});

describe('keys from partitionKeyFromLambda (the transform runs in the buffer Lambda)', () => {
  it('partitions by the keys the transform returns; dropped records vanish, failed ones keep lambdaARN', async () => {
    const p = await pipeline({ config: partitionedConfig('lambda'), adapters: lambdaAdapters });
    await put(p, [
      '{"customer_id":"c1","n":1}',
      '{"customer_id":"c2","n":2}',
      '{"type":"heartbeat"}',
      '[1,2]',
      '{"customer_id":"c1","n":3}',
    ]);
    await buffer(p);
    expect(await sweepAndFlush(p)).toBe(0);
    const year = new Date().getUTCFullYear();
    const found = await byPartition(p, 'customer=');
    expect([...found.keys()].sort()).toEqual([`customer=c1/year=${year}/`, `customer=c2/year=${year}/`]);
    expect(found.get(`customer=c1/year=${year}/`)!.map((line) => JSON.parse(line).n)).toEqual([1, 3]);
    expect(found.get(`customer=c2/year=${year}/`)!.map((line) => JSON.parse(line).processedAt)).toHaveLength(
      1,
    );
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf)).toEqual(['[1,2]']);
    expect(failed[0]).toMatchObject({ errorCode: 'Lambda.ProcessingFailedStatus', lambdaARN: ENRICH_ARN });
  });
});

describe('a batch that would fail the same way on every replay', () => {
  /** The buffer Lambda given `runMs` before its timeout (the deployed one has 15 minutes), failing at the first throw. */
  const bufferWithin = (p: Pipeline, runMs: number) =>
    p.mapping.drain((event) => {
      const timeoutAtMs = Date.now() + runMs;
      return handleKinesisBatch(event, {
        ...p.bufferDeps,
        remainingMs: () => timeoutAtMs - Date.now(),
        deadlineMarginMs: 500,
      });
    }, 0);

  it('a transform that never answers ends as processing-failed in one run, not replayed forever (spec §5.3)', async () => {
    const p = await pipeline({
      config: partitionedConfig('lambda', { functionArn: HANG_ARN }),
      adapters: lambdaAdapters,
    });
    await put(p, ['{"customer_id":"c1","n":1}']);
    // Four attempts of the 5-minute timeout cannot fit in one run: the calls are bounded by the run, and a call
    // ended by that bound (or not made, once the time is spent) is a timed-out attempt.
    await bufferWithin(p, 2_500);
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf)).toEqual(['{"customer_id":"c1","n":1}']);
    expect(failed[0]).toMatchObject({
      attemptsMade: 4,
      errorCode: 'Lambda.FunctionError',
      errorMessage: expect.stringContaining('timeout errors'),
      lambdaARN: HANG_ARN,
    });
    expect(await p.ledger.partitions()).toEqual([]);
    expect(await sweepAndFlush(p)).toBe(0);
    expect(await byPartition(p, 'customer=')).toEqual(new Map());
  });

  it('a MetadataExtraction query that does not compile sends the batch to the error prefix', async () => {
    const p = await pipeline({ config: partitionedConfig('query', { query: '{customer: .customer' }) });
    const sent = ['{"customer":"acme","n":1}', '{"customer":"globex","n":2}'];
    await put(p, sent);
    await bufferWithin(p, 60_000);
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf).sort()).toEqual(sent);
    for (const document of failed) {
      expect(document).toMatchObject({ attemptsMade: 1, errorCode: 'Sluice.ProcessingError' });
      expect(String(document.errorMessage)).toMatch(/^The batch could not be processed: /);
    }
    expect(await p.ledger.partitions()).toEqual([]);
  });
});

describe('each partition flushes on its own hints', () => {
  it('seals a partition when its own interval has passed, not when another partition’s has', async () => {
    let arrivalMs = Date.UTC(2026, 0, 1, 12, 0, 0);
    const p = await pipeline({ config: partitionedConfig('query'), ingestNowMs: () => arrivalMs });
    await put(p, ['{"customer":"early","n":1}']);
    await buffer(p);
    arrivalMs += 40_000;
    await put(p, ['{"customer":"late","n":2}', '{"customer":"early","n":3}']);
    await buffer(p);

    // 61 s after the first records: only the partition whose oldest record is that old is due.
    p.clock.nowMs = Date.UTC(2026, 0, 1, 12, 1, 1);
    expect((await sweep(p.bufferDeps)).sealed).toHaveLength(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect(await byPartition(p)).toEqual(
      new Map([['customer=early/', ['{"customer":"early","n":1}', '{"customer":"early","n":3}']]]),
    );
    expect((await p.ledger.openChunks(`${p.prefix}customer=late/`)).length).toBe(1);

    p.clock.nowMs += 40_000;
    expect((await sweep(p.bufferDeps)).sealed).toHaveLength(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect((await byPartition(p)).get('customer=late/')).toEqual(['{"customer":"late","n":2}']);
    // Objects are named by their oldest record's arrival (spec §3.1).
    const keys = [...(await objects(world, DEST, p.prefix)).keys()].sort();
    expect(keys[0]).toMatch(new RegExp(`^${p.prefix}customer=early/.*-2026-01-01-12-00-00-`));
    expect(keys[1]).toMatch(new RegExp(`^${p.prefix}customer=late/.*-2026-01-01-12-00-40-`));
  });

  it('enqueues a partition as soon as its own open bytes cross the size hint', async () => {
    const p = await pipeline({ config: partitionedConfig('query') });
    // A size hint of 100 bytes stands in for 64 MiB: the rule is the same, the test stays small.
    const deps = { ...p.bufferDeps, plan: { ...p.bufferDeps.plan, sizeBytes: 100 } };
    const big = `{"customer":"big","pad":"${'x'.repeat(120)}"}`;
    await put(p, [big, '{"customer":"small"}']);
    await p.mapping.drain((event) => handleKinesisBatch(event, deps));
    expect(p.queue.messages).toHaveLength(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect(await byPartition(p)).toEqual(new Map([['customer=big/', [big]]]));
    expect((await p.ledger.openChunks(`${p.prefix}customer=small/`)).length).toBe(1);
  });
});

describe('the active-partition limit (spec §6)', () => {
  it('refuses records that would open a partition past the limit, across batches, until partitions deliver', async () => {
    const p = await pipeline({ config: partitionedConfig('query'), activePartitionLimit: 3 });
    const first = ['a', 'b', 'c', 'd', 'e', 'a'].map((customer, n) => `{"customer":"${customer}","n":${n}}`);
    await put(p, first);
    await buffer(p);
    // A later batch: partitions already open take records, a new one is refused while three are active.
    const second = ['{"customer":"b","n":10}', '{"customer":"f","n":11}'];
    await put(p, second);
    await buffer(p);
    expect(await sweepAndFlush(p)).toBe(0);

    const delivered = await byPartition(p, 'customer=');
    expect([...delivered.keys()].sort()).toEqual(['customer=a/', 'customer=b/', 'customer=c/']);
    const exceeded = await errorDocuments(p, 'activePartitionExceeded');
    expect(exceeded.map(rawDataOf).sort()).toEqual(
      ['{"customer":"d","n":3}', '{"customer":"e","n":4}', '{"customer":"f","n":11}'].sort(),
    );
    expect(exceeded[0]!.errorCode).toBe('DynamicPartitioning.ActivePartitionsLimitExceeded');
    // The counts add up: every record is in exactly one place.
    const total = [...delivered.values()].flat().length + exceeded.length;
    expect(total).toBe(first.length + second.length);
    // Spec §6 metrics, with Firehose's names.
    world.metrics.flush(Date.now());
    const gauges = emf
      .map((line) => JSON.parse(line))
      .filter((line) => line.DeliveryStreamName === p.name && 'PartitionCount' in line);
    expect(gauges.map((line) => [line.PartitionCount, line.PartitionCountExceeded])).toContainEqual([3, 1]);

    // Delivered partitions stop counting: a new customer is taken again.
    await put(p, ['{"customer":"g","n":20}']);
    await buffer(p);
    expect(await sweepAndFlush(p)).toBe(0);
    expect((await byPartition(p, 'customer=g/')).get('customer=g/')).toEqual(['{"customer":"g","n":20}']);
  });
});

describe('a partition sealed but not yet delivered', () => {
  it('keeps counting against the limit until its flush completes (spec §6)', async () => {
    const p = await pipeline({ config: partitionedConfig('query'), activePartitionLimit: 1 });
    await put(p, ['{"customer":"a","n":1}']);
    await buffer(p);
    p.clock.nowMs = Date.now() + 61_000;
    await sweep(p.bufferDeps);
    expect(p.queue.messages).toHaveLength(1);
    // a's flush waits in the queue: its partition is still active, so b cannot open one.
    await put(p, ['{"customer":"b","n":2}']);
    await buffer(p);
    expect((await errorDocuments(p, 'activePartitionExceeded')).map(rawDataOf)).toEqual([
      '{"customer":"b","n":2}',
    ]);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    await put(p, ['{"customer":"b","n":3}']);
    await buffer(p);
    expect(await sweepAndFlush(p)).toBe(0);
    expect(await byPartition(p, 'customer=')).toEqual(
      new Map([
        ['customer=a/', ['{"customer":"a","n":1}']],
        ['customer=b/', ['{"customer":"b","n":3}']],
      ]),
    );
  });
});

describe('1,000 distinct keys with the default limit of 500', () => {
  it('delivers 500 partitions and exactly the other 500 records as activePartitionExceeded', async () => {
    const p = await pipeline({ config: partitionedConfig('query') });
    const sent = Array.from({ length: 1000 }, (_, n) => `{"customer":"k${String(n).padStart(4, '0')}"}`);
    // PutRecordBatch takes at most 500 records (spec §1.3).
    await put(p, sent.slice(0, 500));
    await put(p, sent.slice(500));
    await buffer(p);
    expect(await sweepAndFlush(p)).toBe(0);

    const delivered = await byPartition(p, 'customer=');
    const exceeded = (await errorDocuments(p, 'activePartitionExceeded')).map(rawDataOf);
    expect(delivered.size).toBe(500);
    expect(exceeded).toHaveLength(500);
    for (const [folder, lines] of delivered) expect(lines).toEqual([`{"customer":"${folder.slice(9, -1)}"}`]);
    expect([...[...delivered.values()].flat(), ...exceeded].sort()).toEqual(sent);
  }, 120_000);
});

describe('failures and re-drives with partitions', () => {
  it('a replayed Kinesis batch and a buffer Lambda killed mid-staging neither lose nor duplicate', async () => {
    const p = await pipeline({ config: partitionedConfig('query') });
    const sent = ['{"customer":"x","n":1}', '{"customer":"y","n":2}', '{"n":3}'];
    await put(p, sent);
    const [batch] = await p.mapping.poll();
    // The Lambda dies after the error object and the first partition's chunk: the mapping replays the batch.
    let stagedChunks = 0;
    const dyingStaging = Object.create(world.staging) as StagingStore;
    dyingStaging.put = async (key, body) => {
      if (stagedChunks++ === 1) throw new Error('Lambda killed mid-staging');
      await world.staging.put(key, body);
    };
    await expect(
      handleKinesisBatch(batch!.event, { ...p.bufferDeps, staging: dyingStaging }),
    ).rejects.toThrow('Lambda killed mid-staging');
    await handleKinesisBatch(batch!.event, p.bufferDeps);
    await handleKinesisBatch(batch!.event, p.bufferDeps);
    const open = await Promise.all(
      [`${p.prefix}customer=x/`, `${p.prefix}customer=y/`].map((id) => p.ledger.openChunks(id)),
    );
    expect(open.map((chunks) => chunks.length)).toEqual([1, 1]);
    expect(await sweepAndFlush(p)).toBe(0);
    // One object per partition and one error object: the replays overwrote what the first attempt wrote.
    expect(await byPartition(p, 'customer=')).toEqual(
      new Map([
        ['customer=x/', [sent[0]]],
        ['customer=y/', [sent[1]]],
      ]),
    );
    expect((await errorDocuments(p, 'processing-failed')).map(rawDataOf)).toEqual([sent[2]]);
  });

  it('a flush killed mid-delivery is re-driven: every partition once, nothing lost', async () => {
    const p = await pipeline({ config: partitionedConfig('query') });
    const sent = Array.from({ length: 40 }, (_, n) => `{"customer":"c${n % 4}","n":${n}}`);
    await put(p, sent);
    await buffer(p);
    p.clock.nowMs = Date.now() + 61_000;
    await sweep(p.bufferDeps);
    expect(p.queue.messages).toHaveLength(4);
    // 1st round: the 2nd flush's put fails and the Lambda reaches its deadline while backing off; the 3rd flush's
    // Lambda dies after its put, before the ledger records it.
    let puts = 0;
    let remainingMs = 60_000;
    const failing: ObjectStore = {
      async putObject(input) {
        if (puts++ === 1) {
          remainingMs = 1_000;
          throw new Error('Slow Down');
        }
        await world.store.putObject(input);
      },
    };
    let recorded = 0;
    const dyingLedger = Object.create(p.ledger) as BufferLedger;
    dyingLedger.markDelivered = async (flushId, marker) => {
      if (!marker.startsWith('partition:') && recorded++ === 1)
        throw new Error('Lambda killed after the put');
      await p.ledger.markDelivered(flushId, marker);
    };
    const dyingDeps = { ...p.flushDeps, store: failing, ledger: dyingLedger, remainingMs: () => remainingMs };
    const failed = await p.queue.deliverTo(async (event) => {
      const result = await handleFlushMessages(event, dyingDeps);
      remainingMs = 60_000;
      return result;
    });
    expect(failed).toBe(2);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const found = await objects(world, DEST, p.prefix);
    expect(found.size).toBe(4);
    expect([...found.values()].flat().sort()).toEqual([...sent].sort());
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('after RetryOptions.DurationInSeconds the partition goes to the error prefix in the §4.2 shape', async () => {
    const p = await pipeline({ config: partitionedConfig('query', { retrySeconds: 0 }) });
    await put(p, ['{"customer":"z","n":1}', '{"customer":"z","n":2}']);
    await buffer(p);
    const denied: ObjectStore = {
      async putObject(input) {
        if (input.key.includes('customer=')) {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', code: 'AccessDenied' });
        }
        await world.store.putObject(input);
      },
    };
    expect(await sweepAndFlush(p, { ...p.flushDeps, store: denied })).toBe(0);
    expect(await byPartition(p, 'customer=')).toEqual(new Map());
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf)).toEqual(['{"customer":"z","n":1}', '{"customer":"z","n":2}']);
    expect(failed[0]).toMatchObject({
      errorCode: 'S3.AccessDenied',
      errorMessage: 'Access Denied',
      attemptsMade: 1,
    });
    expect(failed[0]).not.toHaveProperty('lambdaARN');
  });

  it('counts RetryOptions from the first attempt across SQS re-drives', async () => {
    const p = await pipeline({ config: partitionedConfig('query', { retrySeconds: 120 }) });
    await put(p, ['{"customer":"w","n":1}']);
    await buffer(p);
    const denied: ObjectStore = {
      async putObject(input) {
        if (input.key.includes('customer='))
          throw Object.assign(new Error('Slow Down'), { code: 'SlowDown' });
        await world.store.putObject(input);
      },
    };
    // Each run stops at its deadline while backing off; the window is not over yet, so nothing goes to errors.
    const shortRuns = { ...p.flushDeps, store: denied, remainingMs: () => 5_500 };
    expect(await sweepAndFlush(p, shortRuns)).toBe(1);
    p.clock.nowMs += 60_000;
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, shortRuns))).toBe(1);
    expect(await errorDocuments(p, 'processing-failed')).toEqual([]);
    // 121 s after the first attempt, on a later re-drive: the records go to the error prefix.
    p.clock.nowMs += 61_000;
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, shortRuns))).toBe(0);
    const failed = await errorDocuments(p, 'processing-failed');
    expect(failed.map(rawDataOf)).toEqual(['{"customer":"w","n":1}']);
    expect(failed[0]).toMatchObject({ errorCode: 'S3.SlowDown' });
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });
});
