import { md5 } from './md5.ts';
import { ok, type ProcessorRecord, type RecordOutcome } from './processor-record.ts';

/**
 * KPL de-aggregation (spec §12, first in the §6 processing order): a Kinesis record written by the Kinesis
 * Producer Library may pack many user records:
 *
 *   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 *
 * Anything that does not start with the magic, fails the checksum or does not parse is a plain record and passes
 * through unchanged, as the KCL treats it: a producer may legitimately send bytes that begin with the magic.
 */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_BYTES = 16;

export interface KplUserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  /** A view into the aggregated record's bytes, not a copy. */
  readonly data: Uint8Array;
}

/** The user records of a KPL-aggregated record, or undefined when `record` is not one. */
export function decodeKplAggregate(record: Uint8Array): KplUserRecord[] | undefined {
  if (record.byteLength < KPL_MAGIC.byteLength + DIGEST_BYTES) return undefined;
  for (let i = 0; i < KPL_MAGIC.byteLength; i++) if (record[i] !== KPL_MAGIC[i]) return undefined;
  const body = record.subarray(KPL_MAGIC.byteLength, record.byteLength - DIGEST_BYTES);
  const digest = md5(body);
  const expected = record.subarray(record.byteLength - DIGEST_BYTES);
  for (let i = 0; i < DIGEST_BYTES; i++) if (digest[i] !== expected[i]) return undefined;
  try {
    return parseAggregatedRecord(body);
  } catch {
    return undefined;
  }
}

/**
 * The processor: an aggregated record becomes its user records, each with the Kinesis metadata of the carrier
 * but its own partition key and `subsequenceNumber` = its index (spec §12), and the record ID `<parent>.<index>`.
 */
export function deaggregateKplRecord(record: ProcessorRecord): RecordOutcome {
  const users = decodeKplAggregate(record.data);
  if (!users) return ok(record);
  return ok(
    ...users.map((user, i): ProcessorRecord => {
      const kinesis = record.kinesisRecordMetadata;
      return {
        ...record,
        data: user.data,
        recordId: `${record.recordId}.${i}`,
        ...(kinesis
          ? { kinesisRecordMetadata: { ...kinesis, partitionKey: user.partitionKey, subsequenceNumber: i } }
          : {}),
      };
    }),
  );
}

class Reader {
  at = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buf.byteLength;
  }

  /** Varints up to 2^53 cover table indexes and lengths; larger ones are refused. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.buf.byteLength) throw new Error('truncated varint');
      const byte = this.buf[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new Error('varint too large');
        return value;
      }
      scale *= 128;
    }
    throw new Error('varint too long');
  }

  bytes(): Uint8Array {
    const length = this.varint();
    const end = this.at + length;
    if (end > this.buf.byteLength) throw new Error('truncated field');
    const out = this.buf.subarray(this.at, end);
    this.at = end;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.advance(4);
    else throw new Error(`unsupported wire type ${wireType}`);
  }

  private advance(bytes: number): void {
    if (this.at + bytes > this.buf.byteLength) throw new Error('truncated field');
    this.at += bytes;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseAggregatedRecord(body: Uint8Array): KplUserRecord[] {
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  const entries: Array<{ keyIndex: number; hashIndex?: number; data: Uint8Array }> = [];
  const reader = new Reader(body);
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 1 && wire === 2) partitionKeys.push(utf8.decode(reader.bytes()));
    else if (field === 2 && wire === 2) hashKeys.push(utf8.decode(reader.bytes()));
    else if (field === 3 && wire === 2) entries.push(parseRecord(reader.bytes()));
    else reader.skip(wire);
  }
  if (entries.length === 0) throw new Error('no records');
  return entries.map((entry) => {
    const partitionKey = partitionKeys[entry.keyIndex];
    if (partitionKey === undefined) throw new Error('partition key index out of range');
    if (entry.hashIndex === undefined) return { partitionKey, data: entry.data };
    const explicitHashKey = hashKeys[entry.hashIndex];
    if (explicitHashKey === undefined) throw new Error('explicit hash key index out of range');
    return { partitionKey, explicitHashKey, data: entry.data };
  });
}

function parseRecord(bytes: Uint8Array): { keyIndex: number; hashIndex?: number; data: Uint8Array } {
  const reader = new Reader(bytes);
  let keyIndex: number | undefined;
  let hashIndex: number | undefined;
  let data: Uint8Array | undefined;
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 1 && wire === 0) keyIndex = reader.varint();
    else if (field === 2 && wire === 0) hashIndex = reader.varint();
    else if (field === 3 && wire === 2) data = reader.bytes();
    else reader.skip(wire);
  }
  if (keyIndex === undefined || data === undefined) throw new Error('record without key index or data');
  return hashIndex === undefined ? { keyIndex, data } : { keyIndex, hashIndex, data };
}
