import { bounded } from '../errors.ts';
import type { JqEngine, JqProgram } from '../ports.ts';
import { formatJq16Number } from './jq-number.ts';
import { failed, ok, type ProcessorRecord, type RecordOutcome } from './processor-record.ts';

/**
 * The error code of records whose keys could not be extracted; this is the code real Firehose streams report for
 * inline-parsing failures (seen in public test suites that assert on AWS's error output).
 */
export const METADATA_EXTRACTION_FAILED = 'DynamicPartitioning.MetadataExtractionFailed';

/** The only JsonParsingEngine Firehose supports (spec §6). */
export const JQ_16 = 'JQ-1.6';

/** MetadataExtraction applied to a batch; compiled once per configuration. */
export interface MetadataExtractor {
  readonly query: string;
  /** One outcome per record, in order. Rejects only when the jq engine itself fails. */
  extract(records: readonly ProcessorRecord[]): Promise<RecordOutcome[]>;
}

/**
 * Compiles `MetadataExtractionQuery` (spec §6): a jq program that turns each record (one JSON document) into an
 * object whose values become the record's `partitionKeyFromQuery` keys. Rejects with the jq compile error when
 * the query is not valid jq.
 *
 * Per record: the data must be one JSON document; the query must produce exactly one output; that output must be
 * an object; every value must be a string, number or boolean (numbers print as jq 1.6 prints them). A null value,
 * which is what jq yields for a field the record does not have, counts as a missing key. Anything else fails the
 * record with `DynamicPartitioning.MetadataExtractionFailed`; the other records are unaffected.
 *
 * Records are parsed and re-serialised before jq sees them, so numbers reach jq as doubles, as in jq 1.6 (the WASM
 * builds are jq 1.7, which would keep `1.0` or a 20-digit integer verbatim).
 */
export async function compileMetadataExtraction(engine: JqEngine, query: string): Promise<MetadataExtractor> {
  const program = await engine.compile(query);
  return { query, extract: (records) => extractAll(program, records) };
}

const utf8 = new TextDecoder('utf-8');

async function extractAll(program: JqProgram, records: readonly ProcessorRecord[]): Promise<RecordOutcome[]> {
  const outcomes: Array<RecordOutcome | undefined> = new Array(records.length);
  const inputs: string[] = [];
  const inputOf: number[] = [];
  records.forEach((record, i) => {
    // Invalid UTF-8 becomes U+FFFD, as jq's own reader does.
    const text = utf8.decode(record.data);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      outcomes[i] = failed(
        record,
        METADATA_EXTRACTION_FAILED,
        `The record is not valid JSON: ${bounded(error instanceof Error ? error.message : String(error))}`,
      );
      return;
    }
    inputs.push(JSON.stringify(parsed));
    inputOf.push(i);
  });
  const results = inputs.length === 0 ? [] : await program.runEach(inputs);
  results.forEach((result, j) => {
    const i = inputOf[j]!;
    const record = records[i]!;
    if (!result.ok) {
      outcomes[i] = failed(
        record,
        METADATA_EXTRACTION_FAILED,
        `The query failed: ${bounded(result.error, 200)}`,
      );
      return;
    }
    const keys = partitionKeysOf(result.outputs);
    outcomes[i] =
      typeof keys === 'string'
        ? failed(record, METADATA_EXTRACTION_FAILED, keys)
        : ok({ ...record, partitionKeys: { ...record.partitionKeys, ...keys } });
  });
  return outcomes as RecordOutcome[];
}

/** The partition keys of the query's outputs, or why there are none. */
export function partitionKeysOf(outputs: readonly unknown[]): Record<string, string> | string {
  if (outputs.length !== 1) {
    return `The query produced ${outputs.length} results; it must produce exactly one object.`;
  }
  const output = outputs[0];
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    return `The query produced ${bounded(JSON.stringify(output))}; it must produce an object of partition keys.`;
  }
  const keys: Record<string, string> = {};
  for (const [name, value] of Object.entries(output)) {
    if (value === null || value === undefined) {
      return `Partition key '${bounded(name)}' has no value in the record (the query gave null).`;
    }
    if (typeof value === 'string') keys[name] = value;
    else if (typeof value === 'number') keys[name] = formatJq16Number(value);
    else if (typeof value === 'boolean') keys[name] = String(value);
    else {
      return `Partition key '${bounded(name)}' is ${Array.isArray(value) ? 'an array' : 'an object'}; partition key values must be strings, numbers or booleans.`;
    }
  }
  return keys;
}
