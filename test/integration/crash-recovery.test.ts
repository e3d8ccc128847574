import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  firehoseClient,
  listEmbeddedObjects,
  REPO_ROOT,
  s3StreamInput,
  spawnSluice,
  tempDir,
} from '../support/sluice.ts';

const ROUNDS = 8;
const PRODUCERS = 3;

/**
 * DESIGN.md durability: rounds of acknowledged puts, each ended by `kill -9` at a random moment (deliveries
 * are running too, so kills land mid-append, mid-delivery and mid-segment-deletion). After a clean restart
 * and a flush, every acknowledged record must have been delivered at least once.
 */
describe('kill -9 at random points loses no acknowledged record', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(`survives ${ROUNDS} crashes`, { timeout: 120_000 }, async () => {
    const dir = await tempDir('sluice-crash-');
    cleanups.push(dir.remove);
    const config = join(dir.path, 'sluice.json');
    await writeFile(
      config,
      JSON.stringify({
        streamActivationDelayMs: 0,
        deliveryStreams: [
          s3StreamInput('crash', {
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 },
            ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
          }),
        ],
      }),
    );
    const args = ['--data-dir', join(dir.path, 'data'), '--config', config];
    const acknowledged = new Set<string>();
    let attempted = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const sluice = await spawnSluice(args);
      const client = firehoseClient(sluice.endpoint);
      let stop = false;
      const producer = async (p: number) => {
        for (let call = 0; !stop && call < 10_000; call++) {
          const ids = Array.from({ length: 100 }, (_, i) => `r${round}-p${p}-c${call}-${i}`);
          attempted += ids.length;
          try {
            const out = await client.send(
              new PutRecordBatchCommand({
                DeliveryStreamName: 'crash',
                Records: ids.map((id) => ({
                  Data: Buffer.from(JSON.stringify({ id, pad: 'x'.repeat(200) })),
                })),
              }),
            );
            out.RequestResponses!.forEach((r, i) => {
              if (r.RecordId) acknowledged.add(ids[i]!);
            });
          } catch {
            return; // the server died under us: this call was not acknowledged
          }
        }
      };
      const producers = Array.from({ length: PRODUCERS }, (_, p) => producer(p));
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 1200));
      await sluice.kill('SIGKILL');
      stop = true;
      await Promise.all(producers);
      client.destroy();
    }

    const sluice = await spawnSluice(args);
    const flush = await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'sluice.cjs'), 'flush', '--stream', 'crash', '--endpoint', sluice.endpoint],
      { cwd: REPO_ROOT },
    );
    expect(JSON.parse(flush.stdout).streams[0]).toMatchObject({
      name: 'crash',
      bufferedRecords: 0,
      stalled: false,
    });
    await sluice.kill('SIGTERM');

    const delivered = new Map<string, number>();
    for (const [key, body] of await listEmbeddedObjects(join(dir.path, 'data'), 'test-bucket')) {
      expect(key).toMatch(/crash-1-/);
      // Objects are written atomically: every one parses completely.
      for (const line of body.toString().split('\n').filter(Boolean)) {
        const { id } = JSON.parse(line) as { id: string };
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
      }
    }
    const lost = [...acknowledged].filter((id) => !delivered.has(id));
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `crash test: ${ROUNDS} kills, ${attempted} records attempted, ${acknowledged.size} acknowledged, ` +
        `${delivered.size} distinct delivered, ${duplicates} duplicates, ${lost.length} lost`,
    );
    expect(acknowledged.size).toBeGreaterThan(1000);
    expect(lost).toEqual([]);
  });
});
