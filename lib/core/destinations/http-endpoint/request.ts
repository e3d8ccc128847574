import { Buffer } from 'node:buffer';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { GZIP_LEVEL } from '../../compression/index.ts';
import type { HttpRequest } from '../../ports.ts';
import type { DeliveryRecord } from '../contract.ts';
import type { HttpEndpointSettings } from './config.ts';

const gzipAsync = promisify(gzip);

/** §10.3: the endpoint has 3 minutes to answer. */
export const HTTP_ENDPOINT_TIMEOUT_MS = 3 * 60 * 1000;
/** §10.3: a response body may be at most 1 MiB. */
export const HTTP_ENDPOINT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** §10.2: records per request. */
export const HTTP_ENDPOINT_MAX_RECORDS = 10_000;

export interface HttpEndpointRequestContext {
  /** X-Amz-Firehose-Request-Id and the body's `requestId`: one per batch, the same on every retry (§10.2). */
  requestId: string;
  /** The body's `timestamp`, ms since the epoch. */
  timestampMs: number;
  /** X-Amz-Firehose-Source-Arn: the delivery stream's ARN. */
  sourceArn: string;
}

/** The request body of §10.2 as JSON text; `data` is each record's bytes in base64. */
export function httpEndpointBody(
  records: readonly DeliveryRecord[],
  ctx: HttpEndpointRequestContext,
): string {
  const parts = records.map(
    (r) =>
      `{"data":"${Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64')}"}`,
  );
  return `{"requestId":${JSON.stringify(ctx.requestId)},"timestamp":${ctx.timestampMs},"records":[${parts.join(',')}]}`;
}

/** X-Amz-Firehose-Common-Attributes (§10.2): always sent, `{"commonAttributes":{}}` when none are configured. */
export function commonAttributesHeader(attributes: HttpEndpointSettings['commonAttributes']): string {
  const object: Record<string, string> = {};
  for (const { name, value } of attributes) object[name] = value;
  return JSON.stringify({ commonAttributes: object });
}

/** The POST Firehose sends for a batch (§10.2), gzipped when ContentEncoding is GZIP. */
export async function buildHttpEndpointRequest(
  settings: HttpEndpointSettings,
  records: readonly DeliveryRecord[],
  ctx: HttpEndpointRequestContext,
): Promise<HttpRequest> {
  const json = new Uint8Array(Buffer.from(httpEndpointBody(records, ctx), 'utf8'));
  const headers: Record<string, string> = {
    'X-Amz-Firehose-Protocol-Version': '1.0',
    'X-Amz-Firehose-Request-Id': ctx.requestId,
    'X-Amz-Firehose-Source-Arn': ctx.sourceArn,
    'X-Amz-Firehose-Common-Attributes': commonAttributesHeader(settings.commonAttributes),
    'Content-Type': 'application/json',
  };
  // An unset AccessKey sends no header rather than an empty one, so receivers can tell "none" from "blank".
  if (settings.accessKey !== undefined) headers['X-Amz-Firehose-Access-Key'] = settings.accessKey;
  let body = json;
  if (settings.contentEncoding === 'GZIP') {
    headers['Content-Encoding'] = 'gzip';
    body = new Uint8Array(await gzipAsync(json, { level: GZIP_LEVEL }));
  }
  return {
    url: settings.url,
    method: 'POST',
    headers,
    body,
    timeoutMs: HTTP_ENDPOINT_TIMEOUT_MS,
    maxResponseBytes: HTTP_ENDPOINT_MAX_RESPONSE_BYTES,
  };
}
