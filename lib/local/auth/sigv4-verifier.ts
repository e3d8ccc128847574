import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { bounded, FirehoseApiError, SluiceError } from '../../core/errors.ts';
import { parseAuthorization, SIGV4_ALGORITHM } from './authorization-header.ts';
import { canonicalRequest } from './sigv4-canonical.ts';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface IncomingSignedRequest {
  method: string;
  path: string;
  /** raw query string without '?' */
  query: string;
  /** lower-cased header names; repeated headers joined with ',' as Node does */
  headers: Record<string, string | undefined>;
  body: Uint8Array;
}

export interface SigV4VerifierOptions {
  /** Signing name expected in the credential scope; Firehose's endpointPrefix (spec §1.1). */
  service?: string;
  /** How far X-Amz-Date may be from the server clock, either way. AWS allows 15 minutes. */
  maxSkewMs?: number;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const REGION = /^[a-z0-9-]+$/;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
/** Header values that are credentials themselves and must not be echoed in a mismatch message. */
const REDACTED_HEADERS = new Set(['x-amz-security-token']);

/**
 * Verifies AWS Signature Version 4 on requests to the local Firehose JSON 1.1 endpoint, against a
 * fixed set of access keys. Any region is accepted: a local endpoint has no region of its own, and
 * producers keep whatever region their profile names.
 *
 * Checks run cheapest first and never reveal more than the previous step allowed: header shape,
 * credential scope, key, request time, payload hash, signature. The signature is recomputed over the raw body bytes (never a
 * re-serialisation: botocore's JSON has spaces that JSON.stringify would drop).
 */
export class SigV4Verifier {
  private readonly secrets = new Map<string, string>();
  private readonly service: string;
  private readonly maxSkewMs: number;

  constructor(keys: readonly AccessKey[], options: SigV4VerifierOptions = {}) {
    for (const key of keys) {
      if (key.accessKeyId === '' || key.secretAccessKey === '' || key.accessKeyId.includes('/')) {
        throw new SluiceError(
          'InvalidAccessKey',
          `Access key '${bounded(key.accessKeyId, 40)}' needs a non-empty id without '/' and a non-empty secret.`,
        );
      }
      const existing = this.secrets.get(key.accessKeyId);
      if (existing !== undefined && existing !== key.secretAccessKey) {
        throw new SluiceError(
          'InvalidAccessKey',
          `Access key '${bounded(key.accessKeyId, 40)}' is configured twice with different secrets; keep one.`,
        );
      }
      this.secrets.set(key.accessKeyId, key.secretAccessKey);
    }
    this.service = options.service ?? 'firehose';
    this.maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  }

  verify(request: IncomingSignedRequest, nowMs: number): { accessKeyId: string } {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      throw new FirehoseApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const auth = parseAuthorization(header);

    const amzDate = request.headers['x-amz-date']?.trim();
    if (amzDate === undefined || amzDate === '') {
      // AWS also accepts an RFC 1123 `Date` header; every SDK sends X-Amz-Date, so we require it.
      throw new FirehoseApiError(
        'IncompleteSignatureException',
        `Authorization header requires existence of an 'X-Amz-Date' header. Authorization=${bounded(header, 200)}`,
      );
    }
    const requestTimeMs = parseAmzDate(amzDate);
    if (!auth.signedHeaders.includes('host')) {
      // Without Host in the signature a captured request could be replayed against another endpoint.
      throw new FirehoseApiError(
        'IncompleteSignatureException',
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
      );
    }

    const scope = auth.credential;
    if (scope.terminator !== 'aws4_request') {
      throw invalid(
        `Credential should be scoped with a valid terminator: 'aws4_request', not '${bounded(scope.terminator, 40)}'. `,
      );
    }
    if (scope.service !== this.service) {
      throw invalid(`Credential should be scoped to correct service: '${this.service}'. `);
    }
    if (!REGION.test(scope.region)) {
      throw invalid(`Credential should be scoped to a valid region, not '${bounded(scope.region, 40)}'. `);
    }
    if (scope.date !== amzDate.slice(0, 8)) {
      throw invalid(
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
          `'${bounded(scope.date, 20)}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      );
    }

    const secret = this.secrets.get(scope.accessKeyId);
    if (secret === undefined) {
      throw new FirehoseApiError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }

    this.checkSkew(amzDate, requestTimeMs, nowMs);

    const payloadHashHex = sha256Hex(request.body);
    const declaredHash = request.headers['x-amz-content-sha256']?.trim();
    if (declaredHash !== undefined && declaredHash !== payloadHashHex) {
      // UNSIGNED-PAYLOAD and streaming modes are S3-only; Firehose bodies are always hashed.
      throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    const canonical = canonicalRequest({
      method: request.method,
      path: request.path,
      query: request.query,
      signedHeaders: auth.signedHeaders,
      signedHeaderValues: auth.signedHeaders.map((name) => request.headers[name] ?? ''),
      payloadHashHex,
    });
    const credentialScope = `${scope.date}/${scope.region}/${scope.service}/${scope.terminator}`;
    const stringToSign = [SIGV4_ALGORITHM, amzDate, credentialScope, sha256Hex(canonical)].join('\n');
    const signingKey = deriveSigningKey(secret, scope.date, scope.region, scope.service);
    const expected = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest();

    if (
      !SIGNATURE_HEX.test(auth.signature) ||
      !timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))
    ) {
      throw invalid(
        `${SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'${redact(canonical, auth.signedHeaders)}'` +
          `\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
      );
    }
    return { accessKeyId: scope.accessKeyId };
  }

  private checkSkew(amzDate: string, requestTimeMs: number, nowMs: number): void {
    const window = formatWindow(this.maxSkewMs);
    if (requestTimeMs < nowMs - this.maxSkewMs) {
      throw invalid(
        `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - this.maxSkewMs)} ` +
          `(${formatAmzDate(nowMs)} - ${window}.)`,
      );
    }
    if (requestTimeMs > nowMs + this.maxSkewMs) {
      throw invalid(
        `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + this.maxSkewMs)} ` +
          `(${formatAmzDate(nowMs)} + ${window}.)`,
      );
    }
  }
}

function invalid(message: string): FirehoseApiError {
  return new FirehoseApiError('InvalidSignatureException', message);
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date, 'utf8').digest();
  const kRegion = createHmac('sha256', kDate).update(region, 'utf8').digest();
  const kService = createHmac('sha256', kRegion).update(service, 'utf8').digest();
  return createHmac('sha256', kService).update('aws4_request', 'utf8').digest();
}

function parseAmzDate(amzDate: string): number {
  const m = AMZ_DATE.exec(amzDate);
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
  // Date.UTC rolls 20261340 over into 2027; round-tripping rejects such dates.
  if (Number.isNaN(ms) || formatAmzDate(ms) !== amzDate) {
    throw new FirehoseApiError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${bounded(amzDate, 40)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  return ms;
}

function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function formatWindow(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms} ms`;
}

/** Replaces the values of credential-bearing signed headers in the canonical request we echo. */
function redact(canonical: string, signedHeaders: readonly string[]): string {
  const lines = canonical.split('\n');
  // Header lines start after method, URI and query (index 3) and run for signedHeaders.length lines.
  for (let i = 0; i < signedHeaders.length; i++) {
    const name = signedHeaders[i]!;
    if (REDACTED_HEADERS.has(name)) lines[3 + i] = `${name}:<redacted>`;
  }
  return lines.join('\n');
}
