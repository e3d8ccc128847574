import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrames,
  decodeKinesisData,
  encodeFrame,
  FrameError,
  MAX_KINESIS_RECORD_BYTES,
  packFrames,
} from '../../lib/aws/aggregate.ts';
import { planBuffering } from '../../lib/aws/buffering-plan.ts';
import { unitOf } from '../../lib/aws/emf.ts';
import { recordId } from '../../lib/aws/ingest.ts';
import { SeededIds } from '../../lib/aws/seeded-ids.ts';
import { packRecords, recordViews } from '../../lib/core/records.ts';

const recordsArb = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 60 });

describe('aggregation frames', () => {
  it('packing a put into frames and decoding them gives back every record, in order', () => {
    fc.assert(
      fc.property(recordsArb, fc.integer({ min: 64, max: 4000 }), (records, maxFrameBytes) => {
        const run = { ...packRecords(records), arrivalMs: 1_700_000_000_123 };
        const frames = packFrames(run, maxFrameBytes);
        const decoded = frames.flatMap((f) => decodeFrames(f.frame));
        expect(decoded.every((r) => r.arrivalMs === run.arrivalMs)).toBe(true);
        expect(recordViews(decoded).map((r) => Buffer.from(r).toString('hex'))).toEqual(
          records.map((r) => Buffer.from(r).toString('hex')),
        );
        // Frames cover the put contiguously, and only a single oversized record may exceed the cap.
        let next = 0;
        for (const f of frames) {
          expect(f.first).toBe(next);
          next += f.count;
          if (f.count > 1) expect(f.frame.byteLength).toBeLessThanOrEqual(maxFrameBytes);
        }
        expect(next).toBe(records.length);
      }),
    );
  });

  it('a staged chunk is frames back to back', () => {
    const a = encodeFrame({ ...packRecords([Buffer.from('a'), Buffer.from('bb')]), arrivalMs: 1 });
    const b = encodeFrame({ ...packRecords([Buffer.from('')]), arrivalMs: 2 });
    const runs = decodeFrames(Buffer.concat([a, b]));
    expect(runs.map((r) => [r.arrivalMs, recordViews([r]).map((v) => Buffer.from(v).toString())])).toEqual([
      [1, ['a', 'bb']],
      [2, ['']],
    ]);
    expect(() => decodeFrames(Buffer.concat([a, b]).subarray(0, a.byteLength + 5))).toThrow(FrameError);
  });

  it('a Kinesis record not written by the ingest Lambda is one record', () => {
    const [run] = decodeKinesisData(Buffer.from('{"raw":true}'), 42);
    expect(run!.arrivalMs).toBe(42);
    expect(recordViews([run!]).map((v) => Buffer.from(v).toString())).toEqual(['{"raw":true}']);
  });

  it('the largest Direct PUT record fits one Kinesis record', () => {
    const run = { ...packRecords([new Uint8Array(1_024_000)]), arrivalMs: 0 };
    expect(packFrames(run)[0]!.frame.byteLength).toBeLessThanOrEqual(MAX_KINESIS_RECORD_BYTES);
  });
});

describe('ids, units and plans', () => {
  it('seeded ids repeat per seed and differ across seeds', () => {
    const a = new SeededIds('flush-1');
    const again = new SeededIds('flush-1');
    const other = new SeededIds('flush-2');
    const first = [a.uuid(), a.randomString(11)];
    expect([again.uuid(), again.randomString(11)]).toEqual(first);
    expect(other.uuid()).not.toBe(first[0]);
    expect(first[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first[1]).toMatch(/^[0-9a-z]{11}$/);
  });

  it('RecordIds are unique per Kinesis record and position', () => {
    const ids = new Set([
      recordId('shardId-000000000001', '4954', 0),
      recordId('shardId-000000000001', '4954', 1),
      recordId('shardId-000000000002', '4954', 0),
    ]);
    expect(ids.size).toBe(3);
  });

  it('EMF units follow Firehose’s metric names', () => {
    expect(
      [
        'IncomingBytes',
        'IncomingRecords',
        'PutRecordBatch.Latency',
        'DeliveryToS3.DataFreshness',
        'DeliveryToS3.Success',
      ].map(unitOf),
    ).toEqual(['Bytes', 'Count', 'Milliseconds', 'Seconds', 'None']);
  });

  it('plans direct buffering within one mapping batch and staged buffering beyond', () => {
    expect(planBuffering({ sizeBytes: 5 * 1048576, intervalSeconds: 300 }).mode).toBe('direct');
    expect(planBuffering({ sizeBytes: 1048576, intervalSeconds: 0 })).toEqual({
      mode: 'direct',
      sizeBytes: 1048576,
      intervalSeconds: 0,
      batchingWindowSeconds: 0,
    });
    expect(planBuffering({ sizeBytes: 1048576, intervalSeconds: 301 }).mode).toBe('staged');
    expect(planBuffering({ sizeBytes: 64 * 1048576, intervalSeconds: 60 })).toEqual({
      mode: 'staged',
      sizeBytes: 64 * 1048576,
      intervalSeconds: 60,
      batchingWindowSeconds: 6,
    });
  });
});
