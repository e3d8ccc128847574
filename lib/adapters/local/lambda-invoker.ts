import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  TransformEvent,
  TransformEventRecord,
  TransformEventResult,
  TransformInvocationResult,
  TransformInvoker,
} from '../../core/ports.ts';
import { LAMBDA_PAYLOAD_LIMIT_BYTES } from '../../core/transform/index.ts';
import { LAMBDA_WORKER_SOURCE } from './lambda-invoker-worker.ts';

/** One local stand-in for a transform Lambda. */
export interface LocalFunction {
  /** `<module path>#<export>` (`./transforms/enrich.mjs#handler`); `.ts`/`.mts` modules are loaded with tsx. */
  readonly handler: string;
  /** The function's memory; caps the worker's JS heap. Default 256. */
  readonly memorySizeMb?: number;
  /**
   * The function's own Timeout. A call ends at this or at the caller's limit (Firehose's 5 minutes, spec §5.3),
   * whichever comes first. Default: the caller's limit.
   */
  readonly timeoutSeconds?: number;
}

export interface LocalLambdaInvokerOptions {
  /**
   * Functions by name (`enrich`) or ARN (`arn:aws:lambda:<region>:<account>:function:enrich[:qualifier]`). A call
   * for an ARN finds its exact entry first, then an entry for the same function name (with the same qualifier when
   * the entry has one), so a config may list a bare name and streams may name the function by any ARN or alias.
   */
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** Relative handler paths are resolved against this directory (the config file's). */
  readonly baseDir: string;
}

export interface LocalLambdaInvoker extends TransformInvoker {
  invokeEvent: NonNullable<TransformInvoker['invokeEvent']>;
  /** Stops every worker; calls still running resolve as function errors. */
  close(): Promise<void>;
}

interface Pending {
  /** The worker running the call: only its own exit may fail the call. */
  readonly worker: Worker;
  resolve(result: TransformEventResult): void;
}

/**
 * Execution environments (worker threads) per function. Firehose keeps up to 5 invocations in flight (spec §2.2) and
 * Lambda runs concurrent calls in separate environments; two use both cores of a small machine, more would only
 * queue for them.
 */
const ENVIRONMENTS_PER_FUNCTION = 2;

/**
 * Runs each transform function in worker threads, each like a warm Lambda container: isolated from the
 * server's event loop and heap, one invocation at a time, reused across calls. A handler that throws gives
 * `function-error`; one that runs past its timeout (an infinite loop included) is terminated and gives `timeout`;
 * one that exhausts its heap (`memorySizeMb`) or kills its thread gives `function-error`. The worker is then
 * replaced on the next call. Workers are unref'd, so a forgotten invoker never keeps the process alive.
 */
export function createLocalLambdaInvoker(options: LocalLambdaInvokerOptions): LocalLambdaInvoker {
  const runners = new Map<string, FunctionRunner[]>();
  const call = (
    functionArn: string,
    payloadBytes: number,
    timeoutMs: number,
    request: () => { message: WorkerRequest; transfer: ArrayBuffer[] },
  ): Promise<TransformEventResult> => {
    const found = lookup(options.functions, functionArn);
    if (!found) {
      return Promise.resolve({
        kind: 'invoke-error',
        errorCode: 'Lambda.ResourceNotFound',
        message: `Function not found: ${functionArn}. Map it to a handler module in the lambdaFunctions setting.`,
      });
    }
    if (payloadBytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
      // What Lambda answers (RequestTooLargeException) before running anything.
      return Promise.resolve({
        kind: 'invoke-error',
        errorCode: 'Lambda.RequestTooLarge',
        message: `The request is ${payloadBytes} bytes; Lambda accepts at most ${LAMBDA_PAYLOAD_LIMIT_BYTES}.`,
      });
    }
    const environments = runners.get(found.key) ?? [];
    runners.set(found.key, environments);
    // The idlest environment; another one starts while every one is busy, as Lambda scales out concurrent calls.
    let runner = environments.reduce<FunctionRunner | undefined>(
      (best, candidate) => (best && best.calls <= candidate.calls ? best : candidate),
      undefined,
    );
    if (!runner || (runner.calls > 0 && environments.length < ENVIRONMENTS_PER_FUNCTION)) {
      runner = new FunctionRunner(found.name, functionArn, found.fn, options.baseDir);
      environments.push(runner);
    }
    const ownMs = found.fn.timeoutSeconds === undefined ? timeoutMs : found.fn.timeoutSeconds * 1000;
    return runner.invoke(request, Math.min(timeoutMs, ownMs));
  };
  return {
    async invoke(functionArn, payload, timeoutMs) {
      const result = await call(functionArn, payload.byteLength, timeoutMs, () => ({
        message: { payload },
        transfer: [],
      }));
      // The worker answers a JSON event with JSON; only a packed event gets an answer as a value.
      if (result.kind === 'answer') throw new Error('The worker answered a JSON event without JSON.');
      return result;
    },
    invokeEvent(functionArn, event, payloadBytes, timeoutMs) {
      return call(functionArn, payloadBytes, timeoutMs, () => packEvent(event));
    },
    async close() {
      await Promise.all([...runners.values()].flat().map((runner) => runner.close()));
      runners.clear();
    },
  };
}

/**
 * A TransformEvent as the worker takes it (lambda-invoker-worker.ts builds the event from it): the records' bytes
 * in one transferred buffer with their end offsets, and the rest in parallel arrays, so that handing 1 MB of
 * records to the worker is one copy, not a clone of a thousand objects.
 */
interface PackedEvent {
  readonly head: Omit<TransformEvent, 'records'>;
  readonly recordIds: string[];
  readonly arrivals: Float64Array;
  readonly ends: Uint32Array;
  readonly bytes: ArrayBuffer;
  /** Present when records carry Kinesis metadata. */
  readonly metadata?: Array<TransformEventRecord['kinesisRecordMetadata']>;
}

type WorkerRequest = { payload: Uint8Array } | { event: PackedEvent };

function packEvent({ records, ...head }: TransformEvent): {
  message: WorkerRequest;
  transfer: ArrayBuffer[];
} {
  let total = 0;
  for (const record of records) total += record.data.byteLength;
  // A buffer of its own (not a slice of Node's pool), so it can be transferred.
  const bytes = Buffer.allocUnsafeSlow(total);
  const recordIds = new Array<string>(records.length);
  const arrivals = new Float64Array(records.length);
  const ends = new Uint32Array(records.length);
  const hasMetadata = records.some((record) => record.kinesisRecordMetadata !== undefined);
  const metadata = hasMetadata ? records.map((record) => record.kinesisRecordMetadata) : undefined;
  // A batch's records usually lie back to back in one buffer: they are copied a stretch at a time.
  let stretch = { source: undefined as ArrayBufferLike | undefined, from: 0, to: 0, at: 0 };
  const copyStretch = () => {
    if (stretch.source)
      bytes.set(new Uint8Array(stretch.source, stretch.from, stretch.to - stretch.from), stretch.at);
  };
  let offset = 0;
  records.forEach(({ data, recordId, approximateArrivalTimestamp }, i) => {
    if (data.buffer === stretch.source && data.byteOffset === stretch.to) {
      stretch.to += data.byteLength;
    } else {
      copyStretch();
      stretch = {
        source: data.buffer,
        from: data.byteOffset,
        to: data.byteOffset + data.byteLength,
        at: offset,
      };
    }
    offset += data.byteLength;
    recordIds[i] = recordId;
    arrivals[i] = approximateArrivalTimestamp;
    ends[i] = offset;
  });
  copyStretch();
  const event: PackedEvent = {
    head,
    recordIds,
    arrivals,
    ends,
    bytes: bytes.buffer,
    ...(metadata ? { metadata } : {}),
  };
  return { message: { event }, transfer: [bytes.buffer, arrivals.buffer, ends.buffer] };
}

/** `name`, or the name and qualifier of a Lambda ARN (partial ARNs `123456789012:function:name` too). */
export function parseFunctionReference(reference: string): { name: string; qualifier?: string } {
  const match = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?function:([^:]+)(?::([^:]+))?$/.exec(reference);
  if (match) return match[2] === undefined ? { name: match[1]! } : { name: match[1]!, qualifier: match[2] };
  const [name, qualifier] = reference.split(':');
  return qualifier === undefined ? { name: name! } : { name: name!, qualifier };
}

function lookup(
  functions: Readonly<Record<string, LocalFunction>>,
  reference: string,
): { key: string; name: string; fn: LocalFunction } | undefined {
  const wanted = parseFunctionReference(reference);
  const exact = functions[reference];
  if (exact) return { key: reference, name: wanted.name, fn: exact };
  for (const [key, fn] of Object.entries(functions)) {
    const entry = parseFunctionReference(key);
    if (entry.name !== wanted.name) continue;
    if (entry.qualifier !== undefined && entry.qualifier !== wanted.qualifier) continue;
    return { key, name: entry.name, fn };
  }
  return undefined;
}

class FunctionRunner {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly modulePath: string;
  private readonly exportName: string;

  constructor(
    private readonly name: string,
    private readonly arn: string,
    private readonly fn: LocalFunction,
    baseDir: string,
  ) {
    const hash = fn.handler.lastIndexOf('#');
    const path = hash < 0 ? fn.handler : fn.handler.slice(0, hash);
    this.exportName = hash < 0 ? 'handler' : fn.handler.slice(hash + 1);
    this.modulePath = isAbsolute(path) ? path : resolve(baseDir, path);
  }

  /** Calls queued or running here. */
  calls = 0;

  /** Calls run one at a time, as in one Lambda execution environment. */
  invoke(
    request: () => { message: WorkerRequest; transfer: ArrayBuffer[] },
    timeoutMs: number,
  ): Promise<TransformEventResult> {
    this.calls++;
    const run = this.queue.then(() => this.run(request(), timeoutMs)).finally(() => this.calls--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(undefined, {
      kind: 'function-error',
      errorType: 'Runtime.Shutdown',
      message: 'The invoker was closed.',
    });
    if (worker) await worker.terminate();
  }

  private run(
    request: { message: WorkerRequest; transfer: ArrayBuffer[] },
    timeoutMs: number,
  ): Promise<TransformEventResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<TransformEventResult>((resolvePromise) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.replace(worker);
        resolvePromise({
          kind: 'timeout',
          message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        });
      }, timeoutMs);
      this.pending.set(id, {
        worker,
        resolve: (result) => {
          clearTimeout(timer);
          resolvePromise(result);
        },
      });
      worker.postMessage({ id, deadlineMs: Date.now() + timeoutMs, ...request.message }, request.transfer);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const memory = this.fn.memorySizeMb ?? 256;
    const worker = new Worker(LAMBDA_WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: this.modulePath,
        exportName: this.exportName,
        functionName: this.name,
        functionArn: this.arn,
        memoryLimitInMB: memory,
        tsxApiUrl: tsxApiUrl(),
      },
      resourceLimits: { maxOldGenerationSizeMb: memory, maxYoungGenerationSizeMb: Math.min(32, memory / 4) },
      // The handler's own execArgv must not inherit the server's (e.g. --inspect).
      execArgv: [],
    });
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (!message.ok)
        pending.resolve({
          kind: 'function-error',
          errorType: message.error.errorType,
          message: message.error.errorMessage,
        });
      else if ('answer' in message)
        pending.resolve({ kind: 'answer', answer: message.answer, payloadBytes: message.payloadBytes });
      else pending.resolve({ kind: 'response', payload: message.payload });
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.failAll(worker, {
        kind: 'function-error',
        errorType: outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
        message: outOfMemory ? `The function ran out of memory (${memory} MB).` : error.message,
      });
      if (this.worker === worker) this.worker = undefined;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      // A worker replaced after a timeout exits while the next call already runs on its successor.
      this.failAll(worker, {
        kind: 'function-error',
        errorType: 'Runtime.ExitError',
        message: `The function exited with code ${code}.`,
      });
    });
    this.worker = worker;
    return worker;
  }

  private replace(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
  }

  /** Fails the calls running on `worker`, or every call when no worker is given. */
  private failAll(worker: Worker | undefined, result: TransformInvocationResult): void {
    for (const [id, pending] of this.pending) {
      if (worker !== undefined && pending.worker !== worker) continue;
      this.pending.delete(id);
      pending.resolve(result);
    }
  }
}

type WorkerMessage =
  | { id: number; ok: true; payload: Uint8Array }
  | { id: number; ok: true; answer: unknown; payloadBytes: number }
  | { id: number; ok: false; error: { errorType: string; errorMessage: string } };

let tsxApi: string | null | undefined;
/**
 * The file URL of tsx's ESM register API, for TypeScript handlers, or null when tsx is not installed. Read from
 * tsx's export map: its CommonJS build of the same API imports a file the package does not ship.
 */
function tsxApiUrl(): string | null {
  if (tsxApi === undefined) {
    try {
      const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        exports: { './esm/api': { import: { default: string } } };
      };
      tsxApi = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
    } catch {
      tsxApi = null;
    }
  }
  return tsxApi;
}
