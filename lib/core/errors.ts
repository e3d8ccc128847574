/**
 * Every error Sluice raises on purpose carries a stable `code`. API errors additionally carry the
 * Firehose exception name (`__type`) and the HTTP status the JSON 1.1 protocol answers with.
 */
export class SluiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Firehose exception names (spec §1.1); `ValidationException` is observed on AWS though not modelled. */
export type FirehoseErrorType =
  | 'InvalidArgumentException'
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'LimitExceededException'
  | 'ConcurrentModificationException'
  | 'ServiceUnavailableException'
  | 'InvalidKMSResourceException'
  | 'InvalidSourceException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'InvalidSignatureException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'RequestEntityTooLargeException'
  | 'InternalFailure';

const STATUS: Record<FirehoseErrorType, number> = {
  InvalidArgumentException: 400,
  ValidationException: 400,
  ResourceNotFoundException: 400,
  ResourceInUseException: 400,
  LimitExceededException: 400,
  ConcurrentModificationException: 400,
  ServiceUnavailableException: 503,
  InvalidKMSResourceException: 400,
  InvalidSourceException: 400,
  SerializationException: 400,
  UnknownOperationException: 400,
  MissingAuthenticationTokenException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  RequestEntityTooLargeException: 413,
  InternalFailure: 500,
};

/** An error the Firehose API returns to the caller as `{"__type", "message"}`. */
export class FirehoseApiError extends SluiceError {
  readonly httpStatus: number;
  constructor(
    readonly type: FirehoseErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(type, message, options);
    this.httpStatus = STATUS[type];
  }
}

/**
 * Constraint violations in the Coral/Smithy format AWS uses (spec §1.1):
 * `2 validation errors detected: Value 'x' at 'a.b' failed to satisfy constraint: ...; Value ...`.
 */
export function validationException(violations: readonly string[]): FirehoseApiError {
  const n = violations.length;
  const header = `${n} validation error${n === 1 ? '' : 's'} detected: `;
  return new FirehoseApiError('ValidationException', header + violations.join('; '));
}

/** Bounds a user-supplied value before it is echoed in an error message. */
export function bounded(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
