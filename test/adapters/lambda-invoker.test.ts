import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalLambdaInvoker, parseFunctionReference } from '../../lib/adapters/local/lambda-invoker.ts';
import type { TransformInvocationResult } from '../../lib/core/ports.ts';

const invoker = createLocalLambdaInvoker({
  baseDir: join(import.meta.dirname, '..', 'fixtures', 'transforms'),
  functions: {
    upper: { handler: './upper.mjs#handler' },
    'arn:aws:lambda:us-east-1:123456789012:function:cb': { handler: './callback.cjs#handler' },
    'pinned:live': { handler: './upper.mjs#handler' },
    throws: { handler: './misbehaving.mjs#throws' },
    spins: { handler: './misbehaving.mjs#spins' },
    hogs: { handler: './misbehaving.mjs#hogs', memorySizeMb: 64 },
    exits: { handler: './misbehaving.mjs#exits' },
    enrich: { handler: './enrich.ts#handler' },
  },
});
afterAll(() => invoker.close());

const event = (texts: string[]) =>
  Buffer.from(
    JSON.stringify({
      records: texts.map((t, i) => ({ recordId: String(i), data: Buffer.from(t).toString('base64') })),
    }),
  );
const answer = (result: TransformInvocationResult) =>
  result.kind === 'response' ? JSON.parse(Buffer.from(result.payload).toString('utf8')) : result;
const decoded = (result: TransformInvocationResult) =>
  answer(result).records.map((r: { result: string; data?: string }) => [
    r.result,
    r.data && Buffer.from(r.data, 'base64').toString(),
  ]);

describe('local TransformInvoker', () => {
  it('resolves names, ARNs and qualifiers', () => {
    expect(parseFunctionReference('arn:aws:lambda:us-east-1:123456789012:function:f:live')).toEqual({
      name: 'f',
      qualifier: 'live',
    });
    expect(parseFunctionReference('arn:aws:lambda:us-east-1:123456789012:function:f')).toEqual({ name: 'f' });
    expect(parseFunctionReference('123456789012:function:f:3')).toEqual({ name: 'f', qualifier: '3' });
    expect(parseFunctionReference('f')).toEqual({ name: 'f' });
  });

  it('runs an async handler found by name from an ARN with a qualifier, with a context', async () => {
    const result = await invoker.invoke(
      'arn:aws:lambda:us-east-1:123456789012:function:upper:7',
      event(['abc', 'drop', 'fail']),
      5000,
    );
    expect(decoded(result)).toEqual([
      ['Ok', 'ABC|upper|true'],
      ['Dropped', undefined],
      ['ProcessingFailed', 'fail'],
    ]);
  });

  it('runs a callback-style CommonJS handler and a TypeScript handler', async () => {
    const cb = answer(await invoker.invoke('cb', event(['x']), 5000));
    expect(cb.records).toEqual([{ recordId: '0', result: 'Ok', data: 'eA==' }]);
    expect(cb.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(decoded(await invoker.invoke('enrich', event(['{"n":21}']), 20_000))).toEqual([
      ['Ok', '{"n":42}'],
    ]);
  });

  it('honours a qualifier in the configured key', async () => {
    expect((await invoker.invoke('pinned:live', event(['a']), 5000)).kind).toBe('response');
    expect(await invoker.invoke('pinned:old', event(['a']), 5000)).toMatchObject({
      kind: 'invoke-error',
      errorCode: 'Lambda.ResourceNotFound',
    });
  });

  it('turns throwing, hanging, memory-hungry and exiting handlers into outcomes and recovers', async () => {
    expect(await invoker.invoke('throws', event(['x']), 5000)).toEqual({
      kind: 'function-error',
      errorType: 'TypeError',
      message: 'boom',
    });
    expect(await invoker.invoke('spins', event(['x']), 300)).toEqual({
      kind: 'timeout',
      message: 'Task timed out after 0.30 seconds',
    });
    expect(await invoker.invoke('hogs', event(['x']), 20_000)).toMatchObject({
      kind: 'function-error',
      errorType: 'Runtime.OutOfMemory',
    });
    expect(await invoker.invoke('exits', event(['x']), 5000)).toMatchObject({
      kind: 'function-error',
      errorType: 'Runtime.ExitError',
    });
    // The same functions get a fresh worker on the next call.
    expect(await invoker.invoke('spins', event(['x']), 200)).toMatchObject({ kind: 'timeout' });
    expect(await invoker.invoke('throws', event(['x']), 5000)).toMatchObject({ kind: 'function-error' });
    expect((await invoker.invoke('upper', event(['still here']), 5000)).kind).toBe('response');
  });

  it('reports an unknown function as Lambda.ResourceNotFound', async () => {
    expect(await invoker.invoke('missing', event(['x']), 5000)).toMatchObject({
      kind: 'invoke-error',
      errorCode: 'Lambda.ResourceNotFound',
    });
  });
});
