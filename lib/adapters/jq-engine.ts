import createJqModule from 'jq-wasm/dist/build/jq.js';
import type { JqEngine, JqResult } from '../core/processing/ports.ts';

/**
 * JqEngine on jq-wasm (jq compiled to WebAssembly, in-process). jq-wasm is jq 1.7.1, not the 1.6 Firehose
 * names (§6); test/adapters/jq-engine.test.ts compares the two on the queries partition keys are made of.
 * Records are re-serialised by JSON.stringify before jq sees them: jq 1.6 holds every number as a double, 1.7
 * keeps a number's literal text (`1e3 | tostring` is "1000" in 1.6 but "1E+3" in 1.7); round-tripping through
 * JavaScript's doubles gives 1.6's answer.
 *
 * How the records reach jq matters more than jq itself. jq-wasm feeds stdin and collects stdout one byte at a
 * time, copying its whole buffer for each byte, so both cost O(n²): 500 records of 250 bytes on stdin took
 * 1.3 s. The records are therefore passed as one `--argjson` argument (copied once) with `-n`, in chunks of
 * at most CHUNK_RECORDS records / CHUNK_BYTES bytes, and each record's answer is capped at OUTPUT_CAP chars.
 * Arguments live on the wasm stack (~1 MiB; 1,040,000 bytes overflowed in a probe), hence MAX_RECORD_BYTES.
 *
 * jq-wasm's own entry point shares one wasm instance for the process, and an instance can abort for good
 * (observed after a few dozen runs in one test file: "Aborted(Assertion failed: !a->next, … inst_join)", then
 * every later run fails). So this engine owns its instance through jq-wasm's module factory (~10 ms to make),
 * replaces it every RUNS_PER_INSTANCE runs, and after an abort replaces it and runs the chunk once more.
 */

const CHUNK_RECORDS = 50;
const CHUNK_BYTES = 256 * 1024;
/** A record above this (after compacting) is refused rather than risk overflowing jq-wasm's stack. */
export const MAX_RECORD_BYTES = 900_000;
/**
 * Longest answer per record. Partition keys end up in an S3 key of at most 1024 characters, so a longer
 * answer is of no use, and capping it keeps jq-wasm's quadratic stdout small.
 */
const OUTPUT_CAP = 4096;
const ERROR_CAP = 300;
const RUNS_PER_INSTANCE = 16;

interface JqModule {
  raw(input: string, filter: string, flags: string[]): Promise<string> | string;
}

/** A wasm abort or trap: the instance is dead, unlike a jq error (compile error), which is an answer. */
function isAbort(cause: unknown): boolean {
  return (
    cause instanceof WebAssembly.RuntimeError ||
    /^Aborted\(|RuntimeError|memory access out of bounds/.test(String((cause as Error)?.message))
  );
}

class JqInstances {
  private module: Promise<JqModule> | undefined;
  private runs = 0;

  async run(filter: string, flags: string[]): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      if (this.module === undefined || this.runs >= RUNS_PER_INSTANCE) {
        this.module = createJqModule() as Promise<JqModule>;
        this.runs = 0;
      }
      const module = await this.module;
      this.runs++;
      try {
        return await module.raw('null', filter, flags);
      } catch (cause) {
        if (!isAbort(cause) || attempt >= 2) throw cause;
        this.module = undefined;
      }
    }
  }
}

function programFor(query: string): string {
  // [(Q)] collects every output so "no output" and "several outputs" can be told apart from one; the answer
  // travels as JSON text so its length can be capped inside jq.
  return [
    '$records[] | try (',
    `  [(${query}\n)]`,
    '  | if length != 1 then {count: length}',
    `    else (.[0] | tojson | if length > ${OUTPUT_CAP} then {tooLong: length} else {ok: .} end) end`,
    `) catch {error: (if type == "string" then .[0:${ERROR_CAP}] else (tojson | .[0:${ERROR_CAP}]) end)}`,
  ].join('\n');
}

interface Answer {
  ok?: string;
  count?: number;
  tooLong?: number;
  error?: string;
}

function resultOf(answer: Answer): JqResult {
  if (answer.ok !== undefined) return { ok: true, output: JSON.parse(answer.ok) };
  if (answer.count !== undefined) {
    return {
      ok: false,
      error:
        answer.count === 0 ? 'the query produced no output' : `the query produced ${answer.count} outputs`,
    };
  }
  if (answer.tooLong !== undefined) {
    return {
      ok: false,
      error: `the query output is ${answer.tooLong} characters; at most ${OUTPUT_CAP} are kept`,
    };
  }
  return { ok: false, error: answer.error ?? 'null' };
}

/** The record compacted for jq, or why it cannot be evaluated. */
function prepare(input: string): { text: string } | { error: string } {
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(input));
  } catch {
    return { error: 'the record is not a JSON value' };
  }
  if (Buffer.byteLength(text) > MAX_RECORD_BYTES) {
    return { error: `the record is over ${MAX_RECORD_BYTES} bytes, the most Sluice's JQ engine evaluates` };
  }
  return { text };
}

async function runChunk(jq: JqInstances, program: string, texts: readonly string[]): Promise<JqResult[]> {
  let out: string;
  try {
    out = await jq.run(program, ['-c', '-n', '--argjson', 'records', `[${texts.join(',')}]`]);
  } catch (cause) {
    // Every record was checked and the query runs inside try, so what fails here is the program: a compile error.
    const message = (cause as Error).message.replace(/^Failed to execute raw query: /, '').trim();
    return texts.map(() => ({ ok: false, error: message.slice(0, ERROR_CAP) }));
  }
  const lines = out.split('\n').filter((line) => line !== '');
  return texts.map((_, i) => {
    const line = lines[i];
    return line === undefined
      ? { ok: false, error: 'jq gave no answer for the record' }
      : resultOf(JSON.parse(line));
  });
}

export function createJqEngine(): JqEngine {
  const jq = new JqInstances();
  return {
    async evaluate(query, inputs) {
      const program = programFor(query);
      const prepared = inputs.map(prepare);
      const results: JqResult[] = new Array(inputs.length);
      let chunk: number[] = [];
      let chunkBytes = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        const texts = chunk.map((i) => (prepared[i] as { text: string }).text);
        const answers = await runChunk(jq, program, texts);
        chunk.forEach((index, k) => {
          results[index] = answers[k]!;
        });
        chunk = [];
        chunkBytes = 0;
      };
      for (let i = 0; i < inputs.length; i++) {
        const record = prepared[i]!;
        if ('error' in record) {
          results[i] = { ok: false, error: record.error };
          continue;
        }
        if (
          chunk.length >= CHUNK_RECORDS ||
          (chunk.length > 0 && chunkBytes + record.text.length > CHUNK_BYTES)
        ) {
          await flush();
        }
        chunk.push(i);
        chunkBytes += record.text.length;
      }
      await flush();
      return results;
    },
  };
}
