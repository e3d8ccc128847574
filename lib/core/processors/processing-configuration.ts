import { Buffer } from 'node:buffer';
import { bounded } from '../errors.ts';
import { JQ_16 } from './metadata-extraction.ts';
import type { RecordDeAggregationConfig } from './record-deaggregation.ts';

/** `ProcessingConfiguration` as the API takes it (spec §6, botocore `ProcessingConfiguration`). */
export interface RawProcessingConfiguration {
  Enabled?: boolean;
  Processors?: Array<{
    Type?: string;
    Parameters?: Array<{ ParameterName?: string; ParameterValue?: string }>;
  }>;
}

/** A processor with its parameters checked and defaulted. */
export type ResolvedProcessor =
  | { readonly type: 'RecordDeAggregation'; readonly config: RecordDeAggregationConfig }
  | { readonly type: 'Decompression'; readonly compressionFormat: 'GZIP' }
  | { readonly type: 'CloudWatchLogProcessing'; readonly dataMessageExtraction: true }
  | {
      readonly type: 'Lambda';
      readonly lambdaArn: string;
      readonly roleArn?: string;
      readonly numberOfRetries: number;
      readonly bufferSizeInMBs: number;
      readonly bufferIntervalInSeconds: number;
    }
  | { readonly type: 'MetadataExtraction'; readonly query: string; readonly jsonParsingEngine: typeof JQ_16 }
  | { readonly type: 'AppendDelimiterToRecord' };

export type ProcessorType = ResolvedProcessor['type'];

/**
 * The order Sluice runs processors in, whatever order the configuration lists them (spec §6: KPL de-aggregation
 * → JSON/delimiter de-aggregation → Lambda → partitioning; DESIGN.md puts decompression first, as CloudWatch Logs
 * payloads must be unpacked before anything can read them, and the delimiter last). KPL de-aggregation is not a
 * configurable processor: it runs first for every KinesisStreamAsSource stream.
 */
export const PROCESSOR_ORDER: readonly ProcessorType[] = [
  'Decompression',
  'CloudWatchLogProcessing',
  'RecordDeAggregation',
  'Lambda',
  'MetadataExtraction',
  'AppendDelimiterToRecord',
];

const PARAMETERS: Record<ProcessorType, { required: readonly string[]; optional: readonly string[] }> = {
  RecordDeAggregation: { required: ['SubRecordType'], optional: ['Delimiter'] },
  Decompression: { required: ['CompressionFormat'], optional: [] },
  CloudWatchLogProcessing: { required: ['DataMessageExtraction'], optional: [] },
  Lambda: {
    required: ['LambdaArn'],
    optional: ['NumberOfRetries', 'RoleArn', 'BufferSizeInMBs', 'BufferIntervalInSeconds'],
  },
  MetadataExtraction: { required: ['MetadataExtractionQuery', 'JsonParsingEngine'], optional: [] },
  AppendDelimiterToRecord: { required: [], optional: [] },
};

/** Lambda buffering ranges and defaults (spec §2.2). */
export const LAMBDA_BUFFER_SIZE_MB = {
  min: 0.2,
  max: 3,
  default: 1,
  splunkOrSnowflakeDefault: 0.25,
} as const;
export const LAMBDA_BUFFER_INTERVAL_SECONDS = {
  min: 0,
  max: 900,
  default: 60,
  snowflakeDefault: 30,
} as const;
export const DEFAULT_NUMBER_OF_RETRIES = 3;
/** ParameterValue: 1–5120 characters, not blank (spec §2.2). */
const MAX_PARAMETER_VALUE_LENGTH = 5120;

export interface ProcessingOptions {
  /** Splunk and Snowflake have smaller Lambda defaults (spec §2.2). */
  readonly destination?: 'ExtendedS3' | 'Redshift' | 'OpenSearch' | 'HttpEndpoint' | 'Splunk' | 'Snowflake';
}

/**
 * Checks and resolves a ProcessingConfiguration: every problem as a Firehose-style InvalidArgumentException
 * message (all of them, not the first), and the processors in PROCESSOR_ORDER with defaults applied. Types,
 * parameter names and enum values are case-sensitive, as on Firehose. `Enabled: false` (or absent) resolves to
 * no processors, but the listed processors are still checked, as the model validates them regardless.
 */
export function resolveProcessingConfiguration(
  raw: RawProcessingConfiguration | undefined,
  options: ProcessingOptions = {},
): { processors: ResolvedProcessor[]; problems: string[] } {
  const problems: string[] = [];
  const resolved: ResolvedProcessor[] = [];
  const seen = new Set<string>();
  for (const [index, processor] of (raw?.Processors ?? []).entries()) {
    const at = `Processors[${index}]`;
    const type = processor.Type;
    if (type === undefined || !(type in PARAMETERS)) {
      problems.push(
        `${at}.Type ${bounded(type)} is not a valid processor type; use one of ${Object.keys(PARAMETERS).join(', ')}.`,
      );
      continue;
    }
    if (seen.has(type)) problems.push(`${at}: only one ${type} processor is allowed.`);
    seen.add(type);
    const params = parametersOf(type as ProcessorType, at, processor.Parameters ?? [], problems);
    if (!params) continue;
    const one = resolveOne(type as ProcessorType, at, params, options, problems);
    if (one) resolved.push(one);
  }
  if (seen.has('CloudWatchLogProcessing') && !seen.has('Decompression')) {
    problems.push('CloudWatchLogProcessing processor requires a Decompression processor.');
  }
  resolved.sort((a, b) => PROCESSOR_ORDER.indexOf(a.type) - PROCESSOR_ORDER.indexOf(b.type));
  return { processors: raw?.Enabled === true ? resolved : [], problems };
}

function parametersOf(
  type: ProcessorType,
  at: string,
  parameters: ReadonlyArray<{ ParameterName?: string; ParameterValue?: string }>,
  problems: string[],
): Map<string, string> | undefined {
  const allowed = PARAMETERS[type];
  const values = new Map<string, string>();
  let ok = true;
  for (const { ParameterName: name, ParameterValue: value } of parameters) {
    if (name === undefined || (!allowed.required.includes(name) && !allowed.optional.includes(name))) {
      const names = [...allowed.required, ...allowed.optional];
      problems.push(
        `${at}: parameter ${bounded(name)} is not valid for processor ${type}` +
          (names.length ? `; valid parameters are ${names.join(', ')}.` : '; it takes no parameters.'),
      );
      ok = false;
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_PARAMETER_VALUE_LENGTH) {
      problems.push(
        `${at}: ParameterValue of ${name} must be 1 to ${MAX_PARAMETER_VALUE_LENGTH} characters, not blank.`,
      );
      ok = false;
      continue;
    }
    if (values.has(name)) {
      problems.push(`${at}: parameter ${name} is given more than once.`);
      ok = false;
    }
    values.set(name, value);
  }
  for (const name of allowed.required) {
    if (!values.has(name) && !problems.some((p) => p.startsWith(`${at}: ParameterValue of ${name}`))) {
      problems.push(`${at}: processor ${type} requires parameter ${name}.`);
      ok = false;
    }
  }
  return ok ? values : undefined;
}

function resolveOne(
  type: ProcessorType,
  at: string,
  params: Map<string, string>,
  options: ProcessingOptions,
  problems: string[],
): ResolvedProcessor | undefined {
  switch (type) {
    case 'AppendDelimiterToRecord':
      return { type };
    case 'Decompression': {
      const format = params.get('CompressionFormat');
      if (format !== 'GZIP') {
        problems.push(
          `${at}: CompressionFormat ${bounded(format)} is not supported; the only value is GZIP.`,
        );
        return undefined;
      }
      return { type, compressionFormat: 'GZIP' };
    }
    case 'CloudWatchLogProcessing': {
      const value = params.get('DataMessageExtraction');
      if (value !== 'true') {
        problems.push(`${at}: DataMessageExtraction must be true for the CloudWatchLogProcessing processor.`);
        return undefined;
      }
      return { type, dataMessageExtraction: true };
    }
    case 'MetadataExtraction': {
      const engine = params.get('JsonParsingEngine');
      if (engine !== JQ_16) {
        problems.push(
          `${at}: JsonParsingEngine ${bounded(engine)} is not supported; the only engine is ${JQ_16}.`,
        );
        return undefined;
      }
      return { type, query: params.get('MetadataExtractionQuery')!, jsonParsingEngine: JQ_16 };
    }
    case 'RecordDeAggregation': {
      const subRecordType = params.get('SubRecordType');
      const delimiter = params.get('Delimiter');
      if (subRecordType === 'JSON') {
        if (delimiter !== undefined)
          problems.push(`${at}: Delimiter is only valid with SubRecordType DELIMITED.`);
        return { type, config: { subRecordType } };
      }
      if (subRecordType !== 'DELIMITED') {
        problems.push(`${at}: SubRecordType ${bounded(subRecordType)} is not valid; use JSON or DELIMITED.`);
        return undefined;
      }
      const bytes = delimiter === undefined ? undefined : strictBase64(delimiter);
      if (!bytes || bytes.byteLength === 0) {
        problems.push(
          `${at}: SubRecordType DELIMITED requires a Delimiter given as non-empty base64 (e.g. IyMjIw== for ####).`,
        );
        return undefined;
      }
      return { type, config: { subRecordType, delimiter: bytes } };
    }
    case 'Lambda':
      return resolveLambda(at, params, options, problems);
  }
}

function resolveLambda(
  at: string,
  params: Map<string, string>,
  options: ProcessingOptions,
  problems: string[],
): ResolvedProcessor | undefined {
  const small = options.destination === 'Splunk' || options.destination === 'Snowflake';
  const before = problems.length;
  const size = numberParam(params, 'BufferSizeInMBs', small ? 0.25 : LAMBDA_BUFFER_SIZE_MB.default);
  if (Number.isNaN(size) || size < LAMBDA_BUFFER_SIZE_MB.min || size > LAMBDA_BUFFER_SIZE_MB.max) {
    problems.push(
      `${at}: BufferSizeInMBs ${bounded(params.get('BufferSizeInMBs'))} is out of range; it must be between ${LAMBDA_BUFFER_SIZE_MB.min} and ${LAMBDA_BUFFER_SIZE_MB.max}.`,
    );
  }
  const interval = numberParam(
    params,
    'BufferIntervalInSeconds',
    options.destination === 'Snowflake'
      ? LAMBDA_BUFFER_INTERVAL_SECONDS.snowflakeDefault
      : LAMBDA_BUFFER_INTERVAL_SECONDS.default,
  );
  if (
    !Number.isInteger(interval) ||
    interval < LAMBDA_BUFFER_INTERVAL_SECONDS.min ||
    interval > LAMBDA_BUFFER_INTERVAL_SECONDS.max
  ) {
    problems.push(
      `${at}: BufferIntervalInSeconds ${bounded(params.get('BufferIntervalInSeconds'))} is out of range; it must be an integer between ${LAMBDA_BUFFER_INTERVAL_SECONDS.min} and ${LAMBDA_BUFFER_INTERVAL_SECONDS.max}.`,
    );
  }
  // Spec §2.2 ⚠: AWS does not range-check NumberOfRetries (a probe honoured 9), so only the form is checked.
  const retries = numberParam(params, 'NumberOfRetries', DEFAULT_NUMBER_OF_RETRIES);
  if (!Number.isInteger(retries) || retries < 0) {
    problems.push(
      `${at}: NumberOfRetries ${bounded(params.get('NumberOfRetries'))} must be a non-negative integer.`,
    );
  }
  if (problems.length > before) return undefined;
  const roleArn = params.get('RoleArn');
  return {
    type: 'Lambda',
    lambdaArn: params.get('LambdaArn')!,
    ...(roleArn !== undefined ? { roleArn } : {}),
    numberOfRetries: retries,
    bufferSizeInMBs: size,
    bufferIntervalInSeconds: interval,
  };
}

function numberParam(params: Map<string, string>, name: string, fallback: number): number {
  const text = params.get(name);
  if (text === undefined) return fallback;
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
}

function strictBase64(text: string): Uint8Array | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
