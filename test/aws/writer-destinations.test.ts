import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { handleKinesisBatch } from '../../lib/aws/buffer.ts';
import {
  type AwsClientFactory,
  awsDeliveryAdapters,
  httpEndpointSecretArn,
} from '../../lib/aws/delivery-adapters.ts';
import { EmfMetrics } from '../../lib/aws/emf.ts';
import { handleFlushMessages } from '../../lib/aws/flush.ts';
import { sdkDestinationClients } from '../../lib/aws/sdk-destination-clients.ts';
import { StagingStore } from '../../lib/aws/staging-store.ts';
import { sweep } from '../../lib/aws/sweeper.ts';
import type { ObjectStore } from '../../lib/core/ports.ts';
import { HttpEndpointServer } from '../support/http-endpoint-server.ts';
import { OpenSearchStandin } from '../support/opensearch-standin.ts';
import { REGION, startEmulators } from './support/emulators.ts';
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
 * Writer destinations in the flush Lambda: the core's writers (the ones `sluice start` uses) behind the AWS
 * adapters, from PutRecordBatch through kinesalite, dynalite and s3rver to the destination and, for what failed
 * or with AllData, to the S3 backup bucket.
 */
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:collector-key-AbCdEf`;
const STAND_IN_KEYS = { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'stand-in-secret' };
let world: World;
let secrets: SecretsStandIn;
let receiver: HttpEndpointServer;
let receiverUrl: string;
let cluster: OpenSearchStandin;
let clusterUrl: string;
let redshift: RedshiftDataStandIn;
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
  secrets = await startSecretsStandIn({ [SECRET_ARN]: '{"api_key":"collector-access-key"}' });
  receiver = new HttpEndpointServer();
  receiverUrl = await receiver.start();
  // Verifies SigV4 for `es` with the keys the Lambda's SDK clients resolve (here: the stand-in keys).
  cluster = new OpenSearchStandin({ sigv4: { service: 'es', keys: [STAND_IN_KEYS] } });
  clusterUrl = await cluster.start();
  redshift = await startRedshiftDataStandIn(emulators.s3, ['events', 'serverless_events']);
});

afterAll(async () => {
  world?.store.destroy();
  await world?.emulators.stop();
  await secrets?.stop();
  await receiver?.stop();
  await cluster?.stop();
  await redshift?.stop();
});

/** The Lambdas' SDK-backed destination clients, pointed at the stand-ins. */
const clients: AwsClientFactory = {
  glue: () => {
    throw new Error('No conversion here.');
  },
  lambda: () => {
    throw new Error('No transform here.');
  },
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
    adapters: (stream) =>
      awsDeliveryAdapters(
        stream,
        {
          region: REGION,
          accountId: ACCOUNT,
          httpSecretArn: httpEndpointSecretArn(config(stream.name, '')),
        },
        clients,
      ),
  });
}

/** Ingest → Kinesis → buffer (staged: 900 s) → sweeper after the interval → one flush message. */
async function sendAndSeal(p: Pipeline, data: string[]): Promise<void> {
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

const httpConfig =
  (options: { backupMode?: 'AllData' | 'FailedDataOnly'; retrySeconds?: number } = {}) =>
  (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    HttpEndpointDestinationConfiguration: {
      EndpointConfiguration: { Url: receiverUrl, Name: 'collector' },
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      RequestConfiguration: {
        ContentEncoding: 'GZIP',
        CommonAttributes: [{ AttributeName: 'team', AttributeValue: 'web' }],
      },
      RetryOptions: { DurationInSeconds: options.retrySeconds ?? 0 },
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      S3BackupMode: options.backupMode ?? 'FailedDataOnly',
      S3Configuration: {
        BucketARN: `arn:aws:s3:::${BACKUP}`,
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
        Prefix: prefix,
        ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
      },
      SecretsManagerConfiguration: {
        Enabled: true,
        SecretARN: SECRET_ARN,
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      },
    },
  });

describe('HTTP endpoint destination in the flush Lambda (spec §10)', () => {
  it('sends the records with the access key from Secrets Manager and Firehose’s headers', async () => {
    const p = await writerPipeline(httpConfig());
    const sent = ['{"n":1}', '{"n":2}', '{"n":3}'];
    const before = receiver.requests.length;
    await sendAndSeal(p, sent);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);

    const requests = receiver.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.records.map((r) => r.toString())).toEqual(sent);
    expect(requests[0]!.headers).toMatchObject({
      'x-amz-firehose-access-key': 'collector-access-key',
      'x-amz-firehose-source-arn': p.stream.arn,
      'x-amz-firehose-common-attributes': '{"commonAttributes":{"team":"web"}}',
      'content-encoding': 'gzip',
    });
    expect(secrets.reads).toContain(SECRET_ARN);
    // FailedDataOnly and nothing failed: no object at all.
    expect(await objects(world, BACKUP, p.prefix)).toEqual(new Map());
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('writes records the endpoint refused, after the retry window, under http-endpoint-failed (§4.2)', async () => {
    const p = await writerPipeline(httpConfig({ retrySeconds: 0 }));
    receiver.respond({ status: 500 });
    await sendAndSeal(p, ['{"refused":1}', '{"refused":2}']);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const found = [...(await objects(world, BACKUP, p.prefix))];
    expect(found).toHaveLength(1);
    expect(found[0]![0]).toMatch(new RegExp(`^${p.prefix}errors/http-endpoint-failed/`));
    const documents = found[0]![1].map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(documents.map((d) => Buffer.from(String(d.rawData), 'base64').toString())).toEqual([
      '{"refused":1}',
      '{"refused":2}',
    ]);
    expect(documents[0]).toMatchObject({ attemptsMade: 1, errorCode: 'HttpEndpoint.DestinationException' });
    expect(Object.keys(documents[0]!)).toEqual([
      'attemptsMade',
      'arrivalTimestamp',
      'errorCode',
      'errorMessage',
      'attemptEndingTimestamp',
      'rawData',
      'subsequenceNumber',
      'dataId',
    ]);
  });

  it('counts the retry window from the first send across re-drives, so failing records still reach the error output', async () => {
    const p = await writerPipeline(httpConfig({ retrySeconds: 60 }));
    const before = receiver.requests.length;
    receiver.respond({ status: 503 }, { status: 503 });
    await sendAndSeal(p, ['{"late":1}']);
    // The first run has 300 ms left before its margin: the first backoff (1 s, §10.4) does not fit, so it stops.
    const shortRun = { ...p.flushDeps, remainingMs: () => p.flushDeps.deadlineMarginMs + 300 };
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, shortRun))).toBe(1);
    expect(await objects(world, BACKUP, p.prefix)).toEqual(new Map());
    // SQS re-drives it after the window has passed: one more attempt, then the error output.
    p.clock.nowMs += 61_000;
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect(receiver.requests.length - before).toBe(2);
    const found = [...(await objects(world, BACKUP, p.prefix))];
    expect(found.map(([key]) => key.split('/')[2])).toEqual(['http-endpoint-failed']);
    expect(JSON.parse(found[0]![1][0]!)).toMatchObject({
      attemptsMade: 1,
      errorCode: 'HttpEndpoint.DestinationException',
    });
  });

  it('a re-driven flush does not send again what the endpoint took; it only writes the missing backup', async () => {
    const p = await writerPipeline(httpConfig({ backupMode: 'AllData' }));
    const before = receiver.requests.length;
    await sendAndSeal(p, ['{"once":1}', '{"once":2}']);
    const dying: ObjectStore = {
      async putObject() {
        throw new Error('Lambda killed before the backup put');
      },
    };
    expect(
      await p.queue.deliverTo((event) => handleFlushMessages(event, { ...p.flushDeps, store: dying })),
    ).toBe(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect(receiver.requests.length - before).toBe(1);
    const backup = [...(await objects(world, BACKUP, p.prefix))];
    expect(backup).toHaveLength(1);
    expect(backup[0]![1]).toEqual(['{"once":1}{"once":2}']);
  });
});

const openSearchConfig =
  (index: string, options: { backupMode?: 'AllDocuments' | 'FailedDocumentsOnly' } = {}) =>
  (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    AmazonopensearchserviceDestinationConfiguration: {
      ClusterEndpoint: clusterUrl,
      IndexName: index,
      IndexRotationPeriod: 'OneDay',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      RetryOptions: { DurationInSeconds: 0 },
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      S3BackupMode: options.backupMode ?? 'FailedDocumentsOnly',
      S3Configuration: {
        BucketARN: `arn:aws:s3:::${BACKUP}`,
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
        Prefix: prefix,
        ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
      },
    },
  });

/** The UTC day suffix of OneDay rotation (spec §9) for an arrival instant. */
const daySuffix = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('OpenSearch destination in the flush Lambda (spec §9, stand-in _bulk endpoint with SigV4 `es`)', () => {
  it('indexes each record into the rotated index; a re-driven flush overwrites the same documents', async () => {
    const p = await writerPipeline(openSearchConfig('clicks', { backupMode: 'AllDocuments' }));
    const sentAfterMs = Date.now();
    await sendAndSeal(p, ['{"page":"/a"}', '{"page":"/b"}']);
    const sentBeforeMs = Date.now();
    const dying: ObjectStore = {
      async putObject() {
        throw new Error('Lambda killed before the backup put');
      },
    };
    // The first attempt indexes, then dies; the ledger has the send, so the re-drive only writes the backup.
    expect(
      await p.queue.deliverTo((event) => handleFlushMessages(event, { ...p.flushDeps, store: dying })),
    ).toBe(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);

    const index = cluster.indexNames().find((name) => name.startsWith('clicks-'))!;
    expect(index).toMatch(/^clicks-\d{4}-\d{2}-\d{2}$/);
    // The records' arrival day in UTC (either side of midnight, should the test run across it).
    expect([`clicks-${daySuffix(sentAfterMs)}`, `clicks-${daySuffix(sentBeforeMs)}`]).toContain(index);
    const documents = [...cluster.documents(index).values()];
    expect(
      documents.map((d) => d.source).sort((a, b) => String(a.page).localeCompare(String(b.page))),
    ).toEqual([{ page: '/a' }, { page: '/b' }]);
    expect(documents.every((d) => d.version === 1)).toBe(true);
    const backup = [...(await objects(world, BACKUP, p.prefix))];
    expect(backup).toHaveLength(1);
  });

  it('a send that left failed documents is repeated by a re-drive with the same document IDs (an overwrite)', async () => {
    const p = await writerPipeline(openSearchConfig('views'));
    await sendAndSeal(p, ['{"page":"/x"}', '{"page":"/y"}']);
    const dying: ObjectStore = {
      async putObject() {
        throw new Error('Lambda killed before the error output put');
      },
    };
    // One item is throttled (429) with a zero retry window: it fails, so its error document is planned.
    cluster.throttleNextItems(1);
    expect(
      await p.queue.deliverTo((event) => handleFlushMessages(event, { ...p.flushDeps, store: dying })),
    ).toBe(1);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const index = cluster.indexNames().find((name) => name.startsWith('views-'))!;
    const documents = [...cluster.documents(index).values()];
    expect(documents).toHaveLength(2);
    // The document indexed by both attempts was overwritten, not duplicated.
    expect(documents.map((d) => d.version).sort()).toEqual([1, 2]);
    expect(await objects(world, BACKUP, p.prefix)).toEqual(new Map());
  });

  it('writes documents the cluster refuses (a mapping conflict) under AmazonOpenSearchService-failed (§4.2)', async () => {
    const p = await writerPipeline(openSearchConfig('orders'));
    await sendAndSeal(p, ['{"total":1}', '{"total":"not a number"}']);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const found = [...(await objects(world, BACKUP, p.prefix))];
    expect(found).toHaveLength(1);
    expect(found[0]![0]).toMatch(new RegExp(`^${p.prefix}errors/AmazonOpenSearchService-failed/`));
    const [document] = found[0]![1].map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Buffer.from(String(document!.rawData), 'base64').toString()).toBe('{"total":"not a number"}');
    expect(document).toMatchObject({ errorCode: '400', esIndexName: expect.stringMatching(/^orders-/) });
    expect(Object.keys(document!)).toEqual([
      'attemptsMade',
      'arrivalTimestamp',
      'errorCode',
      'errorMessage',
      'attemptEndingTimestamp',
      'esDocumentId',
      'esIndexName',
      'esTypeName',
      'rawData',
    ]);
  });
});

const PROVISIONED = 'jdbc:redshift://dw.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/dev';
const SERVERLESS =
  'jdbc:redshift://wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/analytics';
const REDSHIFT_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:redshift-creds-AbCdEf`;

const redshiftConfig =
  (table: string, options: { jdbcUrl?: string; backup?: boolean } = {}) =>
  (name: string, prefix: string) => ({
    DeliveryStreamName: name,
    RedshiftDestinationConfiguration: {
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      ClusterJDBCURL: options.jdbcUrl ?? PROVISIONED,
      CopyCommand: { DataTableName: table, CopyOptions: "json 'auto'" },
      SecretsManagerConfiguration: {
        Enabled: true,
        SecretARN: REDSHIFT_SECRET,
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      },
      RetryOptions: { DurationInSeconds: 0 },
      S3Configuration: {
        BucketARN: `arn:aws:s3:::${DEST}`,
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
        Prefix: prefix,
        CompressionFormat: 'GZIP',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
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

describe('Redshift destination in the flush Lambda (spec §8, stand-in Redshift Data API)', () => {
  it('stages the records and a manifest, COPYs through ExecuteStatement and polls DescribeStatement', async () => {
    const p = await writerPipeline(redshiftConfig('events'));
    redshift.pendingDescribes = 1;
    const before = redshift.statements.length;
    await sendAndSeal(p, ['{"id":1,"user":"ada"}\n', '{"id":2,"user":"bob"}\n']);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    redshift.pendingDescribes = 0;

    expect(redshift.tables.get('events')).toEqual([
      { id: 1, user: 'ada' },
      { id: 2, user: 'bob' },
    ]);
    const [statement] = redshift.statements.slice(before);
    expect(statement).toMatchObject({
      database: 'dev',
      clusterIdentifier: 'dw',
      workgroupName: undefined,
      secretArn: REDSHIFT_SECRET,
    });
    expect(statement!.sql).toMatch(
      new RegExp(
        `^COPY events FROM 's3://${DEST}/${p.prefix}manifests/[^']+' CREDENTIALS 'aws_iam_role=arn:aws:iam::${ACCOUNT}:role/flush' MANIFEST json 'auto' GZIP$`,
      ),
    );
    const staged = await objects(world, DEST, p.prefix);
    expect([...staged.keys()].filter((key) => key.endsWith('.gz'))).toHaveLength(1);
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('runs statements on a Serverless workgroup', async () => {
    const p = await writerPipeline(redshiftConfig('serverless_events', { jdbcUrl: SERVERLESS }));
    await sendAndSeal(p, ['{"id":3}\n']);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect(redshift.statements.at(-1)).toMatchObject({
      database: 'analytics',
      clusterIdentifier: undefined,
      workgroupName: 'wg',
    });
    expect(redshift.tables.get('serverless_events')).toEqual([{ id: 3 }]);
  });

  it('skips a batch whose COPY fails past the retry window, leaving its manifest under errors/manifests/', async () => {
    const p = await writerPipeline(redshiftConfig('missing_table'));
    await sendAndSeal(p, ['{"id":4}\n']);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    const keys = [...(await objects(world, DEST, p.prefix)).keys()];
    const errorManifest = keys.find((key) => key.startsWith(`${p.prefix}errors/manifests/`));
    expect(errorManifest).toBeDefined();
    const manifest = (await objects(world, DEST, errorManifest!)).get(errorManifest!)!.join('');
    // The error manifest names the staged object, so the batch can be loaded by hand (§8).
    const staged = keys.find((key) => key.endsWith('.gz'))!;
    expect(JSON.parse(manifest)).toEqual({ entries: [{ url: `s3://${DEST}/${staged}`, mandatory: true }] });
    expect(await p.ledger.pendingFlushes()).toEqual([]);
  });

  it('a re-driven flush whose COPY finished does not load it again; it writes only the missing backup', async () => {
    const p = await writerPipeline(redshiftConfig('events', { backup: true }));
    const before = redshift.statements.length;
    const rowsBefore = redshift.tables.get('events')!.length;
    await sendAndSeal(p, ['{"id":5}\n', '{"id":6}\n']);
    // The intermediate object and manifest are written through the store; the backup put is the one that dies.
    let puts = 0;
    const dyingOnBackup: ObjectStore = {
      async putObject(input) {
        if (input.bucket === BACKUP) throw new Error('Lambda killed before the backup put');
        puts++;
        await world.store.putObject(input);
      },
    };
    expect(
      await p.queue.deliverTo((event) =>
        handleFlushMessages(event, { ...p.flushDeps, store: dyingOnBackup }),
      ),
    ).toBe(1);
    expect(puts).toBeGreaterThanOrEqual(2);
    expect(await p.queue.deliverTo((event) => handleFlushMessages(event, p.flushDeps))).toBe(0);
    expect(redshift.statements.length - before).toBe(1);
    expect(redshift.tables.get('events')!.slice(rowsBefore)).toEqual([{ id: 5 }, { id: 6 }]);
    expect([...(await objects(world, BACKUP, `${p.prefix}source/`)).values()]).toEqual([
      ['{"id":5}', '{"id":6}'],
    ]);
  });
});
