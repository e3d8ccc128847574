import { describe, expect, it } from 'vitest';
import { FirehoseApiError, SluiceError } from '../../../lib/core/errors.ts';
import { parsePrefix } from '../../../lib/core/s3/prefix-template.ts';
import { fakeIds } from './fake-ids.ts';

const instantMs = Date.parse('2018-08-27T10:30:00Z');
const HINT = 'Expressions have the form !{namespace:value}; write a literal "!{" only as part of one.';

function thrown(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SluiceError) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

describe('parsePrefix', () => {
  it('keeps text without expressions as one literal, including lone ! and braces', () => {
    const template = parsePrefix('logs/a!b{c}/');
    expect(template.hasExpressions).toBe(false);
    expect(template.parts).toEqual([{ kind: 'literal', text: 'logs/a!b{c}/' }]);
    expect(template.render({ instantMs, timeZone: 'UTC', ids: fakeIds() })).toBe('logs/a!b{c}/');
  });

  it('renders every namespace of spec §3.2', () => {
    const template = parsePrefix(
      'c=!{partitionKeyFromQuery:customer}/d=!{partitionKeyFromLambda:device}/!{timestamp:yyyy/MM/dd}/',
    );
    expect(template.hasExpressions).toBe(true);
    const rendered = template.render({
      instantMs,
      timeZone: 'UTC',
      ids: fakeIds(),
      partitionKeys: { customer: 'acme', device: 'phone' },
    });
    expect(rendered).toBe('c=acme/d=phone/2018/08/27/');
  });

  it('evaluates all timestamps at the same instant, each in the given zone', () => {
    const template = parsePrefix('!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/');
    expect(template.render({ instantMs, timeZone: 'UTC', ids: fakeIds() })).toBe('2018/08/27/10/');
    expect(
      template.render({
        instantMs: Date.parse('2018-12-31T15:00:00Z'),
        timeZone: 'Asia/Tokyo',
        ids: fakeIds(),
      }),
    ).toBe('2019/01/01/00/');
  });

  it('draws a new 11-character string for each random-string occurrence', () => {
    const ids = fakeIds();
    const template = parsePrefix('!{firehose:random-string}/x/!{firehose:random-string}/');
    expect(template.render({ instantMs, timeZone: 'UTC', ids })).toBe('r1xxxxxxxxx/x/r2xxxxxxxxx/');
    expect(template.render({ instantMs, timeZone: 'UTC', ids })).toBe('r3xxxxxxxxx/x/r4xxxxxxxxx/');
  });

  it('substitutes the same error output type in every occurrence', () => {
    const template = parsePrefix('err/!{firehose:error-output-type}/!{firehose:error-output-type}/');
    const ctx = { instantMs, timeZone: 'UTC', ids: fakeIds(), errorOutputType: 'processing-failed' };
    expect(template.render(ctx)).toBe('err/processing-failed/processing-failed/');
    expect(template.uses('error-output-type')).toBe(true);
    expect(template.uses('timestamp')).toBe(false);
  });

  it('refuses to render without the data an expression needs', () => {
    const ids = fakeIds();
    expect(
      thrown(() => parsePrefix('!{partitionKeyFromQuery:k}/').render({ instantMs, timeZone: 'UTC', ids }))
        .code,
    ).toBe('PartitionKeyMissing');
    expect(
      thrown(() => parsePrefix('!{firehose:error-output-type}/').render({ instantMs, timeZone: 'UTC', ids }))
        .code,
    ).toBe('ErrorOutputTypeMissing');
  });

  it.each([
    [
      'logs/!{timestamp:yyyy',
      "Prefix contains an invalid expression '!{timestamp:yyyy': '!{' is not closed by '}'.",
    ],
    [
      '!{foo:bar}/',
      "Prefix contains an invalid expression '!{foo:bar}': unknown namespace 'foo' (use timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda).",
    ],
    [
      '!{Timestamp:yyyy}',
      "Prefix contains an invalid expression '!{Timestamp:yyyy}': unknown namespace 'Timestamp' (use timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda).",
    ],
    [
      '!{firehose:random}',
      "Prefix contains an invalid expression '!{firehose:random}': unknown firehose value 'random' (use random-string or error-output-type).",
    ],
    [
      '!{timestamp}',
      'Prefix contains an invalid expression \'!{timestamp}\': it has no ":" between namespace and value.',
    ],
    ['!{timestamp:}', "Prefix contains an invalid expression '!{timestamp:}': the value is empty."],
    ['!{}', 'Prefix contains an invalid expression \'!{}\': it has no ":" between namespace and value.'],
    [
      '!{a!{timestamp:yyyy}',
      "Prefix contains an invalid expression '!{a!{timestamp:yyyy}': expressions cannot be nested.",
    ],
  ])('rejects %s', (source, message) => {
    const error = thrown(() => parsePrefix(source));
    expect(error).toBeInstanceOf(FirehoseApiError);
    expect((error as FirehoseApiError).type).toBe('InvalidArgumentException');
    expect(error.message).toBe(`${message} ${HINT}`);
  });

  it('rejects a bad timestamp pattern with the Java reason, naming the field', () => {
    const error = thrown(() => parsePrefix('e/!{timestamp:yyyy/bb}/', 'ErrorOutputPrefix'));
    expect((error as FirehoseApiError).type).toBe('InvalidArgumentException');
    expect(error.message).toBe(
      "ErrorOutputPrefix contains an invalid expression '!{timestamp:yyyy/bb}': Invalid timestamp pattern 'yyyy/bb': unknown pattern letter 'b'.",
    );
  });
});
