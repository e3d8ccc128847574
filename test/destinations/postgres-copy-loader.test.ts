import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresCopyLoader } from '../../lib/adapters/postgres-copy-loader.ts';
import { redshiftErrorOf } from '../../lib/core/destinations/redshift/error-codes.ts';
import { manifestBody, manifestOf } from '../../lib/core/destinations/redshift/manifest.ts';
import type { CopyRequest, SqlOutcome } from '../../lib/core/ports.ts';
import { type RunningPostgres, startPostgres } from '../support/postgres.ts';
import { MemoryObjectStore } from './harnesses/harness.ts';

/** The local Redshift loader against PostgreSQL 15: what CopyOptions it honours, and the codes its failures map to. */
let pg: RunningPostgres;
let store: MemoryObjectStore;
let loader: PostgresCopyLoader;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg.stop());
beforeEach(async () => {
  await pg.query('DROP TABLE IF EXISTS t');
  await pg.query('CREATE TABLE t (id integer NOT NULL, "Name" text, note text, tags text)');
  store = new MemoryObjectStore();
  loader = new PostgresCopyLoader({
    jdbcUrl: pg.jdbcUrl,
    user: 'postgres',
    readObject: (b, k) => store.getObject(b, k),
  });
});

async function stage(
  files: Array<string | Uint8Array>,
  copyOptions: string,
  columns?: string[],
): Promise<CopyRequest> {
  const objects = files.map((_, i) => ({ bucket: 'stage', key: `o${i}` }));
  for (const [i, file] of files.entries()) {
    await store.putObject({
      ...objects[i]!,
      body: typeof file === 'string' ? new TextEncoder().encode(file) : file,
      contentType: '',
    });
  }
  await store.putObject({
    bucket: 'stage',
    key: 'm',
    body: manifestBody(manifestOf(objects)),
    contentType: '',
  });
  return {
    statement: '(unused locally)',
    table: 't',
    columns,
    copyOptions,
    manifest: { bucket: 'stage', key: 'm', url: 's3://stage/m' },
  };
}

const rows = () => pg.query('SELECT id, "Name" AS name, note, tags FROM t ORDER BY id');
const codeOf = (outcome: SqlOutcome) => (outcome.ok ? 'ok' : redshiftErrorOf(outcome).errorCode);

describe('PostgresCopyLoader', () => {
  it("loads concatenated JSON objects with JSON 'auto ignorecase', across the manifest's files, gzipped", async () => {
    const request = await stage(
      [
        gzipSync('{"id":1,"name":"a","tags":["x"]}{"id":2,"NAME":"b\\tc","note":null}'),
        gzipSync('\n{"id":3}\n'),
      ],
      "json 'auto ignorecase' GZIP",
    );
    expect(await loader.copy(request)).toEqual({ ok: true });
    expect(await rows()).toEqual([
      { id: 1, name: 'a', note: null, tags: '["x"]' },
      { id: 2, name: 'b\tc', note: null, tags: null },
      { id: 3, name: null, note: null, tags: null },
    ]);
  });

  it("matches keys case-sensitively with JSON 'auto'", async () => {
    expect(await loader.copy(await stage(['{"id":1,"name":"lower","Name":"Exact"}'], "json 'auto'"))).toEqual(
      { ok: true },
    );
    expect((await rows())[0]).toMatchObject({ name: 'Exact' });
  });

  it('loads CSV with DELIMITER, IGNOREHEADER and NULL AS into the configured columns', async () => {
    const request = await stage(
      ['id;note\nheader2\n1;"semi;colon"\n2;NA\n'],
      "CSV DELIMITER ';' IGNOREHEADER 2 NULL AS 'NA'",
      ['id', 'note'],
    );
    expect(await loader.copy(request)).toEqual({ ok: true });
    expect(await rows()).toEqual([
      { id: 1, name: null, note: 'semi;colon', tags: null },
      { id: 2, name: null, note: null, tags: null },
    ]);
  });

  it("reads Redshift's default pipe-delimited text with literal backslashes", async () => {
    expect(await loader.copy(await stage(['1|C:\\dir|\\N\n'], '', ['id', 'note', 'tags']))).toEqual({
      ok: true,
    });
    expect(await rows()).toEqual([{ id: 1, name: null, note: 'C:\\dir', tags: null }]);
  });

  it('loads all or nothing: a bad row fails the COPY with DataLoadFailed and leaves no rows', async () => {
    const outcome = await loader.copy(await stage(['1|a\n', 'two|b\n'], '', ['id', 'note']));
    expect(codeOf(outcome)).toBe('Redshift.DataLoadFailed');
    expect(await rows()).toEqual([]);
  });

  it('maps missing tables, columns and files, and refused options to §8 codes', async () => {
    expect(
      codeOf(await loader.copy({ ...(await stage(['{"id":1}'], "json 'auto'")), table: 'missing' })),
    ).toBe('Redshift.TableNotFound');
    expect(codeOf(await loader.copy(await stage(['1\n'], '', ['nope'])))).toBe('Redshift.ColumnNotFound');
    const request = await stage(['1\n'], '');
    store.objects.delete('stage/o0');
    expect(codeOf(await loader.copy(request))).toBe('Redshift.MissingS3File');
    const refused = await loader.copy(await stage(['1\n'], "FIXEDWIDTH 'id:5'"));
    expect(refused).toEqual({
      ok: false,
      kind: 'statement',
      sqlState: '0A000',
      message: 'FIXEDWIDTH is a Redshift COPY option the local PostgreSQL loader cannot apply.',
    });
    expect(codeOf(refused)).toBe('Redshift.IncorrectCopyOptions');
    expect(codeOf(await loader.copy(await stage(['{"id":1} oops'], "json 'auto'")))).toBe(
      'Redshift.DataLoadFailed',
    );
  });

  it('reports an unreachable or unknown database as a connection problem', async () => {
    const wrongDb = new PostgresCopyLoader({
      jdbcUrl: pg.jdbcUrl.replace(/\/postgres$/, '/nodb'),
      user: 'postgres',
      readObject: (b, k) => store.getObject(b, k),
    });
    expect(codeOf(await wrongDb.copy(await stage(['1\n'], '')))).toBe('Redshift.DatabaseNotFound');
    const closed = new PostgresCopyLoader({
      jdbcUrl: 'jdbc:postgresql://127.0.0.1:1/postgres',
      user: 'postgres',
      readObject: (b, k) => store.getObject(b, k),
    });
    expect(codeOf(await closed.copy(await stage(['1\n'], '')))).toBe('Redshift.ConnectionFailed');
  });
});
