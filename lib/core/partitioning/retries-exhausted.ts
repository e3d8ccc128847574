import type { FailedProcessorRecord, ProcessorRecord } from '../processors/index.ts';

/** Names every JavaScript error carries: they say nothing about which S3 error it was. */
const GENERIC_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'AggregateError',
]);

/**
 * A record whose partition object could not be written to S3 within RetryOptions (spec §6, §3.7). Firehose
 * publishes no document for this case; Sluice writes the processing-failed layout without `lambdaARN` (the
 * dynamic-partitioning variant of §4.2), with the store's error in the `S3.<code>` form of the codes Firehose logs
 * for S3 delivery (an AWS SDK error's name, e.g. `S3.NoSuchBucket`, or a Node error's code), or `InternalError`
 * when the error names no code. Both runtimes write the same document.
 */
export function retriesExhausted(
  record: ProcessorRecord,
  error: unknown,
  attempts: number,
): FailedProcessorRecord {
  return {
    record,
    errorOutputType: 'processing-failed',
    errorCode: s3ErrorCode(error),
    errorMessage: error instanceof Error ? error.message : String(error),
    rawData: record.data,
    attemptsMade: attempts,
  };
}

function s3ErrorCode(error: unknown): string {
  const { code, name } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    name?: unknown;
  };
  if (typeof code === 'string' && code !== '') return `S3.${code}`;
  if (typeof name === 'string' && name !== '' && !GENERIC_ERROR_NAMES.has(name)) return `S3.${name}`;
  return 'InternalError';
}
