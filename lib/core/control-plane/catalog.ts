/**
 * The control plane's state: every delivery stream of one account and region, in memory. Pure —
 * persistence and pipelines react to change events (onChange); time comes in with each call.
 */

import { resolveCreateInput, type StoredStream } from '../config/resolve-stream.ts';
import { FirehoseApiError } from '../errors.ts';
import { OPERATIONS } from './operations.ts';
import { type OperationContext, requireStream } from './stream-lookup.ts';

export interface CatalogChange {
  kind: 'created' | 'updated' | 'deleted' | 'tags';
  name: string;
  /** The stream after the change; absent for 'deleted'. */
  stored?: StoredStream;
}

export type CatalogListener = (event: CatalogChange) => void;

export interface RequestContext {
  region: string;
  accountId: string;
  nowMs: number;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** JSON with object keys sorted, so two equal definitions compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export class Catalog {
  private readonly streams = new Map<string, StoredStream>();
  private readonly listeners: CatalogListener[] = [];

  /** Runs one control-plane operation; data-plane operations are routed by the server itself. */
  execute(operation: string, input: unknown, ctx: RequestContext): unknown {
    const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!handler) {
      throw new FirehoseApiError(
        'UnknownOperationException',
        `Operation ${operation} is not a control-plane operation of Firehose_20150804.`,
      );
    }
    const opCtx: OperationContext = {
      ...ctx,
      streams: this.streams,
      commit: (event) => this.commit(event),
    };
    return handler(input ?? {}, opCtx);
  }

  /** CREATING → ACTIVE once the runtime has built the stream's pipeline. */
  activate(name: string): void {
    const stored = this.streams.get(name);
    if (stored?.status !== 'CREATING') return;
    this.commit({ kind: 'updated', name, stored: { ...stored, status: 'ACTIVE' } });
  }

  /**
   * CREATING → CREATING_FAILED when the runtime could not build the stream (e.g. its log directory cannot be
   * created). As on Firehose the state is terminal and only DeleteDeliveryStream is allowed (spec §1.5).
   */
  failCreation(name: string): void {
    const stored = this.streams.get(name);
    if (stored?.status !== 'CREATING') return;
    this.commit({ kind: 'updated', name, stored: { ...stored, status: 'CREATING_FAILED' } });
  }

  /**
   * Replaces a stream's whole definition with a new CreateDeliveryStream input (a config file edited
   * between runs). Validated with the create rules; a real change bumps VersionId like an update.
   * Returns false when the definition is unchanged.
   */
  replaceDefinition(name: string, input: unknown, ctx: RequestContext): boolean {
    const current = requireStream({ ...ctx, streams: this.streams, commit: () => {} }, name);
    const next = resolveCreateInput(input, ctx);
    if (next.input.DeliveryStreamName !== name) {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `The definition of ${name} names another stream.`,
      );
    }
    const unchanged =
      canonicalJson(next.input) === canonicalJson(current.input) &&
      canonicalJson(next.tags) === canonicalJson(current.tags);
    if (unchanged) return false;
    this.commit({
      kind: 'updated',
      name,
      stored: {
        ...current,
        input: next.input,
        tags: next.tags,
        versionId: (BigInt(current.versionId) + 1n).toString(),
        lastUpdateTimestampMs: ctx.nowMs,
      },
    });
    return true;
  }

  get(name: string): StoredStream | undefined {
    const stored = this.streams.get(name);
    return stored ? clone(stored) : undefined;
  }

  list(): StoredStream[] {
    return [...this.streams.keys()].sort().map((name) => clone(this.streams.get(name)!));
  }

  /** Restores persisted streams after a restart; emits no events (they are already persisted). */
  load(streams: readonly StoredStream[]): void {
    for (const stored of streams) this.streams.set(stored.input.DeliveryStreamName, clone(stored));
  }

  onChange(listener: CatalogListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  private commit(event: CatalogChange): void {
    if (event.kind === 'deleted') this.streams.delete(event.name);
    else if (event.stored) this.streams.set(event.name, clone(event.stored));
    for (const listener of [...this.listeners]) {
      listener(event.stored ? { ...event, stored: clone(event.stored) } : event);
    }
  }
}
