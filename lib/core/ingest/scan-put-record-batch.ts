import { Buffer } from 'node:buffer';
import type { RecordBytes } from '../records.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_RECORD_BYTES, type PutRequest } from './put-records.ts';

/**
 * A PutRecordBatch body read straight from its bytes, for the shape every SDK, the CLI and the agents send:
 * `{"DeliveryStreamName": "...", "Records": [{"Data": "<base64>"}, ...]}` in either key order, any JSON
 * whitespace, nothing else. The base64 is decoded from the body into the request's one record buffer, so a
 * request leaves no garbage behind but the body itself: `JSON.parse` would build a 1.4 MB string and 500
 * base64 strings per call, which at 100 MB/s is what keeps V8's young generation (and the process's RSS) at its
 * maximum.
 *
 * Returns undefined for anything else: other keys, escapes, a stream name or record the limits refuse, bad
 * base64, malformed JSON. The caller then parses the body with JSON.parse and parsePutRecordBatch, which give
 * Firehose's exact errors; so this function never decides an error, and a body it accepts gives the same
 * request parsePutRecordBatch would.
 */
export function scanPutRecordBatch(
  body: Uint8Array,
  /** Where the decoded records go (a buffer of at least `size` bytes; the request uses the first `size`). */
  allocate: (size: number) => Uint8Array = (size) => Buffer.allocUnsafe(size),
): PutRequest | undefined {
  const scanner = new Scanner(body);
  const spans = scanner.document();
  if (!spans) return undefined;
  return decodeRecords(body, spans, allocate);
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const EQUALS = 0x3d;

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const DELIVERY_STREAM_NAME = ascii('DeliveryStreamName');
const RECORDS = ascii('Records');
const DATA = ascii('Data');

/** The pattern and length of DeliveryStreamName (spec §1.2): [a-zA-Z0-9_.-]{1,64}. */
const NAME_CHAR = new Uint8Array(256);
for (const c of ascii('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-')) NAME_CHAR[c] = 1;
const MAX_NAME_LENGTH = 64;

/** Standard base64 alphabet values; 255 for every other byte ('-' and '_' of the URL-safe alphabet included). */
const SEXTET = new Uint8Array(256).fill(255);
ascii('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/').forEach((c, i) => {
  SEXTET[c] = i;
});

/** Two base64 characters (first << 8 | second) to their 12 bits; 0xffff when either is outside the alphabet. */
const PAIR = new Uint16Array(65536).fill(0xffff);
for (let first = 0; first < 256; first++) {
  if (SEXTET[first] === 255) continue;
  for (let second = 0; second < 256; second++) {
    if (SEXTET[second] !== 255) PAIR[(first << 8) | second] = (SEXTET[first]! << 6) | SEXTET[second]!;
  }
}

interface Spans {
  name: string;
  /** Start and end offsets of each record's base64 text in the body, pairwise. */
  data: Uint32Array;
  count: number;
}

class Scanner {
  private at = 0;
  private name: string | undefined;
  private data: Uint32Array | undefined;
  private count = 0;

  constructor(private readonly bytes: Uint8Array) {}

  document(): Spans | undefined {
    if (!this.punctuation(OPEN_OBJECT)) return undefined;
    do {
      const key = this.string();
      if (!key || !this.punctuation(COLON)) return undefined;
      if (this.keyIs(key, DELIVERY_STREAM_NAME) && this.name === undefined) {
        if (!this.streamName()) return undefined;
      } else if (this.keyIs(key, RECORDS) && this.data === undefined) {
        if (!this.records()) return undefined;
      } else {
        return undefined; // another key, or a repeated one: JSON.parse's rules decide
      }
    } while (this.punctuation(COMMA));
    if (!this.punctuation(CLOSE_OBJECT)) return undefined;
    this.whitespace();
    if (this.at !== this.bytes.length || this.name === undefined || this.data === undefined) return undefined;
    return { name: this.name, data: this.data, count: this.count };
  }

  private streamName(): boolean {
    const span = this.string();
    if (!span) return false;
    const [start, end] = span;
    if (end === start || end - start > MAX_NAME_LENGTH) return false;
    for (let i = start; i < end; i++) if (!NAME_CHAR[this.bytes[i]!]) return false;
    this.name = String.fromCharCode(...this.bytes.subarray(start, end));
    return true;
  }

  private records(): boolean {
    if (!this.punctuation(OPEN_ARRAY)) return false;
    const data = new Uint32Array(MAX_BATCH_RECORDS * 2);
    let count = 0;
    do {
      if (count === MAX_BATCH_RECORDS) return false;
      if (!this.punctuation(OPEN_OBJECT)) return false;
      const key = this.string();
      if (!key || !this.keyIs(key, DATA) || !this.punctuation(COLON)) return false;
      const value = this.string();
      if (!value || !this.punctuation(CLOSE_OBJECT)) return false;
      data[count * 2] = value[0];
      data[count * 2 + 1] = value[1];
      count++;
    } while (this.punctuation(COMMA));
    if (!this.punctuation(CLOSE_ARRAY)) return false;
    this.data = data;
    this.count = count;
    return true;
  }

  /**
   * A string's contents as [start, end), up to the next quote. Escapes are not looked for: every string read
   * here is then held to an alphabet without the backslash (a key name, the stream name's pattern, base64), so a
   * string with an escape, wherever its real end is, is refused there.
   */
  private string(): [number, number] | undefined {
    if (!this.punctuation(QUOTE)) return undefined;
    const start = this.at;
    const end = this.bytes.indexOf(QUOTE, start);
    if (end < 0) return undefined;
    this.at = end + 1;
    return [start, end];
  }

  private keyIs([start, end]: [number, number], key: Uint8Array): boolean {
    if (end - start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.bytes[start + i] !== key[i]) return false;
    return true;
  }

  /** Skips whitespace, then consumes `byte` if it is next. */
  private punctuation(byte: number): boolean {
    this.whitespace();
    if (this.bytes[this.at] !== byte) return false;
    this.at++;
    return true;
  }

  private whitespace(): void {
    const bytes = this.bytes;
    let at = this.at;
    for (;;) {
      const c = bytes[at];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this.at = at;
  }
}

/** Decodes every record into one buffer; undefined when a record is not strict base64 or a limit is exceeded. */
function decodeRecords(
  body: Uint8Array,
  spans: Spans,
  allocate: (size: number) => Uint8Array,
): PutRequest | undefined {
  const { data, count } = spans;
  const ends = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const size = decodedSize(body, data[i * 2]!, data[i * 2 + 1]!);
    if (size < 0 || size > MAX_RECORD_BYTES) return undefined;
    total += size;
    ends[i] = total;
  }
  if (total > MAX_BATCH_BYTES) return undefined;
  const out = allocate(total).subarray(0, total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    at = decodeBase64(body, data[i * 2]!, data[i * 2 + 1]!, out, at);
    if (at !== ends[i]) return undefined;
  }
  const records: RecordBytes = { data: out, ends };
  return { deliveryStreamName: spans.name, records };
}

/** Bytes that base64 text of a valid length decodes to, or -1 when its length is not a multiple of 4. */
function decodedSize(body: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length % 4 !== 0) return -1;
  const padding = length === 0 ? 0 : body[end - 1] !== EQUALS ? 0 : body[end - 2] === EQUALS ? 2 : 1;
  return (length / 4) * 3 - padding;
}

/**
 * Strict base64 (the JSON 1.1 protocol's blob encoding): the standard alphabet, '=' only as the last one or
 * two characters. Returns the offset after the decoded bytes, or -1 on anything else.
 */
function decodeBase64(body: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  if (start === end) return at;
  const full = body[end - 1] === EQUALS ? end - 4 : end;
  let i = start;
  for (; i < full; i += 4) {
    const high = PAIR[(body[i]! << 8) | body[i + 1]!]!;
    const low = PAIR[(body[i + 2]! << 8) | body[i + 3]!]!;
    if ((high | low) > 0xfff) return -1;
    out[at] = high >> 4;
    out[at + 1] = ((high & 15) << 4) | (low >> 8);
    out[at + 2] = low & 255;
    at += 3;
  }
  if (full === end) return at;
  // The last quantum: "xx==" or "xxx=".
  const a = SEXTET[body[i]!]!;
  const b = SEXTET[body[i + 1]!]!;
  if ((a | b) === 255) return -1;
  out[at++] = (a << 2) | (b >> 4);
  if (body[i + 2] === EQUALS) return at;
  const c = SEXTET[body[i + 2]!]!;
  if (c === 255) return -1;
  out[at++] = ((b & 15) << 4) | (c >> 2);
  return at;
}
