import { createHash } from 'node:crypto';
import type { IdSource } from '../core/ports.ts';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Ids derived from a seed (a flush ID): the n-th UUID of a flush is the same on every attempt, so a re-driven
 * flush renders the same object keys and overwrites what an earlier attempt wrote instead of adding objects
 * (DESIGN.md AWS invariant 4). The UUIDs are formatted as version 4, as Firehose's are (spec §3.1).
 */
export class SeededIds implements IdSource {
  private counter = 0;

  constructor(private readonly seed: string) {}

  uuid(): string {
    const hex = this.next().toString('hex');
    const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  randomString(length: number): string {
    let out = '';
    while (out.length < length) {
      for (const byte of this.next()) {
        // 252 is the largest multiple of 36 below 256: rejecting the rest keeps characters equally likely.
        if (byte >= 252) continue;
        out += ALPHABET[byte % 36];
        if (out.length === length) break;
      }
    }
    return out;
  }

  private next(): Buffer {
    return createHash('sha256')
      .update(`${this.seed}\u0000${this.counter++}`)
      .digest();
  }
}

/** A short, stable id for a value (chunk IDs from Kinesis positions). */
export function stableId(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
