import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firehoseClient, type InProcessSluice, listEmbeddedObjects, startSluice } from '../support/sluice.ts';

// Request bodies and decoded records live in buffers reused across requests (lib/local/buffer-pool.ts): many
// concurrent puts of distinct records must each deliver exactly their own bytes.
describe('concurrent PutRecordBatch calls', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(() => sluice?.close());

  it('deliver every record exactly as sent', async () => {
    const client = firehoseClient(sluice.endpoint);
    await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'many',
        ExtendedS3DestinationConfiguration: {
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          BucketARN: 'arn:aws:s3:::concurrent',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        },
      }),
    );
    // 24 calls × 500 records of 200–1200 bytes (bodies of 0.3–1 MB), 12 in flight at a time.
    const record = (call: number, i: number) =>
      Buffer.from(
        `${call}:${i}:${String.fromCharCode(97 + ((call + i) % 26)).repeat(200 + ((call * 7 + i) % 1000))}\n`,
      );
    const sent: string[] = [];
    for (let wave = 0; wave < 2; wave++) {
      await Promise.all(
        Array.from({ length: 12 }, async (_, k) => {
          const call = wave * 12 + k;
          const records = Array.from({ length: 500 }, (_, i) => record(call, i));
          sent.push(...records.map((r) => r.toString()));
          const out = await client.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: 'many',
              Records: records.map((Data) => ({ Data })),
            }),
          );
          expect(out.FailedPutCount).toBe(0);
        }),
      );
    }
    expect((await sluice.runtime.flush('many', 30_000)).complete).toBe(true);
    const delivered = [...(await listEmbeddedObjects(sluice.dataDir, 'concurrent'))]
      .flatMap(([, body]) => body.toString().split(/(?<=\n)/))
      .filter((line) => line.length > 0);
    expect(delivered.sort()).toEqual(sent.sort());
  });
});
