import { execFile, execFileSync } from 'node:child_process';

/** Test-only: runs Debian's python3 (with python3-boto3) as an independent SigV4 signer and client. */

const PYTHON = '/usr/bin/python3';

export const hasBotocore: boolean = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import boto3, botocore'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs `script` with `input` as JSON on stdin and parses its stdout as JSON. Asynchronous, so a
 * server in this process can answer the script's requests meanwhile.
 */
export function runPython<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      ['-c', script],
      {
        timeout: 30_000,
        // Keep the caller's AWS profile, proxies and config files out of the way.
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          NO_PROXY: '*',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`python failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}
