import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { bounded, SluiceError } from '../../core/errors.ts';
import type { ObjectStore, PutObjectInput } from '../../core/ports.ts';

export interface S3ObjectStoreOptions {
  region: string;
  /** An S3-compatible server (MinIO, s3rver, …); AWS's own endpoint when absent. */
  endpoint?: string;
  /** Static credentials; the SDK's default provider chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style addressing (`http://host/bucket/key`). Default: true when `endpoint` is set, which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Attempts per put inside the SDK before the error reaches the delivery retry loop. Default 3. */
  maxAttempts?: number;
  /** Abandon a put that has not completed in this time, so a hung server cannot stall delivery forever. Default 60 s. */
  requestTimeoutMs?: number;
}

/**
 * Why a put failed, as a Firehose S3 error code (spec §3.7). Firehose retries every one of them for
 * up to 24 h; `transient` tells an operator whether waiting can help (network, throttling, server
 * errors) or whether the bucket, its policy or the credentials must be fixed first.
 */
export class S3DeliveryError extends SluiceError {
  constructor(
    code: string,
    message: string,
    readonly transient: boolean,
    options: { cause: unknown },
  ) {
    super(code, message, options);
  }
}

/** S3 error names (as the SDK reports them) → the code Firehose logs for them (spec §3.7). */
const FIREHOSE_CODE: Record<string, string> = {
  NoSuchBucket: 'S3.NoSuchBucket',
  AccessDenied: 'S3.AccessDenied',
  AccountProblem: 'S3.AccountProblem',
  AllAccessDisabled: 'S3.AllAccessDisabled',
  InvalidPayer: 'S3.InvalidPayer',
  NotSignedUp: 'S3.NotSignedUp',
  MethodNotAllowed: 'S3.MethodNotAllowed',
  'KMS.NotFoundException': 'S3.KMS.NotFoundException',
  'KMS.ThrottlingException': 'S3.KMS.RequestLimitExceeded',
  'KMS.RequestLimitExceeded': 'S3.KMS.RequestLimitExceeded',
  // Firehose assumes its own IAM role and never sees these; for a self-hosted pipeline they are the
  // usual form of "not allowed", and the fix is the same as for AccessDenied.
  InvalidAccessKeyId: 'S3.AccessDenied',
  SignatureDoesNotMatch: 'S3.AccessDenied',
  ExpiredToken: 'S3.AccessDenied',
  InvalidToken: 'S3.AccessDenied',
};

/** Bodies larger than this, in several chunks, are uploaded in parts (S3's minimum part is 5 MiB). */
const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;

/** Where and how an object is stored, common to PutObject and CreateMultipartUpload. */
function objectSettings(input: PutObjectInput): Omit<PutObjectCommandInput, 'Body' | 'ContentLength'> {
  const settings: Omit<PutObjectCommandInput, 'Body' | 'ContentLength'> = {
    Bucket: input.bucket,
    Key: input.key,
    ContentType: input.contentType,
  };
  if (input.contentEncoding) settings.ContentEncoding = input.contentEncoding;
  // The destination's KMSEncryptionConfig (spec §3.6): objects are written with SSE-KMS and that key.
  if (input.kmsKeyArn) {
    settings.ServerSideEncryption = 'aws:kms';
    settings.SSEKMSKeyId = input.kmsKeyArn;
  }
  return settings;
}

/**
 * The chunks joined into parts of `partBytes` (the last one shorter). The parts share one buffer: the caller
 * uploads each before asking for the next.
 */
function* partsOf(chunks: readonly Uint8Array[], partBytes: number): Generator<Uint8Array> {
  const part = Buffer.allocUnsafe(partBytes);
  let filled = 0;
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.byteLength; ) {
      const take = Math.min(partBytes - filled, chunk.byteLength - at);
      part.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === partBytes) {
        yield part;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield part.subarray(0, filled);
}

/** Delivers objects to S3 or any S3-compatible server with the AWS SDK. */
export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;

  constructor(options: S3ObjectStoreOptions) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 60_000, connectionTimeout: 5_000 },
      // The SDK's default adds CRC32 trailers with aws-chunked framing; S3-compatible servers that do
      // not understand it (s3rver among them) would store the framing as part of the object.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async putObject(input: PutObjectInput): Promise<void> {
    const chunks = input.body instanceof Uint8Array ? [input.body] : input.body;
    const size = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    try {
      if (chunks.length > 1 && size > MULTIPART_THRESHOLD_BYTES) await this.putInParts(input, chunks);
      else {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        await this.client.send(
          new PutObjectCommand({ ...objectSettings(input), Body: body, ContentLength: body.byteLength }),
        );
      }
    } catch (error) {
      throw toS3DeliveryError(error, input.bucket, input.key);
    }
  }

  /**
   * A large object made of many chunks (a 128 MiB buffer is ~130,000 records) goes up as a multipart upload of
   * PART_BYTES parts, so only one part is ever copied together rather than the whole object. The object appears
   * only when the upload completes, as atomic as a PutObject; a failed upload is aborted.
   */
  private async putInParts(input: PutObjectInput, chunks: readonly Uint8Array[]): Promise<void> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(objectSettings(input)));
    const target = { Bucket: input.bucket, Key: input.key, UploadId };
    try {
      const parts: Array<{ ETag: string | undefined; PartNumber: number }> = [];
      for (const part of partsOf(chunks, PART_BYTES)) {
        const PartNumber = parts.length + 1;
        const { ETag } = await this.client.send(
          new UploadPartCommand({ ...target, PartNumber, Body: part, ContentLength: part.byteLength }),
        );
        parts.push({ ETag, PartNumber });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand(target)).catch(() => undefined);
      throw error;
    }
  }

  /** The object, or `undefined` if there is none (reading error outputs back for `sluice replay`). */
  async getObject(
    bucket: string,
    key: string,
  ): Promise<{ body: Uint8Array; contentEncoding?: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = (await out.Body?.transformToByteArray()) ?? new Uint8Array(0);
      return { body, ...(out.ContentEncoding ? { contentEncoding: out.ContentEncoding } : {}) };
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** Every key in the bucket starting with `prefix`, following continuation tokens. */
  async listObjects(bucket: string, prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** Maps any failure of a put (S3 error response, network error, timeout) to Firehose's S3 error codes. */
export function toS3DeliveryError(error: unknown, bucket: string, key: string): S3DeliveryError {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const code = (name && FIREHOSE_CODE[name]) ?? 'InternalError';
  const detail = error instanceof Error ? error.message : String(error);
  const transient = code === 'InternalError' || code === 'S3.KMS.RequestLimitExceeded';
  const what = [name, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  return new S3DeliveryError(
    code,
    `PutObject s3://${bounded(bucket)}/${bounded(key, 200)} failed (${what || 'unknown error'}): ${bounded(detail, 300)}`,
    transient,
    { cause: error },
  );
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { Code, name, code } = error as { Code?: unknown; name?: unknown; code?: unknown };
  // Modelled S3 errors carry the S3 code as `name`; unmodelled ones also as `Code`; Node network errors as `code`.
  for (const candidate of [Code, name, code]) {
    if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== 'UnknownError')
      return candidate;
  }
  return undefined;
}
