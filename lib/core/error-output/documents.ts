import { Buffer } from 'node:buffer';
import type { ErrorOutputInput, ErrorOutputRecord } from './types.ts';

/**
 * The §4.2 error document of one failed record. Key order is part of the contract: tools that diff or grep error
 * objects see the same bytes as from Firehose, so each shape lists its keys in the order Firehose writes them.
 */
export function errorDocument(input: ErrorOutputInput): Record<string, unknown> {
  const rawData = base64Of(input.record.data);
  switch (input.errorOutputType) {
    case 'processing-failed': {
      // Observed order and spelling on AWS (spec §4.2 ⚠): `lambdaARN`, not the documented `lambdaArn`.
      const document: Record<string, unknown> = {
        rawData,
        errorCode: input.errorCode,
        errorMessage: input.errorMessage,
        attemptsMade: input.attemptsMade,
        arrivalTimestamp: input.record.arrivalMs,
        attemptEndingTimestamp: input.attemptEndingMs,
      };
      // Failures of MetadataExtraction / de-aggregation have no function; Sluice then leaves the key out.
      if (input.lambdaArn !== undefined) document.lambdaARN = input.lambdaArn;
      return document;
    }
    case 'format-conversion-failed': {
      // The documented shape (§4.2), including `lastErrorCode`/`lastErrorMessage` (⚠ one docs page says
      // `ErrorCode`/`ErrorMessage`; the developer guide's schema is followed).
      const kinesis = input.record.kinesisRecordMetadata;
      return {
        attemptsMade: input.attemptsMade,
        arrivalTimestamp: input.record.arrivalMs,
        lastErrorCode: input.errorCode,
        lastErrorMessage: input.errorMessage,
        attemptEndingTimestamp: input.attemptEndingMs,
        rawData,
        // A Direct PUT record has no Kinesis position; without one from the caller Sluice writes null and 0
        // rather than inventing one.
        sequenceNumber: input.sequenceNumber ?? kinesis?.sequenceNumber ?? null,
        subSequenceNumber: kinesis?.subsequenceNumber ?? 0,
        dataCatalogTable: { ...input.dataCatalogTable },
      };
    }
    case 'http-endpoint-failed':
      return {
        ...commonHead(input),
        rawData,
        subsequenceNumber:
          input.subsequenceNumber ?? input.record.kinesisRecordMetadata?.subsequenceNumber ?? 0,
        dataId: input.dataId ?? dataIdOf(input.record),
      };
    case 'AmazonOpenSearchService-failed':
    case 'elasticsearch-failed':
      if (input.serverless) {
        return {
          ...commonHead(input),
          osDocumentId: input.documentId,
          osIndexName: input.indexName,
          rawData,
        };
      }
      return {
        ...commonHead(input),
        esDocumentId: input.documentId,
        esIndexName: input.indexName,
        esTypeName: input.typeName ?? null,
        rawData,
      };
    case 'splunk-failed':
      return { ...commonHead(input), rawData, EventId: input.eventId };
    case 'decompression-failed':
    case 'activePartitionExceeded':
      // No published shape (spec §4.1 names the types only): Sluice uses the processing-failed layout without
      // lambdaARN, so one reader handles every processor failure. `rawData` of decompression-failed holds the
      // record still compressed (§4.1, decomp-faq).
      return {
        rawData,
        errorCode: input.errorCode,
        errorMessage: input.errorMessage,
        attemptsMade: input.attemptsMade,
        arrivalTimestamp: input.record.arrivalMs,
        attemptEndingTimestamp: input.attemptEndingMs,
      };
  }
}

/** One object body: a JSON document per failed record, each followed by a newline. */
export function errorOutputBody(inputs: readonly ErrorOutputInput[]): Uint8Array {
  let text = '';
  for (const input of inputs) text += `${JSON.stringify(errorDocument(input))}\n`;
  return Buffer.from(text, 'utf8');
}

function commonHead(input: ErrorOutputInput): Record<string, unknown> {
  return {
    attemptsMade: input.attemptsMade,
    arrivalTimestamp: input.record.arrivalMs,
    errorCode: input.errorCode,
    errorMessage: input.errorMessage,
    attemptEndingTimestamp: input.attemptEndingMs,
  };
}

// §4.2/§12: `<sequenceNumber>.<subsequenceNumber>` for Kinesis-sourced records. A Direct PUT record has no
// sequence number; Sluice uses `0.0` so the field keeps its form.
function dataIdOf(record: ErrorOutputRecord): string {
  const kinesis = record.kinesisRecordMetadata;
  return kinesis ? `${kinesis.sequenceNumber}.${kinesis.subsequenceNumber}` : '0.0';
}

function base64Of(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
