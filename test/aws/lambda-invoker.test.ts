import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsLambdaInvoker } from '../../lib/adapters/aws/lambda-invoker.ts';
import type { TransformInvoker } from '../../lib/core/ports.ts';
import { type LambdaStandIn, loadHandler, startLambdaStandIn } from './support/lambda-stand-in.ts';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function';
let lambda: LambdaStandIn;
let client: LambdaClient;
let invoker: TransformInvoker;

beforeAll(async () => {
  lambda = await startLambdaStandIn({
    enrich: await loadHandler(join(import.meta.dirname, '../../examples/transforms/enrich.mjs')),
    throws: async () => {
      throw new TypeError('Cannot read properties of undefined');
    },
    hangs: () => new Promise(() => {}),
    huge: async () => ({ records: 'x'.repeat(6 * 1024 * 1024) }),
  });
  client = new LambdaClient({
    region: 'us-east-1',
    endpoint: lambda.endpoint,
    credentials: { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'secret' },
    // The core retries per NumberOfRetries (spec §5.3); SDK retries would hide what each attempt got.
    maxAttempts: 1,
  });
  invoker = createAwsLambdaInvoker(client);
});

afterAll(async () => {
  client?.destroy();
  await lambda?.stop();
});

const event = (records: Array<{ recordId: string; data: string }>) =>
  Buffer.from(
    JSON.stringify({
      invocationId: '00000000-0000-4000-8000-000000000000',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks',
      region: 'us-east-1',
      records: records.map((r) => ({ ...r, approximateArrivalTimestamp: 1_795_341_600_000 })),
    }),
  );

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the AWS TransformInvoker through the real SDK client (stand-in Lambda Invoke endpoint)', () => {
  it('invokes RequestResponse by ARN and returns the function’s response untouched', async () => {
    const result = await invoker.invoke(
      `${ARN}:enrich:live`,
      event([
        { recordId: 'r1', data: b64('{"customer_id":7}') },
        { recordId: 'r2', data: b64('{"type":"heartbeat"}') },
      ]),
      5_000,
    );
    expect(result.kind).toBe('response');
    const response = JSON.parse(Buffer.from((result as { payload: Uint8Array }).payload).toString());
    expect(response.records.map((r: { recordId: string; result: string }) => [r.recordId, r.result])).toEqual(
      [
        ['r1', 'Ok'],
        ['r2', 'Dropped'],
      ],
    );
    expect(lambda.calls.at(-1)).toEqual({
      functionName: 'enrich',
      qualifier: 'live',
      invocationType: 'RequestResponse',
    });
  });

  it('gives function-error for a handler that throws and for a response over 6 MB', async () => {
    expect(await invoker.invoke(`${ARN}:throws`, event([]), 5_000)).toEqual({
      kind: 'function-error',
      errorType: 'Unhandled',
      message: 'Cannot read properties of undefined',
    });
    expect(await invoker.invoke(`${ARN}:huge`, event([]), 5_000)).toEqual({
      kind: 'function-error',
      errorType: 'Unhandled',
      message: `Response payload size exceeded maximum allowed payload size (${6 * 1024 * 1024} bytes).`,
    });
  });

  it('maps Invoke API errors to Firehose’s Lambda.* codes (spec §5.3)', async () => {
    expect(await invoker.invoke(`${ARN}:missing`, event([]), 5_000)).toMatchObject({
      kind: 'invoke-error',
      errorCode: 'Lambda.ResourceNotFound',
    });
    lambda.failNext('TooManyRequestsException', 429);
    expect(await invoker.invoke(`${ARN}:enrich`, event([]), 5_000)).toMatchObject({
      kind: 'invoke-error',
      errorCode: 'Lambda.InvokeLimitExceeded',
    });
    lambda.failNext('AccessDeniedException', 403);
    expect(await invoker.invoke(`${ARN}:enrich`, event([]), 5_000)).toMatchObject({
      kind: 'invoke-error',
      errorCode: 'Lambda.InvokeAccessDenied',
    });
    // Lambda refuses a request over 6 MB; the core never builds one (it splits invocations under the limit).
    expect(await invoker.invoke(`${ARN}:enrich`, new Uint8Array(6 * 1024 * 1024 + 1), 5_000)).toMatchObject({
      kind: 'invoke-error',
      errorCode: 'Lambda.RequestTooLarge',
    });
  });

  it('abandons a call after its timeout', async () => {
    expect(await invoker.invoke(`${ARN}:hangs`, event([]), 200)).toEqual({
      kind: 'timeout',
      message: 'The function did not answer within 200 ms.',
    });
  });
});
