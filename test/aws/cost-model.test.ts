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
  expect(firehoseCost({ ...base, conversion: true })['Firehose format conversion']).toBeCloseTo(18, 6);
});

it('charges staging only to staged streams', () => {
  expect(sluiceCost(base)['S3 staging (PUT + GET of chunks)']).toBe(0);
  expect(
    sluiceCost({ ...base, intervalSeconds: 900, sizeMiB: 128 })['S3 staging (PUT + GET of chunks)'],
  ).toBeGreaterThan(0);
  expect(total(sluiceCost({ ...base, kinesis: 'provisioned' }))).toBeLessThan(total(sluiceCost(base)));
});
