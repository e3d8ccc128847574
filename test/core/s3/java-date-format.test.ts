import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../../lib/core/errors.ts';
import { compileDateFormat, ISO_WEEKS } from '../../../lib/core/s3/java-date-format.ts';
import { JAVA_GOLDEN, JAVA_GOLDEN_ISO_WEEKS, JAVA_REJECTED } from './java-date-format.golden.ts';

const at = (iso: string) => Date.parse(iso);

function errorOf(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SluiceError) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

describe('compileDateFormat against JDK 17 output', () => {
  it.each(JAVA_GOLDEN)('%s at %s in %s', (pattern, instant, zone, expected) => {
    expect(compileDateFormat(pattern).format(at(instant), zone)).toBe(expected);
  });

  it.each(JAVA_GOLDEN_ISO_WEEKS)('ISO weeks: %s at %s in %s', (pattern, instant, zone, expected) => {
    expect(compileDateFormat(pattern, { weeks: ISO_WEEKS }).format(at(instant), zone)).toBe(expected);
  });

  it.each(JAVA_REJECTED)('rejects %s as Java does', (pattern) => {
    expect(errorOf(() => compileDateFormat(pattern)).code).toBe('InvalidTimestampFormat');
  });
});

describe('compileDateFormat', () => {
  it('prints the default date path of the worked example (spec §3.3 #12)', () => {
    expect(compileDateFormat('yyyy/MM/dd/HH').format(at('2018-08-27T10:30:00Z'), 'UTC')).toBe(
      '2018/08/27/10',
    );
  });

  it('treats quoted text as literal and two quotes as one quote', () => {
    const format = compileDateFormat("yyyy'-'MM'-'dd 'at' HH'h' ''HH'' 'it''s'");
    expect(format.format(at('2018-08-27T10:30:00Z'), 'UTC')).toBe("2018-08-27 at 10h '10' it's");
  });

  it('prints letters inside quotes verbatim, even ones Java would reject unquoted', () => {
    expect(compileDateFormat("'bfl{#}'yyyy").format(at('2018-08-27T10:30:00Z'), 'UTC')).toBe('bfl{#}2018');
  });

  it('applies the time zone across a date line and DST changes', () => {
    const format = compileDateFormat('yyyy-MM-dd HH:mm XXX');
    expect(format.format(at('2018-08-27T20:30:00Z'), 'Asia/Tokyo')).toBe('2018-08-28 05:30 +09:00');
    // America/New_York springs forward at 2026-03-08 07:00Z and falls back at 2026-11-01 06:00Z.
    expect(format.format(at('2026-03-08T06:59:00Z'), 'America/New_York')).toBe('2026-03-08 01:59 -05:00');
    expect(format.format(at('2026-03-08T07:00:00Z'), 'America/New_York')).toBe('2026-03-08 03:00 -04:00');
    expect(format.format(at('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30 -04:00');
    expect(format.format(at('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30 -05:00');
  });

  it('reports Java letters Sluice does not reproduce as unsupported, not invalid', () => {
    for (const pattern of ['z', 'zzzz', 'v', 'B', 'F', 'ppH']) {
      expect(errorOf(() => compileDateFormat(pattern)).code).toBe('UnsupportedTimestampFormat');
    }
  });

  it('names the pattern and the reason in the message', () => {
    expect(errorOf(() => compileDateFormat('yyyy/bb')).message).toBe(
      "Invalid timestamp pattern 'yyyy/bb': unknown pattern letter 'b'.",
    );
  });

  it('rejects an unknown time zone when formatting', () => {
    const error = errorOf(() => compileDateFormat('yyyy').format(0, 'Mars/Olympus_Mons'));
    expect(error.code).toBe('InvalidTimeZone');
  });
});
