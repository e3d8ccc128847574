import { describe, expect, it } from 'vitest';
import { ERROR_OUTPUT_TYPES, errorDocument, errorOutputBody } from '../../../lib/core/error-output/index.ts';

const record = { data: new TextEncoder().encode('hello'), arrivalMs: 1_700_000_000_000 };
const common = {
  record,
  errorCode: 'X.Code',
  errorMessage: 'msg',
  attemptsMade: 4,
  attemptEndingMs: 1_700_000_001_000,
};
const kinesisRecord = {
  ...record,
  kinesisRecordMetadata: {
    shardId: 'shardId-000000000001',
    partitionKey: 'pk',
    approximateArrivalTimestamp: 1,
    sequenceNumber: '4959',
    subsequenceNumber: 2,
  },
};
const table = {
  catalogId: '123456789012',
  databaseName: 'db',
  tableName: 't',
  region: 'us-east-1',
  versionId: 'LATEST',
  catalogArn: 'arn:aws:glue:us-east-1:123456789012:catalog',
};

describe('error documents (spec §4.2)', () => {
  it('processing-failed uses the observed key order and the lambdaARN spelling', () => {
    const text = JSON.stringify(
      errorDocument({ ...common, errorOutputType: 'processing-failed', lambdaArn: 'arn:fn' }),
    );
    expect(text).toBe(
      '{"rawData":"aGVsbG8=","errorCode":"X.Code","errorMessage":"msg","attemptsMade":4,' +
        '"arrivalTimestamp":1700000000000,"attemptEndingTimestamp":1700000001000,"lambdaARN":"arn:fn"}',
    );
  });

  it('processing-failed without a function (MetadataExtraction) leaves lambdaARN out', () => {
    expect(Object.keys(errorDocument({ ...common, errorOutputType: 'processing-failed' }))).toEqual([
      'rawData',
      'errorCode',
      'errorMessage',
      'attemptsMade',
      'arrivalTimestamp',
      'attemptEndingTimestamp',
    ]);
  });

  it('format-conversion-failed has lastErrorCode/lastErrorMessage, sequence numbers and the catalog table', () => {
    expect(
      errorDocument({ ...common, errorOutputType: 'format-conversion-failed', dataCatalogTable: table }),
    ).toEqual({
      attemptsMade: 4,
      arrivalTimestamp: 1700000000000,
      lastErrorCode: 'X.Code',
      lastErrorMessage: 'msg',
      attemptEndingTimestamp: 1700000001000,
      rawData: 'aGVsbG8=',
      sequenceNumber: null,
      subSequenceNumber: 0,
      dataCatalogTable: table,
    });
    const fromKinesis = errorDocument({
      ...common,
      record: kinesisRecord,
      errorOutputType: 'format-conversion-failed',
      dataCatalogTable: table,
    });
    expect([fromKinesis.sequenceNumber, fromKinesis.subSequenceNumber]).toEqual(['4959', 2]);
  });

  it('http-endpoint-failed ends with subsequenceNumber and dataId', () => {
    expect(
      Object.entries(
        errorDocument({ ...common, record: kinesisRecord, errorOutputType: 'http-endpoint-failed' }),
      ),
    ).toEqual([
      ['attemptsMade', 4],
      ['arrivalTimestamp', 1700000000000],
      ['errorCode', 'X.Code'],
      ['errorMessage', 'msg'],
      ['attemptEndingTimestamp', 1700000001000],
      ['rawData', 'aGVsbG8='],
      ['subsequenceNumber', 2],
      ['dataId', '4959.2'],
    ]);
  });

  it('OpenSearch uses es* fields, Serverless os* fields without a type', () => {
    const base = {
      ...common,
      errorOutputType: 'AmazonOpenSearchService-failed' as const,
      documentId: 'd1',
      indexName: 'i',
    };
    expect(Object.keys(errorDocument(base)).slice(5)).toEqual([
      'esDocumentId',
      'esIndexName',
      'esTypeName',
      'rawData',
    ]);
    expect(errorDocument({ ...base, serverless: true })).toEqual({
      attemptsMade: 4,
      arrivalTimestamp: 1700000000000,
      errorCode: 'X.Code',
      errorMessage: 'msg',
      attemptEndingTimestamp: 1700000001000,
      osDocumentId: 'd1',
      osIndexName: 'i',
      rawData: 'aGVsbG8=',
    });
  });

  it('decompression-failed and activePartitionExceeded share the processor layout', () => {
    for (const errorOutputType of ['decompression-failed', 'activePartitionExceeded'] as const) {
      expect(Object.keys(errorDocument({ ...common, errorOutputType }))).toEqual([
        'rawData',
        'errorCode',
        'errorMessage',
        'attemptsMade',
        'arrivalTimestamp',
        'attemptEndingTimestamp',
      ]);
    }
  });

  it('one object body is newline-separated documents', () => {
    const body = new TextDecoder().decode(
      errorOutputBody([
        { ...common, errorOutputType: 'decompression-failed' },
        { ...common, errorOutputType: 'splunk-failed', eventId: '1.0' },
      ]),
    );
    const lines = body.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[1]!).EventId).toBe('1.0');
  });

  it('rawData encodes a view of a larger buffer, not the whole buffer', () => {
    const backing = new TextEncoder().encode('xxhiyy');
    const document = errorDocument({
      ...common,
      record: { data: backing.subarray(2, 4), arrivalMs: 0 },
      errorOutputType: 'decompression-failed',
    });
    expect(document.rawData).toBe('aGk=');
  });

  it('a caller-given sequenceNumber, dataId and subsequenceNumber win over the Kinesis metadata', () => {
    const conversion = errorDocument({
      ...common,
      record: kinesisRecord,
      errorOutputType: 'format-conversion-failed',
      dataCatalogTable: table,
      sequenceNumber: '77',
    });
    expect([conversion.sequenceNumber, conversion.subSequenceNumber]).toEqual(['77', 2]);
    const http = errorDocument({
      ...common,
      errorOutputType: 'http-endpoint-failed',
      dataId: 'stream.9',
      subsequenceNumber: 0,
    });
    expect([http.subsequenceNumber, http.dataId]).toEqual([0, 'stream.9']);
  });

  it('lists the error-output-type values of spec §4.1', () => {
    expect(ERROR_OUTPUT_TYPES).toEqual([
      'processing-failed',
      'AmazonOpenSearchService-failed',
      'elasticsearch-failed',
      'splunk-failed',
      'format-conversion-failed',
      'http-endpoint-failed',
      'decompression-failed',
      'activePartitionExceeded',
    ]);
  });
});
