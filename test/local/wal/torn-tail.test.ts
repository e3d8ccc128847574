import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WriteAheadLog } from '../../../lib/local/wal/index.ts';
import { append, entry, records, seqs, tempDir } from './helpers.ts';

const SEGMENT = '00000000000000000001.seg';

describe('torn tail (crash mid-write)', () => {
  it('replays exactly the complete frames for a cut at every byte of the last frame', async () => {
    const source = await tempDir();
    const { log } = await WriteAheadLog.open(source);
    await append(log, [entry(1, 20), entry(2, 30)]);
    await append(log, [entry(3, 25)]);
    await log.markDone([[2, 2]]);
    const lastFrame = await append(log, [entry(4, 40)]);
    expect(seqs(lastFrame)).toEqual([4]);
    await log.close();
    const full = await readFile(join(source, SEGMENT));
    const lastFrameBytes = 32 + 4 + 40; // header, one end offset, data
    const lastStart = full.length - lastFrameBytes;

    const dir = await tempDir();
    for (let cut = lastStart; cut < full.length; cut++) {
      await cp(source, dir, { recursive: true });
      await writeFile(join(dir, SEGMENT), full.subarray(0, cut));
      const opened = await WriteAheadLog.open(dir);
      expect(seqs(records(opened.replayed))).toEqual([1, 3]);
      expect(Buffer.from(records(opened.replayed)[1]!.data)).toEqual(Buffer.from(entry(3, 25).data));
      expect((await stat(join(dir, SEGMENT))).size).toBe(lastStart);
      // The torn record was never acknowledged, so its seq is free again.
      expect(seqs(await append(opened.log, [entry(5)]))).toEqual([4]);
      await opened.log.close();
    }
  });

  it('cuts a torn done-mark frame and keeps the marks before it', async () => {
    const dir = await tempDir();
    const { log } = await WriteAheadLog.open(dir);
    await append(log, [entry(1), entry(2), entry(3)]);
    await log.markDone([[1, 1]]);
    await log.markDone([[3, 3]]);
    await log.close();
    const doneLog = join(dir, 'done.log');
    const bytes = await readFile(doneLog);
    await writeFile(doneLog, bytes.subarray(0, bytes.length - 3));
    const opened = await WriteAheadLog.open(dir);
    expect(seqs(records(opened.replayed))).toEqual([2, 3]);
    expect((await stat(doneLog)).size).toBe(bytes.length - 28);
    await opened.log.close();
  });
});
