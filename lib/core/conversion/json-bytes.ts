/** Byte-level helpers of the JSON scanner: escapes, UTF-8 encoding and validation, key hashing. */

/** JSON escape letter → the byte it stands for; 0 for letters that are not escapes. */
export const ESCAPES = new Uint8Array(256);
ESCAPES[0x22] = 0x22;
ESCAPES[0x5c] = 0x5c;
ESCAPES[0x2f] = 0x2f;
ESCAPES[0x62] = 0x08;
ESCAPES[0x66] = 0x0c;
ESCAPES[0x6e] = 0x0a;
ESCAPES[0x72] = 0x0d;
ESCAPES[0x74] = 0x09;
ESCAPES[0x75] = 0x75;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

export function hex4(b: Uint8Array, i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const d = hexDigit(b[i + k] ?? 0);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

export function writeUtf8(out: Uint8Array, n: number, code: number): number {
  if (code < 0x80) out[n++] = code;
  else if (code < 0x800) {
    out[n++] = 0xc0 | (code >> 6);
    out[n++] = 0x80 | (code & 0x3f);
  } else if (code < 0x10000) {
    out[n++] = 0xe0 | (code >> 12);
    out[n++] = 0x80 | ((code >> 6) & 0x3f);
    out[n++] = 0x80 | (code & 0x3f);
  } else {
    out[n++] = 0xf0 | (code >> 18);
    out[n++] = 0x80 | ((code >> 12) & 0x3f);
    out[n++] = 0x80 | ((code >> 6) & 0x3f);
    out[n++] = 0x80 | (code & 0x3f);
  }
  return n;
}

/** Strict UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF). */
export function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    let code: number;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
      code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
      code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
      code = c & 0x07;
    } else return false;
    if (i + n >= end) return false;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k]!;
      if ((x & 0xc0) !== 0x80) return false;
      code = (code << 6) | (x & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
  return h;
}
