import { Buffer } from 'node:buffer';

/**
 * The JSON documents Firehose writes under the error prefix, one per failed record (spec §4.2). Each builder
 * returns one line of JSON (no trailing newline) with the keys in the order Firehose writes them; an object
 * under the error prefix is these lines joined by `joinErrorDocuments`.
 *
 * Timestamps are epoch milliseconds as JSON numbers: the generic description in the docs quotes them as
 * strings, the real examples (and probes) show numbers (§4.2, last note).
 */

/** Base64 of the record's bytes, as every document's `rawData` carries them. */
export function rawDataOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export interface ProcessingFailure {
  /** The record as the Lambda received it (after de-aggregation / decompression), not the transformed data. */
  readonly rawData: Uint8Array;
  /** `Lambda.*` code (§5.3), e.g. `Lambda.ProcessingFailedStatus`. */
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptsMade: number;
  readonly arrivalMs: number;
  readonly attemptEndingMs: number;
  readonly lambdaArn: string;
}

/**
 * `processing-failed` (§4.2). The developer guide documents `attemptsMade` first and the key `lambdaArn`;
 * we follow what AWS was observed writing (us-west-2, 2026-09-10): `rawData` first and the key spelled
 * `lambdaARN`, because that is what existing consumers of real error objects parse.
 */
export function processingFailedDocument(failure: ProcessingFailure): string {
  return JSON.stringify({
    rawData: rawDataOf(failure.rawData),
    errorCode: failure.errorCode,
    errorMessage: failure.errorMessage,
    attemptsMade: failure.attemptsMade,
    arrivalTimestamp: failure.arrivalMs,
    attemptEndingTimestamp: failure.attemptEndingMs,
    lambdaARN: failure.lambdaArn,
  });
}

/** The Glue table a format conversion read its schema from (§4.2, §7.1). */
export interface DataCatalogTable {
  readonly catalogId: string;
  readonly databaseName: string;
  readonly tableName: string;
  readonly region: string;
  readonly versionId: string;
  readonly catalogArn: string;
}

export interface FormatConversionFailure {
  readonly rawData: Uint8Array;
  /** e.g. `DataFormatConversion.ParseError`, `DataFormatConversion.MalformedData` (§4.2, observed). */
  readonly lastErrorCode: string;
  readonly lastErrorMessage: string;
  readonly attemptsMade: number;
  readonly arrivalMs: number;
  readonly attemptEndingMs: number;
  /** Kinesis sequence number of the record (Firehose fills one in for Direct PUT records as well). */
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly dataCatalogTable: DataCatalogTable;
}

/**
 * `format-conversion-failed` (§4.2). ⚠ The current Chinese-region page names the fields `ErrorCode` /
 * `ErrorMessage`; we keep the `lastErrorCode` / `lastErrorMessage` of the developer guide, which the probed
 * emulator also writes.
 */
export function formatConversionFailedDocument(failure: FormatConversionFailure): string {
  const table = failure.dataCatalogTable;
  return JSON.stringify({
    attemptsMade: failure.attemptsMade,
    arrivalTimestamp: failure.arrivalMs,
    lastErrorCode: failure.lastErrorCode,
    lastErrorMessage: failure.lastErrorMessage,
    attemptEndingTimestamp: failure.attemptEndingMs,
    rawData: rawDataOf(failure.rawData),
    sequenceNumber: failure.sequenceNumber,
    subSequenceNumber: failure.subSequenceNumber,
    dataCatalogTable: {
      catalogId: table.catalogId,
      databaseName: table.databaseName,
      tableName: table.tableName,
      region: table.region,
      versionId: table.versionId,
      catalogArn: table.catalogArn,
    },
  });
}

/** Fields every destination failure document starts with (§4.2). */
export interface DeliveryFailure {
  readonly rawData: Uint8Array;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptsMade: number;
  readonly arrivalMs: number;
  readonly attemptEndingMs: number;
}

function deliveryHead(failure: DeliveryFailure) {
  return {
    attemptsMade: failure.attemptsMade,
    arrivalTimestamp: failure.arrivalMs,
    errorCode: failure.errorCode,
    errorMessage: failure.errorMessage,
    attemptEndingTimestamp: failure.attemptEndingMs,
  };
}

export interface HttpEndpointFailure extends DeliveryFailure {
  /** Position within the record's Kinesis aggregate; 0 for plain records. */
  readonly subsequenceNumber: number;
  /** `<sequence>.<n>`, the id Firehose gave the record in the request (§10.2). */
  readonly dataId: string;
}

/** `http-endpoint-failed` (§4.2): the documented example ends with `subsequenceNumber`, then `dataId`. */
export function httpEndpointFailedDocument(failure: HttpEndpointFailure): string {
  return JSON.stringify({
    ...deliveryHead(failure),
    rawData: rawDataOf(failure.rawData),
    subsequenceNumber: failure.subsequenceNumber,
    dataId: failure.dataId,
  });
}

export interface OpenSearchFailure extends DeliveryFailure {
  readonly documentId: string | null;
  readonly indexName: string;
  /** The Elasticsearch `_type`; null when none was configured (7.x+ domains). Ignored for Serverless. */
  readonly typeName: string | null;
}

/**
 * `AmazonOpenSearchService-failed` / `elasticsearch-failed` (§4.2): `esDocumentId`, `esIndexName`,
 * `esTypeName` between `attemptEndingTimestamp` and `rawData`. OpenSearch Serverless (`variant: 'serverless'`)
 * writes `osDocumentId`, `osIndexName` and no type. `errorCode` is OpenSearch's HTTP status, as a string.
 */
export function openSearchFailedDocument(
  failure: OpenSearchFailure,
  variant: 'service' | 'serverless' = 'service',
): string {
  const target =
    variant === 'serverless'
      ? { osDocumentId: failure.documentId, osIndexName: failure.indexName }
      : {
          esDocumentId: failure.documentId,
          esIndexName: failure.indexName,
          esTypeName: failure.typeName,
        };
  return JSON.stringify({ ...deliveryHead(failure), ...target, rawData: rawDataOf(failure.rawData) });
}

/**
 * Why dynamic partitioning could not place a record. AWS documents only that such records go to the error
 * prefix "organised by error type" (§6) and the `activePartitionExceeded` output type (§4.1); the codes and
 * messages below are Sluice's.
 */
export type PartitioningFailureCode =
  | 'DynamicPartitioning.ActivePartitionsLimitExceeded'
  | 'DynamicPartitioning.RecordDeAggregationFailed'
  | 'DynamicPartitioning.MetadataExtractionFailed'
  | 'DynamicPartitioning.PartitionKeyMissing';

export interface PartitioningFailure {
  readonly rawData: Uint8Array;
  readonly errorCode: PartitioningFailureCode;
  readonly errorMessage: string;
  readonly attemptsMade: number;
  readonly arrivalMs: number;
  readonly attemptEndingMs: number;
}

/**
 * A record dynamic partitioning could not place (§6): over the active-partition limit (output type
 * `activePartitionExceeded`), a query/Lambda that gave no value for a partition key, or a record
 * RecordDeAggregation could not split. No AWS sample of this
 * document was found, so Sluice reuses the shape shared by Firehose's destination failure documents
 * (attemptsMade, arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData): a consumer that
 * reads one kind of error object reads this one without a new parser. rawData is the record as it would have
 * been delivered (after any Lambda transform).
 */
export function partitioningFailedDocument(failure: PartitioningFailure): string {
  return JSON.stringify({ ...deliveryHead(failure), rawData: rawDataOf(failure.rawData) });
}

export interface DecompressionFailure {
  /** The record as it arrived, still compressed: Firehose delivers it that way (§4.1 decomp-faq). */
  readonly rawData: Uint8Array;
  /** Defaults to DECOMPRESSION_FAILED_CODE; processors.ts has a second code for non-CloudWatch payloads. */
  readonly errorCode?: string;
  readonly errorMessage: string;
  readonly arrivalMs: number;
  readonly attemptEndingMs: number;
}

/** The error code Sluice writes for a record the Decompression processor could not gunzip. */
export const DECOMPRESSION_FAILED_CODE = 'Decompression.Failed';

/**
 * `decompression-failed` (§4.1): the record is kept compressed under the error prefix. AWS shows no JSON
 * sample; Sluice uses the common failure shape with `rawData` the compressed bytes, so the original payload
 * can be recovered with `base64 -d | gunzip` if it was only partly corrupt. Decompression is not retried,
 * hence attemptsMade 1.
 */
export function decompressionFailedDocument(failure: DecompressionFailure): string {
  return JSON.stringify({
    attemptsMade: 1,
    arrivalTimestamp: failure.arrivalMs,
    errorCode: failure.errorCode ?? DECOMPRESSION_FAILED_CODE,
    errorMessage: failure.errorMessage,
    attemptEndingTimestamp: failure.attemptEndingMs,
    rawData: rawDataOf(failure.rawData),
  });
}

/**
 * One error object's body: the documents one per line (§4.2: one document per failed record). Sluice also
 * ends the body with a newline (whether AWS does is unverified) so that objects concatenated by a reader,
 * e.g. `cat`, stay valid JSON Lines.
 */
export function joinErrorDocuments(documents: readonly string[]): Uint8Array {
  if (documents.length === 0) return new Uint8Array(0);
  return new TextEncoder().encode(`${documents.join('\n')}\n`);
}
