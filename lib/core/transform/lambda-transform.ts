import type { Clock, IdSource, TransformEventResult, TransformInvoker } from '../ports.ts';
import type {
  FailedProcessorRecord,
  ProcessorRecord,
  RecordOutcome,
  StageResult,
} from '../processors/processor-record.ts';
import { type BackoffPolicy, backoffMs } from '../retry.ts';
import {
  buildInvocations,
  type InvocationEventSettings,
  type TransformInvocation,
} from './invocation-events.ts';
import { readTransformAnswer, readTransformResponse, TRANSFORM_ERRORS } from './transform-response.ts';

/** Firehose gives up on a function that runs longer than this (spec §5.3). */
export const MAX_FUNCTION_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Firehose keeps up to 5 invocations outstanding per shard for S3 destinations (spec §2.2); a stream here is one
 * shard. Besides matching Firehose, it lets the server build and read events while the function runs.
 */
export const INVOCATION_CONCURRENCY = 5;

/**
 * Pause between attempts of one invocation. Firehose publishes no schedule for Lambda retries; Sluice uses the
 * exponential backoff of its other retries, starting at 1 s.
 */
export const LAMBDA_RETRY_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000, jitterFraction: 0.15 };

export interface LambdaTransformSettings extends InvocationEventSettings {
  /** ProcessorParameters LambdaArn, as configured (the invoker resolves names, versions and aliases). */
  readonly functionArn: string;
  /** ProcessorParameters NumberOfRetries (default 3): attempts = NumberOfRetries + 1. */
  readonly numberOfRetries: number;
  /** The function's own timeout, capped at Firehose's 5 minutes. */
  readonly functionTimeoutMs: number;
  /** Invocations in flight at once. Default INVOCATION_CONCURRENCY. */
  readonly concurrency?: number;
  readonly backoff?: BackoffPolicy;
}

export interface LambdaTransformPorts {
  readonly invoker: TransformInvoker;
  readonly ids: IdSource;
  readonly clock: Clock;
  /** Waits between attempts; tests resolve it at once and record the delays. */
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1) for backoff jitter. */
  readonly jitter: () => number;
}

/**
 * The Lambda processor (spec §5): records go out in invocations (BufferSizeInMBs, 6 MiB), each invocation is
 * retried NumberOfRetries times with backoff when the call itself fails (function error, timeout, invoke error,
 * oversized response), and then its records all become processing-failed with `attemptsMade` = attempts.
 * A response that arrives is final: its per-record failures (ProcessingFailed, missing or duplicated ids, bad
 * data, unparseable JSON) are not retried (spec §5.3, observed). Every failure names the function (`lambdaARN`).
 * Survivors keep batch order.
 */
export async function runLambdaTransform(
  records: readonly ProcessorRecord[],
  settings: LambdaTransformSettings,
  ports: LambdaTransformPorts,
): Promise<StageResult & { readonly invocations: number; readonly attempts: number }> {
  const invocations = buildInvocations(records, settings, ports.ids);
  const results: Array<InvocationResult | undefined> = new Array(invocations.length);
  let next = 0;
  const worker = async () => {
    while (next < invocations.length) {
      const i = next++;
      results[i] = await runInvocation(invocations[i]!, settings, ports);
    }
  };
  const concurrency = Math.max(
    1,
    Math.min(settings.concurrency ?? INVOCATION_CONCURRENCY, invocations.length),
  );
  await Promise.all(Array.from({ length: concurrency }, worker));

  const stage = {
    ok: [] as ProcessorRecord[],
    dropped: [] as ProcessorRecord[],
    failed: [] as FailedProcessorRecord[],
  };
  let attempts = 0;
  invocations.forEach((invocation, i) => {
    const result = results[i]!;
    attempts += result.attempts;
    invocation.records.forEach((record, j) => {
      const outcome = result.outcomes[j]!;
      if (outcome.status === 'ok') stage.ok.push(...outcome.records);
      else if (outcome.status === 'dropped') stage.dropped.push(record);
      else {
        stage.failed.push({
          record,
          errorOutputType: 'processing-failed',
          errorCode: outcome.errorCode,
          errorMessage: outcome.errorMessage,
          rawData: outcome.rawData,
          attemptsMade: result.attempts,
          attemptEndingMs: result.endMs,
          lambdaArn: settings.functionArn,
        });
      }
    });
  });
  return { ...stage, invocations: invocations.length, attempts };
}

interface InvocationResult {
  outcomes: RecordOutcome[];
  attempts: number;
  /** When the last attempt ended (§4.2 attemptEndingTimestamp). */
  endMs: number;
}

async function runInvocation(
  invocation: TransformInvocation,
  settings: LambdaTransformSettings,
  ports: LambdaTransformPorts,
): Promise<InvocationResult> {
  const maxAttempts = Math.max(0, Math.floor(settings.numberOfRetries)) + 1;
  const timeoutMs = Math.min(settings.functionTimeoutMs, MAX_FUNCTION_TIMEOUT_MS);
  let last = { code: '', message: '' };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) {
      await ports.sleep(backoffMs(settings.backoff ?? LAMBDA_RETRY_BACKOFF, attempt - 1, ports.jitter()));
    }
    const answer = await invoke(ports.invoker, settings.functionArn, invocation, timeoutMs);
    if (answer.kind === 'response' || answer.kind === 'answer') {
      const verdict =
        answer.kind === 'response'
          ? readTransformResponse(answer.payload, invocation.records, settings.payloadLimitBytes)
          : readTransformAnswer(
              answer.answer,
              answer.payloadBytes,
              invocation.records,
              settings.payloadLimitBytes,
            );
      if (verdict.kind === 'records')
        return { outcomes: verdict.outcomes, attempts: attempt, endMs: ports.clock.nowMs() };
      last = { code: verdict.errorCode, message: verdict.errorMessage };
    } else if (answer.kind === 'function-error') {
      last = { code: TRANSFORM_ERRORS.functionError.code, message: TRANSFORM_ERRORS.functionError.message };
    } else if (answer.kind === 'timeout') {
      last = { code: TRANSFORM_ERRORS.timeout.code, message: TRANSFORM_ERRORS.timeout.message };
    } else {
      last = { code: answer.errorCode, message: answer.message };
    }
  }
  return {
    attempts: maxAttempts,
    endMs: ports.clock.nowMs(),
    outcomes: invocation.records.map(
      (record): RecordOutcome => ({
        status: 'failed',
        errorOutputType: 'processing-failed',
        errorCode: last.code,
        errorMessage: last.message,
        rawData: record.data,
      }),
    ),
  };
}

/** Hands the event over as values when the invoker can take them, else as its JSON. */
function invoke(
  invoker: TransformInvoker,
  functionArn: string,
  invocation: TransformInvocation,
  timeoutMs: number,
): Promise<TransformEventResult> {
  if (invoker.invokeEvent)
    return invoker.invokeEvent(functionArn, invocation.event, invocation.payloadBytes, timeoutMs);
  return invoker.invoke(functionArn, invocation.payload, timeoutMs);
}
