import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../support/real-clients.ts';
import { type InProcessSluice, listEmbeddedObjects, startSluice } from '../support/sluice.ts';

describe('AWS CLI v2 (/usr/bin/aws)', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice({ maxBufferedBytesPerStream: 6000 });
  });
  afterAll(async () => sluice.close());

  it('creates a stream, puts a batch with one throttled entry, and the objects are readable', async () => {
    const created = (await awsCli(sluice.endpoint, [
      'create-delivery-stream',
      '--delivery-stream-name',
      'cli-stream',
      '--extended-s3-destination-configuration',
      JSON.stringify({
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: 'arn:aws:s3:::cli-bucket',
        Prefix: 'cli/!{timestamp:yyyy}/',
        ErrorOutputPrefix: 'cli-errors/!{firehose:error-output-type}/',
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      }),
    ])) as { DeliveryStreamARN: string };
    expect(created.DeliveryStreamARN).toBe(
      'arn:aws:firehose:us-east-1:000000000000:deliverystream/cli-stream',
    );

    const described = (await awsCli(sluice.endpoint, [
      'describe-delivery-stream',
      '--delivery-stream-name',
      'cli-stream',
    ])) as { DeliveryStreamDescription: { DeliveryStreamStatus: string; VersionId: string } };
    expect(described.DeliveryStreamDescription).toMatchObject({
      DeliveryStreamStatus: 'ACTIVE',
      VersionId: '1',
    });

    // Four 2,000-byte records against a 6,000-byte buffer cap: the fourth is throttled per record.
    const records = ['a', 'b', 'c', 'd'].map((c) => ({ Data: c.repeat(2000) }));
    const put = (await awsCli(sluice.endpoint, [
      'put-record-batch',
      '--delivery-stream-name',
      'cli-stream',
      '--records',
      JSON.stringify(records),
    ])) as { FailedPutCount: number; RequestResponses: Array<{ RecordId?: string; ErrorCode?: string }> };
    expect(put.FailedPutCount).toBe(1);
    expect(put.RequestResponses.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ok',
      'ok',
      'ServiceUnavailableException',
    ]);

    await sluice.runtime.flush('cli-stream');
    const objects = await listEmbeddedObjects(sluice.dataDir, 'cli-bucket');
    expect(objects.size).toBe(1);
    const [key, body] = [...objects][0]!;
    expect(key).toMatch(new RegExp(`^cli/${new Date().getUTCFullYear()}/cli-stream-1-`));
    expect(body.toString()).toBe(`${'a'.repeat(2000)}\n${'b'.repeat(2000)}\n${'c'.repeat(2000)}\n`);
  });

  it('lists, tags and deletes streams', async () => {
    await awsCli(sluice.endpoint, [
      'tag-delivery-stream',
      '--delivery-stream-name',
      'cli-stream',
      '--tags',
      'Key=team,Value=data',
    ]);
    const tags = (await awsCli(sluice.endpoint, [
      'list-tags-for-delivery-stream',
      '--delivery-stream-name',
      'cli-stream',
    ])) as {
      Tags: unknown[];
    };
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'data' }]);
    const list = (await awsCli(sluice.endpoint, ['list-delivery-streams'])) as {
      DeliveryStreamNames: string[];
    };
    expect(list.DeliveryStreamNames).toContain('cli-stream');
    await awsCli(sluice.endpoint, ['delete-delivery-stream', '--delivery-stream-name', 'cli-stream']);
    await expect(
      awsCli(sluice.endpoint, ['describe-delivery-stream', '--delivery-stream-name', 'cli-stream']),
    ).rejects.toThrow(/ResourceNotFoundException/);
  });

  it('reads an example config file that the README uses', async () => {
    const example = JSON.parse(
      await readFile(join(import.meta.dirname, '..', '..', 'examples', 'sluice.json'), 'utf8'),
    );
    expect(example.deliveryStreams[0].DeliveryStreamName).toBe('clicks');
  });
});
