import type { Clock, IdSource } from '../ports.ts';
import { buildInvocations, type Invocation } from './lambda-invocations.ts';
import type { LambdaProcessorSettings } from './lambda-processor-parameters.ts';
import { LAMBDA_INVOCATION_TIMEOUT_MS } from './lambda-processor-parameters.ts';
import { interpretResponse, LAMBDA_ERRORS, type RecordOutcome } from './lambda-response.ts';
import type { InvokeResult, LambdaInvoker } from './ports.ts';
import type { PartitionKeys, ProcessingRecord } from './processing-record.ts';

export interface LambdaTransformConfig
  extends Pick<LambdaProcessorSettings, 'lambdaArn' | 'numberOfRetries' | 'bufferSizeBytes'> {
  /** The delivery stream's ARN, for the event's `deliveryStreamArn`. */
  streamArn: string;
  region: string;
  sourceKinesisStreamArn?: string;
  /** Defaults to 5 minutes, Firehose's limit (§5.3). */
  invocationTimeoutMs?: number;
  /** Invocations in flight at once; Firehose allows 5 per shard for S3 destinations (§2.2). Default 5. */
  maxConcurrentInvocations?: number;
  /** Delay before retry n (1-based); default 1 s doubling to at most 30 s (AWS does not document its backoff). */
  backoffMs?: (retry: number) => number;
}

export interface TransformPorts extends LambdaInvoker {
  /** Resolves after `ms` (the runtime's timer; a fake in tests). */
  sleep(ms: number): Promise<void>;
  clock: Clock;
  ids: IdSource;
}

export interface TransformedRecord<R extends ProcessingRecord> {
  readonly record: R;
  /** The bytes the function returned for the record: they replace `record.data` from here on. */
  readonly data: Uint8Array;
  /** `metadata.partitionKeys` the function returned (`!{partitionKeyFromLambda:…}`, §6). */
  readonly partitionKeys?: PartitionKeys;
}

/** A record for the `processing-failed` error output; feeds `processingFailedDocument` directly. */
export interface TransformFailure<R extends ProcessingRecord> {
  readonly record: R;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptsMade: number;
  readonly attemptEndingMs: number;
  readonly lambdaArn: string;
  /** What the function or Lambda said on the last attempt, for logs (not part of the error document). */
  readonly detail?: string;
}

export interface TransformResult<R extends ProcessingRecord> {
  /** In input order. Records the function marked `Dropped` are in neither list (§5.3). */
  readonly ok: TransformedRecord<R>[];
  readonly failed: TransformFailure<R>[];
}

export function defaultBackoffMs(retry: number): number {
  return Math.min(1000 * 2 ** (retry - 1), 30_000);
}

function failureOf(result: Exclude<InvokeResult, { kind: 'ok' }>): {
  errorCode: string;
  errorMessage: string;
  detail?: string;
} {
  switch (result.kind) {
    case 'function-error':
      return { ...LAMBDA_ERRORS.functionError, detail: result.message };
    case 'timeout':
      return { ...LAMBDA_ERRORS.timeout };
    case 'invoke-error':
      return { errorCode: result.code, errorMessage: result.message };
  }
}

/**
 * One invocation with its retries: invocation errors and timeouts are retried NumberOfRetries times, then
 * every record of the batch fails with attemptsMade = NumberOfRetries + 1 (§5.3). A response that arrives is
 * final however malformed (§5.3: not retried; the probe reported attemptsMade 1).
 */
async function runInvocation<R extends ProcessingRecord>(
  invocation: Invocation<R>,
  config: LambdaTransformConfig,
  ports: TransformPorts,
  into: TransformResult<R>,
): Promise<void> {
  const timeoutMs = config.invocationTimeoutMs ?? LAMBDA_INVOCATION_TIMEOUT_MS;
  const backoff = config.backoffMs ?? defaultBackoffMs;
  const attempts = config.numberOfRetries + 1;
  for (let attempt = 1; ; attempt++) {
    const result = await ports.invoke(config.lambdaArn, invocation.payload, timeoutMs);
    if (result.kind === 'ok') {
      const outcomes = interpretResponse(invocation.recordIds, result.payload);
      collect(invocation.records, outcomes, attempt, ports.clock.nowMs(), config.lambdaArn, into);
      return;
    }
    if (attempt >= attempts) {
      const failure = failureOf(result);
      const attemptEndingMs = ports.clock.nowMs();
      for (const record of invocation.records) {
        into.failed.push({
          record,
          ...failure,
          attemptsMade: attempt,
          attemptEndingMs,
          lambdaArn: config.lambdaArn,
        });
      }
      return;
    }
    await ports.sleep(backoff(attempt));
  }
}

function collect<R extends ProcessingRecord>(
  records: readonly R[],
  outcomes: readonly RecordOutcome[],
  attemptsMade: number,
  attemptEndingMs: number,
  lambdaArn: string,
  into: TransformResult<R>,
): void {
  outcomes.forEach((outcome, i) => {
    const record = records[i]!;
    if (outcome.kind === 'ok') {
      into.ok.push(
        outcome.partitionKeys === undefined
          ? { record, data: outcome.data }
          : { record, data: outcome.data, partitionKeys: outcome.partitionKeys },
      );
    } else if (outcome.kind === 'failed') {
      const { errorCode, errorMessage } = outcome;
      into.failed.push({ record, errorCode, errorMessage, attemptsMade, attemptEndingMs, lambdaArn });
    }
  });
}

/**
 * The Lambda processor (§5): splits the records into invocations (buildInvocations), calls the function for
 * each, up to `maxConcurrentInvocations` at a time, and sorts every record into transformed, failed or
 * dropped. Never rejects for anything the function does; only a throwing port rejects.
 */
export async function runTransform<R extends ProcessingRecord>(
  records: readonly R[],
  config: LambdaTransformConfig,
  ports: TransformPorts,
): Promise<TransformResult<R>> {
  const invocations = buildInvocations(records, {
    streamArn: config.streamArn,
    region: config.region,
    ...(config.sourceKinesisStreamArn === undefined
      ? {}
      : { sourceKinesisStreamArn: config.sourceKinesisStreamArn }),
    invocationId: () => ports.ids.uuid(),
    bufferSizeBytes: config.bufferSizeBytes,
  });
  // Each invocation fills its own result so the merged lists keep the input order.
  const results: TransformResult<R>[] = invocations.map(() => ({ ok: [], failed: [] }));
  let next = 0;
  const worker = async () => {
    while (next < invocations.length) {
      const i = next++;
      await runInvocation(invocations[i]!, config, ports, results[i]!);
    }
  };
  const lanes = Math.max(1, Math.min(config.maxConcurrentInvocations ?? 5, invocations.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return { ok: results.flatMap((r) => r.ok), failed: results.flatMap((r) => r.failed) };
}
