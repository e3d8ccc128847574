import type { IdSource, Telemetry } from '../core/ports.ts';
import type { BufferLedger } from './buffer-ledger.ts';
import type { BufferingPlan } from './buffering-plan.ts';
import type { FlushQueue } from './flush-queue.ts';
import { forEachLimited } from './for-each-limited.ts';
import { sealPartition } from './seal.ts';

export interface SweepDeps {
  streamName: string;
  plan: BufferingPlan;
  ledger: BufferLedger;
  queue: FlushQueue;
  ids: IdSource;
  metrics: Telemetry;
  nowMs(): number;
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
  // With dynamic partitioning there can be thousands of partitions: they are swept a few at a time.
  await forEachLimited(await deps.ledger.partitions(), async ({ partition, openBytes }) => {
    const open = await deps.ledger.openChunks(partition);
    const actualBytes = open.reduce((sum, chunk) => sum + chunk.bytes, 0);
    if (actualBytes !== openBytes) await deps.ledger.setOpenBytes(partition, actualBytes);
    const oldest = open[0];
    if (!oldest) {
      await deps.ledger.forgetPartition(partition);
      return;
    }
    const due = oldest.arrivalMs + deps.plan.intervalSeconds * 1000 <= nowMs;
    if (due || actualBytes >= deps.plan.sizeBytes) {
      sealed.push(...(await sealPartition(partition, due, { ...deps, sizeBytes: deps.plan.sizeBytes })));
    }
    oldestMs = Math.min(oldestMs, oldest.arrivalMs);
  });
  if (Number.isFinite(oldestMs)) {
    deps.metrics.gauge(deps.streamName, 'Sluice.BufferAgeSeconds', Math.round((nowMs - oldestMs) / 1000));
  }
  for (const flush of await deps.ledger.pendingFlushes()) {
    const ageMs = nowMs - flush.createdAtMs;
    if (flush.state === 'claiming' && ageMs >= STALE_CLAIM_MS) {
      const sealedFlush = await deps.ledger.recoverClaim(flush);
      if (sealedFlush) {
        await deps.queue.enqueue({ flushId: flush.flushId });
        await deps.ledger.markEnqueued(flush.flushId, nowMs);
        recovered.push(flush.flushId);
      }
    } else if (flush.state !== 'claiming' && flush.enqueuedAtMs === undefined && ageMs >= STALE_ENQUEUE_MS) {
      await deps.queue.enqueue({ flushId: flush.flushId });
      await deps.ledger.markEnqueued(flush.flushId, nowMs);
      recovered.push(flush.flushId);
    }
  }
  deps.metrics.count(deps.streamName, 'Sluice.FlushesSealed', sealed.length);
  return { sealed, recovered };
}
