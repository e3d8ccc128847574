/**
 * UpdateDestination (spec §1.9): version check, field-level merge of an S3 destination update onto
 * the stored destination, full re-validation with the create rules, VersionId + 1.
 */
import { bounded, FirehoseApiError } from '../errors.ts';
import { unsupportedFeatureMessage } from './check-s3-destination.ts';
import {
  DESTINATION_ID,
  extendedS3Of,
  type StoredStream,
  validateCreateInput,
  writerOf,
} from './resolve-stream.ts';
import { UPDATE_DESTINATION_INPUT } from './shape-model.ts';
import {
  type CreateDeliveryStreamInput,
  DESTINATION_UPDATE_MEMBERS,
  type ExtendedS3DestinationConfiguration,
  type ExtendedS3DestinationUpdate,
  type S3DestinationConfiguration,
  type S3DestinationUpdate,
  type UpdateDestinationInput,
} from './shapes.ts';
import { assertShape } from './validate-shape.ts';
import { WRITER_DESTINATIONS } from './writer-destinations.ts';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Members that are unions: a new value replaces the old one instead of merging into it. */
const REPLACED_WHOLE = new Set(['EncryptionConfiguration', 'Processors']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Omitted members keep their old value; nested structures (BufferingHints, …) merge member by member. */
export function mergeMembers(
  base: Record<string, unknown> | undefined,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = clone(base ?? {});
  for (const [name, value] of Object.entries(update)) {
    if (value === undefined || value === null) continue;
    const old = merged[name];
    merged[name] =
      isPlainObject(value) && isPlainObject(old) && !REPLACED_WHOLE.has(name)
        ? mergeMembers(old, value)
        : clone(value);
  }
  return merged;
}

function mergeExtended(
  current: ExtendedS3DestinationConfiguration,
  update: ExtendedS3DestinationUpdate,
): ExtendedS3DestinationConfiguration {
  const { S3BackupUpdate, ...rest } = update;
  const merged = mergeMembers(current as unknown as Record<string, unknown>, rest as Record<string, unknown>);
  if (S3BackupUpdate !== undefined) {
    merged.S3BackupConfiguration = mergeMembers(
      current.S3BackupConfiguration as unknown as Record<string, unknown> | undefined,
      S3BackupUpdate as Record<string, unknown>,
    );
  }
  return merged as unknown as ExtendedS3DestinationConfiguration;
}

export function applyUpdateDestination(
  stored: StoredStream,
  rawInput: unknown,
  ctx: { nowMs: number },
): StoredStream {
  assertShape(rawInput, UPDATE_DESTINATION_INPUT);
  const input = rawInput as UpdateDestinationInput;
  const name = stored.input.DeliveryStreamName;

  if (input.CurrentDeliveryStreamVersionId !== stored.versionId) {
    // ? unverified wording; the exception type is the model's for a version mismatch.
    throw new FirehoseApiError(
      'ConcurrentModificationException',
      `Cannot update firehose: ${name} since the current version id: ${stored.versionId} and specified version id: ${bounded(input.CurrentDeliveryStreamVersionId)} do not match`,
    );
  }
  if (input.DestinationId !== DESTINATION_ID) {
    throw new FirehoseApiError(
      'InvalidArgumentException',
      `Destination ${bounded(input.DestinationId)} not found for Firehose ${name}; its only destination is ${DESTINATION_ID}.`,
    );
  }

  const updates = DESTINATION_UPDATE_MEMBERS.filter((member) => input[member] !== undefined);
  if (updates.length !== 1) {
    throw new FirehoseApiError(
      'InvalidArgumentException',
      'Exactly one destination update is supported for a Firehose',
    );
  }
  const member = updates[0]!;
  const writer = writerOf(stored);
  const isS3Update = member === 'ExtendedS3DestinationUpdate' || member === 'S3DestinationUpdate';
  if (!isS3Update && !WRITER_DESTINATIONS.some((kind) => kind.updateMember === member)) {
    throw new FirehoseApiError(
      'InvalidArgumentException',
      unsupportedFeatureMessage(
        `the ${member.replace(/Update$/, '')} (S3, HTTP endpoint, OpenSearch and Redshift are available)`,
      ),
    );
  }
  if (writer || !isS3Update) {
    if (!writer || member !== writer.kind.updateMember) {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        unsupportedFeatureMessage('changing the destination type with UpdateDestination'),
      );
    }
    const update = (input as unknown as Record<string, unknown>)[member];
    return nextVersion(
      stored,
      mergeWriterDestination(stored, writer.kind.member, writer.config, update),
      ctx,
    );
  }

  const current = extendedS3Of(stored);
  const merged =
    member === 'ExtendedS3DestinationUpdate'
      ? mergeExtended(current, input.ExtendedS3DestinationUpdate as ExtendedS3DestinationUpdate)
      : (mergeMembers(
          current as unknown as Record<string, unknown>,
          input.S3DestinationUpdate as S3DestinationUpdate as Record<string, unknown>,
        ) as unknown as ExtendedS3DestinationConfiguration);

  const problems: string[] = [];
  // §3.5: backup can be switched on later, never off. Wording as observed for Splunk (same rule).
  if ((current.S3BackupMode ?? 'Disabled') === 'Enabled' && merged.S3BackupMode === 'Disabled') {
    problems.push('Disabling S3 backup is not currently supported.');
  }
  // §6: dynamic partitioning is chosen at creation and cannot be switched later.
  const wasPartitioned = current.DynamicPartitioningConfiguration?.Enabled === true;
  const isPartitioned = merged.DynamicPartitioningConfiguration?.Enabled === true;
  if (wasPartitioned !== isPartitioned) {
    problems.push(
      'DynamicPartitioningConfiguration.Enabled can only be set when the Firehose stream is created.',
    );
  }
  if (problems.length > 0) throw new FirehoseApiError('InvalidArgumentException', problems.join('; '));

  const { Tags: _ignored, ...rest } = stored.input;
  return nextVersion(
    stored,
    { ...rest, ExtendedS3DestinationConfiguration: merged as S3DestinationConfiguration },
    ctx,
  );
}

/**
 * Same type: members merge as for S3, the S3Update into the S3Configuration and (Redshift) the S3BackupUpdate
 * into the S3BackupConfiguration (§1.9).
 */
function mergeWriterDestination(
  stored: StoredStream,
  member: string,
  current: Record<string, unknown>,
  update: unknown,
): CreateDeliveryStreamInput {
  const { S3Update, S3BackupUpdate, ...rest } = update as Record<string, unknown>;
  const merged = mergeMembers(current, rest);
  if (isPlainObject(S3Update)) {
    merged.S3Configuration = mergeMembers(
      merged.S3Configuration as Record<string, unknown> | undefined,
      S3Update,
    );
  }
  if (isPlainObject(S3BackupUpdate)) {
    merged.S3BackupConfiguration = mergeMembers(
      merged.S3BackupConfiguration as Record<string, unknown> | undefined,
      S3BackupUpdate,
    );
  }
  // §3.5: Redshift's backup can be switched on later, never off (same wording as for S3).
  if (current.S3BackupMode === 'Enabled' && merged.S3BackupMode === 'Disabled') {
    throw new FirehoseApiError('InvalidArgumentException', 'Disabling S3 backup is not currently supported.');
  }
  const { Tags: _ignored, ...input } = stored.input;
  return { ...input, [member]: merged };
}

/** Re-validates the merged input with the create rules; VersionId + 1. */
function nextVersion(
  stored: StoredStream,
  candidate: CreateDeliveryStreamInput,
  ctx: { nowMs: number },
): StoredStream {
  const normalized = validateCreateInput(candidate);
  return {
    ...clone(stored),
    input: normalized,
    // VersionId is a decimal string of up to 50 digits in the model, hence BigInt.
    versionId: (BigInt(stored.versionId) + 1n).toString(),
    lastUpdateTimestampMs: ctx.nowMs,
  };
}
