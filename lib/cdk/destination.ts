import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IDependable } from 'constructs';
import type { DestinationConfigurationMember } from '../core/config/shapes.ts';

export interface DestinationBindOptions {
  /** The flush Lambda's role: written into the config's RoleARN fields and granted the destination. */
  readonly role: iam.IRole;
  /** Other roles that deliver (in direct buffering mode, the buffer Lambda's); granted the same. */
  readonly additionalRoles?: iam.IRole[];
}

export interface DestinationConfig {
  /** The CreateDeliveryStream member holding the configuration, e.g. `ExtendedS3DestinationConfiguration`. */
  readonly member: DestinationConfigurationMember;
  /** The destination in Firehose's API shape (may hold tokens); the flush Lambda reads exactly this. */
  readonly configuration: Record<string, unknown>;
  /** Buffering the runtime applies, from the destination's hints (spec §2.1). */
  readonly bufferingHints: { sizeBytes: number; intervalSeconds: number };
  /** Prefix of the destination's Firehose metrics (spec §11), e.g. `DeliveryToS3`. */
  readonly metricPrefix: string;
  readonly dependables?: IDependable[];
  /** With dynamic partitioning: the stream's active-partition limit, when not Firehose's default of 500. */
  readonly activePartitionLimit?: number;
}

/** A delivery destination as a strategy object, as in aws-cdk-lib's aws-kinesisfirehose. */
export interface IDestination {
  bind(scope: Construct, options: DestinationBindOptions): DestinationConfig;
}

export const MIB = 1_048_576;

/** Every role that delivers. */
export function deliveryRoles(options: DestinationBindOptions): iam.IRole[] {
  return [options.role, ...(options.additionalRoles ?? [])];
}
