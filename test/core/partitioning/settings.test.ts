import { describe, expect, it } from 'vitest';
import type { CreateDeliveryStreamInput } from '../../../lib/core/config/shapes.ts';
import { dynamicPartitioningOf } from '../../../lib/core/partitioning/index.ts';

const input = (destination: Record<string, unknown>): CreateDeliveryStreamInput =>
  ({
    DeliveryStreamName: 's',
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/r',
      BucketARN: 'arn:aws:s3:::b',
      Prefix: 'k=!{partitionKeyFromQuery:k}/',
      ErrorOutputPrefix: 'e/!{firehose:error-output-type}/',
      ...destination,
    },
  }) as CreateDeliveryStreamInput;

describe('dynamicPartitioningOf (spec §6, §2.1, §3.7)', () => {
  it('is undefined unless DynamicPartitioningConfiguration.Enabled is true', () => {
    expect(dynamicPartitioningOf(input({}))).toBeUndefined();
    expect(
      dynamicPartitioningOf(input({ DynamicPartitioningConfiguration: { Enabled: false } })),
    ).toBeUndefined();
  });

  it("applies Firehose's defaults: 128 MiB / 300 s hints, RetryOptions 300 s, 500 active partitions", () => {
    const settings = dynamicPartitioningOf(input({ DynamicPartitioningConfiguration: { Enabled: true } }))!;
    expect({ ...settings, prefix: settings.prefix.source }).toEqual({
      prefix: 'k=!{partitionKeyFromQuery:k}/',
      timeZone: 'UTC',
      activePartitionLimit: 500,
      retryDurationSeconds: 300,
      bufferingHints: { sizeBytes: 128 * 1024 * 1024, intervalSeconds: 300 },
    });
  });

  it('takes the configured hints, retry window, time zone and limit', () => {
    const settings = dynamicPartitioningOf(
      input({
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 0 } },
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        CustomTimeZone: 'Asia/Tokyo',
      }),
      { activePartitionLimit: 5000 },
    )!;
    expect([settings.retryDurationSeconds, settings.timeZone, settings.activePartitionLimit]).toEqual([
      0,
      'Asia/Tokyo',
      5000,
    ]);
    expect(settings.bufferingHints).toEqual({ sizeBytes: 64 * 1024 * 1024, intervalSeconds: 60 });
  });
});
