import type { ConversionOptions } from './options.ts';
import type { HiveField } from './schema.ts';

/**
 * How JSON keys find their columns (spec §7.2), shared by the byte-level and the JSON.parse readers so that both
 * match exactly the same keys.
 */
export interface KeyMatching {
  /** A JSON key as it is compared with (normalised) column names. */
  readonly normalize: (key: string) => string;
  /** ColumnToJsonKeyMappings (OpenX only): normalised JSON key → top-level column name. */
  readonly mapped: ReadonlyMap<string, string>;
}

export function keyMatchingOf(options: ConversionOptions): KeyMatching {
  const hive = options.deserializer === 'HiveJsonSerDe';
  // HiveJsonSerDe matches keys to (lower-case) Hive column names case-insensitively; OpenX only when
  // CaseInsensitive is true (its default).
  const lower = hive || options.caseInsensitive;
  const dots = !hive && options.convertDotsInJsonKeysToUnderscores;
  const normalize = (key: string) => {
    const k = lower ? key.toLowerCase() : key;
    return dots ? k.replaceAll('.', '_') : k;
  };
  const mapped = new Map<string, string>();
  if (!hive) {
    for (const [column, jsonKey] of Object.entries(options.columnToJsonKeyMappings))
      mapped.set(normalize(jsonKey), column);
  }
  return { normalize, mapped };
}

/** Normalised JSON key → index of the struct field (or top-level column, with `mapped`) it feeds. */
export function fieldIndexByKey(
  fields: readonly HiveField[],
  matching: KeyMatching,
  topLevel: boolean,
): Map<string, number> {
  const names = new Map<string, number>();
  fields.forEach((field, i) => {
    names.set(matching.normalize(field.name), i);
  });
  if (topLevel) {
    for (const [jsonKey, column] of matching.mapped) {
      const index = fields.findIndex((f) => matching.normalize(f.name) === matching.normalize(column));
      if (index >= 0) names.set(jsonKey, index);
    }
  }
  return names;
}

/** Distinct JSON keys remembered per struct; beyond this, keys are normalised each time (random-key maps). */
export const KEY_CACHE_LIMIT = 10_000;
