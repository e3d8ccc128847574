import { sweep } from '../lib/aws/sweeper.ts';
import { ids, ledger, metrics, plan, queue, streamName } from './runtime.ts';

/** EventBridge schedule, every minute. */
export async function handler(): Promise<void> {
  try {
    await sweep({ streamName, plan, ledger, queue, ids, metrics, nowMs: () => Date.now() });
  } finally {
    metrics.flush(Date.now());
  }
}
