import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** AWS CLI v2 from Debian (plain `aws` on PATH may be a v1). */
export const AWS_CLI_V2 = '/usr/bin/aws';
/** Debian's python, which has python3-boto3 (the pyenv python on PATH does not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export const CLIENT_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

/** Runs the AWS CLI v2 against `endpoint` and parses its JSON output; rejects with stderr on failure. */
export async function awsCli(
  endpoint: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await run(
    AWS_CLI_V2,
    [
      '--endpoint-url',
      endpoint,
      '--output',
      'json',
      '--cli-binary-format',
      'raw-in-base64-out',
      'firehose',
      ...args,
    ],
    { env: { ...process.env, ...CLIENT_ENV, ...env }, timeout: 60_000 },
  );
  return stdout.trim() ? JSON.parse(stdout) : {};
}

/** Runs a Python script with boto3 available; `endpoint` is passed as argv[1]. Returns parsed JSON stdout. */
export async function boto3Script(
  script: string,
  endpoint: string,
  env: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', script, endpoint], {
    env: { ...process.env, ...CLIENT_ENV, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}
