import { Worker } from 'node:worker_threads';
import type { InvokeResult, LambdaInvoker } from '../../core/processing/ports.ts';
import { TRANSFORM_WORKER_SOURCE } from './transform-worker.ts';

/**
 * The transform Lambda of the local runtime (spec §5): a function name or ARN from the Lambda processor's
 * LambdaArn → a JavaScript handler `"/abs/path/enrich.mjs#handler"` (config `lambdaFunctions`), run in a
 * worker thread so a handler that hangs or eats memory cannot take the pipeline with it:
 *
 * - throws / rejects / calls back an error → `function-error` (Lambda's FunctionError);
 * - runs past the timeout → the worker is terminated → `timeout`;
 * - exceeds the heap limit (resourceLimits) or exits → `function-error`, the worker is gone;
 * - not configured → `invoke-error` `Lambda.ResourceNotFound` (§5.3's code for a missing function).
 *
 * A dead worker is simply not reused; the next invocation starts a new one. Workers are unref'd, so an idle
 * pool never keeps the process alive, and `close()` terminates them.
 */

export interface LocalTransformInvokerOptions {
  /** Function name or ARN (optionally qualified) → `"<absolute module path>#<export>"`. */
  lambdaFunctions: Readonly<Record<string, string>>;
  /** Heap limit of a worker; Lambda's memory setting has no local meaning. Default 512. */
  maxOldGenerationSizeMb?: number;
  /** Workers kept per function; Firehose runs up to 5 invocations at once per shard (§2.2). Default 5. */
  maxWorkersPerFunction?: number;
}

export interface LocalTransformInvoker extends LambdaInvoker {
  close(): Promise<void>;
}

interface Handler {
  modulePath: string;
  exportName: string;
  functionName: string;
}

interface WorkerReply {
  id: number;
  ok: boolean;
  payload?: string;
  message?: string;
  errorType?: string;
}

const ARN = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/;
const NAME_WITH_QUALIFIER = /^([^:]+):([^:]+)$/;

/** The function's name and qualifier, whether given as a name, `name:alias` or a (qualified) ARN. */
export function parseFunctionReference(reference: string): { name: string; qualifier: string | undefined } {
  const arn = ARN.exec(reference);
  if (arn) return { name: arn[1]!, qualifier: arn[2] };
  const qualified = NAME_WITH_QUALIFIER.exec(reference);
  if (qualified) return { name: qualified[1]!, qualifier: qualified[2] };
  return { name: reference, qualifier: undefined };
}

/**
 * The handler for `reference`: an exact key first, then a key naming the same function with the same
 * qualifier, then one naming the function without a qualifier ($LATEST, versions and aliases all run the
 * one local module).
 */
export function resolveHandler(
  lambdaFunctions: Readonly<Record<string, string>>,
  reference: string,
): Handler | undefined {
  const wanted = parseFunctionReference(reference);
  const keys = Object.keys(lambdaFunctions);
  const key =
    keys.find((k) => k === reference) ??
    keys.find((k) => {
      const p = parseFunctionReference(k);
      return p.name === wanted.name && p.qualifier === wanted.qualifier;
    }) ??
    keys.find((k) => {
      const p = parseFunctionReference(k);
      return p.name === wanted.name && p.qualifier === undefined;
    });
  if (key === undefined) return undefined;
  const target = lambdaFunctions[key]!;
  const at = target.lastIndexOf('#');
  return { modulePath: target.slice(0, at), exportName: target.slice(at + 1), functionName: wanted.name };
}

class WorkerSlot {
  readonly worker: Worker;
  private pending: ((reply: WorkerReply | { dead: string }) => void) | undefined;
  dead = false;

  constructor(maxOldGenerationSizeMb: number) {
    this.worker = new Worker(TRANSFORM_WORKER_SOURCE, {
      eval: true,
      resourceLimits: {
        maxOldGenerationSizeMb,
        maxYoungGenerationSizeMb: Math.min(64, maxOldGenerationSizeMb),
      },
    });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (error) => this.die(error.message));
    this.worker.on('exit', (code) => this.die(`the worker exited with code ${code}`));
  }

  private settle(reply: WorkerReply | { dead: string }): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(reply);
  }

  private die(message: string): void {
    this.dead = true;
    this.settle({ dead: message });
  }

  request(message: object): Promise<WorkerReply | { dead: string }> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage(message);
    });
  }
}

export function createLocalTransformInvoker(options: LocalTransformInvokerOptions): LocalTransformInvoker {
  const heapMb = options.maxOldGenerationSizeMb ?? 512;
  const maxIdle = options.maxWorkersPerFunction ?? 5;
  const idle = new Map<string, WorkerSlot[]>();
  const busy = new Set<WorkerSlot>();
  let nextId = 1;

  const release = (modulePath: string, slot: WorkerSlot) => {
    busy.delete(slot);
    const pool = idle.get(modulePath) ?? [];
    if (slot.dead || pool.length >= maxIdle) {
      void slot.worker.terminate();
      return;
    }
    pool.push(slot);
    idle.set(modulePath, pool);
  };

  return {
    async invoke(functionArn, payload, timeoutMs): Promise<InvokeResult> {
      const handler = resolveHandler(options.lambdaFunctions, functionArn);
      if (handler === undefined) {
        return {
          kind: 'invoke-error',
          code: 'Lambda.ResourceNotFound',
          message: `Function not found: ${functionArn}. Map it to a handler in the config's "lambdaFunctions".`,
        };
      }
      const slot = idle.get(handler.modulePath)?.pop() ?? new WorkerSlot(heapMb);
      busy.add(slot);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const reply = await Promise.race([
        slot.request({
          id: nextId++,
          modulePath: handler.modulePath,
          exportName: handler.exportName,
          event: new TextDecoder().decode(payload),
          functionName: handler.functionName,
          functionArn,
          timeoutMs,
          memoryLimitMb: heapMb,
        }),
        timedOut,
      ]);
      clearTimeout(timer);
      if (reply === 'timeout') {
        // The only way to stop a handler stuck in a loop; the next invocation gets a fresh worker.
        slot.dead = true;
        release(handler.modulePath, slot);
        return { kind: 'timeout' };
      }
      release(handler.modulePath, slot);
      if ('dead' in reply) return { kind: 'function-error', message: reply.dead };
      if (!reply.ok) return { kind: 'function-error', message: `${reply.errorType}: ${reply.message}` };
      return { kind: 'ok', payload: new TextEncoder().encode(reply.payload ?? 'null') };
    },

    async close() {
      const all = [...busy, ...[...idle.values()].flat()];
      idle.clear();
      busy.clear();
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}
