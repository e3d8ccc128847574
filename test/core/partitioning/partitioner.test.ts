import { describe, expect, it } from 'vitest';
import type { KeyedRecord } from '../../../lib/core/partitioning/index.ts';
import { checkDynamicPartitioning, partitionRecords } from '../../../lib/core/partitioning/index.ts';
import { compileObjectKeys } from '../../../lib/core/s3/object-key.ts';
import { parsePrefix } from '../../../lib/core/s3/prefix-template.ts';
import { fakeIds } from '../s3/fake-ids.ts';

const at = Date.parse('2024-03-05T10:30:00Z');
/** A record whose query and Lambda gave it the same keys (`lambda` overrides the Lambda's). */
const rec = (
  i: number,
  keys?: Record<string, string>,
  arrivalMs = at,
  lambda: Record<string, string> | undefined = keys,
): KeyedRecord => ({
  record: { data: new TextEncoder().encode(`r${i}`), arrivalMs, recordId: `id${i}` },
  keys: {
    ...(keys ? { partitionKeyFromQuery: keys } : {}),
    ...(lambda ? { partitionKeyFromLambda: lambda } : {}),
  },
});

describe('partitionRecords (spec §6)', () => {
  const prefix = parsePrefix(
    'c=!{partitionKeyFromQuery:c}/d=!{partitionKeyFromLambda:d}/!{timestamp:yyyy/MM/dd}/!{firehose:random-string}/',
  );

  it('groups records by evaluated prefix, in batch order, with random strings left for the object key', () => {
    const { partitions, failed } = partitionRecords(
      [
        rec(0, { c: 'a', d: 'x' }),
        rec(1, { c: 'b', d: 'x' }),
        rec(2, { c: 'a', d: 'x' }),
        rec(3, { c: 'a', d: 'x' }, at + 86_400_000),
      ],
      { prefix, timeZone: 'UTC' },
    );
    expect(failed).toEqual([]);
    expect(partitions.map((p) => [p.id, p.records.map((r) => r.recordId)])).toEqual([
      ['c=a/d=x/2024/03/05/!{firehose}/', ['id0', 'id2']],
      ['c=b/d=x/2024/03/05/!{firehose}/', ['id1']],
      ['c=a/d=x/2024/03/06/!{firehose}/', ['id3']],
    ]);
    // The object key of a partition renders its prefix with a real random string.
    const keys = compileObjectKeys({
      prefix: prefix.source,
      errorOutputPrefix: 'e/!{firehose:error-output-type}/',
    });
    const key = keys.dataKey(
      {
        streamName: 's',
        versionId: '1',
        instantMs: at,
        timeZone: 'UTC',
        ids: fakeIds(),
        partitionKeysByNamespace: partitions[0]!.partitionKeys,
      },
      '',
    );
    expect(key).toBe(
      'c=a/d=x/2024/03/05/r1xxxxxxxxx/s-1-2024-03-05-10-30-00-00000000-0000-4000-8000-000000000001',
    );
  });

  it('fails records whose prefix needs a key they lack', () => {
    const { partitions, failed } = partitionRecords([rec(0, { c: 'a' }), rec(1, { c: 'a', d: 'x' })], {
      prefix,
      timeZone: 'UTC',
    });
    expect(partitions.map((p) => p.records.length)).toEqual([1]);
    expect(failed.map((f) => [f.record.recordId, f.errorOutputType, f.errorCode])).toEqual([
      ['id0', 'processing-failed', 'DynamicPartitioning.MetadataExtractionFailed'],
    ]);
  });

  it('refuses records that would open a partition beyond the active limit, counting partitions already buffered', () => {
    const simple = parsePrefix('!{partitionKeyFromQuery:c}/');
    const batch = ['a', 'b', 'c', 'a', 'd', 'b'].map((c, i) => rec(i, { c }));
    const { partitions, failed } = partitionRecords(
      batch,
      { prefix: simple, timeZone: 'UTC', activePartitionLimit: 3 },
      new Set(['z/']),
    );
    expect(partitions.map((p) => [p.id, p.records.map((r) => r.recordId)])).toEqual([
      ['a/', ['id0', 'id3']],
      ['b/', ['id1', 'id5']],
    ]);
    expect(failed.map((f) => [f.record.recordId, f.errorOutputType, f.errorCode])).toEqual([
      ['id2', 'activePartitionExceeded', 'DynamicPartitioning.ActivePartitionsLimitExceeded'],
      ['id4', 'activePartitionExceeded', 'DynamicPartitioning.ActivePartitionsLimitExceeded'],
    ]);
    // Records of an already-active partition are always admitted.
    const again = partitionRecords(
      [rec(9, { c: 'z' })],
      { prefix: simple, timeZone: 'UTC', activePartitionLimit: 1 },
      new Set(['z/']),
    );
    expect([again.partitions.length, again.failed.length]).toEqual([1, 0]);
  });

  it('reads each namespace from its own keys: a Lambda key does not fill a query expression (§3.2)', () => {
    const { partitions, failed } = partitionRecords(
      [rec(0, { d: 'q' }, at, { c: 'l', d: 'x' }), rec(1, { c: 'a' }, at, { d: 'x' })],
      { prefix, timeZone: 'UTC' },
    );
    expect(partitions.map((p) => p.id)).toEqual(['c=a/d=x/2024/03/05/!{firehose}/']);
    expect(failed.map((f) => [f.record.recordId, f.errorCode])).toEqual([
      ['id0', 'DynamicPartitioning.MetadataExtractionFailed'],
    ]);
  });

  it('fails records whose prefix evaluates past 512 characters', () => {
    const { failed } = partitionRecords([rec(0, { c: 'x'.repeat(600) })], {
      prefix: parsePrefix('!{partitionKeyFromQuery:c}/'),
      timeZone: 'UTC',
    });
    expect(failed.map((f) => f.errorCode)).toEqual(['DynamicPartitioning.PrefixTooLong']);
  });
});

describe('checkDynamicPartitioning (spec §3.3 rule 11, §2.1)', () => {
  it('reports missing processors and small buffers with the CloudFormation messages', () => {
    expect(
      checkDynamicPartitioning({
        dynamicPartitioningEnabled: true,
        prefix: '!{partitionKeyFromQuery:a}/!{partitionKeyFromLambda:b}/',
        processingEnabled: false,
        processorTypes: ['Lambda', 'MetadataExtraction'],
        bufferingHints: { sizeInMBs: 5, intervalInSeconds: 0 },
      }),
    ).toEqual([
      'Processing Configuration is not enabled when DataPartitioning is enabled',
      'BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled',
      'BufferingHints.IntervalInSeconds must be at least 60 seconds when Dynamic Partitioning is enabled',
      'Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda namespace',
      'MetadataExtraction processor should be present when S3 Prefix has partitionKeyFromQuery namespace',
    ]);
  });

  it('accepts a complete configuration', () => {
    expect(
      checkDynamicPartitioning({
        dynamicPartitioningEnabled: true,
        prefix: 'k=!{partitionKeyFromQuery:a}/',
        processingEnabled: true,
        processorTypes: ['MetadataExtraction'],
        bufferingHints: { sizeInMBs: 128, intervalInSeconds: 60 },
      }),
    ).toEqual([]);
  });
});
