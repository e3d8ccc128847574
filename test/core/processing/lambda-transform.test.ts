import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildInvocations, recordIdAt } from '../../../lib/core/processing/lambda-invocations.ts';
import {
  checkLambdaProcessor,
  resolveLambdaProcessor,
} from '../../../lib/core/processing/lambda-processor-parameters.ts';
import { interpretResponse, LAMBDA_ERRORS } from '../../../lib/core/processing/lambda-response.ts';
import { runTransform, type TransformPorts } from '../../../lib/core/processing/lambda-transform.ts';
import type { InvokeResult } from '../../../lib/core/processing/ports.ts';
import type { ProcessingRecord } from '../../../lib/core/processing/processing-record.ts';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const b64 = (text: string) => Buffer.from(text).toString('base64');
const record = (text: string, arrivalMs = 1000): ProcessingRecord => ({ data: enc(text), arrivalMs });
const json = (value: unknown) => enc(JSON.stringify(value));

const STREAM = 'arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:enrich';
const counter = () => {
  let n = 0;
  return () => `inv-${n++}`;
};

describe('buildInvocations (§5.1)', () => {
  it('builds the event exactly, with Kinesis metadata and the source stream', () => {
    const kinesis = {
      shardId: 'shardId-000000000000',
      partitionKey: 'pk',
      approximateArrivalTimestamp: 900,
      sequenceNumber: '4959',
      subsequenceNumber: 0,
    };
    const [invocation] = buildInvocations([{ data: enc('hi'), arrivalMs: 1000, kinesis }], {
      streamArn: STREAM,
      region: 'us-east-1',
      sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/src',
      invocationId: counter(),
      bufferSizeBytes: 1024 * 1024,
    });
    expect(JSON.parse(dec(invocation!.payload))).toEqual({
      invocationId: 'inv-0',
      deliveryStreamArn: STREAM,
      sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/src',
      region: 'us-east-1',
      records: [
        {
          recordId: recordIdAt(0),
          approximateArrivalTimestamp: 1000,
          data: 'aGk=',
          kinesisRecordMetadata: kinesis,
        },
      ],
    });
    expect(recordIdAt(0)).toMatch(/^\d{56}$/);
    expect(Object.keys(JSON.parse(dec(invocation!.payload)))).toEqual([
      'invocationId',
      'deliveryStreamArn',
      'sourceKinesisStreamArn',
      'region',
      'records',
    ]);
  });

  it('cuts at BufferSizeInMBs counting the records’ own bytes', () => {
    const records = Array.from({ length: 10 }, (_, i) => record('x'.repeat(100) + i));
    const invocations = buildInvocations(records, {
      streamArn: STREAM,
      region: 'us-east-1',
      invocationId: counter(),
      bufferSizeBytes: 303,
    });
    expect(invocations.map((i) => i.records.length)).toEqual([3, 3, 3, 1]);
    expect(invocations.map((i) => i.invocationId)).toEqual(['inv-0', 'inv-1', 'inv-2', 'inv-3']);
    expect(invocations[1]!.recordIds).toEqual([recordIdAt(0), recordIdAt(1), recordIdAt(2)]);
    expect(invocations.flatMap((i) => i.records)).toEqual(records);
  });

  it('cuts at the request limit with base64 growth included, and every event fits', () => {
    // 3 MiB buffer of 1000 KiB records: 3 records by size, but 3 × 1.33 MB of base64 is over a 3.5 MiB limit.
    const big = Array.from({ length: 6 }, () => ({ data: new Uint8Array(1000 * 1024), arrivalMs: 1 }));
    const limit = 3.5 * 1024 * 1024;
    const invocations = buildInvocations(big, {
      streamArn: STREAM,
      region: 'us-east-1',
      invocationId: counter(),
      bufferSizeBytes: 3 * 1024 * 1024,
      payloadLimitBytes: limit,
    });
    expect(invocations.map((i) => i.records.length)).toEqual([2, 2, 2]);
    for (const invocation of invocations) expect(invocation.payload.byteLength).toBeLessThanOrEqual(limit);
    const real = buildInvocations(big, {
      streamArn: STREAM,
      region: 'us-east-1',
      invocationId: counter(),
      bufferSizeBytes: 3 * 1024 * 1024,
    });
    expect(real.map((i) => i.records.length)).toEqual([3, 3]);
  });

  it('sends a record larger than the buffer alone; no records, no invocations', () => {
    const invocations = buildInvocations([record('a'), record('x'.repeat(50)), record('b')], {
      streamArn: STREAM,
      region: 'us-east-1',
      invocationId: counter(),
      bufferSizeBytes: 10,
    });
    expect(invocations.map((i) => i.records.map((r) => dec(r.data).length))).toEqual([[1], [50], [1]]);
    expect(
      buildInvocations([], { streamArn: STREAM, region: 'r', invocationId: counter(), bufferSizeBytes: 1 }),
    ).toEqual([]);
  });
});

describe('interpretResponse (§5.2, §5.3)', () => {
  const ids = [recordIdAt(0), recordIdAt(1), recordIdAt(2)];
  const failed = (e: { errorCode: string; errorMessage: string }) => ({ kind: 'failed', ...e });

  it('Ok replaces data (with partition keys), Dropped drops, ProcessingFailed fails', () => {
    const outcomes = interpretResponse(
      ids,
      json({
        records: [
          { recordId: ids[2], result: 'ProcessingFailed', data: b64('z') },
          {
            recordId: ids[0],
            result: 'Ok',
            data: b64('A'),
            metadata: { partitionKeys: { customer: 'c1', year: 2024 } },
          },
          { recordId: ids[1], result: 'Dropped' },
        ],
      }),
    );
    expect(outcomes).toEqual([
      { kind: 'ok', data: new Uint8Array(Buffer.from('A')), partitionKeys: { customer: 'c1', year: '2024' } },
      { kind: 'dropped' },
      failed(LAMBDA_ERRORS.processingFailed),
    ]);
    expect(outcomes[0]).toMatchObject({ kind: 'ok' });
    expect(dec((outcomes[0] as { data: Uint8Array }).data)).toBe('A');
  });

  it('not JSON → JsonProcessingException for every record', () => {
    const outcomes = interpretResponse(ids, enc('{"records": ['));
    expect(outcomes.map((o) => (o.kind === 'failed' ? o.errorCode : o.kind))).toEqual([
      'Lambda.JsonProcessingException',
      'Lambda.JsonProcessingException',
      'Lambda.JsonProcessingException',
    ]);
  });

  it('JSON without a records array, or over 6 MiB → MissingRecordId for every record', () => {
    expect(interpretResponse(ids.slice(0, 1), json({ result: 'Ok' }))).toEqual([
      failed(LAMBDA_ERRORS.missingRecordId),
    ]);
    expect(interpretResponse(ids.slice(0, 1), json([1]))).toEqual([failed(LAMBDA_ERRORS.missingRecordId)]);
    const ok = json({ records: [{ recordId: ids[0], result: 'Ok', data: b64('x') }] });
    expect(interpretResponse(ids.slice(0, 1), ok, ok.byteLength - 1)).toEqual([
      failed(LAMBDA_ERRORS.missingRecordId),
    ]);
  });

  it('Ok without data, bad base64, unknown result, bad partition keys → InvalidReturnFormat', () => {
    const outcomes = interpretResponse(
      [...ids, recordIdAt(3), recordIdAt(4)],
      json({
        records: [
          { recordId: ids[0], result: 'Ok' },
          { recordId: ids[1], result: 'Ok', data: 'not base64!' },
          { recordId: ids[2], result: 'Okay', data: b64('x') },
          {
            recordId: recordIdAt(3),
            result: 'Ok',
            data: b64('x'),
            metadata: { partitionKeys: { a: { b: 1 } } },
          },
          { recordId: recordIdAt(4), result: 'Ok', data: '' },
        ],
      }),
    );
    expect(outcomes).toEqual([
      failed(LAMBDA_ERRORS.nullData),
      {
        kind: 'failed',
        errorCode: 'Lambda.InvalidReturnFormat',
        errorMessage: 'The data field must be a base64-encoded string.',
      },
      {
        kind: 'failed',
        errorCode: 'Lambda.InvalidReturnFormat',
        errorMessage: 'The result field must be one of Ok, Dropped or ProcessingFailed; got "Okay".',
      },
      {
        kind: 'failed',
        errorCode: 'Lambda.InvalidReturnFormat',
        errorMessage: 'Invalid metadata: metadata.partitionKeys.a must be a string.',
      },
      { kind: 'ok', data: new Uint8Array(0) },
    ]);
  });

  it('property: dropped ids → MissingRecordId, duplicated → DuplicatedRecordId, invented → ignored', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('keep', 'drop', 'dup'), { minLength: 1, maxLength: 30 }),
        fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 1000 }),
        (fates, invented, seed) => {
          const recordIds = fates.map((_, i) => recordIdAt(i));
          const entries: object[] = [];
          fates.forEach((fate, i) => {
            if (fate === 'drop') return;
            entries.push({ recordId: recordIds[i], result: 'Ok', data: b64(`r${i}`) });
            if (fate === 'dup')
              entries.push({ recordId: recordIds[i], result: 'Ok', data: b64(`again${i}`) });
          });
          for (const id of invented) entries.push({ recordId: `x${id}`, result: 'ProcessingFailed' });
          // Response order is irrelevant: shuffle deterministically.
          entries.sort(
            (a, b) =>
              ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7),
          );
          const outcomes = interpretResponse(recordIds, json({ records: entries }));
          expect(outcomes).toHaveLength(fates.length);
          outcomes.forEach((outcome, i) => {
            if (fates[i] === 'keep')
              expect(outcome).toEqual({ kind: 'ok', data: new Uint8Array(Buffer.from(`r${i}`)) });
            if (fates[i] === 'drop') expect(outcome).toEqual(failed(LAMBDA_ERRORS.missingRecordId));
            if (fates[i] === 'dup') expect(outcome).toEqual(failed(LAMBDA_ERRORS.duplicatedRecordId));
          });
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

/** A fake Lambda: answers from a script of results, records calls, sleeps on a fake clock. */
function fakePorts(script: Array<InvokeResult | ((payload: Uint8Array) => InvokeResult)>) {
  let now = 5000;
  const sleeps: number[] = [];
  const calls: Array<{
    arn: string;
    event: { invocationId: string; records: Array<{ recordId: string; data: string }> };
    timeoutMs: number;
  }> = [];
  let uuid = 0;
  const ports: TransformPorts = {
    async invoke(arn, payload, timeoutMs) {
      calls.push({ arn, event: JSON.parse(dec(payload)), timeoutMs });
      now += 10;
      const step = script.length > 1 ? script.shift()! : script[0]!;
      return typeof step === 'function' ? step(payload) : step;
    },
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
    },
    clock: { nowMs: () => now },
    ids: { uuid: () => `uuid-${uuid++}`, randomString: () => 'x' },
  };
  return { ports, sleeps, calls };
}

/** Echoes every record upper-cased, with a partition key. */
const upperCase = (payload: Uint8Array): InvokeResult => {
  const event = JSON.parse(dec(payload)) as { records: Array<{ recordId: string; data: string }> };
  return {
    kind: 'ok',
    payload: json({
      records: event.records.map((r) => ({
        recordId: r.recordId,
        result: Buffer.from(r.data, 'base64').toString() === 'drop' ? 'Dropped' : 'Ok',
        data: b64(Buffer.from(r.data, 'base64').toString().toUpperCase()),
        metadata: { partitionKeys: { first: Buffer.from(r.data, 'base64').toString()[0] } },
      })),
    }),
  };
};

const config = {
  lambdaArn: ARN,
  numberOfRetries: 3,
  bufferSizeBytes: 1024 * 1024,
  streamArn: STREAM,
  region: 'us-east-1',
};

describe('runTransform', () => {
  it('transforms, drops, keeps input order across concurrent invocations', async () => {
    const { ports, calls } = fakePorts([upperCase]);
    const records = ['ab', 'drop', 'cd', 'ef', 'gh'].map((t, i) => record(t, i));
    const result = await runTransform(records, { ...config, bufferSizeBytes: 4 }, ports);
    expect(calls.map((c) => c.event.records.length)).toEqual([1, 1, 2, 1]);
    expect(calls[0]!.timeoutMs).toBe(300_000);
    expect(result.ok.map((r) => [dec(r.data), r.partitionKeys, r.record])).toEqual([
      ['AB', { first: 'a' }, records[0]],
      ['CD', { first: 'c' }, records[2]],
      ['EF', { first: 'e' }, records[3]],
      ['GH', { first: 'g' }, records[4]],
    ]);
    expect(result.failed).toEqual([]);
  });

  it('retries function errors NumberOfRetries times with backoff, then fails the batch', async () => {
    const { ports, sleeps, calls } = fakePorts([{ kind: 'function-error', message: 'boom' }]);
    const result = await runTransform(
      [record('a', 1), record('b', 2)],
      { ...config, numberOfRetries: 2 },
      ports,
    );
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(result.ok).toEqual([]);
    expect(result.failed).toEqual(
      [1, 2].map((arrivalMs, i) => ({
        record: record(['a', 'b'][i]!, arrivalMs),
        ...LAMBDA_ERRORS.functionError,
        detail: 'boom',
        attemptsMade: 3,
        attemptEndingMs: 5000 + 30 + 3000,
        lambdaArn: ARN,
      })),
    );
  });

  it('recovers when a retry succeeds; timeouts and invoke errors carry their codes', async () => {
    const recovered = fakePorts([{ kind: 'timeout' }, upperCase]);
    const ok = await runTransform([record('a')], config, recovered.ports);
    expect(ok.ok.map((r) => dec(r.data))).toEqual(['A']);
    expect(recovered.sleeps).toEqual([1000]);

    const timedOut = fakePorts([{ kind: 'timeout' }]);
    const t = await runTransform([record('a')], { ...config, numberOfRetries: 0 }, timedOut.ports);
    expect(t.failed.map((f) => [f.errorCode, f.errorMessage, f.attemptsMade])).toEqual([
      [LAMBDA_ERRORS.timeout.errorCode, LAMBDA_ERRORS.timeout.errorMessage, 1],
    ]);

    const missing = fakePorts([
      { kind: 'invoke-error', code: 'Lambda.ResourceNotFound', message: 'Function not found' },
    ]);
    const m = await runTransform([record('a')], { ...config, numberOfRetries: 1 }, missing.ports);
    expect(m.failed.map((f) => [f.errorCode, f.errorMessage, f.attemptsMade])).toEqual([
      ['Lambda.ResourceNotFound', 'Function not found', 2],
    ]);
  });

  it('does not retry a malformed response (attemptsMade 1)', async () => {
    const { ports, calls } = fakePorts([{ kind: 'ok', payload: enc('not json') }]);
    const result = await runTransform([record('a')], config, ports);
    expect(calls).toHaveLength(1);
    expect(result.failed.map((f) => [f.errorCode, f.attemptsMade, f.attemptEndingMs])).toEqual([
      ['Lambda.JsonProcessingException', 1, 5010],
    ]);
  });
});

describe('Lambda processor parameters (§2.2)', () => {
  it('accepts a full, valid set and applies defaults', () => {
    expect(checkLambdaProcessor({ LambdaArn: ARN })).toEqual([]);
    expect(resolveLambdaProcessor({ LambdaArn: ARN })).toEqual({
      lambdaArn: ARN,
      numberOfRetries: 3,
      bufferSizeBytes: 1024 * 1024,
      bufferIntervalSeconds: 60,
      roleArn: undefined,
    });
    const full = {
      LambdaArn: ARN,
      NumberOfRetries: '0',
      BufferSizeInMBs: '0.2',
      BufferIntervalInSeconds: '900',
      RoleArn: 'arn:aws:iam::0:role/r',
    };
    expect(checkLambdaProcessor(full)).toEqual([]);
    expect(resolveLambdaProcessor(full).bufferSizeBytes).toBe(209715);
  });

  it('reports every problem at once', () => {
    expect(
      checkLambdaProcessor({
        NumberOfRetries: '301',
        BufferSizeInMBs: '3.5',
        BufferIntervalInSeconds: '-1',
        RoleArn: ' ',
        Foo: 'x',
      }),
    ).toEqual([
      'Lambda processor needs the parameter LambdaArn (a function name or ARN, optionally qualified)',
      'Lambda processor parameter NumberOfRetries must be a whole number from 0 to 300; got "301"',
      'Lambda processor parameter BufferSizeInMBs must be a number of MB from 0.2 to 3; got "3.5"',
      'Lambda processor parameter BufferIntervalInSeconds must be a whole number of seconds from 0 to 900; got "-1"',
      'Lambda processor parameter RoleArn must not be blank',
      'Lambda processor does not take the parameter "Foo"; valid: LambdaArn, NumberOfRetries, RoleArn, BufferSizeInMBs, BufferIntervalInSeconds',
    ]);
    expect(checkLambdaProcessor({ LambdaArn: ARN, BufferSizeInMBs: '0.1' })).toHaveLength(1);
  });
});
