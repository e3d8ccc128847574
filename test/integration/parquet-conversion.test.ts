import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamCommandInput,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firehoseClient, type InProcessSluice, listEmbeddedObjects, startSluice } from '../support/sluice.ts';

const conversionStream = (name: string, table: string): CreateDeliveryStreamCommandInput => ({
  DeliveryStreamName: name,
  ExtendedS3DestinationConfiguration: {
    RoleARN: 'arn:aws:iam::000000000000:role/firehose',
    BucketARN: 'arn:aws:s3:::lake',
    Prefix: 'events/',
    ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
    BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 },
    DataFormatConversionConfiguration: {
      SchemaConfiguration: {
        DatabaseName: 'analytics',
        TableName: table,
        RoleARN: 'arn:aws:iam::000000000000:role/glue',
      },
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
    },
  },
});

describe('data format conversion (spec §7) in the local runtime', () => {
  let sluice: InProcessSluice;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sluice-parquet-'));
    sluice = await startSluice({
      glueTables: {
        'analytics.events': {
          Columns: [
            { Name: 'id', Type: 'bigint' },
            { Name: 'user', Type: 'string' },
            { Name: 'at', Type: 'timestamp' },
            { Name: 'tags', Type: 'array<string>' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await sluice?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('writes one .parquet object DuckDB reads, and records that do not fit under format-conversion-failed', async () => {
    const client = firehoseClient(sluice.endpoint);
    await client.send(new CreateDeliveryStreamCommand(conversionStream('to-parquet', 'events')));
    const records = [
      '{"id": 1, "User": "ada", "at": "2026-11-22T10:00:00Z", "tags": ["a", "b"], "extra": true}',
      '{"id": 2, "user": "bob", "at": 1795341600000}',
      '{"id": "not a number", "user": "eve"}',
      'not json',
    ];
    await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'to-parquet',
        Records: records.map((r) => ({ Data: Buffer.from(r) })),
      }),
    );
    await sluice.runtime.flush('to-parquet', 30_000);

    const objects = [...(await listEmbeddedObjects(sluice.dataDir, 'lake'))];
    const parquet = objects.filter(([key]) => key.startsWith('events/') && key.endsWith('.parquet'));
    expect(parquet).toHaveLength(1);
    const file = join(scratch, 'out.parquet');
    await writeFile(file, parquet[0]![1]);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(
        `select id, "user", epoch_ms("at") as at_ms, tags from read_parquet('${file}') order by id`,
      )
    ).getRowObjectsJson();
    expect(rows).toEqual([
      { id: '1', user: 'ada', at_ms: '1795341600000', tags: ['a', 'b'] },
      { id: '2', user: 'bob', at_ms: '1795341600000', tags: null },
    ]);

    const failed = objects.filter(([key]) => key.startsWith('errors/format-conversion-failed/'));
    expect(failed).toHaveLength(1);
    const documents = failed[0]![1]
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(documents.map((d) => d.lastErrorCode)).toEqual([
      'DataFormatConversion.MalformedData',
      'DataFormatConversion.ParseError',
    ]);
    expect(Buffer.from(documents[1].rawData, 'base64').toString()).toBe('not json');
    expect(documents[0].dataCatalogTable).toMatchObject({ databaseName: 'analytics', tableName: 'events' });
  });

  it('keeps the records in the log, with a clear reason, while the Glue table is missing', async () => {
    const client = firehoseClient(sluice.endpoint);
    await client.send(new CreateDeliveryStreamCommand(conversionStream('no-table', 'missing')));
    await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'no-table',
        Records: [{ Data: Buffer.from('{"id":1}') }],
      }),
    );
    const result = await sluice.runtime.flush('no-table', 1_500);
    expect(result.complete).toBe(false);
    const status = result.streams.find((s) => s.name === 'no-table')!;
    expect(status.stalled).toBe(true);
    expect(status.lastError).toContain('analytics.missing');
    expect(status.bufferedRecords + status.wal.pendingRecords).toBeGreaterThan(0);
  });
});
