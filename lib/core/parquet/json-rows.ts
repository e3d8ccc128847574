import { Buffer, isUtf8 } from 'node:buffer';
import { bounded } from '../errors.ts';
import type { ColumnBuffer } from './column-buffer.ts';
import { ByteRowReader } from './json-bytes.ts';
import { fieldIndexByKey, KEY_CACHE_LIMIT, type KeyMatching, keyMatchingOf } from './key-matching.ts';
import type { ConversionOptions } from './options.ts';
import type { HiveField, HiveType, ParquetSchema } from './schema.ts';
import { PhysicalType } from './schema.ts';
import { hiveTimestampParser, parseDate, parseOpenXTimestamp, type TimestampParser } from './timestamps.ts';

/**
 * Turns one Firehose record (JSON text) into rows shredded straight into the leaf columns, with the
 * deserializer semantics of spec §7.2. Values are checked and converted on the way in; when a value does not
 * fit, the whole record is rolled back, so a failed record contributes no rows (§7.4).
 */

/** The per-record error codes Firehose writes under `format-conversion-failed` (§4.1, §7.4). */
export const PARSE_ERROR = 'DataFormatConversion.ParseError';
export const MALFORMED_DATA = 'DataFormatConversion.MalformedData';

/** Thrown while shredding a record; caught per record and turned into a failure value. */
export class RecordConversionError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

type Shredder = (value: unknown, repetition: number) => void;

export class JsonRowReader {
  private readonly top: (row: Record<string, unknown>) => void;
  private readonly columns: readonly ColumnBuffer[];
  private readonly marks: Int32Array;
  private readonly hive: boolean;
  private readonly timestamp: TimestampParser;
  private readonly fast: ByteRowReader;
  private view: Buffer = Buffer.alloc(0);
  private fastRun = false;

  constructor(schema: ParquetSchema, columns: readonly ColumnBuffer[], options: ConversionOptions) {
    this.columns = columns;
    this.marks = new Int32Array(columns.length * 3);
    this.hive = options.deserializer === 'HiveJsonSerDe';
    this.timestamp = this.hive ? hiveTimestampParser(options.timestampFormats) : parseOpenXTimestamp;
    const matching = keyMatchingOf(options);
    this.fast = new ByteRowReader(schema, columns, options, matching);
    const struct = this.structShredder(schema.columns, 0, 0, { next: 0 }, matching, true);
    this.top = (row) => struct(row, 0);
  }

  /**
   * Sets the run of records that `readRecordAt` reads. The byte-level fast path is used only on valid UTF-8,
   * where its byte copies equal what decoding and re-encoding would give.
   */
  setRun(data: Uint8Array): void {
    this.view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.fastRun = isUtf8(data);
    if (this.fastRun) this.fast.setData(data);
  }

  /** `readRecord` of the run's bytes [start, end), trying the byte-level fast path first. */
  readRecordAt(start: number, end: number): number {
    if (this.fastRun) {
      this.mark();
      const rows = this.fast.readRecord(start, end);
      if (rows >= 0) return rows;
      this.rollback();
    }
    return this.readRecord(this.view.toString('utf8', start, end));
  }

  /**
   * Shreds every JSON object of `text` as one row each. Returns the number of rows, or throws
   * RecordConversionError after restoring the columns to their state before the record.
   */
  readRecord(text: string): number {
    const objects = splitObjects(text);
    this.mark();
    try {
      for (const object of objects) this.top(object);
    } catch (error) {
      this.rollback();
      if (error instanceof RecordConversionError) throw error;
      throw new RecordConversionError(MALFORMED_DATA, `The record could not be converted: ${String(error)}`);
    }
    return objects.length;
  }

  private mark(): void {
    const columns = this.columns;
    const marks = this.marks;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      marks[i * 3] = column.levelCount;
      marks[i * 3 + 1] = column.valueCount;
      marks[i * 3 + 2] = column.bytes;
    }
  }

  private rollback(): void {
    const columns = this.columns;
    const marks = this.marks;
    for (let i = 0; i < columns.length; i++)
      columns[i]!.rollback(marks[i * 3]!, marks[i * 3 + 1]!, marks[i * 3 + 2]!);
  }

  /** A struct (or the row itself, `topLevel`) present at `definition`; its fields are optional, one deeper. */
  private structShredder(
    fields: readonly HiveField[],
    definition: number,
    repetitionDepth: number,
    cursor: { next: number },
    matching: KeyMatching,
    topLevel: boolean,
  ): Shredder {
    const first = cursor.next;
    const names = fieldIndexByKey(fields, matching, topLevel);
    const normalizeKey = matching.normalize;
    const shredders = fields.map((field) =>
      this.shredder(field.type, definition + 1, repetitionDepth, cursor, matching, field.name),
    );
    const last = cursor.next;
    const columns = this.columns;
    const cache = new Map<string, number>();
    const found: unknown[] = new Array(fields.length).fill(undefined);
    const count = fields.length;
    const present = (object: Record<string, unknown>, repetition: number) => {
      // Cleared here, not after use: a failed record leaves values behind when a field throws.
      found.fill(undefined);
      for (const key in object) {
        let index = cache.get(key);
        if (index === undefined) {
          index = names.get(normalizeKey(key)) ?? -1;
          if (cache.size < KEY_CACHE_LIMIT) cache.set(key, index);
        }
        if (index >= 0) found[index] = object[key];
      }
      for (let i = 0; i < count; i++) {
        shredders[i]!(found[i], repetition);
      }
    };
    // The row itself is not a nullable node: splitObjects only yields objects.
    if (topLevel) return (value, repetition) => present(value as Record<string, unknown>, repetition);
    return (value, repetition) => {
      if (value === null || value === undefined) {
        for (let i = first; i < last; i++) columns[i]!.level(definition - 1, repetition);
        return;
      }
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw malformed(`a struct needs a JSON object, got ${describe(value)}`);
      }
      present(value as Record<string, unknown>, repetition);
    };
  }

  /**
   * The shredder of a node that is present (non-null) at definition level `definition` — so a null there is
   * written at `definition - 1`. `repetitionDepth` is the repetition level of the innermost enclosing list/map.
   */
  private shredder(
    type: HiveType,
    definition: number,
    repetitionDepth: number,
    cursor: { next: number },
    matching: KeyMatching,
    column: string,
  ): Shredder {
    const columns = this.columns;
    const first = cursor.next;
    switch (type.kind) {
      case 'struct': {
        return this.structShredder(type.fields, definition, repetitionDepth, cursor, matching, false);
      }
      case 'array': {
        // definition: list present; +1 a repeated entry exists; +2 the element is non-null.
        const repeated = repetitionDepth + 1;
        const element = this.shredder(type.element, definition + 2, repeated, cursor, matching, column);
        const last = cursor.next;
        return (value, repetition) => {
          if (value === null || value === undefined) {
            for (let i = first; i < last; i++) columns[i]!.level(definition - 1, repetition);
            return;
          }
          if (!Array.isArray(value)) throw malformed(`column ${column} is an array, got ${describe(value)}`);
          if (value.length === 0) {
            for (let i = first; i < last; i++) columns[i]!.level(definition, repetition);
            return;
          }
          element(value[0], repetition);
          for (let i = 1; i < value.length; i++) element(value[i], repeated);
        };
      }
      case 'map': {
        const repeated = repetitionDepth + 1;
        const key = this.leafShredder(type.key, definition + 1, cursor, true);
        const val = this.shredder(type.value, definition + 2, repeated, cursor, matching, column);
        const last = cursor.next;
        return (value, repetition) => {
          if (value === null || value === undefined) {
            for (let i = first; i < last; i++) columns[i]!.level(definition - 1, repetition);
            return;
          }
          if (typeof value !== 'object' || Array.isArray(value)) {
            throw malformed(`column ${column} is a map, got ${describe(value)}`);
          }
          let r = repetition;
          let empty = true;
          for (const k in value as Record<string, unknown>) {
            key(k, r);
            val((value as Record<string, unknown>)[k], r);
            r = repeated;
            empty = false;
          }
          if (empty) for (let i = first; i < last; i++) columns[i]!.level(definition, repetition);
        };
      }
      default:
        return this.leafShredder(type, definition, cursor, false);
    }
  }

  private leafShredder(
    type: HiveType,
    definition: number,
    cursor: { next: number },
    required: boolean,
  ): Shredder {
    const buffer = this.columns[cursor.next++]!;
    const nullDefinition = definition - 1;
    // Map keys are always JSON strings, so even HiveJsonSerDe must read numbers from them.
    const hive = this.hive && !required;
    const name = buffer.leaf.path.join('.');
    const nullable = (convert: (value: unknown) => void): Shredder => {
      if (required) {
        return (value, repetition) => {
          buffer.level(definition, repetition);
          convert(value);
        };
      }
      return (value, repetition) => {
        if (value === null || value === undefined) {
          buffer.level(nullDefinition, repetition);
          return;
        }
        convert(value);
        buffer.level(definition, repetition);
      };
    };
    const bad = (value: unknown, what: string) =>
      malformed(`column ${name} (${what}) cannot hold ${describe(value)}`);
    switch (type.kind) {
      case 'boolean':
        return nullable((value) => {
          if (typeof value === 'boolean') return buffer.addBoolean(value);
          if (typeof value === 'string') {
            const lower = value.toLowerCase();
            if (lower === 'true' || lower === 'false') return buffer.addBoolean(lower === 'true');
          }
          throw bad(value, 'boolean');
        });
      case 'tinyint':
      case 'smallint':
      case 'int': {
        const bits = type.kind === 'tinyint' ? 8 : type.kind === 'smallint' ? 16 : 32;
        const max = 2 ** (bits - 1) - 1;
        const min = -(2 ** (bits - 1));
        return nullable((value) => {
          const n = integerOf(value, hive);
          if (n === undefined || n < min || n > max) throw bad(value, type.kind);
          buffer.addInt32(n);
        });
      }
      case 'bigint':
        return nullable((value) => {
          if (typeof value === 'number' && Number.isSafeInteger(value)) return buffer.addInt64Number(value);
          let n: bigint | undefined;
          if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
          else if (typeof value === 'string' && !hive && /^\s*[+-]?\d+\s*$/.test(value))
            n = BigInt(value.trim());
          if (n === undefined || n < -(2n ** 63n) || n >= 2n ** 63n) throw bad(value, 'bigint');
          buffer.addInt64(n);
        });
      case 'float':
      case 'double': {
        const add = type.kind === 'float' ? buffer.addFloat.bind(buffer) : buffer.addDouble.bind(buffer);
        return nullable((value) => {
          const n = numberOf(value, hive);
          if (n === undefined) throw bad(value, type.kind);
          add(n);
        });
      }
      case 'decimal': {
        const { precision, scale } = type;
        const physical = buffer.leaf.physical;
        return nullable((value) => {
          const unscaled = decimalOf(value, hive, precision, scale);
          if (unscaled === undefined) throw bad(value, `decimal(${precision},${scale})`);
          if (physical === PhysicalType.INT32) buffer.addInt32(Number(unscaled));
          else if (physical === PhysicalType.INT64) buffer.addInt64(unscaled);
          else buffer.addBigint(unscaled);
        });
      }
      case 'string':
      case 'binary':
      case 'char':
      case 'varchar': {
        const length = type.kind === 'char' || type.kind === 'varchar' ? type.length : 0;
        return nullable((value) => {
          let text: string;
          if (typeof value === 'string') text = value;
          else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
          else if (!hive) text = JSON.stringify(value);
          // §7.2: HiveJsonSerDe does not stringify nested objects.
          else throw bad(value, type.kind);
          // Hive's char(n)/varchar(n) keep the first n characters.
          if (length > 0 && text.length > length) text = Array.from(text).slice(0, length).join('');
          buffer.addString(text);
        });
      }
      case 'date':
        return nullable((value) => {
          let days: number | undefined;
          if (typeof value === 'string') days = parseDate(value.trim());
          else if (!hive && typeof value === 'number' && Number.isInteger(value)) days = value;
          if (days === undefined || days < -(2 ** 31) || days >= 2 ** 31) throw bad(value, 'date');
          buffer.addInt32(days);
        });
      case 'timestamp': {
        const parse = this.timestamp;
        return nullable((value) => {
          const millis = parse(value);
          if (millis === undefined) throw bad(value, 'timestamp');
          buffer.addInt64Number(millis);
        });
      }
      default:
        throw new Error(`not a primitive type: ${type.kind}`);
    }
  }
}

/** Integers as JSON numbers; OpenX also reads numeric strings, HiveJsonSerDe refuses them (§7.2). */
function integerOf(value: unknown, hive: boolean): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && !hive && /^\s*[+-]?\d{1,20}\s*$/.test(value)) return Number(value);
  return undefined;
}

function numberOf(value: unknown, hive: boolean): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && !hive) {
    const text = value.trim();
    if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
    if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return Number(text);
  }
  return undefined;
}

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The unscaled integer of a decimal value, rounded half-up to `scale` digits as Hive's HiveDecimal does; undefined
 * when it does not parse or needs more than `precision` digits. Numbers go through their shortest text form, so
 * 0.1 is 0.1, not its binary approximation.
 */
export function decimalOf(
  value: unknown,
  hive: boolean,
  precision: number,
  scale: number,
): bigint | undefined {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string' && !hive) text = value.trim();
  else return undefined;
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const negative = m[1] === '-';
  let digits = (m[2] ?? '') + (m[3] ?? '');
  // Position of the decimal point within `digits`, after applying the exponent.
  let point = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (digits.length < point + scale) digits = digits.padEnd(point + scale, '0');
  const kept = digits.slice(0, point + scale);
  let unscaled = BigInt(kept === '' ? '0' : kept);
  const next = digits[point + scale];
  if (next !== undefined && next >= '5') unscaled += 1n;
  if (unscaled >= 10n ** BigInt(precision)) return undefined;
  return negative ? -unscaled : unscaled;
}

function malformed(message: string): RecordConversionError {
  return new RecordConversionError(MALFORMED_DATA, message);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a JSON array';
  if (value !== null && typeof value === 'object') return 'a JSON object';
  return `${typeof value} ${bounded(value, 40)}`;
}

/**
 * The JSON objects of one record. Firehose accepts several objects back to back (`{"a":1}{"a":2}`, or one per
 * line) and refuses a JSON array of objects (§7.2). The common single-object record costs one JSON.parse.
 */
export function splitObjects(text: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return splitConcatenated(text);
  }
  return [asObject(parsed)];
}

function asObject(parsed: unknown): Record<string, unknown> {
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
    return parsed as Record<string, unknown>;
  const what = Array.isArray(parsed)
    ? 'a JSON array (send its objects as separate records)'
    : describe(parsed);
  throw new RecordConversionError(PARSE_ERROR, `The record must hold JSON objects, found ${what}.`);
}

function splitConcatenated(text: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      if (depth === 0) throw parseError(text);
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth < 0) throw parseError(text);
      if (depth === 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text.slice(start, i + 1));
        } catch {
          throw parseError(text);
        }
        objects.push(asObject(parsed));
      }
    } else if (depth === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) {
      throw parseError(text);
    }
  }
  if (depth !== 0 || inString || objects.length === 0) throw parseError(text);
  return objects;
}

function parseError(text: string): RecordConversionError {
  const what = text.trim() === '' ? 'is empty' : 'is not valid JSON';
  return new RecordConversionError(PARSE_ERROR, `The record ${what}; it must hold one or more JSON objects.`);
}
