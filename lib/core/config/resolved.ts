import type { HttpEndpointSettings } from '../destinations/http-endpoint/config.ts';
import type { OpenSearchSettings } from '../destinations/opensearch/config.ts';
import type { RedshiftSettings } from '../destinations/redshift/config.ts';
import type { DataFormatConversionConfiguration, ProcessorType } from './shapes.ts';

/**
 * The resolved form of a delivery stream: Firehose's CreateDeliveryStream input after defaults are
 * applied and every rule is checked (see resolve-stream.ts). The runtime only ever sees this type.
 */

export type CompressionFormat = 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY';

export type DeliveryStreamType = 'DirectPut' | 'KinesisStreamAsSource' | 'MSKAsSource' | 'DatabaseAsSource';

export type DeliveryStreamStatus = 'CREATING' | 'CREATING_FAILED' | 'DELETING' | 'DELETING_FAILED' | 'ACTIVE';

export interface ResolvedBufferingHints {
  sizeBytes: number;
  intervalSeconds: number;
}

/** A processor as configured: its type and its parameters by name (the stages apply their own defaults). */
export interface ResolvedProcessor {
  type: ProcessorType;
  parameters: Readonly<Record<string, string>>;
}

/** A plain S3 destination: the shape shared by the primary destination and the S3 backup. */
export interface ResolvedS3Destination {
  bucketArn: string;
  /** Bucket name parsed from `bucketArn`. */
  bucket: string;
  roleArn: string;
  /** Raw Prefix as configured ('' when absent). */
  prefix: string;
  /** Raw ErrorOutputPrefix, undefined when absent or empty. */
  errorOutputPrefix: string | undefined;
  bufferingHints: ResolvedBufferingHints;
  compressionFormat: CompressionFormat;
  /** KMS key ARN when KMSEncryptionConfig is set (recorded, passed to S3 as SSE-KMS on AWS). */
  kmsKeyArn: string | undefined;
}

export interface ResolvedExtendedS3Destination extends ResolvedS3Destination {
  /** Replaces the compression's default extension when set (spec §3.4). */
  fileExtension: string | undefined;
  /** IANA zone for prefix and key timestamps; 'UTC' by default (spec §3.1). */
  customTimeZone: string;
  processors: ResolvedProcessor[];
  /** DataFormatConversionConfiguration as configured, when Enabled (resolved by lib/core/conversion at delivery). */
  dataFormatConversion: DataFormatConversionConfiguration | undefined;
  s3BackupMode: 'Disabled' | 'Enabled';
  /** Present exactly when s3BackupMode is Enabled. */
  backup: ResolvedS3Destination | undefined;
}

export interface Tag {
  Key: string;
  Value?: string;
}

export interface ResolvedStream {
  name: string;
  arn: string;
  type: DeliveryStreamType;
  /** Decimal string, starts at "1", +1 per UpdateDestination (spec §1.9). */
  versionId: string;
  destinationId: string;
  createTimestampMs: number;
  lastUpdateTimestampMs: number | undefined;
  /**
   * The S3 side of the destination: the delivery bucket of an S3 destination; for an HTTP endpoint or OpenSearch
   * its S3Configuration (error output and backup) with the destination's buffering hints; for Redshift its
   * intermediate bucket with that bucket's hints, and `backup` when S3BackupMode is Enabled.
   */
  destination: ResolvedExtendedS3Destination;
  /** Present when a destination writer delivers the records (HTTP endpoint §10, OpenSearch §9, Redshift §8). */
  writer?: WriterDestination;
  tags: Tag[];
}

/** A destination whose records a writer of lib/core/destinations delivers. */
export type WriterDestination =
  | { kind: 'HttpEndpoint'; settings: HttpEndpointSettings }
  | { kind: 'OpenSearch'; settings: OpenSearchSettings }
  | { kind: 'Redshift'; settings: RedshiftSettings };
