import { Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { validateCreateInput } from '../core/config/index.ts';
import type { DestinationConfigurationMember } from '../core/config/shapes.ts';
import { EXTENDED_S3_ONLY_PROCESSORS } from '../core/config/writer-destinations.ts';
import { type RawProcessingConfiguration, resolveProcessingConfiguration } from '../core/processors/index.ts';

/**
 * Values that stand in for tokens (ARNs of resources created in the same app) while the core checks a
 * configuration at synth time: well-formed, so only the user's own values can be wrong.
 */
const PLACEHOLDERS: Record<string, string> = {
  BucketARN: 'arn:aws:s3:::sluice-placeholder-bucket',
  RoleARN: 'arn:aws:iam::123456789012:role/sluice-placeholder',
  AWSKMSKeyARN: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  ParameterValue: 'arn:aws:lambda:us-east-1:123456789012:function:sluice-placeholder',
};

function withPlaceholders(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    return Token.isUnresolved(value) ? (PLACEHOLDERS[key] ?? 'placeholder') : value;
  }
  if (typeof value === 'number' && Token.isUnresolved(value)) return 1;
  if (Array.isArray(value)) return value.map((item) => withPlaceholders(item, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, k)]));
  }
  return value;
}

/** Thrown at synth time with every problem the core found, each with Firehose's wording. */
export class DeliveryStreamConfigError extends Error {
  override name = 'DeliveryStreamConfigError';
}

/**
 * Checks a destination with the same core rules the local runtime and the flush Lambda apply (DESIGN.md: a
 * rule is written once).
 */
export function failIfInvalid(
  scope: Construct,
  member: DestinationConfigurationMember,
  configuration: Record<string, unknown>,
  deliveryStreamName = 'sluice-placeholder',
): void {
  const input = withPlaceholders({ DeliveryStreamName: deliveryStreamName, [member]: configuration });
  try {
    validateCreateInput(input);
  } catch (error) {
    const type = (error as { type?: string }).type ?? 'Error';
    throw new DeliveryStreamConfigError(`${scope.node.path}: ${type}: ${(error as Error).message}`);
  }
}

/**
 * A writer destination's bound ProcessingConfiguration, checked at synth time as the flush Lambda will resolve it:
 * the core's parameter rules with this destination's Lambda defaults (spec §2.2), and no processor that only an
 * Extended S3 destination runs (§6: a writer runs Lambda, Decompression and CloudWatchLogProcessing).
 */
export function checkWriterProcessing(
  problems: string[],
  processing: Record<string, unknown> | undefined,
  destination: 'HttpEndpoint' | 'OpenSearch' | 'Redshift',
): void {
  if (!processing) return;
  const raw = withPlaceholders(processing) as RawProcessingConfiguration;
  problems.push(...resolveProcessingConfiguration(raw, { destination }).problems);
  for (const processor of raw.Processors ?? []) {
    if (processor.Type !== undefined && EXTENDED_S3_ONLY_PROCESSORS.has(processor.Type)) {
      problems.push(
        `the ${processor.Type} processor runs only before an S3 destination, as part of dynamic partitioning (spec §6); before this destination use LambdaFunctionProcessor, DecompressionProcessor or CloudWatchLogProcessingProcessor.`,
      );
    }
  }
}

/** Collected problems of a construct's own rules, thrown together. */
export function failWith(scope: Construct, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new DeliveryStreamConfigError(`${scope.node.path}: ${problems.join('; ')}`);
  }
}

export function checkRange(
  problems: string[],
  what: string,
  value: number,
  min: number,
  max: number,
  unit: string,
): void {
  if (!Token.isUnresolved(value) && (value < min || value > max)) {
    problems.push(`${what} must be between ${min} and ${max} ${unit} (got ${value}).`);
  }
}
