import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createJqWebEngine } from '../../lib/adapters/jq-web-engine.ts';
import { compileMetadataExtraction, type ProcessorRecord } from '../../lib/core/processors/index.ts';

/**
 * MetadataExtraction (spec §6, `JsonParsingEngine` = `JQ-1.6`) against the jq 1.6 binary the engine name refers
 * to. Sluice runs jq 1.7.1 compiled to WebAssembly (jq-web) and reproduces 1.6's number handling; this test is
 * what holds it to 1.6. For every (query, record) pair both must agree on whether the record gets partition keys
 * and, when it does, on every key. Error messages are not compared: 1.6 and 1.7 word them differently.
 *
 * The reference keys come from jq 1.6 alone: the query runs with `-c`; exactly one output that is an object of
 * non-null scalars gives keys; a second jq 1.6 run turns each number into the text jq 1.6 prints for it (`tojson`),
 * so Sluice's own 1.6 number formatter is checked rather than reused.
 */
const JQ16 = '/usr/bin/jq';

const RECORDS = [
  '{"customer_id":"c-42","type":{"device":"mobile","os":"ios"},"event_timestamp":1700000000,"amount":12.5,"count":3,"tags":["a","b"],"name":"Alice Smith","ok":true,"ms":1700000000123,"iso":"2023-11-14T22:13:20Z","nested":{"deep":{"x":[{"y":1},{"y":2}]}}}',
  '{"customer_id":"c-7","type":{"device":"desktop"},"event_timestamp":1609459199,"amount":0,"count":-1,"tags":[],"name":"bob","ok":false,"ms":0,"iso":"2020-12-31T23:59:59Z","nested":{}}',
  '{"customer_id":null,"event_timestamp":"not a number","amount":1e3,"tags":"x","name":""}',
  '[1,2,3]',
  '"just a string"',
  '{"customer_id": 12345678901234567890, "amount": 1.10, "event_timestamp": 1.7e9, "name": "Zoë 😀", "tags": ["x", 1, null], "iso": "2024-02-29T12:00:00Z", "ms": 0.1}',
  '{"customer_id":"C-UPPER","type":{"device":"tablet","os":"android"},"event_timestamp":951782400,"amount":-7.25,"count":1e17,"tags":["q"],"name":"Mixed Case Name","ok":true,"ms":951782400999,"iso":"2000-02-29T00:00:00Z"}',
];

const QUERIES = [
  // nested paths and missing fields
  '{customer_id: .customer_id}',
  '{device: .type.device}',
  '{os: .type.os}',
  '{missing: .does.not.exist}',
  '{y: .nested.deep.x[1].y}',
  '{customer_id: .customer_id, device: .type.device, year: .event_timestamp|strftime("%Y")}',
  // time: strftime, strptime, todate, fromdate, mktime
  '{year: .event_timestamp|strftime("%Y"), month: .event_timestamp|strftime("%m"), day: .event_timestamp|strftime("%d"), hour: .event_timestamp|strftime("%H")}',
  '{date: .event_timestamp|strftime("%Y-%m-%d")}',
  '{ts: (.ms / 1000 | floor | strftime("%Y/%m/%d/%H"))}',
  '{date: .event_timestamp|todate}',
  '{year: (.iso | fromdate | strftime("%Y"))}',
  '{day: (.iso | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime | strftime("%j"))}',
  '{weekday: .event_timestamp|strftime("%A")}',
  '{month: (.iso | strptime("%Y-%m-%dT%H:%M:%SZ") | strftime("%B"))}',
  // arrays
  '{first_tag: .tags[0]}',
  '{tag_count: (.tags | length)}',
  '{tags: (.tags | join("-"))}',
  '{x: .[0]}',
  '{last: .tags[-1]}',
  '{sorted: (.tags | sort | join(","))}',
  // strings
  '{upper: (.name | ascii_upcase)}',
  '{lower: (.name | ascii_downcase)}',
  '{first: (.name | split(" ") | .[0])}',
  '{prefix: (.customer_id | ltrimstr("c-"))}',
  '{sub: (.name | sub("[aeiou]"; "_"))}',
  '{len: (.name | length | tostring)}',
  '{key: "\\(.customer_id)/\\(.type.device)"}',
  '{test: (.name | test("^[A-Z]"))}',
  '{hash: (.customer_id | @base64)}',
  '{uri: (.name | @uri)}',
  '{s: .}',
  // numbers
  '{amount: .amount}',
  '{amount_str: (.amount | tostring)}',
  '{bucket: ((.amount / 10) | floor)}',
  '{cents: (.amount * 100)}',
  '{count: .count}',
  '{big: .customer_id}',
  '{ratio: (.ms / 3)}',
  // booleans, types, conditionals, alternatives, select
  '{flag: .ok}',
  '{kind: (.type | type)}',
  '{has_type: has("type")}',
  '{device: (.type.device // "unknown")}',
  '{tier: (if .amount > 10 then "high" else "low" end)}',
  '{id: .customer_id, n: (.tags | map(ascii_upcase) | join(""))}',
  '{k: (.type | keys | join(","))}',
  '{mobile: (.type | select(.device == "mobile") | .os)}',
  '{tag: (.tags | map(select(. != null)) | first)}',
  // not one object of scalars
  '.type',
  '.tags[]',
  'empty',
  '{a: (.name | error)}',
  '{nested: .type}',
];

const reference = (query: string, input: string) => {
  const run = spawnSync(JQ16, ['-c', query], { input, encoding: 'utf8', env: { TZ: 'UTC' } });
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  if (run.status !== 0 || lines.length !== 1) return undefined;
  const output: unknown = JSON.parse(lines[0]!);
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return undefined;
  const values = Object.values(output);
  if (values.some((v) => v === null || typeof v === 'object')) return undefined;
  // jq 1.6 itself prints each number; its text is the reference partition key.
  const printed = spawnSync(JQ16, ['-c', 'map_values(if type == "number" then tojson else tostring end)'], {
    input: lines[0],
    encoding: 'utf8',
  });
  return JSON.parse(printed.stdout) as Record<string, string>;
};

const recordOf = (text: string, i: number): ProcessorRecord => ({
  data: new TextEncoder().encode(text),
  arrivalMs: 0,
  recordId: `r${i}`,
});

describe.skipIf(!existsSync(JQ16))('MetadataExtraction equals jq 1.6 (spec §6)', () => {
  it(`agrees with ${JQ16} on ${QUERIES.length} queries × ${RECORDS.length} records`, async () => {
    const engine = createJqWebEngine();
    const records = RECORDS.map(recordOf);
    const disagreements: string[] = [];
    let withKeys = 0;
    let failures = 0;
    for (const query of QUERIES) {
      const outcomes = await (await compileMetadataExtraction(engine, query)).extract(records);
      RECORDS.forEach((input, i) => {
        const expected = reference(query, input);
        const outcome = outcomes[i]!;
        const actual = outcome.status === 'ok' ? outcome.records[0]!.partitionKeys : undefined;
        if (outcome.status === 'failed') {
          expect(outcome.errorCode).toBe('DynamicPartitioning.MetadataExtractionFailed');
          expect(outcome.errorOutputType).toBe('processing-failed');
        }
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          disagreements.push(
            `${query} on record ${i}: jq 1.6 ${JSON.stringify(expected)}, Sluice ${JSON.stringify(actual)}`,
          );
        }
        if (expected) withKeys++;
        else failures++;
      });
    }
    expect(disagreements).toEqual([]);
    // Both kinds of answer are exercised, not only one.
    expect(withKeys).toBeGreaterThan(150);
    expect(failures).toBeGreaterThan(100);
  });
});
