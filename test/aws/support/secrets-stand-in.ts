import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsStandIn {
  endpoint: string;
  /** SecretIds asked for, in order. */
  reads: string[];
  stop(): Promise<void>;
}

/**
 * A STAND-IN for AWS Secrets Manager, not Secrets Manager: GetSecretValue in its JSON 1.1 protocol
 * (`X-Amz-Target: secretsmanager.GetSecretValue`), answering from `secrets` by ARN, and
 * ResourceNotFoundException otherwise, so the real `@aws-sdk/client-secrets-manager` talks to it.
 */
export async function startSecretsStandIn(secrets: Record<string, string>): Promise<SecretsStandIn> {
  const reads: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
      const secretId = body.SecretId ?? '';
      reads.push(secretId);
      const value =
        req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' ? secrets[secretId] : undefined;
      const [status, answer] =
        value === undefined
          ? [
              400,
              {
                __type: 'ResourceNotFoundException',
                Message: "Secrets Manager can't find the specified secret.",
              },
            ]
          : [200, { ARN: secretId, Name: secretId.split(':').at(-1), SecretString: value, VersionId: 'v1' }];
      const text = JSON.stringify(answer);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
