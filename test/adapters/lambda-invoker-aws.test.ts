import type { InvokeCommand, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { createAwsLambdaInvoker } from '../../lib/adapters/aws/lambda-invoker.ts';

function fakeClient(
  reply: (command: InvokeCommand, signal?: AbortSignal) => Promise<Partial<InvokeCommandOutput>>,
) {
  const commands: InvokeCommand[] = [];
  return {
    commands,
    send: async (command: InvokeCommand, options?: { abortSignal?: AbortSignal }) => {
      commands.push(command);
      return (await reply(command, options?.abortSignal)) as InvokeCommandOutput;
    },
  };
}

describe('AWS TransformInvoker', () => {
  it('invokes RequestResponse and returns the payload', async () => {
    const client = fakeClient(async () => ({
      StatusCode: 200,
      Payload: new TextEncoder().encode('{"records":[]}') as never,
    }));
    const result = await createAwsLambdaInvoker(client).invoke('arn:f', new TextEncoder().encode('{}'), 1000);
    expect(result.kind === 'response' && new TextDecoder().decode(result.payload)).toBe('{"records":[]}');
    expect(client.commands[0]!.input).toMatchObject({
      FunctionName: 'arn:f',
      InvocationType: 'RequestResponse',
    });
  });

  it('maps FunctionError, API errors and its own timeout', async () => {
    const errorBody = new TextEncoder().encode('{"errorType":"TypeError","errorMessage":"boom"}');
    const unhandled = fakeClient(async () => ({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: errorBody as never,
    }));
    expect(await createAwsLambdaInvoker(unhandled).invoke('f', new Uint8Array(), 1000)).toEqual({
      kind: 'function-error',
      errorType: 'Unhandled',
      message: 'boom',
    });
    const throttled = fakeClient(async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    });
    expect(await createAwsLambdaInvoker(throttled).invoke('f', new Uint8Array(), 1000)).toEqual({
      kind: 'invoke-error',
      errorCode: 'Lambda.InvokeLimitExceeded',
      message: 'Rate exceeded',
    });
    const hanging = fakeClient(
      (_, signal) =>
        new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    expect(await createAwsLambdaInvoker(hanging).invoke('f', new Uint8Array(), 20)).toMatchObject({
      kind: 'timeout',
    });
  });
});
