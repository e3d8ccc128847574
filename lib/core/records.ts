/**
 * Records as the pipeline holds them: in runs, the records of one put stored back to back in one buffer.
 * A 128 MiB buffer of 1 KiB records is ~130,000 records; one JS object and one allocation per record cost
 * more memory than the records themselves and fragment the allocator (bench/README.md), so the buffer,
 * the write-ahead log and delivery planning all work on runs and make per-record views only when needed.
 */
export interface RecordBytes {
  /** The records' bytes back to back. */
  readonly data: Uint8Array;
  /** End offset of each record in `data`: record i is data[ends[i - 1] ?? 0, ends[i]). */
  readonly ends: Uint32Array;
}

/**
 * Where a record read from a Kinesis data stream came from (spec §5.1 `kinesisRecordMetadata`, §12); the
 * transform Lambda receives it. Records that producers put directly have none.
 */
export interface KinesisRecordMetadata {
  readonly shardId: string;
  readonly partitionKey: string;
  /** Kinesis's ApproximateArrivalTimestamp, ms since the epoch. */
  readonly approximateArrivalTimestamp: number;
  readonly sequenceNumber: string;
  /** Position inside a KPL-aggregated Kinesis record; 0 for a plain one. */
  readonly subsequenceNumber: number;
}

/** Records that arrived together, not yet in the write-ahead log. */
export interface PendingRun extends RecordBytes {
  /** Approximate arrival time, ms since the epoch; one per put, as on Firehose. */
  readonly arrivalMs: number;
  /** One entry per record when the records were read from a Kinesis data stream. */
  readonly kinesis?: readonly KinesisRecordMetadata[];
}

/** Records that arrived together and are in the write-ahead log, with consecutive seqs. */
export interface RecordRun extends PendingRun {
  /** Log position of the first record; record i has firstSeq + i. Strictly increasing per stream. */
  readonly firstSeq: number;
}

export function runLength(run: RecordBytes): number {
  return run.ends.length;
}

export function lastSeqOf(run: RecordRun): number {
  return run.firstSeq + run.ends.length - 1;
}

/** A view of record i (no copy). */
export function recordAt(run: RecordBytes, i: number): Uint8Array {
  return run.data.subarray(i === 0 ? 0 : run.ends[i - 1]!, run.ends[i]!);
}

/** Views of every record of the runs, in order. */
export function recordViews(runs: readonly RecordBytes[]): Uint8Array[] {
  const views: Uint8Array[] = [];
  for (const run of runs) {
    for (let i = 0; i < run.ends.length; i++) views.push(recordAt(run, i));
  }
  return views;
}

/** Records [from, to) of a run as a run of their own (with its first seq, when the run has seqs); shares the bytes. */
export function sliceRun<R extends RecordBytes & { readonly firstSeq?: number }>(
  run: R,
  from: number,
  to: number,
): R {
  const start = from === 0 ? 0 : run.ends[from - 1]!;
  const ends = run.ends.slice(from, to);
  for (let i = 0; i < ends.length; i++) ends[i] = ends[i]! - start;
  const sliced: R = { ...run, data: run.data.subarray(start, run.ends[to - 1] ?? start), ends };
  const kinesis = (run as { readonly kinesis?: readonly KinesisRecordMetadata[] }).kinesis;
  if (kinesis) Object.assign(sliced, { kinesis: kinesis.slice(from, to) });
  return run.firstSeq === undefined ? sliced : { ...sliced, firstSeq: run.firstSeq + from };
}

/** Copies records into one run's layout. */
export function packRecords(records: readonly Uint8Array[]): RecordBytes {
  const ends = new Uint32Array(records.length);
  let total = 0;
  records.forEach((record, i) => {
    total += record.byteLength;
    ends[i] = total;
  });
  const data = new Uint8Array(total);
  let at = 0;
  for (const record of records) {
    data.set(record, at);
    at += record.byteLength;
  }
  return { data, ends };
}
