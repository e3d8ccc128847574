/**
 * Raw CreateDeliveryStream input → validated, normalized StoredStream (persisted as JSON) →
 * ResolvedStream (what the runtime runs). Problems are reported the way AWS layers them: first the
 * structural ValidationException listing every violation, then one InvalidArgumentException
 * listing every semantic problem.
 */
import { bounded, FirehoseApiError, validationException } from '../errors.ts';
import {
  bucketFromArn,
  checkExtendedS3Destination,
  checkS3Destination,
  isKmsKeyArn,
  unsupportedFeatureMessage,
} from './check-s3-destination.ts';
import type {
  DeliveryStreamStatus,
  ResolvedExtendedS3Destination,
  ResolvedProcessor,
  ResolvedS3Destination,
  ResolvedStream,
  Tag,
} from './resolved.ts';
import { CREATE_DELIVERY_STREAM_INPUT } from './shape-model.ts';
import {
  type CreateDeliveryStreamInput,
  DESTINATION_CONFIGURATION_MEMBERS,
  type ExtendedS3DestinationConfiguration,
  type S3DestinationConfiguration,
} from './shapes.ts';
import { assertShape } from './validate-shape.ts';
import {
  WRITER_DESTINATIONS,
  type WriterDestinationKind,
  writerDestinationOf,
} from './writer-destinations.ts';

export interface StoredStream {
  /** The create input after normalization: DeliveryStreamType filled in, deprecated S3 shape moved to ExtendedS3, no Tags. */
  input: CreateDeliveryStreamInput;
  versionId: string;
  status: DeliveryStreamStatus;
  createTimestampMs: number;
  lastUpdateTimestampMs?: number;
  tags: Tag[];
}

export interface StreamContext {
  region: string;
  accountId: string;
  nowMs: number;
}

/** Firehose has one destination per stream and always calls it this (spec §1.6). */
export const DESTINATION_ID = 'destinationId-000000000001';

export const MIB = 1048576;

export function streamArn(ctx: { region: string; accountId: string }, name: string): string {
  return `arn:aws:firehose:${ctx.region}:${ctx.accountId}:deliverystream/${name}`;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function checkSource(input: CreateDeliveryStreamInput): string[] {
  const problems: string[] = [];
  const type = input.DeliveryStreamType ?? 'DirectPut';
  if (type === 'MSKAsSource' || input.MSKSourceConfiguration !== undefined) {
    problems.push(unsupportedFeatureMessage('Amazon MSK as a source (MSKAsSource)'));
  }
  if (type === 'DatabaseAsSource' || input.DatabaseSourceConfiguration !== undefined) {
    problems.push(unsupportedFeatureMessage('databases as a source (DatabaseAsSource)'));
  }
  if (type === 'KinesisStreamAsSource' && input.KinesisStreamSourceConfiguration === undefined) {
    problems.push(
      'KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.',
    );
  }
  if (type !== 'KinesisStreamAsSource' && input.KinesisStreamSourceConfiguration !== undefined) {
    problems.push(
      `KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource (got ${type}).`,
    );
  }
  if (type !== 'DirectPut' && input.DirectPutSourceConfiguration !== undefined) {
    problems.push(
      `DirectPutSourceConfiguration is only allowed when DeliveryStreamType is DirectPut (got ${type}).`,
    );
  }
  const sse = input.DeliveryStreamEncryptionConfigurationInput;
  if (sse) {
    // §12/§13: stream-level SSE exists only for Direct PUT; a Kinesis source uses the stream's own encryption.
    if (type !== 'DirectPut') {
      problems.push(
        'DeliveryStreamEncryptionConfigurationInput is only supported for DirectPut delivery streams.',
      );
    }
    if (sse.KeyType === 'CUSTOMER_MANAGED_CMK' && sse.KeyARN === undefined) {
      problems.push(
        'DeliveryStreamEncryptionConfigurationInput.KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.',
      );
    }
    if (sse.KeyType === 'AWS_OWNED_CMK' && sse.KeyARN !== undefined) {
      problems.push(
        'DeliveryStreamEncryptionConfigurationInput.KeyARN must not be given when KeyType is AWS_OWNED_CMK.',
      );
    }
    // §13: the CMK is referenced by key ARN (an alias is not accepted here, unlike S3's KMSEncryptionConfig).
    if (sse.KeyARN !== undefined && !(isKmsKeyArn(sse.KeyARN) && sse.KeyARN.includes(':key/'))) {
      problems.push(
        `DeliveryStreamEncryptionConfigurationInput.KeyARN '${bounded(sse.KeyARN)}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>).`,
      );
    }
  }
  return problems;
}

function checkTags(tags: Tag[] | undefined): string[] {
  if (!tags) return [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const tag of tags) {
    if (seen.has(tag.Key)) duplicates.add(tag.Key);
    seen.add(tag.Key);
  }
  return [...duplicates].map((key) => `Tags: the tag key '${bounded(key)}' is given more than once.`);
}

/** Moves the deprecated S3DestinationConfiguration to ExtendedS3 and drops Tags (stored apart). */
function normalize(input: CreateDeliveryStreamInput): CreateDeliveryStreamInput {
  const normalized = clone(input);
  normalized.DeliveryStreamType = normalized.DeliveryStreamType ?? 'DirectPut';
  if (normalized.S3DestinationConfiguration !== undefined) {
    normalized.ExtendedS3DestinationConfiguration = normalized.S3DestinationConfiguration;
    delete normalized.S3DestinationConfiguration;
  }
  delete normalized.Tags;
  return normalized;
}

/**
 * Validates a create (or a merged update) input and returns it normalized. Throws
 * ValidationException (shape) or InvalidArgumentException (semantics), each listing every problem.
 */
export function validateCreateInput(raw: unknown): CreateDeliveryStreamInput {
  assertShape(raw, CREATE_DELIVERY_STREAM_INPUT);
  const input = raw as CreateDeliveryStreamInput;
  const problems: string[] = [];
  const destinations = DESTINATION_CONFIGURATION_MEMBERS.filter((member) => input[member] !== undefined);
  if (destinations.length !== 1) {
    // Observed AWS wording (spec §1.5), also for more than one destination.
    problems.push('Exactly one destination configuration is supported for a Firehose');
  }
  for (const member of destinations) {
    if (!SUPPORTED_DESTINATIONS.has(member)) {
      problems.push(
        unsupportedFeatureMessage(
          `the ${member.replace(/Configuration$/, '')} (S3, HTTP endpoint, OpenSearch and Redshift destinations are available)`,
        ),
      );
    }
  }
  problems.push(...checkSource(input));
  problems.push(...checkTags(input.Tags));
  const normalized = normalize(input);
  if (destinations.length === 1 && normalized.ExtendedS3DestinationConfiguration !== undefined) {
    problems.push(...checkExtendedS3Destination(normalized.ExtendedS3DestinationConfiguration));
  }
  const writer =
    destinations.length === 1
      ? writerDestinationOf(normalized as unknown as Record<string, unknown>)
      : undefined;
  if (writer) problems.push(...checkWriterDestination(writer.kind, writer.config));
  if (problems.length > 0) throw new FirehoseApiError('InvalidArgumentException', problems.join('; '));
  return normalized;
}

const SUPPORTED_DESTINATIONS = new Set<string>([
  'ExtendedS3DestinationConfiguration',
  'S3DestinationConfiguration',
  ...WRITER_DESTINATIONS.map((kind) => kind.member),
]);

/** The destination's own rules (lib/core/destinations) plus the S3 rules for its S3Configuration. */
function checkWriterDestination(kind: WriterDestinationKind, config: Record<string, unknown>): string[] {
  const { violations, invalidArguments } = kind.check(config);
  if (violations.length > 0) throw validationException(violations);
  const problems = [...invalidArguments];
  const s3 = config.S3Configuration as S3DestinationConfiguration | undefined;
  if (s3) problems.push(...checkS3Destination(s3, `${kind.member}.S3Configuration`, 'S3'));
  // Redshift's source-record backup (§3.5) is a full S3 destination of its own.
  const backup = config.S3BackupConfiguration as S3DestinationConfiguration | undefined;
  if (backup) problems.push(...checkS3Destination(backup, `${kind.member}.S3BackupConfiguration`, 'S3'));
  return problems;
}

export function resolveCreateInput(input: unknown, ctx: StreamContext): StoredStream {
  const normalized = validateCreateInput(input);
  return {
    input: normalized,
    versionId: '1',
    status: 'CREATING',
    createTimestampMs: ctx.nowMs,
    tags: clone((input as CreateDeliveryStreamInput).Tags ?? []),
  };
}

function resolveS3(config: S3DestinationConfiguration): ResolvedS3Destination {
  return {
    bucketArn: config.BucketARN,
    bucket: bucketFromArn(config.BucketARN) ?? '',
    roleArn: config.RoleARN,
    prefix: config.Prefix ?? '',
    errorOutputPrefix: config.ErrorOutputPrefix ? config.ErrorOutputPrefix : undefined,
    // §2.1 defaults: 5 MiB / 300 s.
    bufferingHints: {
      sizeBytes: (config.BufferingHints?.SizeInMBs ?? 5) * MIB,
      intervalSeconds: config.BufferingHints?.IntervalInSeconds ?? 300,
    },
    compressionFormat: config.CompressionFormat ?? 'UNCOMPRESSED',
    kmsKeyArn: config.EncryptionConfiguration?.KMSEncryptionConfig?.AWSKMSKeyARN,
  };
}

function resolveProcessors(
  config: Pick<ExtendedS3DestinationConfiguration, 'ProcessingConfiguration'>,
): ResolvedProcessor[] {
  if (config.ProcessingConfiguration?.Enabled !== true) return [];
  return (config.ProcessingConfiguration.Processors ?? []).map((processor) => ({
    type: processor.Type,
    parameters: Object.fromEntries(
      (processor.Parameters ?? []).map((p) => [p.ParameterName, p.ParameterValue] as const),
    ),
  }));
}

export function extendedS3Of(stored: StoredStream): ExtendedS3DestinationConfiguration {
  const config = stored.input.ExtendedS3DestinationConfiguration ?? stored.input.S3DestinationConfiguration;
  if (!config)
    throw new FirehoseApiError(
      'InternalFailure',
      `Stored stream ${stored.input.DeliveryStreamName} has no S3 destination.`,
    );
  return config;
}

/** The stored writer destination (HTTP endpoint, OpenSearch, Redshift), when the stream has one. */
export function writerOf(stored: StoredStream) {
  return writerDestinationOf(stored.input as unknown as Record<string, unknown>);
}

function toResolvedWriterStream(
  stored: StoredStream,
  kind: WriterDestinationKind,
  config: Record<string, unknown>,
  ctx: { region: string; accountId: string },
): ResolvedStream {
  const writer = kind.resolve(config);
  const s3 = resolveS3(config.S3Configuration as S3DestinationConfiguration);
  const backupConfig = config.S3BackupConfiguration as S3DestinationConfiguration | undefined;
  const backup =
    writer.kind === 'Redshift' && config.S3BackupMode === 'Enabled' && backupConfig
      ? resolveS3(backupConfig)
      : undefined;
  return {
    name: stored.input.DeliveryStreamName,
    arn: streamArn(ctx, stored.input.DeliveryStreamName),
    type: stored.input.DeliveryStreamType ?? 'DirectPut',
    versionId: stored.versionId,
    destinationId: DESTINATION_ID,
    createTimestampMs: stored.createTimestampMs,
    lastUpdateTimestampMs: stored.lastUpdateTimestampMs,
    // Buffering follows the destination's hints (§2.1); the S3Configuration only says where failures and backups
    // go. Redshift has no hints of its own: its intermediate bucket's are the stream's.
    destination: {
      ...s3,
      bufferingHints: writer.kind === 'Redshift' ? s3.bufferingHints : writer.settings.bufferingHints,
      fileExtension: undefined,
      customTimeZone: 'UTC',
      // Run before the writer (§5, §6); which processors a writer accepts is checked in writer-destinations.ts.
      processors: resolveProcessors(config),
      dataFormatConversion: undefined,
      s3BackupMode: backup ? 'Enabled' : 'Disabled',
      backup,
    },
    writer,
    tags: clone(stored.tags),
  };
}

export function toResolvedStream(
  stored: StoredStream,
  ctx: { region: string; accountId: string },
): ResolvedStream {
  const writer = writerOf(stored);
  if (writer) return toResolvedWriterStream(stored, writer.kind, writer.config, ctx);
  const config = extendedS3Of(stored);
  const backupMode = config.S3BackupMode ?? 'Disabled';
  const destination: ResolvedExtendedS3Destination = {
    ...resolveS3(config),
    fileExtension: config.FileExtension ? config.FileExtension : undefined,
    customTimeZone: config.CustomTimeZone ? config.CustomTimeZone : 'UTC',
    processors: resolveProcessors(config),
    dataFormatConversion:
      config.DataFormatConversionConfiguration && config.DataFormatConversionConfiguration.Enabled !== false
        ? config.DataFormatConversionConfiguration
        : undefined,
    s3BackupMode: backupMode,
    backup:
      backupMode === 'Enabled' && config.S3BackupConfiguration
        ? resolveS3(config.S3BackupConfiguration)
        : undefined,
  };
  // §7: with conversion the size hint defaults to 128 MiB instead of 5.
  if (destination.dataFormatConversion && config.BufferingHints?.SizeInMBs === undefined) {
    destination.bufferingHints = { ...destination.bufferingHints, sizeBytes: 128 * MIB };
  }
  return {
    name: stored.input.DeliveryStreamName,
    arn: streamArn(ctx, stored.input.DeliveryStreamName),
    type: stored.input.DeliveryStreamType ?? 'DirectPut',
    versionId: stored.versionId,
    destinationId: DESTINATION_ID,
    createTimestampMs: stored.createTimestampMs,
    lastUpdateTimestampMs: stored.lastUpdateTimestampMs,
    destination,
    tags: clone(stored.tags),
  };
}
