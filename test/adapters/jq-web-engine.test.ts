import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createJqWebEngine } from '../../lib/adapters/jq-web-engine.ts';

const engine = createJqWebEngine();
const cli = (filter: string, input: string): unknown[] =>
  execFileSync('jq', ['-c', filter], { input })
    .toString()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

describe('jq-web JqEngine', () => {
  it('gives each input the outputs the jq CLI gives it', async () => {
    const filter = '{a: .a, len: (.xs | length), s: (.xs | map(. * 2) | add), k: (keys | join(","))}';
    const inputs = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ a: `v${i}`, xs: [i, i + 1], z: null }),
    );
    const results = await (await engine.compile(filter)).runEach(inputs);
    expect(results).toEqual(inputs.map((input) => ({ ok: true, outputs: cli(filter, input) })));
  });

  it('fails one input without affecting the others, including a query comment and halt_error', async () => {
    const program = await engine.compile(
      'if .n == 1 then error("bad one") elif .n == 2 then halt_error else {n} end # trailing comment',
    );
    const results = await program.runEach(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
    expect(results.map((r) => (r.ok ? r.outputs : 'error'))).toEqual([
      [{ n: 0 }],
      'error',
      'error',
      [{ n: 3 }],
    ]);
    expect(results[1]).toEqual({ ok: false, error: 'bad one' });
  });

  it('splits large batches and keeps the order', async () => {
    const small = createJqWebEngine({ maxBatchChars: 100 });
    const program = await small.compile('.i');
    const inputs = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(20) }));
    expect((await program.runEach(inputs)).map((r) => r.ok && r.outputs[0])).toEqual(inputs.map((_, i) => i));
  });

  it('evaluates a 500-record batch in one call, far faster than record by record', async () => {
    const program = await engine.compile('{customer: .customer, device: .device.kind}');
    const inputs = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ customer: `c${i % 13}`, device: { kind: 'phone' }, body: 'x'.repeat(900) }),
    );
    await program.runEach(inputs);
    let start = performance.now();
    const rounds = 5;
    for (let r = 0; r < rounds; r++) await program.runEach(inputs);
    const batchedPerSecond = (rounds * 500) / ((performance.now() - start) / 1000);
    start = performance.now();
    for (const input of inputs.slice(0, 50)) await program.runEach([input]);
    const singlePerSecond = 50 / ((performance.now() - start) / 1000);
    console.log(
      `jq MetadataExtraction: ${batchedPerSecond.toFixed(0)} records/s batched, ${singlePerSecond.toFixed(0)} records/s one call per record`,
    );
    expect(batchedPerSecond).toBeGreaterThan(5 * singlePerSecond);
  });
});
