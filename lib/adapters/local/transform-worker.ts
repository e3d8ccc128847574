/**
 * The code a transform worker thread runs, as source text for `new Worker(source, { eval: true })`. A string
 * rather than a module file because the CLI is bundled by esbuild (bin/sluice.cjs): a worker entry file would
 * not be in the bundle, and under tsx or vitest a `.ts` worker file would need a loader in the worker too.
 *
 * Protocol, one invocation at a time per worker:
 *   parent → worker  { id, modulePath, exportName, event (JSON text), functionName, functionArn, timeoutMs }
 *   worker → parent  { id, ok: true, payload (JSON text) } | { id, ok: false, message, errorType }
 * Handlers may be async (return a promise) or callback-style (event, context, callback), as on Lambda.
 * Modules are imported once per worker and cached; handlers are JavaScript (.mjs/.js/.cjs) only.
 */
export const TRANSFORM_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { randomUUID } = require('node:crypto');
const modules = new Map();

function load(modulePath) {
  let loading = modules.get(modulePath);
  if (!loading) {
    loading = import(pathToFileURL(modulePath).href);
    modules.set(modulePath, loading);
  }
  return loading;
}

function call(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) reject(error);
      else resolve(result);
    };
    context.done = done;
    context.succeed = (result) => done(null, result);
    context.fail = (error) => done(error ?? new Error('context.fail'));
    try {
      const returned = handler(event, context, done);
      // Lambda's rule: a handler of fewer than three parameters, or one that returns a promise, is async.
      if (returned && typeof returned.then === 'function') returned.then((r) => done(null, r), (e) => done(e ?? new Error('rejected')));
      else if (handler.length < 3) done(null, returned);
    } catch (error) {
      done(error);
    }
  });
}

parentPort.on('message', async (request) => {
  const { id, modulePath, exportName, event, functionName, functionArn, timeoutMs } = request;
  const deadline = Date.now() + timeoutMs;
  try {
    const mod = await load(modulePath);
    const handler = mod[exportName] ?? (mod.default && mod.default[exportName]);
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(modulePath + ' does not export a function ' + exportName), { name: 'Runtime.HandlerNotFound' });
    }
    const context = {
      awsRequestId: randomUUID(),
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn,
      memoryLimitInMB: String(request.memoryLimitMb),
      logGroupName: '/aws/lambda/' + functionName,
      logStreamName: 'sluice-local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const result = await call(handler, JSON.parse(event), context);
    const payload = result === undefined ? 'null' : JSON.stringify(result);
    parentPort.postMessage({ id, ok: true, payload: payload === undefined ? 'null' : payload });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const errorType = error instanceof Error ? error.name : typeof error;
    parentPort.postMessage({ id, ok: false, message, errorType });
  }
});
`;
