import type { TransformInvocationResult, TransformInvoker } from '../core/ports.ts';
import type { FlushDeadline } from './flush-deadline.ts';

/** Time the buffer Lambda keeps after the transform for staging: error objects, backup, chunks, ledger, seals. */
export const STAGING_RESERVE_MS = 60_000;

/**
 * The transform's share of a buffer Lambda run, with dynamic partitioning (spec §5.3, §6). The buffer Lambda runs
 * under the Kinesis mapping, which replays a failed batch forever and keeps no count of earlier runs: a transform
 * cut short by the Lambda's deadline and treated as "try again later" would replay for as long as the function
 * keeps hanging (four 5-minute timeouts with NumberOfRetries 3 need more than the 15-minute Lambda), until Kinesis
 * expires the records. So here every attempt ends within this run: a call gets at most the time left for the
 * transform, and ending there is a timed-out attempt; once that time is spent the attempts still due are counted
 * as timed out without a call, and backoffs that would outlast it are skipped. Records whose attempts all failed
 * become `processing-failed` documents, as on Firehose after the retries, and the batch is staged in this run.
 * The price: a function that is slow but would have answered within its own timeout can be failed sooner than
 * Firehose would fail it, when a batch needs more calls than one run has time for.
 */
export class TransformBudget {
  private readonly reserveMs: number;

  constructor(private readonly deadline: FlushDeadline) {
    // A short run (tests, a 5-minute function) keeps three quarters of its time for the transform.
    this.reserveMs = Math.min(STAGING_RESERVE_MS, Math.max(0, deadline.budgetMs()) / 4);
  }

  /** Milliseconds the transform may still use. */
  leftMs(): number {
    return this.deadline.budgetMs() - this.reserveMs;
  }

  bound(invoker: TransformInvoker): TransformInvoker {
    return {
      invoke: async (functionArn, payload, timeoutMs): Promise<TransformInvocationResult> => {
        const leftMs = this.leftMs();
        if (leftMs <= 0) {
          return {
            kind: 'timeout',
            message: 'Not invoked: the time for the transform in this run was spent.',
          };
        }
        return invoker.invoke(functionArn, payload, Math.min(timeoutMs, leftMs));
      },
    };
  }

  /** A backoff between attempts; skipped when it would outlast the transform's time (the attempt after it fails). */
  async sleep(ms: number): Promise<void> {
    if (this.leftMs() <= ms) return;
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
