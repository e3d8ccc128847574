import { type FileHandle, mkdir, open, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from '../../adapters/local/durable-file.ts';
import { bounded, SluiceError } from '../../core/errors.ts';
import { type KinesisRecordMetadata, type PendingRun, type RecordRun, sliceRun } from '../../core/records.ts';
import { DoneLog } from './done-log.ts';
import { DoneRanges } from './done-ranges.ts';
import { encodeRunHeader, LEGACY_RECORD_KIND, RUN_KIND, type SeqRange } from './frame.ts';
import { GroupCommit } from './group-commit.ts';
import { parseSegmentFileName, type Segment, scanSegment, segmentFileName } from './segment.ts';

export interface WalOptions {
  /** A segment is closed and a new one started once it reaches this size. Default 64 MiB. */
  segmentBytes?: number;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const FIRST_SEQ = 1;

/**
 * The durable buffer of one delivery stream (DESIGN.md "Durability"): a record is acknowledged only
 * once it is in an fsync'd append-only segment; segments are deleted once every record in them is done.
 * Each append is one run (the records of one put) written as one frame; concurrent appends share one
 * write + fsync (group commit).
 */
export class WriteAheadLog {
  private readonly appends: GroupCommit<PendingRun, RecordRun>;
  private readonly dones: GroupCommit<readonly SeqRange[], undefined>;
  private nextSeq: number;
  private durableSeq: number;
  private closed = false;
  /** Set when a segment write or fsync failed: what reached the disk is unknown, so stop appending. */
  private failure: SluiceError | undefined;
  private syncs = 0;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly segments: Segment[],
    private activeHandle: FileHandle,
    private readonly doneLog: DoneLog,
    private readonly done: DoneRanges,
  ) {
    const active = segments[segments.length - 1]!;
    this.nextSeq = active.lastSeq + 1;
    this.durableSeq = active.lastSeq;
    this.appends = new GroupCommit((batches) => this.writeGroup(batches));
    this.dones = new GroupCommit((batches) => this.persistDone(batches));
  }

  /**
   * Opens (creating) the log in `dir`, truncates a torn tail, returns the undone records in seq order, as
   * runs copied out of the segment files.
   */
  static async open(
    dir: string,
    options?: WalOptions,
  ): Promise<{ log: WriteAheadLog; replayed: RecordRun[] }> {
    const segmentBytes = options?.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
      throw new SluiceError(
        'WalInvalidOption',
        `segmentBytes must be a positive integer, got ${bounded(segmentBytes)}.`,
      );
    }
    await mkdir(dir, { recursive: true });
    const { doneLog, done } = await DoneLog.open(dir);
    try {
      return await WriteAheadLog.load(dir, segmentBytes, doneLog, done);
    } catch (error) {
      await doneLog.close();
      throw error;
    }
  }

  private static async load(
    dir: string,
    segmentBytes: number,
    doneLog: DoneLog,
    done: DoneRanges,
  ): Promise<{ log: WriteAheadLog; replayed: RecordRun[] }> {
    const bases = (await readdir(dir))
      .map(parseSegmentFileName)
      .filter((base): base is number => base !== undefined)
      .sort((a, b) => a - b);

    const segments: Segment[] = [];
    const replayed: RecordRun[] = [];
    for (const [i, baseSeq] of bases.entries()) {
      const path = join(dir, segmentFileName(baseSeq));
      const bytes = await readFile(path);
      if (bytes.length >= 12 && bytes.readUInt32LE(8) !== RUN_KIND && bytes[8] === LEGACY_RECORD_KIND) {
        // Cutting it as a torn tail would drop acknowledged records.
        throw new SluiceError(
          'WalOldFormat',
          `Write-ahead log segment ${path} was written by an earlier Sluice build (one frame per record). ` +
            'Deliver its records with that build (sluice flush) before upgrading, or move the directory aside.',
        );
      }
      const scan = scanSegment(bytes, baseSeq);
      if (scan.corruptAt !== undefined) {
        // Only the last segment can hold a write that was in flight at a crash: a segment is complete and
        // fsync'd before the next one is created. Anywhere else, acknowledged records would be lost.
        if (i < bases.length - 1) {
          throw new SluiceError(
            'WalCorrupt',
            `Write-ahead log segment ${path} is corrupt at byte offset ${scan.corruptAt}; it is not the last ` +
              'segment, so this is not a torn write. Restore the file or move it aside to drop its records.',
          );
        }
        await truncateFile(path, scan.validBytes);
      }
      let pending = 0;
      for (const frame of scan.frames) {
        const lastSeq = frame.firstSeq + frame.ends.length - 1;
        for (const [from, to] of done.missing(frame.firstSeq, lastSeq)) {
          const undone = sliceRun(frame, from - frame.firstSeq, to - frame.firstSeq + 1);
          // A copy, so the segment's buffer is not kept alive by its undone records.
          replayed.push({
            firstSeq: undone.firstSeq,
            arrivalMs: undone.arrivalMs,
            data: Uint8Array.from(undone.data),
            ends: undone.ends,
            ...(undone.kinesis ? { kinesis: undone.kinesis } : {}),
          });
          pending += to - from + 1;
        }
      }
      segments.push({
        baseSeq,
        path,
        bytes: scan.validBytes,
        lastSeq: baseSeq + scan.records - 1,
        pending,
      });
    }

    const last = segments[segments.length - 1];
    let activeHandle: FileHandle;
    if (last !== undefined && last.bytes < segmentBytes) {
      activeHandle = await open(last.path, 'r+');
    } else {
      // The new segment's name records the next seq, so seqs keep increasing even when every older
      // segment is deleted later.
      const segment = newSegment(dir, last ? last.lastSeq + 1 : FIRST_SEQ);
      activeHandle = await open(segment.path, 'wx');
      await syncDirectory(dir);
      segments.push(segment);
    }
    done.dropBelow(segments[0]!.baseSeq);
    const log = new WriteAheadLog(dir, segmentBytes, segments, activeHandle, doneLog, done);
    await log.dones.submit([]);
    return { log, replayed };
  }

  /**
   * Appends one run durably (group commit). Resolves with the run (seqs assigned, Kinesis metadata kept) after fsync. Rejects if
   * the disk write fails — the caller then answers the producer with an error, so nothing unacknowledged is
   * ever claimed durable. The data is written as given: do not modify it until this settles.
   */
  append(run: PendingRun): Promise<RecordRun> {
    if (this.closed) return Promise.reject(closedError());
    if (this.failure) return Promise.reject(this.failure);
    const count = run.ends.length;
    if (count === 0 || run.ends[count - 1] !== run.data.byteLength) {
      return Promise.reject(
        new SluiceError(
          'WalInvalidRecord',
          `A run must hold at least one record and end where its data ends (${count} records, ` +
            `${run.data.byteLength} bytes).`,
        ),
      );
    }
    if (run.kinesis !== undefined && !validKinesisMetadata(run.kinesis, count)) {
      // Checked here, not while encoding: a bad entry must fail this append only, not its commit group.
      return Promise.reject(
        new SluiceError(
          'WalInvalidRecord',
          `A run's Kinesis metadata must have one entry per record (${count} records, ` +
            `${run.kinesis.length} entries), strings of at most 65535 bytes and uint32 subsequence numbers.`,
        ),
      );
    }
    return this.appends.submit(run);
  }

  /**
   * Marks inclusive seq ranges done (delivered or written under an error prefix), in any order. Once
   * this resolves the records are not replayed after a restart; segments whose records are all done
   * (and that are no longer being written) are deleted.
   */
  markDone(ranges: ReadonlyArray<readonly [number, number]>): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    for (const [from, to] of ranges) {
      if (
        !Number.isSafeInteger(from) ||
        !Number.isSafeInteger(to) ||
        from < FIRST_SEQ ||
        from > to ||
        to > this.durableSeq
      ) {
        return Promise.reject(
          new SluiceError(
            'WalInvalidDoneRange',
            `Done range ${bounded([from, to])} is not within the appended seqs ${FIRST_SEQ}..${this.durableSeq}.`,
          ),
        );
      }
    }
    return this.dones.submit(ranges);
  }

  /** Bytes of segment files and segment count on disk, records not yet done. */
  stats(): { segments: number; bytes: number; pendingRecords: number } {
    let bytes = 0;
    let pendingRecords = 0;
    for (const segment of this.segments) {
      bytes += segment.bytes;
      pendingRecords += segment.pending;
    }
    return { segments: this.segments.length, bytes, pendingRecords };
  }

  /** Number of segment fsyncs so far; tests use it to see that group commit coalesces appends. */
  get fsyncCount(): number {
    return this.syncs;
  }

  /** Waits for appends and done marks already accepted, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appends.idle();
    await this.dones.idle();
    await this.activeHandle.close();
    await this.doneLog.close();
  }

  /** Closes and removes the directory (stream deleted: buffered data is discarded, spec §1.8). */
  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private async writeGroup(pending: PendingRun[]): Promise<RecordRun[]> {
    if (this.failure) throw this.failure;
    if (this.active.bytes >= this.segmentBytes) await this.rotate();
    const segment = this.active;

    const iovecs: Uint8Array[] = [];
    let seq = this.nextSeq;
    let totalBytes = 0;
    const results = pending.map((input): RecordRun => {
      const run: RecordRun = {
        firstSeq: seq,
        arrivalMs: input.arrivalMs,
        data: input.data,
        ends: input.ends,
        ...(input.kinesis ? { kinesis: input.kinesis } : {}),
      };
      const header = encodeRunHeader(run);
      iovecs.push(header, run.data);
      totalBytes += header.byteLength + run.data.byteLength;
      seq += run.ends.length;
      return run;
    });
    const count = seq - this.nextSeq;
    if (count === 0) return results;

    try {
      const { bytesWritten } = await this.activeHandle.writev(iovecs, segment.bytes);
      if (bytesWritten !== totalBytes) throw new Error(`short write: ${bytesWritten} of ${totalBytes} bytes`);
      await this.activeHandle.datasync();
    } catch (error) {
      this.failure = new SluiceError(
        'WalWriteFailed',
        `Writing to write-ahead log segment ${segment.path} failed; the stream's log accepts no more records ` +
          'until it is reopened. Check free disk space and permissions.',
        { cause: error },
      );
      throw this.failure;
    }
    this.syncs++;
    segment.bytes += totalBytes;
    segment.lastSeq += count;
    segment.pending += count;
    this.nextSeq = seq;
    this.durableSeq = seq - 1;
    return results;
  }

  private async rotate(): Promise<void> {
    const segment = newSegment(this.dir, this.nextSeq);
    const handle = await open(segment.path, 'wx');
    await syncDirectory(this.dir);
    const previous = this.activeHandle;
    this.activeHandle = handle;
    this.segments.push(segment);
    await previous.close();
    // The segment just closed may already be all done; deletion runs on the done-mark queue.
    this.dones.submit([]).catch(() => undefined);
  }

  private async persistDone(batches: (readonly SeqRange[])[]): Promise<undefined[]> {
    const minLiveSeq = this.segments[0]!.baseSeq;
    // Collect what is newly done across the whole group, so overlapping ranges count once.
    const fresh = new DoneRanges();
    for (const ranges of batches) {
      for (const [from, to] of ranges) {
        for (const [a, b] of this.done.missing(Math.max(from, minLiveSeq), to)) fresh.add(a, b);
      }
    }
    const pieces = fresh.toArray();
    if (pieces.length > 0) {
      await this.doneLog.append(pieces);
      for (const [from, to] of pieces) {
        this.done.add(from, to);
        for (const segment of this.segments) {
          const overlap = Math.min(to, segment.lastSeq) - Math.max(from, segment.baseSeq) + 1;
          if (overlap > 0) segment.pending -= overlap;
        }
      }
    }
    await this.deleteDoneSegments();
    if (this.doneLog.shouldCompact(this.done.size)) await this.doneLog.compact(this.done.toArray());
    return batches.map(() => undefined);
  }

  private async deleteDoneSegments(): Promise<void> {
    const active = this.active;
    const doomed = this.segments.filter((s) => s !== active && s.pending === 0);
    if (doomed.length === 0) return;
    for (const segment of doomed) {
      await unlink(segment.path);
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    // The unlinks must be durable before the done log forgets the marks of the deleted records.
    await syncDirectory(this.dir);
    this.done.dropBelow(this.segments[0]!.baseSeq);
  }
}

function newSegment(dir: string, baseSeq: number): Segment {
  return { baseSeq, path: join(dir, segmentFileName(baseSeq)), bytes: 0, lastSeq: baseSeq - 1, pending: 0 };
}

function validKinesisMetadata(entries: readonly KinesisRecordMetadata[], count: number): boolean {
  const fits = (text: string) => Buffer.byteLength(text) <= 0xffff;
  return (
    entries.length === count &&
    entries.every(
      (m) =>
        Number.isInteger(m.subsequenceNumber) &&
        m.subsequenceNumber >= 0 &&
        m.subsequenceNumber <= 0xffff_ffff &&
        fits(m.shardId) &&
        fits(m.partitionKey) &&
        fits(m.sequenceNumber),
    )
  );
}

function closedError(): SluiceError {
  return new SluiceError(
    'WalClosed',
    'The write-ahead log is closed; reopen it to append or mark records done.',
  );
}

async function truncateFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
