import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ResolvedStream } from '../core/config/resolved.ts';
import { SluiceError } from '../core/errors.ts';
import type { DynamicPartitioning } from '../core/partitioning/index.ts';
import type { ObjectStore, Telemetry } from '../core/ports.ts';
import type { PendingRun } from '../core/records.ts';
import { decodeFrames } from './aggregate.ts';
import type { BufferLedger } from './buffer-ledger.ts';
import { deliverFlush } from './deliver.ts';
import type { DeliveryAdapters } from './delivery-adapters.ts';
import { FlushDeadline, FlushDeadlineError } from './flush-deadline.ts';
import { parseFlushMessage } from './flush-queue.ts';
import { deliverPartitionFlush } from './partition-delivery.ts';
import type { StagingStore } from './staging-store.ts';

export interface FlushDeps {
  ledger: BufferLedger;
  staging: StagingStore;
  store: ObjectStore;
  metrics: Telemetry;
  /** The stream's resolved destination; throws when its writer is not available. */
  stream(): ResolvedStream;
  /** Glue, the transform invoker and the region/account for error documents, for the stream's config. */
  adapters(): DeliveryAdapters;
  nowMs(): number;
  remainingMs(): number;
  /** Stop this long before the Lambda timeout, so a put is never cut off halfway. */
  deadlineMarginMs: number;
  /** Dynamic partitioning (spec §6): chunks hold processed records of one partition each. */
  partitioning?: DynamicPartitioning;
}

export type FlushOutcome = 'delivered' | 'already-done';

/**
 * Runs one flush: read its staged chunks, deliver, then delete the chunks and forget the flush. Idempotent by
 * flush ID: an unknown flush was completed already, objects recorded as written are skipped, and the rest
 * render the same keys as before. Deliberately stops (FlushDeadlineError) before the Lambda timeout; the flush
 * stays in the ledger and SQS re-drives it.
 */
export async function runFlush(flushId: string, deps: FlushDeps): Promise<FlushOutcome> {
  const flush = await deps.ledger.getFlush(flushId);
  if (!flush) return 'already-done';
  if (flush.state === 'claiming') {
    throw new SluiceError('Sluice.FlushNotSealed', `Flush ${flushId} is still being claimed; retry later.`);
  }
  const deadline = new FlushDeadline(flushId, deps.remainingMs, deps.deadlineMarginMs);
  if (flush.state === 'sealed') {
    const stream = deps.stream();
    const runs: PendingRun[] = [];
    for (const chunk of flush.chunks) {
      deadline.check();
      runs.push(...decodeFrames(await deps.staging.get(chunk.key)));
    }
    const options = {
      flushId,
      flushedAtMs: flush.createdAtMs,
      store: deps.store,
      metrics: deps.metrics,
      nowMs: deps.nowMs,
      delivered: flush.delivered,
      onDelivered: (marker: string) => deps.ledger.markDelivered(flushId, marker),
      deadline,
      adapters: deps.adapters(),
    };
    if (deps.partitioning) {
      // The buffer Lambda processed and routed these records; the keys name the partition's object.
      const keys = flush.partitionKeys;
      if (!keys) {
        throw new SluiceError(
          'Sluice.PartitionKeysMissing',
          `Partition of flush ${flushId} has no keys recorded.`,
        );
      }
      await deliverPartitionFlush(runs, keys, stream, deps.partitioning, options);
    } else {
      await deliverFlush(runs, stream, options);
    }
    await deps.ledger.markAllDelivered(flushId);
  }
  deadline.check();
  await deps.staging.delete(flush.chunks.map((chunk) => chunk.key));
  await deps.ledger.completeFlush(flush);
  return 'delivered';
}

/**
 * The flush queue's handler (batch size 1 in the construct; more work in the same way). A failed message is
 * reported in batchItemFailures, so SQS redelivers it after the visibility timeout and, after maxReceiveCount
 * attempts (about Firehose's 24 h of S3 retries), moves it to the DLQ.
 */
export async function handleFlushMessages(event: SQSEvent, deps: FlushDeps): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    try {
      await runFlush(parseFlushMessage(message.body).flushId, deps);
    } catch (error) {
      const code = error instanceof SluiceError ? error.code : 'InternalError';
      console.error(
        JSON.stringify({
          level: error instanceof FlushDeadlineError ? 'warn' : 'error',
          code,
          message: (error as Error)?.message ?? String(error),
          messageId: message.messageId,
        }),
      );
      failures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures: failures };
}
