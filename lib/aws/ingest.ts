import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { KinesisPutResult, KinesisRecordWriter } from '../adapters/aws/kinesis-record-writer.ts';
import { bounded, FirehoseApiError, SluiceError } from '../core/errors.ts';
import { type PutRequest, parsePutRecord, parsePutRecordBatch } from '../core/ingest/put-records.ts';
import type { Telemetry } from '../core/ports.ts';
import { packFrames } from './aggregate.ts';

/** Where the ingest Lambda sends a delivery stream's records. */
export interface IngestRoute {
  kinesisStreamName: string;
  /** Whether the stream is encrypted at rest: Firehose's `Encrypted` in put responses (spec §1.2). */
  encrypted: boolean;
}

export interface IngestDeps {
  routes: ReadonlyMap<string, IngestRoute>;
  kinesis: KinesisRecordWriter;
  metrics: Telemetry;
  nowMs(): number;
  /** A random Kinesis partition key: Firehose keeps no order, so aggregates spread over every shard. */
  partitionKey(): string;
  accountId: string;
}

const TARGET_PREFIX = 'Firehose_20150804.';
const JSON_11 = 'application/x-amz-json-1.1';
/** Kinesis's per-record error for throttling; Firehose reports throttled entries this way (spec §1.3). */
const THROTTLED = 'ProvisionedThroughputExceededException';

/** Parses the route table the CDK construct writes into the ingest Lambda's environment. */
export function parseRoutes(json: string | undefined): Map<string, IngestRoute> {
  const raw = JSON.parse(json ?? '{}') as Record<string, [string, 0 | 1]>;
  return new Map(
    Object.entries(raw).map(([name, [kinesisStreamName, encrypted]]) => [
      name,
      { kinesisStreamName, encrypted: encrypted === 1 },
    ]),
  );
}

/**
 * Firehose's data plane (JSON 1.1, `POST /`, `X-Amz-Target`) behind API Gateway: PutRecord and PutRecordBatch,
 * with Firehose's limits (the core parser), RecordIds handed out only after Kinesis accepted the record, and
 * per-record Kinesis failures reported as FailedPutCount entries (DESIGN.md AWS invariant 1).
 */
export async function handleIngest(
  event: APIGatewayProxyEventV2,
  deps: IngestDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const requestId = event.requestContext?.requestId ?? '';
  try {
    if (event.requestContext?.http?.method !== 'POST' || event.rawPath !== '/') {
      throw new FirehoseApiError('UnknownOperationException', 'Only POST / is served (Firehose JSON 1.1).');
    }
    const target = headerOf(event, 'x-amz-target') ?? '';
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    if (operation !== 'PutRecord' && operation !== 'PutRecordBatch') {
      // The control plane is the CDK app: streams are created by deploying, not by CreateDeliveryStream.
      throw new FirehoseApiError(
        'UnknownOperationException',
        `Operation '${bounded(operation, 60)}' is not served by this endpoint; only PutRecord and PutRecordBatch are (streams are managed with the CDK app).`,
      );
    }
    const startedMs = deps.nowMs();
    const input = parseBody(event);
    const request = operation === 'PutRecord' ? parsePutRecord(input) : parsePutRecordBatch(input);
    const route = deps.routes.get(request.deliveryStreamName);
    if (!route) {
      throw new FirehoseApiError(
        'ResourceNotFoundException',
        `Firehose ${bounded(request.deliveryStreamName, 64)} under account ${deps.accountId} not found.`,
      );
    }
    const results = await putToKinesis(request, route, deps, startedMs);
    const body = respond(operation, results, route, request, deps, startedMs);
    return reply(200, body, requestId);
  } catch (error) {
    const apiError = toApiError(error);
    return reply(apiError.httpStatus, { __type: apiError.type, message: apiError.message }, requestId);
  }
}

type EntryResult = { RecordId: string } | { ErrorCode: string; ErrorMessage: string };

async function putToKinesis(
  request: PutRequest,
  route: IngestRoute,
  deps: IngestDeps,
  arrivalMs: number,
): Promise<EntryResult[]> {
  const frames = packFrames({ ...request.records, arrivalMs });
  const results: Array<KinesisPutResult | undefined> = new Array(frames.length);
  let pending = frames.map((_, i) => i);
  // One in-handler retry of the entries Kinesis refused (throttling is usually momentary); what still fails is
  // reported per record, as Firehose does, and the producer resends only those.
  for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
    let answered: KinesisPutResult[];
    try {
      answered = await deps.kinesis.putRecords(
        route.kinesisStreamName,
        pending.map((i) => ({ data: frames[i]!.frame, partitionKey: deps.partitionKey() })),
      );
    } catch (error) {
      if (attempt === 0 || results.every((result) => result === undefined)) throw kinesisCallError(error);
      break;
    }
    pending.forEach((frameIndex, j) => {
      results[frameIndex] = answered[j];
    });
    pending = pending.filter((i) => !results[i]?.ok);
  }

  const entries: EntryResult[] = [];
  frames.forEach((frame, i) => {
    const result = results[i];
    for (let k = 0; k < frame.count; k++) {
      if (result?.ok) {
        entries.push({ RecordId: recordId(result.shardId, result.sequenceNumber, k) });
      } else if (result?.errorCode === THROTTLED) {
        entries.push({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' });
      } else {
        entries.push({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' });
      }
    }
  });
  return entries;
}

/**
 * A RecordId is opaque to producers; this one names the Kinesis record and the position inside its aggregate,
 * which makes it unique per stream and lets an operator find the record in the stream.
 */
export function recordId(shardId: string, sequenceNumber: string, index: number): string {
  const shard = Number.parseInt(shardId.replace(/^shardId-/, ''), 10);
  return `${sequenceNumber}${String(Number.isNaN(shard) ? 0 : shard).padStart(6, '0')}${String(index).padStart(4, '0')}`;
}

function respond(
  operation: 'PutRecord' | 'PutRecordBatch',
  entries: EntryResult[],
  route: IngestRoute,
  request: PutRequest,
  deps: IngestDeps,
  startedMs: number,
): Record<string, unknown> {
  const name = request.deliveryStreamName;
  const ends = request.records.ends;
  let acceptedRecords = 0;
  let acceptedBytes = 0;
  let throttled = 0;
  entries.forEach((entry, i) => {
    if ('RecordId' in entry) {
      acceptedRecords++;
      acceptedBytes += ends[i]! - (i === 0 ? 0 : ends[i - 1]!);
    } else if (entry.ErrorCode === 'ServiceUnavailableException') {
      throttled++;
    }
  });
  const requestBytes = request.records.data.byteLength;
  // Firehose's names (spec §11): Incoming* count what was accepted, <Operation>.* describe the request.
  deps.metrics.count(name, 'IncomingPutRequests', 1);
  deps.metrics.count(name, 'IncomingRecords', acceptedRecords);
  deps.metrics.count(name, 'IncomingBytes', acceptedBytes);
  deps.metrics.count(name, `${operation}.Requests`, 1);
  deps.metrics.count(name, `${operation}.Bytes`, requestBytes);
  deps.metrics.gauge(name, `${operation}.Latency`, deps.nowMs() - startedMs);
  if (throttled > 0) deps.metrics.count(name, 'ThrottledRecords', throttled);

  if (operation === 'PutRecord') {
    const entry = entries[0]!;
    if (!('RecordId' in entry)) {
      throw new FirehoseApiError('ServiceUnavailableException', entry.ErrorMessage);
    }
    return { RecordId: entry.RecordId, Encrypted: route.encrypted };
  }
  deps.metrics.count(name, 'PutRecordBatch.Records', entries.length);
  return {
    FailedPutCount: entries.length - acceptedRecords,
    Encrypted: route.encrypted,
    RequestResponses: entries,
  };
}

function parseBody(event: APIGatewayProxyEventV2): unknown {
  const text = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  try {
    return JSON.parse(text);
  } catch {
    throw new FirehoseApiError('SerializationException', 'The request body is not valid JSON.');
  }
}

function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  // API Gateway HTTP APIs lower-case header names; a test or REST API may not.
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** Kinesis errors of a whole PutRecords call, as the Firehose errors a producer's SDK knows how to handle. */
function kinesisCallError(error: unknown): FirehoseApiError {
  const name = (error as { name?: unknown } | null)?.name;
  const cause = { cause: error };
  if (typeof name === 'string' && /^KMS(AccessDenied|Disabled|InvalidState|NotFound)Exception$/.test(name)) {
    return new FirehoseApiError('InvalidKMSResourceException', `Encryption key problem: ${name}.`, cause);
  }
  if (name === 'ResourceNotFoundException') {
    return new FirehoseApiError(
      'ServiceUnavailableException',
      'The delivery stream is not ready yet.',
      cause,
    );
  }
  // Throttling, limits and server errors: 503 makes every AWS SDK back off and retry.
  return new FirehoseApiError('ServiceUnavailableException', 'Slow down.', cause);
}

function toApiError(error: unknown): FirehoseApiError {
  if (error instanceof FirehoseApiError) return error;
  const code = error instanceof SluiceError ? error.code : 'unexpected';
  // Logged without payloads: only the error's code and message.
  console.error(
    JSON.stringify({ level: 'error', code, message: String((error as Error)?.message ?? error) }),
  );
  return new FirehoseApiError('InternalFailure', 'Internal service failure.', { cause: error });
}

function reply(
  status: number,
  body: Record<string, unknown>,
  requestId: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': JSON_11, 'x-amzn-requestid': requestId },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
