/**
 * TagDeliveryStream / UntagDeliveryStream / ListTagsForDeliveryStream (spec §13): at most 50 tags
 * per stream, tagging an existing key replaces its value, listing is by key with
 * ExclusiveStartTagKey + Limit (1–50) + HasMoreTags.
 */

import type { Tag } from '../config/resolved.ts';
import {
  LIST_TAGS_FOR_DELIVERY_STREAM_INPUT,
  TAG_DELIVERY_STREAM_INPUT,
  UNTAG_DELIVERY_STREAM_INPUT,
} from '../config/shape-model.ts';
import { assertShape } from '../config/validate-shape.ts';
import { FirehoseApiError } from '../errors.ts';
import { type OperationContext, requireStream } from './stream-lookup.ts';

export const MAX_TAGS_PER_STREAM = 50;

export function tagStream(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, TAG_DELIVERY_STREAM_INPUT);
  const { DeliveryStreamName, Tags } = input as { DeliveryStreamName: string; Tags: Tag[] };
  const stored = requireStream(ctx, DeliveryStreamName);
  const byKey = new Map(stored.tags.map((tag) => [tag.Key, tag] as const));
  for (const tag of Tags)
    byKey.set(tag.Key, tag.Value === undefined ? { Key: tag.Key } : { Key: tag.Key, Value: tag.Value });
  if (byKey.size > MAX_TAGS_PER_STREAM) {
    throw new FirehoseApiError(
      'LimitExceededException',
      `Firehose ${DeliveryStreamName} would have ${byKey.size} tags; a delivery stream can have at most ${MAX_TAGS_PER_STREAM} tags.`,
    );
  }
  ctx.commit({ kind: 'tags', name: DeliveryStreamName, stored: { ...stored, tags: [...byKey.values()] } });
  return {};
}

export function untagStream(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, UNTAG_DELIVERY_STREAM_INPUT);
  const { DeliveryStreamName, TagKeys } = input as { DeliveryStreamName: string; TagKeys: string[] };
  const stored = requireStream(ctx, DeliveryStreamName);
  const removed = new Set(TagKeys);
  ctx.commit({
    kind: 'tags',
    name: DeliveryStreamName,
    stored: { ...stored, tags: stored.tags.filter((tag) => !removed.has(tag.Key)) },
  });
  return {};
}

export function listTags(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, LIST_TAGS_FOR_DELIVERY_STREAM_INPUT);
  const { DeliveryStreamName, ExclusiveStartTagKey, Limit } = input as {
    DeliveryStreamName: string;
    ExclusiveStartTagKey?: string;
    Limit?: number;
  };
  const stored = requireStream(ctx, DeliveryStreamName);
  const limit = Limit ?? MAX_TAGS_PER_STREAM;
  const sorted = [...stored.tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  // Keys are listed in order; the page starts after ExclusiveStartTagKey whether or not that key still exists.
  const remaining =
    ExclusiveStartTagKey === undefined ? sorted : sorted.filter((tag) => tag.Key > ExclusiveStartTagKey);
  return { Tags: remaining.slice(0, limit), HasMoreTags: remaining.length > limit };
}
