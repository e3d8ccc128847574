/**
 * The code a local function's worker thread runs (lambda-invoker.ts), as source text for
 * `new Worker(source, { eval: true })`. Text rather than a module file because the CLI is bundled by esbuild
 * (bin/sluice.cjs): a worker entry file next to this one would not be in the bundle. It is CommonJS, as eval'd
 * worker code is; handler modules are loaded with `import()`, and TypeScript handlers get tsx registered in this
 * thread only (its URL is resolved by the parent, where node_modules is known to be reachable).
 *
 * Protocol, one call at a time per worker:
 *   parent → worker  { id, payload: Uint8Array (the event, UTF-8 JSON), deadlineMs }
 *   worker → parent  { id, ok: true, payload: Uint8Array (the response, UTF-8 JSON; its buffer transferred) }
 *                  | { id, ok: false, error: { errorType, errorMessage } }
 */
export const LAMBDA_WORKER_SOURCE = `
const { randomUUID } = require('node:crypto');
const { pathToFileURL } = require('node:url');
const { parentPort, workerData } = require('node:worker_threads');

const { modulePath, exportName, functionName, functionArn, memoryLimitInMB, tsxApiUrl } = workerData;
const decoder = new TextDecoder();
const encoder = new TextEncoder();
let handlerPromise;

async function loadHandler() {
  if (/\\.(c|m)?tsx?$/.test(modulePath)) {
    if (!tsxApiUrl) {
      throw Object.assign(new Error('TypeScript handlers need the tsx package'), { name: 'Runtime.ImportModuleError' });
    }
    (await import(tsxApiUrl)).register();
  }
  const module = await import(pathToFileURL(modulePath).href);
  const handler =
    exportName.split('.').reduce((value, key) => (value == null ? undefined : value[key]), module) ??
    (module.default == null ? undefined : module.default[exportName]);
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(modulePath + ' does not export a function named ' + exportName), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

function errorOf(error) {
  if (error instanceof Error) return { errorType: error.name || 'Error', errorMessage: error.message };
  return {
    errorType: 'Error',
    errorMessage: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)),
  };
}

parentPort.on('message', async ({ id, payload, deadlineMs }) => {
  try {
    handlerPromise ??= loadHandler();
    const handler = await handlerPromise;
    const event = JSON.parse(decoder.decode(payload));
    const context = {
      awsRequestId: randomUUID(),
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn,
      memoryLimitInMB: String(memoryLimitInMB),
      logGroupName: '/aws/lambda/' + functionName,
      logStreamName: 'local/' + functionName,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    };
    const result = await new Promise((resolve, reject) => {
      // Lambda's rule: callback-style handlers answer through the callback, async ones through their promise.
      const callback = (error, value) => (error ? reject(error) : resolve(value));
      try {
        const returned = handler(event, context, callback);
        if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
        else if (handler.length < 3) resolve(returned);
      } catch (error) {
        reject(error);
      }
    });
    // A fresh buffer of its own, so it can be transferred instead of copied.
    const body = encoder.encode(JSON.stringify(result === undefined ? null : result) ?? 'null');
    parentPort.postMessage({ id, ok: true, payload: body }, [body.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: errorOf(error) });
  }
});
`;
