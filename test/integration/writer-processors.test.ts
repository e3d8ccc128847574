import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamCommandInput,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../lib/local/config-file.ts';
import { HttpEndpointServer } from '../support/http-endpoint-server.ts';
import { OpenSearchStandin } from '../support/opensearch-standin.ts';
import { type RunningPostgres, startPostgres } from '../support/postgres.ts';
import { firehoseClient, type InProcessSluice, listEmbeddedObjects, startSluice } from '../support/sluice.ts';

const ROLE = 'arn:aws:iam::000000000000:role/firehose';
const TRANSFORM_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:reshape';

/**
 * A Firehose transform Lambda (spec §5.2): `{"usr", "n", "action"}` records become `{"usr": <upper-cased>,
 * "n": <n * 10>}`; `action: "drop"` is Dropped and `action: "fail"` ProcessingFailed. Written to a temp directory
 * by the test and run by the local invoker like any `lambdaFunctions` handler.
 */
const TRANSFORM_SOURCE = `
export async function handler(event) {
  return {
    records: event.records.map((record) => {
      const value = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
      if (value.action === 'drop') return { recordId: record.recordId, result: 'Dropped' };
      if (value.action === 'fail') return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
      const reshaped = JSON.stringify({ usr: value.usr.toUpperCase(), n: value.n * 10 });
      return { recordId: record.recordId, result: 'Ok', data: Buffer.from(reshaped).toString('base64') };
    }),
  };
}
`;

const SOURCE_RECORDS = [
  '{"usr":"ada","n":1}',
  '{"usr":"bob","n":2,"action":"drop"}',
  '{"usr":"cy","n":3,"action":"fail"}',
  '{"usr":"dee","n":4}',
];
const DELIVERED = [
  { usr: 'ADA', n: 10 },
  { usr: 'DEE', n: 40 },
];

const lambdaProcessing = (...extra: unknown[]) => ({
  ProcessingConfiguration: {
    Enabled: true,
    Processors: [
      {
        Type: 'Lambda',
        Parameters: [
          { ParameterName: 'LambdaArn', ParameterValue: TRANSFORM_ARN },
          { ParameterName: 'NumberOfRetries', ParameterValue: '1' },
        ],
      },
      ...extra,
    ],
  },
});

const s3Configuration = (bucket: string, extra: Record<string, unknown> = {}) => ({
  RoleARN: ROLE,
  BucketARN: `arn:aws:s3:::${bucket}`,
  ...extra,
});

/** The §4.2 processing-failed document (observed key order and `lambdaARN`, spec §4.2) of the "cy" record. */
function expectProcessingFailed(body: Buffer): void {
  const lines = body.toString().trim().split('\n');
  expect(lines).toHaveLength(1);
  const document = JSON.parse(lines[0]!);
  expect(Object.keys(document)).toEqual([
    'rawData',
    'errorCode',
    'errorMessage',
    'attemptsMade',
    'arrivalTimestamp',
    'attemptEndingTimestamp',
    'lambdaARN',
  ]);
  expect(document).toMatchObject({
    errorCode: 'Lambda.ProcessingFailedStatus',
    errorMessage: 'ProcessingFailed status set for record',
    attemptsMade: 1,
    lambdaARN: TRANSFORM_ARN,
  });
  expect(typeof document.arrivalTimestamp).toBe('number');
  expect(typeof document.attemptEndingTimestamp).toBe('number');
  expect(Buffer.from(document.rawData, 'base64').toString()).toBe(SOURCE_RECORDS[2]);
}

/** The `_id`s of a `_bulk` body's actions, in order. */
function bulkIds(body: string): string[] {
  return body
    .trim()
    .split('\n')
    .filter((_, i) => i % 2 === 0)
    .map((line) => (Object.values(JSON.parse(line))[0] as { _id: string })._id);
}

describe('processors before the HTTP endpoint, OpenSearch and Redshift writers (spec §5, §6) in the local runtime', () => {
  let sluice: InProcessSluice;
  let postgres: RunningPostgres;
  let transformDir: string;
  let config: Partial<SluiceConfig>;
  const receiver = new HttpEndpointServer();
  const cluster = new OpenSearchStandin();
  let receiverUrl: string;
  let clusterUrl: string;

  beforeAll(async () => {
    transformDir = await mkdtemp(join(tmpdir(), 'sluice-transform-'));
    await writeFile(join(transformDir, 'reshape.mjs'), TRANSFORM_SOURCE);
    config = { lambdaFunctions: { [TRANSFORM_ARN]: `${join(transformDir, 'reshape.mjs')}#handler` } };
    [postgres, receiverUrl, clusterUrl] = await Promise.all([
      startPostgres(),
      receiver.start(),
      cluster.start(),
    ]);
    sluice = await startSluice(config);
  }, 60_000);
  afterAll(async () => {
    await sluice?.close();
    await Promise.all([postgres?.stop(), receiver.stop(), cluster.stop()]);
    await rm(transformDir, { recursive: true, force: true });
  });

  const create = (input: Record<string, unknown>) =>
    firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(input as unknown as CreateDeliveryStreamCommandInput),
    );
  const put = (stream: string, records: Array<string | Buffer>) =>
    firehoseClient(sluice.endpoint).send(
      new PutRecordBatchCommand({
        DeliveryStreamName: stream,
        Records: records.map((r) => ({ Data: Buffer.from(r) })),
      }),
    );
  const flush = async (stream: string) => {
    expect((await sluice.runtime.flush(stream, 30_000)).complete).toBe(true);
  };
  const objectsUnder = async (bucket: string, prefix: string) =>
    [...(await listEmbeddedObjects(sluice.dataDir, bucket))].filter(([key]) => key.startsWith(prefix));

  it('HTTP endpoint: the transformed records are sent, Dropped gone, ProcessingFailed under processing-failed; AllData backs up the source records; a retried request keeps its ID and records', async () => {
    await create({
      DeliveryStreamName: 'http-transformed',
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: receiverUrl, Name: 'receiver' },
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        RetryOptions: { DurationInSeconds: 60 },
        S3BackupMode: 'AllData',
        S3Configuration: s3Configuration('http-errors', {
          Prefix: 'all/',
          ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/',
        }),
        ...lambdaProcessing(),
      },
    });
    const before = receiver.requests.length;
    receiver.respond({ status: 500 });
    await put('http-transformed', SOURCE_RECORDS);
    await flush('http-transformed');

    const requests = receiver.requests.slice(before);
    expect(requests).toHaveLength(2);
    // §10.2: the retry is the same request (same ID, same records): the transform ran once for the batch.
    expect(requests[1]!.requestId).toBe(requests[0]!.requestId);
    for (const request of requests) {
      expect(request.records.map((r) => JSON.parse(r.toString()))).toEqual(DELIVERED);
    }

    const failed = await objectsUnder('http-errors', 'failed/');
    expect(failed.map(([key]) => key)).toEqual([
      expect.stringMatching(/^failed\/processing-failed\/http-transformed-1-/),
    ]);
    expectProcessingFailed(failed[0]![1]);
    // §3.5: the backup holds the records as they arrived, the dropped and the failed ones too.
    const backups = await objectsUnder('http-errors', 'all/');
    expect(backups.map(([, body]) => body.toString())).toEqual([SOURCE_RECORDS.join('')]);
  });

  it('HTTP endpoint: CloudWatch Logs payloads are decompressed and each log event sent as its own record', async () => {
    await create({
      DeliveryStreamName: 'http-cwl',
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: receiverUrl },
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        S3Configuration: s3Configuration('http-errors', { Prefix: 'cwl/' }),
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'Decompression',
              Parameters: [{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }],
            },
            {
              Type: 'CloudWatchLogProcessing',
              Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
            },
          ],
        },
      },
    });
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: 'app',
      logStream: 'web',
      subscriptionFilters: ['all'],
      logEvents: [
        { id: '1', timestamp: 1, message: 'first line' },
        { id: '2', timestamp: 2, message: 'second line' },
      ],
    };
    const before = receiver.requests.length;
    await put('http-cwl', [gzipSync(JSON.stringify(payload)), Buffer.from('not gzip')]);
    await flush('http-cwl');
    const requests = receiver.requests.slice(before);
    expect(requests.map((r) => r.records.map((data) => data.toString()))).toEqual([
      ['first line\n', 'second line\n'],
    ]);
    // No ErrorOutputPrefix: §3.3 rule 9's default under the Prefix; the record is kept as it arrived (§4.1).
    const failed = await objectsUnder('http-errors', 'cwl/decompression-failed/');
    expect(failed).toHaveLength(1);
    const document = JSON.parse(failed[0]![1].toString().trim());
    expect(Buffer.from(document.rawData, 'base64').toString()).toBe('not gzip');
  });

  it('OpenSearch: the transformed documents are indexed under IDs from the source records’ log positions; a failed processing record is under processing-failed; AllDocuments backs up the source records', async () => {
    await create({
      DeliveryStreamName: 'os-transformed',
      AmazonopensearchserviceDestinationConfiguration: {
        RoleARN: ROLE,
        ClusterEndpoint: clusterUrl,
        IndexName: 'reshaped',
        IndexRotationPeriod: 'NoRotation',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        RetryOptions: { DurationInSeconds: 60 },
        S3BackupMode: 'AllDocuments',
        S3Configuration: s3Configuration('os-errors', {
          Prefix: 'all/',
          ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/',
        }),
        ...lambdaProcessing(),
      },
    });
    const before = cluster.calls.length;
    cluster.failNextRequests(1, 503, true);
    await put('os-transformed', SOURCE_RECORDS);
    await flush('os-transformed');

    const documents = [...cluster.documents('reshaped').values()];
    expect(documents.map((d) => d.source)).toEqual(DELIVERED);
    // The stream's log counts from 1: positions 1 and 4 (2 was dropped, 3 failed).
    expect(documents.map((d) => d.id)).toEqual(['os-transformed.1', 'os-transformed.4']);
    // The 503 was applied anyway: the retry overwrote the same documents instead of adding others.
    expect(documents.map((d) => d.version)).toEqual([2, 2]);
    const calls = cluster.calls.slice(before);
    expect(calls.map((call) => bulkIds(call.body))).toEqual([
      ['os-transformed.1', 'os-transformed.4'],
      ['os-transformed.1', 'os-transformed.4'],
    ]);

    const failed = await objectsUnder('os-errors', 'failed/');
    expect(failed.map(([key]) => key)).toEqual([
      expect.stringMatching(/^failed\/processing-failed\/os-transformed-1-/),
    ]);
    expectProcessingFailed(failed[0]![1]);
    // §3.5: AllDocuments backs up the source records, once although the bulk request was retried.
    const backups = await objectsUnder('os-errors', 'all/');
    expect(backups.map(([, body]) => body.toString())).toEqual([SOURCE_RECORDS.join('')]);
  });

  it('OpenSearch: a batch processed again after a restart is indexed under the same IDs', async () => {
    await create({
      DeliveryStreamName: 'os-restart',
      AmazonopensearchserviceDestinationConfiguration: {
        RoleARN: ROLE,
        ClusterEndpoint: clusterUrl,
        IndexName: 'restarted',
        IndexRotationPeriod: 'NoRotation',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        RetryOptions: { DurationInSeconds: 600 },
        S3Configuration: s3Configuration('os-errors'),
        ...lambdaProcessing(),
      },
    });
    const before = cluster.calls.length;
    // The first bulk is applied but answered 503; the stream stops while it waits to retry (§9: 1 s backoff).
    cluster.failNextRequests(1, 503, true);
    await put('os-restart', SOURCE_RECORDS);
    expect((await sluice.runtime.flush('os-restart', 300)).complete).toBe(false);
    await sluice.close();

    sluice = await startSluice(config, { dataDir: sluice.dataDir });
    await flush('os-restart');
    const calls = cluster.calls.slice(before);
    expect(calls.map((call) => bulkIds(call.body))).toEqual([
      ['os-restart.1', 'os-restart.4'],
      ['os-restart.1', 'os-restart.4'],
    ]);
    const documents = [...cluster.documents('restarted').values()];
    expect(documents.map((d) => [d.id, d.source, d.version])).toEqual([
      ['os-restart.1', DELIVERED[0], 2],
      ['os-restart.4', DELIVERED[1], 2],
    ]);
  });

  it('OpenSearch: each log event of a CloudWatch Logs payload is a document whose ID adds its index to the record’s', async () => {
    await create({
      DeliveryStreamName: 'os-cwl',
      AmazonopensearchserviceDestinationConfiguration: {
        RoleARN: ROLE,
        ClusterEndpoint: clusterUrl,
        IndexName: 'events',
        IndexRotationPeriod: 'NoRotation',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        S3Configuration: s3Configuration('os-errors'),
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'Decompression',
              Parameters: [{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }],
            },
            {
              Type: 'CloudWatchLogProcessing',
              Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
            },
          ],
        },
      },
    });
    const payload = (messages: string[]) =>
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: '000000000000',
          logGroup: 'app',
          logStream: 'api',
          subscriptionFilters: ['all'],
          logEvents: messages.map((message, i) => ({ id: String(i), timestamp: i, message })),
        }),
      );
    await put('os-cwl', [payload(['{"e":1}', '{"e":2}']), payload(['{"e":3}'])]);
    await flush('os-cwl');
    expect([...cluster.documents('events').values()].map((d) => [d.id, d.source])).toEqual([
      ['os-cwl.1.0', { e: 1 }],
      ['os-cwl.1.1', { e: 2 }],
      // A payload with one event keeps its record's ID, as an unsplit record does.
      ['os-cwl.2', { e: 3 }],
    ]);
  });

  it('Redshift into PostgreSQL: the COPY loads the transformed rows, the source records are backed up, ProcessingFailed is under the intermediate bucket’s processing-failed', async () => {
    await postgres.query('CREATE TABLE reshaped (usr text, n integer)');
    await create({
      DeliveryStreamName: 'rs-transformed',
      RedshiftDestinationConfiguration: {
        RoleARN: ROLE,
        ClusterJDBCURL: postgres.jdbcUrl,
        CopyCommand: { DataTableName: 'reshaped', DataTableColumns: 'usr,n', CopyOptions: "JSON 'auto'" },
        Username: 'postgres',
        Password: 'pg-password',
        RetryOptions: { DurationInSeconds: 2 },
        S3Configuration: s3Configuration('rs-stage', {
          Prefix: 'stage/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        }),
        S3BackupMode: 'Enabled',
        S3BackupConfiguration: s3Configuration('rs-source', { Prefix: 'source/' }),
        ...lambdaProcessing(),
      },
    });
    await put('rs-transformed', SOURCE_RECORDS);
    await flush('rs-transformed');

    expect(await postgres.query('SELECT usr, n FROM reshaped ORDER BY n')).toEqual(DELIVERED);
    // Redshift's intermediate bucket takes no ErrorOutputPrefix (§8): the default one under its Prefix (§3.3 #9).
    const failed = await objectsUnder('rs-stage', 'stage/processing-failed/');
    expect(failed).toHaveLength(1);
    expectProcessingFailed(failed[0]![1]);
    const backups = await objectsUnder('rs-source', 'source/');
    expect(backups.map(([, body]) => body.toString())).toEqual([SOURCE_RECORDS.join('')]);
  });

  it('a batch the transform drops entirely sends nothing and loads nothing', async () => {
    await postgres.query('CREATE TABLE never (usr text, n integer)');
    await create({
      DeliveryStreamName: 'rs-all-dropped',
      RedshiftDestinationConfiguration: {
        RoleARN: ROLE,
        ClusterJDBCURL: postgres.jdbcUrl,
        CopyCommand: { DataTableName: 'never', CopyOptions: "JSON 'auto'" },
        Username: 'postgres',
        Password: 'pg-password',
        S3Configuration: s3Configuration('rs-empty', { Prefix: 'stage/' }),
        ...lambdaProcessing(),
      },
    });
    await put('rs-all-dropped', ['{"usr":"x","n":1,"action":"drop"}']);
    await flush('rs-all-dropped');
    expect(await postgres.query('SELECT * FROM never')).toEqual([]);
    expect(await objectsUnder('rs-empty', '')).toEqual([]);
  });
});
