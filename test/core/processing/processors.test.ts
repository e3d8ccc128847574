import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  appendDelimiter,
  checkCloudWatchLogProcessing,
  checkDecompression,
  checkRecordDeAggregation,
  deAggregateRecord,
  decompressRecord,
  resolveRecordDeAggregation,
} from '../../../lib/core/processing/processors.ts';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const texts = (outcome: ReturnType<typeof deAggregateRecord>) =>
  outcome.kind === 'ok' ? outcome.records.map(dec) : `${outcome.errorCode}: ${outcome.errorMessage}`;
const JSON_SETTINGS = resolveRecordDeAggregation({ SubRecordType: 'JSON' });

describe('RecordDeAggregation (§6)', () => {
  it('splits concatenated and newline-delimited JSON objects, braces in strings ignored', () => {
    expect(
      texts(
        deAggregateRecord(enc('{"a":1}{"b":"}{"}\n{"c":{"d":[1,{}]}}\r\n  {"e":"\\"}"}\n'), JSON_SETTINGS),
      ),
    ).toEqual(['{"a":1}', '{"b":"}{"}', '{"c":{"d":[1,{}]}}', '{"e":"\\"}"}']);
  });

  it('fails records that are not a sequence of objects, keeping the record', () => {
    const data = enc('{"a":1} [2]');
    expect(deAggregateRecord(data, JSON_SETTINGS)).toEqual({
      kind: 'failed',
      errorOutputType: 'processing-failed',
      errorCode: 'DynamicPartitioning.RecordDeAggregationFailed',
      errorMessage: 'The record is not a sequence of JSON objects: expected a JSON object at byte 8.',
      rawData: data,
    });
    expect(texts(deAggregateRecord(enc('{"a":{"b":1}'), JSON_SETTINGS))).toBe(
      'DynamicPartitioning.RecordDeAggregationFailed: The record is not a sequence of JSON objects: the record ends inside a JSON object.',
    );
  });

  it('splits DELIMITED records on the base64 delimiter, dropping empty pieces', () => {
    const settings = resolveRecordDeAggregation({ SubRecordType: 'DELIMITED', Delimiter: 'IyMjIw==' });
    expect(texts(deAggregateRecord(enc('a####b########c####'), settings))).toEqual(['a', 'b', 'c']);
    expect(texts(deAggregateRecord(enc('no delimiter'), settings))).toEqual(['no delimiter']);
  });

  it('fails a record of more than 500 sub-records whole; exactly 500 is fine', () => {
    expect(texts(deAggregateRecord(enc('{}'.repeat(500)), JSON_SETTINGS))).toHaveLength(500);
    expect(texts(deAggregateRecord(enc('{}'.repeat(501)), JSON_SETTINGS))).toBe(
      'DynamicPartitioning.RecordDeAggregationFailed: The record holds 501 sub-records; at most 500 are de-aggregated from one record.',
    );
  });

  it('checks parameters', () => {
    expect(checkRecordDeAggregation({ SubRecordType: 'JSON' })).toEqual([]);
    expect(checkRecordDeAggregation({ SubRecordType: 'DELIMITED', Delimiter: 'IyMjIw==' })).toEqual([]);
    expect(checkRecordDeAggregation({ SubRecordType: 'DELIMITED' })).toEqual([
      'RecordDeAggregation with SubRecordType DELIMITED needs Delimiter, the delimiter in base64 (#### → IyMjIw==)',
    ]);
    expect(checkRecordDeAggregation({ SubRecordType: 'CSV', Delimiter: 'Kg==' })).toEqual([
      'RecordDeAggregation needs SubRecordType JSON or DELIMITED; got "CSV"',
      'RecordDeAggregation takes a Delimiter only with SubRecordType DELIMITED',
    ]);
  });
});

const logs = (payload: object) => gzipSync(JSON.stringify(payload));

describe('Decompression + CloudWatchLogProcessing', () => {
  const dataMessage = {
    messageType: 'DATA_MESSAGE',
    owner: '000000000000',
    logGroup: '/aws/lambda/f',
    logStream: 's',
    subscriptionFilters: ['all'],
    logEvents: [
      { id: '1', timestamp: 1, message: '{"level":"info"}' },
      { id: '2', timestamp: 2, message: 'plain text é' },
    ],
  };

  it('extracts one record per log event message', () => {
    expect(texts(decompressRecord(logs(dataMessage), { extractDataMessages: true }))).toEqual([
      '{"level":"info"}',
      'plain text é',
    ]);
  });

  it('without extraction delivers the decompressed payload as one record', () => {
    expect(texts(decompressRecord(logs(dataMessage), { extractDataMessages: false }))).toEqual([
      JSON.stringify(dataMessage),
    ]);
  });

  it('drops CONTROL_MESSAGE records', () => {
    const control = {
      messageType: 'CONTROL_MESSAGE',
      logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE' }],
    };
    expect(decompressRecord(logs(control), { extractDataMessages: true })).toEqual({
      kind: 'ok',
      records: [],
    });
  });

  it('keeps an undecompressable record compressed for decompression-failed', () => {
    const corrupt = logs(dataMessage).subarray(0, 20);
    const outcome = decompressRecord(corrupt, { extractDataMessages: true });
    expect(outcome).toEqual({
      kind: 'failed',
      errorOutputType: 'decompression-failed',
      errorCode: 'Decompression.Failed',
      errorMessage: 'The record could not be decompressed as GZIP: unexpected end of file',
      rawData: corrupt,
    });
    expect(texts(decompressRecord(enc('plain'), { extractDataMessages: false }))).toBe(
      'Decompression.Failed: The record could not be decompressed as GZIP: incorrect header check',
    );
  });

  it('fails a gzip record that is not a subscription payload when extracting', () => {
    const outcome = decompressRecord(gzipSync('{"hello":1}'), { extractDataMessages: true });
    expect(outcome.kind === 'failed' && [outcome.errorOutputType, outcome.errorCode]).toEqual([
      'decompression-failed',
      'CloudWatchLogProcessing.InvalidPayload',
    ]);
  });

  it('checks parameters', () => {
    expect(checkDecompression({ CompressionFormat: 'GZIP' })).toEqual([]);
    expect(checkDecompression({ CompressionFormat: 'ZIP' })).toEqual([
      'Decompression supports CompressionFormat GZIP only; got "ZIP"',
    ]);
    expect(checkCloudWatchLogProcessing({ DataMessageExtraction: 'true' }, true)).toEqual([]);
    expect(checkCloudWatchLogProcessing({ DataMessageExtraction: 'yes' }, false)).toEqual([
      'CloudWatchLogProcessing DataMessageExtraction must be true or false; got "yes"',
      'CloudWatchLogProcessing requires a Decompression processor (§6)',
    ]);
  });
});

describe('AppendDelimiterToRecord', () => {
  it('appends a newline', () => {
    expect(dec(appendDelimiter(enc('{"a":1}')))).toBe('{"a":1}\n');
    expect(dec(appendDelimiter(new Uint8Array(0)))).toBe('\n');
  });
});
