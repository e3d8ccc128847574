import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseClusterJdbcUrl } from '../core/destinations/redshift/config.ts';
import { parseCopyOptions } from '../core/destinations/redshift/copy-options.ts';
import { parseManifest, parseS3Url } from '../core/destinations/redshift/manifest.ts';
import { SluiceError } from '../core/errors.ts';
import type { CopyRequest, SqlClient, SqlOutcome } from '../core/ports.ts';

const gunzipAsync = promisify(gunzip);

/** How the local loader reads a manifest's objects; undefined when the object does not exist. */
export type ObjectReader = (bucket: string, key: string) => Promise<Uint8Array | undefined>;

export interface PostgresCopyLoaderOptions {
  /** `jdbc:postgresql://host:port/db` (DESIGN.md: a local Redshift destination loads into PostgreSQL). */
  jdbcUrl: string;
  user: string;
  password?: string;
  readObject: ObjectReader;
  connectTimeoutMs?: number;
}

/** What a Redshift COPY's options ask of the data, as far as PostgreSQL can do it. */
export interface PostgresCopyPlan {
  format: 'json' | 'csv' | 'text';
  /** JSON 'auto ignorecase' matches keys to columns regardless of case. */
  jsonIgnoreCase: boolean;
  gzip: boolean;
  delimiter: string;
  quote: string;
  nullAs: string;
  ignoreHeaderLines: number;
  /** Redshift's ESCAPE: backslash escapes in text input (PostgreSQL's text format). */
  escape: boolean;
}

/** Options that change nothing a local load can observe (statistics, compression analysis, region routing). */
const NO_OPS = new Set(['REGION', 'COMPUPDATE', 'STATUPDATE', 'COMPROWS', 'MANIFEST']);

/**
 * Turns CopyOptions into a plan, or lists what PostgreSQL cannot express. Call it at configuration time too: an
 * option refused here would otherwise fail every COPY until the retry window closes.
 */
export function planPostgresCopy(copyOptions: string): { plan: PostgresCopyPlan } | { problems: string[] } {
  const parsed = parseCopyOptions(copyOptions);
  const problems = [...parsed.problems];
  const plan: PostgresCopyPlan = {
    format: 'text',
    jsonIgnoreCase: false,
    gzip: false,
    // Redshift's defaults for text input: '|' and '\N'.
    delimiter: '|',
    quote: '"',
    nullAs: '\\N',
    ignoreHeaderLines: 0,
    escape: false,
  };
  let delimiterSet = false;
  for (const option of parsed.options) {
    const value = option.value ?? '';
    switch (option.name) {
      case 'JSON': {
        const mode = value.trim().toLowerCase();
        if (mode !== 'auto' && mode !== 'auto ignorecase') {
          problems.push(
            `JSON '${value.slice(0, 80)}': only JSON 'auto' and 'auto ignorecase' load locally (no JSONPaths files).`,
          );
        }
        plan.format = 'json';
        plan.jsonIgnoreCase = mode === 'auto ignorecase';
        break;
      }
      case 'CSV':
        plan.format = 'csv';
        if (!delimiterSet) plan.delimiter = ',';
        if (plan.nullAs === '\\N') plan.nullAs = '';
        break;
      case 'DELIMITER':
        plan.delimiter = value;
        delimiterSet = true;
        if (value.length !== 1)
          problems.push(`DELIMITER '${value.slice(0, 10)}': PostgreSQL needs a single character.`);
        break;
      case 'QUOTE':
        if (value.length !== 1)
          problems.push(`QUOTE '${value.slice(0, 10)}': PostgreSQL needs a single character.`);
        plan.quote = value;
        break;
      case 'NULL':
        plan.nullAs = value;
        break;
      case 'IGNOREHEADER': {
        const lines = Number(value);
        if (!Number.isInteger(lines) || lines < 0)
          problems.push(`IGNOREHEADER ${value.slice(0, 10)} is not a line count.`);
        else plan.ignoreHeaderLines = lines;
        break;
      }
      case 'GZIP':
        plan.gzip = true;
        break;
      case 'ESCAPE':
        plan.escape = true;
        break;
      case 'DATEFORMAT':
      case 'TIMEFORMAT':
        // PostgreSQL's input parsing covers what 'auto' recognises for ISO-style values; explicit patterns it cannot follow.
        if (value.toLowerCase() !== 'auto')
          problems.push(`${option.name} '${value.slice(0, 40)}': only 'auto' loads locally.`);
        break;
      case 'ENCODING':
        if (!/^utf-?8$/i.test(value))
          problems.push(`ENCODING ${value.slice(0, 20)}: only UTF8 loads locally.`);
        break;
      default:
        if (!NO_OPS.has(option.name)) {
          problems.push(`${option.name} is a Redshift COPY option the local PostgreSQL loader cannot apply.`);
        }
    }
  }
  if (plan.format === 'json' && (delimiterSet || plan.ignoreHeaderLines > 0)) {
    problems.push("DELIMITER and IGNOREHEADER do not apply to JSON 'auto'.");
  }
  if (plan.escape && plan.format !== 'text') problems.push('ESCAPE applies only to delimited text input.');
  return problems.length > 0 ? { problems } : { plan };
}

function failure(kind: 'connection' | 'statement', message: string, sqlState?: string): SqlOutcome {
  return sqlState === undefined ? { ok: false, kind, message } : { ok: false, kind, sqlState, message };
}

interface PgError {
  code?: string;
  message?: string;
}

/**
 * SqlClient that performs a Redshift COPY … MANIFEST against PostgreSQL: it reads the manifest and its objects
 * through `readObject`, converts what CopyOptions describe into PostgreSQL's COPY FROM STDIN, and loads every
 * object of the manifest in one transaction, so a failed load leaves no rows behind (as a Redshift COPY does).
 * A connection per COPY: COPYs are serialised per stream and a broken session never leaks into the next batch.
 */
export class PostgresCopyLoader implements SqlClient {
  private readonly config: pg.ClientConfig;

  constructor(private readonly options: PostgresCopyLoaderOptions) {
    const address = parseClusterJdbcUrl(options.jdbcUrl);
    if (address?.kind !== 'postgresql') {
      throw new SluiceError(
        'InvalidConfig',
        'PostgresCopyLoader needs a jdbc:postgresql://host:port/db URL.',
      );
    }
    this.config = {
      host: address.host,
      port: address.port,
      database: address.database,
      user: options.user,
      ...(options.password === undefined ? {} : { password: options.password }),
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    };
  }

  async copy(request: CopyRequest): Promise<SqlOutcome> {
    const planned = planPostgresCopy(request.copyOptions);
    if ('problems' in planned) return failure('statement', planned.problems.join(' '), '0A000');
    const files = await this.readFiles(request, planned.plan);
    if (!Array.isArray(files)) return files;

    const client = new pg.Client(this.config);
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      const e = error as PgError;
      return failure(
        'connection',
        `Could not connect to PostgreSQL: ${e.message ?? 'unknown error'}`,
        e.code?.length === 5 ? e.code : undefined,
      );
    }
    try {
      await client.query('BEGIN');
      const columns =
        request.columns ??
        (planned.plan.format === 'json' ? await tableColumns(client, request.table) : undefined);
      if (columns === undefined && planned.plan.format === 'json') {
        await client.query('ROLLBACK');
        return failure('statement', `relation "${request.table}" does not exist`, '42P01');
      }
      const target = columns ? `${request.table} (${columns.join(', ')})` : request.table;
      for (const file of files) {
        const { sql, data } = toCopyInput(target, columns, planned.plan, file);
        await pipeline(Readable.from([data]), client.query(copyFrom(sql)));
      }
      await client.query('COMMIT');
      return { ok: true };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      if (error instanceof DataError) return failure('statement', error.message, '22000');
      const e = error as PgError;
      const state = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
      // No SQLSTATE means the session itself failed (reset, terminated), not the statement.
      return failure(state ? 'statement' : 'connection', e.message ?? String(error), state);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {}

  private async readFiles(request: CopyRequest, plan: PostgresCopyPlan): Promise<Uint8Array[] | SqlOutcome> {
    const manifestBody = await this.options.readObject(request.manifest.bucket, request.manifest.key);
    const manifest = manifestBody && parseManifest(manifestBody);
    if (!manifest)
      return failure('statement', `The manifest ${request.manifest.url} is missing or invalid.`, '58P01');
    const files: Uint8Array[] = [];
    for (const entry of manifest.entries) {
      const location = parseS3Url(entry.url);
      const body = location && (await this.options.readObject(location.bucket, location.key));
      if (!body) {
        if (entry.mandatory)
          return failure('statement', `The mandatory manifest entry ${entry.url} does not exist.`, '58P01');
        continue;
      }
      try {
        files.push(plan.gzip ? new Uint8Array(await gunzipAsync(body)) : body);
      } catch {
        return failure('statement', `${entry.url} is not GZIP data although the COPY says GZIP.`, '22000');
      }
    }
    return files;
  }
}

class DataError extends Error {}

async function tableColumns(client: pg.Client, table: string): Promise<string[] | undefined> {
  const found = await client.query<{ exists: string | null }>('SELECT to_regclass($1)::text AS exists', [
    table,
  ]);
  if (!found.rows[0]?.exists) return undefined;
  const columns = await client.query<{ attname: string }>(
    'SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
    [table],
  );
  return columns.rows.map((row) => pg.escapeIdentifier(row.attname));
}

function skipLines(data: Uint8Array, lines: number): Uint8Array {
  let at = 0;
  for (let i = 0; i < lines && at < data.length; i++) {
    const newline = data.indexOf(0x0a, at);
    at = newline === -1 ? data.length : newline + 1;
  }
  return data.subarray(at);
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function toCopyInput(
  target: string,
  columns: readonly string[] | undefined,
  plan: PostgresCopyPlan,
  file: Uint8Array,
): { sql: string; data: Uint8Array } {
  if (plan.format === 'json') {
    return { sql: `COPY ${target} FROM STDIN`, data: jsonToText(file, columns!, plan.jsonIgnoreCase) };
  }
  const data = skipLines(file, plan.ignoreHeaderLines);
  if (plan.format === 'text' && plan.escape) {
    return {
      sql: `COPY ${target} FROM STDIN WITH (FORMAT text, DELIMITER ${literal(plan.delimiter)}, NULL ${literal(plan.nullAs)})`,
      data,
    };
  }
  // Without ESCAPE Redshift reads backslashes literally, which PostgreSQL's text format never does; its CSV format
  // with a quote character that cannot occur in text does.
  const quote = plan.format === 'csv' ? plan.quote : '\u0001';
  return {
    sql: `COPY ${target} FROM STDIN WITH (FORMAT csv, DELIMITER ${literal(plan.delimiter)}, QUOTE ${literal(quote)}, NULL ${literal(plan.nullAs)})`,
    data,
  };
}

/**
 * JSON 'auto' (Redshift): each top-level object is a row; keys match column names exactly ('auto') or ignoring case
 * ('auto ignorecase'); missing keys load NULL; nested values load as their JSON text. Objects may follow each other
 * with or without whitespace, which is how Firehose concatenates records without a delimiter.
 */
function jsonToText(file: Uint8Array, quotedColumns: readonly string[], ignoreCase: boolean): Uint8Array {
  const names = quotedColumns.map((c) => {
    const unquoted = /^"(.*)"$/.exec(c)?.[1]?.replaceAll('""', '"');
    // Unquoted identifiers fold to lower case in PostgreSQL and Redshift alike.
    return unquoted ?? c.toLowerCase();
  });
  const rows: string[] = [];
  for (const text of splitJsonObjects(new TextDecoder().decode(file))) {
    let object: unknown;
    try {
      object = JSON.parse(text);
    } catch {
      throw new DataError(`Invalid JSON object in the load data: ${text.slice(0, 80)}`);
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw new DataError(`JSON 'auto' needs objects, got: ${text.slice(0, 80)}`);
    }
    const record = object as Record<string, unknown>;
    const lookup = ignoreCase
      ? new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]))
      : undefined;
    const fields = names.map((name) => {
      const value = lookup ? lookup.get(name.toLowerCase()) : record[name];
      if (value === undefined || value === null) return '\\N';
      const raw = typeof value === 'object' ? JSON.stringify(value) : String(value);
      return raw.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      );
    });
    rows.push(`${fields.join('\t')}\n`);
  }
  return new TextEncoder().encode(rows.join(''));
}

/** Top-level JSON values of a text of concatenated objects (strings and nesting respected). */
function* splitJsonObjects(text: string): Generator<string> {
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) yield text.slice(start, i + 1);
      if (depth < 0) throw new DataError('Unbalanced JSON in the load data.');
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new DataError(`Unexpected '${c}' between JSON objects in the load data.`);
    }
  }
  if (depth !== 0) throw new DataError('A JSON object in the load data is cut off.');
}
