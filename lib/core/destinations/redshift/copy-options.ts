/**
 * A parser for Redshift COPY options (the CopyCommand.CopyOptions text, §8) into a list of named options, so a
 * loader that is not Redshift can tell what it is asked to do and refuse what it cannot.
 */

export interface CopyOption {
  /** Upper-case option name (`FORMAT AS JSON` is reported as `JSON`). */
  name: string;
  /** The option's argument, unquoted, if it has one. */
  value?: string;
}

export interface ParsedCopyOptions {
  options: CopyOption[];
  problems: string[];
}

type Arity = 'none' | 'value' | 'optional-string' | 'optional-word';

const GRAMMAR: Record<string, Arity> = {
  GZIP: 'none',
  LZOP: 'none',
  BZIP2: 'none',
  ZSTD: 'none',
  CSV: 'none',
  PARQUET: 'none',
  ORC: 'none',
  SHAPEFILE: 'none',
  EMPTYASNULL: 'none',
  BLANKSASNULL: 'none',
  TRIMBLANKS: 'none',
  TRUNCATECOLUMNS: 'none',
  ACCEPTANYDATE: 'none',
  ESCAPE: 'none',
  REMOVEQUOTES: 'none',
  ROUNDEC: 'none',
  FILLRECORD: 'none',
  IGNOREBLANKLINES: 'none',
  EXPLICIT_IDS: 'none',
  NOLOAD: 'none',
  MANIFEST: 'none',
  JSON: 'optional-string',
  AVRO: 'optional-string',
  ACCEPTINVCHARS: 'optional-string',
  COMPUPDATE: 'optional-word',
  STATUPDATE: 'optional-word',
  DELIMITER: 'value',
  IGNOREHEADER: 'value',
  NULL: 'value',
  QUOTE: 'value',
  MAXERROR: 'value',
  DATEFORMAT: 'value',
  TIMEFORMAT: 'value',
  ENCODING: 'value',
  REGION: 'value',
  COMPROWS: 'value',
  FIXEDWIDTH: 'value',
};

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string };

function tokenize(text: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s|;/.test(ch)) {
      i++;
    } else if (ch === "'") {
      // Redshift quotes with '...'; a quote inside is doubled or backslash-escaped.
      let value = '';
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          value += unescapeChar(text[i + 1]!);
          i += 2;
        } else if (c === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (c === "'") {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) problems.push('CopyOptions has an unterminated quoted string.');
      tokens.push({ kind: 'string', text: value });
    } else {
      let word = '';
      while (i < text.length && !/[\s;']/.test(text[i]!)) word += text[i++];
      tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}

// Redshift reads '\t' in DELIMITER as a tab (the API doc's example `delimiter '\t' lzop;`).
function unescapeChar(c: string): string {
  return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === '0' ? '\0' : c;
}

export function parseCopyOptions(text: string): ParsedCopyOptions {
  const problems: string[] = [];
  const tokens = tokenize(text, problems);
  const options: CopyOption[] = [];
  let i = 0;
  const isWord = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text.toUpperCase() === word;
  while (i < tokens.length) {
    const token = tokens[i++]!;
    if (token.kind !== 'word') {
      problems.push(
        `CopyOptions has a quoted value '${token.text.slice(0, 40)}' where an option name was expected.`,
      );
      continue;
    }
    let name = token.text.toUpperCase();
    if (name === 'FORMAT') {
      if (isWord(tokens[i], 'AS')) i++;
      const format = tokens[i++];
      if (format?.kind !== 'word') {
        problems.push('CopyOptions: FORMAT needs a format name (JSON, CSV, AVRO, PARQUET, ORC, …).');
        continue;
      }
      name = format.text.toUpperCase();
    }
    const arity = GRAMMAR[name];
    if (arity === undefined) {
      problems.push(`CopyOptions: '${token.text.slice(0, 40)}' is not a Redshift COPY option.`);
      continue;
    }
    if (arity === 'none') {
      options.push({ name });
      continue;
    }
    if (isWord(tokens[i], 'AS')) i++;
    const next = tokens[i];
    if (arity === 'value') {
      if (next === undefined) {
        problems.push(`CopyOptions: ${name} needs a value.`);
        continue;
      }
      i++;
      options.push({ name, value: next.text });
    } else if (
      (arity === 'optional-string' && next?.kind === 'string') ||
      (arity === 'optional-word' && next?.kind === 'word' && /^(ON|OFF|TRUE|FALSE|PRESET)$/i.test(next.text))
    ) {
      i++;
      options.push({ name, value: next.text });
    } else {
      options.push({ name });
    }
  }
  return { options, problems };
}

/** True when the options already ask for GZIP (so Sluice does not add it twice). */
export function hasGzipOption(copyOptions: string): boolean {
  return parseCopyOptions(copyOptions).options.some((o) => o.name === 'GZIP');
}
