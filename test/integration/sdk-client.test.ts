import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  s3StreamInput,
  startSluice,
} from '../support/sluice.ts';

const KEY =
  /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/([a-z-]+)-(\d+)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(\.gz)?$/;

describe('@aws-sdk/client-firehose against the local runtime', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(async () => sluice.close());

  it('creates a stream, puts a batch and delivers it as a GZIP object with Firehose key layout', async () => {
    const client = firehoseClient(sluice.endpoint);
    const created = await client.send(
      new CreateDeliveryStreamCommand(
        s3StreamInput('sdk-gzip', {
          CompressionFormat: 'GZIP',
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        }) as never,
      ),
    );
    expect(created.DeliveryStreamARN).toBe('arn:aws:firehose:us-east-1:000000000000:deliverystream/sdk-gzip');

    const records = Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.from(JSON.stringify({ i })) }));
    const put = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'sdk-gzip', Records: records }),
    );
    expect(put.FailedPutCount).toBe(0);
    expect(put.RequestResponses).toHaveLength(500);
    expect(new Set(put.RequestResponses!.map((r) => r.RecordId)).size).toBe(500);

    const single = await client.send(
      new PutRecordCommand({ DeliveryStreamName: 'sdk-gzip', Record: { Data: Buffer.from('{"i":500}') } }),
    );
    expect(single.RecordId).toMatch(/^[0-9a-f]+$/);
    expect(single.Encrypted).toBe(false);

    await sluice.runtime.flush('sdk-gzip');
    const objects = await listEmbeddedObjects(sluice.dataDir, 'test-bucket');
    const keys = [...objects.keys()].filter((k) => k.includes('sdk-gzip'));
    expect(keys).toHaveLength(1);
    const match = KEY.exec(keys[0]!);
    expect(match?.[5]).toBe('sdk-gzip');
    expect(match?.[6]).toBe('1');
    expect(match?.[7]).toBe('.gz');
    const lines = gunzipSync(objects.get(keys[0]!)!).toString().trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 501 }, (_, i) => JSON.stringify({ i })));
  });

  it('describes the stream with Firehose defaults and lists it', async () => {
    const client = firehoseClient(sluice.endpoint);
    await client.send(new CreateDeliveryStreamCommand(s3StreamInput('sdk-describe') as never));
    const { DeliveryStreamDescription: d } = await client.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'sdk-describe' }),
    );
    expect(d?.DeliveryStreamStatus).toBe('ACTIVE');
    expect(d?.VersionId).toBe('1');
    expect(d?.CreateTimestamp).toBeInstanceOf(Date);
    const destination = d?.Destinations?.[0];
    expect(destination?.DestinationId).toBe('destinationId-000000000001');
    expect(destination?.ExtendedS3DestinationDescription?.BufferingHints).toEqual({
      SizeInMBs: 5,
      IntervalInSeconds: 300,
    });
    expect(destination?.ExtendedS3DestinationDescription?.CompressionFormat).toBe('UNCOMPRESSED');
    const list = await client.send(new ListDeliveryStreamsCommand({}));
    expect(list.DeliveryStreamNames).toEqual(expect.arrayContaining(['sdk-describe', 'sdk-gzip']));
  });

  it('puts the new VersionId into object names after UpdateDestination', async () => {
    const client = firehoseClient(sluice.endpoint);
    await client.send(
      new CreateDeliveryStreamCommand(s3StreamInput('sdk-update', { Prefix: 'upd/' }) as never),
    );
    await client.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'sdk-update',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { CompressionFormat: 'GZIP' },
      }),
    );
    await expect(
      client.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'sdk-update',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationUpdate: { CompressionFormat: 'ZIP' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
    await client.send(
      new PutRecordCommand({ DeliveryStreamName: 'sdk-update', Record: { Data: Buffer.from('x') } }),
    );
    await sluice.runtime.flush('sdk-update');
    const keys = [...(await listEmbeddedObjects(sluice.dataDir, 'test-bucket')).keys()].filter((k) =>
      k.startsWith('upd'),
    );
    // Expression-free prefix: the date path is concatenated (spec §3.1), and the version is 2.
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^upd\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/sdk-update-2-.*\.gz$/);
  });

  it('reports throttled entries per record inside a 200 PutRecordBatch response', async () => {
    const small = await startSluice({ maxBufferedBytesPerStream: 3000 });
    try {
      const client = firehoseClient(small.endpoint);
      await client.send(new CreateDeliveryStreamCommand(s3StreamInput('sdk-throttle') as never));
      const records = Array.from({ length: 5 }, () => ({ Data: Buffer.alloc(1024, 97) }));
      const put = await client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'sdk-throttle', Records: records }),
      );
      expect(put.FailedPutCount).toBe(3);
      expect(put.RequestResponses!.map((r) => r.ErrorCode ?? 'ok')).toEqual([
        'ok',
        'ok',
        'ServiceUnavailableException',
        'ServiceUnavailableException',
        'ServiceUnavailableException',
      ]);
      expect(put.RequestResponses![2]!.ErrorMessage).toBe('Slow down.');
      await small.runtime.flush('sdk-throttle');
      const objects = await listEmbeddedObjects(small.dataDir, 'test-bucket');
      expect([...objects.values()].map((b) => b.length)).toEqual([2048]);
    } finally {
      await small.close();
    }
  });
});
