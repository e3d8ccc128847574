import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../../lib/core/errors.ts';
import { compileObjectKeys, type KeyContext } from '../../../lib/core/s3/object-key.ts';
import { fakeIds } from './fake-ids.ts';

const UUID1 = '00000000-0000-4000-8000-000000000001';
const example = Date.parse('2018-08-27T10:30:00Z');

function ctx(overrides: Partial<KeyContext> = {}): KeyContext {
  return {
    streamName: 'clicks',
    versionId: '1',
    instantMs: example,
    timeZone: 'UTC',
    ids: fakeIds(),
    ...overrides,
  };
}

describe('compileObjectKeys: data keys (spec §3.1)', () => {
  it('uses the default yyyy/MM/dd/HH/ prefix when Prefix is empty', () => {
    const keys = compileObjectKeys({ prefix: '', errorOutputPrefix: undefined });
    expect(keys.dataKey(ctx(), '')).toBe(`2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}`);
  });

  it('concatenates the date path to an expression-free prefix without inserting a slash', () => {
    const keys = compileObjectKeys({ prefix: 'legacy', errorOutputPrefix: undefined });
    const instantMs = Date.parse('2026-07-13T14:05:09.123Z');
    expect(keys.dataKey(ctx({ instantMs, versionId: '3' }), '.gz')).toBe(
      `legacy2026/07/13/14/clicks-3-2026-07-13-14-05-09-${UUID1}.gz`,
    );
    const slashed = compileObjectKeys({ prefix: 'myFirehosePrefix/', errorOutputPrefix: undefined });
    expect(slashed.dataKey(ctx(), '')).toBe(
      `myFirehosePrefix/2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });

  it('appends nothing to a prefix with expressions', () => {
    const keys = compileObjectKeys({
      prefix: "dt=!{timestamp:yyyy'-'MM'-'dd}/",
      errorOutputPrefix: '!{firehose:error-output-type}/',
    });
    expect(keys.dataKey(ctx(), '.parquet')).toBe(
      `dt=2018-08-27/clicks-1-2018-08-27-10-30-00-${UUID1}.parquet`,
    );
  });

  it('renders partition keys and a fresh random string per occurrence', () => {
    const keys = compileObjectKeys({
      prefix: 'c=!{partitionKeyFromQuery:customer}/!{firehose:random-string}-!{firehose:random-string}/',
      errorOutputPrefix: 'e/!{firehose:error-output-type}/',
    });
    expect(keys.dataKey(ctx({ partitionKeys: { customer: 'acme' } }), '')).toBe(
      `c=acme/r1xxxxxxxxx-r2xxxxxxxxx/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });

  it('uses CustomTimeZone for the prefix and the suffix alike', () => {
    const keys = compileObjectKeys({ prefix: '', errorOutputPrefix: undefined });
    const instantMs = Date.parse('2018-08-27T20:30:00Z');
    expect(keys.dataKey(ctx({ instantMs, timeZone: 'Asia/Tokyo' }), '')).toBe(
      `2018/08/28/05/clicks-1-2018-08-28-05-30-00-${UUID1}`,
    );
  });

  it('follows America/New_York through the repeated hour when DST ends', () => {
    const keys = compileObjectKeys({ prefix: 'ny/', errorOutputPrefix: undefined });
    const zone = { timeZone: 'America/New_York' };
    expect(keys.dataKey(ctx({ ...zone, instantMs: Date.parse('2026-11-01T05:30:00Z') }), '')).toBe(
      `ny/2026/11/01/01/clicks-1-2026-11-01-01-30-00-${UUID1}`,
    );
    expect(keys.dataKey(ctx({ ...zone, instantMs: Date.parse('2026-11-01T06:30:00Z') }), '')).toBe(
      `ny/2026/11/01/01/clicks-1-2026-11-01-01-30-00-${UUID1}`,
    );
    expect(keys.dataKey(ctx({ ...zone, instantMs: Date.parse('2026-03-08T07:00:00Z') }), '')).toBe(
      `ny/2026/03/08/03/clicks-1-2026-03-08-03-00-00-${UUID1}`,
    );
  });
});

describe('compileObjectKeys: error keys (spec §3.3 #9, #12)', () => {
  it('reproduces the worked example: Prefix unset, ErrorOutputPrefix with the error type', () => {
    const keys = compileObjectKeys({
      prefix: '',
      errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/',
    });
    expect(keys.dataKey(ctx(), '')).toBe(`2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}`);
    expect(keys.errorKey('processing-failed', ctx(), '')).toBe(
      `myFirehoseFailures/processing-failed/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });

  it('without ErrorOutputPrefix puts the error type and the date path after the prefix', () => {
    const slashed = compileObjectKeys({ prefix: 'myFirehosePrefix/', errorOutputPrefix: undefined });
    expect(slashed.errorKey('processing-failed', ctx(), '.gz')).toBe(
      `myFirehosePrefix/processing-failed/2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}.gz`,
    );
    const empty = compileObjectKeys({ prefix: '', errorOutputPrefix: '' });
    expect(empty.errorKey('format-conversion-failed', ctx(), '')).toBe(
      `format-conversion-failed/2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
    const bare = compileObjectKeys({ prefix: 'legacy', errorOutputPrefix: undefined });
    expect(bare.errorKey('processing-failed', ctx(), '')).toBe(
      `legacyprocessing-failed/2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });

  it('completes an expression-free ErrorOutputPrefix with the date path, like Prefix', () => {
    const keys = compileObjectKeys({ prefix: 'data/', errorOutputPrefix: 'errors/' });
    expect(keys.errorKey('processing-failed', ctx(), '')).toBe(
      `errors/2018/08/27/10/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });

  it('renders timestamps and random strings in the error prefix', () => {
    const keys = compileObjectKeys({
      prefix: 'd/!{timestamp:yyyy}/',
      errorOutputPrefix: 'e/!{firehose:error-output-type}/!{timestamp:yyyy/MM}/!{firehose:random-string}/',
    });
    expect(keys.errorKey('http-endpoint-failed', ctx({ timeZone: 'Asia/Tokyo' }), '')).toBe(
      `e/http-endpoint-failed/2018/08/r1xxxxxxxxx/clicks-1-2018-08-27-19-30-00-${UUID1}`,
    );
  });
});

describe('compileObjectKeys: evaluated prefix limit (spec §3.3 rule 5)', () => {
  const keys = compileObjectKeys({
    prefix: '!{partitionKeyFromLambda:k}/',
    errorOutputPrefix: '!{firehose:error-output-type}/',
  });

  it('allows exactly 512 characters', () => {
    const k = 'a'.repeat(511);
    expect(keys.dataKey(ctx({ partitionKeys: { k } }), '')).toBe(
      `${k}/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });

  it('throws PrefixTooLong beyond 512 characters so the caller can use the error prefix', () => {
    let error: unknown;
    try {
      keys.dataKey(ctx({ partitionKeys: { k: 'a'.repeat(512) } }), '');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('PrefixTooLong');
    expect((error as SluiceError).message).toBe(
      'Prefix evaluated to 513 characters; at most 512 are allowed.',
    );
    expect(keys.errorKey('processing-failed', ctx(), '')).toBe(
      `processing-failed/clicks-1-2018-08-27-10-30-00-${UUID1}`,
    );
  });
});

describe('compileObjectKeys: properties', () => {
  const fragment = fc.oneof(
    fc.stringMatching(/^[a-z0-9=/_.-]{0,40}$/),
    fc.constantFrom(
      '!{timestamp:yyyy}',
      "!{timestamp:yyyy'-'MM'-'dd}",
      '!{timestamp:HH/mm}',
      '!{timestamp:MMMM EEEE}',
      '!{firehose:random-string}',
      '!{partitionKeyFromQuery:p}',
    ),
  );
  const SUFFIX = /^clicks-(\d+)-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-f-]{36}(\.gz)?$/;

  it('a key is <prefix of at most 512 characters><stream>-<version>-<timestamp>-<uuid><extension>', () => {
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 30 }),
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2099-12-31T23:59:59Z') }),
        fc.constantFrom('UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata'),
        fc.integer({ min: 1, max: 999 }),
        fc.constantFrom('', '.gz'),
        fc.stringMatching(/^[a-z0-9]{0,300}$/),
        (fragments, instantMs, timeZone, version, extension, partitionValue) => {
          const prefix = fragments.join('');
          const keys = compileObjectKeys({ prefix, errorOutputPrefix: undefined });
          const context = ctx({
            instantMs,
            timeZone,
            versionId: String(version),
            partitionKeys: { p: partitionValue },
          });
          let key: string;
          try {
            key = keys.dataKey(context, extension);
          } catch (error) {
            expect((error as SluiceError).code).toBe('PrefixTooLong');
            return;
          }
          const suffixStart = key.lastIndexOf('clicks-');
          const evaluatedPrefix = key.slice(0, suffixStart);
          const match = SUFFIX.exec(key.slice(suffixStart));
          expect(match).not.toBeNull();
          expect(match![1]).toBe(String(version));
          expect(match![8] ?? '').toBe(extension);
          expect(evaluatedPrefix.length).toBeLessThanOrEqual(512);
          if (!prefix.includes('!{')) {
            // The concatenated date path and the suffix timestamp come from the same instant and zone.
            const [, , yyyy, mm, dd, hh] = match!;
            expect(evaluatedPrefix).toBe(`${prefix}${yyyy}/${mm}/${dd}/${hh}/`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
