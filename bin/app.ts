/**
 * The CDK app (`cdk.json` → `npx tsx bin/app.ts`). The AWS runtime's constructs and Lambda handlers are not
 * built yet (see the project's AWS-runtime issue); until then this app refuses to synthesize rather than
 * deploying an empty stack that would look like a working pipeline.
 */
process.stderr.write(
  'sluice: the AWS runtime (CDK constructs and Lambda handlers) is not available yet; ' +
    'use the local runtime (`npm start`) for now.\n',
);
process.exit(1);
