import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type KinesisRecordMetadata,
  type PendingRun,
  packRecords,
  type RecordRun,
} from '../../../lib/core/records.ts';
import { decodeRunFrame, encodeRunHeader, KINESIS_RUN_KIND, RUN_KIND } from '../../../lib/local/wal/frame.ts';
import { WriteAheadLog } from '../../../lib/local/wal/index.ts';
import { payload, records, seqs, tempDir } from './helpers.ts';

const SEGMENT = '00000000000000000001.seg';

function encodeRun(run: RecordRun): Buffer {
  return Buffer.concat([encodeRunHeader(run), run.data]);
}

function metadata(n: number, shard = 'shardId-000000000001'): KinesisRecordMetadata {
  return {
    shardId: shard,
    partitionKey: `key-${n}-ü`,
    approximateArrivalTimestamp: 1_700_000_000_123 + n,
    sequenceNumber: `4968045745560949913887721150204572804474485558442826${String(n).padStart(4, '0')}`,
    subsequenceNumber: n % 3,
  };
}

/** A run of `count` records read from Kinesis, numbered from `from`. */
function kinesisRun(from: number, count: number, arrivalMs = 5_000): PendingRun {
  const numbers = Array.from({ length: count }, (_, i) => from + i);
  return {
    arrivalMs,
    ...packRecords(numbers.map((n) => payload(n, 5 + (n % 11)))),
    kinesis: numbers.map((n) => metadata(n)),
  };
}

function plainRun(from: number, count: number, arrivalMs = 7_000): PendingRun {
  const numbers = Array.from({ length: count }, (_, i) => from + i);
  return { arrivalMs, ...packRecords(numbers.map((n) => payload(n, 9))) };
}

/** What a replayed run holds, comparable with toEqual. */
function shape(run: RecordRun) {
  return {
    firstSeq: run.firstSeq,
    arrivalMs: run.arrivalMs,
    records: records([run]).map((r) => Buffer.from(r.data).toString('hex')),
    kinesis: run.kinesis,
  };
}

const arbitraryMetadata = fc.record({
  shardId: fc.string({ maxLength: 40 }),
  partitionKey: fc.string({ maxLength: 256 }),
  approximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  sequenceNumber: fc.stringMatching(/^\d{0,128}$/),
  subsequenceNumber: fc.integer({ min: 0, max: 0xffff_ffff }),
});

describe('run frame with Kinesis metadata (kind 4)', () => {
  it('round-trips the metadata of every record along with seqs, boundaries and data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 600 }),
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 200 }), arbitraryMetadata), {
          minLength: 1,
          maxLength: 20,
        }),
        (firstSeq, entries) => {
          const run: RecordRun = {
            firstSeq,
            arrivalMs: 99,
            ...packRecords(entries.map(([data]) => data)),
            kinesis: entries.map(([, m]) => m),
          };
          const frame = encodeRun(run);
          expect(frame.readUInt32LE(8)).toBe(KINESIS_RUN_KIND);
          const decoded = decodeRunFrame(frame, 0)!;
          expect(decoded.end).toBe(frame.length);
          expect(decoded.kinesis).toEqual(run.kinesis);
          expect(Array.from(decoded.ends)).toEqual(Array.from(run.ends));
          expect(Buffer.from(decoded.data).equals(Buffer.from(run.data))).toBe(true);
        },
      ),
    );
  });

  it('rejects every truncation and every single-bit flip', () => {
    const frame = encodeRun({ firstSeq: 3, ...kinesisRun(1, 3) });
    for (let len = 0; len < frame.length; len++)
      expect(decodeRunFrame(frame.subarray(0, len), 0)).toBe(undefined);
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const copy = Buffer.from(frame);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(decodeRunFrame(copy, 0)).toBe(undefined);
    }
  });

  it('keeps kind 3, byte for byte, for a run without metadata', () => {
    const run: RecordRun = { firstSeq: 1, ...plainRun(1, 2) };
    const frame = encodeRun(run);
    expect(frame.readUInt32LE(8)).toBe(RUN_KIND);
    expect(frame.length).toBe(32 + 4 * 2 + run.data.byteLength);
    expect(decodeRunFrame(frame, 0)).not.toHaveProperty('kinesis');
  });
});

describe('WriteAheadLog with Kinesis metadata', () => {
  it('returns the metadata from append and replays it, sliced to the undone records', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    const input = kinesisRun(1, 6);
    const appended = await log.append(input);
    expect(appended.firstSeq).toBe(1);
    expect(appended.kinesis).toEqual(input.kinesis);
    await log.markDone([[2, 3]]);
    await log.close();

    const { log: again, replayed } = await WriteAheadLog.open(dir);
    expect(replayed.map(shape)).toEqual([
      {
        firstSeq: 1,
        arrivalMs: 5_000,
        records: [Buffer.from(payload(1, 6)).toString('hex')],
        kinesis: [metadata(1)],
      },
      {
        firstSeq: 4,
        arrivalMs: 5_000,
        records: [4, 5, 6].map((n) => Buffer.from(payload(n, 5 + (n % 11))).toString('hex')),
        kinesis: [metadata(4), metadata(5), metadata(6)],
      },
    ]);
    await again.close();
  });

  it('reads a segment mixing kind 3 and kind 4 frames, written in one group commit and apart', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    const together = await Promise.all([log.append(plainRun(100, 2)), log.append(kinesisRun(1, 2))]);
    expect(log.fsyncCount).toBe(1);
    const apart = [await log.append(plainRun(200, 1)), await log.append(kinesisRun(10, 3))];
    const written = [...together, ...apart];
    expect(written.map((r) => [r.firstSeq, r.kinesis?.length])).toEqual([
      [1, undefined],
      [3, 2],
      [5, undefined],
      [6, 3],
    ]);
    await log.close();

    const { log: again, replayed } = await WriteAheadLog.open(dir);
    expect(replayed.map(shape)).toEqual(written.map(shape));
    expect(replayed[0]).not.toHaveProperty('kinesis');
    expect(seqs(records(replayed))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await again.close();
  });

  it('cuts a torn kind 4 frame at every byte and keeps the frames before it', async () => {
    const source = await tempDir();
    const { log } = await WriteAheadLog.open(source);
    const kept = [await log.append(kinesisRun(1, 2)), await log.append(plainRun(50, 1))];
    await log.append(kinesisRun(20, 3));
    await log.close();
    const full = await readFile(join(source, SEGMENT));
    const lastStart = kept.reduce((bytes, run) => bytes + encodeRun(run).length, 0);

    const dir = await tempDir();
    for (let cut = lastStart; cut < full.length; cut++) {
      await cp(source, dir, { recursive: true });
      await writeFile(join(dir, SEGMENT), full.subarray(0, cut));
      const opened = await WriteAheadLog.open(dir);
      expect(opened.replayed.map(shape)).toEqual(kept.map(shape));
      expect((await stat(join(dir, SEGMENT))).size).toBe(lastStart);
      // The torn run was never acknowledged, so its seqs are free again.
      expect((await opened.log.append(kinesisRun(30, 1))).firstSeq).toBe(4);
      await opened.log.close();
    }
  });

  it('refuses metadata that does not match the records, and only that append', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    const run = kinesisRun(1, 3);
    const results = await Promise.allSettled([
      log.append({ ...run, kinesis: run.kinesis!.slice(1) }),
      log.append({
        ...run,
        kinesis: [metadata(1), metadata(2), { ...metadata(3), shardId: 'x'.repeat(70_000) }],
      }),
      log.append(run),
    ]);
    expect(
      results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')),
    ).toEqual(['WalInvalidRecord', 'WalInvalidRecord', 'ok']);
    await log.close();
  });
});
