import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamCommandInput,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEndpointServer } from '../support/http-endpoint-server.ts';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  REPO_ROOT,
  startSluice,
} from '../support/sluice.ts';

const run = promisify(execFile);
const ACCESS_KEY = 'super-secret-access-key';

function httpStream(
  name: string,
  url: string,
  extra: Record<string, unknown> = {},
): CreateDeliveryStreamCommandInput {
  return {
    DeliveryStreamName: name,
    HttpEndpointDestinationConfiguration: {
      EndpointConfiguration: { Url: url, Name: 'receiver', AccessKey: ACCESS_KEY },
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      RequestConfiguration: {
        ContentEncoding: 'GZIP',
        CommonAttributes: [{ AttributeName: 'team', AttributeValue: 'data' }],
      },
      S3Configuration: {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: 'arn:aws:s3:::http-backup',
        ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/',
        Prefix: 'all/',
      },
      ...extra,
    },
  } as CreateDeliveryStreamCommandInput;
}

describe('HTTP endpoint destination (spec §10), end to end with the AWS SDK', () => {
  let sluice: InProcessSluice;
  const receiver = new HttpEndpointServer();
  let url: string;

  beforeAll(async () => {
    url = await receiver.start();
    sluice = await startSluice();
  });
  afterAll(async () => {
    await sluice?.close();
    await receiver.stop();
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
      {
        cwd: REPO_ROOT,
        timeout: 60_000,
      },
    );

  it('delivers records with §10.2 headers and body, and AllData backs them up under the S3 prefix', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(httpStream('to-http', url, { S3BackupMode: 'AllData' })),
    );
    await put('to-http', ['{"n":1}', '{"n":2}', '{"n":3}']);
    await flush('to-http');
    const request = receiver.requests.at(-1)!;
    expect(request.records.map(String)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(request.headers['x-amz-firehose-protocol-version']).toBe('1.0');
    expect(request.headers['x-amz-firehose-access-key']).toBe(ACCESS_KEY);
    expect(request.headers['x-amz-firehose-source-arn']).toBe(
      'arn:aws:firehose:us-east-1:000000000000:deliverystream/to-http',
    );
    expect(JSON.parse(String(request.headers['x-amz-firehose-common-attributes']))).toEqual({
      commonAttributes: { team: 'data' },
    });
    expect(request.headers['content-encoding']).toBe('gzip');
    expect(request.headers['x-amz-firehose-request-id']).toBe(request.requestId);
    const objects = await listEmbeddedObjects(sluice.dataDir, 'http-backup');
    const backups = [...objects].filter(([key]) => key.startsWith('all/'));
    expect(backups.map(([, body]) => body.toString())).toEqual(['{"n":1}{"n":2}{"n":3}']);
  });

  it('retries 500s, then writes §4.2 http-endpoint-failed documents when the retry window closes', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(
        httpStream('to-broken', url, { RetryOptions: { DurationInSeconds: 1 } }),
      ),
    );
    const before = receiver.requests.length;
    receiver.respond(...Array.from({ length: 50 }, () => ({ status: 500 })));
    await put('to-broken', ['a', 'b']);
    await flush('to-broken');
    receiver.clearResponses();
    expect(receiver.requests.length - before).toBeGreaterThanOrEqual(2);
    const objects = await listEmbeddedObjects(sluice.dataDir, 'http-backup');
    const failed = [...objects].filter(([key]) => key.startsWith('failed/http-endpoint-failed/'));
    expect(failed).toHaveLength(1);
    const documents = failed[0]![1]
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(documents.map((d) => Buffer.from(d.rawData, 'base64').toString())).toEqual(['a', 'b']);
    for (const document of documents) {
      expect(Object.keys(document)).toEqual([
        'attemptsMade',
        'arrivalTimestamp',
        'errorCode',
        'errorMessage',
        'attemptEndingTimestamp',
        'rawData',
        'subsequenceNumber',
        'dataId',
      ]);
      expect(document.errorCode).toBe('HttpEndpoint.DestinationException');
      expect(document.attemptsMade).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(document)).not.toContain(ACCESS_KEY);
    }
  });

  it('describes the destination with defaults and without the access key, and merges UpdateDestination', async () => {
    const client = firehoseClient(sluice.endpoint);
    const described = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'to-http' }));
    const destination = described.DeliveryStreamDescription!.Destinations![0]!;
    expect(destination.HttpEndpointDestinationDescription).toMatchObject({
      EndpointConfiguration: { Url: url, Name: 'receiver' },
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      RetryOptions: { DurationInSeconds: 300 },
      S3BackupMode: 'AllData',
      S3DestinationDescription: { BucketARN: 'arn:aws:s3:::http-backup', Prefix: 'all/' },
    });
    expect(JSON.stringify(described)).not.toContain(ACCESS_KEY);
    await client.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'to-http',
        CurrentDeliveryStreamVersionId: described.DeliveryStreamDescription!.VersionId!,
        DestinationId: destination.DestinationId!,
        HttpEndpointDestinationUpdate: {
          BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 },
          S3Update: { Prefix: 'everything/' },
        },
      }),
    );
    const after = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'to-http' }));
    expect(after.DeliveryStreamDescription!.VersionId).toBe('2');
    expect(
      after.DeliveryStreamDescription!.Destinations![0]!.HttpEndpointDestinationDescription,
    ).toMatchObject({
      EndpointConfiguration: { Url: url },
      BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 },
      S3DestinationDescription: { Prefix: 'everything/' },
    });
  });

  it('refuses plain http off loopback and an S3 update on an HTTP endpoint stream', async () => {
    const client = firehoseClient(sluice.endpoint);
    await expect(
      client.send(new CreateDeliveryStreamCommand(httpStream('remote', 'http://example.com/ingest'))),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    const described = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'to-http' }));
    await expect(
      client.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'to-http',
          CurrentDeliveryStreamVersionId: described.DeliveryStreamDescription!.VersionId!,
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationUpdate: { Prefix: 'x/' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
  });
});
