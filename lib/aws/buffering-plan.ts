/**
 * How the AWS runtime buffers a stream. Firehose's hints go up to 128 MiB / 900 s per partition (spec §2.1),
 * beyond what a Kinesis event source mapping can hold (an invocation payload of 6 MB, a batching window of at
 * most 300 s). So:
 *
 * - direct: hints within what one invocation can carry (≤ 300 s and ≤ DIRECT_MAX_SIZE_BYTES). The mapping's
 *   batching window is the buffer and the buffer Lambda delivers the batch itself; the checkpoint advances
 *   after delivery. This covers zero buffering (0 s) and Firehose's default (5 MiB / 300 s, delivered in
 *   objects of at most ~4.5 MB).
 * - staged: anything larger. Batches are staged in S3 and recorded in the DynamoDB ledger; a flush is
 *   enqueued when a partition's buffer crosses the size, or by the one-minute sweeper when it is due.
 *
 * Streams whose delivery can outlast one Lambda run — a writer destination retrying within RetryOptions (up to
 * 7200 s), a Lambda transform (up to 5 minutes a call) — are always staged: a staged flush remembers across
 * re-drives what it sent and when, whereas a direct batch that never finishes would hold its shard until the
 * records expire from Kinesis. Dynamic partitioning is always staged too: the buffer Lambda processes and routes
 * each batch into per-partition chunks (partition-staging.ts), and each partition flushes on its own hints.
 */
export type BufferingMode = 'direct' | 'staged';

export interface BufferingPlan {
  mode: BufferingMode;
  sizeBytes: number;
  intervalSeconds: number;
  /** MaximumBatchingWindowInSeconds of the Kinesis event source mapping. */
  batchingWindowSeconds: number;
}

/**
 * Lambda's 6 MB invocation limit applies to the event, whose Kinesis data is base64 (4/3) inside JSON with
 * per-record metadata; 4.5 MB of records fits with room to spare.
 */
export const DIRECT_MAX_SIZE_BYTES = 4_500_000;
const MAX_BATCHING_WINDOW_SECONDS = 300;

export function planBuffering(
  hints: { sizeBytes: number; intervalSeconds: number },
  options: { mayOutlastOneRun?: boolean; processesBeforeStaging?: boolean } = {},
): BufferingPlan {
  const direct =
    !options.mayOutlastOneRun &&
    !options.processesBeforeStaging &&
    hints.intervalSeconds <= MAX_BATCHING_WINDOW_SECONDS &&
    (hints.sizeBytes <= DIRECT_MAX_SIZE_BYTES || hints.sizeBytes === 5 * 1024 * 1024);
  return {
    mode: direct ? 'direct' : 'staged',
    sizeBytes: hints.sizeBytes,
    intervalSeconds: hints.intervalSeconds,
    // Staged: chunks every tenth of the interval keep a flush at ~10 chunks per shard, few GETs per object.
    batchingWindowSeconds: direct
      ? hints.intervalSeconds
      : Math.min(MAX_BATCHING_WINDOW_SECONDS, Math.max(1, Math.round(hints.intervalSeconds / 10))),
  };
}
