import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { handleKinesisBatch } from '../../lib/aws/buffer.ts';
import { type AwsClientFactory, awsDeliveryAdapters } from '../../lib/aws/delivery-adapters.ts';
import { EmfMetrics } from '../../lib/aws/emf.ts';
import { handleFlushMessages } from '../../lib/aws/flush.ts';
import { sdkDestinationClients } from '../../lib/aws/sdk-destination-clients.ts';
import { StagingStore } from '../../lib/aws/staging-store.ts';
import { sweep } from '../../lib/aws/sweeper.ts';
import type { ObjectStore } from '../../lib/core/ports.ts';
import { HttpEndpointServer } from '../support/http-endpoint-server.ts';
import { OpenSearchStandin } from '../support/opensearch-standin.ts';
import { REGION, startEmulators } from './support/emulators.ts';
import { type LambdaStandIn, loadHandler, startLambdaStandIn } from './support/lambda-stand-in.ts';
import {
  ACCOUNT,
  BACKUP,
  DEST,
  objects,
  type Pipeline,
  pipeline,
  STAGING,
  type World,
} from './support/pipeline.ts';
import { type RedshiftDataStandIn, startRedshiftDataStandIn } from './support/redshift-data-stand-in.ts';
import { type SecretsStandIn, startSecretsStandIn } from './support/secrets-stand-in.ts';

/**
 * Processors before the writer destinations in the flush Lambda (spec §5, §6): examples/transforms/enrich.mjs behind
 * the stand-in Lambda Invoke endpoint, then the HTTP endpoint receiver, the `_bulk` stand-in or the Redshift Data
 * API stand-in, from PutRecordBatch through kinesalite, dynalite and s3rver.
 */
const ENRICH_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:enrich`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/flush`;
const REDSHIFT_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:redshift-creds-AbCdEf`;
const STAND_IN_KEYS = { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'stand-in-secret' };
/** enrich.mjs enriches JSON objects, drops heartbeats and fails what is not JSON. */
const SOURCE = [
  '{"customer_id":"ada","n":1}',
  '{"type":"heartbeat"}',
  'not json',
  '{"customer_id":"bob","n":2}',
];
const ENRICHED = [
  { customer_id: 'ada', n: 1 },
  { customer_id: 'bob', n: 2 },
];

let world: World;
let lambda: LambdaStandIn;
let secrets: SecretsStandIn;
let receiver: HttpEndpointServer;
let receiverUrl: string;
let cluster: OpenSearchStandin;
let clusterUrl: string;
let redshift: RedshiftDataStandIn;

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
    metrics: new EmfMetrics('Sluice', () => {}),
  };
  const enrich = await loadHandler(join(import.meta.dirname, '../../examples/transforms/enrich.mjs'));
  let flipCalls = 0;
  lambda = await startLambdaStandIn({
    enrich,
    // Answers as enrich.mjs on its first call, then fails every record: a transform that changes its mind.
    flip: async (event) => {
      if (flipCalls++ === 0) return enrich(event);
      const { records } = event as { records: Array<{ recordId: string; data: string }> };
      return {
        records: records.map((r) => ({ recordId: r.recordId, result: 'ProcessingFailed', data: r.data })),
      };
    },
  });
  secrets = await startSecretsStandIn({});
  receiver = new HttpEndpointServer();
  receiverUrl = await receiver.start();
  cluster = new OpenSearchStandin({ sigv4: { service: 'es', keys: [STAND_IN_KEYS] } });
  clusterUrl = await cluster.start();
  redshift = await startRedshiftDataStandIn(emulators.s3, ['enriched']);
});

afterAll(async () => {
  world?.store.destroy();
  await world?.emulators.stop();
  await lambda?.stop();
  await secrets?.stop();
  await receiver?.stop();
  await cluster?.stop();
  await redshift?.stop();
});

const clients: AwsClientFactory = {
  glue: () => {
    throw new Error('No conversion here.');
  },
  lambda: () =>
    new LambdaClient({
      region: REGION,
      endpoint: lambda.endpoint,
      credentials: STAND_IN_KEYS,
      maxAttempts: 1,
    }),
  destinations: (region) =>
    sdkDestinationClients(region, {
      secretsManager: { endpoint: secrets.endpoint, credentials: STAND_IN_KEYS, maxAttempts: 1 },
      redshiftData: { endpoint: redshift.endpoint, credentials: STAND_IN_KEYS, maxAttempts: 1 },
    }),
};

function writerPipeline(
  config: (name: string, prefix: string) => Record<string, unknown>,
): Promise<Pipeline> {
  return pipeline(world, {
    config,
    adapters: (stream) => awsDeliveryAdapters(stream, { region: REGION, accountId: ACCOUNT }, clients),
  });
}

/** Ingest → Kinesis → buffer (staged) → sweeper after the interval → one flush message. */
async function sendAndSeal(p: Pipeline, data: Array<string | Buffer>): Promise<void> {
  const client = p.api.client();
  await client.send(
    new PutRecordBatchCommand({
      DeliveryStreamName: p.name,
      Records: data.map((d) => ({ Data: Buffer.from(d) })),
    }),
  );
  client.destroy();
  await p.mapping.drain((event) => handleKinesisBatch(event, p.bufferDeps));
  p.clock.nowMs += 901_000;
  await sweep({ ...p.bufferDeps });
  expect(p.queue.messages).toHaveLength(1);
}

const flush = (p: Pipeline, store?: ObjectStore) =>
  p.queue.deliverTo((event) => handleFlushMessages(event, store ? { ...p.flushDeps, store } : p.flushDeps));

const enrichProcessing = (functionArn = ENRICH_ARN) => ({
  ProcessingConfiguration: {
    Enabled: true,
    Processors: [
      {
        Type: 'Lambda',
        Parameters: [
          { ParameterName: 'LambdaArn', ParameterValue: functionArn },
          { ParameterName: 'NumberOfRetries', ParameterValue: '0' },
        ],
      },
    ],
  },
});

/** The S3Configuration of an HTTP endpoint or OpenSearch destination: backups and error output in BACKUP. */
const backupBucket = (prefix: string) => ({
  BucketARN: `arn:aws:s3:::${BACKUP}`,
  RoleARN: ROLE,
  Prefix: prefix,
  ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
});

/** A JSON record enrich.mjs returned, without its `processedAt` (the time of the call). */
function withoutProcessedAt(line: string | Buffer): Record<string, unknown> {
  const { processedAt, ...rest } = JSON.parse(line.toString()) as Record<string, unknown>;
  expect(typeof processedAt).toBe('string');
  return rest;
}

/** The one processing-failed document of the 'not json' record (§4.2, observed key order with `lambdaARN`). */
function expectNotJsonFailed(found: Map<string, string[]>, keyPrefix: string): void {
  const failed = [...found].filter(([key]) => key.startsWith(keyPrefix));
  expect(failed).toHaveLength(1);
  expect(failed[0]![1]).toHaveLength(1);
  const document = JSON.parse(failed[0]![1][0]!) as Record<string, unknown>;
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
    lambdaARN: ENRICH_ARN,
  });
  expect(Buffer.from(String(document.rawData), 'base64').toString()).toBe('not json');
}

describe('processors before the HTTP endpoint in the flush Lambda (spec §5, §10)', () => {
  const httpConfig = (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    HttpEndpointDestinationConfiguration: {
      EndpointConfiguration: { Url: receiverUrl, Name: 'collector' },
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      RetryOptions: { DurationInSeconds: 0 },
      RoleARN: ROLE,
      S3BackupMode: 'AllData',
      S3Configuration: backupBucket(prefix),
      ...enrichProcessing(),
    },
  });

  it('sends the transformed records; Dropped is gone, ProcessingFailed is under processing-failed, AllData keeps the source', async () => {
    const p = await writerPipeline(httpConfig);
    const before = receiver.requests.length;
    const callsBefore = lambda.calls.length;
    await sendAndSeal(p, SOURCE);
    expect(await flush(p)).toBe(0);

    expect(lambda.calls.length - callsBefore).toBe(1);
    const requests = receiver.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.records.map(withoutProcessedAt)).toEqual(ENRICHED);
    const found = await objects(world, BACKUP, p.prefix);
    expectNotJsonFailed(found, `${p.prefix}errors/processing-failed/`);
    // The source backup holds every record as it arrived, the failed and the dropped one too (§3.5).
    const backup = [...found].filter(([key]) => !key.startsWith(`${p.prefix}errors/`));
    expect(backup.map(([, lines]) => lines)).toEqual([[SOURCE.join('')]]);
    expect(found.size).toBe(2);
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('a re-drive after a finished send neither invokes the transform again nor sends again; nothing is lost', async () => {
    const p = await writerPipeline(httpConfig);
    const before = receiver.requests.length;
    const callsBefore = lambda.calls.length;
    await sendAndSeal(p, SOURCE);
    // The processing-failed document goes before the send; the Lambda dies at the source backup's put.
    const dyingOnBackup: ObjectStore = {
      async putObject(input) {
        if (!input.key.startsWith(`${p.prefix}errors/`))
          throw new Error('Lambda killed before the backup put');
        await world.store.putObject(input);
      },
    };
    expect(await flush(p, dyingOnBackup)).toBe(1);
    expect(await flush(p)).toBe(0);

    expect(lambda.calls.length - callsBefore).toBe(1);
    expect(receiver.requests.length - before).toBe(1);
    const found = await objects(world, BACKUP, p.prefix);
    expectNotJsonFailed(found, `${p.prefix}errors/processing-failed/`);
    expect(found.size).toBe(2);
  });

  it('a re-drive before the send finished processes and sends again; refused records keep their flush-position IDs', async () => {
    const p = await writerPipeline(httpConfig);
    const before = receiver.requests.length;
    await sendAndSeal(p, SOURCE);
    // The Lambda dies before its processing-failed document is written: nothing was sent yet.
    const dying: ObjectStore = {
      async putObject() {
        throw new Error('Lambda killed before the first put');
      },
    };
    expect(await flush(p, dying)).toBe(1);
    expect(receiver.requests.length - before).toBe(0);
    // This time the endpoint refuses the request, so the records' documents come from the send: it is repeated.
    receiver.respond({ status: 500 });
    expect(await flush(p)).toBe(0);
    const failedSend = receiver.requests.slice(before);
    expect(failedSend).toHaveLength(1);
    const found = await objects(world, BACKUP, p.prefix);
    const endpointFailed = [...found].filter(([key]) =>
      key.startsWith(`${p.prefix}errors/http-endpoint-failed/`),
    );
    expect(endpointFailed).toHaveLength(1);
    const documents = endpointFailed[0]![1].map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(documents.map((d) => withoutProcessedAt(Buffer.from(String(d.rawData), 'base64')))).toEqual(
      ENRICHED,
    );
    // The dataId is the record's ID: the flush ID and the record's position in the flush, as without processors.
    const dataIds = documents.map((d) => String(d.dataId));
    expect(dataIds.map((id) => id.slice(id.lastIndexOf('.') + 1))).toEqual(['0', '3']);
    expect(new Set(dataIds.map((id) => id.slice(0, id.lastIndexOf('.')))).size).toBe(1);
    expectNotJsonFailed(found, `${p.prefix}errors/processing-failed/`);
  });
});

describe('a transform that answers differently on a re-drive (HTTP endpoint, spec §5.3)', () => {
  it('the re-drive writes its processing-failed document again under the same key, so no record is lost', async () => {
    const flipArn = ENRICH_ARN.replace(':enrich', ':flip');
    const p = await writerPipeline((name, prefix) => ({
      DeliveryStreamName: name,
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: receiverUrl, Name: 'collector' },
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
        RetryOptions: { DurationInSeconds: 0 },
        RoleARN: ROLE,
        S3BackupMode: 'FailedDataOnly',
        S3Configuration: backupBucket(prefix),
        ...enrichProcessing(flipArn),
      },
    }));
    await sendAndSeal(p, ['{"customer_id":"ada"}', 'not json']);
    // First attempt: "not json" fails in the transform (its document is written), "ada" is refused by the endpoint,
    // and the Lambda dies before that record's http-endpoint-failed document is written.
    receiver.respond({ status: 500 });
    const dyingAfterProcessing: ObjectStore = {
      async putObject(input) {
        if (!input.key.startsWith(`${p.prefix}errors/processing-failed/`)) throw new Error('Lambda killed');
        await world.store.putObject(input);
      },
    };
    expect(await flush(p, dyingAfterProcessing)).toBe(1);
    const first = await objects(world, BACKUP, p.prefix);
    expect([...first.keys()].map((key) => key.split('/')[2])).toEqual(['processing-failed']);
    // The re-drive: the transform now fails both records, one call as before, so the document has the same key.
    expect(await flush(p)).toBe(0);
    const found = [...(await objects(world, BACKUP, p.prefix))];
    expect(found.map(([key]) => key)).toEqual([...first.keys()]);
    const rawData = found[0]![1].map((line) =>
      Buffer.from(String((JSON.parse(line) as { rawData: string }).rawData), 'base64').toString(),
    );
    expect(rawData).toEqual(['{"customer_id":"ada"}', 'not json']);
  });
});

describe('processors before OpenSearch in the flush Lambda (spec §5, §9, stand-in _bulk endpoint)', () => {
  const openSearchConfig =
    (index: string, processing: Record<string, unknown>) => (name: string, prefix: string) => ({
      DeliveryStreamName: name,
      AmazonopensearchserviceDestinationConfiguration: {
        ClusterEndpoint: clusterUrl,
        IndexName: index,
        IndexRotationPeriod: 'NoRotation',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
        RetryOptions: { DurationInSeconds: 0 },
        RoleARN: ROLE,
        S3BackupMode: 'FailedDocumentsOnly',
        S3Configuration: backupBucket(prefix),
        ...processing,
      },
    });

  it('indexes the transformed records; document IDs carry the flush ID, so positions of two flushes do not collide', async () => {
    const p = await writerPipeline(openSearchConfig('enriched', enrichProcessing()));
    await sendAndSeal(p, SOURCE);
    expect(await flush(p)).toBe(0);
    await sendAndSeal(p, ['{"customer_id":"cy","n":3}', '{"customer_id":"dee","n":4}']);
    expect(await flush(p)).toBe(0);

    const documents = [...cluster.documents('enriched').values()];
    expect(documents.map((d) => withoutProcessedAt(JSON.stringify(d.source)))).toEqual([
      ...ENRICHED,
      { customer_id: 'cy', n: 3 },
      { customer_id: 'dee', n: 4 },
    ]);
    // `<flushId>.<position>`: positions 0 and 3 of the first flush, 0 and 1 of the second, each written once.
    const ids = documents.map((d) => d.id);
    expect(ids.map((id) => id.slice(id.lastIndexOf('.') + 1))).toEqual(['0', '3', '0', '1']);
    expect(new Set(ids.map((id) => id.slice(0, id.lastIndexOf('.')))).size).toBe(2);
    expect(documents.every((d) => d.version === 1)).toBe(true);
    expectNotJsonFailed(await objects(world, BACKUP, p.prefix), `${p.prefix}errors/processing-failed/`);
  });

  it('decompresses CloudWatch Logs records and indexes each log event (Decompression + CloudWatchLogProcessing)', async () => {
    const processing = {
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
    };
    const p = await writerPipeline(openSearchConfig('logs', processing));
    const subscription = {
      messageType: 'DATA_MESSAGE',
      owner: ACCOUNT,
      logGroup: '/app',
      logStream: 'web',
      subscriptionFilters: ['all'],
      logEvents: [
        { id: '1', timestamp: 1, message: '{"level":"info"}' },
        { id: '2', timestamp: 2, message: '{"level":"warn"}' },
      ],
    };
    await sendAndSeal(p, [gzipSync(JSON.stringify(subscription)), 'not gzip']);
    expect(await flush(p)).toBe(0);

    const documents = [...cluster.documents('logs').values()];
    expect(documents.map((d) => d.source)).toEqual([{ level: 'info' }, { level: 'warn' }]);
    // Each event's ID adds its index to the record's: `<flushId>.0.0` and `<flushId>.0.1`.
    expect(documents.map((d) => d.id.replace(/^[^.]+\./, ''))).toEqual(['0.0', '0.1']);
    const found = [...(await objects(world, BACKUP, p.prefix))];
    expect(found.map(([key]) => key.split('/')[2])).toEqual(['decompression-failed']);
    const document = JSON.parse(found[0]![1][0]!) as Record<string, unknown>;
    expect(Buffer.from(String(document.rawData), 'base64').toString()).toBe('not gzip');
  });
});

describe('processors before Redshift in the flush Lambda (spec §5, §8, stand-in Redshift Data API)', () => {
  const redshiftConfig = (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    RedshiftDestinationConfiguration: {
      RoleARN: ROLE,
      ClusterJDBCURL: 'jdbc:redshift://dw.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/dev',
      CopyCommand: { DataTableName: 'enriched', CopyOptions: "json 'auto'" },
      SecretsManagerConfiguration: { Enabled: true, SecretARN: REDSHIFT_SECRET, RoleARN: ROLE },
      RetryOptions: { DurationInSeconds: 0 },
      S3Configuration: {
        BucketARN: `arn:aws:s3:::${DEST}`,
        RoleARN: ROLE,
        Prefix: prefix,
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      },
      S3BackupMode: 'Enabled',
      S3BackupConfiguration: {
        BucketARN: `arn:aws:s3:::${BACKUP}`,
        RoleARN: ROLE,
        Prefix: `${prefix}source/`,
      },
      ...enrichProcessing(),
    },
  });

  it('COPYs the transformed records; processing-failed goes to the intermediate bucket, the source to the backup', async () => {
    const p = await writerPipeline(redshiftConfig);
    await sendAndSeal(p, SOURCE);
    expect(await flush(p)).toBe(0);

    expect(redshift.tables.get('enriched')!.map((row) => withoutProcessedAt(JSON.stringify(row)))).toEqual(
      ENRICHED,
    );
    // No ErrorOutputPrefix on Redshift (§8): the default `<prefix>processing-failed/` of the S3Configuration (§3.3).
    expectNotJsonFailed(await objects(world, DEST, p.prefix), `${p.prefix}processing-failed/`);
    expect([...(await objects(world, BACKUP, `${p.prefix}source/`)).values()]).toEqual([[SOURCE.join('')]]);
  });

  it('runs no COPY when the processors left no record, and still writes the failures and the source backup', async () => {
    const p = await writerPipeline(redshiftConfig);
    const statements = redshift.statements.length;
    await sendAndSeal(p, ['{"type":"heartbeat"}', 'not json']);
    expect(await flush(p)).toBe(0);

    expect(redshift.statements.length).toBe(statements);
    const staged = await objects(world, DEST, p.prefix);
    expect([...staged.keys()].every((key) => key.startsWith(`${p.prefix}processing-failed/`))).toBe(true);
    expectNotJsonFailed(staged, `${p.prefix}processing-failed/`);
    expect([...(await objects(world, BACKUP, `${p.prefix}source/`)).values()]).toEqual([
      ['{"type":"heartbeat"}not json'],
    ]);
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });
});
