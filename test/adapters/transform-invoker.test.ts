import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLocalTransformInvoker,
  parseFunctionReference,
  resolveHandler,
} from '../../lib/adapters/local/transform-invoker.ts';
import { interpretResponse } from '../../lib/core/processing/lambda-response.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transforms');
const handler = (file: string) => `${join(FIXTURES, file)}#handler`;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

const invoker = createLocalTransformInvoker({
  lambdaFunctions: {
    ok: handler('ok.mjs'),
    [`${ARN}:callback`]: handler('callback.mjs'),
    throws: handler('throws.mjs'),
    hangs: handler('hangs.mjs'),
    garbage: handler('garbage.mjs'),
    big: handler('big-output.mjs'),
    hog: handler('memory-hog.mjs'),
    noexport: `${join(FIXTURES, 'ok.mjs')}#nothing`,
  },
  maxOldGenerationSizeMb: 64,
});
afterAll(() => invoker.close());

const event = (texts: string[]) =>
  new TextEncoder().encode(
    JSON.stringify({
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/s',
      region: 'us-east-1',
      records: texts.map((t, i) => ({
        recordId: String(i),
        approximateArrivalTimestamp: 1,
        data: Buffer.from(t).toString('base64'),
      })),
    }),
  );
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('function references', () => {
  it('parses names, qualified names and ARNs', () => {
    expect(parseFunctionReference('enrich')).toEqual({ name: 'enrich', qualifier: undefined });
    expect(parseFunctionReference('enrich:live')).toEqual({ name: 'enrich', qualifier: 'live' });
    expect(parseFunctionReference(`${ARN}:enrich`)).toEqual({ name: 'enrich', qualifier: undefined });
    expect(parseFunctionReference(`${ARN}:enrich:$LATEST`)).toEqual({ name: 'enrich', qualifier: '$LATEST' });
  });

  it('resolves exact keys, then the same function and qualifier, then the unqualified function', () => {
    const functions = { enrich: '/a.mjs#handler', [`${ARN}:enrich:2`]: '/v2.mjs#run' };
    expect(resolveHandler(functions, `${ARN}:enrich:7`)).toEqual({
      modulePath: '/a.mjs',
      exportName: 'handler',
      functionName: 'enrich',
    });
    expect(resolveHandler(functions, 'enrich:2')).toEqual({
      modulePath: '/v2.mjs',
      exportName: 'run',
      functionName: 'enrich',
    });
    expect(resolveHandler(functions, 'other')).toBeUndefined();
  });
});

describe('local transform invoker (worker threads)', () => {
  it('runs an async handler with a Lambda-like context', async () => {
    const result = await invoker.invoke(`${ARN}:ok:$LATEST`, event(['hi']), 5000);
    expect(result.kind).toBe('ok');
    const response = JSON.parse(dec((result as { payload: Uint8Array }).payload));
    expect(response).toEqual({
      records: [
        {
          recordId: '0',
          result: 'Ok',
          data: Buffer.from('HI').toString('base64'),
          metadata: { partitionKeys: { functionName: 'ok', requestIdLength: '36', hasTimeLeft: 'true' } },
        },
      ],
    });
  });

  it('runs a callback-style handler', async () => {
    const result = await invoker.invoke('callback', event(['a', 'b']), 5000);
    expect(result.kind === 'ok' && JSON.parse(dec(result.payload))).toEqual({
      records: [
        { recordId: '0', result: 'Dropped' },
        { recordId: '1', result: 'Dropped' },
      ],
    });
  });

  it('a throwing handler is a function error; the next call still works', async () => {
    expect(await invoker.invoke('throws', event(['a']), 5000)).toEqual({
      kind: 'function-error',
      message: 'TypeError: cannot read the record',
    });
    expect(await invoker.invoke('noexport', event(['a']), 5000)).toMatchObject({
      kind: 'function-error',
      message: expect.stringContaining('Runtime.HandlerNotFound'),
    });
    expect((await invoker.invoke('ok', event(['a']), 5000)).kind).toBe('ok');
  });

  it('a hanging handler times out and its worker is replaced', async () => {
    const started = performance.now();
    expect(await invoker.invoke('hangs', event(['a']), 300)).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await invoker.invoke('hangs', event(['a']), 200)).toEqual({ kind: 'timeout' });
  });

  it('a memory hog is stopped by the heap limit as a function error', async () => {
    const result = await invoker.invoke('hog', event(['a']), 20_000);
    expect(result.kind).toBe('function-error');
    expect((result as { message: string }).message).toMatch(/memory/i);
    expect((await invoker.invoke('ok', event(['b']), 5000)).kind).toBe('ok');
  });

  it('garbage and 7 MB outputs come back as they are, and the core rejects them', async () => {
    const garbage = await invoker.invoke('garbage', event(['a']), 5000);
    expect(garbage.kind === 'ok' && dec(garbage.payload)).toBe('"not a response"');
    expect(garbage.kind === 'ok' && interpretResponse(['0'], garbage.payload)).toMatchObject([
      { kind: 'failed', errorCode: 'Lambda.MissingRecordId' },
    ]);
    const big = await invoker.invoke('big', event(['a']), 10_000);
    expect(big.kind === 'ok' && big.payload.byteLength).toBeGreaterThan(7 * 1024 * 1024);
    expect(big.kind === 'ok' && interpretResponse(['0'], big.payload)).toMatchObject([
      { kind: 'failed', errorCode: 'Lambda.MissingRecordId' },
    ]);
  });

  it('an unknown function is Lambda.ResourceNotFound', async () => {
    expect(await invoker.invoke(`${ARN}:missing`, event(['a']), 1000)).toEqual({
      kind: 'invoke-error',
      code: 'Lambda.ResourceNotFound',
      message: `Function not found: ${ARN}:missing. Map it to a handler in the config's "lambdaFunctions".`,
    });
  });
});

describe('examples/transforms/enrich.mjs', () => {
  it('enriches, partitions, drops heartbeats and fails non-JSON through the local invoker and the core', async () => {
    const local = createLocalTransformInvoker({
      lambdaFunctions: {
        enrich: `${join(import.meta.dirname, '..', '..', 'examples', 'transforms', 'enrich.mjs')}#handler`,
      },
    });
    try {
      const result = await local.invoke(
        `${ARN}:enrich`,
        event(['{"customer_id":"c1","n":1}', '{"type":"heartbeat"}', 'not json']),
        5000,
      );
      expect(result.kind).toBe('ok');
      const outcomes = interpretResponse(['0', '1', '2'], (result as { payload: Uint8Array }).payload);
      expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'dropped', 'failed']);
      const ok = outcomes[0] as { data: Uint8Array; partitionKeys: Record<string, string> };
      expect(ok.partitionKeys).toEqual({ customer: 'c1', year: '1970' });
      const delivered = JSON.parse(dec(ok.data));
      expect(Object.keys(delivered)).toEqual(['customer_id', 'n', 'processedAt']);
      expect(dec(ok.data).endsWith('}\n')).toBe(true);
      expect(outcomes[2]).toMatchObject({ errorCode: 'Lambda.ProcessingFailedStatus' });
    } finally {
      await local.close();
    }
  });
});
