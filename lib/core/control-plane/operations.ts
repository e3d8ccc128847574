/**
 * The Firehose control-plane operations (spec §1.5–§1.9, §13) as pure handlers over the catalog's
 * map. Output shapes are the JSON 1.1 response bodies.
 */

import { describeStream } from '../config/describe.ts';
import { resolveCreateInput, streamArn } from '../config/resolve-stream.ts';
import type { DeliveryStreamType } from '../config/resolved.ts';
import {
  DELETE_DELIVERY_STREAM_INPUT,
  DESCRIBE_DELIVERY_STREAM_INPUT,
  LIST_DELIVERY_STREAMS_INPUT,
  UPDATE_DESTINATION_INPUT,
} from '../config/shape-model.ts';
import { applyUpdateDestination } from '../config/update-destination.ts';
import { assertShape } from '../config/validate-shape.ts';
import { FirehoseApiError } from '../errors.ts';
import { type OperationContext, requireStream } from './stream-lookup.ts';
import { listTags, tagStream, untagStream } from './tag-operations.ts';

export type OperationHandler = (input: unknown, ctx: OperationContext) => unknown;

function createDeliveryStream(input: unknown, ctx: OperationContext): unknown {
  const stored = resolveCreateInput(input, ctx);
  const name = stored.input.DeliveryStreamName;
  if (ctx.streams.has(name)) {
    throw new FirehoseApiError(
      'ResourceInUseException',
      `Firehose ${name} under accountId ${ctx.accountId} already exists`,
    );
  }
  ctx.commit({ kind: 'created', name, stored });
  return { DeliveryStreamARN: streamArn(ctx, name) };
}

function describeDeliveryStream(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, DESCRIBE_DELIVERY_STREAM_INPUT);
  const stored = requireStream(ctx, (input as { DeliveryStreamName: string }).DeliveryStreamName);
  return { DeliveryStreamDescription: describeStream(stored, ctx) };
}

function listDeliveryStreams(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, LIST_DELIVERY_STREAMS_INPUT);
  const { Limit, DeliveryStreamType, ExclusiveStartDeliveryStreamName } = input as {
    Limit?: number;
    DeliveryStreamType?: DeliveryStreamType;
    ExclusiveStartDeliveryStreamName?: string;
  };
  const limit = Limit ?? 10; // §1.7 default
  const names = [...ctx.streams.values()]
    .filter(
      (stored) => DeliveryStreamType === undefined || stored.input.DeliveryStreamType === DeliveryStreamType,
    )
    .map((stored) => stored.input.DeliveryStreamName)
    .filter(
      (name) => ExclusiveStartDeliveryStreamName === undefined || name > ExclusiveStartDeliveryStreamName,
    )
    .sort();
  return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
}

function deleteDeliveryStream(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, DELETE_DELIVERY_STREAM_INPUT);
  const name = (input as { DeliveryStreamName: string }).DeliveryStreamName;
  const stored = requireStream(ctx, name);
  // §1.8: every state but CREATING may be deleted.
  if (stored.status === 'CREATING') {
    throw new FirehoseApiError(
      'ResourceInUseException',
      `Firehose ${name} under account ${ctx.accountId} is in CREATING state and cannot be deleted until it is ACTIVE or CREATING_FAILED.`,
    );
  }
  // AWS passes through DELETING for minutes; Sluice removes at once and the runtime discards the
  // stream's buffer, as AWS does (§1.8).
  ctx.commit({ kind: 'deleted', name });
  return {};
}

function updateDestination(input: unknown, ctx: OperationContext): unknown {
  assertShape(input, UPDATE_DESTINATION_INPUT);
  const stored = requireStream(ctx, (input as { DeliveryStreamName: string }).DeliveryStreamName);
  if (stored.status !== 'ACTIVE') {
    throw new FirehoseApiError(
      'ResourceInUseException',
      `Firehose ${stored.input.DeliveryStreamName} under account ${ctx.accountId} is not ACTIVE (${stored.status}); retry once it is ACTIVE.`,
    );
  }
  const updated = applyUpdateDestination(stored, input, ctx);
  ctx.commit({ kind: 'updated', name: updated.input.DeliveryStreamName, stored: updated });
  return {};
}

export const OPERATIONS: Record<string, OperationHandler> = {
  CreateDeliveryStream: createDeliveryStream,
  DescribeDeliveryStream: describeDeliveryStream,
  ListDeliveryStreams: listDeliveryStreams,
  DeleteDeliveryStream: deleteDeliveryStream,
  UpdateDestination: updateDestination,
  TagDeliveryStream: tagStream,
  UntagDeliveryStream: untagStream,
  ListTagsForDeliveryStream: listTags,
};
