/**
 * The contract every destination writer follows (Vector's sink chain: batch → build request → send with
 * retry → acknowledge). A writer turns one attempt at a batch into an outcome value; the retry driver
 * (retry-driver.ts) decides whether and when to try again. Nothing here throws for a delivery failure:
 * exceptions are for bugs and bad configuration (DESIGN.md "Outcomes are values").
 */
import type { BackoffPolicy } from '../retry.ts';

/** One record handed to a destination: processed and ready to send. */
export interface DeliveryRecord {
  /**
   * Unique per record and stable across retries of its batch. OpenSearch's FIREHOSE_DEFAULT document ID is
   * derived from it, so a runtime that replays its log after a crash should pass the same ID again.
   */
  readonly recordId: string;
  /** When Firehose accepted the record, ms since the epoch (the `arrivalTimestamp` of §4.2). */
  readonly arrivalMs: number;
  readonly data: Uint8Array;
}

/** A failure as Firehose reports it: `errorCode` from the destination's code list, a human message. */
export interface DeliveryError {
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Set when Firehose writes no error document for this failure (§10.3: an HTTP 413 batch is not backed up). */
  readonly noErrorOutput?: true;
}

/** One item of a batch that failed while others were delivered. */
export interface ItemFailure {
  /** Position in the records passed to `attempt`. */
  readonly index: number;
  readonly error: DeliveryError;
  /** False for failures a retry cannot fix (OpenSearch mapping errors): the item fails at once. */
  readonly retriable: boolean;
  /** Destination fields learnt from the response (e.g. the `_id` OpenSearch generated). */
  readonly fields?: FailureFields;
}

/**
 * What one attempt at a batch came to (DESIGN.md: delivered | retry | retry-partial | give-up).
 * - `delivered`: every record is at the destination.
 * - `retry`: nothing was delivered; the whole attempt may be repeated.
 * - `retry-partial`: the items listed failed, every other record was delivered.
 * - `give-up`: nothing was delivered and retrying cannot help (e.g. HTTP 413, §10.3).
 */
export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly error: DeliveryError }
  | { readonly kind: 'retry-partial'; readonly failures: readonly ItemFailure[] }
  | { readonly kind: 'give-up'; readonly error: DeliveryError };

/**
 * Destination-specific fields of a failed record's error document (§4.2): `esDocumentId`, `esIndexName`,
 * `esTypeName` (or `osDocumentId`/`osIndexName` for Serverless), `dataId`/`subsequenceNumber` (HTTP endpoint).
 */
export type FailureFields = Readonly<Record<string, string | number | null>>;

/** A record the destination did not take within the retry window: the makings of a §4.2 error document. */
export interface FailedRecord extends DeliveryError {
  readonly record: DeliveryRecord;
  /** Attempts that included this record. */
  readonly attemptsMade: number;
  /** When the last attempt ended, ms since the epoch. */
  readonly attemptEndingTimestamp: number;
  readonly fields: FailureFields;
}

/** What a batch came to once the retry driver stopped. */
export interface DeliveryResult {
  /** Records at the destination, in batch order. */
  readonly delivered: readonly DeliveryRecord[];
  /** Records that failed, in batch order. */
  readonly failed: readonly FailedRecord[];
  /** Attempts made for the batch (at least 1 for a non-empty batch). */
  readonly attempts: number;
}

/** How a destination retries (§3.7, §8, §9, §10.4). */
export interface RetryPolicy {
  readonly backoff: BackoffPolicy;
  /**
   * `first-attempt`: the window includes the first attempt and every response wait (Redshift §8, OpenSearch §9).
   * `first-failure`: the window starts at the first failure and counts only the waits between attempts, not the
   * time spent waiting for responses (HTTP endpoint §10.4).
   */
  readonly windowFrom: 'first-attempt' | 'first-failure';
}

/** The state of one batch across its attempts: what must stay the same when it is retried. */
export interface BatchAttempts {
  /**
   * Sends `records` (the batch's still-pending records, in batch order) once. `ItemFailure.index` refers to a
   * position in `records`. Must resolve with an outcome for every transport or destination failure.
   */
  attempt(records: readonly DeliveryRecord[]): Promise<AttemptOutcome>;
  /** Fields of the error document for a record of this batch that failed (§4.2). */
  failureFields(record: DeliveryRecord): FailureFields;
}

/** A destination writer: configuration bound, ready to start batches. */
export interface DestinationWriter {
  /** The `!{firehose:error-output-type}` of its failed records (§4.1), or undefined when there is none. */
  readonly errorOutputType: string | undefined;
  readonly retryPolicy: RetryPolicy;
  /** The retry window, RetryOptions.DurationInSeconds after defaults. */
  readonly retryDurationSeconds: number;
  /** Fixes per-batch state (request ID, document IDs, a built request body) before the first attempt. */
  begin(records: readonly DeliveryRecord[]): Promise<BatchAttempts>;
}
