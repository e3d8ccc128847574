import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { handleKinesisBatch } from '../lib/aws/buffer.ts';
import { adapters } from './delivery.ts';
import { ids, ledger, metrics, plan, queue, staging, store, stream, streamName } from './runtime.ts';

export async function handler(event: KinesisStreamEvent, context: Context): Promise<void> {
  try {
    await handleKinesisBatch(event, {
      streamName,
      plan,
      metrics,
      ids,
      stream,
      adapters,
      store,
      staging,
      ledger,
      queue,
      nowMs: () => Date.now(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      deadlineMarginMs: 15_000,
    });
  } finally {
    metrics.flush(Date.now());
  }
}
