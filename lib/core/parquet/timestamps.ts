import { bounded, SluiceError } from '../errors.ts';

/**
 * Timestamp and date parsing for the two deserializers (spec §7.2). Results are milliseconds (or days) since
 * the epoch in UTC: the Parquet column is TIMESTAMP(MILLIS, isAdjustedToUTC=true), so fractions beyond the
 * millisecond are truncated, and text without a zone is read as UTC. Calendar arithmetic is done here rather
 * than with `Date.UTC`, which maps years 0–99 to 1900–1999.
 */

/** Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Milliseconds since the epoch for valid fields, or undefined when a field is out of range. */
export function utcMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: string | undefined,
): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
}

/** `yyyy-MM-dd` (month and day may be one digit, as `java.sql.Date.valueOf` allows) → days since the epoch. */
export function parseDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

const ISO_Z = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
/** `java.sql.Timestamp.valueOf`'s format, also OpenX's second text form. */
const SQL = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

function fromMatch(m: RegExpExecArray): number | undefined {
  return utcMillis(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7]);
}

/**
 * Integers below 10^11 are epoch seconds (10^11 s is the year 5138), larger ones epoch milliseconds; numbers
 * with a fraction are floating epoch seconds. Firehose documents the three forms (§7.2) but not how it tells
 * seconds from milliseconds; this threshold is Sluice's choice.
 */
function epochMillis(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Number.isInteger(value)) return Math.abs(value) < 1e11 ? value * 1000 : value;
  // Rounding first keeps 1.001 s at 1001 ms despite binary floating point; then truncate like the text forms.
  return Math.floor(Math.round(value * 1e6) / 1e3);
}

/** OpenXJsonSerDe timestamps (§7.2): ISO-8601 with `Z`, SQL text, epoch seconds/millis, floating seconds. */
export function parseOpenXTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return epochMillis(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = ISO_Z.exec(text) ?? SQL.exec(text);
  if (m) return fromMatch(m);
  return NUMERIC.test(text) ? epochMillis(Number(text)) : undefined;
}

/** A compiled HiveJsonSerDe `TimestampFormats` entry. */
export type TimestampParser = (value: unknown) => number | undefined;

/**
 * HiveJsonSerDe timestamps: each format of `TimestampFormats` in order, `millis` for epoch milliseconds, and
 * `java.sql.Timestamp.valueOf` (`yyyy-[M]M-[d]d HH:mm:ss[.f…]`) when the list is empty, as Firehose documents.
 */
export function hiveTimestampParser(formats: readonly string[]): TimestampParser {
  const parsers: TimestampParser[] = formats.map(compileTimestampFormat);
  if (parsers.length === 0) {
    parsers.push((value) => {
      if (typeof value !== 'string') return undefined;
      const m = SQL.exec(value);
      return m ? fromMatch(m) : undefined;
    });
  }
  return (value) => {
    for (const parse of parsers) {
      const millis = parse(value);
      if (millis !== undefined) return millis;
    }
    return undefined;
  };
}

type Field = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction' | 'zone';
const LETTERS: Record<string, Field> = {
  y: 'year',
  Y: 'year',
  M: 'month',
  d: 'day',
  H: 'hour',
  m: 'minute',
  s: 'second',
  S: 'fraction',
  Z: 'zone',
};

/**
 * Compiles the subset of Joda-Time `DateTimeFormat` that timestamp formats use in practice: y/Y, M (numeric),
 * d, H, m, s, S (fraction), Z (offset or `Z`), quoted literals and punctuation. Anything else (names of months,
 * 12-hour clocks, week fields) is refused with a SluiceError so that a misconfigured stream fails at validation.
 */
export function compileTimestampFormat(format: string): TimestampParser {
  if (format === 'millis') {
    return (value) => {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && NUMERIC.test(value)
            ? Number(value)
            : NaN;
      return Number.isInteger(n) ? n : undefined;
    };
  }
  type Token = { field: Field; count: number } | { literal: string };
  const tokens: Token[] = [];
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === "'") {
      const end = format.indexOf("'", i + 1);
      if (end < 0) throw badFormat(format, 'unterminated quote');
      tokens.push({ literal: end === i + 1 ? "'" : format.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      const field = LETTERS[c];
      if (!field) throw badFormat(format, `pattern letter '${c}' is not supported`);
      let count = 1;
      while (format[i + count] === c) count++;
      if (field === 'month' && count > 2) throw badFormat(format, 'month names are not supported');
      tokens.push({ field, count });
      i += count;
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  const fields: Field[] = [];
  let source = '^';
  tokens.forEach((token, i) => {
    if ('literal' in token) {
      source += token.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return;
    }
    fields.push(token.field);
    const next = tokens[i + 1];
    // Adjacent numeric fields (yyyyMMdd) can only be split by width, as Joda does.
    const fixed = next !== undefined && 'field' in next && next.field !== 'zone';
    if (token.field === 'zone') source += '(Z|[+-]\\d{2}:?\\d{2})';
    else if (token.field === 'fraction') source += fixed ? `(\\d{${token.count}})` : '(\\d{1,9})';
    else if (token.field === 'year') source += fixed ? `(\\d{${token.count}})` : '(\\d{1,9})';
    else source += fixed ? `(\\d{${token.count}})` : `(\\d{1,${Math.max(2, token.count)}})`;
  });
  const pattern = new RegExp(`${source}$`);
  return (value) => {
    if (typeof value !== 'string') return undefined;
    const m = pattern.exec(value);
    if (!m) return undefined;
    const f: Record<Field, string | undefined> = {
      year: undefined,
      month: undefined,
      day: undefined,
      hour: undefined,
      minute: undefined,
      second: undefined,
      fraction: undefined,
      zone: undefined,
    };
    fields.forEach((field, i) => {
      f[field] = m[i + 1];
    });
    const millis = utcMillis(
      Number(f.year ?? 1970),
      Number(f.month ?? 1),
      Number(f.day ?? 1),
      Number(f.hour ?? 0),
      Number(f.minute ?? 0),
      Number(f.second ?? 0),
      f.fraction,
    );
    if (millis === undefined || f.zone === undefined || f.zone === 'Z') return millis;
    const sign = f.zone[0] === '-' ? -1 : 1;
    const digits = f.zone.replace(/[^0-9]/g, '');
    return millis - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  };
}

function badFormat(format: string, why: string): SluiceError {
  return new SluiceError('InvalidTimestampFormat', `TimestampFormats entry ${bounded(format)}: ${why}.`);
}
