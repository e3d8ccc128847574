import { Buffer } from 'node:buffer';
import type { ColumnBuffer } from './column-buffer.ts';
import { fieldIndexByKey, KEY_CACHE_LIMIT, type KeyMatching } from './key-matching.ts';
import type { ConversionOptions } from './options.ts';
import { type HiveField, type HiveType, type ParquetSchema, PhysicalType } from './schema.ts';
import { daysFromCivil, daysInMonth } from './timestamps.ts';

/**
 * The fast path of record conversion: shreds a record straight from its UTF-8 bytes into the columns, without
 * JSON.parse building objects that are thrown away at once. It handles the common shapes only — keys without
 * escapes, each key once, values that convert without judgement (plain strings, integers, simple decimals,
 * the usual timestamp texts) — and answers -1 for anything else, after which the caller rolls the columns back
 * and converts the record with JsonRowReader, which owns every rule and every error message. So the fast
 * path never decides that a record fails; it only accepts what the general path would accept identically.
 */

enum Kind {
  Struct,
  List,
  Unsupported,
  Int,
  Bigint,
  Float,
  Double,
  Boolean,
  Bytes,
  Decimal,
  Date,
  Timestamp,
}

interface Node {
  kind: Kind;
  /** Definition level when the value is present; null is written at definition - 1. */
  definition: number;
  /** Leaves [first, last) under this node. */
  first: number;
  last: number;
  /** Leaf only. */
  column?: ColumnBuffer;
  /** Int: range; Bytes: max characters (0 = none); Decimal: precision and scale. */
  min?: number;
  max?: number;
  precision?: number;
  scale?: number;
  /** Struct. */
  fields?: Node[];
  names?: Map<string, number>;
  keyCache?: Map<number, { bytes: Uint8Array; index: number }[]>;
  keyCacheSize?: number;
  seen?: Uint8Array;
  /** List. */
  element?: Node;
  repeated?: number;
}

const MAX_DEPTH = 64;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

export class ByteRowReader {
  private data: Uint8Array = new Uint8Array(0);
  private view: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  private readonly root: Node;
  private readonly hive: boolean;
  // The last number scanned by scanNumber.
  private numNegative = false;
  private numIntStart = 0;
  private numIntEnd = 0;
  private numFracEnd = 0;
  private numHasExponent = false;

  constructor(
    schema: ParquetSchema,
    private readonly columns: readonly ColumnBuffer[],
    options: ConversionOptions,
    private readonly matching: KeyMatching,
  ) {
    this.hive = options.deserializer === 'HiveJsonSerDe';
    this.root = this.struct(schema.columns, 0, 0, { next: 0 }, true);
  }

  /** Sets the bytes that following `readRecord` calls read from (one run of records). */
  setData(data: Uint8Array): void {
    this.data = data;
    this.view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Rows shredded from data[start, end), or -1 when the record needs the general path (columns then dirty). */
  readRecord(start: number, end: number): number {
    this.pos = start;
    this.end = end;
    let rows = 0;
    this.ws();
    if (this.pos >= end) return -1;
    // Reads may run past `end` into the next record; that is caught here, as pos never moves back.
    do {
      if (this.data[this.pos] !== 0x7b || !this.object(this.root, 0)) return -1;
      rows++;
      this.ws();
    } while (this.pos < end);
    return this.pos === end ? rows : -1;
  }

  private struct(
    fields: readonly HiveField[],
    definition: number,
    repetition: number,
    cursor: { next: number },
    topLevel: boolean,
  ): Node {
    const first = cursor.next;
    const children = fields.map((f) => this.node(f.type, definition + 1, repetition, cursor));
    return {
      kind: Kind.Struct,
      definition,
      first,
      last: cursor.next,
      fields: children,
      names: fieldIndexByKey(fields, this.matching, topLevel),
      keyCache: new Map(),
      keyCacheSize: 0,
      seen: new Uint8Array(fields.length),
    };
  }

  private node(type: HiveType, definition: number, repetition: number, cursor: { next: number }): Node {
    const first = cursor.next;
    switch (type.kind) {
      case 'struct':
        return this.struct(type.fields, definition, repetition, cursor, false);
      case 'array': {
        const element = this.node(type.element, definition + 2, repetition + 1, cursor);
        return { kind: Kind.List, definition, first, last: cursor.next, element, repeated: repetition + 1 };
      }
      case 'map':
        // Maps (keys converted from strings, nulls in keys) are left to the general path.
        cursor.next += countLeaves(type);
        return { kind: Kind.Unsupported, definition, first, last: cursor.next };
      default: {
        const column = this.columns[cursor.next++]!;
        const leaf = { definition, first, last: cursor.next, column };
        switch (type.kind) {
          case 'tinyint':
            return { ...leaf, kind: Kind.Int, min: -128, max: 127 };
          case 'smallint':
            return { ...leaf, kind: Kind.Int, min: -32768, max: 32767 };
          case 'int':
            return { ...leaf, kind: Kind.Int, min: -2147483648, max: 2147483647 };
          case 'bigint':
            return { ...leaf, kind: Kind.Bigint };
          case 'float':
            return { ...leaf, kind: Kind.Float };
          case 'double':
            return { ...leaf, kind: Kind.Double };
          case 'boolean':
            return { ...leaf, kind: Kind.Boolean };
          case 'string':
          case 'binary':
            return { ...leaf, kind: Kind.Bytes, max: 0 };
          case 'char':
          case 'varchar':
            return { ...leaf, kind: Kind.Bytes, max: type.length };
          case 'decimal':
            if (column.leaf.physical === PhysicalType.FIXED_LEN_BYTE_ARRAY)
              return { ...leaf, kind: Kind.Unsupported };
            return { ...leaf, kind: Kind.Decimal, precision: type.precision, scale: type.scale };
          case 'date':
            return { ...leaf, kind: Kind.Date };
          case 'timestamp':
            // HiveJsonSerDe's TimestampFormats are left to the general path.
            return { ...leaf, kind: this.hive ? Kind.Unsupported : Kind.Timestamp };
          default:
            return { ...leaf, kind: Kind.Unsupported };
        }
      }
    }
  }

  private ws(): void {
    const data = this.data;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const c = data[pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  private nulls(node: Node, definition: number, repetition: number): void {
    for (let i = node.first; i < node.last; i++) this.columns[i]!.level(definition, repetition);
  }

  /** At `{`: the object's fields into the struct node's columns. */
  private object(node: Node, repetition: number): boolean {
    const data = this.data;
    const fields = node.fields!;
    const seen = node.seen!;
    seen.fill(0);
    this.pos++;
    this.ws();
    if (data[this.pos] === 0x7d) this.pos++;
    else {
      for (;;) {
        if (data[this.pos] !== 0x22) return false;
        const keyStart = this.pos + 1;
        const keyEnd = this.plainStringEnd(keyStart);
        if (keyEnd < 0) return false;
        this.pos = keyEnd + 1;
        this.ws();
        if (data[this.pos] !== 0x3a) return false;
        this.pos++;
        this.ws();
        const index = this.fieldIndex(node, keyStart, keyEnd);
        if (index >= 0) {
          // A repeated key (or two keys that normalise alike): the general path applies "last one wins".
          if (seen[index] === 1) return false;
          seen[index] = 1;
          if (!this.value(fields[index]!, repetition)) return false;
        } else if (!this.skip(0)) return false;
        this.ws();
        const c = data[this.pos];
        this.pos++;
        if (c === 0x7d) break;
        if (c !== 0x2c) return false;
        this.ws();
      }
    }
    for (let i = 0; i < fields.length; i++) {
      if (seen[i] === 0) this.nulls(fields[i]!, fields[i]!.definition - 1, repetition);
    }
    return this.pos <= this.end;
  }

  /** End of a string without escapes or control characters whose content starts at `start`, or -1. */
  private plainStringEnd(start: number): number {
    const data = this.data;
    const end = this.end;
    for (let i = start; i < end; i++) {
      const c = data[i]!;
      if (c === 0x22) return i;
      if (c === 0x5c || c < 0x20) return -1;
    }
    return -1;
  }

  private fieldIndex(node: Node, start: number, end: number): number {
    const data = this.data;
    const length = end - start;
    const hash = (length << 8) | (length > 0 ? data[start]! : 0);
    const cache = node.keyCache!;
    const bucket = cache.get(hash);
    if (bucket) {
      for (const entry of bucket) {
        const bytes = entry.bytes;
        let same = true;
        for (let k = 1; k < length; k++) {
          if (bytes[k] !== data[start + k]) {
            same = false;
            break;
          }
        }
        if (same) return entry.index;
      }
    }
    const key = this.view.toString('utf8', start, end);
    const index = node.names!.get(this.matching.normalize(key)) ?? -1;
    if (node.keyCacheSize! < KEY_CACHE_LIMIT) {
      const entry = { bytes: data.slice(start, end), index };
      if (bucket) bucket.push(entry);
      else cache.set(hash, [entry]);
      node.keyCacheSize!++;
    }
    return index;
  }

  private value(node: Node, repetition: number): boolean {
    const data = this.data;
    const c = data[this.pos];
    if (c === 0x6e) {
      if (!this.literal('null')) return false;
      this.nulls(node, node.definition - 1, repetition);
      return true;
    }
    switch (node.kind) {
      case Kind.Struct:
        return c === 0x7b && this.object(node, repetition);
      case Kind.List:
        return c === 0x5b && this.list(node, repetition);
      case Kind.Unsupported:
        return false;
      default:
        if (!this.leafValue(node, c!)) return false;
        node.column!.level(node.definition, repetition);
        return true;
    }
  }

  private list(node: Node, repetition: number): boolean {
    const data = this.data;
    this.pos++;
    this.ws();
    if (data[this.pos] === 0x5d) {
      this.pos++;
      this.nulls(node, node.definition, repetition);
      return true;
    }
    let r = repetition;
    for (;;) {
      if (!this.value(node.element!, r)) return false;
      r = node.repeated!;
      this.ws();
      const c = data[this.pos];
      this.pos++;
      if (c === 0x5d) return true;
      if (c !== 0x2c) return false;
      this.ws();
    }
  }

  /** Adds the value at `pos` (first byte `c`) to the leaf's column, or returns false to defer to the general path. */
  private leafValue(node: Node, c: number): boolean {
    const column = node.column!;
    switch (node.kind) {
      case Kind.Int: {
        if (!this.scanNumber() || this.numFracEnd !== this.numIntEnd || this.numHasExponent) return false;
        const n = this.integerValue();
        if (n === undefined || n < node.min! || n > node.max!) return false;
        column.addInt32(n);
        return true;
      }
      case Kind.Bigint: {
        if (!this.scanNumber() || this.numFracEnd !== this.numIntEnd || this.numHasExponent) return false;
        const n = this.integerValue();
        if (n === undefined) return false;
        column.addInt64Number(n);
        return true;
      }
      case Kind.Float:
      case Kind.Double: {
        const start = this.pos;
        if (!this.scanNumber()) return false;
        const n = this.doubleValue(start);
        if (node.kind === Kind.Float) column.addFloat(n);
        else column.addDouble(n);
        return true;
      }
      case Kind.Boolean:
        if (c === 0x74 && this.literal('true')) column.addBoolean(true);
        else if (c === 0x66 && this.literal('false')) column.addBoolean(false);
        else return false;
        return true;
      case Kind.Bytes: {
        let start = this.pos;
        let end: number;
        if (c === 0x22) {
          start++;
          end = this.plainStringEnd(start);
          if (end < 0) return false;
          this.pos = end + 1;
        } else if ((c === 0x74 && this.literal('true')) || (c === 0x66 && this.literal('false'))) {
          end = this.pos;
        } else return false;
        // Bytes ≥ characters, so within the limit in bytes means no truncation is needed.
        if (node.max! > 0 && end - start > node.max!) return false;
        column.addBytes(this.data, start, end);
        return true;
      }
      case Kind.Decimal:
        return this.decimal(node, c);
      case Kind.Date: {
        if (c !== 0x22 || this.pos + 11 >= this.end || this.data[this.pos + 11] !== 0x22) return false;
        const days = this.civilDays(this.pos + 1);
        if (days === undefined) return false;
        this.pos += 12;
        column.addInt32(days);
        return true;
      }
      case Kind.Timestamp:
        return this.timestamp(column, c);
      default:
        return false;
    }
  }

  /** Scans a JSON number at `pos` (grammar-checked), leaving its parts in the num* fields. */
  private scanNumber(): boolean {
    const data = this.data;
    let p = this.pos;
    this.numNegative = data[p] === 0x2d;
    if (this.numNegative) p++;
    this.numIntStart = p;
    if (data[p] === 0x30) p++;
    else if (isDigit(data[p])) while (isDigit(data[p])) p++;
    else return false;
    this.numIntEnd = p;
    if (data[p] === 0x2e) {
      p++;
      if (!isDigit(data[p])) return false;
      while (isDigit(data[p])) p++;
    }
    this.numFracEnd = p;
    this.numHasExponent = data[p] === 0x65 || data[p] === 0x45;
    if (this.numHasExponent) {
      p++;
      if (data[p] === 0x2b || data[p] === 0x2d) p++;
      if (!isDigit(data[p])) return false;
      while (isDigit(data[p])) p++;
    }
    if (p > this.end) return false;
    this.pos = p;
    return true;
  }

  /** The scanned integer, when it has at most 15 digits (exact as a double). */
  private integerValue(): number | undefined {
    const digits = this.numIntEnd - this.numIntStart;
    if (digits > 15) return undefined;
    const data = this.data;
    let n = 0;
    for (let i = this.numIntStart; i < this.numIntEnd; i++) n = n * 10 + data[i]! - 0x30;
    return this.numNegative ? -n : n;
  }

  /**
   * The scanned number as a double. Up to 15 significant digits with a power of ten up to 22 is exact in one
   * multiplication or division (Clinger's fast path); anything else goes through Number() like JSON.parse.
   */
  private doubleValue(start: number): number {
    if (!this.numHasExponent) {
      const data = this.data;
      let digits = 0;
      let m = 0;
      for (let i = this.numIntStart; i < this.numFracEnd; i++) {
        const c = data[i]!;
        if (c === 0x2e) continue;
        if (digits > 0 || c !== 0x30) digits++;
        m = m * 10 + c - 0x30;
      }
      const fraction = this.numFracEnd === this.numIntEnd ? 0 : this.numFracEnd - this.numIntEnd - 1;
      if (digits <= 15 && fraction <= 22) {
        const v = m / POW10[fraction]!;
        return this.numNegative ? -v : v;
      }
    }
    return Number(this.view.toString('latin1', start, this.pos));
  }

  /**
   * Decimals given as JSON numbers of up to 15 significant digits (so that the general path's String(number)
   * has the same digits) or, for OpenX, as plain decimal text; rounded half up at the scale like decimalOf.
   */
  private decimal(node: Node, c: number): boolean {
    const quoted = c === 0x22;
    if (quoted) {
      if (this.hive) return false;
      this.pos++;
    }
    if (!this.scanNumber() || this.numHasExponent) return false;
    if (quoted) {
      if (this.data[this.pos] !== 0x22) return false;
      this.pos++;
    }
    const data = this.data;
    const scale = node.scale!;
    const intDigits = this.numIntEnd - this.numIntStart;
    const fracStart = this.numIntEnd + 1;
    const fracDigits = this.numFracEnd === this.numIntEnd ? 0 : this.numFracEnd - fracStart;
    if (intDigits + fracDigits > 15 || intDigits + scale > 15) return false;
    let unscaled = 0;
    for (let i = this.numIntStart; i < this.numIntEnd; i++) unscaled = unscaled * 10 + data[i]! - 0x30;
    for (let k = 0; k < scale; k++)
      unscaled = unscaled * 10 + (k < fracDigits ? data[fracStart + k]! - 0x30 : 0);
    if (fracDigits > scale && data[fracStart + scale]! >= 0x35) unscaled += 1;
    if (unscaled >= POW10[Math.min(node.precision!, 22)]!) return false;
    const value = this.numNegative ? -unscaled : unscaled;
    const column = node.column!;
    if (column.leaf.physical === PhysicalType.INT32) column.addInt32(value);
    else column.addInt64Number(value);
    return true;
  }

  /** Days since the epoch of `yyyy-MM-dd` at data[at], or undefined. */
  private civilDays(at: number): number | undefined {
    const d = this.data;
    if (d[at + 4] !== 0x2d || d[at + 7] !== 0x2d) return undefined;
    const year = digits(d, at, 4);
    const month = digits(d, at + 5, 2);
    const day = digits(d, at + 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    return daysFromCivil(year, month, day);
  }

  /** OpenX timestamps (§7.2): `yyyy-MM-ddTHH:mm:ss[.f]Z`, `yyyy-MM-dd HH:mm:ss[.f]`, integer epoch s/ms. */
  private timestamp(column: ColumnBuffer, c: number): boolean {
    const d = this.data;
    if (c !== 0x22) {
      if (!this.scanNumber() || this.numFracEnd !== this.numIntEnd || this.numHasExponent) return false;
      const n = this.integerValue();
      if (n === undefined) return false;
      // Same rule as parseOpenXTimestamp: below 10^11 seconds, else milliseconds.
      column.addInt64Number(Math.abs(n) < 1e11 ? n * 1000 : n);
      return true;
    }
    const at = this.pos + 1;
    if (at + 19 > this.end) return false;
    const separator = d[at + 10];
    if (separator !== 0x54 && separator !== 0x20) return false;
    if (d[at + 13] !== 0x3a || d[at + 16] !== 0x3a) return false;
    const days = this.civilDays(at);
    const hour = digits(d, at + 11, 2);
    const minute = digits(d, at + 14, 2);
    const second = digits(d, at + 17, 2);
    if (
      days === undefined ||
      hour < 0 ||
      hour > 23 ||
      minute < 0 ||
      minute > 59 ||
      second < 0 ||
      second > 59
    ) {
      return false;
    }
    let p = at + 19;
    let millis = 0;
    if (d[p] === 0x2e) {
      p++;
      const fracStart = p;
      while (isDigit(d[p]) && p - fracStart < 9) p++;
      const count = p - fracStart;
      if (count === 0 || isDigit(d[p])) return false;
      for (let k = 0; k < 3; k++) millis = millis * 10 + (k < count ? d[fracStart + k]! - 0x30 : 0);
    }
    if (separator === 0x54) {
      if (d[p] !== 0x5a) return false;
      p++;
    }
    if (d[p] !== 0x22 || p >= this.end) return false;
    this.pos = p + 1;
    column.addInt64Number(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis);
    return true;
  }

  private literal(text: string): boolean {
    const data = this.data;
    const p = this.pos;
    if (p + text.length > this.end) return false;
    for (let k = 0; k < text.length; k++) if (data[p + k] !== text.charCodeAt(k)) return false;
    this.pos = p + text.length;
    return true;
  }

  /** Skips (and validates) any JSON value at `pos`, for keys outside the schema. */
  private skip(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const data = this.data;
    const c = data[this.pos];
    if (c === 0x22) return this.skipString();
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      this.pos++;
      this.ws();
      if (data[this.pos] === close) {
        this.pos++;
        return true;
      }
      for (;;) {
        if (c === 0x7b) {
          if (data[this.pos] !== 0x22 || !this.skipString()) return false;
          this.ws();
          if (data[this.pos] !== 0x3a) return false;
          this.pos++;
          this.ws();
        }
        if (!this.skip(depth + 1)) return false;
        this.ws();
        const next = data[this.pos];
        this.pos++;
        if (next === close) return this.pos <= this.end;
        if (next !== 0x2c) return false;
        this.ws();
      }
    }
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    return this.scanNumber();
  }

  /** At `"`: skips a string, validating its escapes. */
  private skipString(): boolean {
    const data = this.data;
    const end = this.end;
    let p = this.pos + 1;
    while (p < end) {
      const c = data[p]!;
      if (c === 0x22) {
        this.pos = p + 1;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = data[p + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) if (!isHex(data[p + k])) return false;
          p += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e !== 0x22 &&
          e !== 0x5c &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        ) {
          return false;
        }
        p += 2;
        continue;
      }
      p++;
    }
    return false;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
  return (
    c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
  );
}

/** The decimal value of `count` ASCII digits at data[at], or -1. */
function digits(data: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let k = 0; k < count; k++) {
    const c = data[at + k];
    if (c === undefined || c < 0x30 || c > 0x39) return -1;
    n = n * 10 + c - 0x30;
  }
  return n;
}

function countLeaves(type: HiveType): number {
  switch (type.kind) {
    case 'struct':
      return type.fields.reduce((sum, f) => sum + countLeaves(f.type), 0);
    case 'array':
      return countLeaves(type.element);
    case 'map':
      return countLeaves(type.key) + countLeaves(type.value);
    default:
      return 1;
  }
}
