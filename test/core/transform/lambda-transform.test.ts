import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransformInvocationResult, TransformInvoker } from '../../../lib/core/ports.ts';
import type { ProcessorRecord } from '../../../lib/core/processors/index.ts';
import {
  buildInvocations,
  type LambdaTransformSettings,
  readTransformAnswer,
  readTransformResponse,
  runLambdaTransform,
} from '../../../lib/core/transform/index.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { fakeIds } from '../s3/fake-ids.ts';

const enc = new TextEncoder();
const b64 = (s: string) => Buffer.from(s).toString('base64');
const records = (n: number, size = 10): ProcessorRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    data: enc.encode(String(i).padEnd(size, '.')),
    arrivalMs: 1000 + i,
    recordId: `id${i}`,
  }));
const body = (value: unknown) => enc.encode(JSON.stringify(value));
const eventOf = (payload: Uint8Array) => JSON.parse(Buffer.from(payload).toString('utf8'));

const settings: LambdaTransformSettings = {
  deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/s',
  region: 'us-east-1',
  bufferSizeInMBs: 1,
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  numberOfRetries: 3,
  functionTimeoutMs: 60_000,
};

describe('invocation events (spec §5.1, §2.2)', () => {
  it('builds the event with ids, base64 data and Kinesis metadata', () => {
    const kinesis = {
      shardId: 'shardId-0',
      partitionKey: 'pk',
      approximateArrivalTimestamp: 7,
      sequenceNumber: '49',
      subsequenceNumber: 0,
    };
    const [invocation] = buildInvocations(
      [{ data: enc.encode('hi'), arrivalMs: 5, recordId: 'a', kinesisRecordMetadata: kinesis }],
      { ...settings, sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/k' },
      fakeIds(),
    );
    expect(eventOf(invocation!.payload)).toEqual({
      invocationId: '00000000-0000-4000-8000-000000000001',
      deliveryStreamArn: settings.deliveryStreamArn,
      sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/k',
      region: 'us-east-1',
      records: [
        { recordId: 'a', approximateArrivalTimestamp: 5, data: 'aGk=', kinesisRecordMetadata: kinesis },
      ],
    });
    // Key order as in the published samples; a Direct PUT record has no kinesisRecordMetadata key at all.
    const [direct] = buildInvocations(
      [{ data: enc.encode('hi'), arrivalMs: 5, recordId: 'q"1' }],
      settings,
      fakeIds(),
    );
    expect(Buffer.from(direct!.payload).toString()).toBe(
      '{"invocationId":"00000000-0000-4000-8000-000000000001",' +
        '"deliveryStreamArn":"arn:aws:firehose:us-east-1:123456789012:deliverystream/s","region":"us-east-1",' +
        '"records":[{"recordId":"q\\"1","approximateArrivalTimestamp":5,"data":"aGk="}]}',
    );
  });

  it('splits by BufferSizeInMBs of record bytes', () => {
    const invocations = buildInvocations(
      records(10, 100_000),
      { ...settings, bufferSizeInMBs: 0.2 },
      fakeIds(),
    );
    expect(invocations.map((i) => i.records.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('splits by the request limit, base64 growth included, and never exceeds it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const input = sizes.map((size, i) => ({
          data: new Uint8Array(size),
          arrivalMs: 0,
          recordId: `r${i}`,
        }));
        const invocations = buildInvocations(
          input,
          { ...settings, bufferSizeInMBs: 3, payloadLimitBytes: 8000 },
          fakeIds(),
        );
        expect(invocations.flatMap((i) => i.records)).toEqual(input);
        for (const invocation of invocations) {
          if (invocation.records.length > 1) expect(invocation.payload.byteLength).toBeLessThanOrEqual(8000);
          expect(eventOf(invocation.payload).records).toHaveLength(invocation.records.length);
        }
      }),
    );
  });
});

describe('invocation events as values (TransformInvoker.invokeEvent)', () => {
  it('counts the size of the event JSON exactly, without writing it', () => {
    const kinesis = {
      shardId: 'shardId-0',
      partitionKey: 'p"k',
      approximateArrivalTimestamp: 7,
      sequenceNumber: '49',
      subsequenceNumber: 0,
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            size: fc.integer({ min: 0, max: 300 }),
            recordId: fc.string({ unit: 'binary', maxLength: 12 }),
            arrivalMs: fc.integer({ min: 0, max: 2 ** 45 }),
            kinesis: fc.boolean(),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (specs) => {
          const input: ProcessorRecord[] = specs.map((spec, i) => ({
            data: new Uint8Array(spec.size).fill(i),
            arrivalMs: spec.arrivalMs,
            recordId: `${spec.recordId}${i}`,
            ...(spec.kinesis ? { kinesisRecordMetadata: kinesis } : {}),
          }));
          for (const invocation of buildInvocations(input, settings, fakeIds())) {
            expect(invocation.payloadBytes).toBe(invocation.payload.byteLength);
            // The event as values is the event as JSON, data aside (bytes there, base64 here).
            expect(
              JSON.stringify(invocation.event, (key, value) =>
                key === 'data' ? Buffer.from(value).toString('base64') : value,
              ),
            ).toBe(Buffer.from(invocation.payload).toString('utf8'));
          }
        },
      ),
    );
  });

  it('reads an answer as a value to the verdict its JSON gets, and checks the limit on its JSON size', () => {
    const sent = records(4);
    const answer = {
      records: [
        { recordId: 'id0', result: 'Ok', data: b64('new'), metadata: { partitionKeys: { k: 'v' } } },
        { recordId: 'id2', result: 'Dropped' },
        { recordId: 'id1', result: 'Ok', data: 'not base64' },
        { recordId: 'id1', result: 'Ok', data: b64('twice') },
      ],
    };
    const bytes = body(answer);
    expect(readTransformAnswer(answer, bytes.byteLength, sent)).toEqual(readTransformResponse(bytes, sent));
    expect(readTransformAnswer(answer, 101, sent, 100)).toMatchObject({
      kind: 'retry',
      errorCode: 'Lambda.FunctionError',
    });
    // Data an invoker has already decoded (standard padded base64 it checked) is taken as the bytes.
    const decoded = { records: [{ recordId: 'id0', result: 'Ok', data: enc.encode('new') }] };
    expect(readTransformAnswer(decoded, 60, sent.slice(0, 1))).toEqual({
      kind: 'records',
      outcomes: [{ status: 'ok', records: [{ ...sent[0], data: Buffer.from('new') }] }],
    });
  });
});

describe('transform responses (spec §5.2, §5.3)', () => {
  const sent = records(3);

  it('applies Ok data and partition keys, Dropped and ProcessingFailed', () => {
    const verdict = readTransformResponse(
      body({
        records: [
          { recordId: 'id0', result: 'Ok', data: b64('new'), metadata: { partitionKeys: { k: 'v' } } },
          { recordId: 'id1', result: 'Dropped' },
          { recordId: 'id2', result: 'ProcessingFailed', data: b64('x') },
          { recordId: 'unknown', result: 'Ok', data: b64('ignored') },
        ],
      }),
      sent,
    );
    expect(verdict).toEqual({
      kind: 'records',
      outcomes: [
        { status: 'ok', records: [{ ...sent[0], data: Buffer.from('new'), partitionKeys: { k: 'v' } }] },
        { status: 'dropped' },
        {
          status: 'failed',
          errorOutputType: 'processing-failed',
          errorCode: 'Lambda.ProcessingFailedStatus',
          errorMessage: 'ProcessingFailed status set for record',
          rawData: sent[2]!.data,
        },
      ],
    });
  });

  it('maps malformed answers to their codes', () => {
    const code = (payload: Uint8Array, records = sent) => {
      const verdict = readTransformResponse(payload, records);
      return verdict.kind === 'records'
        ? verdict.outcomes.map((o) => (o.status === 'failed' ? o.errorCode : o.status))
        : verdict;
    };
    expect(code(enc.encode('{not json'))).toEqual(Array(3).fill('Lambda.JsonProcessingException'));
    expect(code(body({ nope: [] }))).toEqual(Array(3).fill('Lambda.MissingRecordId'));
    expect(code(body({ records: {} }))).toEqual(Array(3).fill('Lambda.JsonProcessingException'));
    expect(
      code(body({ records: [{ recordId: 'id0', result: 'ok', data: b64('x') }] }), sent.slice(0, 1)),
    ).toEqual(['Lambda.ProcessingFailedStatus']);
    expect(code(body({ records: [{ recordId: 'id0', result: 'Ok' }] }), sent.slice(0, 1))).toEqual([
      'Lambda.InvalidRecordData',
    ]);
    expect(
      code(body({ records: [{ recordId: 'id0', result: 'Ok', data: 'not base64!' }] }), sent.slice(0, 1)),
    ).toEqual(['Lambda.InvalidRecordData']);
    expect(
      code(
        body({
          records: [{ recordId: 'id0', result: 'Ok', data: '', metadata: { partitionKeys: { a: {} } } }],
        }),
        sent.slice(0, 1),
      ),
    ).toEqual(['Lambda.InvalidPartitionKeys']);
    expect(readTransformResponse(new Uint8Array(101), sent, 100)).toMatchObject({
      kind: 'retry',
      errorCode: 'Lambda.FunctionError',
    });
  });

  it('accepts only standard padded base64 data, whatever Node would decode leniently', () => {
    const outcome = (data: string) => {
      const verdict = readTransformResponse(
        body({ records: [{ recordId: 'id0', result: 'Ok', data }] }),
        sent.slice(0, 1),
      );
      const first = verdict.kind === 'records' ? verdict.outcomes[0] : undefined;
      return first?.status === 'ok' ? Buffer.from(first.records[0]!.data).toString('hex') : first?.status;
    };
    expect(outcome('')).toBe('');
    expect(outcome('AA==')).toBe('00');
    expect(outcome('AAA=')).toBe('0000');
    expect(outcome('+/+/')).toBe('fbffbf');
    for (const bad of ['-_-_', 'AA', 'AA=A', 'AA==AA==', 'AA AA', 'AAA*', '====', 'A===']) {
      expect(outcome(bad), bad).toBe('failed');
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(outcome(Buffer.from(bytes).toString('base64'))).toBe(Buffer.from(bytes).toString('hex'));
      }),
    );
  });

  it('rejects every dropped, duplicated or invented recordId with the right code', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }),
        fc.array(fc.nat({ max: 19 }), { maxLength: 40 }),
        (n, returned) => {
          const batch = records(n);
          const entries = returned.map((i) => ({ recordId: `id${i}`, result: 'Ok', data: b64(`t${i}`) }));
          const verdict = readTransformResponse(body({ records: entries }), batch);
          if (verdict.kind !== 'records') throw new Error('unexpected retry');
          verdict.outcomes.forEach((outcome, i) => {
            const count = returned.filter((r) => r === i).length;
            if (count === 0)
              expect(outcome).toMatchObject({ status: 'failed', errorCode: 'Lambda.MissingRecordId' });
            else if (count > 1)
              expect(outcome).toMatchObject({ status: 'failed', errorCode: 'Lambda.DuplicatedRecordId' });
            else
              expect(outcome).toEqual({
                status: 'ok',
                records: [{ ...batch[i], data: Buffer.from(`t${i}`) }],
              });
          });
        },
      ),
    );
  });
});

describe('runLambdaTransform retry driver', () => {
  function scripted(answers: Array<TransformInvocationResult | 'echo'>) {
    const calls: Array<{ arn: string; timeoutMs: number }> = [];
    const invoker: TransformInvoker = {
      async invoke(arn, payload, timeoutMs) {
        calls.push({ arn, timeoutMs });
        const answer = answers.shift() ?? 'echo';
        if (answer !== 'echo') return answer;
        const event = eventOf(payload);
        return {
          kind: 'response',
          payload: body({
            records: event.records.map((r: { recordId: string; data: string }) => ({ ...r, result: 'Ok' })),
          }),
        };
      },
    };
    return { invoker, calls };
  }

  function ports(invoker: TransformInvoker) {
    const clock = new FakeClock(50_000);
    const sleeps: number[] = [];
    return {
      sleeps,
      clock,
      ports: {
        invoker,
        ids: fakeIds(),
        clock,
        jitter: () => 0.5,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          clock.advance(ms);
        },
      },
    };
  }

  it('retries invocation errors with backoff and then succeeds', async () => {
    const { invoker, calls } = scripted([
      { kind: 'function-error', errorType: 'Error', message: 'x' },
      { kind: 'timeout', message: 't' },
      'echo',
    ]);
    const { ports: p, sleeps } = ports(invoker);
    const result = await runLambdaTransform(records(3), settings, p);
    expect(result.ok.map((r) => r.recordId)).toEqual(['id0', 'id1', 'id2']);
    expect([result.failed, result.attempts, sleeps, calls[0]]).toEqual([
      [],
      3,
      [1000, 2000],
      { arn: settings.functionArn, timeoutMs: 60_000 },
    ]);
  });

  it('after NumberOfRetries + 1 attempts fails the whole invocation as processing-failed', async () => {
    const error: TransformInvocationResult = { kind: 'function-error', errorType: 'Error', message: 'boom' };
    const { invoker, calls } = scripted([error, error, error, error]);
    const { ports: p, clock } = ports(invoker);
    const result = await runLambdaTransform(records(2), { ...settings, functionTimeoutMs: 900_000 }, p);
    expect(calls.map((c) => c.timeoutMs)).toEqual([300_000, 300_000, 300_000, 300_000]);
    expect(result.failed).toEqual(
      records(2).map((record) => ({
        record,
        errorOutputType: 'processing-failed',
        errorCode: 'Lambda.FunctionError',
        errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
        rawData: record.data,
        attemptsMade: 4,
        attemptEndingMs: clock.nowMs(),
        lambdaArn: settings.functionArn,
      })),
    );
  });

  it('hands the event over as values when the invoker can take them', async () => {
    const events: string[] = [];
    const invoker: TransformInvoker = {
      invoke: () => Promise.reject(new Error('the JSON path is not used')),
      async invokeEvent(_arn, event, payloadBytes) {
        events.push(`${event.records.length} records, ${payloadBytes} bytes`);
        return {
          kind: 'answer',
          answer: {
            records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
          },
          payloadBytes: 1,
        };
      },
    };
    const [invocation] = buildInvocations(records(2), settings, fakeIds());
    const result = await runLambdaTransform(records(2), settings, ports(invoker).ports);
    expect(result.ok).toEqual(records(2).map((r) => ({ ...r, data: Buffer.from(r.data) })));
    expect(events).toEqual([`2 records, ${invocation!.payload.byteLength} bytes`]);
  });

  it('does not retry a response, even a malformed one, and keeps invoke-error codes', async () => {
    const { invoker } = scripted([{ kind: 'response', payload: enc.encode('oops') }]);
    const result = await runLambdaTransform(records(1), settings, ports(invoker).ports);
    expect(result.failed.map((f) => [f.errorCode, f.attemptsMade])).toEqual([
      ['Lambda.JsonProcessingException', 1],
    ]);
    const missing = scripted([{ kind: 'invoke-error', errorCode: 'Lambda.ResourceNotFound', message: 'no' }]);
    const none = await runLambdaTransform(
      records(1),
      { ...settings, numberOfRetries: 0 },
      ports(missing.invoker).ports,
    );
    expect(none.failed.map((f) => [f.errorCode, f.attemptsMade])).toEqual([['Lambda.ResourceNotFound', 1]]);
  });
});
