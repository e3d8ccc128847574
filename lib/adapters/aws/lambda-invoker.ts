import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { TransformInvocationResult, TransformInvoker } from '../../core/ports.ts';

/** The part of LambdaClient the invoker uses; tests pass a fake. */
export interface LambdaInvokeClient {
  send(command: InvokeCommand, options?: { abortSignal?: AbortSignal }): Promise<InvokeCommandOutput>;
}

/**
 * Lambda API errors mapped to the codes Firehose logs for them (spec §5.3 "Other Lambda invoke errors").
 * Anything unlisted is reported under its own SDK name with the `Lambda.` prefix.
 */
const INVOKE_ERRORS: Record<string, string> = {
  ResourceNotFoundException: 'Lambda.ResourceNotFound',
  AccessDeniedException: 'Lambda.InvokeAccessDenied',
  TooManyRequestsException: 'Lambda.InvokeLimitExceeded',
  InvalidSubnetIDException: 'Lambda.InvalidSubnetIDException',
  InvalidSecurityGroupIDException: 'Lambda.InvalidSecurityGroupIDException',
  SubnetIPAddressLimitReachedException: 'Lambda.SubnetIPAddressLimitReachedException',
  ENILimitReachedException: 'Lambda.ENILimitReachedException',
  RequestTooLargeException: 'Lambda.RequestTooLarge',
};

/**
 * TransformInvoker on AWS Lambda: a synchronous (RequestResponse) Invoke, as Firehose calls transforms (spec §2.2).
 * A `FunctionError` in the reply is Firehose's `Lambda.FunctionError`; the call is abandoned after `timeoutMs`
 * (the function's timeout, capped at 5 minutes by the core).
 */
export function createAwsLambdaInvoker(client: LambdaInvokeClient | LambdaClient): TransformInvoker {
  return {
    async invoke(functionArn, payload, timeoutMs): Promise<TransformInvocationResult> {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        const output = await (client as LambdaInvokeClient).send(
          new InvokeCommand({
            FunctionName: functionArn,
            InvocationType: 'RequestResponse',
            Payload: payload,
          }),
          { abortSignal: abort.signal },
        );
        const body = output.Payload ?? new Uint8Array();
        if (output.FunctionError) {
          return { kind: 'function-error', errorType: output.FunctionError, message: errorMessageOf(body) };
        }
        return { kind: 'response', payload: body };
      } catch (error) {
        if (abort.signal.aborted) {
          return { kind: 'timeout', message: `The function did not answer within ${timeoutMs} ms.` };
        }
        const name = (error as { name?: string }).name ?? 'Error';
        return {
          kind: 'invoke-error',
          errorCode: INVOKE_ERRORS[name] ?? `Lambda.${name.replace(/Exception$/, '')}`,
          message: error instanceof Error ? error.message : String(error),
        };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function errorMessageOf(body: Uint8Array): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return new TextDecoder().decode(body).slice(0, 1000);
}
