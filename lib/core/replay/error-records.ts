import { Buffer } from 'node:buffer';

/**
 * Reading error output back (`sluice replay`): an error object holds one JSON document per failed record
 * (spec §4.2), newline-separated or simply concatenated. Every shape of §4.2 carries the original record as
 * base64 `rawData`, which is what a replay re-ingests.
 */
export interface ParsedErrorObject {
  /** The original records, in the object's order. */
  records: Uint8Array[];
  /** Documents that could not be read back, with why (bounded); the caller reports them. */
  problems: string[];
}

export function parseErrorObject(body: Uint8Array): ParsedErrorObject {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const records: Uint8Array[] = [];
  const problems: string[] = [];
  let index = 0;
  for (const document of jsonDocuments(text)) {
    index++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch {
      problems.push(`document ${index} is not valid JSON`);
      continue;
    }
    const rawData = (parsed as { rawData?: unknown } | null)?.rawData;
    if (typeof rawData !== 'string' || !isBase64(rawData)) {
      problems.push(`document ${index} has no base64 rawData`);
      continue;
    }
    records.push(Buffer.from(rawData, 'base64'));
  }
  return { records, problems };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(value: string): boolean {
  return value.length % 4 === 0 && BASE64.test(value);
}

/**
 * Splits text into top-level JSON values by tracking braces outside strings: error documents are objects, and
 * a document may be followed directly by the next one or by whitespace.
 */
export function* jsonDocuments(text: string): Generator<string> {
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */) {
      if (depth++ === 0) start = i;
    } else if (c === 0x7d /* } */ && depth > 0) {
      if (--depth === 0) yield text.slice(start, i + 1);
    } else if (depth === 0 && c > 0x20) {
      // Stray text between documents: yield it so the caller reports it instead of skipping it silently.
      let end = i;
      while (end < text.length && text.charCodeAt(end) > 0x20 && text.charCodeAt(end) !== 0x7b) end++;
      yield text.slice(i, end);
      i = end - 1;
    }
  }
  if (depth > 0) yield text.slice(start);
}
