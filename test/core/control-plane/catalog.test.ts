import { describe, expect, it } from 'vitest';
import { Catalog, type CatalogChange } from '../../../lib/core/control-plane/catalog.ts';
import { BUCKET, ctx, errorOf, minimalInput, ROLE } from '../config/fixtures.ts';

function catalogWith(...names: string[]): Catalog {
  const catalog = new Catalog();
  for (const name of names) {
    catalog.execute('CreateDeliveryStream', minimalInput(name), ctx);
    catalog.activate(name);
  }
  return catalog;
}

describe('CreateDeliveryStream / DescribeDeliveryStream', () => {
  it('returns the ARN, starts CREATING and emits a created event', () => {
    const catalog = new Catalog();
    const events: CatalogChange[] = [];
    catalog.onChange((event) => events.push(event));
    expect(catalog.execute('CreateDeliveryStream', minimalInput(), ctx)).toEqual({
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks',
    });
    expect(catalog.get('clicks')?.status).toBe('CREATING');
    expect(events.map((e) => [e.kind, e.name, e.stored?.status])).toEqual([
      ['created', 'clicks', 'CREATING'],
    ]);
    catalog.activate('clicks');
    expect(events.map((e) => [e.kind, e.stored?.status])).toEqual([
      ['created', 'CREATING'],
      ['updated', 'ACTIVE'],
    ]);
    const described = catalog.execute('DescribeDeliveryStream', { DeliveryStreamName: 'clicks' }, ctx) as {
      DeliveryStreamDescription: Record<string, unknown>;
    };
    expect(described.DeliveryStreamDescription.DeliveryStreamStatus).toBe('ACTIVE');
  });

  it('refuses an existing name with ResourceInUseException', () => {
    const catalog = catalogWith('clicks');
    expect(errorOf(() => catalog.execute('CreateDeliveryStream', minimalInput(), ctx))).toEqual({
      type: 'ResourceInUseException',
      message: 'Firehose clicks under accountId 123456789012 already exists',
    });
  });

  it('answers an unknown stream with the Firehose wording', () => {
    expect(
      errorOf(() => new Catalog().execute('DescribeDeliveryStream', { DeliveryStreamName: 'nope' }, ctx)),
    ).toEqual({
      type: 'ResourceNotFoundException',
      message: 'Firehose nope under account 123456789012 not found.',
    });
  });

  it('validates the describe input shape', () => {
    expect(errorOf(() => new Catalog().execute('DescribeDeliveryStream', {}, ctx))).toEqual({
      type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
    });
  });

  it('throws UnknownOperationException for anything else, data-plane operations included', () => {
    expect(errorOf(() => new Catalog().execute('PutRecord', {}, ctx)).type).toBe('UnknownOperationException');
    expect(errorOf(() => new Catalog().execute('toString', {}, ctx)).type).toBe('UnknownOperationException');
  });
});

describe('ListDeliveryStreams', () => {
  const names = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);

  it('lists alphabetically, 10 by default, and pages with ExclusiveStartDeliveryStreamName', () => {
    const catalog = catalogWith(...[...names].reverse());
    expect(catalog.execute('ListDeliveryStreams', {}, ctx)).toEqual({
      DeliveryStreamNames: names.slice(0, 10),
      HasMoreDeliveryStreams: true,
    });
    expect(catalog.execute('ListDeliveryStreams', { ExclusiveStartDeliveryStreamName: 's09' }, ctx)).toEqual({
      DeliveryStreamNames: ['s10', 's11'],
      HasMoreDeliveryStreams: false,
    });
    expect(catalog.execute('ListDeliveryStreams', { Limit: 12 }, ctx)).toEqual({
      DeliveryStreamNames: names,
      HasMoreDeliveryStreams: false,
    });
  });

  it('filters by DeliveryStreamType', () => {
    const catalog = catalogWith('direct');
    catalog.execute(
      'CreateDeliveryStream',
      {
        ...minimalInput('kinesis'),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
          RoleARN: ROLE,
        },
      },
      ctx,
    );
    expect(
      catalog.execute('ListDeliveryStreams', { DeliveryStreamType: 'KinesisStreamAsSource' }, ctx),
    ).toEqual({
      DeliveryStreamNames: ['kinesis'],
      HasMoreDeliveryStreams: false,
    });
    expect(catalog.execute('ListDeliveryStreams', { DeliveryStreamType: 'DirectPut' }, ctx)).toEqual({
      DeliveryStreamNames: ['direct'],
      HasMoreDeliveryStreams: false,
    });
  });

  it('rejects a Limit outside 1–10000', () => {
    expect(errorOf(() => new Catalog().execute('ListDeliveryStreams', { Limit: 0 }, ctx)).message).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(errorOf(() => new Catalog().execute('ListDeliveryStreams', { Limit: 10001 }, ctx)).type).toBe(
      'ValidationException',
    );
  });
});

describe('DeleteDeliveryStream', () => {
  it('refuses a CREATING stream with ResourceInUseException', () => {
    const catalog = new Catalog();
    catalog.execute('CreateDeliveryStream', minimalInput(), ctx);
    expect(
      errorOf(() => catalog.execute('DeleteDeliveryStream', { DeliveryStreamName: 'clicks' }, ctx)).type,
    ).toBe('ResourceInUseException');
    expect(catalog.get('clicks')).toBeDefined();
  });

  it.each(['ACTIVE', 'CREATING_FAILED', 'DELETING', 'DELETING_FAILED'] as const)(
    'deletes a %s stream',
    (status) => {
      const catalog = new Catalog();
      const stored = { ...catalogWith('clicks').get('clicks')!, status };
      catalog.load([stored]);
      const events: CatalogChange[] = [];
      catalog.onChange((event) => events.push(event));
      expect(catalog.execute('DeleteDeliveryStream', { DeliveryStreamName: 'clicks' }, ctx)).toEqual({});
      expect(catalog.get('clicks')).toBeUndefined();
      expect(events).toEqual([{ kind: 'deleted', name: 'clicks' }]);
    },
  );

  it('answers ResourceNotFoundException for an unknown stream', () => {
    expect(
      errorOf(() => new Catalog().execute('DeleteDeliveryStream', { DeliveryStreamName: 'x' }, ctx)).type,
    ).toBe('ResourceNotFoundException');
  });
});

describe('UpdateDestination through the catalog', () => {
  const update = (version: string) => ({
    DeliveryStreamName: 'clicks',
    CurrentDeliveryStreamVersionId: version,
    DestinationId: 'destinationId-000000000001',
    ExtendedS3DestinationUpdate: { Prefix: 'new/' },
  });

  it('updates an ACTIVE stream, bumps VersionId and emits an updated event', () => {
    const catalog = catalogWith('clicks');
    const events: CatalogChange[] = [];
    catalog.onChange((event) => events.push(event));
    expect(catalog.execute('UpdateDestination', update('1'), { ...ctx, nowMs: ctx.nowMs + 1000 })).toEqual(
      {},
    );
    const stored = catalog.get('clicks')!;
    expect(stored.versionId).toBe('2');
    expect(stored.input.ExtendedS3DestinationConfiguration).toEqual({
      RoleARN: ROLE,
      BucketARN: BUCKET,
      Prefix: 'new/',
    });
    expect(events.map((e) => [e.kind, e.stored?.versionId])).toEqual([['updated', '2']]);
    expect(errorOf(() => catalog.execute('UpdateDestination', update('1'), ctx)).type).toBe(
      'ConcurrentModificationException',
    );
  });

  it('refuses a stream that is not ACTIVE and an unknown stream', () => {
    const catalog = new Catalog();
    catalog.execute('CreateDeliveryStream', minimalInput(), ctx);
    expect(errorOf(() => catalog.execute('UpdateDestination', update('1'), ctx)).type).toBe(
      'ResourceInUseException',
    );
    expect(errorOf(() => new Catalog().execute('UpdateDestination', update('1'), ctx))).toEqual({
      type: 'ResourceNotFoundException',
      message: 'Firehose clicks under account 123456789012 not found.',
    });
  });
});

describe('tags', () => {
  const tag = (catalog: Catalog, tags: unknown) =>
    catalog.execute('TagDeliveryStream', { DeliveryStreamName: 'clicks', Tags: tags }, ctx);
  const list = (catalog: Catalog, extra: Record<string, unknown> = {}) =>
    catalog.execute('ListTagsForDeliveryStream', { DeliveryStreamName: 'clicks', ...extra }, ctx);

  it('stores create tags, adds, overwrites and removes tags', () => {
    const catalog = new Catalog();
    catalog.execute('CreateDeliveryStream', { ...minimalInput(), Tags: [{ Key: 'b', Value: '1' }] }, ctx);
    tag(catalog, [{ Key: 'a' }, { Key: 'b', Value: '2' }]);
    expect(list(catalog)).toEqual({ Tags: [{ Key: 'a' }, { Key: 'b', Value: '2' }], HasMoreTags: false });
    catalog.execute('UntagDeliveryStream', { DeliveryStreamName: 'clicks', TagKeys: ['b', 'zz'] }, ctx);
    expect(list(catalog)).toEqual({ Tags: [{ Key: 'a' }], HasMoreTags: false });
  });

  it('pages with Limit and ExclusiveStartTagKey', () => {
    const catalog = catalogWith('clicks');
    tag(catalog, [{ Key: 'c' }, { Key: 'a' }, { Key: 'b' }]);
    expect(list(catalog, { Limit: 2 })).toEqual({ Tags: [{ Key: 'a' }, { Key: 'b' }], HasMoreTags: true });
    expect(list(catalog, { Limit: 2, ExclusiveStartTagKey: 'b' })).toEqual({
      Tags: [{ Key: 'c' }],
      HasMoreTags: false,
    });
    expect(errorOf(() => list(catalog, { Limit: 51 })).type).toBe('ValidationException');
  });

  it('allows 50 tags and refuses the 51st with LimitExceededException', () => {
    const catalog = catalogWith('clicks');
    tag(
      catalog,
      Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}` })),
    );
    expect(errorOf(() => tag(catalog, [{ Key: 'one-more' }]))).toEqual({
      type: 'LimitExceededException',
      message: 'Firehose clicks would have 51 tags; a delivery stream can have at most 50 tags.',
    });
    expect((list(catalog) as { Tags: unknown[] }).Tags).toHaveLength(50);
  });

  it('validates tag keys and values', () => {
    const catalog = catalogWith('clicks');
    expect(
      errorOf(() => tag(catalog, [{ Key: 'aws:x' }, { Key: 'ok', Value: 'v'.repeat(257) }])).message,
    ).toContain(
      "at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
    expect(() => tag(catalog, [{ Key: 'ok' }])).not.toThrow();
  });
});

describe('load / list', () => {
  it('restores streams without emitting events and lists them sorted', () => {
    const source = catalogWith('b', 'a');
    const restored = new Catalog();
    const events: CatalogChange[] = [];
    restored.onChange((event) => events.push(event));
    restored.load(source.list());
    expect(restored.list().map((s) => s.input.DeliveryStreamName)).toEqual(['a', 'b']);
    expect(events).toEqual([]);
  });
});

describe('replaceDefinition', () => {
  it('returns false for the same definition in another key order, and applies a change as a new version', () => {
    const catalog = catalogWith('clicks');
    const events: CatalogChange[] = [];
    catalog.onChange((event) => events.push(event));
    const reordered = {
      ExtendedS3DestinationConfiguration: { BucketARN: BUCKET, RoleARN: ROLE },
      DeliveryStreamName: 'clicks',
    };
    expect(catalog.replaceDefinition('clicks', reordered, ctx)).toBe(false);
    expect(events).toEqual([]);
    const changed = { ...minimalInput(), Tags: [{ Key: 'env', Value: 'dev' }] };
    expect(catalog.replaceDefinition('clicks', changed, { ...ctx, nowMs: ctx.nowMs + 5 })).toBe(true);
    const stored = catalog.get('clicks')!;
    expect([stored.versionId, stored.status, stored.tags, stored.lastUpdateTimestampMs]).toEqual([
      '2',
      'ACTIVE',
      [{ Key: 'env', Value: 'dev' }],
      ctx.nowMs + 5,
    ]);
    expect(events.map((e) => e.kind)).toEqual(['updated']);
  });
});
