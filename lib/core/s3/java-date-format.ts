import { bounded, SluiceError } from '../errors.ts';

/**
 * A subset of Java's `DateTimeFormatter.ofPattern` (spec §3.2: `!{timestamp:<pattern>}` is a Java pattern).
 * Output follows a JDK 17 formatter in its default English locale; the test suite pins the values against
 * output captured from `java`. Compile once per pattern, then `format` once per delivered object.
 */
export interface DateFormat {
  readonly pattern: string;
  format(instantMs: number, timeZone: string): string;
}

/**
 * How the week letters (`Y`, `w`, `W`, `e`, `c`) count weeks, as Java's `WeekFields`. `firstDayOfWeek` is an
 * ISO day number (1 = Monday … 7 = Sunday).
 */
export interface WeekDefinition {
  firstDayOfWeek: number;
  minimalDaysInFirstWeek: number;
}

/**
 * Java's week rule for the locales a Firehose JVM plausibly runs with: `WeekFields.of(Locale.ROOT | ENGLISH |
 * US)` are all `[SUNDAY,1]` (checked on JDK 17). ISO weeks (`[MONDAY,4]`) appear only under European locales,
 * so they are opt-in rather than the default.
 */
export const JAVA_DEFAULT_WEEKS: WeekDefinition = { firstDayOfWeek: 7, minimalDaysInFirstWeek: 1 };
export const ISO_WEEKS: WeekDefinition = { firstDayOfWeek: 1, minimalDaysInFirstWeek: 4 };

/** The wall-clock fields of one instant in one zone; every printer reads from this. */
interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  /** 1 = Monday … 7 = Sunday. */
  isoDayOfWeek: number;
  dayOfYear: number;
  epochDay: number;
  offsetSeconds: number;
  zone: string;
}

type Printer = (time: LocalTime) => string;

const MS_PER_DAY = 86_400_000;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const QUARTERS = ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'];
/** Letters Java accepts that Sluice does not reproduce (zone names, day periods, padding, JDK-dependent `F`). */
const UNSUPPORTED = new Set(['z', 'v', 'B', 'F', 'p']);

export function compileDateFormat(pattern: string, options: { weeks?: WeekDefinition } = {}): DateFormat {
  const weeks = options.weeks ?? JAVA_DEFAULT_WEEKS;
  const printers = parsePattern(pattern, weeks);
  return {
    pattern,
    format(instantMs, timeZone) {
      const time = localTime(instantMs, timeZone);
      let out = '';
      for (const print of printers) out += print(time);
      return out;
    },
  };
}

function invalid(pattern: string, reason: string): SluiceError {
  return new SluiceError(
    'InvalidTimestampFormat',
    `Invalid timestamp pattern '${bounded(pattern)}': ${reason}.`,
  );
}

function isAsciiLetter(ch: string): boolean {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

// Mirrors DateTimeFormatterBuilder.appendPattern: runs of one letter are fields, quotes delimit literals,
// `[`/`]` are optional sections (always printed when formatting a full date-time), `{`, `}`, `#` are reserved.
function parsePattern(pattern: string, weeks: WeekDefinition): Printer[] {
  const printers: Printer[] = [];
  let literal = '';
  const pushLiteral = () => {
    if (literal === '') return;
    const text = literal;
    printers.push(() => text);
    literal = '';
  };
  let openSections = 0;
  let pos = 0;
  while (pos < pattern.length) {
    const ch = pattern[pos]!;
    if (isAsciiLetter(ch)) {
      let count = 1;
      while (pattern[pos + count] === ch) count++;
      pushLiteral();
      printers.push(fieldPrinter(pattern, ch, count, weeks));
      pos += count;
    } else if (ch === "'") {
      const start = pos;
      pos++;
      for (; pos < pattern.length; pos++) {
        if (pattern[pos] === "'") {
          if (pattern[pos + 1] === "'") pos++;
          else break;
        }
      }
      if (pos >= pattern.length) throw invalid(pattern, 'it ends inside a quoted literal');
      const quoted = pattern.slice(start + 1, pos);
      literal += quoted === '' ? "'" : quoted.replaceAll("''", "'");
      pos++;
    } else if (ch === '[') {
      openSections++;
      pos++;
    } else if (ch === ']') {
      if (openSections === 0) throw invalid(pattern, "it contains ']' without a preceding '['");
      openSections--;
      pos++;
    } else if (ch === '{' || ch === '}' || ch === '#') {
      throw invalid(pattern, `'${ch}' is a reserved character; quote it to use it literally`);
    } else {
      literal += ch;
      pos++;
    }
  }
  pushLiteral();
  return printers;
}

function fieldPrinter(pattern: string, letter: string, count: number, weeks: WeekDefinition): Printer {
  const tooMany = () => invalid(pattern, `too many pattern letters '${letter}' (${count})`);
  const numeric = (value: (t: LocalTime) => number, maxCount: number, minWidth = count): Printer => {
    if (count > maxCount) throw tooMany();
    return (t) => pad(value(t), minWidth);
  };
  const text = (values: (t: LocalTime) => [short: string, full: string, narrow: string]): Printer => {
    if (count > 5) throw tooMany();
    const index = count === 4 ? 1 : count === 5 ? 2 : 0;
    return (t) => values(t)[index];
  };
  const numberOrText = (
    value: (t: LocalTime) => number,
    values: (t: LocalTime) => [string, string, string],
  ): Printer => (count <= 2 ? numeric(value, 2) : text(values));

  switch (letter) {
    case 'G':
      return text(() => ['AD', 'Anno Domini', 'A']);
    case 'y':
    case 'u':
      return yearPrinter(pattern, count, (t) => t.year);
    case 'Y':
      return yearPrinter(pattern, count, (t) => weekBasedYear(t, weeks).year);
    case 'Q':
    case 'q':
      return numberOrText(
        (t) => quarter(t),
        (t) => [`Q${quarter(t)}`, QUARTERS[quarter(t) - 1]!, String(quarter(t))],
      );
    case 'M':
    case 'L':
      return numberOrText(
        (t) => t.month,
        (t) => monthNames(t.month),
      );
    case 'D':
      return numeric((t) => t.dayOfYear, 3);
    case 'd':
      return numeric((t) => t.day, 2);
    case 'g':
      // Modified Julian Day: day 0 is 1858-11-17, 40587 days before the Unix epoch.
      return numeric((t) => t.epochDay + 40_587, 19);
    case 'E':
      return text((t) => dayNames(t.isoDayOfWeek));
    case 'e':
      return numberOrText(
        (t) => localizedDayOfWeek(t, weeks),
        (t) => dayNames(t.isoDayOfWeek),
      );
    case 'c':
      if (count === 2) throw invalid(pattern, "'cc' is not a valid pattern");
      return numberOrText(
        (t) => localizedDayOfWeek(t, weeks),
        (t) => dayNames(t.isoDayOfWeek),
      );
    case 'a':
      if (count > 1) throw tooMany();
      return (t) => (t.hour < 12 ? 'AM' : 'PM');
    case 'H':
      return numeric((t) => t.hour, 2);
    case 'k':
      return numeric((t) => (t.hour === 0 ? 24 : t.hour), 2);
    case 'K':
      return numeric((t) => t.hour % 12, 2);
    case 'h':
      return numeric((t) => (t.hour % 12 === 0 ? 12 : t.hour % 12), 2);
    case 'm':
      return numeric((t) => t.minute, 2);
    case 's':
      return numeric((t) => t.second, 2);
    case 'S':
      if (count > 9) throw invalid(pattern, `a fraction has at most 9 digits, got ${count}`);
      return (t) => String(t.millis).padStart(3, '0').padEnd(9, '0').slice(0, count);
    case 'A':
      return numeric((t) => millisOfDay(t), 19);
    case 'n':
      return numeric((t) => t.millis * 1_000_000, 19);
    case 'N':
      return numeric((t) => millisOfDay(t) * 1_000_000, 19);
    case 'w':
      return numeric((t) => weekBasedYear(t, weeks).week, 2);
    case 'W':
      return numeric((t) => weekOfMonth(t, weeks), 1);
    case 'V':
      if (count !== 2) throw invalid(pattern, "the zone ID letter 'V' must appear exactly twice ('VV')");
      return (t) => t.zone;
    case 'O':
      if (count !== 1 && count !== 4) throw invalid(pattern, "'O' must appear once or four times");
      return (t) => localizedOffset(t.offsetSeconds, count === 4);
    case 'X':
    case 'x':
      if (count > 5) throw tooMany();
      return offsetPrinter(count, letter === 'X' ? 'Z' : undefined);
    case 'Z':
      if (count > 5) throw tooMany();
      if (count <= 3) return offsetPrinter(2, undefined);
      if (count === 4) return (t) => localizedOffset(t.offsetSeconds, true);
      return offsetPrinter(5, 'Z');
    default:
      if (UNSUPPORTED.has(letter)) {
        throw new SluiceError(
          'UnsupportedTimestampFormat',
          `Timestamp pattern '${bounded(pattern)}' uses '${letter}', which Java accepts but Sluice does not support.`,
        );
      }
      throw invalid(pattern, `unknown pattern letter '${letter}'`);
  }
}

// y/u/Y: two letters print the last two digits (Java's reduced value with base 2000); four or more pad and
// mark overflow with '+' (SignStyle.EXCEEDS_PAD), fewer print the plain number.
function yearPrinter(pattern: string, count: number, value: (t: LocalTime) => number): Printer {
  if (count > 19) throw invalid(pattern, `a year has at most 19 digits, got ${count}`);
  if (count === 2) return (t) => pad(Math.abs(value(t) % 100), 2);
  return (t) => {
    const year = value(t);
    const digits = String(Math.abs(year));
    const sign = year < 0 ? '-' : count >= 4 && digits.length > count ? '+' : '';
    return sign + digits.padStart(count, '0');
  };
}

function pad(value: number, width: number): string {
  return value < 0 ? `-${String(-value).padStart(width, '0')}` : String(value).padStart(width, '0');
}

function quarter(t: LocalTime): number {
  return Math.floor((t.month - 1) / 3) + 1;
}

function monthNames(month: number): [string, string, string] {
  const full = MONTHS[month - 1]!;
  return [full.slice(0, 3), full, full.slice(0, 1)];
}

function dayNames(isoDayOfWeek: number): [string, string, string] {
  const full = DAYS[isoDayOfWeek - 1]!;
  return [full.slice(0, 3), full, full.slice(0, 1)];
}

function millisOfDay(t: LocalTime): number {
  return ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millis;
}

function localizedDayOfWeek(t: LocalTime, weeks: WeekDefinition): number {
  return ((t.isoDayOfWeek - weeks.firstDayOfWeek + 7) % 7) + 1;
}

/** Epoch day on which week 1 of `year` starts: the first week holding at least the minimal days of the year. */
function firstWeekStart(year: number, weeks: WeekDefinition): number {
  const jan1 = epochDayOf(year, 1, 1);
  const daysIntoWeek = (isoDayOfWeekOf(jan1) - weeks.firstDayOfWeek + 7) % 7;
  const weekStart = jan1 - daysIntoWeek;
  return 7 - daysIntoWeek >= weeks.minimalDaysInFirstWeek ? weekStart : weekStart + 7;
}

function weekBasedYear(t: LocalTime, weeks: WeekDefinition): { year: number; week: number } {
  let year = t.year;
  if (t.epochDay < firstWeekStart(year, weeks)) year--;
  else if (t.epochDay >= firstWeekStart(year + 1, weeks)) year++;
  return { year, week: Math.floor((t.epochDay - firstWeekStart(year, weeks)) / 7) + 1 };
}

// Java's WeekFields.localizedWeekOfMonth: may be 0 for days before the month's first full-enough week.
function weekOfMonth(t: LocalTime, weeks: WeekDefinition): number {
  const weekStart = (((t.day - localizedDayOfWeek(t, weeks)) % 7) + 7) % 7;
  const offset = weekStart + 1 > weeks.minimalDaysInFirstWeek ? 7 - weekStart : -weekStart;
  return Math.floor((7 + offset + (t.day - 1)) / 7);
}

/**
 * The `+HH`, `+HHMM`, `+HH:MM`, `+HHMMss`, `+HH:MM:ss` shapes of Java's X/x/Z letters by letter count; with
 * count 1 the minutes are printed only when non-zero, with count 4/5 the seconds likewise.
 */
function offsetPrinter(count: number, zeroText: string | undefined): Printer {
  return (t) => {
    const total = t.offsetSeconds;
    if (total === 0 && zeroText !== undefined) return zeroText;
    const abs = Math.abs(total);
    const hours = pad(Math.floor(abs / 3600), 2);
    const minutes = pad(Math.floor(abs / 60) % 60, 2);
    const seconds = pad(abs % 60, 2);
    const colon = count === 3 || count === 5 ? ':' : '';
    let out = (total < 0 ? '-' : '+') + hours;
    if (count === 1) return minutes === '00' ? out : out + minutes;
    out += colon + minutes;
    if (count >= 4 && seconds !== '00') out += colon + seconds;
    return out;
  };
}

/** Java's localized offset: `GMT`, `GMT+9` / `GMT+5:30` (short) or `GMT+09:00` (full). */
function localizedOffset(totalSeconds: number, full: boolean): string {
  if (totalSeconds === 0) return 'GMT';
  const abs = Math.abs(totalSeconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor(abs / 60) % 60;
  const seconds = abs % 60;
  let out = `GMT${totalSeconds < 0 ? '-' : '+'}${full ? pad(hours, 2) : hours}`;
  if (full || minutes !== 0 || seconds !== 0) out += `:${pad(minutes, 2)}`;
  if (seconds !== 0) out += `:${pad(seconds, 2)}`;
  return out;
}

function epochDayOf(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

function isoDayOfWeekOf(epochDay: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

function localTime(instantMs: number, timeZone: string): LocalTime {
  const offsetSeconds = offsetSecondsAt(instantMs, timeZone);
  const wall = new Date(instantMs + offsetSeconds * 1000);
  const year = wall.getUTCFullYear();
  const epochDay = Math.floor(wall.getTime() / MS_PER_DAY);
  return {
    year,
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    millis: wall.getUTCMilliseconds(),
    isoDayOfWeek: isoDayOfWeekOf(epochDay),
    dayOfYear: epochDay - epochDayOf(year, 1, 1) + 1,
    epochDay,
    offsetSeconds,
    zone: timeZone,
  };
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new SluiceError('InvalidTimeZone', `Unknown time zone '${bounded(timeZone)}'.`, { cause });
    }
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's UTC offset at an instant, in whole seconds (historic LMT offsets have seconds too). */
function offsetSecondsAt(instantMs: number, timeZone: string): number {
  if (UTC_ZONES.has(timeZone)) return 0;
  const parts: Record<string, number> = {};
  for (const part of zoneFormatter(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wallSeconds =
    Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000;
  return wallSeconds - Math.floor(instantMs / 1000);
}
