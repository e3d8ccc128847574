export { Catalog, type CatalogChange, type CatalogListener, type RequestContext } from './catalog.ts';
export { OPERATIONS, type OperationHandler } from './operations.ts';
export { type OperationContext, requireStream } from './stream-lookup.ts';
export { MAX_TAGS_PER_STREAM } from './tag-operations.ts';
