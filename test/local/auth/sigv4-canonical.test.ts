import { describe, expect, it } from 'vitest';
import {
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  percentDecode,
  uriEncode,
} from '../../../lib/local/auth/sigv4-canonical.ts';

describe('SigV4 canonical forms', () => {
  it('encodes everything outside the RFC 3986 unreserved set, upper-case hex', () => {
    expect(uriEncode(Buffer.from("a-Z_0.~ /+*!'()é", 'utf8'))).toBe('a-Z_0.~%20%2F%2B%2A%21%27%28%29%C3%A9');
    expect(uriEncode(Buffer.from('/a b/', 'utf8'), true)).toBe('/a%20b/');
  });

  it('percent-decodes to bytes, leaving stray % and + literal', () => {
    expect(Buffer.from(percentDecode('%41%e2%82%ac%zz%4+')).toString('latin1')).toBe('A\xe2\x82\xac%zz%4+');
  });

  it('normalises the path and encodes the wire path a second time', () => {
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalUri('/x%2Fy')).toBe('/x%252Fy');
  });

  it('sorts the query by key then value and gives bare keys an empty value', () => {
    expect(canonicalQuery('')).toBe('');
    expect(canonicalQuery('b=2&a=z&a=y&flag&&c=%7e%20')).toBe('a=y&a=z&b=2&c=~%20&flag=');
  });

  it('trims header values and collapses inner whitespace', () => {
    expect(canonicalHeaderValue('  a   b\tc  ')).toBe('a b c');
  });
});
