import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GlueClient } from '@aws-sdk/client-glue';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { handleKinesisBatch } from '../../lib/aws/buffer.ts';
import { awsDeliveryAdapters } from '../../lib/aws/delivery-adapters.ts';
import { EmfMetrics } from '../../lib/aws/emf.ts';
import { handleFlushMessages } from '../../lib/aws/flush.ts';
import { StagingStore } from '../../lib/aws/staging-store.ts';
import { sweep } from '../../lib/aws/sweeper.ts';
import { REGION, startEmulators } from './support/emulators.ts';
import { type GlueStandIn, startGlueStandIn } from './support/glue-stand-in.ts';
import { type LambdaStandIn, loadHandler, startLambdaStandIn } from './support/lambda-stand-in.ts';
import {
  ACCOUNT,
  BACKUP,
  DEST,
  objectBytes,
  objects,
  type Pipeline,
  pipeline,
  STAGING,
  type World,
} from './support/pipeline.ts';

/**
 * The flush Lambda's stages on the AWS data path: format conversion with the schema from Glue (a stand-in Glue
 * endpoint), and Lambda processors (a stand-in Lambda Invoke endpoint), from PutRecordBatch to objects in s3rver.
 */
let world: World;
let glue: GlueStandIn;
let lambda: LambdaStandIn;
/** The `flaky` function hangs while this is true. */
let hanging = true;
let scratch: string;
const lines: string[] = [];

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
    metrics: new EmfMetrics('Sluice', (line) => lines.push(line)),
  };
  glue = await startGlueStandIn(
    [
      {
        catalogId: ACCOUNT,
        databaseName: 'analytics',
        name: 'events',
        versions: [
          [
            { Name: 'id', Type: 'bigint' },
            { Name: 'user', Type: 'string' },
            { Name: 'at', Type: 'timestamp' },
            { Name: 'tags', Type: 'array<string>' },
          ],
        ],
      },
    ],
    ACCOUNT,
  );
  const enrich = await loadHandler(join(import.meta.dirname, '../../examples/transforms/enrich.mjs'));
  lambda = await startLambdaStandIn({
    enrich,
    flaky: (event) => (hanging ? new Promise(() => {}) : enrich(event)),
  });
  scratch = await mkdtemp(join(tmpdir(), 'sluice-aws-parquet-'));
});

afterAll(async () => {
  world?.store.destroy();
  await world?.emulators.stop();
  await glue?.stop();
  await lambda?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const clients = {
  glue: (region: string) =>
    new GlueClient({
      region,
      endpoint: glue.endpoint,
      credentials: { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    }),
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
};

function conversionConfig(table: string) {
  return (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      BucketARN: `arn:aws:s3:::${DEST}`,
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      Prefix: prefix,
      ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
      CompressionFormat: 'UNCOMPRESSED',
      // Spec §7: conversion needs at least 64 MiB, so this stream is staged and flushed by the sweeper.
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 },
      DataFormatConversionConfiguration: {
        SchemaConfiguration: {
          DatabaseName: 'analytics',
          TableName: table,
          RoleARN: `arn:aws:iam::${ACCOUNT}:role/glue`,
        },
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
      },
    },
  });
}

/** Ingest → Kinesis → buffer (staged) → sweeper after the interval → flush, as the AWS services would run them. */
async function sendAndFlush(p: Pipeline, data: string[]): Promise<number> {
  const client = p.api.client();
  const response = await client.send(
    new PutRecordBatchCommand({
      DeliveryStreamName: p.name,
      Records: data.map((d) => ({ Data: Buffer.from(d) })),
    }),
  );
  client.destroy();
  expect(response.FailedPutCount).toBe(0);
  await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
  p.clock.nowMs += 901_000;
  await sweep({ ...p.bufferDeps });
  return p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps));
}

async function readParquet(bytes: Buffer, sql: (file: string) => string): Promise<unknown[]> {
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, bytes);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const rows = (await connection.runAndReadAll(sql(file))).getRowObjectsJson();
  connection.closeSync();
  return rows;
}

describe('data format conversion in the flush Lambda (schema from Glue GetTable)', () => {
  it('writes one .parquet object DuckDB reads, and records that do not fit under format-conversion-failed', async () => {
    const p = await pipeline(world, {
      config: conversionConfig('events'),
      adapters: (stream) => awsDeliveryAdapters(stream, { region: REGION, accountId: ACCOUNT }, clients),
    });
    const failed = await sendAndFlush(p, [
      '{"id": 1, "User": "ada", "at": "2026-11-22T10:00:00Z", "tags": ["a", "b"], "extra": true}',
      '{"id": 2, "user": "bob", "at": 1795341600000}',
      '{"id": "not a number", "user": "eve"}',
      'not json',
    ]);
    expect(failed).toBe(0);

    const written = await objectBytes(world, DEST, p.prefix);
    const parquet = [...written].filter(([key]) => key.endsWith('.parquet') && !key.includes('/errors/'));
    expect(parquet).toHaveLength(1);
    expect(
      await readParquet(
        parquet[0]![1],
        (file) => `select id, "user", epoch_ms("at") as at_ms, tags from read_parquet('${file}') order by id`,
      ),
    ).toEqual([
      { id: '1', user: 'ada', at_ms: '1795341600000', tags: ['a', 'b'] },
      { id: '2', user: 'bob', at_ms: '1795341600000', tags: null },
    ]);

    const errors = [...written].filter(([key]) =>
      key.startsWith(`${p.prefix}errors/format-conversion-failed/`),
    );
    expect(errors).toHaveLength(1);
    const documents = errors[0]![1]
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(documents.map((d) => d.lastErrorCode)).toEqual([
      'DataFormatConversion.MalformedData',
      'DataFormatConversion.ParseError',
    ]);
    expect(Buffer.from(documents[1].rawData, 'base64').toString()).toBe('not json');
    expect(documents[0].dataCatalogTable).toEqual({
      catalogId: ACCOUNT,
      databaseName: 'analytics',
      tableName: 'events',
      region: REGION,
      versionId: 'LATEST',
      catalogArn: `arn:aws:glue:${REGION}:${ACCOUNT}:catalog`,
    });
    expect(glue.calls.some((call) => call.target === 'AWSGlue.GetTable')).toBe(true);
  });

  it('keeps the flush staged and re-drivable while the Glue table does not exist', async () => {
    const p = await pipeline(world, {
      config: conversionConfig('later'),
      adapters: (stream) => awsDeliveryAdapters(stream, { region: REGION, accountId: ACCOUNT }, clients),
    });
    expect(await sendAndFlush(p, ['{"id": 7, "user": "zed"}'])).toBe(1);
    expect(await p.ledger.pendingFlushes()).toHaveLength(1);
    expect(await objectBytes(world, DEST, p.prefix)).toEqual(new Map());

    // The table is created; the re-driven flush converts the same records. (A new adapter: the cache is per
    // execution environment, and a missing table is never cached.)
    glue.tables.push({
      catalogId: ACCOUNT,
      databaseName: 'analytics',
      name: 'later',
      versions: [
        [
          { Name: 'id', Type: 'int' },
          { Name: 'user', Type: 'string' },
        ],
      ],
    });
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const written = [...(await objectBytes(world, DEST, p.prefix))];
    expect(written).toHaveLength(1);
    expect(await readParquet(written[0]![1], (file) => `select * from read_parquet('${file}')`)).toEqual([
      { id: 7, user: 'zed' },
    ]);
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });
});

function transformConfig(functionName: string) {
  return (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      BucketARN: `arn:aws:s3:::${DEST}`,
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      Prefix: prefix,
      ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
      CompressionFormat: 'GZIP',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          {
            Type: 'Lambda',
            Parameters: [
              {
                ParameterName: 'LambdaArn',
                ParameterValue: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
              },
              { ParameterName: 'NumberOfRetries', ParameterValue: '0' },
            ],
          },
        ],
      },
    },
  });
}

describe('Lambda processors in the flush Lambda (Invoke through the SDK)', () => {
  it('delivers what the transform returns, drops Dropped records and writes ProcessingFailed ones as §4.2 documents', async () => {
    const p = await pipeline(world, {
      config: transformConfig('enrich'),
      adapters: (stream) => awsDeliveryAdapters(stream, { region: REGION, accountId: ACCOUNT }, clients),
    });
    const before = lambda.calls.length;
    expect(
      await sendAndFlush(p, [
        '{"customer_id":1,"n":1}',
        '{"type":"heartbeat"}',
        'not json',
        '{"customer_id":2,"n":2}',
      ]),
    ).toBe(0);
    expect(lambda.calls.slice(before)).toEqual([
      { functionName: 'enrich', qualifier: undefined, invocationType: 'RequestResponse' },
    ]);
    const found = await objects(world, DEST, p.prefix);
    const data = [...found].filter(([key]) => !key.includes('/errors/'));
    expect(data).toHaveLength(1);
    const delivered = data[0]![1].map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(delivered.map(({ processedAt, ...rest }) => rest)).toEqual([
      { customer_id: 1, n: 1 },
      { customer_id: 2, n: 2 },
    ]);
    expect(delivered.every((record) => typeof record.processedAt === 'string')).toBe(true);

    const failed = [...found].filter(([key]) => key.startsWith(`${p.prefix}errors/processing-failed/`));
    expect(failed).toHaveLength(1);
    const documents = failed[0]![1].map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      attemptsMade: 1,
      errorCode: 'Lambda.ProcessingFailedStatus',
      rawData: Buffer.from('not json').toString('base64'),
      // Spec §4.2: observed on AWS with this spelling.
      lambdaARN: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:enrich`,
    });
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('stops a flush whose transform call would outlive the Lambda, and re-drives it without failing records', async () => {
    const p = await pipeline(world, {
      config: transformConfig('flaky'),
      adapters: (stream) => awsDeliveryAdapters(stream, { region: REGION, accountId: ACCOUNT }, clients),
    });
    // 300 ms before the flush's margin: the hanging call is cut there, and the flush stops instead of counting
    // the cut as the function's timeout (which would send the records to processing-failed).
    const nearDeadline = { ...p.flushDeps, remainingMs: () => p.flushDeps.deadlineMarginMs + 300 };
    const client = p.api.client();
    await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: p.name,
        Records: [{ Data: Buffer.from('{"customer_id":3}') }],
      }),
    );
    client.destroy();
    await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
    p.clock.nowMs += 901_000;
    await sweep({ ...p.bufferDeps });
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, nearDeadline))).toBe(1);
    expect(await objects(world, DEST, p.prefix)).toEqual(new Map());

    hanging = false;
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const found = await objects(world, DEST, p.prefix);
    expect([...found.keys()].some((key) => key.includes('/errors/'))).toBe(false);
    expect([...found.values()].flat().map((line) => JSON.parse(line).customer_id)).toEqual([3]);
  });
});
