// The thread a local transform function runs in (lambda-invoker.ts). Plain JavaScript so it starts without a
// TypeScript loader; TypeScript handlers get tsx registered in this thread only.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { modulePath, exportName, functionName, functionArn, memoryLimitInMB } = workerData;
let handlerPromise;

async function loadHandler() {
  if (/\.(c|m)?tsx?$/.test(modulePath)) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const module = await import(pathToFileURL(modulePath).href);
  const handler =
    exportName.split('.').reduce((value, key) => value?.[key], module) ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${modulePath} does not export a function named ${exportName}`), {
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
    const event = JSON.parse(Buffer.from(payload).toString('utf8'));
    const context = {
      awsRequestId: randomUUID(),
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn,
      memoryLimitInMB: String(memoryLimitInMB),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/${functionName}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    };
    const result = await new Promise((resolve, reject) => {
      // Callback-style handlers answer through the callback; async ones through the returned promise.
      const callback = (error, value) => (error ? reject(error) : resolve(value));
      try {
        const returned = handler(event, context, callback);
        if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
        else if (handler.length < 3) resolve(returned);
      } catch (error) {
        reject(error);
      }
    });
    const body = Buffer.from(JSON.stringify(result === undefined ? null : result) ?? 'null', 'utf8');
    parentPort.postMessage({ id, ok: true, payload: body });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: errorOf(error) });
  }
});
