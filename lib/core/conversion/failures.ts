/** The two error codes a record can fail conversion with (spec §4.2, observed on AWS). */
export const PARSE_ERROR = 'DataFormatConversion.ParseError';
export const MALFORMED_DATA = 'DataFormatConversion.MalformedData';
export type ConversionErrorCode = typeof PARSE_ERROR | typeof MALFORMED_DATA;

/** A record that could not be converted; it goes to the `format-conversion-failed` error output (§4.2, §7.4). */
export interface ConversionFailure {
  /** Position of the record across all the runs given to convertToParquet, from 0. */
  recordIndex: number;
  /** ParseError: the record is not a sequence of JSON objects. MalformedData: a value does not fit its column. */
  errorCode: ConversionErrorCode;
  errorMessage: string;
}

/** Thrown inside the shredder to abandon a record; never escapes convertToParquet. */
export class RecordFailure extends Error {
  constructor(
    readonly errorCode: ConversionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
