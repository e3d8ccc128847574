import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3DeliveryError, S3ObjectStore, toS3DeliveryError } from '../../lib/adapters/aws/s3-object-store.ts';
import { S3FaultProxy } from '../support/s3-fault-proxy.ts';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../support/s3rver.ts';

let s3rver: RunningS3rver;
let store: S3ObjectStore;
let reader: S3Client;

beforeAll(async () => {
  s3rver = await startS3rver({ buckets: ['delivery'] });
  store = new S3ObjectStore({
    endpoint: s3rver.endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  reader = new S3Client({
    endpoint: s3rver.endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  store?.destroy();
  reader?.destroy();
  await s3rver?.stop();
});

async function get(key: string) {
  const out = await reader.send(new GetObjectCommand({ Bucket: 'delivery', Key: key }));
  return {
    body: Buffer.from(await out.Body!.transformToByteArray()),
    contentType: out.ContentType,
    contentEncoding: out.ContentEncoding,
  };
}

async function failure(promise: Promise<unknown>): Promise<S3DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(S3DeliveryError);
  return error as S3DeliveryError;
}

describe('S3ObjectStore against s3rver', () => {
  it('puts the exact bytes with Content-Type and Content-Encoding', async () => {
    const body = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    await store.putObject({
      bucket: 'delivery',
      key: '2026/07/13/14/clicks-1-2026-07-13-14-00-00-0b9c.gz',
      body,
      contentType: 'application/octet-stream',
      contentEncoding: 'gzip',
    });
    const got = await get('2026/07/13/14/clicks-1-2026-07-13-14-00-00-0b9c.gz');
    expect(got.contentType).toBe('application/octet-stream');
    expect(got.contentEncoding).toBe('gzip');
    expect(got.body.equals(Buffer.from(body))).toBe(true);
  });

  it('uploads a large object of many chunks in parts, byte for byte, with its headers', async () => {
    // ~21 MiB in uneven chunks, so parts are cut across chunk boundaries and the last part is short.
    const chunks = Array.from({ length: 700 }, (_, c) =>
      new Uint8Array(31_000 + (c % 7) * 1_000).map((_, i) => (i * 13 + c) % 256),
    );
    await store.putObject({
      bucket: 'delivery',
      key: 'big/object.gz',
      body: chunks,
      contentType: 'application/octet-stream',
      contentEncoding: 'gzip',
    });
    const got = await get('big/object.gz');
    expect(got.body.byteLength).toBeGreaterThan(16 * 1024 * 1024);
    expect(got.body.equals(Buffer.concat(chunks))).toBe(true);
    expect(got.contentEncoding).toBe('gzip');
  });

  it('aborts a multipart upload whose part keeps failing, leaving no object', async () => {
    const proxy = new S3FaultProxy(s3rver.endpoint);
    const viaProxy = new S3ObjectStore({
      endpoint: await proxy.start(),
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      // Every PUT of the key fails: the first part's upload (after the SDK's own 3 attempts) ends the upload.
      proxy.failNext({ method: 'PUT', target: /^delivery\/big\/failing$/, count: 10, status: 503 });
      const chunks = Array.from({ length: 20 }, () => new Uint8Array(1024 * 1024));
      const error = await failure(
        viaProxy.putObject({
          bucket: 'delivery',
          key: 'big/failing',
          body: chunks,
          contentType: 'text/plain',
        }),
      );
      expect(error.transient).toBe(true);
      expect(proxy.requests.some((r) => r.method === 'DELETE' && r.key === 'big/failing')).toBe(true);
      const listed = await reader.send(
        new ListObjectsV2Command({ Bucket: 'delivery', Prefix: 'big/failing' }),
      );
      expect(listed.KeyCount ?? 0).toBe(0);
    } finally {
      viaProxy.destroy();
      await proxy.stop();
    }
  });

  it('omits Content-Encoding when none is given and keeps odd key characters verbatim', async () => {
    const key = 'customer_id=42/a:b c/ü+=&.json';
    await store.putObject({
      bucket: 'delivery',
      key,
      body: Buffer.from('{"a":1}\n'),
      contentType: 'application/json',
    });
    expect(await get(key)).toEqual({
      body: Buffer.from('{"a":1}\n'),
      contentType: 'application/json',
      contentEncoding: undefined,
    });
    const listed = await reader.send(
      new ListObjectsV2Command({ Bucket: 'delivery', Prefix: 'customer_id=42/' }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
  });

  it("asks for SSE-KMS with the destination's key (spec §3.6)", async () => {
    const kms = new S3ObjectStore({
      endpoint: s3rver.endpoint,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    const sent: Array<Record<string, string>> = [];
    kms.client.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    try {
      await kms.putObject({
        bucket: 'delivery',
        key: 'encrypted',
        body: Buffer.from('x'),
        contentType: 'text/plain',
        kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      });
      expect(sent).toHaveLength(1);
      expect(sent[0]!['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(sent[0]!['x-amz-server-side-encryption-aws-kms-key-id']).toBe(
        'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      );
      expect((await get('encrypted')).body.toString()).toBe('x');
    } finally {
      kms.destroy();
    }
  });

  it('maps a missing bucket to S3.NoSuchBucket with the SDK error as cause', async () => {
    const error = await failure(
      store.putObject({
        bucket: 'no-such-bucket',
        key: 'k',
        body: Buffer.from('x'),
        contentType: 'text/plain',
      }),
    );
    expect(error.code).toBe('S3.NoSuchBucket');
    expect(error.transient).toBe(false);
    expect((error.cause as Error).name).toBe('NoSuchBucket');
    expect(error.message).toContain('s3://no-such-bucket/k');
  });

  it('maps rejected credentials to S3.AccessDenied', async () => {
    const stranger = new S3ObjectStore({
      endpoint: s3rver.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'NOT-S3RVER', secretAccessKey: 'nope' },
    });
    try {
      const error = await failure(
        stranger.putObject({
          bucket: 'delivery',
          key: 'k',
          body: Buffer.from('x'),
          contentType: 'text/plain',
        }),
      );
      expect(error.code).toBe('S3.AccessDenied');
      expect(error.transient).toBe(false);
      expect((error.cause as Error).name).toBe('InvalidAccessKeyId');
    } finally {
      stranger.destroy();
    }
  });

  it('maps an unreachable server to the transient InternalError', async () => {
    const other = await startS3rver({ buckets: ['delivery'] });
    const endpoint = other.endpoint;
    await other.stop();
    const offline = new S3ObjectStore({
      endpoint,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const error = await failure(
        offline.putObject({
          bucket: 'delivery',
          key: 'k',
          body: Buffer.from('x'),
          contentType: 'text/plain',
        }),
      );
      expect(error.code).toBe('InternalError');
      expect(error.transient).toBe(true);
      expect(error.message).toContain('ECONNREFUSED');
    } finally {
      offline.destroy();
    }
  });
});

describe('toS3DeliveryError', () => {
  const sdkError = (name: string, status: number) =>
    Object.assign(new Error(`${name} happened`), {
      name,
      $fault: 'client',
      $metadata: { httpStatusCode: status },
    });

  it.each([
    ['NoSuchBucket', 404, 'S3.NoSuchBucket', false],
    ['AccessDenied', 403, 'S3.AccessDenied', false],
    ['AccountProblem', 403, 'S3.AccountProblem', false],
    ['AllAccessDisabled', 403, 'S3.AllAccessDisabled', false],
    ['InvalidPayer', 403, 'S3.InvalidPayer', false],
    ['NotSignedUp', 403, 'S3.NotSignedUp', false],
    ['MethodNotAllowed', 405, 'S3.MethodNotAllowed', false],
    ['KMS.NotFoundException', 400, 'S3.KMS.NotFoundException', false],
    ['KMS.ThrottlingException', 400, 'S3.KMS.RequestLimitExceeded', true],
    ['SlowDown', 503, 'InternalError', true],
    ['InternalError', 500, 'InternalError', true],
  ])('%s (HTTP %i) → %s', (name, status, code, transient) => {
    const error = toS3DeliveryError(sdkError(name, status), 'b', 'k');
    expect([error.code, error.transient]).toEqual([code, transient]);
    expect(error.message).toBe(`PutObject s3://b/k failed (${name}, HTTP ${status}): ${name} happened`);
  });

  it('treats something that is not an Error as InternalError', () => {
    const error = toS3DeliveryError('boom', 'b', 'k');
    expect([error.code, error.transient, error.message]).toEqual([
      'InternalError',
      true,
      'PutObject s3://b/k failed (unknown error): boom',
    ]);
  });
});
