/** What an operation handler sees of the catalog, and the shared "stream not found" answer. */
import type { StoredStream } from '../config/resolve-stream.ts';
import { bounded, FirehoseApiError } from '../errors.ts';
import type { CatalogChange } from './catalog.ts';

export interface OperationContext {
  region: string;
  accountId: string;
  nowMs: number;
  streams: ReadonlyMap<string, StoredStream>;
  commit(event: CatalogChange): void;
}

/** AWS's wording for a missing stream (observed in turbot/steampipe-plugin-aws#759). */
export function requireStream(ctx: OperationContext, name: string): StoredStream {
  const stored = ctx.streams.get(name);
  if (!stored) {
    throw new FirehoseApiError(
      'ResourceNotFoundException',
      `Firehose ${bounded(name)} under account ${ctx.accountId} not found.`,
    );
  }
  return stored;
}
