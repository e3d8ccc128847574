import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SluiceError } from '../core/errors.ts';
import { DEFAULT_ACTIVE_PARTITION_LIMIT } from '../core/partitioning/index.ts';

/**
 * The local runtime's config file: Firehose CreateDeliveryStream inputs, plus runtime settings that have no
 * Firehose equivalent. Later stages add their own sections (e.g. transform handlers).
 */
export interface SluiceConfig {
  /** CreateDeliveryStream inputs, exactly as the Firehose API takes them. */
  deliveryStreams: unknown[];
  region: string;
  accountId: string;
  /** Deliver to an S3-compatible server (or AWS) instead of the embedded store under the data dir. */
  s3?: S3Settings;
  /** Where KinesisStreamAsSource streams read their source stream (spec §12): a Kinesis-compatible server or AWS. */
  kinesis?: KinesisSettings;
  /** With keys, every API request must be SigV4-signed by one of them (required off loopback). */
  accessKeys: Array<{ accessKeyId: string; secretAccessKey: string }>;
  /** Per-stream cap on buffered bytes before puts are throttled ("Slow down."). */
  maxBufferedBytesPerStream: number;
  /** How long a new stream stays CREATING before ACTIVE (Firehose takes seconds; tests use 0). */
  streamActivationDelayMs: number;
  /**
   * Stands in for the AWS Glue Data Catalog of data format conversion: `"<DatabaseName>.<TableName>"` → the
   * table's StorageDescriptor.Columns (`{ "Columns": [{ "Name": "id", "Type": "bigint" }, …] }`).
   */
  glueTables: Record<string, { Columns: Array<{ Name: string; Type: string; Comment?: string }> }>;
  /**
   * Transform Lambdas: a function name or ARN → `"<module path>#<export>"`, the module's path relative to the
   * config file (JS, or TypeScript through tsx).
   */
  lambdaFunctions: Record<string, LambdaFunctionSetting>;
  /**
   * Active partitions a stream with dynamic partitioning may hold (spec §6: 500 by default; AWS raises it up to
   * 5,000 on request).
   */
  activePartitionLimit: number;
  /**
   * HTTP basic auth for self-managed OpenSearch clusters (spec §9): a ClusterEndpoint → its user and password.
   * Clusters not listed are reached without authentication.
   */
  openSearchBasicAuth: Record<string, { username: string; password: string }>;
}

/**
 * A transform function: `"<module path>#<export>"`, or that as `handler` with the function's own timeout (capped
 * at Firehose's 5 minutes, spec §5.3) and memory (the worker's heap).
 */
export type LambdaFunctionSetting =
  | string
  | { handler: string; timeoutSeconds?: number; memorySizeMb?: number };

/** The handler reference of a `lambdaFunctions` entry. */
export const handlerOf = (setting: LambdaFunctionSetting): string =>
  typeof setting === 'string' ? setting : setting.handler;

export interface S3Settings {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface KinesisSettings {
  endpoint?: string;
  /** Defaults to the region in the source stream's ARN. */
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Pause between GetRecords calls of an idle shard; Firehose polls about once a second (spec §12). */
  pollIntervalMs?: number;
}

export const DEFAULT_CONFIG: SluiceConfig = {
  deliveryStreams: [],
  region: 'us-east-1',
  accountId: '000000000000',
  accessKeys: [],
  maxBufferedBytesPerStream: 512 * 1024 * 1024,
  streamActivationDelayMs: 500,
  glueTables: {},
  lambdaFunctions: {},
  activePartitionLimit: DEFAULT_ACTIVE_PARTITION_LIMIT,
  openSearchBasicAuth: {},
};

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_CONFIG).concat('s3', 'kinesis', '$schema', 'description'));

export async function loadConfigFile(path: string): Promise<SluiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SluiceError('ConfigNotFound', `Cannot read config file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SluiceError(
      'ConfigInvalid',
      `Config file ${path} is not valid JSON: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const config = parseConfig(json, path);
  // Handler modules are named relative to the config file, wherever `sluice start` runs.
  for (const [name, setting] of Object.entries(config.lambdaFunctions)) {
    const handler = handlerOf(setting);
    const at = handler.lastIndexOf('#');
    const resolved = `${resolve(dirname(path), handler.slice(0, at))}${handler.slice(at)}`;
    config.lambdaFunctions[name] = typeof setting === 'string' ? resolved : { ...setting, handler: resolved };
  }
  return config;
}

/** Checks the runtime settings; the stream definitions are checked by the same code as CreateDeliveryStream. */
export function parseConfig(json: unknown, source = 'config'): SluiceConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SluiceError('ConfigInvalid', `${source}: the top level must be a JSON object.`);
  }
  const raw = json as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown setting "${key}"`);
  }
  const config: SluiceConfig = { ...DEFAULT_CONFIG, ...(raw as Partial<SluiceConfig>) };
  if (!Array.isArray(config.deliveryStreams)) problems.push('"deliveryStreams" must be an array');
  if (typeof config.region !== 'string' || !/^[a-z0-9-]+$/.test(config.region))
    problems.push('"region" is invalid');
  if (typeof config.accountId !== 'string' || !/^\d{12}$/.test(config.accountId)) {
    problems.push('"accountId" must be 12 digits');
  }
  if (
    !Array.isArray(config.accessKeys) ||
    !config.accessKeys.every(
      (k) => typeof k?.accessKeyId === 'string' && typeof k?.secretAccessKey === 'string',
    )
  ) {
    problems.push('"accessKeys" must be an array of { "accessKeyId", "secretAccessKey" }');
  }
  if (!Number.isInteger(config.maxBufferedBytesPerStream) || config.maxBufferedBytesPerStream < 1) {
    problems.push('"maxBufferedBytesPerStream" must be a positive integer');
  }
  if (!Number.isInteger(config.streamActivationDelayMs) || config.streamActivationDelayMs < 0) {
    problems.push('"streamActivationDelayMs" must be a non-negative integer');
  }
  const limit = config.activePartitionLimit;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 5000)) {
    problems.push('"activePartitionLimit" must be an integer from 1 to 5000');
  }
  if (config.s3 !== undefined && (typeof config.s3 !== 'object' || config.s3 === null)) {
    problems.push('"s3" must be an object');
  }
  if (config.kinesis !== undefined) problems.push(...checkKinesis(config.kinesis));
  problems.push(
    ...checkGlueTables(config.glueTables),
    ...checkLambdaFunctions(config.lambdaFunctions),
    ...checkOpenSearchBasicAuth(config.openSearchBasicAuth),
  );
  if (problems.length > 0) throw new SluiceError('ConfigInvalid', `${source}: ${problems.join('; ')}`);
  return config;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkKinesis(kinesis: unknown): string[] {
  if (!isObject(kinesis)) return ['"kinesis" must be an object'];
  const problems: string[] = [];
  for (const key of Object.keys(kinesis)) {
    if (!['endpoint', 'region', 'credentials', 'pollIntervalMs'].includes(key))
      problems.push(`unknown setting "kinesis.${key}"`);
  }
  if (
    kinesis.endpoint !== undefined &&
    (typeof kinesis.endpoint !== 'string' || !URL.canParse(kinesis.endpoint))
  )
    problems.push('"kinesis.endpoint" must be a URL');
  if (
    kinesis.region !== undefined &&
    (typeof kinesis.region !== 'string' || !/^[a-z0-9-]+$/.test(kinesis.region))
  )
    problems.push('"kinesis.region" is invalid');
  const credentials = kinesis.credentials;
  if (
    credentials !== undefined &&
    !(
      isObject(credentials) &&
      typeof credentials.accessKeyId === 'string' &&
      typeof credentials.secretAccessKey === 'string' &&
      (credentials.sessionToken === undefined || typeof credentials.sessionToken === 'string')
    )
  )
    problems.push('"kinesis.credentials" must be { "accessKeyId", "secretAccessKey", "sessionToken"? }');
  const poll = kinesis.pollIntervalMs;
  if (poll !== undefined && !(Number.isInteger(poll) && (poll as number) >= 10 && (poll as number) <= 60_000))
    problems.push('"kinesis.pollIntervalMs" must be an integer from 10 to 60000');
  return problems;
}

function checkGlueTables(tables: unknown): string[] {
  if (!isObject(tables))
    return ['"glueTables" must be an object of "<DatabaseName>.<TableName>": { "Columns": [...] }'];
  const problems: string[] = [];
  for (const [name, table] of Object.entries(tables)) {
    if (!/^[^.\s]+\.[^.\s]+$/.test(name)) {
      problems.push(`"glueTables": "${name}" must be "<DatabaseName>.<TableName>"`);
    }
    const columns = isObject(table) ? table.Columns : undefined;
    if (
      !Array.isArray(columns) ||
      columns.length === 0 ||
      !columns.every((c) => isObject(c) && typeof c.Name === 'string' && typeof c.Type === 'string')
    ) {
      problems.push(`"glueTables"."${name}".Columns must be a non-empty array of { "Name", "Type" }`);
    }
  }
  return problems;
}

const HANDLER = /^.+#[A-Za-z_$][\w$]*$/;
/** Lambda's own bounds for a function's timeout (seconds) and memory (MB). */
const FUNCTION_TIMEOUT_SECONDS = { min: 1, max: 900 };
const FUNCTION_MEMORY_MB = { min: 128, max: 10_240 };

function checkLambdaFunctions(functions: unknown): string[] {
  if (!isObject(functions))
    return ['"lambdaFunctions" must be an object of "<name or ARN>": "<module>#<export>"'];
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(functions)) {
    const at = `"lambdaFunctions"."${name}"`;
    const shape = `${at} must be "<module path>#<exported function>" or an object with that as "handler" and optional "timeoutSeconds" and "memorySizeMb"`;
    if (typeof setting === 'string') {
      if (!HANDLER.test(setting)) problems.push(shape);
      continue;
    }
    if (!isObject(setting) || typeof setting.handler !== 'string' || !HANDLER.test(setting.handler)) {
      problems.push(shape);
      continue;
    }
    for (const key of Object.keys(setting)) {
      if (!['handler', 'timeoutSeconds', 'memorySizeMb'].includes(key))
        problems.push(`${at}: unknown setting "${key}"`);
    }
    problems.push(
      ...checkInteger(setting.timeoutSeconds, `${at}.timeoutSeconds`, FUNCTION_TIMEOUT_SECONDS),
      ...checkInteger(setting.memorySizeMb, `${at}.memorySizeMb`, FUNCTION_MEMORY_MB),
    );
  }
  return problems;
}

function checkInteger(value: unknown, where: string, bounds: { min: number; max: number }): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max)
    return [`${where} must be an integer from ${bounds.min} to ${bounds.max}`];
  return [];
}

/** The password is never echoed: only the entry's endpoint is named. */
function checkOpenSearchBasicAuth(clusters: unknown): string[] {
  const shape = 'an object of "<ClusterEndpoint>": { "username", "password" }';
  if (!isObject(clusters)) return [`"openSearchBasicAuth" must be ${shape}`];
  const problems: string[] = [];
  for (const [endpoint, auth] of Object.entries(clusters)) {
    if (!/^https?:\/\/[^/\s]+/.test(endpoint))
      problems.push(`"openSearchBasicAuth": "${endpoint.slice(0, 200)}" must be a cluster's http(s) URL`);
    const ok =
      isObject(auth) &&
      typeof auth.username === 'string' &&
      auth.username.length > 0 &&
      typeof auth.password === 'string' &&
      Object.keys(auth).every((key) => key === 'username' || key === 'password');
    if (!ok)
      problems.push(
        `"openSearchBasicAuth"."${endpoint.slice(0, 200)}" must be { "username", "password" } (strings)`,
      );
  }
  return problems;
}
