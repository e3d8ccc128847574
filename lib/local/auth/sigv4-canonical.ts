/**
 * The SigV4 canonical request, rebuilt on the receiving side from what arrived on the wire.
 *
 * Signers (smithy, botocore) canonicalise the *wire* path and query: the path is normalised and
 * percent-encoded a second time (every service but S3 double-encodes), and each query key/value is
 * encoded with the RFC 3986 unreserved set. We receive the wire form, so we decode the query to
 * bytes and re-encode it; that way `a%20b`, `a b` and `%41` all reach the one canonical form a
 * signer would have produced for the same value.
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 percent-encoding of UTF-8 bytes, everything but the unreserved set (and `/` if asked). */
export function uriEncode(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    if ((byte < 0x80 && UNRESERVED.test(ch)) || (keepSlash && ch === '/')) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Percent-decodes to bytes. A `%` not followed by two hex digits stays literal rather than failing:
 * the signer saw those characters as data, and re-encoding them yields `%25` exactly as it did.
 * `+` stays a plus; SigV4 signers encode spaces as `%20`, never `+`.
 */
export function percentDecode(text: string): Uint8Array {
  const utf8 = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < utf8.length; i++) {
    const byte = utf8[i]!;
    if (byte === 0x25 && i + 2 < utf8.length && isHex(utf8[i + 1]) && isHex(utf8[i + 2])) {
      out.push(Number.parseInt(String.fromCharCode(utf8[i + 1]!, utf8[i + 2]!), 16));
      i += 2;
    } else {
      out.push(byte);
    }
  }
  return Uint8Array.from(out);
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}

/**
 * Canonical URI: remove empty, `.` and `..` segments (as smithy's signer and botocore's
 * `normpath` do), keep a trailing slash, then encode the already-encoded wire path once more.
 */
export function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  const normalised = `/${segments.join('/')}${trailing}`;
  return uriEncode(Buffer.from(normalised, 'utf8'), true);
}

/** Canonical query: decode, re-encode strictly, sort by key then value (byte order; both are ASCII now). */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(percentDecode(key)), uriEncode(percentDecode(value))]);
  }
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** A header value as signers canonicalise it: trimmed, inner whitespace runs collapsed to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

export interface CanonicalRequestParts {
  method: string;
  path: string;
  query: string;
  /** `SignedHeaders` exactly as the client sent it (already lower-case, sorted, `;`-joined). */
  signedHeaders: readonly string[];
  /** Values of the signed headers, in `signedHeaders` order. */
  signedHeaderValues: readonly string[];
  payloadHashHex: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  const headerLines = parts.signedHeaders.map(
    (name, i) => `${name}:${canonicalHeaderValue(parts.signedHeaderValues[i] ?? '')}\n`,
  );
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.path),
    canonicalQuery(parts.query),
    headerLines.join(''),
    parts.signedHeaders.join(';'),
    parts.payloadHashHex,
  ].join('\n');
}
