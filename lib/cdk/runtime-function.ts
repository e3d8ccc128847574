import { join } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, BASIC_EXECUTION_ROLE, GRANT_ACTION_WILDCARDS } from './nag.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Context key: `skip` builds every Sluice function from a placeholder inline handler instead of bundling
 * `lambda/*.ts` with esbuild. For tests of the template only (bundling is most of a synth's time); the
 * resources and their logical IDs are the same.
 */
export const BUNDLING_CONTEXT = 'sluice:bundling';

export type HandlerName = 'ingest' | 'buffer' | 'sweeper' | 'flush';

export interface RuntimeFunctionProps {
  handler: HandlerName;
  description: string;
  environment: Record<string, string>;
  memorySize: number;
  timeout: Duration;
  /** Default: a new role with basic execution only. */
  role?: iam.IRole;
}

/**
 * The buffer Lambda runs MetadataExtraction with jq-web (lib/adapters/jq-web-engine.ts), which loads `jq.wasm` from
 * its own directory at run time: esbuild cannot inline it, so the package's three files are copied next to the
 * bundle, where `require('jq-web')` from index.mjs finds them. A copy, not an npm install: synth stays offline.
 */
const shipJqWeb: nodejs.ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => {
    const from = join(inputDir, 'node_modules', 'jq-web');
    const to = join(outputDir, 'node_modules', 'jq-web');
    return [`mkdir -p "${to}"`, `cp "${from}/jq.js" "${from}/jq.wasm" "${from}/package.json" "${to}/"`];
  },
};

/** A Sluice Lambda: Node 22, ARM64, ESM bundled locally with esbuild (no Docker), its own log group. */
export function runtimeFunction(scope: Construct, id: string, props: RuntimeFunctionProps): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const common = {
    description: props.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    logGroup,
    ...(props.role ? { role: props.role } : {}),
  };
  const fn =
    scope.node.tryGetContext(BUNDLING_CONTEXT) === 'skip'
      ? new lambda.Function(scope, id, {
          ...common,
          handler: 'index.handler',
          code: lambda.Code.fromInline(
            `exports.handler = async () => { throw new Error('placeholder built with ${BUNDLING_CONTEXT}=skip'); };`,
          ),
        })
      : new nodejs.NodejsFunction(scope, id, {
          ...common,
          entry: join(ROOT, 'lambda', `${props.handler}.ts`),
          handler: 'handler',
          projectRoot: ROOT,
          depsLockFilePath: join(ROOT, 'package-lock.json'),
          bundling: {
            format: nodejs.OutputFormat.ESM,
            target: 'node22',
            minify: true,
            sourceMap: true,
            forceDockerBundling: false,
            // The runtime provides AWS SDK v3; bundling it would only grow cold starts.
            externalModules: ['@aws-sdk/*'],
            // Some CommonJS dependencies call require(); ESM bundles need it defined.
            banner:
              "import { createRequire as __sluiceRequire } from 'node:module'; const require = __sluiceRequire(import.meta.url);",
            ...(props.handler === 'buffer' ? { commandHooks: shipJqWeb } : {}),
          },
        });
  acknowledge(
    fn,
    ['AwsSolutions-L1'],
    'Pinned to Node.js 22 on purpose: the handlers are built and tested for it; a runtime upgrade is a reviewed change.',
  );
  acknowledge(
    fn,
    [BASIC_EXECUTION_ROLE],
    'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch Logs.',
  );
  acknowledge(
    fn,
    GRANT_ACTION_WILDCARDS,
    "Action groups written by aws-cdk-lib's grant helpers, on this stream's own buckets and keys only.",
  );
  return fn;
}
