import { connect, createServer, type Server, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamCommandInput,
  DescribeDeliveryStreamCommand,
  type DestinationDescription,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEndpointServer } from '../support/http-endpoint-server.ts';
import { OpenSearchStandin } from '../support/opensearch-standin.ts';
import { type RunningPostgres, startPostgres } from '../support/postgres.ts';
import { firehoseClient, type InProcessSluice, listEmbeddedObjects, startSluice } from '../support/sluice.ts';

const ROLE = 'arn:aws:iam::000000000000:role/firehose';
const PASSWORD = 'pg-password-never-shown';
const ACCESS_KEY = 'http-access-key-never-shown';

const s3Configuration = (bucket: string, extra: Record<string, unknown> = {}) => ({
  RoleARN: ROLE,
  BucketARN: `arn:aws:s3:::${bucket}`,
  ...extra,
});

function redshiftStream(
  name: string,
  jdbcUrl: string,
  extra: Record<string, unknown> = {},
): CreateDeliveryStreamCommandInput {
  return {
    DeliveryStreamName: name,
    RedshiftDestinationConfiguration: {
      RoleARN: ROLE,
      ClusterJDBCURL: jdbcUrl,
      CopyCommand: { DataTableName: 'clicks', DataTableColumns: 'usr,n', CopyOptions: "JSON 'auto'" },
      Username: 'postgres',
      Password: PASSWORD,
      RetryOptions: { DurationInSeconds: 2 },
      S3Configuration: s3Configuration('rs-stage', {
        Prefix: 'stage/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      }),
      ...extra,
    },
  } as CreateDeliveryStreamCommandInput;
}

/** A TCP relay in front of PostgreSQL that can refuse every connection for a while: the database "down". */
async function startRelay(port: number): Promise<{ port: number; down: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = {
    port: 0,
    down: false,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    if (relay.down) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.port = (server.address() as { port: number }).port;
  return relay;
}

function destinationOf(described: {
  DeliveryStreamDescription?: { Destinations?: DestinationDescription[] };
}) {
  return described.DeliveryStreamDescription!.Destinations![0]!;
}

describe('HTTP endpoint, OpenSearch and Redshift destinations through the AWS SDK and the local runtime', () => {
  let sluice: InProcessSluice;
  let postgres: RunningPostgres;
  const receiver = new HttpEndpointServer();
  const cluster = new OpenSearchStandin();
  let receiverUrl: string;
  let clusterUrl: string;

  beforeAll(async () => {
    [postgres, receiverUrl, clusterUrl] = await Promise.all([
      startPostgres(),
      receiver.start(),
      cluster.start(),
    ]);
    sluice = await startSluice();
  }, 60_000);
  afterAll(async () => {
    await sluice?.close();
    await Promise.all([postgres?.stop(), receiver.stop(), cluster.stop()]);
  });

  const client = () => firehoseClient(sluice.endpoint);
  const put = (stream: string, records: string[]) =>
    client().send(
      new PutRecordBatchCommand({
        DeliveryStreamName: stream,
        Records: records.map((r) => ({ Data: Buffer.from(r) })),
      }),
    );
  const flush = async (stream: string) => {
    const result = await sluice.runtime.flush(stream, 30_000);
    expect(result.complete).toBe(true);
  };
  const describeStream = (name: string) =>
    client().send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
  const metricsOf = (stream: string) => sluice.runtime.metrics.snapshot()[stream] ?? {};

  describe('Redshift (§8) into PostgreSQL 15', () => {
    it('stages the batch, writes a manifest, and COPYs rows equal to the records (GZIP, source backup)', async () => {
      await postgres.query('CREATE TABLE clicks (usr text, n integer)');
      await client().send(
        new CreateDeliveryStreamCommand(
          redshiftStream('to-rs', postgres.jdbcUrl, {
            S3Configuration: s3Configuration('rs-stage', {
              Prefix: 'stage/',
              CompressionFormat: 'GZIP',
              BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
            }),
            S3BackupMode: 'Enabled',
            S3BackupConfiguration: s3Configuration('rs-backup', { Prefix: 'source/' }),
          }),
        ),
      );
      const records = Array.from({ length: 50 }, (_, i) => JSON.stringify({ usr: `u${i}`, n: i }));
      await put('to-rs', records);
      await flush('to-rs');

      const rows = await postgres.query<{ usr: string; n: number }>('SELECT usr, n FROM clicks ORDER BY n');
      expect(rows).toEqual(records.map((r) => JSON.parse(r)));

      const staged = await listEmbeddedObjects(sluice.dataDir, 'rs-stage');
      const keys = [...staged.keys()];
      const data = keys.filter((k) => /^stage\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/to-rs-1-.*\.gz$/.test(k));
      const manifests = keys.filter((k) => k.startsWith('stage/manifests/'));
      expect(data).toHaveLength(1);
      expect(manifests).toHaveLength(1);
      expect(gunzipSync(staged.get(data[0]!)!).toString()).toBe(records.join(''));
      expect(JSON.parse(staged.get(manifests[0]!)!.toString())).toEqual({
        entries: [{ url: `s3://rs-stage/${data[0]}`, mandatory: true }],
      });
      expect(keys.some((k) => k.includes('errors/'))).toBe(false);

      const backups = await listEmbeddedObjects(sluice.dataDir, 'rs-backup');
      expect([...backups.keys()]).toEqual([
        expect.stringMatching(/^source\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/to-rs-1-/),
      ]);
      expect([...backups.values()][0]!.toString()).toBe(records.join(''));

      expect(metricsOf('to-rs')).toMatchObject({
        'DeliveryToRedshift.Records': 50,
        'DeliveryToRedshift.Success': 1,
        'DeliveryToS3.Records': 50,
        'BackupToS3.Records': 50,
      });
    });

    it('a missing table: the COPY is retried within RetryOptions, then an error manifest is left under errors/manifests/', async () => {
      await client().send(
        new CreateDeliveryStreamCommand(
          redshiftStream('to-rs-missing', postgres.jdbcUrl, {
            CopyCommand: { DataTableName: 'no_such_table', CopyOptions: "JSON 'auto'" },
          }),
        ),
      );
      await put('to-rs-missing', ['{"usr":"lost?","n":1}', '{"usr":"no","n":2}']);
      await flush('to-rs-missing');

      const staged = await listEmbeddedObjects(sluice.dataDir, 'rs-stage');
      const errorManifests = [...staged.keys()].filter((k) =>
        /^stage\/errors\/manifests\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/to-rs-missing-1-/.test(k),
      );
      expect(errorManifests).toHaveLength(1);
      const manifest = JSON.parse(staged.get(errorManifests[0]!)!.toString()) as {
        entries: Array<{ url: string; mandatory: boolean }>;
      };
      expect(manifest.entries).toHaveLength(1);
      expect(manifest.entries[0]!.mandatory).toBe(true);
      // The skipped records are in the staged object the manifest names, for a manual backfill.
      const key = manifest.entries[0]!.url.replace('s3://rs-stage/', '');
      expect(staged.get(key)!.toString()).toBe('{"usr":"lost?","n":1}{"usr":"no","n":2}');
      expect(metricsOf('to-rs-missing')).toMatchObject({
        'DeliveryToRedshift.Success': 0,
        'Sluice.SkippedBatches': 1,
      });
    });

    it('the database down for a while, then up: the COPY is retried within the window and nothing is lost', async () => {
      await postgres.query('CREATE TABLE outage (usr text, n integer)');
      const relay = await startRelay(postgres.port);
      try {
        await client().send(
          new CreateDeliveryStreamCommand(
            redshiftStream('to-rs-outage', `jdbc:postgresql://127.0.0.1:${relay.port}/postgres`, {
              CopyCommand: { DataTableName: 'outage', CopyOptions: "JSON 'auto'" },
              RetryOptions: { DurationInSeconds: 600 },
            }),
          ),
        );
        relay.down = true;
        await put('to-rs-outage', ['{"usr":"a","n":1}', '{"usr":"b","n":2}']);
        // The first COPY cannot connect; the writer waits for its next attempt (§8: every 5 minutes).
        expect((await sluice.runtime.flush('to-rs-outage', 1000)).complete).toBe(false);
        relay.down = false;
        // A flush cuts the wait short, as it does for S3 retries.
        await flush('to-rs-outage');
        expect(await postgres.query('SELECT usr, n FROM outage ORDER BY n')).toEqual([
          { usr: 'a', n: 1 },
          { usr: 'b', n: 2 },
        ]);
        const staged = await listEmbeddedObjects(sluice.dataDir, 'rs-stage');
        expect(
          [...staged.keys()].some((k) => k.includes('errors/manifests/') && k.includes('to-rs-outage')),
        ).toBe(false);
        expect(metricsOf('to-rs-outage')).toMatchObject({ 'DeliveryToRedshift.Records': 2 });
      } finally {
        await relay.close();
      }
    });

    it('CopyOptions PostgreSQL cannot apply stall delivery with the reason; UpdateDestination fixes it and nothing is lost', async () => {
      await postgres.query('CREATE TABLE pipes (usr text, n integer)');
      await client().send(
        new CreateDeliveryStreamCommand(
          redshiftStream('to-rs-fix', postgres.jdbcUrl, {
            CopyCommand: { DataTableName: 'pipes', CopyOptions: "FIXEDWIDTH 'usr:4,n:2'" },
          }),
        ),
      );
      await put('to-rs-fix', ['ada|1\n', 'bob|2\n']);
      const stalled = await sluice.runtime.flush('to-rs-fix', 1500);
      expect(stalled.complete).toBe(false);
      const status = stalled.streams[0]!;
      expect(status.stalled).toBe(true);
      expect(status.lastError).toMatch(/^CopyOptionsNotLoadable: .*FIXEDWIDTH/);
      expect(JSON.stringify(await sluice.runtime.status())).not.toContain(PASSWORD);

      const before = await describeStream('to-rs-fix');
      await client().send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'to-rs-fix',
          CurrentDeliveryStreamVersionId: before.DeliveryStreamDescription!.VersionId,
          DestinationId: 'destinationId-000000000001',
          RedshiftDestinationUpdate: {
            CopyCommand: { DataTableName: 'pipes', CopyOptions: "DELIMITER '|'" },
          },
        }),
      );
      await flush('to-rs-fix');
      expect(await postgres.query('SELECT usr, n FROM pipes ORDER BY n')).toEqual([
        { usr: 'ada', n: 1 },
        { usr: 'bob', n: 2 },
      ]);
    });

    it('describes with defaults and without the password; UpdateDestination merges, checks the version, refuses other types', async () => {
      const described = await describeStream('to-rs');
      expect(described.DeliveryStreamDescription!.VersionId).toBe('1');
      const destination = destinationOf(described);
      expect(destination.RedshiftDestinationDescription).toEqual({
        RoleARN: ROLE,
        ClusterJDBCURL: postgres.jdbcUrl,
        CopyCommand: { DataTableName: 'clicks', DataTableColumns: 'usr,n', CopyOptions: "JSON 'auto'" },
        Username: 'postgres',
        RetryOptions: { DurationInSeconds: 2 },
        S3BackupMode: 'Enabled',
        CloudWatchLoggingOptions: { Enabled: false },
        S3DestinationDescription: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::rs-stage',
          Prefix: 'stage/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
          CompressionFormat: 'GZIP',
          EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          CloudWatchLoggingOptions: { Enabled: false },
        },
        S3BackupDescription: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::rs-backup',
          Prefix: 'source/',
          BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
          CompressionFormat: 'UNCOMPRESSED',
          EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          CloudWatchLoggingOptions: { Enabled: false },
        },
      });
      expect(JSON.stringify(described)).not.toContain(PASSWORD);

      const update = (input: Record<string, unknown>, version = '1') =>
        client().send(
          new UpdateDestinationCommand({
            DeliveryStreamName: 'to-rs',
            CurrentDeliveryStreamVersionId: version,
            DestinationId: 'destinationId-000000000001',
            ...input,
          }),
        );
      await expect(update({ RedshiftDestinationUpdate: { S3BackupMode: 'Disabled' } })).rejects.toMatchObject(
        {
          name: 'InvalidArgumentException',
          message: 'Disabling S3 backup is not currently supported.',
        },
      );
      await expect(
        update({ HttpEndpointDestinationUpdate: { EndpointConfiguration: { Url: receiverUrl } } }),
      ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
      await update({
        RedshiftDestinationUpdate: {
          RetryOptions: { DurationInSeconds: 5 },
          S3Update: { BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 30 } },
        },
      });
      await expect(
        update({ RedshiftDestinationUpdate: { RetryOptions: { DurationInSeconds: 6 } } }, '1'),
      ).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
      const after = await describeStream('to-rs');
      expect(after.DeliveryStreamDescription!.VersionId).toBe('2');
      expect(destinationOf(after).RedshiftDestinationDescription).toMatchObject({
        CopyCommand: { DataTableName: 'clicks', DataTableColumns: 'usr,n', CopyOptions: "JSON 'auto'" },
        RetryOptions: { DurationInSeconds: 5 },
        S3DestinationDescription: {
          Prefix: 'stage/',
          BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 30 },
          CompressionFormat: 'GZIP',
        },
      });

      // The rebuilt writer loads with the new version in its object names.
      await put('to-rs', ['{"usr":"v2","n":100}']);
      await flush('to-rs');
      expect(await postgres.query('SELECT usr FROM clicks WHERE n = 100')).toEqual([{ usr: 'v2' }]);
      const staged = [...(await listEmbeddedObjects(sluice.dataDir, 'rs-stage')).keys()];
      expect(staged.some((k) => /^stage\/\d{4}\/.*\/to-rs-2-.*\.gz$/.test(k))).toBe(true);
    });

    it('refuses what Firehose refuses, every problem in one answer', async () => {
      await expect(
        client().send(
          new CreateDeliveryStreamCommand(
            redshiftStream('rs-bad', postgres.jdbcUrl, {
              Password: undefined,
              S3Configuration: s3Configuration('rs-stage', {
                CompressionFormat: 'Snappy',
                Prefix: '!{timestamp:yyyy}/',
              }),
            }),
          ),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidArgumentException',
        message: expect.stringMatching(
          /Username and Password.*Snappy.*expressions|Snappy.*expressions.*Username/s,
        ),
      });
    });
  });

  describe('HTTP endpoint (§10)', () => {
    it('delivers with §10.2 headers, describes without the access key, and UpdateDestination changes the endpoint name', async () => {
      await client().send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'to-http',
          HttpEndpointDestinationConfiguration: {
            EndpointConfiguration: { Url: receiverUrl, Name: 'receiver', AccessKey: ACCESS_KEY },
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
            S3Configuration: s3Configuration('http-failed'),
          },
        }),
      );
      await put('to-http', ['a', 'b']);
      await flush('to-http');
      const request = receiver.requests.at(-1)!;
      expect(request.records.map(String)).toEqual(['a', 'b']);
      expect(request.headers['x-amz-firehose-protocol-version']).toBe('1.0');
      expect(request.headers['x-amz-firehose-access-key']).toBe(ACCESS_KEY);
      expect(request.headers['x-amz-firehose-source-arn']).toBe(
        'arn:aws:firehose:us-east-1:000000000000:deliverystream/to-http',
      );
      expect(request.headers['x-amz-firehose-request-id']).toBe(request.requestId);
      expect(metricsOf('to-http')).toMatchObject({ 'DeliveryToHttpEndpoint.Records': 2 });

      const described = await describeStream('to-http');
      expect(destinationOf(described).HttpEndpointDestinationDescription).toMatchObject({
        EndpointConfiguration: { Url: receiverUrl, Name: 'receiver' },
        S3BackupMode: 'FailedDataOnly',
        RetryOptions: { DurationInSeconds: 300 },
        S3DestinationDescription: { BucketARN: 'arn:aws:s3:::http-failed' },
      });
      expect(JSON.stringify(described)).not.toContain(ACCESS_KEY);
      await client().send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'to-http',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          HttpEndpointDestinationUpdate: { EndpointConfiguration: { Url: receiverUrl, Name: 'renamed' } },
        }),
      );
      const after = destinationOf(await describeStream('to-http')).HttpEndpointDestinationDescription!;
      expect(after.EndpointConfiguration).toEqual({ Url: receiverUrl, Name: 'renamed' });
      await put('to-http', ['c']);
      await flush('to-http');
      expect(receiver.requests.at(-1)!.records.map(String)).toEqual(['c']);
    });

    it('an endpoint failing past a short retry window: http-endpoint-failed documents in the §4.2 shape', async () => {
      await client().send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'to-http-down',
          HttpEndpointDestinationConfiguration: {
            EndpointConfiguration: { Url: receiverUrl, AccessKey: ACCESS_KEY },
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
            RetryOptions: { DurationInSeconds: 1 },
            S3Configuration: s3Configuration('http-failed', { ErrorOutputPrefix: 'err/' }),
          },
        }),
      );
      receiver.respond(...Array.from({ length: 20 }, () => ({ status: 503 })));
      await put('to-http-down', ['x1', 'x2']);
      await flush('to-http-down');
      receiver.clearResponses();
      const objects = await listEmbeddedObjects(sluice.dataDir, 'http-failed');
      const failed = [...objects].filter(([key]) => key.startsWith('err/'));
      expect(failed).toHaveLength(1);
      const documents = failed[0]![1]
        .toString()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(documents.map((d) => Object.keys(d))).toEqual(
        Array(2).fill([
          'attemptsMade',
          'arrivalTimestamp',
          'errorCode',
          'errorMessage',
          'attemptEndingTimestamp',
          'rawData',
          'subsequenceNumber',
          'dataId',
        ]),
      );
      expect(documents.map((d) => Buffer.from(d.rawData, 'base64').toString())).toEqual(['x1', 'x2']);
      // §4.2's documented code for a 5xx answer.
      expect(documents[0]).toMatchObject({ errorCode: 'HttpEndpoint.DestinationException' });
      expect(documents[0].attemptsMade).toBeGreaterThan(1);
      expect(failed[0]![1].toString()).not.toContain(ACCESS_KEY);
    });
  });

  describe('OpenSearch shapes (§9) against the _bulk stand-in', () => {
    const openSearchConfig = (index: string, extra: Record<string, unknown> = {}) => ({
      RoleARN: ROLE,
      IndexName: index,
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      RetryOptions: { DurationInSeconds: 1 },
      S3Configuration: s3Configuration('os-failed', { ErrorOutputPrefix: `${index}/` }),
      ...extra,
    });

    it('Elasticsearch shape: OneMonth rotation, described with defaults, updated in place', async () => {
      await client().send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'to-es',
          ElasticsearchDestinationConfiguration: openSearchConfig('legacy', {
            ClusterEndpoint: clusterUrl,
            IndexRotationPeriod: 'OneMonth',
          }),
        } as CreateDeliveryStreamCommandInput),
      );
      await put('to-es', ['{"k":1}']);
      await flush('to-es');
      const index = cluster.indexNames().find((name) => name.startsWith('legacy-'))!;
      expect(index).toMatch(/^legacy-\d{4}-\d{2}$/);
      expect([...cluster.documents(index).values()].map((d) => d.source)).toEqual([{ k: 1 }]);
      expect(metricsOf('to-es')).toMatchObject({ 'DeliveryToAmazonOpenSearchService.Records': 1 });

      const described = destinationOf(await describeStream('to-es')).ElasticsearchDestinationDescription;
      expect(described).toMatchObject({
        ClusterEndpoint: clusterUrl,
        IndexName: 'legacy',
        IndexRotationPeriod: 'OneMonth',
        S3BackupMode: 'FailedDocumentsOnly',
        RetryOptions: { DurationInSeconds: 1 },
        DocumentIdOptions: { DefaultDocumentIdFormat: 'FIREHOSE_DEFAULT' },
        S3DestinationDescription: { BucketARN: 'arn:aws:s3:::os-failed', ErrorOutputPrefix: 'legacy/' },
      });
      await client().send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'to-es',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          ElasticsearchDestinationUpdate: { IndexName: 'legacy2', IndexRotationPeriod: 'NoRotation' },
        }),
      );
      await put('to-es', ['{"k":2}']);
      await flush('to-es');
      expect([...cluster.documents('legacy2').values()].map((d) => d.source)).toEqual([{ k: 2 }]);
    });

    it('Serverless shape: documents in the collection; a mapping error → AmazonOpenSearchService-failed with os* fields', async () => {
      await client().send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'to-aoss',
          AmazonOpenSearchServerlessDestinationConfiguration: openSearchConfig('coll', {
            CollectionEndpoint: clusterUrl,
          }),
        } as CreateDeliveryStreamCommandInput),
      );
      await put('to-aoss', ['{"v":1}']);
      await flush('to-aoss');
      // Serverless collections are not rotated (§9: no IndexRotationPeriod in the shape).
      expect([...cluster.documents('coll').values()].map((d) => d.source)).toEqual([{ v: 1 }]);
      await put('to-aoss', ['{"v":"text"}']);
      await flush('to-aoss');
      const objects = await listEmbeddedObjects(sluice.dataDir, 'os-failed');
      const failed = [...objects].filter(([key]) => key.startsWith('coll/'));
      expect(failed).toHaveLength(1);
      const document = JSON.parse(failed[0]![1].toString().trim());
      expect(Object.keys(document)).toEqual([
        'attemptsMade',
        'arrivalTimestamp',
        'errorCode',
        'errorMessage',
        'attemptEndingTimestamp',
        'osDocumentId',
        'osIndexName',
        'rawData',
      ]);
      expect(document).toMatchObject({ attemptsMade: 1, osIndexName: 'coll' });
      expect(Buffer.from(document.rawData, 'base64').toString()).toBe('{"v":"text"}');
      const described = destinationOf(await describeStream('to-aoss'));
      expect(described.AmazonOpenSearchServerlessDestinationDescription).toMatchObject({
        CollectionEndpoint: clusterUrl,
        IndexName: 'coll',
        S3BackupMode: 'FailedDocumentsOnly',
      });
    });
  });

  it('still refuses Splunk, Snowflake and Iceberg destinations clearly', async () => {
    await expect(
      client().send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'to-splunk',
          SplunkDestinationConfiguration: {
            HECEndpoint: 'https://splunk.example.com',
            HECEndpointType: 'Raw',
            HECToken: 'token',
            S3Configuration: s3Configuration('splunk'),
          },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      message: expect.stringContaining('SplunkDestination'),
    });
  });
});
