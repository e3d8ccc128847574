import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AccessKey, IncomingSignedRequest } from '../../../lib/local/auth/sigv4-verifier.ts';

/** Test-only: signs with the AWS SDK's own signer, independent of the verifier under test. */

export const KEY: AccessKey = {
  accessKeyId: 'AKIASLUICETEST000001',
  secretAccessKey: 'sluice/test+Secret0000000000000000000001',
};
export const OTHER_KEY: AccessKey = {
  accessKeyId: 'AKIASLUICETEST000002',
  secretAccessKey: 'sluice/test+Secret0000000000000000000002',
};
/** 2026-11-22T10:20:30Z */
export const SIGNED_AT_MS = Date.UTC(2026, 10, 22, 10, 20, 30);

export interface SignOptions {
  key?: AccessKey;
  region?: string;
  service?: string;
  body?: string | Uint8Array;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  /** Omit the Host header before signing (so it is not signed), then add it back on "arrival". */
  unsignedHost?: boolean;
  signedAtMs?: number;
}

const HOST = '127.0.0.1:4573';

export async function smithySigned(options: SignOptions = {}): Promise<IncomingSignedRequest> {
  const key = options.key ?? KEY;
  const body =
    typeof options.body === 'string'
      ? new TextEncoder().encode(options.body)
      : (options.body ?? defaultBody());
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'Firehose_20150804.PutRecordBatch',
    'content-length': String(body.byteLength),
    ...options.headers,
  };
  if (!options.unsignedHost) headers.host = HOST;
  const signer = new SignatureV4({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: options.region ?? 'eu-west-1',
    service: options.service ?? 'firehose',
    sha256: Sha256,
    // SDK clients for services other than S3 do not send x-amz-content-sha256; neither do we by default.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4573,
      path: options.path ?? '/',
      query: options.query ?? {},
      headers,
      body,
    }),
    { signingDate: new Date(options.signedAtMs ?? SIGNED_AT_MS) },
  );
  const arrived: Record<string, string> = { host: HOST };
  for (const [name, value] of Object.entries(signed.headers)) arrived[name.toLowerCase()] = value;
  return {
    method: 'POST',
    path: options.path ?? '/',
    query: wireQuery(options.query ?? {}),
    headers: arrived,
    body,
  };
}

/** Wire form as a browser-ish client would write it: encodeURIComponent leaves !'()* bare. */
function wireQuery(query: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const value of Array.isArray(v) ? v : [v]) {
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
    }
  }
  return parts.reverse().join('&');
}

function defaultBody(): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ DeliveryStreamName: 'clicks', Records: [{ Data: 'aGVsbG8=' }, { Data: 'd29ybGQ=' }] }),
  );
}

/** Replaces one `Name=value` parameter in an Authorization header. */
export function withAuthParam(
  request: IncomingSignedRequest,
  name: string,
  value: string,
): IncomingSignedRequest {
  const auth = request.headers.authorization!;
  const replaced = auth.replace(new RegExp(`${name}=[^,]*`), `${name}=${value}`);
  return { ...request, headers: { ...request.headers, authorization: replaced } };
}
