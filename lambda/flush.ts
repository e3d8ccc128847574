import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleFlushMessages } from '../lib/aws/flush.ts';
import { adapters } from './delivery.ts';
import { ledger, metrics, partitioning, staging, store, stream } from './runtime.ts';

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  try {
    return await handleFlushMessages(event, {
      ledger,
      staging,
      store,
      metrics,
      stream,
      adapters,
      nowMs: () => Date.now(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      // A put of a 128 MiB object to S3 from Lambda takes seconds; half a minute leaves ample room.
      deadlineMarginMs: 30_000,
      ...(partitioning ? { partitioning } : {}),
    });
  } finally {
    metrics.flush(Date.now());
  }
}
