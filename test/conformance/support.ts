import { join } from 'node:path';
import { createLocalLambdaInvoker, type LocalFunction } from '../../lib/adapters/local/lambda-invoker.ts';
import { resolveCreateInput, toResolvedStream } from '../../lib/core/config/index.ts';
import type { ResolvedStream } from '../../lib/core/config/resolved.ts';
import {
  type ProcessedBatch,
  type ProcessingPorts,
  processBatch,
} from '../../lib/core/delivery/processing.ts';
import { type KinesisRecordMetadata, packRecords, type RecordRun } from '../../lib/core/records.ts';
import { fakeIds } from '../core/s3/fake-ids.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { REPO_ROOT } from '../support/sluice.ts';

/**
 * The real path of a processed batch: `processBatch` (lib/core/delivery/processing.ts) with the local invoker's
 * worker threads running handler modules. Only time is faked, so `attemptEndingTimestamp` is known exactly.
 */
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'transforms');
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const NOW_MS = 1_767_225_600_000;
export const ARRIVAL_MS = 1_767_225_000_000;
export const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

export type RawProcessor = {
  Type: string;
  Parameters?: Array<{ ParameterName: string; ParameterValue: string }>;
};

/** A Lambda processor (spec §2.2); NumberOfRetries 2 makes attemptsMade 3 when every attempt fails. */
export const lambdaProcessor = (name: string, numberOfRetries = 2): RawProcessor => ({
  Type: 'Lambda',
  Parameters: [
    { ParameterName: 'LambdaArn', ParameterValue: functionArn(name) },
    { ParameterName: 'NumberOfRetries', ParameterValue: String(numberOfRetries) },
  ],
});

export function streamWith(processors: RawProcessor[], name = 'conformance'): ResolvedStream {
  const ctx = { region: REGION, accountId: ACCOUNT, nowMs: NOW_MS };
  const stored = resolveCreateInput(
    {
      DeliveryStreamName: name,
      ExtendedS3DestinationConfiguration: {
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/firehose`,
        BucketARN: 'arn:aws:s3:::conformance',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        ProcessingConfiguration: { Enabled: true, Processors: processors },
      },
    },
    ctx,
  );
  return toResolvedStream(stored, ctx);
}

/** One run of records, as one PutRecordBatch leaves them in the log; `kinesis` as a Kinesis source reads them. */
export function runOf(
  records: ReadonlyArray<string | Uint8Array>,
  kinesis?: readonly KinesisRecordMetadata[],
): RecordRun {
  const bytes = records.map((r) => (typeof r === 'string' ? new TextEncoder().encode(r) : r));
  return { ...packRecords(bytes), arrivalMs: ARRIVAL_MS, firstSeq: 0, ...(kinesis ? { kinesis } : {}) };
}

/** Local functions by name; every handler lives in test/fixtures/transforms. */
export function localInvoker(functions: Record<string, LocalFunction>) {
  return createLocalLambdaInvoker({ functions, baseDir: FIXTURES });
}

export interface Processed extends ProcessedBatch {
  /** Pauses the Lambda stage asked for between attempts, ms. */
  sleeps: number[];
}

export async function processWith(
  invoker: ReturnType<typeof localInvoker>,
  stream: ResolvedStream,
  batch: RecordRun[],
  extra: Partial<Pick<ProcessingPorts, 'sourceKinesisStreamArn' | 'jqEngine'>> = {},
): Promise<Processed> {
  const sleeps: number[] = [];
  const processed = await processBatch(batch, stream, {
    invoker,
    ids: fakeIds(),
    clock: new FakeClock(NOW_MS),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    jitter: () => 0,
    region: REGION,
    ...extra,
  });
  return { ...processed, sleeps };
}

export const text = (data: Uint8Array) => new TextDecoder().decode(data);
export const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64');

/** The error object bodies by error-output type, each as its lines of JSON text. */
export function errorLines(processed: ProcessedBatch): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [type, { body, records }] of processed.errorBodies) {
    const lines = text(body).split('\n');
    if (lines.pop() !== '') throw new Error(`${type}: the body does not end with a newline`);
    if (lines.length !== records)
      throw new Error(`${type}: ${lines.length} documents for ${records} records`);
    out[type] = lines;
  }
  return out;
}

/** A §4.2 processing-failed document as Firehose writes it (observed key order and the `lambdaARN` spelling). */
export function processingFailedLine(fields: {
  rawData: string;
  errorCode: string;
  errorMessage: string;
  attemptsMade: number;
  lambdaARN?: string;
}): string {
  return JSON.stringify({
    rawData: b64(fields.rawData),
    errorCode: fields.errorCode,
    errorMessage: fields.errorMessage,
    attemptsMade: fields.attemptsMade,
    arrivalTimestamp: ARRIVAL_MS,
    attemptEndingTimestamp: NOW_MS,
    ...(fields.lambdaARN === undefined ? {} : { lambdaARN: fields.lambdaARN }),
  });
}
