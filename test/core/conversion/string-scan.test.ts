import { describe, expect, it } from 'vitest';
import { ColumnData } from '../../../lib/core/conversion/column-data.ts';
import { buildDictionary } from '../../../lib/core/conversion/dictionary.ts';
import { JsonShredder } from '../../../lib/core/conversion/json-shredder.ts';
import { conversionWith, query, roundTrip, schemaOf } from './helpers.ts';

/**
 * The scanner copies plain ASCII strings four bytes at a time and hashes them for the dictionary on the way;
 * every other string takes the general path, which hashes after copying. Both must give the same values and the
 * same dictionary entries: strings of every length up to 25 with a character needing care (escape, control,
 * non-ASCII, quote) at every position, each sent twice so the column is dictionary-encoded, plus the same
 * strings cut by varchar(5), read back value by value with DuckDB and hyparquet.
 */

const CARE = ['\\"', '\\\\', '\\n', '\\u0041', 'é', '€', '😀', '\\t', '/'];

function strings(): string[] {
  const out: string[] = [];
  for (let length = 0; length <= 25; length++) {
    const plain = Array.from({ length }, (_, i) => String.fromCharCode(0x61 + ((i * 7) % 26))).join('');
    out.push(plain);
    for (let at = 0; at < length; at += 3) {
      const care = CARE[(length + at) % CARE.length]!;
      out.push(plain.slice(0, at) + care + plain.slice(at + 1));
      // The same text as `plain`, escaped: general path, same dictionary entry.
      out.push(`${plain.slice(0, at)}\\u00${plain.charCodeAt(at).toString(16)}${plain.slice(at + 1)}`);
    }
  }
  return out;
}

describe('string scanning', () => {
  it('stores plain and escaped strings of every length and position alike, dictionary-encoded', async () => {
    const texts = strings();
    const records = [...texts, ...texts].map((text) => `{"s":"${text}","v":"${text}","tags":["${text}"]}`);
    const { duck, hyp, result, path } = await roundTrip(records, {
      s: 'string',
      v: 'varchar(5)',
      tags: 'array<string>',
    });
    expect(result.failures).toEqual([]);
    const expected = records.map((record) => {
      const { s } = JSON.parse(record) as { s: string };
      return { s, v: [...s].slice(0, 5).join(''), tags: [s] };
    });
    expect(duck).toEqual(expected);
    expect(hyp).toEqual(expected);
    const encodings = await query(
      `select path_in_schema as path, encodings from parquet_metadata('${path}') order by column_id`,
    );
    expect(encodings.map((row) => String(row.encodings))).toEqual([
      expect.stringContaining('PLAIN_DICTIONARY'),
      expect.stringContaining('PLAIN_DICTIONARY'),
      expect.stringContaining('PLAIN_DICTIONARY'),
    ]);
    const distinct = await query(`select count(distinct s)::INT as n from read_parquet('${path}')`);
    expect(distinct).toEqual([{ n: new Set(texts.map((t) => JSON.parse(`"${t}"`))).size }]);
  });

  it('gives a string one dictionary entry whichever path scanned it', () => {
    const texts = strings();
    const schema = schemaOf({ s: 'string' });
    const columns = schema.leaves.map((leaf) => new ColumnData(leaf));
    const shredder = new JsonShredder(schema, columns, conversionWith().deserializer);
    const bytes = new TextEncoder().encode(texts.map((text) => `{"s":"${text}"}`).join('\n'));
    shredder.record(bytes, 0, bytes.length);
    const dictionary = buildDictionary(columns[0]!, 1 << 20);
    expect(dictionary?.size).toBe(new Set(texts.map((t) => JSON.parse(`"${t}"`))).size);
  });
});
