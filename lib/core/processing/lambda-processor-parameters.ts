/**
 * The `Lambda` processor's ProcessorParameters (spec §2.2): checked once, then resolved with Firehose's
 * defaults into settings the transform stage uses.
 */

export const LAMBDA_PARAMETER_NAMES = [
  'LambdaArn',
  'NumberOfRetries',
  'RoleArn',
  'BufferSizeInMBs',
  'BufferIntervalInSeconds',
] as const;

export const DEFAULT_NUMBER_OF_RETRIES = 3;
export const DEFAULT_LAMBDA_BUFFER_SIZE_MB = 1;
export const DEFAULT_LAMBDA_BUFFER_INTERVAL_SECONDS = 60;
/** Firehose gives up on a transform call after 5 minutes (§5.3), whatever the function's own timeout. */
export const LAMBDA_INVOCATION_TIMEOUT_MS = 5 * 60 * 1000;

const MIB = 1024 * 1024;

export interface LambdaProcessorSettings {
  lambdaArn: string;
  numberOfRetries: number;
  /** BufferSizeInMBs in bytes (MiB, as Firehose's other size hints). */
  bufferSizeBytes: number;
  bufferIntervalSeconds: number;
  roleArn: string | undefined;
}

const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;
const INTEGER = /^\s*\d+\s*$/;

function checkRange(
  parameters: Readonly<Record<string, string>>,
  name: string,
  pattern: RegExp,
  min: number,
  max: number,
  what: string,
): string[] {
  const value = parameters[name];
  if (value === undefined) return [];
  if (!pattern.test(value) || Number(value) < min || Number(value) > max) {
    return [
      `Lambda processor parameter ${name} must be ${what} from ${min} to ${max}; got ${JSON.stringify(value.slice(0, 40))}`,
    ];
  }
  return [];
}

/**
 * All problems with a Lambda processor's parameters, empty when they are fine. NumberOfRetries has no range
 * in the API model (§2.2, ⚠); Sluice bounds it at 300 so a typo cannot stall a stream for days of retries.
 */
export function checkLambdaProcessor(parameters: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const arn = parameters.LambdaArn;
  if (arn === undefined || arn.trim() === '') {
    problems.push(
      'Lambda processor needs the parameter LambdaArn (a function name or ARN, optionally qualified)',
    );
  }
  problems.push(
    ...checkRange(parameters, 'NumberOfRetries', INTEGER, 0, 300, 'a whole number'),
    ...checkRange(parameters, 'BufferSizeInMBs', DECIMAL, 0.2, 3, 'a number of MB'),
    ...checkRange(parameters, 'BufferIntervalInSeconds', INTEGER, 0, 900, 'a whole number of seconds'),
  );
  if (parameters.RoleArn !== undefined && parameters.RoleArn.trim() === '') {
    problems.push('Lambda processor parameter RoleArn must not be blank');
  }
  for (const name of Object.keys(parameters)) {
    if (!(LAMBDA_PARAMETER_NAMES as readonly string[]).includes(name)) {
      problems.push(
        `Lambda processor does not take the parameter ${JSON.stringify(name.slice(0, 40))}; valid: ${LAMBDA_PARAMETER_NAMES.join(', ')}`,
      );
    }
  }
  return problems;
}

/** Settings with defaults applied; call only with parameters `checkLambdaProcessor` accepted. */
export function resolveLambdaProcessor(
  parameters: Readonly<Record<string, string>>,
): LambdaProcessorSettings {
  const number = (name: string, fallback: number) =>
    parameters[name] === undefined ? fallback : Number(parameters[name]);
  return {
    lambdaArn: (parameters.LambdaArn ?? '').trim(),
    numberOfRetries: number('NumberOfRetries', DEFAULT_NUMBER_OF_RETRIES),
    bufferSizeBytes: Math.round(number('BufferSizeInMBs', DEFAULT_LAMBDA_BUFFER_SIZE_MB) * MIB),
    bufferIntervalSeconds: number('BufferIntervalInSeconds', DEFAULT_LAMBDA_BUFFER_INTERVAL_SECONDS),
    roleArn: parameters.RoleArn,
  };
}
