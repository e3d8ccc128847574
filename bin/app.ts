/**
 * The CDK app (`cdk.json` → `npx tsx bin/app.ts`): Sluice's example stack, one delivery stream per destination
 * type, checked with cdk-nag's AwsSolutions pack. Synthesizes offline: esbuild bundles the Lambdas locally and
 * nothing is looked up (the environment is explicit).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SluiceExampleStack } from '../lib/cdk/example-stack.ts';

const app = new App();
const stack = new SluiceExampleStack(app, 'SluiceExample', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012',
    region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
  },
});
void stack;
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
