export { type DeliveryStreamDescription, describeStream } from './describe.ts';
export {
  DESTINATION_ID,
  MIB,
  resolveCreateInput,
  type StoredStream,
  type StreamContext,
  streamArn,
  toResolvedStream,
  validateCreateInput,
} from './resolve-stream.ts';
export type * from './resolved.ts';
export type * from './shapes.ts';
export { applyUpdateDestination, mergeMembers } from './update-destination.ts';
export { assertShape, collectShapeProblems, type ShapeSpec } from './validate-shape.ts';
