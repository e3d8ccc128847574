import type { JqEngine } from './ports.ts';
import type { PartitionKeys } from './processing-record.ts';

/**
 * The MetadataExtraction processor (§6): a JQ query evaluated on each record's JSON gives the partition keys
 * for `!{partitionKeyFromQuery:<key>}`. The query must produce one object whose values are scalars; they
 * become strings. A record whose query fails, or lacks a key (null/missing), goes to the error prefix (§6:
 * "parse failures / missing keys → S3 error prefix"); the pipeline writes it with partitioningFailedDocument.
 */

export const JQ_ENGINE = 'JQ-1.6';
/** At most 50 partition keys (§6). */
export const MAX_PARTITION_KEYS = 50;

export interface MetadataExtractionSettings {
  readonly query: string;
}

export type ExtractionOutcome =
  | { readonly ok: true; readonly partitionKeys: PartitionKeys }
  | {
      readonly ok: false;
      readonly errorCode:
        | 'DynamicPartitioning.MetadataExtractionFailed'
        | 'DynamicPartitioning.PartitionKeyMissing';
      readonly errorMessage: string;
    };

export function checkMetadataExtraction(parameters: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const query = parameters.MetadataExtractionQuery;
  if (query === undefined || query.trim() === '') {
    problems.push(
      'MetadataExtraction needs MetadataExtractionQuery, a JQ object such as {customer: .customer_id}',
    );
  }
  if (parameters.JsonParsingEngine !== JQ_ENGINE) {
    problems.push(
      `MetadataExtraction needs JsonParsingEngine ${JQ_ENGINE} (the only engine Firehose supports); got ${JSON.stringify(parameters.JsonParsingEngine ?? null)}`,
    );
  }
  return problems;
}

export function resolveMetadataExtraction(
  parameters: Readonly<Record<string, string>>,
): MetadataExtractionSettings {
  return { query: parameters.MetadataExtractionQuery ?? '' };
}

const FAILED = 'DynamicPartitioning.MetadataExtractionFailed' as const;
const MISSING = 'DynamicPartitioning.PartitionKeyMissing' as const;

/** A scalar as a partition key value: strings as they are, numbers and booleans as jq prints them. */
function keyValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Turns one query output into partition keys or a failure. */
export function partitionKeysFromOutput(output: unknown): ExtractionOutcome {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    return {
      ok: false,
      errorCode: FAILED,
      errorMessage: 'The metadata extraction query must produce a JSON object.',
    };
  }
  const entries = Object.entries(output as Record<string, unknown>);
  if (entries.length > MAX_PARTITION_KEYS) {
    return {
      ok: false,
      errorCode: FAILED,
      errorMessage: `The metadata extraction query produced ${entries.length} keys; at most ${MAX_PARTITION_KEYS} are allowed.`,
    };
  }
  const keys: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (value === null || value === undefined) {
      return {
        ok: false,
        errorCode: MISSING,
        errorMessage: `The partition key ${JSON.stringify(name)} is null or missing in the record.`,
      };
    }
    const text = keyValue(value);
    if (text === undefined) {
      return {
        ok: false,
        errorCode: FAILED,
        errorMessage: `The partition key ${JSON.stringify(name)} must be a string, number or boolean; the query gave ${Array.isArray(value) ? 'an array' : 'an object'}.`,
      };
    }
    keys[name] = text;
  }
  return { ok: true, partitionKeys: keys };
}

/**
 * Evaluates the query on every record (one engine call for the batch) and returns one outcome per record, in
 * order. Records that are not UTF-8 fail without reaching the engine.
 */
export async function extractMetadata(
  records: readonly Uint8Array[],
  settings: MetadataExtractionSettings,
  engine: JqEngine,
): Promise<ExtractionOutcome[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const texts: Array<string | undefined> = records.map((record) => {
    try {
      return decoder.decode(record);
    } catch {
      return undefined;
    }
  });
  const inputs = texts.filter((text): text is string => text !== undefined);
  const results = inputs.length === 0 ? [] : await engine.evaluate(settings.query, inputs);
  let next = 0;
  return texts.map((text): ExtractionOutcome => {
    if (text === undefined)
      return { ok: false, errorCode: FAILED, errorMessage: 'The record is not UTF-8 text, so not JSON.' };
    const result = results[next++];
    if (result === undefined)
      return {
        ok: false,
        errorCode: FAILED,
        errorMessage: 'The JQ engine returned no result for the record.',
      };
    if (!result.ok)
      return {
        ok: false,
        errorCode: FAILED,
        errorMessage: `The metadata extraction query failed: ${result.error}`,
      };
    return partitionKeysFromOutput(result.output);
  });
}
