import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lib/local/runtime.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { type InProcessSluice, listEmbeddedObjects, s3StreamInput, startSluice } from '../support/sluice.ts';
import { sleep, waitFor } from '../support/wait-for.ts';

const MIB = 1024 * 1024;
const START_MS = Date.UTC(2026, 0, 15, 10, 20, 30);

async function statusOf(runtime: LocalRuntime, name: string) {
  const status = (await runtime.status()).find((s) => s.name === name);
  if (!status) throw new Error(`no status for ${name}`);
  return status;
}

const putBatch = (runtime: LocalRuntime, name: string, records: Buffer[]) =>
  runtime.execute('PutRecordBatch', {
    DeliveryStreamName: name,
    Records: records.map((r) => ({ Data: r.toString('base64') })),
  });

/** A record whose first 6 bytes are its index, padded to `size` bytes. */
function record(index: number, size: number): Buffer {
  const out = Buffer.alloc(size, 0x2e);
  out.write(String(index).padStart(6, '0'));
  return out;
}

/** Splits concatenated records (no delimiter) back into indexes, using the known size of each record. */
function indexesIn(body: Buffer, sizes: readonly number[]): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < body.length; ) {
    const index = Number(body.subarray(pos, pos + 6).toString());
    out.push(index);
    pos += sizes[index]!;
  }
  return out;
}

/** Objects in key order (key suffix time, then UUID), with their bodies. */
async function objectsOf(sluice: InProcessSluice, stream: string): Promise<Array<[string, Buffer]>> {
  const objects = await listEmbeddedObjects(sluice.dataDir, 'test-bucket');
  return [...objects].filter(([key]) => key.includes(`/${stream}-1-`)).sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('buffering hints with a fake clock', () => {
  let sluice: InProcessSluice | undefined;
  afterEach(async () => {
    await sluice?.close();
    sluice = undefined;
  });

  async function start(clock?: FakeClock) {
    sluice = await startSluice({}, clock ? { clock } : {});
    return sluice;
  }

  it('delivers nothing before IntervalInSeconds has elapsed and delivers right after', async () => {
    const clock = new FakeClock(START_MS);
    const { runtime } = await start(clock);
    await runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('interval', { BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 } }),
    );
    await putBatch(runtime, 'interval', [Buffer.from('a'), Buffer.from('b')]);
    clock.advance(59_999);
    runtime.tick();
    // Real time passes too (the scheduler ticks every 100 ms): still nothing is due.
    await sleep(300);
    expect(await statusOf(runtime, 'interval')).toMatchObject({
      bufferedRecords: 2,
      deliveredObjects: 0,
      oldestBufferedArrivalMs: START_MS,
    });
    expect(await objectsOf(sluice!, 'interval')).toEqual([]);

    clock.advance(1);
    runtime.tick();
    await waitFor(
      'the interval delivery',
      async () => (await statusOf(runtime, 'interval')).deliveredObjects === 1,
    );
    const objects = await objectsOf(sluice!, 'interval');
    expect(objects.map(([key, body]) => [key.replace(/-[0-9a-f-]{36}$/, ''), body.toString()])).toEqual([
      // The key's time is the oldest record's arrival, not the delivery time (spec §3.1).
      ['2026/01/15/10/interval-1-2026-01-15-10-20-30', 'ab'],
    ]);
  });

  it('delivers when the size hint is reached, without any time passing', async () => {
    const clock = new FakeClock(START_MS);
    const { runtime } = await start(clock);
    await runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('size', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } }),
    );
    const size = 100 * 1024;
    const sizes = Array.from({ length: 11 }, () => size);
    // 11 × 100 KiB crosses 1 MiB; a batch holds the 10 records that fit under the hint.
    await putBatch(
      runtime,
      'size',
      sizes.map((s, i) => record(i, s)),
    );
    // deliveredRecords moves once the batch is marked done in the log, after the object is written.
    await waitFor('the size delivery', async () => (await statusOf(runtime, 'size')).deliveredRecords === 10);
    expect(clock.nowMs()).toBe(START_MS);
    expect(await statusOf(runtime, 'size')).toMatchObject({
      bufferedRecords: 1,
      bufferedBytes: size,
      deliveredRecords: 10,
    });
    const objects = await objectsOf(sluice!, 'size');
    expect(objects).toHaveLength(1);
    expect(objects[0]![1].length).toBe(10 * size);
    expect(indexesIn(objects[0]![1], sizes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps arrival order across several objects and flush() delivers the rest', async () => {
    const clock = new FakeClock(START_MS);
    const { runtime } = await start(clock);
    await runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('order', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } }),
    );
    // Deterministic sizes from 1 KiB to ~300 KiB, so batches end at varying record boundaries.
    let seed = 7;
    const sizes = Array.from({ length: 60 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return 1024 + (seed % (300 * 1024));
    });
    // One second apart, so every object's key time (its oldest record) differs and key order is delivery order.
    for (let i = 0; i < sizes.length; i += 3) {
      await putBatch(
        runtime,
        'order',
        [i, i + 1, i + 2].map((j) => record(j, sizes[j]!)),
      );
      clock.advance(1000);
    }
    // Size-triggered deliveries run in the background; wait until every batch cut so far has landed.
    const beforeFlush = await waitFor('the size-triggered deliveries', async () => {
      const s = await statusOf(runtime, 'order');
      return s.bufferedBytes < MIB && s.deliveredRecords + s.bufferedRecords === 60 ? s : undefined;
    });
    expect(beforeFlush.deliveredObjects).toBeGreaterThanOrEqual(3);
    expect(beforeFlush.bufferedRecords).toBeGreaterThan(0);

    const {
      complete,
      streams: [flushed],
    } = await runtime.flush('order');
    expect(complete).toBe(true);
    expect(flushed).toMatchObject({ bufferedRecords: 0, bufferedBytes: 0, deliveredRecords: 60 });
    expect(flushed!.wal.pendingRecords).toBe(0);

    const objects = await objectsOf(sluice!, 'order');
    expect(objects).toHaveLength(flushed!.deliveredObjects);
    const perObject = objects.map(([, body]) => indexesIn(body, sizes));
    expect(perObject.flat()).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const [index, [, body]] of objects.entries()) {
      const last = perObject[index]!.at(-1)!;
      // An object reaches the hint at most with its last record (spec §2.1: hints, record boundaries).
      expect(body.length - sizes[last]!).toBeLessThan(MIB);
    }
  });

  it('with IntervalInSeconds 0 delivers within a second of real time, without a flush', async () => {
    const { runtime } = await start();
    await runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput('zero', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }),
    );
    const putAt = Date.now();
    await putBatch(runtime, 'zero', [Buffer.from('now')]);
    await waitFor(
      'the zero-interval delivery',
      async () => (await statusOf(runtime, 'zero')).deliveredObjects === 1,
      { timeoutMs: 1000, intervalMs: 10 },
    );
    expect(Date.now() - putAt).toBeLessThan(1000);
    expect((await objectsOf(sluice!, 'zero')).map(([, body]) => body.toString())).toEqual(['now']);
  });
});
