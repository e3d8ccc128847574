import { App, Stack } from 'aws-cdk-lib';
import { BUNDLING_CONTEXT } from '../../lib/cdk/index.ts';

export const ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** A stack whose Sluice functions are placeholders: bundling is tested once, in bundling.test.ts. */
export function unbundledStack(id = 'Test'): Stack {
  const app = new App({ context: { [BUNDLING_CONTEXT]: 'skip' } });
  return new Stack(app, id, { env: ENV });
}

export function unbundledApp(): App {
  return new App({ context: { [BUNDLING_CONTEXT]: 'skip' } });
}
