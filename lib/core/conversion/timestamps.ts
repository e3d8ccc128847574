/**
 * Timestamp and date text as the two deserializers read it (spec §7.2), parsed straight from the record's bytes.
 * Results are UTC: text without a zone is read as UTC (Firehose's converters run in UTC), and the column is
 * TIMESTAMP(MICROS, isAdjustedToUTC=true), so fraction digits beyond the microsecond are truncated. Calendar
 * arithmetic is done here rather than with `Date`, whose years 0–99 map to 1900–1999.
 */

/** A parse result: whole seconds since the epoch and the microseconds within that second (0–999,999). */
export interface Instant {
  seconds: number;
  micros: number;
}

/** Days from 1970-01-01 to a proleptic Gregorian date; an out-of-range day rolls over as `java.sql` does. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const DIGIT0 = 48;

function digits(b: Uint8Array, s: number, n: number): number {
  let v = 0;
  for (let i = s; i < s + n; i++) {
    const d = b[i]! - DIGIT0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Counts the digits starting at s (at most `max`). */
function run(b: Uint8Array, s: number, e: number, max: number): number {
  let i = s;
  while (i < e && i - s < max && b[i]! >= DIGIT0 && b[i]! <= DIGIT0 + 9) i++;
  return i - s;
}

function fractionMicros(b: Uint8Array, s: number, n: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 10 + (i < n ? b[s + i]! - DIGIT0 : 0);
  return v;
}

function finish(
  out: Instant,
  days: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
): boolean {
  if (hour > 23 || minute > 59 || second > 59) return false;
  out.seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  out.micros = micros;
  return true;
}

/**
 * `java.sql.Timestamp.valueOf` text, `yyyy-[M]M-[d]d HH:mm:ss[.f…]` with up to 9 fraction digits, and with
 * `isoZ` also OpenX's `yyyy-MM-dd'T'HH:mm:ss[.f…]'Z'`, which OpenX rewrites into the former (spec §7.2).
 */
export function parseSqlTimestamp(b: Uint8Array, s: number, e: number, out: Instant, isoZ: boolean): boolean {
  if (e - s < 14 || digits(b, s, 4) < 0 || b[s + 4] !== 0x2d) return false;
  const year = digits(b, s, 4);
  let i = s + 5;
  let n = run(b, i, e, 2);
  if (n === 0) return false;
  const month = digits(b, i, n);
  i += n;
  if (b[i] !== 0x2d) return false;
  n = run(b, ++i, e, 2);
  if (n === 0) return false;
  const day = digits(b, i, n);
  i += n;
  const iso = b[i] === 0x54; // 'T'
  if (!(b[i] === 0x20 || (iso && isoZ))) return false;
  n = run(b, ++i, e, 2);
  if (n === 0) return false;
  const hour = digits(b, i, n);
  i += n;
  if (b[i] !== 0x3a) return false;
  n = run(b, ++i, e, 2);
  if (n === 0) return false;
  const minute = digits(b, i, n);
  i += n;
  if (b[i] !== 0x3a) return false;
  n = run(b, ++i, e, 2);
  if (n === 0) return false;
  const second = digits(b, i, n);
  i += n;
  let micros = 0;
  if (b[i] === 0x2e) {
    n = run(b, ++i, e, 10);
    if (n === 0 || n > 9) return false;
    micros = fractionMicros(b, i, n);
    i += n;
  }
  if (iso && b[i++] !== 0x5a) return false; // 'Z'
  if (i !== e || month < 1 || month > 12 || day < 1 || day > 31) return false;
  return finish(out, daysFromCivil(year, month, day), hour, minute, second, micros);
}

/**
 * OpenXJsonSerDe's timestamp rule (spec §7.2): text with ':' is a date-time; text with '.' is floating epoch
 * seconds; other integers are epoch milliseconds when 13 characters or longer, else epoch seconds. JSON numbers
 * go through the same rule as their text.
 */
export function parseOpenXTimestamp(b: Uint8Array, s: number, e: number, out: Instant): boolean {
  // A date-time (the common case) is recognised without the scan for ':' and '.'.
  if (e - s >= 14 && b[s + 4] === 0x2d && parseSqlTimestamp(b, s, e, out, true)) return true;
  let colon = false;
  let dot = false;
  for (let i = s; i < e; i++) {
    if (b[i] === 0x3a) colon = true;
    else if (b[i] === 0x2e) dot = true;
  }
  if (colon) return parseSqlTimestamp(b, s, e, out, true);
  const text = latin1(b, s, e);
  if (dot) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return false;
    return epochMillis(Math.trunc(Number(text) * 1000), out);
  }
  if (!/^[+-]?\d{1,19}$/.test(text)) return false;
  const value = Number(text);
  return epochMillis(text.length >= 13 ? value : value * 1000, out);
}

/** Hive's `millis` TimestampFormats entry: an integer of epoch milliseconds. */
export function parseEpochMillisText(b: Uint8Array, s: number, e: number, out: Instant): boolean {
  const text = latin1(b, s, e);
  return /^-?\d{1,19}$/.test(text) && epochMillis(Number(text), out);
}

function epochMillis(ms: number, out: Instant): boolean {
  if (!Number.isFinite(ms)) return false;
  const seconds = Math.floor(ms / 1000);
  out.seconds = seconds;
  out.micros = (ms - seconds * 1000) * 1000;
  return true;
}

/** `java.sql.Date.valueOf` text, `yyyy-[M]M-[d]d`, as days since the epoch; NaN when it is not one. */
export function parseDate(b: Uint8Array, s: number, e: number): number {
  if (e - s < 8 || digits(b, s, 4) < 0 || b[s + 4] !== 0x2d) return Number.NaN;
  const year = digits(b, s, 4);
  let i = s + 5;
  let n = run(b, i, e, 2);
  const month = digits(b, i, n);
  i += n;
  if (n === 0 || b[i] !== 0x2d) return Number.NaN;
  n = run(b, ++i, e, 2);
  const day = digits(b, i, n);
  if (n === 0 || i + n !== e || month < 1 || month > 12 || day < 1 || day > 31) return Number.NaN;
  return daysFromCivil(year, month, day);
}

function latin1(b: Uint8Array, s: number, e: number): string {
  let text = '';
  for (let i = s; i < e; i++) text += String.fromCharCode(b[i]!);
  return text;
}

// ---- HiveJsonSerDe TimestampFormats: a subset of Joda-Time DateTimeFormat patterns (spec §7.2) ----

type JodaField = 'year' | 'month' | 'day' | 'hour' | 'clockHour' | 'minute' | 'second' | 'fraction';
type JodaToken =
  | { kind: 'number'; field: JodaField; count: number }
  | { kind: 'monthText' }
  | { kind: 'ampm' }
  | { kind: 'offset' }
  | { kind: 'literal'; text: string };

/** A compiled `TimestampFormats` entry. */
export interface TimestampFormat {
  readonly pattern: string;
  readonly tokens: readonly JodaToken[];
  readonly millis: boolean;
}

const JODA_LETTERS: Record<string, JodaField | 'monthText' | 'ampm' | 'offset'> = {
  y: 'year',
  M: 'month',
  d: 'day',
  H: 'hour',
  h: 'clockHour',
  m: 'minute',
  s: 'second',
  S: 'fraction',
  a: 'ampm',
  Z: 'offset',
};

/**
 * Compiles a Joda-Time pattern (or the special value `millis`) of HiveJsonSerDe's TimestampFormats. Supported:
 * y M (numeric, or MMM/MMMM month names) d H h m s S a Z and quoted or punctuation literals. Any other
 * letter returns a message naming it: a format Sluice cannot apply would otherwise silently fail every record.
 */
export function compileTimestampFormat(pattern: string): TimestampFormat | string {
  if (pattern === 'millis') return { pattern, tokens: [], millis: true };
  const tokens: JodaToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) return `TimestampFormats pattern '${pattern}' has an unterminated quote.`;
      tokens.push({ kind: 'literal', text: close === i + 1 ? "'" : pattern.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let count = 1;
      while (pattern[i + count] === c) count++;
      const field = JODA_LETTERS[c];
      if (!field) {
        return `TimestampFormats pattern '${pattern}' uses '${c}', a Joda-Time letter Sluice does not support (supported: y M d H h m s S a Z).`;
      }
      if (field === 'month' && count >= 3) tokens.push({ kind: 'monthText' });
      else if (field === 'ampm' || field === 'offset') tokens.push({ kind: field });
      else tokens.push({ kind: 'number', field: field as JodaField, count });
      i += count;
      continue;
    }
    tokens.push({ kind: 'literal', text: c });
    i++;
  }
  return { pattern, tokens, millis: false };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MAX_DIGITS: Record<JodaField, number> = {
  year: 9,
  month: 2,
  day: 2,
  hour: 2,
  clockHour: 2,
  minute: 2,
  second: 2,
  fraction: 9,
};

/**
 * Applies a compiled format to the text; true when the whole text matched. Joda-Time keeps milliseconds, so
 * fractions are cut to the millisecond. A numeric field followed directly by another takes exactly its pattern
 * width (`yyyyMMdd`); otherwise it takes as many digits as it can, as Joda's parser does.
 */
export function parseWithFormat(
  format: TimestampFormat,
  b: Uint8Array,
  s: number,
  e: number,
  out: Instant,
): boolean {
  if (format.millis) return parseEpochMillisText(b, s, e, out);
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let pm = -1;
  let offsetSeconds = 0;
  let i = s;
  const tokens = format.tokens;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    switch (token.kind) {
      case 'literal':
        for (let k = 0; k < token.text.length; k++) if (b[i++] !== token.text.charCodeAt(k)) return false;
        break;
      case 'number': {
        const next = tokens[t + 1];
        const fixed = next?.kind === 'number';
        let sign = 1;
        if (token.field === 'year' && (b[i] === 0x2d || b[i] === 0x2b)) sign = b[i++] === 0x2d ? -1 : 1;
        const n = fixed ? token.count : run(b, i, e, MAX_DIGITS[token.field]);
        if (n === 0 || i + n > e) return false;
        const v = digits(b, i, n);
        if (v < 0) return false;
        if (token.field === 'fraction') millis = Math.floor(fractionMicros(b, i, n) / 1000);
        else if (token.field === 'year') year = sign * v;
        else if (token.field === 'month') month = v;
        else if (token.field === 'day') day = v;
        else if (token.field === 'hour' || token.field === 'clockHour') hour = v;
        else if (token.field === 'minute') minute = v;
        else second = v;
        i += n;
        break;
      }
      case 'monthText': {
        let k = i;
        while (k < e && (b[k]! | 0x20) >= 0x61 && (b[k]! | 0x20) <= 0x7a) k++;
        const word = latin1(b, i, k).toLowerCase();
        const index = word.length === 3 ? MONTHS.indexOf(word) : MONTH_NAMES.indexOf(word);
        if (index < 0) return false;
        month = index + 1;
        i = k;
        break;
      }
      case 'ampm': {
        const word = latin1(b, i, i + 2).toUpperCase();
        if (word !== 'AM' && word !== 'PM') return false;
        pm = word === 'PM' ? 1 : 0;
        i += 2;
        break;
      }
      case 'offset': {
        if (b[i] === 0x5a) {
          i++;
          break;
        }
        const sign = b[i] === 0x2d ? -1 : b[i] === 0x2b ? 1 : 0;
        if (sign === 0) return false;
        const hh = digits(b, i + 1, 2);
        let k = i + 3;
        if (b[k] === 0x3a) k++;
        const mm = digits(b, k, 2);
        if (hh < 0 || mm < 0 || hh > 23 || mm > 59) return false;
        offsetSeconds = sign * (hh * 3600 + mm * 60);
        i = k + 2;
        break;
      }
    }
  }
  if (i !== e) return false;
  if (pm >= 0) {
    if (hour < 1 || hour > 12) return false;
    hour = (hour % 12) + (pm === 1 ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (!finish(out, daysFromCivil(year, month, day), hour, minute, second, millis * 1000)) return false;
  out.seconds -= offsetSeconds;
  return true;
}
