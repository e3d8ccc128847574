import type { ErrorOutputInput } from '../error-output/types.ts';
import type { KinesisRecordMetadata } from '../records.ts';

/**
 * A record as the processors of spec §6 see it: one object per record, made from a batch's runs only when a
 * stream has processors (records.ts explains why the buffer itself keeps runs).
 */
export interface ProcessorRecord {
  readonly data: Uint8Array;
  /** Approximate arrival time, ms since the epoch; sub-records inherit their blob's. */
  readonly arrivalMs: number;
  /** Unique within a batch; sub-records get `<parent>.<index>` (the §4.2 `dataId` form). */
  readonly recordId: string;
  /** Dynamic-partitioning keys gathered so far (MetadataExtraction, Lambda `metadata.partitionKeys`). */
  readonly partitionKeys?: Readonly<Record<string, string>>;
  readonly kinesisRecordMetadata?: KinesisRecordMetadata;
}

/** Where a failed record's error document goes (spec §4.1): the types processors and partitioning fail into. */
export type ProcessorErrorOutputType =
  | 'processing-failed'
  | 'decompression-failed'
  | 'activePartitionExceeded';

/** What one processor made of one record. Bad data is an outcome, never an exception. */
export type RecordOutcome =
  /** The record continues as `records` (one, or several for a de-aggregated blob). */
  | { readonly status: 'ok'; readonly records: readonly ProcessorRecord[] }
  /** Removed without error output (a CloudWatch Logs CONTROL_MESSAGE, a Lambda `Dropped`). */
  | { readonly status: 'dropped' }
  | {
      readonly status: 'failed';
      readonly errorOutputType: ProcessorErrorOutputType;
      readonly errorCode: string;
      readonly errorMessage: string;
      /**
       * The bytes the error document backs up. Usually the record as it entered the processor; a
       * decompression failure keeps the record compressed (spec §4.1, decomp-faq).
       */
      readonly rawData: Uint8Array;
    };

/** A record a stage gave up on, with what its §4.2 document needs. */
export interface FailedProcessorRecord {
  readonly record: ProcessorRecord;
  readonly errorOutputType: ProcessorErrorOutputType;
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Bytes for `rawData`. */
  readonly rawData: Uint8Array;
  /** 1 for the in-process processors; NumberOfRetries + 1 (or fewer) for the Lambda stage. */
  readonly attemptsMade: number;
  /** When the last attempt ended; the Lambda stage sets it, in-process processors leave it to the caller's clock. */
  readonly attemptEndingMs?: number;
  /** Set by the Lambda stage (the `lambdaARN` of the processing-failed document). */
  readonly lambdaArn?: string;
}

/** A stage's result over a batch: survivors in order, and what was dropped or failed. */
export interface StageResult {
  readonly ok: ProcessorRecord[];
  readonly dropped: ProcessorRecord[];
  readonly failed: FailedProcessorRecord[];
}

/** Applies a per-record processor to a batch, keeping the batch order of the survivors. */
export function runRecordStage(
  records: readonly ProcessorRecord[],
  processor: (record: ProcessorRecord) => RecordOutcome,
): StageResult {
  return collectOutcomes(records, records.map(processor));
}

/** Folds per-record outcomes (aligned with `records`) into a StageResult. */
export function collectOutcomes(
  records: readonly ProcessorRecord[],
  outcomes: readonly RecordOutcome[],
): StageResult {
  const result: StageResult = { ok: [], dropped: [], failed: [] };
  records.forEach((record, i) => {
    const outcome = outcomes[i]!;
    if (outcome.status === 'ok') result.ok.push(...outcome.records);
    else if (outcome.status === 'dropped') result.dropped.push(record);
    else {
      result.failed.push({
        record,
        errorOutputType: outcome.errorOutputType,
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        rawData: outcome.rawData,
        attemptsMade: 1,
      });
    }
  });
  return result;
}

export function failed(
  record: ProcessorRecord,
  errorCode: string,
  errorMessage: string,
  errorOutputType: ProcessorErrorOutputType = 'processing-failed',
  rawData: Uint8Array = record.data,
): RecordOutcome {
  return { status: 'failed', errorOutputType, errorCode, errorMessage, rawData };
}

export function ok(...records: ProcessorRecord[]): RecordOutcome {
  return { status: 'ok', records };
}

/** The §4.2 document input of a record a stage failed; `nowMs` stands in when the stage set no ending time. */
export function errorOutputInputOf(failure: FailedProcessorRecord, nowMs: number): ErrorOutputInput {
  const common = {
    record: {
      data: failure.rawData,
      arrivalMs: failure.record.arrivalMs,
      ...(failure.record.kinesisRecordMetadata
        ? { kinesisRecordMetadata: failure.record.kinesisRecordMetadata }
        : {}),
    },
    errorCode: failure.errorCode,
    errorMessage: failure.errorMessage,
    attemptsMade: failure.attemptsMade,
    attemptEndingMs: failure.attemptEndingMs ?? nowMs,
  };
  if (failure.errorOutputType === 'processing-failed') {
    return {
      ...common,
      errorOutputType: 'processing-failed',
      ...(failure.lambdaArn !== undefined ? { lambdaArn: failure.lambdaArn } : {}),
    };
  }
  return { ...common, errorOutputType: failure.errorOutputType };
}
