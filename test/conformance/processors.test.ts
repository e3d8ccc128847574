import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createJqWebEngine } from '../../lib/adapters/jq-web-engine.ts';
import { appendDelimiter } from '../../lib/core/processors/index.ts';
import {
  ARRIVAL_MS,
  b64,
  errorLines,
  lambdaProcessor,
  localInvoker,
  NOW_MS,
  processingFailedLine,
  processWith,
  type RawProcessor,
  runOf,
  streamWith,
  text,
} from './support.ts';

/**
 * The processors of spec §6 through processBatch, in Firehose's order, with the exact §4.2 documents of what
 * fails. Failures of processors other than the Lambda have no published code or shape (§4.1 names the output
 * types only): Sluice writes the processing-failed layout without `lambdaARN`.
 */
const invoker = localInvoker({ echoEvent: { handler: './conformance.mjs#echoEvent' } });
afterAll(() => invoker.close());

const param = (ParameterName: string, ParameterValue: string) => ({ ParameterName, ParameterValue });
const deaggregation = (subRecordType: 'JSON' | 'DELIMITED', delimiter?: string): RawProcessor => ({
  Type: 'RecordDeAggregation',
  Parameters: [
    param('SubRecordType', subRecordType),
    ...(delimiter === undefined ? [] : [param('Delimiter', delimiter)]),
  ],
});
const DECOMPRESSION: RawProcessor = {
  Type: 'Decompression',
  Parameters: [param('CompressionFormat', 'GZIP')],
};
const CLOUDWATCH_LOGS: RawProcessor = {
  Type: 'CloudWatchLogProcessing',
  Parameters: [param('DataMessageExtraction', 'true')],
};
const run = (processors: RawProcessor[], records: Array<string | Uint8Array>) =>
  processWith(invoker, streamWith(processors), [runOf(records)]);
const delivered = (processed: { records: Array<{ data: Uint8Array }> }) =>
  processed.records.map((r) => text(r.data));

const subscription = (messageType: string, messages: string[]) =>
  gzipSync(
    JSON.stringify({
      messageType,
      owner: '123456789012',
      logGroup: '/app',
      logStream: 'i-1',
      subscriptionFilters: ['all'],
      logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 1_767_225_000_000 + i, message })),
    }),
  );

describe('RecordDeAggregation (spec §6)', () => {
  it('JSON: concatenated and newline-delimited objects become records; a blob that is not JSON fails', async () => {
    const processed = await run(
      [deaggregation('JSON')],
      ['{"a":1}{"a":"}{"}\n{"a":3}\n', '{"b":1}', 'not json'],
    );
    expect(delivered(processed)).toEqual(['{"a":1}', '{"a":"}{"}', '{"a":3}', '{"b":1}']);
    expect(errorLines(processed)).toEqual({
      'processing-failed': [
        processingFailedLine({
          rawData: 'not json',
          errorCode: 'RecordDeAggregation.Failed',
          errorMessage: "sub-record 1 does not start with '{' (byte 0)",
          attemptsMade: 1,
        }),
      ],
    });
  });

  it('DELIMITED: split on the base64 Delimiter (IyMjIw== is ####), empty pieces left out', async () => {
    const processed = await run([deaggregation('DELIMITED', 'IyMjIw==')], ['a####b########c####', 'plain']);
    expect(delivered(processed)).toEqual(['a', 'b', 'c', 'plain']);
    expect(errorLines(processed)).toEqual({});
  });

  it('runs before the Lambda, which sees each sub-record under its own recordId', async () => {
    const processed = await run([lambdaProcessor('echoEvent'), deaggregation('JSON')], ['{"n":1}{"n":2}']);
    expect(processed.records.map((r) => JSON.parse(text(r.data)).record)).toEqual([
      { recordId: 'conformance.0.0', approximateArrivalTimestamp: ARRIVAL_MS, data: '{"n":1}' },
      { recordId: 'conformance.0.1', approximateArrivalTimestamp: ARRIVAL_MS, data: '{"n":2}' },
    ]);
  });
});

describe('Decompression and CloudWatchLogProcessing (spec §4.1, §6)', () => {
  it('Decompression alone gunzips each record', async () => {
    const processed = await run([DECOMPRESSION], [gzipSync('one'), gzipSync('two')]);
    expect(delivered(processed)).toEqual(['one', 'two']);
  });

  it('with CloudWatchLogProcessing each log event message is a record, CONTROL_MESSAGE dropped', async () => {
    const processed = await run(
      [CLOUDWATCH_LOGS, DECOMPRESSION],
      [subscription('DATA_MESSAGE', ['GET /', 'POST /x']), subscription('CONTROL_MESSAGE', ['probe'])],
    );
    expect(delivered(processed)).toEqual(['GET /\n', 'POST /x\n']);
    expect(errorLines(processed)).toEqual({});
  });

  it('what does not decompress, or is no subscription payload, goes to decompression-failed still compressed', async () => {
    const notGzip = new TextEncoder().encode('plain text');
    const notLogs = gzipSync('[1]');
    let zlibMessage = '';
    try {
      gunzipSync(notGzip);
    } catch (error) {
      zlibMessage = (error as Error).message;
    }
    const processed = await run([DECOMPRESSION, CLOUDWATCH_LOGS], [notGzip, notLogs]);
    expect(delivered(processed)).toEqual([]);
    const documentOf = (rawData: Uint8Array, errorCode: string, errorMessage: string) =>
      JSON.stringify({
        rawData: b64(rawData),
        errorCode,
        errorMessage,
        attemptsMade: 1,
        arrivalTimestamp: ARRIVAL_MS,
        attemptEndingTimestamp: NOW_MS,
      });
    expect(errorLines(processed)).toEqual({
      'decompression-failed': [
        documentOf(
          notGzip,
          'Decompression.Failed',
          `The record could not be decompressed as GZIP: ${zlibMessage}`,
        ),
        documentOf(
          notLogs,
          'CloudWatchLogs.InvalidPayload',
          'The decompressed record is not a CloudWatch Logs subscription payload (not a JSON object).',
        ),
      ],
    });
  });
});

describe('AppendDelimiterToRecord (spec §6)', () => {
  it('is left to the object writer, which ends every record with a newline', async () => {
    const processed = await run(
      [{ Type: 'AppendDelimiterToRecord' }, deaggregation('JSON')],
      ['{"a":1}{"a":2}'],
    );
    expect(processed.appendDelimiter).toBe(true);
    const chunks = appendDelimiter(processed.records.map((r) => r.data));
    expect(text(Buffer.concat(chunks))).toBe('{"a":1}\n{"a":2}\n');
    expect((await run([deaggregation('JSON')], ['{}'])).appendDelimiter).toBe(false);
  });
});

describe('MetadataExtraction (spec §6; jq semantics in jq-metadata-extraction.test.ts)', () => {
  it('gives partitionKeyFromQuery keys after the Lambda; a record without a key fails without lambdaARN', async () => {
    const processed = await processWith(
      invoker,
      streamWith([
        {
          Type: 'MetadataExtraction',
          Parameters: [
            param('MetadataExtractionQuery', '{customer: .customer, year: .ts | strftime("%Y")}'),
            param('JsonParsingEngine', 'JQ-1.6'),
          ],
        },
        deaggregation('JSON'),
      ]),
      [runOf(['{"customer":"c1","ts":1767225000}{"ts":1}'])],
      { jqEngine: createJqWebEngine() },
    );
    expect(delivered(processed)).toEqual(['{"customer":"c1","ts":1767225000}']);
    expect(processed.partitionKeys).toEqual([{ partitionKeyFromQuery: { customer: 'c1', year: '2025' } }]);
    expect(errorLines(processed)).toEqual({
      'processing-failed': [
        processingFailedLine({
          rawData: '{"ts":1}',
          errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
          errorMessage: "Partition key 'customer' has no value in the record (the query gave null).",
          attemptsMade: 1,
        }),
      ],
    });
  });
});
