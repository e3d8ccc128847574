import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../lib/core/errors.ts';
import { loadConfigFile, parseConfig } from '../../lib/local/config-file.ts';

const problemsOf = (json: unknown): string => {
  try {
    parseConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(SluiceError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('config file: lambdaFunctions', () => {
  it('takes a handler reference, or an object with the function timeout and memory', () => {
    const config = parseConfig({
      lambdaFunctions: {
        enrich: './transforms/enrich.mjs#handler',
        'arn:aws:lambda:us-east-1:123456789012:function:slow': {
          handler: './slow.ts#handler',
          timeoutSeconds: 3,
          memorySizeMb: 256,
        },
      },
    });
    expect(config.lambdaFunctions.enrich).toBe('./transforms/enrich.mjs#handler');
    expect(config.lambdaFunctions['arn:aws:lambda:us-east-1:123456789012:function:slow']).toEqual({
      handler: './slow.ts#handler',
      timeoutSeconds: 3,
      memorySizeMb: 256,
    });
  });

  it('refuses what the invoker cannot run, naming each entry', () => {
    const message = problemsOf({
      lambdaFunctions: {
        noExport: './a.mjs',
        notAString: 7,
        noHandler: { timeoutSeconds: 3 },
        badTimeout: { handler: './a.mjs#handler', timeoutSeconds: 0 },
        badMemory: { handler: './a.mjs#handler', memorySizeMb: 64.5 },
        extra: { handler: './a.mjs#handler', runtime: 'nodejs22.x' },
      },
    });
    expect(message).toContain('"lambdaFunctions"."noExport" must be "<module path>#<exported function>"');
    expect(message).toContain('"lambdaFunctions"."notAString" must be');
    expect(message).toContain('"lambdaFunctions"."noHandler" must be');
    expect(message).toContain(
      '"lambdaFunctions"."badTimeout".timeoutSeconds must be an integer from 1 to 900',
    );
    expect(message).toContain(
      '"lambdaFunctions"."badMemory".memorySizeMb must be an integer from 128 to 10240',
    );
    expect(message).toContain('"lambdaFunctions"."extra": unknown setting "runtime"');
  });

  it('resolves relative handler modules against the config file, in both forms', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
    const path = join(dir, 'sluice.json');
    await writeFile(
      path,
      JSON.stringify({
        lambdaFunctions: { a: './t/a.mjs#handler', b: { handler: 't/b.mjs#run', timeoutSeconds: 5 } },
      }),
    );
    const config = await loadConfigFile(path);
    expect(config.lambdaFunctions).toEqual({
      a: `${join(dir, 't', 'a.mjs')}#handler`,
      b: { handler: `${join(dir, 't', 'b.mjs')}#run`, timeoutSeconds: 5 },
    });
  });
});

describe('config file: openSearchBasicAuth', () => {
  it('takes a user and password per cluster endpoint', () => {
    const auth = { 'https://search.internal:9200': { username: 'firehose', password: 'secret' } };
    expect(parseConfig({ openSearchBasicAuth: auth }).openSearchBasicAuth).toEqual(auth);
  });

  it('refuses malformed entries without echoing the password', () => {
    const message = problemsOf({
      openSearchBasicAuth: {
        'search.internal': { username: 'u', password: 'hunter2' },
        'https://a:9200': { username: 'u' },
        'https://b:9200': { username: 'u', password: 'hunter2', token: 'x' },
      },
    });
    expect(message).toContain('"openSearchBasicAuth": "search.internal" must be a cluster\'s http(s) URL');
    expect(message).toContain('"openSearchBasicAuth"."https://a:9200" must be { "username", "password" }');
    expect(message).toContain('"openSearchBasicAuth"."https://b:9200" must be { "username", "password" }');
    expect(message).not.toContain('hunter2');
  });
});
