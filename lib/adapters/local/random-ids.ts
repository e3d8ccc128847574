import { randomBytes, randomUUID } from 'node:crypto';
import type { IdSource } from '../../core/ports.ts';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/**
 * 36 does not divide 256, so a plain `byte % 36` would favour the first 4 characters. Bytes at or above
 * the largest multiple of 36 are discarded instead (rejection sampling), which keeps every character
 * equally likely.
 */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** Cryptographically random ids: object-key UUIDs and `!{firehose:random-string}` (spec §3.2). */
export class RandomIds implements IdSource {
  uuid(): string {
    return randomUUID();
  }

  randomString(length: number): string {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`randomString length must be a non-negative integer, got ${length}`);
    }
    let out = '';
    // Each byte is accepted with probability 252/256, so a batch of length + 8 bytes nearly always
    // suffices; the loop only draws again in the rare case it does not.
    while (out.length < length) {
      for (const byte of randomBytes(length - out.length + 8)) {
        if (byte >= UNBIASED_LIMIT) continue;
        out += ALPHABET[byte % ALPHABET.length];
        if (out.length === length) break;
      }
    }
    return out;
  }
}
