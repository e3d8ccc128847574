/**
 * The code a local function's worker thread runs (lambda-invoker.ts), as source text for
 * `new Worker(source, { eval: true })`. Text rather than a module file because the CLI is bundled by esbuild
 * (bin/sluice.cjs): a worker entry file next to this one would not be in the bundle. It is CommonJS, as eval'd
 * worker code is; handler modules are loaded with `import()`, and TypeScript handlers get tsx registered in this
 * thread only (its URL is resolved by the parent, where node_modules is known to be reachable).
 *
 * Protocol, one call at a time per worker:
 *   parent → worker  { id, deadlineMs, payload: Uint8Array (the event, UTF-8 JSON) }
 *                  | { id, deadlineMs, event: PackedEvent (lambda-invoker.ts; its buffers transferred) }
 *   worker → parent  { id, ok: true, payload: Uint8Array (the response, UTF-8 JSON; its buffer transferred) }
 *                  | { id, ok: true, answer, payloadBytes } (only for an `event`: see answerOf)
 *                  | { id, ok: false, error: { errorType, errorMessage } }
 *
 * The handler always gets a plain object equal to the JSON event's parse, and its answer always reaches the
 * parent as JSON would carry it. For a packed event the worker builds that object itself (base64 from one buffer
 * of record bytes) and answers with a copy instead of JSON: measured 1 MB of records costs the thread ≈ 1.5 ms
 * instead of ≈ 7 ms, and the server's thread no longer parses the answer nor decodes its base64.
 */
export const LAMBDA_WORKER_SOURCE = String.raw`
const { randomUUID } = require('node:crypto');
const { pathToFileURL } = require('node:url');
const { parentPort, workerData } = require('node:worker_threads');

const { modulePath, exportName, functionName, functionArn, memoryLimitInMB, tsxApiUrl } = workerData;
const decoder = new TextDecoder();
const encoder = new TextEncoder();
let handlerPromise;

async function loadHandler() {
  if (/\.(c|m)?tsx?$/.test(modulePath)) {
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

// The event a packed one stands for, with the members in the JSON event's order (spec §5.1), and what was sent:
// the records' bytes, where each ends, and each record's base64 text.
function eventOf(packed) {
  const bytes = Buffer.from(packed.bytes);
  const texts = new Array(packed.recordIds.length);
  const records = new Array(texts.length);
  let start = 0;
  for (let i = 0; i < records.length; i++) {
    const end = packed.ends[i];
    texts[i] = bytes.toString('base64', start, end);
    const record = {
      recordId: packed.recordIds[i],
      approximateArrivalTimestamp: packed.arrivals[i],
      data: texts[i],
    };
    const metadata = packed.metadata?.[i];
    if (metadata !== undefined) record.kinesisRecordMetadata = metadata;
    records[i] = record;
    start = end;
  }
  return { event: Object.assign({}, packed.head, { records }), sent: { bytes, ends: packed.ends, texts } };
}

const NOT_PLAIN = Symbol('not plain');
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

function jsonStringBytes(text) {
  const utf8 = Buffer.byteLength(text);
  if (utf8 === text.length && !NEEDS_ESCAPE.test(text)) return utf8 + 2;
  return Buffer.byteLength(JSON.stringify(text));
}

// What JSON.parse(JSON.stringify(value)) would give, copied, with the size of that JSON added to json.bytes.
// JSON's own rules for undefined, functions, symbols, non-finite numbers and -0 are applied; anything else JSON
// would treat specially (toJSON, class instances, boxed primitives, BigInt, holes, cycles) is NOT_PLAIN, and the
// caller falls back to JSON itself. The string data of an Ok entry of the top-level records array is left for
// decodeOkData, which sizes it: checking a 1 KiB base64 string for characters to escape costs more than
// decoding it.
function plainCopy(value, depth, json, role) {
  switch (typeof value) {
    case 'string':
      json.bytes += jsonStringBytes(value);
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        json.bytes += 4;
        return null;
      }
      json.bytes += String(value).length;
      return value === 0 ? 0 : value;
    case 'boolean':
      json.bytes += value ? 4 : 5;
      return value;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) {
    json.bytes += 4;
    return null;
  }
  if (depth > 100 || typeof value.toJSON === 'function') return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const copy = new Array(value.length);
    json.bytes += 2 + Math.max(0, value.length - 1);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return NOT_PLAIN;
      const item = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        json.bytes += 4;
        copy[i] = null;
        continue;
      }
      if (role === 'records') json.index = i;
      const itemCopy = plainCopy(item, depth + 1, json, role === 'records' ? 'entry' : undefined);
      if (itemCopy === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = itemCopy;
    }
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const copy = {};
  let members = 0;
  let data;
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    if (key === '__proto__') return NOT_PLAIN;
    json.bytes += jsonStringBytes(key) + 1;
    members++;
    if (role === 'entry' && key === 'data' && typeof member === 'string') {
      copy[key] = data = member;
      continue;
    }
    const memberCopy = plainCopy(member, depth + 1, json, depth === 0 && key === 'records' ? 'records' : undefined);
    if (memberCopy === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = memberCopy;
  }
  json.bytes += 2 + Math.max(0, members - 1);
  if (data !== undefined) {
    if (copy.result === 'Ok') json.okEntries.push({ entry: copy, index: json.index });
    else json.bytes += jsonStringBytes(data);
  }
  return copy;
}

// Replaces the data of Ok entries that is standard padded base64 with the bytes it decodes to: the check the server
// would make (transform-response.ts strictBase64), done here so that the server's thread neither parses nor
// decodes. Data returned as it was sent (the same text at the same position, as a filter or a function that only
// adds partition keys returns it) is the sent bytes, with nothing to decode; the rest is decoded into one buffer.
// Sizes the data as JSON would carry it. Returns the buffers the answer's data lie in.
function decodeOkData(json, sent) {
  let capacity = 0;
  const changed = [];
  for (const ok of json.okEntries) {
    const text = ok.entry.data;
    if (text === sent.texts[ok.index]) {
      const start = ok.index === 0 ? 0 : sent.ends[ok.index - 1];
      json.bytes += text.length + 2; // the base64 alphabet needs no escaping
      ok.entry.data = new Uint8Array(sent.bytes.buffer, sent.bytes.byteOffset + start, sent.ends[ok.index] - start);
    } else {
      changed.push(ok.entry);
      capacity += Math.ceil(text.length / 4) * 3;
    }
  }
  if (changed.length === 0) return [sent.bytes.buffer];
  const decoded = Buffer.allocUnsafeSlow(capacity);
  let offset = 0;
  for (const entry of changed) {
    const text = entry.data;
    if (text.length % 4 === 0 && !text.includes('-') && !text.includes('_')) {
      const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
      const length = (text.length / 4) * 3 - padding;
      // Node's decoder skips what it cannot read: the text is strict base64 when nothing was skipped.
      if (decoded.write(text, offset, 'base64') === length) {
        json.bytes += text.length + 2;
        entry.data = new Uint8Array(decoded.buffer, offset, length);
        offset += length;
        continue;
      }
    }
    json.bytes += jsonStringBytes(text);
  }
  return [sent.bytes.buffer, decoded.buffer];
}

// The handler's answer for the parent without JSON: { answer, payloadBytes, transfer }, or undefined when only
// JSON can say what the answer is.
function answerOf(result, sent) {
  const json = { bytes: 0, okEntries: [], index: 0 };
  const answer = plainCopy(result, 0, json, undefined);
  if (answer === NOT_PLAIN) return undefined;
  const transfer = json.okEntries.length > 0 ? decodeOkData(json, sent) : [];
  return { answer, payloadBytes: json.bytes, transfer };
}

parentPort.on('message', async ({ id, payload, event, deadlineMs }) => {
  try {
    handlerPromise ??= loadHandler();
    const handler = await handlerPromise;
    const packed = event === undefined ? undefined : eventOf(event);
    const input = packed === undefined ? JSON.parse(decoder.decode(payload)) : packed.event;
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
        const returned = handler(input, context, callback);
        if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
        else if (handler.length < 3) resolve(returned);
      } catch (error) {
        reject(error);
      }
    });
    const copied = packed === undefined ? undefined : answerOf(result, packed.sent);
    if (copied) {
      const { answer, payloadBytes, transfer } = copied;
      parentPort.postMessage({ id, ok: true, answer, payloadBytes }, transfer);
      return;
    }
    // A fresh buffer of its own, so it can be transferred instead of copied.
    const body = encoder.encode(JSON.stringify(result === undefined ? null : result) ?? 'null');
    parentPort.postMessage({ id, ok: true, payload: body }, [body.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: errorOf(error) });
  }
});
`;
