import { Duration, Size, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge, IAM5, nagResource } from './nag.ts';
import type { IDataProcessor } from './processors.ts';

/** Firehose's CompressionFormat (spec §3.4), enum-like with an escape hatch, as in aws-cdk-lib. */
export class Compression {
  static readonly GZIP = new Compression('GZIP');
  static readonly HADOOP_SNAPPY = new Compression('HADOOP_SNAPPY');
  static readonly SNAPPY = new Compression('Snappy');
  static readonly ZIP = new Compression('ZIP');
  static readonly UNCOMPRESSED = new Compression('UNCOMPRESSED');

  /** Any value Firehose accepts (the core checks it at synth time). */
  static of(value: string): Compression {
    return new Compression(value);
  }

  private constructor(readonly value: string) {}
}

/** Which records go to the S3 backup. */
export enum BackupMode {
  /** Every source record (S3: `S3BackupMode: Enabled`; OpenSearch: `AllDocuments`; HTTP: `AllData`). */
  ALL = 'ALL',
  /** Only records that failed delivery (not available for S3 destinations). */
  FAILED = 'FAILED',
}

export interface CommonDestinationS3Props {
  /** Default 300 seconds (spec §2.1). */
  readonly bufferingInterval?: Duration;
  /** Default 5 MiB (spec §2.1). */
  readonly bufferingSize?: Size;
  /** Default UNCOMPRESSED. */
  readonly compression?: Compression;
  /** SSE-KMS key for the objects written (spec §3.6). */
  readonly encryptionKey?: kms.IKey;
  readonly errorOutputPrefix?: string;
  readonly dataOutputPrefix?: string;
}

export interface DestinationS3BackupProps extends CommonDestinationS3Props {
  /** Default: a new bucket, encrypted, TLS only, no public access. */
  readonly bucket?: s3.IBucket;
  /** Default: ALL for S3 destinations, FAILED for the others. */
  readonly mode?: BackupMode;
}

export interface CommonDestinationProps {
  /**
   * Record processors, in order (spec §5); run by the flush Lambda. HTTP endpoint, OpenSearch and Redshift take
   * Lambda, Decompression and CloudWatchLogProcessing; the others serve dynamic partitioning, S3 only (spec §6).
   */
  readonly processors?: IDataProcessor[];
  readonly s3Backup?: DestinationS3BackupProps;
}

/** Firehose's BufferingHints from CDK units; non-whole MiB or seconds throw, as aws-cdk-lib's do. */
export function bufferingHints(
  interval: Duration | undefined,
  size: Size | undefined,
  defaults: { intervalSeconds: number; sizeMiB: number } = { intervalSeconds: 300, sizeMiB: 5 },
): { IntervalInSeconds: number; SizeInMBs: number } {
  return {
    IntervalInSeconds: interval ? interval.toSeconds() : defaults.intervalSeconds,
    SizeInMBs: size ? size.toMebibytes() : defaults.sizeMiB,
  };
}

/** A plain S3DestinationConfiguration (backup, error output, intermediate bucket). */
export function s3Configuration(
  bucket: s3.IBucket,
  role: iam.IRole,
  props: CommonDestinationS3Props,
): Record<string, unknown> {
  return compact({
    BucketARN: bucket.bucketArn,
    RoleARN: role.roleArn,
    Prefix: props.dataOutputPrefix,
    ErrorOutputPrefix: props.errorOutputPrefix,
    BufferingHints: bufferingHints(props.bufferingInterval, props.bufferingSize),
    CompressionFormat: (props.compression ?? Compression.UNCOMPRESSED).value,
    EncryptionConfiguration: props.encryptionKey
      ? { KMSEncryptionConfig: { AWSKMSKeyARN: props.encryptionKey.keyArn } }
      : undefined,
  });
}

/** The bucket for backups or failed records: the given one, or a new secure one. */
export function backupBucket(scope: Construct, id: string, given: s3.IBucket | undefined): s3.IBucket {
  return (
    given ??
    new s3.Bucket(scope, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    })
  );
}

/** Grants writing objects (and encrypting them) to every role that delivers. */
export function grantObjectWrites(
  roles: readonly iam.IRole[],
  bucket: s3.IBucket,
  key: kms.IKey | undefined,
): void {
  for (const role of roles) {
    bucket.grantPut(role);
    key?.grantEncrypt(role);
    acknowledge(
      role,
      [IAM5(`Resource::${nagResource(role, bucket.bucketArn)}/*`)],
      'Object keys are Firehose prefix templates evaluated per object (timestamps, random strings; spec §3.2), so writes cannot be narrowed below the bucket.',
    );
  }
}

/** Drops undefined members, so the config holds only what the user set (Firehose applies defaults). */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

export function isToken(value: unknown): boolean {
  return typeof value === 'string' && Token.isUnresolved(value);
}

export { Duration, Size };
