import type { KinesisRecordMetadata } from '../records.ts';

/**
 * The values `!{firehose:error-output-type}` renders to (spec §4.1), spelled as Firehose prints them.
 * `activePartitionExceeded` keeps Firehose's camel case; `elasticsearch-failed` is the pre-2022 name of
 * `AmazonOpenSearchService-failed`, kept so prefixes written for it still parse as known values.
 */
export const ERROR_OUTPUT_TYPES = [
  'processing-failed',
  'AmazonOpenSearchService-failed',
  'elasticsearch-failed',
  'splunk-failed',
  'format-conversion-failed',
  'http-endpoint-failed',
  'decompression-failed',
  'activePartitionExceeded',
] as const;

export type ErrorOutputType = (typeof ERROR_OUTPUT_TYPES)[number];

/** The failed record as it goes into `rawData`, plus where it came from. */
export interface ErrorOutputRecord {
  /** The bytes to back up (the record as it entered the failing stage; spec §4.2 `rawData`). */
  readonly data: Uint8Array;
  /** Approximate arrival time, ms since the epoch (§4.2 `arrivalTimestamp`). */
  readonly arrivalMs: number;
  /** Present for records read from a Kinesis data stream (§12: their error records carry sequence numbers). */
  readonly kinesisRecordMetadata?: KinesisRecordMetadata;
}

/** The Glue table a format conversion read its schema from (§4.2 `dataCatalogTable`, §7.1). */
export interface DataCatalogTable {
  readonly catalogId: string;
  readonly databaseName: string;
  readonly tableName: string;
  readonly region: string;
  readonly versionId: string;
  readonly catalogArn: string;
}

interface Common {
  readonly record: ErrorOutputRecord;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptsMade: number;
  /** When the last attempt ended, ms since the epoch (§4.2 `attemptEndingTimestamp`). */
  readonly attemptEndingMs: number;
}

/**
 * Everything needed to write one §4.2 error document. `errorOutputType` picks the shape; the dynamic-partitioning
 * variant (`processing-failed` without a Lambda) is told apart by `lambdaArn` being absent.
 */
export type ErrorOutputInput =
  | (Common & {
      readonly errorOutputType: 'processing-failed';
      /** The transform function; absent for a failure of another processor (MetadataExtraction, de-aggregation). */
      readonly lambdaArn?: string;
    })
  | (Common & {
      readonly errorOutputType: 'format-conversion-failed';
      readonly dataCatalogTable: DataCatalogTable;
      /**
       * §4.2 `sequenceNumber`; defaults to the record's Kinesis sequence number. A runtime without one may pass
       * its own stable record position instead.
       */
      readonly sequenceNumber?: string;
    })
  | (Common & {
      readonly errorOutputType: 'http-endpoint-failed';
      /** §4.2 `dataId`; defaults to `<sequenceNumber>.<subsequenceNumber>`, or `0.0` without Kinesis metadata. */
      readonly dataId?: string;
      /** §4.2 `subsequenceNumber`; defaults to the record's Kinesis subsequence number, or 0. */
      readonly subsequenceNumber?: number;
    })
  | (Common & {
      readonly errorOutputType: 'AmazonOpenSearchService-failed' | 'elasticsearch-failed';
      /** Serverless collections name the fields `osDocumentId`/`osIndexName` and have no type (§4.2). */
      readonly serverless?: boolean;
      readonly documentId: string | null;
      readonly indexName: string;
      readonly typeName?: string | null;
    })
  | (Common & { readonly errorOutputType: 'splunk-failed'; readonly eventId: string })
  | (Common & { readonly errorOutputType: 'decompression-failed' })
  | (Common & { readonly errorOutputType: 'activePartitionExceeded' });
