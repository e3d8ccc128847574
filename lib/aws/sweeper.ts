import type { IdSource, Telemetry } from '../core/ports.ts';
import type { BufferLedger, FlushItem, PartitionItem } from './buffer-ledger.ts';
import type { BufferingPlan } from './buffering-plan.ts';
import type { FlushQueue } from './flush-queue.ts';
import { forEachLimited } from './for-each-limited.ts';
import { sealPartition } from './seal.ts';
import { stableId } from './seeded-ids.ts';

export interface SweepDeps {
  streamName: string;
  plan: BufferingPlan;
  ledger: BufferLedger;
  queue: FlushQueue;
  ids: IdSource;
  metrics: Telemetry;
  nowMs(): number;
  /** Where a partition that failed is reported (never with records). Default console.error. */
  log?(line: string): void;
}

/** A claim older than this lost its claimer: Lambda's longest timeout is 15 minutes. */
export const STALE_CLAIM_MS = 16 * 60_000;
/** A sealed flush not marked enqueued after this was probably never sent (crash between the two writes). */
export const STALE_ENQUEUE_MS = 2 * 60_000;

export interface SweepResult {
  /** Flushes sealed because a buffer was due or over its size. */
  sealed: string[];
  /** Flushes re-enqueued or recovered after a crash of their claimer. */
  recovered: string[];
}

/**
 * The one-minute sweeper (EventBridge schedule): seals every partition whose oldest open chunk has waited the
 * buffering interval, and finishes flushes whose claimer died between two writes. It is safe to run twice at
 * once: claims are conditional per chunk and flushes are idempotent.
 */
export async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const nowMs = deps.nowMs();
  const sealed: string[] = [];
  const recovered: string[] = [];
  let oldestMs = Number.POSITIVE_INFINITY;
  // With dynamic partitioning there can be thousands of partitions: they are swept a few at a time. A partition
  // that fails (DynamoDB throttling) is logged and left to the next run; the others and the recovery below go on.
  let failures = 0;
  const leftToNextRun = (what: string, error: unknown) => {
    failures++;
    (deps.log ?? console.error)(`Sluice sweeper: ${what} left to the next run: ${describe(error)}`);
  };
  await forEachLimited(await deps.ledger.partitions(), async (seen) => {
    try {
      const oldest = await sweepPartition(seen, sealed, nowMs, deps);
      if (oldest !== undefined) oldestMs = Math.min(oldestMs, oldest);
    } catch (error) {
      // Partitions are named by a hash: their keys come from the records.
      leftToNextRun(`partition ${stableId(seen.partition)}`, error);
    }
  });
  if (Number.isFinite(oldestMs)) {
    deps.metrics.gauge(deps.streamName, 'Sluice.BufferAgeSeconds', Math.round((nowMs - oldestMs) / 1000));
  }
  for (const flush of await deps.ledger.pendingFlushes()) {
    try {
      if (await recoverFlush(flush, nowMs, deps)) recovered.push(flush.flushId);
    } catch (error) {
      leftToNextRun(`flush ${flush.flushId}`, error);
    }
  }
  deps.metrics.count(deps.streamName, 'Sluice.SweepFailures', failures);
  deps.metrics.count(deps.streamName, 'Sluice.FlushesSealed', sealed.length);
  return { sealed, recovered };
}

/** Seals the partition if due or over its size; returns its oldest open arrival, undefined when it has none. */
async function sweepPartition(
  seen: PartitionItem,
  sealed: string[],
  nowMs: number,
  deps: SweepDeps,
): Promise<number | undefined> {
  const { partition } = seen;
  const open = await deps.ledger.openChunks(partition);
  const actualBytes = open.reduce((sum, chunk) => sum + chunk.bytes, 0);
  if (actualBytes !== seen.openBytes) await deps.ledger.setOpenBytes(partition, actualBytes, seen);
  const oldest = open[0];
  if (!oldest) {
    // Conditional on no chunk added since `seen` was read (see forgetPartition for why that is enough).
    await deps.ledger.forgetPartition(partition, seen);
    return undefined;
  }
  const due = oldest.arrivalMs + deps.plan.intervalSeconds * 1000 <= nowMs;
  if (due || actualBytes >= deps.plan.sizeBytes) {
    sealed.push(...(await sealPartition(partition, due, { ...deps, sizeBytes: deps.plan.sizeBytes })));
  }
  return oldest.arrivalMs;
}

/** An error's name and message, bounded: AWS SDK messages carry no record data. */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 300);
}

/** Finishes a flush whose claimer or enqueuer died; true when it was enqueued again. */
async function recoverFlush(flush: FlushItem, nowMs: number, deps: SweepDeps): Promise<boolean> {
  const ageMs = nowMs - flush.createdAtMs;
  if (flush.state === 'claiming' && ageMs >= STALE_CLAIM_MS) {
    if (!(await deps.ledger.recoverClaim(flush))) return false;
  } else if (flush.state === 'claiming' || flush.enqueuedAtMs !== undefined || ageMs < STALE_ENQUEUE_MS) {
    return false;
  }
  await deps.queue.enqueue({ flushId: flush.flushId });
  await deps.ledger.markEnqueued(flush.flushId, nowMs);
  return true;
}
