/**
 * Ports: everything the pure core needs from the outside world. Adapters in lib/adapters implement
 * them; tests pass fakes. The core never reads the clock, random numbers or the network directly.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export interface IdSource {
  /** A random RFC 4122 version-4 UUID, lower case. */
  uuid(): string;
  /** `length` random characters from [0-9a-z] (for `!{firehose:random-string}`). */
  randomString(length: number): string;
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  /**
   * The object's bytes: one buffer, or consecutive chunks an adapter may write without concatenating them
   * (an UNCOMPRESSED object of 128 MiB is ~130,000 records; copying them into one buffer would double memory).
   */
  body: Uint8Array | readonly Uint8Array[];
  contentType: string;
  contentEncoding?: string;
  /** SSE-KMS key for the object (the destination's KMSEncryptionConfig, spec §3.6). */
  kmsKeyArn?: string;
}

/** Where delivered objects go. Must be atomic per object: a reader never sees a partial body. */
export interface ObjectStore {
  putObject(input: PutObjectInput): Promise<void>;
}

/** A metric sample with Firehose's metric names (spec §11). */
export interface Telemetry {
  count(stream: string, metric: string, value: number): void;
  gauge(stream: string, metric: string, value: number): void;
}
