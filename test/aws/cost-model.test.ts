import { expect, it } from 'vitest';
import { firehoseCost, sluiceCost, total, type Workload } from '../../tools/cost-model.ts';

const base: Workload = {
  gbPerMonth: 1000,
  recordBytes: 1024,
  partitions: 1,
  conversion: false,
  intervalSeconds: 300,
  sizeMiB: 5,
  kinesis: 'on-demand',
  peakFactor: 2,
  streams: 1,
};

it('bills Firehose per record rounded up to 5 KB and charges conversion per GB', () => {
  expect(firehoseCost(base)['Firehose ingestion (5 KB rounding)']).toBeCloseTo(1000 * 5 * 0.029, 6);
  expect(firehoseCost({ ...base, recordBytes: 6000 })['Firehose ingestion (5 KB rounding)']).toBeCloseTo(
    ((1000 * 10240) / 6000) * 0.029,
    6,
  );
  // Conversion is billed on the ingested GB in the same 5 KB increments, not on the JSON's own size.
  expect(firehoseCost({ ...base, conversion: true })['Firehose format conversion']).toBeCloseTo(
    1000 * 5 * 0.018,
    6,
  );
});

it('meets issue 6: 10 MB/s of 1 KiB records to S3 costs at most 1/3 of Firehose on provisioned shards', () => {
  // 10 MB/s for a 730-hour month is about 26,000 GB (the workload docs/aws.md reports).
  const steady: Workload = { ...base, gbPerMonth: 26_000 };
  const provisioned = total(sluiceCost({ ...steady, kinesis: 'provisioned' })) / total(firehoseCost(steady));
  expect(provisioned).toBeLessThanOrEqual(1 / 3);
  // On-demand Kinesis charges per GB in and out at a rate close to Firehose's own: no saving to speak of.
  const onDemand = total(sluiceCost(steady)) / total(firehoseCost(steady));
  expect(onDemand).toBeGreaterThan(0.8);
});

it('charges staging only to staged streams', () => {
  expect(sluiceCost(base)['S3 staging (PUT + GET of chunks)']).toBe(0);
  expect(
    sluiceCost({ ...base, intervalSeconds: 900, sizeMiB: 128 })['S3 staging (PUT + GET of chunks)'],
  ).toBeGreaterThan(0);
  expect(total(sluiceCost({ ...base, kinesis: 'provisioned' }))).toBeLessThan(total(sluiceCost(base)));
});
