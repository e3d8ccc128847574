import { describe, expect, it } from 'vitest';
import { resolveCreateInput, type StoredStream } from '../../../lib/core/config/resolve-stream.ts';
import { applyUpdateDestination } from '../../../lib/core/config/update-destination.ts';
import { BUCKET, ctx, errorOf, ROLE } from './fixtures.ts';

function stream(extra: Record<string, unknown> = {}): StoredStream {
  return {
    ...resolveCreateInput(
      {
        DeliveryStreamName: 'clicks',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: BUCKET,
          Prefix: 'a/',
          BufferingHints: { SizeInMBs: 10, IntervalInSeconds: 60 },
          CompressionFormat: 'GZIP',
          ...extra,
        },
      },
      ctx,
    ),
    status: 'ACTIVE',
  };
}

const later = { nowMs: 1_700_000_500_000 };
const update = (dest: Record<string, unknown>, version = '1') => ({
  DeliveryStreamName: 'clicks',
  CurrentDeliveryStreamVersionId: version,
  DestinationId: 'destinationId-000000000001',
  ...dest,
});

describe('applyUpdateDestination', () => {
  it('merges field by field, nested structures included, and bumps the version', () => {
    const updated = applyUpdateDestination(
      stream(),
      update({ ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 20 }, Prefix: 'b/' } }),
      later,
    );
    expect(updated.input.ExtendedS3DestinationConfiguration).toEqual({
      RoleARN: ROLE,
      BucketARN: BUCKET,
      Prefix: 'b/',
      BufferingHints: { SizeInMBs: 20, IntervalInSeconds: 60 },
      CompressionFormat: 'GZIP',
    });
    expect(updated.versionId).toBe('2');
    expect(updated.lastUpdateTimestampMs).toBe(1_700_000_500_000);
    expect(updated.createTimestampMs).toBe(ctx.nowMs);
    expect(updated.status).toBe('ACTIVE');
  });

  it('merges the deprecated S3DestinationUpdate into the extended destination', () => {
    const updated = applyUpdateDestination(
      stream({ FileExtension: '.gz' }),
      update({ S3DestinationUpdate: { CompressionFormat: 'ZIP' } }),
      later,
    );
    expect(updated.input.ExtendedS3DestinationConfiguration?.CompressionFormat).toBe('ZIP');
    expect(updated.input.ExtendedS3DestinationConfiguration?.FileExtension).toBe('.gz');
  });

  it('replaces the encryption choice instead of merging both', () => {
    const kms = { KMSEncryptionConfig: { AWSKMSKeyARN: 'arn:aws:kms:us-east-1:123456789012:key/k' } };
    const updated = applyUpdateDestination(
      stream({ EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' } }),
      update({ ExtendedS3DestinationUpdate: { EncryptionConfiguration: kms } }),
      later,
    );
    expect(updated.input.ExtendedS3DestinationConfiguration?.EncryptionConfiguration).toEqual(kms);
  });

  it('rejects a stale version with ConcurrentModificationException', () => {
    expect(
      errorOf(() =>
        applyUpdateDestination(stream(), update({ ExtendedS3DestinationUpdate: {} }, '7'), later),
      ),
    ).toEqual({
      type: 'ConcurrentModificationException',
      message:
        'Cannot update firehose: clicks since the current version id: 1 and specified version id: 7 do not match',
    });
  });

  it('rejects an unknown destination id', () => {
    const input = {
      ...update({ ExtendedS3DestinationUpdate: {} }),
      DestinationId: 'destinationId-000000000002',
    };
    expect(errorOf(() => applyUpdateDestination(stream(), input, later)).type).toBe(
      'InvalidArgumentException',
    );
  });

  it('enables backup later but never disables it (§3.5)', () => {
    const backup = { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup' };
    const enabled = applyUpdateDestination(
      stream(),
      update({ ExtendedS3DestinationUpdate: { S3BackupMode: 'Enabled', S3BackupUpdate: backup } }),
      later,
    );
    expect(enabled.input.ExtendedS3DestinationConfiguration?.S3BackupConfiguration).toEqual(backup);
    expect(
      errorOf(() =>
        applyUpdateDestination(
          enabled,
          update({ ExtendedS3DestinationUpdate: { S3BackupMode: 'Disabled' } }, '2'),
          later,
        ),
      ),
    ).toEqual({
      type: 'InvalidArgumentException',
      message: 'Disabling S3 backup is not currently supported.',
    });
  });

  it('re-validates the merged result with the create rules', () => {
    expect(
      errorOf(() =>
        applyUpdateDestination(
          stream(),
          update({ ExtendedS3DestinationUpdate: { S3BackupMode: 'Enabled' } }),
          later,
        ),
      ),
    ).toEqual({
      type: 'InvalidArgumentException',
      message:
        'ExtendedS3DestinationConfiguration.S3BackupConfiguration is required when S3BackupMode is Enabled.',
    });
    expect(
      errorOf(() =>
        applyUpdateDestination(
          stream(),
          update({ ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 200 } } }),
          later,
        ),
      ).message,
    ).toBe(
      "1 validation error detected: Value '200' at 'extendedS3DestinationUpdate.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128",
    );
  });

  it('rejects other destination families as not supported yet', () => {
    const error = errorOf(() =>
      applyUpdateDestination(stream(), update({ SplunkDestinationUpdate: {} }), later),
    );
    expect(error.type).toBe('InvalidArgumentException');
    expect(error.message).toContain('Sluice does not support the SplunkDestination');
  });
});
