import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packRecords } from '../../../lib/core/records.ts';
import { WriteAheadLog } from '../../../lib/local/wal/index.ts';
import { append, entry, type LoggedRecord, payload, records, seqs, tempDir } from './helpers.ts';

/** Records in a comparable shape (replayed data are Buffer views, appended data plain arrays). */
function plain(records: readonly LoggedRecord[]) {
  return records.map((r) => ({ ...r, data: Buffer.from(r.data).toString('hex') }));
}

async function reopen(log: WriteAheadLog, dir: string, segmentBytes?: number) {
  await log.close();
  return WriteAheadLog.open(dir, { segmentBytes });
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();
}

describe('WriteAheadLog', () => {
  it('round-trips records across a restart, small and large', async () => {
    const dir = await tempDir();
    const { log, replayed } = await WriteAheadLog.open(dir);
    expect(records(replayed)).toEqual([]);
    const appended = await append(log, [entry(1), entry(2, 0), entry(3, 100_000), entry(4)]);
    expect(plain(appended)).toEqual(
      plain([1, 2, 3, 4].map((n, i) => ({ seq: i + 1, ...entry(n, [11, 0, 100_000, 14][i]) }))),
    );
    const more = await append(log, [entry(5)]);
    expect(seqs(more)).toEqual([5]);
    expect(log.stats()).toEqual({
      segments: 1,
      bytes: (await stat(join(dir, (await segmentFiles(dir))[0]!))).size,
      pendingRecords: 5,
    });

    const again = await reopen(log, dir);
    expect(plain(records(again.replayed))).toEqual(plain([...appended, ...more]));
    expect(seqs(await append(again.log, [entry(6)]))).toEqual([6]);
    await again.log.close();
  });

  it('keeps a run of many records as one frame and replays only its undone records', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    const data = [0, 1, 2, 3, 4, 5].map((n) => payload(n, n * 3));
    const run = await log.append({ arrivalMs: 123, ...packRecords(data) });
    expect(run.firstSeq).toBe(1);
    expect(log.stats()).toMatchObject({ pendingRecords: 6 });
    await log.markDone([[2, 3]]);
    await log.markDone([[6, 6]]);
    const again = await reopen(log, dir);
    expect(again.replayed.map((r) => [r.firstSeq, r.ends.length, r.arrivalMs])).toEqual([
      [1, 1, 123],
      [4, 2, 123],
    ]);
    expect(records(again.replayed).map((r) => Buffer.from(r.data).toString('hex'))).toEqual(
      [0, 3, 4].map((n) => Buffer.from(data[n]!).toString('hex')),
    );
    expect(again.log.stats()).toMatchObject({ pendingRecords: 3 });
    await again.log.close();
  });

  it('coalesces appends that arrive while a write is in flight into one fsync', async () => {
    const { log } = await WriteAheadLog.open(await tempDir());
    const sameTick = await Promise.all(Array.from({ length: 10 }, (_, i) => append(log, [entry(i)])));
    expect(sameTick.map(seqs)).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1]));
    expect(log.fsyncCount).toBe(1);

    const first = append(log, [entry(20)]);
    // The first group's write is now in flight (it started on a microtask and awaits the disk).
    await Promise.resolve();
    const later = [append(log, [entry(21), entry(22)]), append(log, [entry(23)]), append(log, [entry(24)])];
    expect(seqs(await first)).toEqual([11]);
    expect((await Promise.all(later)).map(seqs)).toEqual([[12, 13], [14], [15]]);
    expect(log.fsyncCount).toBe(3);
    await log.close();
  });

  it('rotates segments and deletes one only when every record in it is done, in any order', async () => {
    const dir = await tempDir();
    // Each frame (a run of one record) is 32 + 4 + 100 = 136 bytes: two records per 200-byte segment.
    const { log } = await WriteAheadLog.open(dir, { segmentBytes: 200 });
    for (let n = 1; n <= 6; n++) await append(log, [entry(n, 100)]);
    expect(await segmentFiles(dir)).toEqual([
      '00000000000000000001.seg',
      '00000000000000000003.seg',
      '00000000000000000005.seg',
    ]);
    expect(log.stats()).toEqual({ segments: 3, bytes: 6 * 136, pendingRecords: 6 });

    await log.markDone([[4, 4]]);
    expect(log.stats()).toEqual({ segments: 3, bytes: 6 * 136, pendingRecords: 5 });
    await log.markDone([
      [3, 3],
      [1, 1],
    ]);
    expect(await segmentFiles(dir)).toEqual(['00000000000000000001.seg', '00000000000000000005.seg']);
    await log.markDone([[2, 2]]);
    expect(await segmentFiles(dir)).toEqual(['00000000000000000005.seg']);
    // The active segment stays even when all done: it is still being written.
    await log.markDone([[5, 6]]);
    expect(log.stats()).toEqual({ segments: 1, bytes: 2 * 136, pendingRecords: 0 });

    expect(seqs(await append(log, [entry(7, 100)]))).toEqual([7]);
    await log.markDone([]);
    expect(await segmentFiles(dir)).toEqual(['00000000000000000007.seg']);
    expect(log.stats()).toEqual({ segments: 1, bytes: 136, pendingRecords: 1 });
    await log.close();
  });

  it('replays exactly the records not marked done', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir, { segmentBytes: 300 });
    const appended = await append(
      log,
      Array.from({ length: 10 }, (_, i) => entry(i + 1, 50)),
    );
    await log.markDone([
      [7, 7],
      [2, 4],
      [3, 3],
    ]);
    const second = await reopen(log, dir, 300);
    expect(seqs(records(second.replayed))).toEqual([1, 5, 6, 8, 9, 10]);
    expect(plain(records(second.replayed))).toEqual(
      plain(appended.filter((r) => [1, 5, 6, 8, 9, 10].includes(r.seq))),
    );
    expect(second.log.stats().pendingRecords).toBe(6);

    await second.log.markDone([
      [9, 10],
      [1, 1],
    ]);
    const third = await reopen(second.log, dir, 300);
    expect(seqs(records(third.replayed))).toEqual([5, 6, 8]);
    await third.log.close();
  });

  it('keeps seqs increasing after a restart even when every segment was deleted', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir, { segmentBytes: 200 });
    for (let n = 1; n <= 6; n++) await append(log, [entry(n, 100)]);
    await log.markDone([[1, 6]]);
    let opened = await reopen(log, dir, 200);
    expect(records(opened.replayed)).toEqual([]);
    expect(await segmentFiles(dir)).toEqual(['00000000000000000007.seg']);
    opened = await reopen(opened.log, dir, 200);
    expect(seqs(await append(opened.log, [entry(7)]))).toEqual([7]);
    await opened.log.markDone([[7, 7]]);
    opened = await reopen(opened.log, dir, 200);
    expect(records(opened.replayed)).toEqual([]);
    expect(seqs(await append(opened.log, [entry(8)]))).toEqual([8]);
    await opened.log.close();
  });

  it('rejects a corrupt segment that is not the last one with WalCorrupt naming file and offset', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir, { segmentBytes: 200 });
    for (let n = 1; n <= 4; n++) await append(log, [entry(n, 100)]);
    await log.close();
    const path = join(dir, '00000000000000000001.seg');
    const bytes = await readFile(path);
    bytes[136 + 60]! ^= 0x01;
    await writeFile(path, bytes);
    const error = await WriteAheadLog.open(dir, { segmentBytes: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SluiceError', code: 'WalCorrupt' });
    expect((error as Error).message).toContain(`${path} is corrupt at byte offset 136`);
  });

  it('truncates a corrupt frame at the end of the last segment instead of failing', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    await append(log, [entry(1, 100), entry(2, 100)]);
    await log.close();
    const path = join(dir, '00000000000000000001.seg');
    const bytes = await readFile(path);
    bytes[136 + 50]! ^= 0x80;
    await writeFile(path, bytes);
    const opened = await WriteAheadLog.open(dir);
    expect(seqs(records(opened.replayed))).toEqual([1]);
    expect((await stat(path)).size).toBe(136);
    await opened.log.close();
  });

  it('rejects bad done ranges, use after close, and appends after a failed write', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    await append(log, [entry(1), entry(2)]);
    for (const range of [
      [0, 1],
      [2, 1],
      [1, 3],
      [1.5, 2],
    ] as const) {
      await expect(log.markDone([range])).rejects.toMatchObject({ code: 'WalInvalidDoneRange' });
    }
    for (const ends of [[], [2], [0, 3]]) {
      await expect(
        log.append({ arrivalMs: 0, data: payload(1, 1), ends: Uint32Array.from(ends) }),
      ).rejects.toMatchObject({ code: 'WalInvalidRecord' });
    }

    // Simulate the disk failing under the log: the write errors, so the append must reject and stay rejected.
    await (log as unknown as { activeHandle: { close(): Promise<void> } }).activeHandle.close();
    await expect(append(log, [entry(3)])).rejects.toMatchObject({ code: 'WalWriteFailed' });
    await expect(append(log, [entry(4)])).rejects.toMatchObject({ code: 'WalWriteFailed' });
    await log.markDone([[1, 1]]);
    await (log as unknown as { doneLog: { close(): Promise<void> } }).doneLog.close();

    const reopened = await WriteAheadLog.open(dir);
    expect(seqs(records(reopened.replayed))).toEqual([2]);
    await reopened.log.close();
    await expect(append(reopened.log, [entry(5)])).rejects.toMatchObject({ code: 'WalClosed' });
    await expect(reopened.log.markDone([])).rejects.toMatchObject({ code: 'WalClosed' });
  });

  it('compacts the done log once it has grown past its content', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    await append(
      log,
      Array.from({ length: 3000 }, (_, i) => entry(i, 1)),
    );
    // Reverse order: every call adds a frame, but the ranges merge into one.
    for (let seq = 3000; seq >= 2; seq--) await log.markDone([[seq, seq]]);
    const doneLogBytes = (await stat(join(dir, 'done.log'))).size;
    expect(doneLogBytes).toBeLessThan(64 * 1024);
    const opened = await reopen(log, dir);
    expect(seqs(records(opened.replayed))).toEqual([1]);
    await opened.log.close();
  });

  it('refuses a segment of the earlier one-frame-per-record format instead of cutting it as torn', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    await log.close();
    const legacy = Buffer.alloc(64);
    legacy[8] = 1; // kind byte of a legacy record frame
    await writeFile(join(dir, '00000000000000000001.seg'), legacy);
    await expect(WriteAheadLog.open(dir)).rejects.toMatchObject({ code: 'WalOldFormat' });
  });

  it('destroy removes the directory', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    await append(log, [entry(1)]);
    await log.destroy();
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
