import { createRequire } from 'node:module';
import type { JqEngine, JqProgram } from '../core/ports.ts';

/** The part of jq-web's module (a promise of the Emscripten instance) that Sluice uses. */
interface JqWeb {
  /** Runs jq as `jq <flags> <filter> <file holding input>`; throws on a non-zero exit. */
  raw(input: string, filter: string, flags?: string[]): string | undefined;
}

const require = createRequire(import.meta.url);
let instance: Promise<JqWeb> | undefined;
// Loaded on first use: instantiating the WASM module takes ~100 ms and most streams never need jq.
const jqWeb = (): Promise<JqWeb> => {
  instance ??= require('jq-web') as Promise<JqWeb>;
  return instance;
};

type Result = { ok: true; outputs: unknown[] } | { ok: false; error: string };

/**
 * JqEngine on jq-web (jq 1.7.1 compiled to WebAssembly; the core makes number handling match 1.6, see
 * lib/core/processors/metadata-extraction.ts). jq-wasm was measured first and rejected: its stdin shim copies the
 * remaining input for every byte jq reads, so a 500-record (500 KB) batch took ~20 s; jq-web hands jq the input
 * as an in-memory file.
 *
 * Each call into WASM costs far more than a small query on one record, so a batch is one call: the inputs become
 * one JSON array and the program maps over it, catching each element's error so one bad record cannot spoil the
 * others. The user's query sits on lines of its own inside a `def`, so a `#` comment in it cannot swallow the
 * wrapper. `maxBatchChars` bounds the array handed to jq at once.
 */
export function createJqWebEngine(options: { maxBatchChars?: number } = {}): JqEngine {
  const maxBatchChars = options.maxBatchChars ?? 8 * 1024 * 1024;
  return {
    async compile(filter) {
      if (filter.trim() === '') throw new Error('jq: error: the query is empty');
      const definition = `def __sluice_query:\n${filter}\n;`;
      const jq = await jqWeb();
      // `empty` never calls the query, so this only compiles it: a query that loops forever cannot hang here.
      jq.raw('null', `${definition} empty`, ['-c']);
      const batchFilter = `${definition}\n.[] | try ([__sluice_query] | {o: .}) catch {e: .}`;
      const program: JqProgram = {
        async runEach(inputs) {
          const results: Result[] = [];
          for (const chunk of chunks(inputs, maxBatchChars))
            results.push(...runBatch(jq, chunk, batchFilter));
          return results;
        },
      };
      return program;
    },
  };
}

function runBatch(jq: JqWeb, inputs: readonly string[], batchFilter: string): Result[] {
  let lines: string[] | undefined;
  try {
    const out = (jq.raw(`[${inputs.join(',')}]`, batchFilter, ['-c']) ?? '').trim();
    lines = out === '' ? [] : out.split('\n');
  } catch {
    lines = undefined;
  }
  if (lines && lines.length === inputs.length) {
    return lines.map(resultOf);
  }
  // A query that stops the whole run (halt, halt_error) leaves the batch unusable; evaluating the records one by
  // one fails only the records that stop it.
  return inputs.map((input): Result => {
    try {
      const line = (jq.raw(`[${input}]`, batchFilter, ['-c']) ?? '').trim();
      return line === '' ? { ok: false, error: 'jq produced no result' } : resultOf(line);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: message.replace(/^Non-zero exit code: \d+\n?/, '') };
    }
  });
}

function resultOf(line: string): Result {
  const parsed = JSON.parse(line) as { o?: unknown[]; e?: unknown };
  if (parsed.o) return { ok: true, outputs: parsed.o };
  return { ok: false, error: typeof parsed.e === 'string' ? parsed.e : JSON.stringify(parsed.e) };
}

function* chunks(inputs: readonly string[], maxChars: number): Generator<string[]> {
  let chunk: string[] = [];
  let size = 0;
  for (const input of inputs) {
    if (chunk.length > 0 && size + input.length > maxChars) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(input);
    size += input.length + 1;
  }
  if (chunk.length > 0) yield chunk;
}
