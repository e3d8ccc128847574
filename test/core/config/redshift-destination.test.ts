import { describe, expect, it } from 'vitest';
import { describeStream } from '../../../lib/core/config/describe.ts';
import {
  resolveCreateInput,
  type StoredStream,
  toResolvedStream,
} from '../../../lib/core/config/resolve-stream.ts';
import { applyUpdateDestination } from '../../../lib/core/config/update-destination.ts';
import { BUCKET, ctx, errorOf, ROLE } from './fixtures.ts';

const JDBC = 'jdbc:postgresql://127.0.0.1:5432/dev';

function input(extra: Record<string, unknown> = {}) {
  return {
    DeliveryStreamName: 'loads',
    RedshiftDestinationConfiguration: {
      RoleARN: ROLE,
      ClusterJDBCURL: JDBC,
      CopyCommand: { DataTableName: 'events', CopyOptions: "JSON 'auto'" },
      Username: 'loader',
      Password: 'secret-password',
      S3Configuration: { RoleARN: ROLE, BucketARN: BUCKET, Prefix: 'stage/', CompressionFormat: 'GZIP' },
      ...extra,
    },
  };
}

describe('Redshift destination configuration (§8)', () => {
  it('resolves with the intermediate bucket, its buffering hints and the §8 defaults', () => {
    const resolved = toResolvedStream(resolveCreateInput(input(), ctx), ctx);
    expect(resolved.writer).toEqual({
      kind: 'Redshift',
      settings: {
        roleArn: ROLE,
        cluster: { kind: 'postgresql', host: '127.0.0.1', port: 5432, database: 'dev' },
        clusterJdbcUrl: JDBC,
        dataTableName: 'events',
        dataTableColumns: undefined,
        copyOptions: "JSON 'auto'",
        username: 'loader',
        password: 'secret-password',
        secretArn: undefined,
        retryDurationSeconds: 3600,
        bucket: 'my-bucket',
        prefix: 'stage/',
        compressionFormat: 'GZIP',
      },
    });
    expect(resolved.destination).toMatchObject({
      bucket: 'my-bucket',
      bufferingHints: { sizeBytes: 5 * 1048576, intervalSeconds: 300 },
      s3BackupMode: 'Disabled',
      backup: undefined,
    });
  });

  it('resolves the source backup when S3BackupMode is Enabled', () => {
    const resolved = toResolvedStream(
      resolveCreateInput(
        input({
          S3BackupMode: 'Enabled',
          S3BackupConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup', Prefix: 'src/' },
        }),
        ctx,
      ),
      ctx,
    );
    expect(resolved.destination.s3BackupMode).toBe('Enabled');
    expect(resolved.destination.backup).toMatchObject({ bucket: 'backup', prefix: 'src/' });
  });

  it('reports every semantic problem at once, never the password', () => {
    const error = errorOf(() =>
      resolveCreateInput(
        input({
          Username: undefined,
          S3BackupMode: 'Enabled',
          CopyCommand: { DataTableName: 'events', CopyOptions: "JSON 'auto' BOGUS" },
          S3Configuration: {
            RoleARN: ROLE,
            BucketARN: BUCKET,
            CompressionFormat: 'ZIP',
            ErrorOutputPrefix: 'e/',
          },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        }),
        ctx,
      ),
    );
    expect(error.type).toBe('InvalidArgumentException');
    for (const fragment of [
      'Username and Password are required',
      'CompressionFormat ZIP is not supported for the Redshift intermediate bucket',
      'ErrorOutputPrefix is not supported for the Redshift intermediate bucket',
      'S3BackupConfiguration is required',
      'the AppendDelimiterToRecord processor is only available on an Extended S3 destination',
    ]) {
      expect(error.message).toContain(fragment);
    }
    expect(error.message).not.toContain('secret-password');
  });

  it('a short password is a ValidationException that does not echo it', () => {
    const error = errorOf(() => resolveCreateInput(input({ Password: 'abc' }), ctx));
    expect(error.type).toBe('ValidationException');
    expect(error.message).not.toContain("'abc'");
  });

  it('describes with defaults, without the password', () => {
    const description = describeStream(resolveCreateInput(input(), ctx), ctx);
    const destination = (description.Destinations as Array<Record<string, unknown>>)[0]!;
    expect(destination).toEqual({
      DestinationId: 'destinationId-000000000001',
      RedshiftDestinationDescription: {
        RoleARN: ROLE,
        ClusterJDBCURL: JDBC,
        CopyCommand: { DataTableName: 'events', CopyOptions: "JSON 'auto'" },
        Username: 'loader',
        RetryOptions: { DurationInSeconds: 3600 },
        S3BackupMode: 'Disabled',
        CloudWatchLoggingOptions: { Enabled: false },
        S3DestinationDescription: {
          RoleARN: ROLE,
          BucketARN: BUCKET,
          Prefix: 'stage/',
          BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
          CompressionFormat: 'GZIP',
          EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          CloudWatchLoggingOptions: { Enabled: false },
        },
      },
    });
    expect(JSON.stringify(description)).not.toContain('secret-password');
  });

  it('UpdateDestination merges CopyCommand members, S3Update and S3BackupUpdate, and never switches backup off', () => {
    const stored: StoredStream = { ...resolveCreateInput(input(), ctx), status: 'ACTIVE' };
    const update = (member: Record<string, unknown>, on = stored) =>
      applyUpdateDestination(
        on,
        {
          DeliveryStreamName: 'loads',
          CurrentDeliveryStreamVersionId: on.versionId,
          DestinationId: 'destinationId-000000000001',
          ...member,
        },
        ctx,
      );
    const next = update({
      RedshiftDestinationUpdate: {
        CopyCommand: { DataTableName: 'events', DataTableColumns: 'a,b' },
        S3Update: { BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 } },
        S3BackupMode: 'Enabled',
        S3BackupUpdate: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup' },
      },
    });
    expect(next.versionId).toBe('2');
    const config = (next.input as unknown as Record<string, Record<string, unknown>>)
      .RedshiftDestinationConfiguration!;
    expect(config.CopyCommand).toEqual({
      DataTableName: 'events',
      DataTableColumns: 'a,b',
      CopyOptions: "JSON 'auto'",
    });
    expect(config.S3Configuration).toMatchObject({
      Prefix: 'stage/',
      BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 },
    });
    expect(config.S3BackupConfiguration).toEqual({ RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup' });
    expect(config.Password).toBe('secret-password');

    expect(errorOf(() => update({ RedshiftDestinationUpdate: { S3BackupMode: 'Disabled' } }, next))).toEqual({
      type: 'InvalidArgumentException',
      message: 'Disabling S3 backup is not currently supported.',
    });
    expect(
      errorOf(() => update({ ExtendedS3DestinationUpdate: { BucketARN: 'arn:aws:s3:::other' } })).type,
    ).toBe('InvalidArgumentException');
  });
});
