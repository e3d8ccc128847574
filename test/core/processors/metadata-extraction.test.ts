import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createJqWebEngine } from '../../../lib/adapters/jq-web-engine.ts';
import {
  compileMetadataExtraction,
  formatJq16Number,
  type ProcessorRecord,
} from '../../../lib/core/processors/index.ts';

const engine = createJqWebEngine();
const rec = (text: string, i = 0): ProcessorRecord => ({
  data: new TextEncoder().encode(text),
  arrivalMs: 0,
  recordId: `r${i}`,
});

/** Partition keys as the jq 1.6 CLI computes them: the query's object, values stringified as jq prints them. */
function cliKeys(query: string, input: string): Record<string, string> {
  const out = JSON.parse(execFileSync('jq', ['-c', query], { input }).toString()) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : typeof v === 'number' ? formatJq16Number(v) : String(v),
    ]),
  );
}

describe('MetadataExtraction (spec §6, JQ-1.6)', () => {
  it('extracts the keys the jq 1.6 CLI extracts', async () => {
    const cases: Array<[string, string]> = [
      [
        '{customer_id: .customer_id, device: .type.device}',
        '{"customer_id":"c-1","type":{"device":"phone"}}',
      ],
      [
        '{year: .event_timestamp | strftime("%Y"), hour: (.event_timestamp | strftime("%H"))}',
        '{"event_timestamp":1693526400}',
      ],
      ['{n: .n, big: .big, f: .f, t: .t}', '{"n":1.0,"big":100000000000000000001,"f":0.00001,"t":true}'],
      ['{k: (.tags | map(ascii_upcase) | join("-"))}', '{"tags":["a","b"]}'],
      ['{k: (.a // "default")}', '{"b":1}'],
      ['{k: .s | split("/") | .[1]}', '{"s":"x/y/z"}'],
      ['{k: (.n | tostring)}', '{"n":1.0}'],
    ];
    for (const [query, input] of cases) {
      const extractor = await compileMetadataExtraction(engine, query);
      const [outcome] = await extractor.extract([rec(input)]);
      expect(outcome, query).toEqual({
        status: 'ok',
        records: [{ ...rec(input), partitionKeys: cliKeys(query, input) }],
      });
    }
  });

  it('fails only the records that cannot give keys, with DynamicPartitioning.MetadataExtractionFailed', async () => {
    const extractor = await compileMetadataExtraction(engine, '{c: .c}');
    const outcomes = await extractor.extract(
      ['{"c":"a"}', 'not json', '{"d":1}', '"text"', '{"c":{"nested":1}}', '{"c":2}'].map(rec),
    );
    expect(
      outcomes.map((o) =>
        o.status === 'ok' ? o.records[0]!.partitionKeys : o.status === 'failed' && o.errorCode,
      ),
    ).toEqual([
      { c: 'a' },
      'DynamicPartitioning.MetadataExtractionFailed',
      'DynamicPartitioning.MetadataExtractionFailed',
      'DynamicPartitioning.MetadataExtractionFailed',
      'DynamicPartitioning.MetadataExtractionFailed',
      { c: '2' },
    ]);
  });

  it('requires exactly one object output', async () => {
    for (const query of ['.c', 'empty', '{c: .c}, {c: .c}', '[.c]']) {
      const extractor = await compileMetadataExtraction(engine, query);
      const [outcome] = await extractor.extract([rec('{"c":"a"}')]);
      expect(outcome?.status, query).toBe('failed');
    }
  });

  it('keeps keys a Lambda already set, the query overriding on equal names', async () => {
    const extractor = await compileMetadataExtraction(engine, '{a: .a}');
    const [outcome] = await extractor.extract([{ ...rec('{"a":"q"}'), partitionKeys: { a: 'l', b: 'l' } }]);
    expect(outcome?.status === 'ok' && outcome.records[0]!.partitionKeys).toEqual({ a: 'q', b: 'l' });
  });

  it('rejects a query that does not compile', async () => {
    await expect(compileMetadataExtraction(engine, '{a: .a')).rejects.toThrow(/syntax error/);
  });
});
