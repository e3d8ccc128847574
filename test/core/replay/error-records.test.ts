import { describe, expect, it } from 'vitest';
import { jsonDocuments, parseErrorObject } from '../../../lib/core/replay/error-records.ts';

const doc = (raw: string, extra = '') => `{"rawData":"${Buffer.from(raw).toString('base64')}"${extra}}`;

describe('jsonDocuments', () => {
  it('splits newline-separated and concatenated objects, braces inside strings included', () => {
    const text = `{"a":"}{"}\n{"b":{"c":1}}{"d":"\\"}"}  `;
    expect([...jsonDocuments(text)]).toEqual(['{"a":"}{"}', '{"b":{"c":1}}', '{"d":"\\"}"}']);
  });

  it('yields stray text and an unterminated object so they are reported', () => {
    expect([...jsonDocuments('oops {"a":1} {"b":')]).toEqual(['oops', '{"a":1}', '{"b":']);
  });
});

describe('parseErrorObject', () => {
  it('returns the raw records in order and says which documents it could not read', () => {
    const body = Buffer.from(`${doc('one', ',"errorCode":"x"')}\n${doc('two')}{"rawData":"@@"}\n{"x":1}\n{`);
    const parsed = parseErrorObject(body);
    expect(parsed.records.map((r) => Buffer.from(r).toString())).toEqual(['one', 'two']);
    expect(parsed.problems).toEqual([
      'document 3 has no base64 rawData',
      'document 4 has no base64 rawData',
      'document 5 is not valid JSON',
    ]);
  });
});
