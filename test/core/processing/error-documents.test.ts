import { describe, expect, it } from 'vitest';
import {
  decompressionFailedDocument,
  formatConversionFailedDocument,
  httpEndpointFailedDocument,
  joinErrorDocuments,
  openSearchFailedDocument,
  partitioningFailedDocument,
  processingFailedDocument,
} from '../../../lib/core/processing/error-documents.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('error documents (§4.2)', () => {
  it('processing-failed uses the observed key order and the key lambdaARN', () => {
    expect(
      processingFailedDocument({
        rawData: bytes('{"a":1}'),
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'ProcessingFailed status set for record',
        attemptsMade: 1,
        arrivalMs: 1700000000000,
        attemptEndingMs: 1700000001234,
        lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:enrich:$LATEST',
      }),
    ).toBe(
      '{"rawData":"eyJhIjoxfQ==","errorCode":"Lambda.ProcessingFailedStatus",' +
        '"errorMessage":"ProcessingFailed status set for record","attemptsMade":1,' +
        '"arrivalTimestamp":1700000000000,"attemptEndingTimestamp":1700000001234,' +
        '"lambdaARN":"arn:aws:lambda:us-east-1:000000000000:function:enrich:$LATEST"}',
    );
  });

  it('rawData encodes a view of a larger buffer, not the whole buffer', () => {
    const backing = bytes('xxhiyy');
    const doc = JSON.parse(
      processingFailedDocument({
        rawData: backing.subarray(2, 4),
        errorCode: 'c',
        errorMessage: 'm',
        attemptsMade: 1,
        arrivalMs: 0,
        attemptEndingMs: 0,
        lambdaArn: 'a',
      }),
    );
    expect(doc.rawData).toBe('aGk=');
  });

  it('format-conversion-failed', () => {
    expect(
      formatConversionFailedDocument({
        rawData: bytes('x'),
        lastErrorCode: 'DataFormatConversion.ParseError',
        lastErrorMessage: 'Unrecognized token',
        attemptsMade: 1,
        arrivalMs: 10,
        attemptEndingMs: 20,
        sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        subSequenceNumber: 0,
        dataCatalogTable: {
          catalogId: '000000000000',
          databaseName: 'db',
          tableName: 't',
          region: 'us-east-1',
          versionId: 'LATEST',
          catalogArn: 'arn:aws:glue:us-east-1:000000000000:catalog',
        },
      }),
    ).toBe(
      '{"attemptsMade":1,"arrivalTimestamp":10,"lastErrorCode":"DataFormatConversion.ParseError",' +
        '"lastErrorMessage":"Unrecognized token","attemptEndingTimestamp":20,"rawData":"eA==",' +
        '"sequenceNumber":"49590338271490256608559692538361571095921575989136588898","subSequenceNumber":0,' +
        '"dataCatalogTable":{"catalogId":"000000000000","databaseName":"db","tableName":"t",' +
        '"region":"us-east-1","versionId":"LATEST","catalogArn":"arn:aws:glue:us-east-1:000000000000:catalog"}}',
    );
  });

  const head = {
    rawData: bytes('x'),
    errorCode: '400',
    errorMessage: 'mapper_parsing_exception',
    attemptsMade: 3,
    arrivalMs: 10,
    attemptEndingMs: 20,
  };

  it('http-endpoint-failed ends with subsequenceNumber then dataId', () => {
    expect(
      httpEndpointFailedDocument({
        ...head,
        errorCode: 'HttpEndpoint.DestinationException',
        errorMessage: 'Received the following response from the endpoint destination. {}',
        subsequenceNumber: 0,
        dataId: '4959.0',
      }),
    ).toBe(
      '{"attemptsMade":3,"arrivalTimestamp":10,"errorCode":"HttpEndpoint.DestinationException",' +
        '"errorMessage":"Received the following response from the endpoint destination. {}",' +
        '"attemptEndingTimestamp":20,"rawData":"eA==","subsequenceNumber":0,"dataId":"4959.0"}',
    );
  });

  it('OpenSearch Service and Serverless variants', () => {
    const failure = { ...head, documentId: 'doc-1', indexName: 'logs', typeName: null };
    expect(openSearchFailedDocument(failure)).toBe(
      '{"attemptsMade":3,"arrivalTimestamp":10,"errorCode":"400","errorMessage":"mapper_parsing_exception",' +
        '"attemptEndingTimestamp":20,"esDocumentId":"doc-1","esIndexName":"logs","esTypeName":null,"rawData":"eA=="}',
    );
    expect(openSearchFailedDocument(failure, 'serverless')).toBe(
      '{"attemptsMade":3,"arrivalTimestamp":10,"errorCode":"400","errorMessage":"mapper_parsing_exception",' +
        '"attemptEndingTimestamp":20,"osDocumentId":"doc-1","osIndexName":"logs","rawData":"eA=="}',
    );
  });

  it('partitioning failures use the common failure shape', () => {
    expect(
      partitioningFailedDocument({
        ...head,
        errorCode: 'DynamicPartitioning.ActivePartitionsLimitExceeded',
        errorMessage: 'The number of active partitions (500) was reached.',
        attemptsMade: 1,
      }),
    ).toBe(
      '{"attemptsMade":1,"arrivalTimestamp":10,"errorCode":"DynamicPartitioning.ActivePartitionsLimitExceeded",' +
        '"errorMessage":"The number of active partitions (500) was reached.","attemptEndingTimestamp":20,"rawData":"eA=="}',
    );
  });

  it('decompression-failed keeps the compressed bytes', () => {
    expect(
      decompressionFailedDocument({
        rawData: new Uint8Array([0x1f, 0x8b, 0x00]),
        errorMessage: 'unexpected end of file',
        arrivalMs: 10,
        attemptEndingMs: 20,
      }),
    ).toBe(
      '{"attemptsMade":1,"arrivalTimestamp":10,"errorCode":"Decompression.Failed",' +
        '"errorMessage":"unexpected end of file","attemptEndingTimestamp":20,"rawData":"H4sA"}',
    );
  });

  it('joins documents into one newline-separated body', () => {
    expect(new TextDecoder().decode(joinErrorDocuments(['{"a":1}', '{"b":2}']))).toBe('{"a":1}\n{"b":2}\n');
    expect(joinErrorDocuments([]).byteLength).toBe(0);
  });
});
