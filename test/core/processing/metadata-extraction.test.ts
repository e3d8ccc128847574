import { describe, expect, it } from 'vitest';
import {
  checkMetadataExtraction,
  extractMetadata,
  partitionKeysFromOutput,
} from '../../../lib/core/processing/metadata-extraction.ts';
import type { JqEngine } from '../../../lib/core/processing/ports.ts';

describe('MetadataExtraction (§6)', () => {
  it('checks parameters', () => {
    expect(
      checkMetadataExtraction({ MetadataExtractionQuery: '{a: .a}', JsonParsingEngine: 'JQ-1.6' }),
    ).toEqual([]);
    expect(checkMetadataExtraction({ JsonParsingEngine: 'JQ-1.7' })).toEqual([
      'MetadataExtraction needs MetadataExtractionQuery, a JQ object such as {customer: .customer_id}',
      'MetadataExtraction needs JsonParsingEngine JQ-1.6 (the only engine Firehose supports); got "JQ-1.7"',
    ]);
  });

  it('turns outputs into string keys or failures', () => {
    expect(partitionKeysFromOutput({ a: 'x', n: 10, f: 1.5, b: false })).toEqual({
      ok: true,
      partitionKeys: { a: 'x', n: '10', f: '1.5', b: 'false' },
    });
    expect(partitionKeysFromOutput('x')).toEqual({
      ok: false,
      errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
      errorMessage: 'The metadata extraction query must produce a JSON object.',
    });
    expect(partitionKeysFromOutput({ a: [1] })).toMatchObject({
      ok: false,
      errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
    });
    expect(partitionKeysFromOutput({ a: null })).toMatchObject({
      ok: false,
      errorCode: 'DynamicPartitioning.PartitionKeyMissing',
    });
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(partitionKeysFromOutput(many)).toEqual({
      ok: false,
      errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
      errorMessage: 'The metadata extraction query produced 51 keys; at most 50 are allowed.',
    });
  });

  it('calls the engine once for the batch, skipping records that are not UTF-8', async () => {
    const calls: Array<readonly string[]> = [];
    const engine: JqEngine = {
      async evaluate(_query, inputs) {
        calls.push(inputs);
        return inputs.map((input) => ({ ok: true, output: { v: input } }));
      },
    };
    const enc = (text: string) => new TextEncoder().encode(text);
    const outcomes = await extractMetadata(
      [enc('a'), new Uint8Array([0xc3]), enc('b')],
      { query: '.' },
      engine,
    );
    expect(calls).toEqual([['a', 'b']]);
    expect(outcomes.map((o) => (o.ok ? o.partitionKeys.v : o.errorMessage))).toEqual([
      'a',
      'The record is not UTF-8 text, so not JSON.',
      'b',
    ]);
  });
});
