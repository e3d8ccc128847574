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

// ── Destination ports (HTTP endpoint §10, OpenSearch §9, Redshift §8) ────────────────────────────────────────

export interface HttpRequest {
  url: string;
  method: 'POST';
  /** Header names as Firehose spells them; the transport adds Content-Length. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** Give up waiting for the response after this long (§10.3: 3 minutes). */
  timeoutMs: number;
  /** Read at most this many response body bytes; a longer body is `ResponseTooLarge` (§10.3: 1 MiB). */
  maxResponseBytes: number;
}

/** Why no usable response came back; the names are Firehose's `HttpEndpoint.*` codes (§10.4). */
export type HttpTransportFailure =
  | 'RequestTimeout'
  | 'ConnectionFailed'
  | 'ConnectionReset'
  | 'ResponseTooLarge';

export type HttpExchange =
  | {
      kind: 'response';
      status: number;
      /** Lower-cased header names. */
      headers: Readonly<Record<string, string>>;
      body: Uint8Array;
    }
  | { kind: 'failure'; failure: HttpTransportFailure; message: string };

/** Sends one request; resolves with a value for every network outcome and never follows redirects (§10.3). */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpExchange>;
}

export type BulkExchange =
  /** Any HTTP response: `body` is the parsed JSON, or undefined when it was not JSON. */
  | { kind: 'response'; status: number; body: unknown }
  | { kind: 'failure'; failure: 'ConnectionFailed' | 'RequestTimeout' | 'ConnectionReset'; message: string };

/** An OpenSearch/Elasticsearch `_bulk` endpoint. */
export interface BulkIndexClient {
  /** POSTs an NDJSON body to `_bulk`; resolves with a value for every HTTP status and network failure. */
  bulk(ndjson: string): Promise<BulkExchange>;
}

/** One Redshift COPY of a manifest's objects (§8). */
export interface CopyRequest {
  /** The statement exactly as Firehose builds it (what the Redshift Data API runs). */
  statement: string;
  /** The pieces of the statement, for loaders that cannot run Redshift's COPY dialect themselves. */
  table: string;
  columns: readonly string[] | undefined;
  /** CopyOptions as the statement carries them (GZIP added when the objects are compressed). */
  copyOptions: string;
  manifest: { bucket: string; key: string; url: string };
}

export type SqlOutcome =
  | { ok: true }
  | {
      ok: false;
      /** `connection`: the database was not reached or the session broke; `statement`: the database refused it. */
      kind: 'connection' | 'statement';
      /** SQLSTATE when the database gave one (PostgreSQL does; the Redshift Data API does not). */
      sqlState?: string;
      message: string;
    };

/** Runs COPY statements against a Redshift (or Redshift-like) database. */
export interface SqlClient {
  copy(request: CopyRequest): Promise<SqlOutcome>;
  close(): Promise<void>;
}

// ── Record processing ports (spec §5 Lambda transform, §6 MetadataExtraction) ────────────────────────────────

/** One jq program applied to many inputs; compiled (and syntax-checked) once by `JqEngine.compile`. */
export interface JqProgram {
  /**
   * Runs the program on each JSON text in `inputs` (one document each) and returns, per input and in order, the
   * program's outputs as parsed JSON values, or the jq error message. A runtime error of one input fails only that
   * input; the promise rejects only when the engine itself fails.
   */
  runEach(
    inputs: readonly string[],
  ): Promise<Array<{ ok: true; outputs: unknown[] } | { ok: false; error: string }>>;
}

/** A jq implementation (JQ-1.6 semantics for MetadataExtraction, spec §6). */
export interface JqEngine {
  /** Compiles `filter`; rejects with the jq compile error when the filter is not a valid jq program. */
  compile(filter: string): Promise<JqProgram>;
}

/** What came back from one synchronous (RequestResponse) invocation of a transform function (spec §5). */
export type TransformInvocationResult =
  /** The function returned; `payload` is its response body, not yet validated. */
  | { kind: 'response'; payload: Uint8Array }
  /** The function ran and threw / reported an error (Lambda's `FunctionError`; spec §5.3 `Lambda.FunctionError`). */
  | { kind: 'function-error'; errorType: string; message: string }
  /** The function did not answer within its timeout. */
  | { kind: 'timeout'; message: string }
  /**
   * The function could not be invoked; `errorCode` is Firehose's `Lambda.*` name (§5.3: `Lambda.ResourceNotFound`,
   * `Lambda.InvokeAccessDenied`, `Lambda.RequestTooLarge`, `Lambda.InvokeLimitExceeded`, …).
   */
  | { kind: 'invoke-error'; errorCode: string; message: string };

/** A transform event (spec §5.1) as values, for invokers that can hand it to the function without its JSON. */
export interface TransformEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  /** Only for a KinesisStreamAsSource stream. */
  readonly sourceKinesisStreamArn?: string;
  readonly region: string;
  readonly records: readonly TransformEventRecord[];
}

/** One record of a TransformEvent. The function sees `data` base64-encoded, as in the event's JSON. */
export interface TransformEventRecord {
  readonly recordId: string;
  readonly approximateArrivalTimestamp: number;
  readonly data: Uint8Array;
  /** Exactly the object the event's JSON carries (no undefined members); absent for Direct PUT records. */
  readonly kinesisRecordMetadata?: Readonly<Record<string, string | number>>;
}

/**
 * What `invokeEvent` resolves with: the outcomes of `invoke`, or the function's answer as a value.
 * `answer` is what JSON.parse would make of the response body, and `payloadBytes` that body's exact size, so
 * Lambda's 6 MB response limit applies as if the JSON had been written. One liberty: the `data` of an entry whose
 * `result` is "Ok" may arrive as the bytes it decodes to (a Uint8Array), when the invoker has already checked that
 * the string is standard padded base64; any other `data` stays as the function returned it.
 */
export type TransformEventResult =
  | TransformInvocationResult
  | { kind: 'answer'; answer: unknown; payloadBytes: number };

/** Invokes transform functions; resolves with a value for every outcome and never rejects for the function's faults. */
export interface TransformInvoker {
  invoke(functionArn: string, payload: Uint8Array, timeoutMs: number): Promise<TransformInvocationResult>;
  /**
   * Optional: the same call for an invoker that can skip JSON on the way in and out (the local worker threads,
   * where writing and parsing the JSON cost several times what a no-op function does). The function sees exactly
   * the event `invoke` would send; `payloadBytes` is the size of that event's JSON (Lambda's request limit).
   */
  invokeEvent?(
    functionArn: string,
    event: TransformEvent,
    payloadBytes: number,
    timeoutMs: number,
  ): Promise<TransformEventResult>;
}
