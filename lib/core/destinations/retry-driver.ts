import { SluiceError } from '../errors.ts';
import type { Clock } from '../ports.ts';
import { backoffMs } from '../retry.ts';
import type {
  BatchAttempts,
  DeliveryError,
  DeliveryRecord,
  DeliveryResult,
  DestinationWriter,
  FailedRecord,
  FailureFields,
  RetryPolicy,
} from './contract.ts';

/** What the driver needs from the runtime: the core has no timers and no randomness of its own. */
export interface RetryPorts {
  clock: Clock;
  /** Resolves after about `ms` milliseconds (a real timer in a runtime, a fake-clock advance in tests). */
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1) per retry for the backoff jitter; 0.5 means no jitter. */
  jitter(): number;
}

export interface RetryRun {
  batch: BatchAttempts;
  policy: RetryPolicy;
  /** RetryOptions.DurationInSeconds; 0 means a single attempt (§8, §9, §10.4). */
  retryDurationSeconds: number;
}

/** Starts a batch on `writer` and drives it to the end of its retry window. */
export async function deliverBatch(
  writer: DestinationWriter,
  records: readonly DeliveryRecord[],
  ports: RetryPorts,
): Promise<DeliveryResult> {
  if (records.length === 0) return { delivered: [], failed: [], attempts: 0 };
  const batch = await writer.begin(records);
  return runAttempts(
    { batch, policy: writer.retryPolicy, retryDurationSeconds: writer.retryDurationSeconds },
    records,
    ports,
  );
}

/**
 * Attempts `records` until each is delivered, fails permanently, or the retry window closes. Only the records
 * still pending are sent again (Vector's partial retry): a `retry-partial` outcome delivers everything it does
 * not list. The wait before retry n is the destination's backoff, cut short so the last attempt starts when
 * the window closes rather than after it; a response still in flight then is awaited (§10.4).
 */
export async function runAttempts(
  run: RetryRun,
  records: readonly DeliveryRecord[],
  ports: RetryPorts,
): Promise<DeliveryResult> {
  const n = records.length;
  const attemptsOf = new Array<number>(n).fill(0);
  const endOf = new Array<number>(n).fill(0);
  const lastError = new Array<DeliveryError | undefined>(n);
  const learnt = new Array<FailureFields | undefined>(n);
  const isDelivered = new Array<boolean>(n).fill(false);
  const windowMs = Math.max(0, run.retryDurationSeconds) * 1000;
  const startedMs = ports.clock.nowMs();
  let waitedMs = 0;
  let attempts = 0;
  let pending = records.map((_, i) => i);

  while (pending.length > 0) {
    attempts++;
    const outcome = await run.batch.attempt(pending.map((i) => records[i]!));
    const endedMs = ports.clock.nowMs();
    for (const i of pending) {
      attemptsOf[i]!++;
      endOf[i] = endedMs;
    }
    let retriable: number[] = [];
    switch (outcome.kind) {
      case 'delivered':
        for (const i of pending) isDelivered[i] = true;
        break;
      case 'give-up':
        for (const i of pending) lastError[i] = outcome.error;
        break;
      case 'retry':
        for (const i of pending) lastError[i] = outcome.error;
        retriable = pending;
        break;
      case 'retry-partial': {
        const failedHere = new Set<number>();
        for (const failure of outcome.failures) {
          const i = pending[failure.index];
          if (i === undefined || failedHere.has(i)) {
            throw new SluiceError(
              'WriterBug',
              `Attempt outcome names item ${failure.index} of ${pending.length} twice or out of range.`,
            );
          }
          failedHere.add(i);
          lastError[i] = failure.error;
          if (failure.fields) learnt[i] = failure.fields;
          if (failure.retriable) retriable.push(i);
        }
        for (const i of pending) if (!failedHere.has(i)) isDelivered[i] = true;
        break;
      }
    }
    pending = retriable;
    if (pending.length === 0) break;

    const elapsedMs = run.policy.windowFrom === 'first-attempt' ? endedMs - startedMs : waitedMs;
    const remainingMs = windowMs - elapsedMs;
    if (remainingMs <= 0) break;
    const delayMs = Math.min(backoffMs(run.policy.backoff, attempts, ports.jitter()), remainingMs);
    const sleptFromMs = ports.clock.nowMs();
    await ports.sleep(delayMs);
    waitedMs += Math.max(0, ports.clock.nowMs() - sleptFromMs);
  }

  const delivered: DeliveryRecord[] = [];
  const failed: FailedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const record = records[i]!;
    if (isDelivered[i]) {
      delivered.push(record);
      continue;
    }
    const error = lastError[i]!;
    failed.push({
      record,
      errorCode: error.errorCode,
      errorMessage: error.errorMessage,
      ...(error.noErrorOutput ? { noErrorOutput: true as const } : {}),
      attemptsMade: attemptsOf[i]!,
      attemptEndingTimestamp: endOf[i]!,
      fields: { ...run.batch.failureFields(record), ...learnt[i] },
    });
  }
  return { delivered, failed, attempts };
}
