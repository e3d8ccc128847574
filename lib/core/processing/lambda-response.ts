import { Buffer } from 'node:buffer';
import { LAMBDA_PAYLOAD_LIMIT_BYTES } from './lambda-invocations.ts';
import type { PartitionKeys } from './processing-record.ts';

/** What the transform made of one record (§5.2, §5.3). */
export type RecordOutcome =
  | { readonly kind: 'ok'; readonly data: Uint8Array; readonly partitionKeys?: PartitionKeys }
  | { readonly kind: 'dropped' }
  | { readonly kind: 'failed'; readonly errorCode: string; readonly errorMessage: string };

/** Codes and messages of §5.3. Messages are AWS's wording where it is known (probed / field reports). */
export const LAMBDA_ERRORS = {
  processingFailed: {
    errorCode: 'Lambda.ProcessingFailedStatus',
    errorMessage: 'ProcessingFailed status set for record',
  },
  missingRecordId: {
    errorCode: 'Lambda.MissingRecordId',
    errorMessage:
      'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.',
  },
  duplicatedRecordId: {
    errorCode: 'Lambda.DuplicatedRecordId',
    errorMessage:
      'Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record.',
  },
  functionError: {
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
  },
  /** The code is Sluice's (AWS's is unverified); the message is the one the developer guide quotes. */
  timeout: {
    errorCode: 'Lambda.FunctionTimeout',
    errorMessage:
      'Firehose encountered timeout errors when calling AWS Lambda. The maximum supported function timeout is 5 minutes.',
  },
  /** An `Ok` with no `data`: AWS's message (probed); its code was not recorded, so it is Sluice's. */
  nullData: {
    errorCode: 'Lambda.InvalidReturnFormat',
    errorMessage:
      'The data field cannot be null when the SourceType is DirectPut or KinesisStreamAsSource and processing result is Ok. The value field cannot be null when the SourceType is MSKAsSource and processing result is Ok.',
  },
} as const;

/**
 * Sluice's code for per-record model violations AWS gives no code for (§5.3 "bad base64: ? unverified"):
 * data that is not base64, a `result` outside Ok/Dropped/ProcessingFailed, partition keys that are not
 * strings. `Lambda.InvalidReturnFormat` is also what the probed emulator reports, so tooling sees one name.
 */
export const INVALID_RETURN_FORMAT = 'Lambda.InvalidReturnFormat';
export const JSON_PROCESSING_EXCEPTION = 'Lambda.JsonProcessingException';

/** Standard base64 with optional padding, as Java's basic decoder accepts it (no whitespace, no url-safe). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) || text.length % 4 === 1) return undefined;
  const padding = text.length - text.replace(/=+$/, '').length;
  if (padding > 0 && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // A plain Uint8Array view: callers compare and slice records as Uint8Array, never as Buffer.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function failed(errorCode: string, errorMessage: string): RecordOutcome {
  return { kind: 'failed', errorCode, errorMessage };
}

/** `metadata.partitionKeys` as strings; numbers and booleans are stringified, anything else is an error. */
function partitionKeysOf(metadata: unknown): PartitionKeys | undefined | string {
  if (metadata === undefined || metadata === null) return undefined;
  if (!isObject(metadata)) return 'metadata must be an object';
  const keys = metadata.partitionKeys;
  if (keys === undefined || keys === null) return undefined;
  if (!isObject(keys)) return 'metadata.partitionKeys must be an object of strings';
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) {
    if (typeof value === 'string') result[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') result[name] = String(value);
    else return `metadata.partitionKeys.${name} must be a string`;
  }
  return result;
}

function outcomeOf(entry: Record<string, unknown>): RecordOutcome {
  switch (entry.result) {
    case 'Dropped':
      return { kind: 'dropped' };
    case 'ProcessingFailed':
      return failed(LAMBDA_ERRORS.processingFailed.errorCode, LAMBDA_ERRORS.processingFailed.errorMessage);
    case 'Ok':
      break;
    default:
      return failed(
        INVALID_RETURN_FORMAT,
        `The result field must be one of Ok, Dropped or ProcessingFailed; got ${JSON.stringify(entry.result ?? null).slice(0, 40)}.`,
      );
  }
  if (entry.data === undefined || entry.data === null) {
    return failed(LAMBDA_ERRORS.nullData.errorCode, LAMBDA_ERRORS.nullData.errorMessage);
  }
  const data = typeof entry.data === 'string' ? decodeBase64(entry.data) : undefined;
  if (data === undefined)
    return failed(INVALID_RETURN_FORMAT, 'The data field must be a base64-encoded string.');
  const partitionKeys = partitionKeysOf(entry.metadata);
  if (typeof partitionKeys === 'string')
    return failed(INVALID_RETURN_FORMAT, `Invalid metadata: ${partitionKeys}.`);
  return partitionKeys === undefined ? { kind: 'ok', data } : { kind: 'ok', data, partitionKeys };
}

/**
 * Reads one Lambda response and says what happened to each record of the invocation, in the invocation's
 * order (outcomes[i] is for recordIds[i]). Never throws; a malformed response is final (§5.3: not retried).
 *
 * - Not JSON: `Lambda.JsonProcessingException` for every record (developer guide).
 * - JSON without a `records` array: `Lambda.MissingRecordId` for every record (observed; §5.3).
 * - Over the 6 MiB response limit: `Lambda.MissingRecordId` for every record. On AWS Lambda itself refuses
 *   such a response, and what users report seeing is MissingRecordId (CloudWatch2S3#3, §5.3).
 * - A recordId not returned: `Lambda.MissingRecordId`; returned twice: `Lambda.DuplicatedRecordId` (even if
 *   both entries agree); an id that was never sent, or an entry without a string recordId: ignored (probed).
 */
export function interpretResponse(
  recordIds: readonly string[],
  responseBytes: Uint8Array,
  payloadLimitBytes = LAMBDA_PAYLOAD_LIMIT_BYTES,
): RecordOutcome[] {
  const all = (outcome: RecordOutcome) => recordIds.map(() => outcome);
  const missing = failed(LAMBDA_ERRORS.missingRecordId.errorCode, LAMBDA_ERRORS.missingRecordId.errorMessage);
  if (responseBytes.byteLength > payloadLimitBytes) return all(missing);

  let response: unknown;
  try {
    response = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(responseBytes));
  } catch (cause) {
    return all(
      failed(
        JSON_PROCESSING_EXCEPTION,
        `The Lambda function response is not valid JSON: ${(cause as Error).message.slice(0, 200)}`,
      ),
    );
  }
  const entries = isObject(response) && Array.isArray(response.records) ? response.records : [];

  const wanted = new Set(recordIds);
  const byId = new Map<string, Record<string, unknown>>();
  const duplicated = new Set<string>();
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.recordId !== 'string' || !wanted.has(entry.recordId)) continue;
    if (byId.has(entry.recordId)) duplicated.add(entry.recordId);
    else byId.set(entry.recordId, entry);
  }
  return recordIds.map((id) => {
    if (duplicated.has(id)) {
      return failed(
        LAMBDA_ERRORS.duplicatedRecordId.errorCode,
        LAMBDA_ERRORS.duplicatedRecordId.errorMessage,
      );
    }
    const entry = byId.get(id);
    return entry === undefined ? missing : outcomeOf(entry);
  });
}
