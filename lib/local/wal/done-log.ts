import { type FileHandle, open, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFileAtomically } from '../../adapters/local/durable-file.ts';
import { DoneRanges } from './done-ranges.ts';
import {
  DONE_FIXED_BYTES,
  DONE_RANGE_BYTES,
  decodeDoneFrame,
  encodeDoneFrame,
  type SeqRange,
} from './frame.ts';

export const DONE_LOG_FILE = 'done.log';
const DONE_LOG_TMP = 'done.log.tmp';
/** Below this size the done log is never rewritten: appending is cheaper than compacting. */
const COMPACT_MIN_BYTES = 64 * 1024;

/**
 * The side file of done marks: append-only frames of seq ranges, rewritten (compacted) to the current
 * set when it has grown well past it. Kept apart from the segments so that deleting a segment never
 * loses marks about records in other segments.
 */
export class DoneLog {
  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private sizeBytes: number,
  ) {}

  /** Reads the marks; a torn tail (crash mid-append) is cut off, which only costs re-deliveries. */
  static async open(dir: string): Promise<{ doneLog: DoneLog; done: DoneRanges }> {
    await rm(join(dir, DONE_LOG_TMP), { force: true });
    const path = join(dir, DONE_LOG_FILE);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      buf = Buffer.alloc(0);
    }
    const done = new DoneRanges();
    let offset = 0;
    while (offset < buf.length) {
      const frame = decodeDoneFrame(buf, offset);
      if (frame === undefined) break;
      for (const [from, to] of frame.ranges) done.add(from, to);
      offset = frame.end;
    }
    const handle = await open(path, 'a');
    if (offset < buf.length) {
      await handle.truncate(offset);
      await handle.datasync();
    }
    return { doneLog: new DoneLog(dir, handle, offset), done };
  }

  get bytes(): number {
    return this.sizeBytes;
  }

  async append(ranges: readonly SeqRange[]): Promise<void> {
    const frame = encodeDoneFrame(ranges);
    try {
      const { bytesWritten } = await this.handle.write(frame);
      if (bytesWritten !== frame.length)
        throw new Error(`short write: ${bytesWritten} of ${frame.length} bytes`);
      await this.handle.datasync();
    } catch (error) {
      // Later frames behind a torn one would be ignored on replay, so cut it off now if we can.
      await this.handle.truncate(this.sizeBytes).catch(() => undefined);
      throw error;
    }
    this.sizeBytes += frame.length;
  }

  /** Whether the file has grown to several times what a rewrite of `rangeCount` ranges would take. */
  shouldCompact(rangeCount: number): boolean {
    return (
      this.sizeBytes > COMPACT_MIN_BYTES &&
      this.sizeBytes > 4 * (DONE_FIXED_BYTES + rangeCount * DONE_RANGE_BYTES)
    );
  }

  /** Replaces the file by one frame of `ranges`, atomically (write, fsync, rename, fsync directory). */
  async compact(ranges: readonly SeqRange[]): Promise<void> {
    const tmpPath = join(this.dir, DONE_LOG_TMP);
    const frame = encodeDoneFrame(ranges);
    await unlink(tmpPath).catch(() => undefined); // left by a compaction cut short by a crash
    await replaceFileAtomically(join(this.dir, DONE_LOG_FILE), frame, tmpPath);
    const old = this.handle;
    this.handle = await open(join(this.dir, DONE_LOG_FILE), 'a');
    this.sizeBytes = frame.length;
    await old.close();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
