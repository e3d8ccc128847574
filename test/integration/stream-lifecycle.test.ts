import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessSluice, s3StreamInput, startSluice } from '../support/sluice.ts';

describe('a stream the runtime cannot build', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(async () => sluice.close());

  it('ends CREATING_FAILED (not stuck in CREATING), refuses puts and can be deleted', async () => {
    // A file where the stream's log directory must go makes opening the write-ahead log fail.
    await mkdir(join(sluice.dataDir, 'streams'), { recursive: true });
    await writeFile(join(sluice.dataDir, 'streams', 'doomed'), 'not a directory');

    await expect(sluice.runtime.execute('CreateDeliveryStream', s3StreamInput('doomed'))).resolves.toEqual({
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/doomed',
    });
    const described = (await sluice.runtime.execute('DescribeDeliveryStream', {
      DeliveryStreamName: 'doomed',
    })) as {
      DeliveryStreamDescription: { DeliveryStreamStatus: string };
    };
    expect(described.DeliveryStreamDescription.DeliveryStreamStatus).toBe('CREATING_FAILED');
    await expect(
      sluice.runtime.execute('PutRecord', { DeliveryStreamName: 'doomed', Record: { Data: 'eA==' } }),
    ).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    expect((await sluice.runtime.status()).map((s) => s.name)).not.toContain('doomed');

    await expect(
      sluice.runtime.execute('DeleteDeliveryStream', { DeliveryStreamName: 'doomed' }),
    ).resolves.toEqual({});
    await expect(
      sluice.runtime.execute('DescribeDeliveryStream', { DeliveryStreamName: 'doomed' }),
    ).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
  });
});
