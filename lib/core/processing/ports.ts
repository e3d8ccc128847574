/**
 * Ports of the processing stages: the transform Lambda and the JQ engine. Adapters implement them
 * (lib/adapters/local/transform-invoker.ts, lib/adapters/jq-engine.ts); tests pass fakes.
 */

/** How one synchronous (RequestResponse) Lambda call ended. Never a rejected promise for a function's fault. */
export type InvokeResult =
  /** The function returned; `payload` is its response body, unchecked (the core judges it, §5.3). */
  | { readonly kind: 'ok'; readonly payload: Uint8Array }
  /** The function threw, crashed or ran out of memory (Lambda's `FunctionError`). */
  | { readonly kind: 'function-error'; readonly message: string }
  | { readonly kind: 'timeout' }
  /** The call itself failed: `code` is Firehose's `Lambda.*` name (e.g. `Lambda.ResourceNotFound`, §5.3). */
  | { readonly kind: 'invoke-error'; readonly code: string; readonly message: string };

export interface LambdaInvoker {
  /** Calls `functionArn` (name or ARN, optionally qualified) with the event bytes; gives up after `timeoutMs`. */
  invoke(functionArn: string, payload: Uint8Array, timeoutMs: number): Promise<InvokeResult>;
}

export type JqResult =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: string };

/** A JQ-1.6 evaluator (§6 `JsonParsingEngine`). */
export interface JqEngine {
  /**
   * Runs `query` on each input (a record's JSON text) and returns one result per input, in order: the
   * query's single output parsed as JSON, or why there was none (input not JSON, query error, no output or
   * more than one output). Rejects only when the engine itself cannot run.
   */
  evaluate(query: string, inputs: readonly string[]): Promise<JqResult[]>;
}
