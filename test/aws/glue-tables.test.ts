import { GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlueTables } from '../../lib/adapters/aws/glue-tables.ts';
import { type GlueStandIn, startGlueStandIn } from './support/glue-stand-in.ts';

const ACCOUNT = '123456789012';
let glue: GlueStandIn;
let client: GlueClient;

beforeAll(async () => {
  glue = await startGlueStandIn(
    [
      {
        catalogId: ACCOUNT,
        databaseName: 'analytics',
        name: 'events',
        versions: [
          [{ Name: 'id', Type: 'bigint' }],
          [
            { Name: 'id', Type: 'bigint' },
            { Name: 'user', Type: 'string' },
          ],
        ],
      },
      {
        catalogId: '210987654321',
        databaseName: 'shared',
        name: 'clicks',
        versions: [[{ Name: 'url', Type: 'string' }]],
      },
    ],
    ACCOUNT,
  );
  client = new GlueClient({
    region: 'eu-west-1',
    endpoint: glue.endpoint,
    credentials: { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await glue?.stop();
});

describe('Glue tables through the real SDK client (stand-in Glue endpoint)', () => {
  it('reads the current version with GetTable: StorageDescriptor.Columns, without partition keys', async () => {
    const tables = createGlueTables({ client });
    const before = glue.calls.length;
    expect(await tables('analytics', 'events')).toEqual({
      Columns: [
        { Name: 'id', Type: 'bigint' },
        { Name: 'user', Type: 'string' },
      ],
    });
    expect(glue.calls.slice(before)).toEqual([
      { target: 'AWSGlue.GetTable', body: { DatabaseName: 'analytics', Name: 'events' } },
    ]);
  });

  it('passes CatalogId and reads a pinned VersionId with GetTableVersion', async () => {
    const shared = createGlueTables({ client, catalogId: '210987654321' });
    expect(await shared('shared', 'clicks')).toEqual({ Columns: [{ Name: 'url', Type: 'string' }] });
    expect(glue.calls.at(-1)!.body).toEqual({
      CatalogId: '210987654321',
      DatabaseName: 'shared',
      Name: 'clicks',
    });

    const pinned = createGlueTables({ client, versionId: '1' });
    expect(await pinned('analytics', 'events')).toEqual({ Columns: [{ Name: 'id', Type: 'bigint' }] });
    expect(glue.calls.at(-1)).toEqual({
      target: 'AWSGlue.GetTableVersion',
      body: { DatabaseName: 'analytics', TableName: 'events', VersionId: '1' },
    });
  });

  it('treats VersionId LATEST as the current version', async () => {
    const latest = createGlueTables({ client, versionId: 'LATEST' });
    expect((await latest('analytics', 'events'))?.Columns).toHaveLength(2);
    expect(glue.calls.at(-1)!.target).toBe('AWSGlue.GetTable');
  });

  it('answers undefined for a table Glue does not have (EntityNotFoundException)', async () => {
    const tables = createGlueTables({ client });
    expect(await tables('analytics', 'missing')).toBeUndefined();
    expect(
      await createGlueTables({ client, catalogId: '999999999999' })('analytics', 'events'),
    ).toBeUndefined();
  });

  it('throws other errors, so the flush is re-driven instead of failing records', async () => {
    const tables = createGlueTables({ client });
    glue.failNext('AccessDeniedException');
    await expect(tables('analytics', 'events')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    glue.failNext('ThrottlingException');
    await expect(tables('analytics', 'events')).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect((await tables('analytics', 'events'))?.Columns).toHaveLength(2);
  });

  it('caches LATEST for a short time (same object, one call) and a pinned version for good', async () => {
    const clock = { nowMs: 1_000 };
    const tables = createGlueTables({ client, latestTtlMs: 60_000, nowMs: () => clock.nowMs });
    const before = glue.calls.length;
    const first = await tables('analytics', 'events');
    clock.nowMs += 59_999;
    expect(await tables('analytics', 'events')).toBe(first);
    expect(glue.calls.length - before).toBe(1);
    // The table changes; after the TTL the new version is read.
    glue.tables[0]!.versions.push([
      { Name: 'id', Type: 'bigint' },
      { Name: 'user', Type: 'string' },
      { Name: 'at', Type: 'timestamp' },
    ]);
    clock.nowMs += 1;
    expect((await tables('analytics', 'events'))?.Columns.map((c) => c.Name)).toEqual(['id', 'user', 'at']);
    expect(glue.calls.length - before).toBe(2);

    const pinned = createGlueTables({ client, versionId: '1', nowMs: () => clock.nowMs });
    await pinned('analytics', 'events');
    clock.nowMs += 10 * 24 * 3600_000;
    await pinned('analytics', 'events');
    expect(glue.calls.length - before).toBe(3);
    glue.tables[0]!.versions.pop();
  });
});
