import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalLambdaInvoker } from '../../lib/adapters/local/lambda-invoker.ts';
import type { TransformEventResult } from '../../lib/core/ports.ts';
import type { ProcessorRecord } from '../../lib/core/processors/index.ts';
import {
  buildInvocations,
  type InvocationEventSettings,
  readTransformAnswer,
  readTransformResponse,
} from '../../lib/core/transform/index.ts';
import { fakeIds } from '../core/s3/fake-ids.ts';

/**
 * The local invoker's event path (`invokeEvent`: the event packed, the answer copied instead of written as JSON)
 * against its JSON path (`invoke`), with the same handler and the same invocation: the handler must see the same
 * event, and the answer must be the value and size its JSON has.
 */
const invoker = createLocalLambdaInvoker({
  baseDir: join(import.meta.dirname, '..', 'fixtures', 'transforms'),
  functions: { shapes: { handler: './answer-shapes.mjs#handler' } },
});
afterAll(() => invoker.close());

const settings = {
  deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/s',
  region: 'us-east-1',
  bufferSizeInMBs: 1,
};
const recordsOf = (texts: string[]): ProcessorRecord[] =>
  texts.map((text, i) => ({ data: Buffer.from(text), arrivalMs: 1000 + i, recordId: `r${i}` }));

async function bothPaths(records: ProcessorRecord[], extra: Partial<InvocationEventSettings> = {}) {
  const [invocation] = buildInvocations(records, { ...settings, ...extra }, fakeIds());
  const viaJson = await invoker.invoke('shapes', invocation!.payload, 5000);
  const viaEvent = await invoker.invokeEvent('shapes', invocation!.event, invocation!.payloadBytes, 5000);
  return { invocation: invocation!, viaJson, viaEvent };
}

const SHARED = Buffer.from('0123456789abcdef');

/** The answer as JSON text, with data the invoker decoded written back as base64. */
function jsonOf(result: TransformEventResult): string {
  if (result.kind === 'response') return Buffer.from(result.payload).toString('utf8');
  if (result.kind !== 'answer') throw new Error(`no answer: ${JSON.stringify(result)}`);
  return JSON.stringify(result.answer, (key, value) =>
    key === 'data' && value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
  );
}

describe('local invoker: event path (invokeEvent) against the JSON path (invoke)', () => {
  it('hands the handler exactly the event JSON would, Kinesis metadata and escapes included', async () => {
    const kinesis = {
      shardId: 'shardId-000000000000',
      partitionKey: 'pk "é"',
      approximateArrivalTimestamp: 1_700_000_000_123,
      sequenceNumber: '4954',
      subsequenceNumber: 2,
    };
    const records: ProcessorRecord[] = [
      { data: Buffer.from('echoEvent'), arrivalMs: 5, recordId: 'a', kinesisRecordMetadata: kinesis },
      { data: new Uint8Array([0, 255, 1]), arrivalMs: 6, recordId: 'q"\\é' },
      { data: new Uint8Array(0), arrivalMs: 7, recordId: 'c' },
      // Back to back in one buffer (copied as one stretch), then after a gap.
      ...[
        [0, 3],
        [3, 7],
        [8, 10],
      ].map(([from, to], i) => ({ data: SHARED.subarray(from, to), arrivalMs: 8, recordId: `s${i}` })),
    ];
    const { invocation, viaJson, viaEvent } = await bothPaths(records, {
      sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/k',
    });
    expect(viaEvent.kind).toBe('answer');
    expect(jsonOf(viaEvent)).toBe(jsonOf(viaJson));
    const eventText = Buffer.from(invocation.payload).toString('utf8');
    expect(jsonOf(viaEvent)).toBe(`{"records":[],"event":${eventText}}`);
    expect(viaEvent).toMatchObject({ payloadBytes: Buffer.byteLength(jsonOf(viaJson)) });
    expect(invocation.payloadBytes).toBe(invocation.payload.byteLength);
  });

  it('copies plain answers with JSON’s rules and size: escapes, non-ASCII, -0, NaN, undefined members', async () => {
    const { viaJson, viaEvent } = await bothPaths(recordsOf(['plain']));
    expect(viaEvent.kind).toBe('answer');
    expect(jsonOf(viaEvent)).toBe(jsonOf(viaJson));
    expect(viaEvent).toMatchObject({ payloadBytes: (viaJson as { payload: Uint8Array }).payload.byteLength });
    for (const name of ['nothing', 'text']) {
      const other = await bothPaths(recordsOf([name]));
      expect(jsonOf(other.viaEvent)).toBe(jsonOf(other.viaJson));
    }
  });

  it('gives any JSON answer the same text and size on both paths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const { viaJson, viaEvent } = await bothPaths(
          recordsOf([`json:${JSON.stringify({ records: [], value })}`]),
        );
        expect(viaEvent.kind).toBe('answer');
        expect(jsonOf(viaEvent)).toBe(jsonOf(viaJson));
        expect(viaEvent).toMatchObject({ payloadBytes: Buffer.byteLength(jsonOf(viaJson)) });
      }),
      { numRuns: 100 },
    );
  });

  it('falls back to JSON for what JSON treats specially, and fails as JSON does', async () => {
    for (const name of ['withDate', 'withToJSON', 'withClass', 'withBoxed', 'withHole', 'withProto']) {
      const { viaJson, viaEvent } = await bothPaths(recordsOf([name]));
      expect(viaEvent, name).toEqual(viaJson);
      expect(viaEvent.kind, name).toBe('response');
    }
    for (const name of ['withBigInt', 'cyclic']) {
      const { viaJson, viaEvent } = await bothPaths(recordsOf([name]));
      expect(viaEvent, name).toEqual(viaJson);
      expect(viaEvent.kind, name).toBe('function-error');
    }
  });

  it('decodes only standard padded base64, returns unchanged data as sent, and reads to the same verdict', async () => {
    const texts = ['same', 'AA==', 'AAA=', '+/+/', 'AB==', '', 'drop', 'same'];
    const invalid = ['-_-_', 'AA', 'AA=A', 'AA==AA==', 'AA AA', 'AAA*', '====', 'A===', 'é'];
    const records = recordsOf([...texts, ...invalid]);
    const { invocation, viaJson, viaEvent } = await bothPaths(records);
    if (viaEvent.kind !== 'answer' || viaJson.kind !== 'response') throw new Error('unexpected outcome');
    expect(viaEvent.payloadBytes).toBe(viaJson.payload.byteLength);
    const data = (viaEvent.answer as { records: Array<{ data: unknown }> }).records.map((r) => r.data);
    expect(data.slice(texts.length)).toEqual(invalid);
    // Decoded: the valid data of Ok entries; a Dropped entry's data is left as it was.
    expect(data.slice(0, texts.length).map((d) => d instanceof Uint8Array)).toEqual(
      texts.map((t) => t !== 'drop'),
    );
    expect(Buffer.from(data[0] as Uint8Array).toString()).toBe('same');
    expect(readTransformAnswer(viaEvent.answer, viaEvent.payloadBytes, invocation.records)).toEqual(
      readTransformResponse(viaJson.payload, invocation.records),
    );
  });

  it('refuses a request over Lambda’s 6 MiB limit on either path, as Lambda does', async () => {
    const [invocation] = buildInvocations(recordsOf(['x']), settings, fakeIds());
    const tooLarge = { kind: 'invoke-error', errorCode: 'Lambda.RequestTooLarge' };
    expect(await invoker.invokeEvent('shapes', invocation!.event, 6 * 1024 * 1024 + 1, 5000)).toMatchObject(
      tooLarge,
    );
    expect(await invoker.invoke('shapes', new Uint8Array(6 * 1024 * 1024 + 1), 5000)).toMatchObject(tooLarge);
  });
});
