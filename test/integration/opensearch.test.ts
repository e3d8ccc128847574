import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamCommandInput,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSearchStandin } from '../support/opensearch-standin.ts';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  REPO_ROOT,
  startSluice,
} from '../support/sluice.ts';

const run = promisify(execFile);

function openSearchStream(name: string, endpoint: string, extra: Record<string, unknown> = {}) {
  return {
    DeliveryStreamName: name,
    AmazonopensearchserviceDestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/firehose',
      ClusterEndpoint: endpoint,
      IndexName: 'clicks',
      IndexRotationPeriod: 'OneDay',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      RetryOptions: { DurationInSeconds: 1 },
      S3Configuration: {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: 'arn:aws:s3:::os-backup',
        ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/',
      },
      ...extra,
    },
  } as CreateDeliveryStreamCommandInput;
}

// A stand-in _bulk server that answers as the OpenSearch documentation describes (no real cluster runs here).
describe('OpenSearch destination (spec §9), end to end with the AWS SDK and a _bulk stand-in', () => {
  let sluice: InProcessSluice;
  const cluster = new OpenSearchStandin();
  let endpoint: string;

  beforeAll(async () => {
    endpoint = await cluster.start();
    sluice = await startSluice();
  });
  afterAll(async () => {
    await sluice?.close();
    await cluster.stop();
  });

  const put = (stream: string, records: string[]) =>
    firehoseClient(sluice.endpoint).send(
      new PutRecordBatchCommand({
        DeliveryStreamName: stream,
        Records: records.map((r) => ({ Data: Buffer.from(r) })),
      }),
    );
  const flush = (stream: string) =>
    run(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'sluice.cjs'), 'flush', '--stream', stream, '--endpoint', sluice.endpoint],
      { cwd: REPO_ROOT, timeout: 60_000 },
    );

  it('indexes documents into the rotated index; a mapping error goes to AmazonOpenSearchService-failed with §4.2 fields', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(openSearchStream('to-os', endpoint)),
    );
    await put('to-os', ['{"user":"ada","n":1}', '{"user":"bob","n":2}']);
    await flush('to-os');
    const index = cluster.indexNames().find((name) => name.startsWith('clicks-'))!;
    expect(index).toMatch(/^clicks-\d{4}-\d{2}-\d{2}$/);
    expect([...cluster.documents(index).values()].map((d) => d.source)).toEqual([
      { user: 'ada', n: 1 },
      { user: 'bob', n: 2 },
    ]);

    // `n` is mapped as a number now: a string there is a mapping error, not retried (§9).
    await put('to-os', ['{"user":"eve","n":"not a number"}']);
    await flush('to-os');
    const objects = await listEmbeddedObjects(sluice.dataDir, 'os-backup');
    const failed = [...objects].filter(([key]) => key.startsWith('failed/AmazonOpenSearchService-failed/'));
    expect(failed).toHaveLength(1);
    const document = JSON.parse(failed[0]![1].toString().trim());
    expect(Object.keys(document)).toEqual([
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
    expect(document).toMatchObject({ attemptsMade: 1, esIndexName: index, esTypeName: null });
    expect(Buffer.from(document.rawData, 'base64').toString()).toBe('{"user":"eve","n":"not a number"}');
  });

  it('retries a failing cluster and does not duplicate documents (FIREHOSE_DEFAULT IDs)', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(
        openSearchStream('to-os-retry', endpoint, {
          IndexName: 'retry',
          RetryOptions: { DurationInSeconds: 30 },
        }),
      ),
    );
    cluster.failNextRequests(2, 503, true);
    await put('to-os-retry', ['{"a":1}', '{"a":2}', '{"a":3}']);
    await flush('to-os-retry');
    const index = cluster.indexNames().find((name) => name.startsWith('retry-'))!;
    expect(cluster.documents(index).size).toBe(3);
  });

  it('describes the destination with its defaults', async () => {
    const described = await firehoseClient(sluice.endpoint).send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'to-os' }),
    );
    expect(
      described.DeliveryStreamDescription!.Destinations![0]!.AmazonopensearchserviceDestinationDescription,
    ).toMatchObject({
      ClusterEndpoint: endpoint,
      IndexName: 'clicks',
      IndexRotationPeriod: 'OneDay',
      S3BackupMode: 'FailedDocumentsOnly',
      DocumentIdOptions: { DefaultDocumentIdFormat: 'FIREHOSE_DEFAULT' },
      S3DestinationDescription: { BucketARN: 'arn:aws:s3:::os-backup' },
    });
  });
});

describe('OpenSearch destination: a self-managed cluster behind basic auth (spec §9)', () => {
  const credentials = { username: 'firehose', password: 'pa:ss wörd' };
  const cluster = new OpenSearchStandin({ basicAuth: credentials });
  let endpoint: string;
  let sluice: InProcessSluice;

  beforeAll(async () => {
    endpoint = await cluster.start();
    sluice = await startSluice({ openSearchBasicAuth: { [endpoint]: credentials } });
  });
  afterAll(async () => {
    await sluice?.close();
    await cluster.stop();
  });

  it('indexes with the configured user and password, which never appear in Describe', async () => {
    const client = firehoseClient(sluice.endpoint);
    await client.send(
      new CreateDeliveryStreamCommand(openSearchStream('to-secured', endpoint, { IndexName: 'secured' })),
    );
    await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'to-secured',
        Records: ['{"a":1}', '{"a":2}'].map((r) => ({ Data: Buffer.from(r) })),
      }),
    );
    expect((await sluice.runtime.flush('to-secured', 30_000)).complete).toBe(true);
    const index = cluster.indexNames().find((name) => name.startsWith('secured-'))!;
    expect(cluster.documents(index).size).toBe(2);
    const described = await client.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'to-secured' }),
    );
    expect(JSON.stringify(described)).not.toContain(credentials.password);
  });
});
