import { afterAll, describe, expect, it } from 'vitest';
import {
  errorLines,
  functionArn,
  lambdaProcessor,
  localInvoker,
  processingFailedLine,
  processWith,
  runOf,
  streamWith,
  text,
} from './support.ts';

/**
 * One test per row of the failure table of spec §5.3, through processBatch and the local invoker's worker
 * threads. Every error document is compared as the exact line of JSON Firehose writes (§4.2, observed form).
 */
const invoker = localInvoker({
  upper: { handler: './upper.mjs#handler' },
  processingFailed: { handler: './conformance.mjs#processingFailed' },
  dropsSecond: { handler: './conformance.mjs#dropsSecond' },
  missingSecond: { handler: './conformance.mjs#missingSecond' },
  duplicatesSecond: { handler: './conformance.mjs#duplicatesSecond' },
  inventsOne: { handler: './conformance.mjs#inventsOne' },
  okWithoutData: { handler: './conformance.mjs#okWithoutData' },
  badBase64: { handler: './conformance.mjs#badBase64' },
  wrongModel: { handler: './conformance.mjs#wrongModel' },
  noRecords: { handler: './conformance.mjs#noRecords' },
  garbage: { handler: './garbage.mjs#handler' },
  echoEvent: { handler: './conformance.mjs#echoEvent' },
  throws: { handler: './throws.mjs#handler' },
  hangs: { handler: './hangs.mjs#handler', timeoutSeconds: 0.3 },
  big: { handler: './big-output.mjs#handler' },
  hog: { handler: './misbehaving.mjs#hogs', memorySizeMb: 64 },
  noExport: { handler: './conformance.mjs#doesNotExist' },
});
afterAll(() => invoker.close());

const RECORDS = ['first', 'second', 'third'];
const run = (name: string, numberOfRetries = 2, records = RECORDS) =>
  processWith(invoker, streamWith([lambdaProcessor(name, numberOfRetries)]), [runOf(records)]);
const delivered = (processed: { records: Array<{ data: Uint8Array }> }) =>
  processed.records.map((r) => text(r.data));

const FUNCTION_ERROR = 'The Lambda function was successfully invoked but it returned an error result.';
const TIMEOUT =
  'Firehose encountered timeout errors when calling AWS Lambda. The maximum supported function timeout is 5 minutes.';
const MISSING =
  'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.';

describe('Lambda transform failure semantics (spec §5.3)', () => {
  it('result Ok: the returned data replaces the record, with partition keys from metadata', async () => {
    const processed = await run('upper', 2, ['ada', 'bob']);
    expect(delivered(processed)).toEqual(['ADA|upper|true', 'BOB|upper|true']);
    expect(processed.partitionKeys).toEqual([
      { partitionKeyFromLambda: { first: 'a' } },
      { partitionKeyFromLambda: { first: 'b' } },
    ]);
    expect(errorLines(processed)).toEqual({});
  });

  it('result Dropped: the record is removed without error output', async () => {
    const processed = await run('dropsSecond');
    expect(delivered(processed)).toEqual(['first', 'third']);
    expect(errorLines(processed)).toEqual({});
  });

  // Rows where the function answers for the batch but one record (the second) fails; the others are delivered.
  it.each([
    [
      'result ProcessingFailed',
      'processingFailed',
      'Lambda.ProcessingFailedStatus',
      'ProcessingFailed status set for record',
    ],
    ['a recordId missing from the response', 'missingSecond', 'Lambda.MissingRecordId', MISSING],
    [
      'the same recordId twice',
      'duplicatesSecond',
      'Lambda.DuplicatedRecordId',
      'The record Id was returned more than once. Ensure that the Lambda function returns each record Id once.',
    ],
    [
      // The spec: data cannot be null for DirectPut/KinesisStreamAsSource when the result is Ok (code unpublished).
      'result Ok without data',
      'okWithoutData',
      'Lambda.InvalidRecordData',
      'Data cannot be null for DirectPut or KinesisStreamAsSource when the record result is Ok.',
    ],
    [
      // No AWS source for this row; the code is Sluice's.
      'data that is not base64',
      'badBase64',
      'Lambda.InvalidRecordData',
      'The record data returned by the function is not valid base64.',
    ],
  ])(
    '%s: %s fails that record with its code, the rest are delivered',
    async (_row, name, errorCode, errorMessage) => {
      const processed = await run(name);
      expect(delivered(processed)).toEqual(['first', 'third']);
      expect(processed.sleeps).toEqual([]);
      expect(errorLines(processed)).toEqual({
        'processing-failed': [
          processingFailedLine({
            rawData: 'second',
            errorCode,
            errorMessage,
            attemptsMade: 1,
            lambdaARN: functionArn(name),
          }),
        ],
      });
    },
  );

  it('an unknown recordId in the response is ignored', async () => {
    const processed = await run('inventsOne');
    expect(delivered(processed)).toEqual(RECORDS);
    expect(errorLines(processed)).toEqual({});
  });

  // Invocation errors: retried NumberOfRetries times with a pause before each retry, then the whole batch fails.
  it.each([
    ['a function error', 'throws', 2, FUNCTION_ERROR],
    ['a function that runs past its timeout (stopped, then handled the same way)', 'hangs', 1, TIMEOUT],
    [
      'a handler module without the configured export (Runtime.HandlerNotFound)',
      'noExport',
      1,
      FUNCTION_ERROR,
    ],
  ])(
    '%s: %s is retried, then every record is Lambda.FunctionError',
    async (_row, name, retries, errorMessage) => {
      const processed = await run(name, retries);
      expect(delivered(processed)).toEqual([]);
      expect(processed.sleeps).toHaveLength(retries);
      expect(errorLines(processed)).toEqual({
        'processing-failed': RECORDS.map((rawData) =>
          processingFailedLine({
            rawData,
            errorCode: 'Lambda.FunctionError',
            errorMessage,
            attemptsMade: retries + 1,
            lambdaARN: functionArn(name),
          }),
        ),
      });
    },
  );

  it('a function that exhausts its memory is an invocation error too', async () => {
    const processed = await run('hog', 0, ['only']);
    expect(errorLines(processed)).toEqual({
      'processing-failed': [
        processingFailedLine({
          rawData: 'only',
          errorCode: 'Lambda.FunctionError',
          errorMessage: FUNCTION_ERROR,
          attemptsMade: 1,
          lambdaARN: functionArn('hog'),
        }),
      ],
    });
  });

  // A response that arrives is final, however malformed: no retry, every record of the batch fails.
  it.each([
    [
      'a response of the wrong model',
      'wrongModel',
      'Lambda.JsonProcessingException',
      `The Lambda function's response has "records" of type string; it must be an array.`,
    ],
    ['a response without a records array (observed)', 'noRecords', 'Lambda.MissingRecordId', MISSING],
    ['a response that is not an object (observed)', 'garbage', 'Lambda.MissingRecordId', MISSING],
  ])('%s: %s fails every record once', async (_row, name, errorCode, errorMessage) => {
    const processed = await run(name);
    expect(processed.sleeps).toEqual([]);
    expect(errorLines(processed)).toEqual({
      'processing-failed': RECORDS.map((rawData) =>
        processingFailedLine({
          rawData,
          errorCode,
          errorMessage,
          attemptsMade: 1,
          lambdaARN: functionArn(name),
        }),
      ),
    });
  });

  it('a response over 6 MB fails the call as Lambda does; retried, then Lambda.FunctionError', async () => {
    const processed = await run('big', 1, ['x']);
    // What the worker serialised: big-output.mjs's answer for this record.
    const size = JSON.stringify({
      records: [{ recordId: 'conformance.0', result: 'Ok', data: 'A'.repeat(7 * 1024 * 1024) }],
    }).length;
    expect(processed.sleeps).toHaveLength(1);
    expect(errorLines(processed)).toEqual({
      'processing-failed': [
        processingFailedLine({
          rawData: 'x',
          errorCode: 'Lambda.FunctionError',
          errorMessage: `The Lambda function's response is ${size} bytes; at most 6291456 are allowed.`,
          attemptsMade: 2,
          lambdaARN: functionArn('big'),
        }),
      ],
    });
  });

  it('other invoke errors keep their Lambda.* code (a function with no handler: Lambda.ResourceNotFound)', async () => {
    const processed = await run('nowhere', 1, ['x']);
    expect(errorLines(processed)).toEqual({
      'processing-failed': [
        processingFailedLine({
          rawData: 'x',
          errorCode: 'Lambda.ResourceNotFound',
          errorMessage: `Function not found: ${functionArn('nowhere')}. Map it to a handler module in the lambdaFunctions setting.`,
          attemptsMade: 2,
          lambdaARN: functionArn('nowhere'),
        }),
      ],
    });
  });
});

describe('the invocation event (spec §5.1)', () => {
  it('carries the stream, region, records and, for a Kinesis source, kinesisRecordMetadata and the source ARN', async () => {
    const kinesis = [0, 1].map((i) => ({
      shardId: 'shardId-000000000003',
      partitionKey: `pk${i}`,
      approximateArrivalTimestamp: 1_767_224_000_000 + i,
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      subsequenceNumber: i,
    }));
    const sourceKinesisStreamArn = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';
    const processed = await processWith(
      invoker,
      streamWith([lambdaProcessor('echoEvent')], 'from-kinesis'),
      [runOf(['a', 'b'], kinesis)],
      { sourceKinesisStreamArn },
    );
    const seen = processed.records.map((r) => JSON.parse(text(r.data)));
    expect(seen).toEqual(
      kinesis.map((metadata, i) => ({
        invocationId: '00000000-0000-4000-8000-000000000001',
        deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/from-kinesis',
        sourceKinesisStreamArn,
        region: 'us-east-1',
        record: {
          recordId: `from-kinesis.${i}`,
          approximateArrivalTimestamp: 1_767_225_000_000,
          data: ['a', 'b'][i],
          kinesisRecordMetadata: metadata,
        },
      })),
    );
    // The key order of the published samples.
    expect(Object.keys(seen[0])).toEqual([
      'invocationId',
      'deliveryStreamArn',
      'sourceKinesisStreamArn',
      'region',
      'record',
    ]);
  });

  it('a Direct PUT record has neither kinesisRecordMetadata nor sourceKinesisStreamArn', async () => {
    const processed = await processWith(invoker, streamWith([lambdaProcessor('echoEvent')]), [runOf(['a'])]);
    expect(JSON.parse(text(processed.records[0]!.data))).toEqual({
      invocationId: '00000000-0000-4000-8000-000000000001',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/conformance',
      region: 'us-east-1',
      record: { recordId: 'conformance.0', approximateArrivalTimestamp: 1_767_225_000_000, data: 'a' },
    });
  });
});
