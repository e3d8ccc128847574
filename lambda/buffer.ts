import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { createJqWebEngine } from '../lib/adapters/jq-web-engine.ts';
import { handleKinesisBatch } from '../lib/aws/buffer.ts';
import type { JqEngine } from '../lib/core/ports.ts';
import { adapters } from './delivery.ts';
import {
  ids,
  ledger,
  metrics,
  partitioning,
  plan,
  queue,
  staging,
  store,
  stream,
  streamName,
} from './runtime.ts';

/** jq-web's WASM module is instantiated on the first MetadataExtraction query (it ships in node_modules/jq-web). */
let jq: JqEngine | undefined;
const jqEngine = (): JqEngine => {
  jq ??= createJqWebEngine();
  return jq;
};

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
      ...(partitioning ? { partitioning, jqEngine } : {}),
    });
  } finally {
    metrics.flush(Date.now());
  }
}
