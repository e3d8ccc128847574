import { GetTableCommand, GetTableVersionCommand, type Table } from '@aws-sdk/client-glue';
import type { GlueTable, GlueTables } from '../../core/delivery/parquet-objects.ts';

/** The one method of GlueClient used here; a GlueClient for the SchemaConfiguration's Region. */
export interface GlueSender {
  send(command: GetTableCommand | GetTableVersionCommand): Promise<unknown>;
}

export interface GlueTablesOptions {
  client: GlueSender;
  /** SchemaConfiguration.CatalogId; Glue's default (the caller's account) when absent (spec §7.1). */
  catalogId?: string;
  /** SchemaConfiguration.VersionId; absent or `LATEST` reads the table's current version (spec §7.1). */
  versionId?: string;
  /**
   * How long a LATEST schema is reused by this execution environment. Firehose "picks up table changes"; a
   * minute keeps every flush from paying a GetTable call while a schema change still applies within a minute.
   */
  latestTtlMs?: number;
  nowMs?: () => number;
}

const DEFAULT_LATEST_TTL_MS = 60_000;

/**
 * Schemas for data format conversion from the AWS Glue Data Catalog: GetTable for the current version, or
 * GetTableVersion for a pinned one. A table Glue does not know (EntityNotFoundException) is `undefined`, which
 * the core reports as GlueTableNotFound and the flush is retried; any other error (throttling, access denied)
 * throws, so the flush is re-driven without touching its records. The same table object is returned while it is
 * cached, so the core compiles each schema once.
 */
export function createGlueTables(options: GlueTablesOptions): GlueTables {
  const nowMs = options.nowMs ?? Date.now;
  const ttlMs = options.latestTtlMs ?? DEFAULT_LATEST_TTL_MS;
  const pinned =
    options.versionId !== undefined && options.versionId !== 'LATEST' ? options.versionId : undefined;
  const cache = new Map<string, { table: GlueTable; expiresAtMs: number }>();
  const catalog = options.catalogId ? { CatalogId: options.catalogId } : {};

  return async (databaseName, tableName) => {
    const cacheKey = `${databaseName}\u0000${tableName}`;
    const cached = cache.get(cacheKey);
    if (cached && nowMs() < cached.expiresAtMs) return cached.table;
    let table: Table | undefined;
    try {
      if (pinned) {
        const output = (await options.client.send(
          new GetTableVersionCommand({
            ...catalog,
            DatabaseName: databaseName,
            TableName: tableName,
            VersionId: pinned,
          }),
        )) as { TableVersion?: { Table?: Table } };
        table = output.TableVersion?.Table;
      } else {
        const output = (await options.client.send(
          new GetTableCommand({ ...catalog, DatabaseName: databaseName, Name: tableName }),
        )) as { Table?: Table };
        table = output.Table;
      }
    } catch (error) {
      if ((error as { name?: string }).name === 'EntityNotFoundException') return undefined;
      throw error;
    }
    if (!table) return undefined;
    const schema: GlueTable = {
      // Partition keys are not in the data files of a Hive table: the record's columns are StorageDescriptor's.
      Columns: (table.StorageDescriptor?.Columns ?? []).map((column) => ({
        Name: column.Name ?? '',
        Type: column.Type ?? '',
      })),
    };
    // A pinned version never changes; LATEST is looked up again after the TTL.
    cache.set(cacheKey, { table: schema, expiresAtMs: pinned ? Number.POSITIVE_INFINITY : nowMs() + ttlMs });
    return schema;
  };
}
