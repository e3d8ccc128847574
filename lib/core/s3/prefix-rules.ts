import { FirehoseApiError } from '../errors.ts';
import { DATE_PATH_LENGTH, MAX_EVALUATED_PREFIX_LENGTH } from './object-key.ts';
import { type PrefixTemplate, parsePrefix, RANDOM_STRING_LENGTH } from './prefix-template.ts';

/** Model limit on the raw `Prefix` / `ErrorOutputPrefix` strings (spec §3.3). */
export const MAX_PREFIX_LENGTH = 1024;

/**
 * The header AWS prints for prefix rule violations, typo included (spec §3.3 rule 2). Only rule 2's full text
 * was observed; the other rules reuse the header on the assumption that one validator formats them all, and
 * their constraint texts are Sluice's own.
 */
export const PREFIX_CONSTRAINT_HEADER = 'Ths supplied prefix(es) do not satisfy the following constraint: ';

export const PREFIX_RULE_MESSAGES = {
  errorPrefixRequired: `${PREFIX_CONSTRAINT_HEADER}ErrorOutputPrefix cannot be null or empty when Prefix contains expressions`,
  errorPrefixNeedsErrorType: `${PREFIX_CONSTRAINT_HEADER}ErrorOutputPrefix must contain !{firehose:error-output-type} when it contains expressions`,
  prefixHasErrorType: `${PREFIX_CONSTRAINT_HEADER}Prefix cannot contain !{firehose:error-output-type}`,
  errorPrefixHasPartitionKeys: `${PREFIX_CONSTRAINT_HEADER}ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions`,
  redshiftPrefixHasExpressions: `${PREFIX_CONSTRAINT_HEADER}Prefix cannot contain expressions for a Redshift destination`,
  redshiftErrorPrefixSet: `${PREFIX_CONSTRAINT_HEADER}ErrorOutputPrefix must be null for a Redshift destination`,
  // Quoted by the CDK from CloudFormation (spec §3.3 rule 11).
  dynamicPartitioningNamespacesMissing:
    'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled',
  dynamicPartitioningErrorPrefixRequired: `${PREFIX_CONSTRAINT_HEADER}ErrorOutputPrefix cannot be null or empty when Dynamic Partitioning is enabled`,
  partitionKeysWithoutDynamicPartitioning: `${PREFIX_CONSTRAINT_HEADER}Prefix can contain partitionKeyFromQuery or partitionKeyFromLambda expressions only when Dynamic Partitioning is enabled`,
  tooLong: (field: string) =>
    `${PREFIX_CONSTRAINT_HEADER}${field} cannot be longer than ${MAX_PREFIX_LENGTH} characters`,
  tooLongEvaluated: (field: string) =>
    `${PREFIX_CONSTRAINT_HEADER}${field} cannot be longer than ${MAX_EVALUATED_PREFIX_LENGTH} characters after evaluation`,
} as const;

export interface S3PrefixesInput {
  prefix?: string;
  errorOutputPrefix?: string;
  dynamicPartitioningEnabled: boolean;
  destination: 'ExtendedS3' | 'S3' | 'Redshift';
}

/**
 * Every statically checkable rule of spec §3.3 (1–7, 11) that the prefixes break, as Firehose-style messages
 * for one InvalidArgumentException; empty when the prefixes are valid. Rules that need the processors
 * (a Lambda / MetadataExtraction for the partitionKeyFrom* namespaces) are checked where processors are known.
 */
export function checkS3Prefixes(input: S3PrefixesInput): string[] {
  const messages: string[] = [];
  const prefixSource = input.prefix ?? '';
  const errorSource = input.errorOutputPrefix ?? '';

  if (prefixSource.length > MAX_PREFIX_LENGTH) messages.push(PREFIX_RULE_MESSAGES.tooLong('Prefix'));
  if (errorSource.length > MAX_PREFIX_LENGTH)
    messages.push(PREFIX_RULE_MESSAGES.tooLong('ErrorOutputPrefix'));

  // Rule 1: a '!{' must open a valid expression.
  const prefix = parseOrReport(prefixSource, 'Prefix', messages);
  const errorPrefix = parseOrReport(errorSource, 'ErrorOutputPrefix', messages);

  const hasPartitionKeys = (t: PrefixTemplate) =>
    t.uses('partitionKeyFromQuery') || t.uses('partitionKeyFromLambda');

  const errorPrefixMissingForExpressions = prefix?.hasExpressions === true && errorSource === '';
  if (errorPrefixMissingForExpressions) messages.push(PREFIX_RULE_MESSAGES.errorPrefixRequired);
  if (errorPrefix?.hasExpressions && !errorPrefix.uses('error-output-type')) {
    messages.push(PREFIX_RULE_MESSAGES.errorPrefixNeedsErrorType);
  }
  if (prefix?.uses('error-output-type')) messages.push(PREFIX_RULE_MESSAGES.prefixHasErrorType);
  if (prefix && evaluatedLengthLowerBound(prefix) > MAX_EVALUATED_PREFIX_LENGTH) {
    messages.push(PREFIX_RULE_MESSAGES.tooLongEvaluated('Prefix'));
  }
  if (
    errorPrefix &&
    errorSource !== '' &&
    evaluatedLengthLowerBound(errorPrefix) > MAX_EVALUATED_PREFIX_LENGTH
  ) {
    messages.push(PREFIX_RULE_MESSAGES.tooLongEvaluated('ErrorOutputPrefix'));
  }
  if (errorPrefix && hasPartitionKeys(errorPrefix))
    messages.push(PREFIX_RULE_MESSAGES.errorPrefixHasPartitionKeys);

  if (input.destination === 'Redshift') {
    if (prefix?.hasExpressions) messages.push(PREFIX_RULE_MESSAGES.redshiftPrefixHasExpressions);
    // An empty string is Firehose's "unset" for prefixes, so only a non-empty one breaks "must be null".
    if (errorSource !== '') messages.push(PREFIX_RULE_MESSAGES.redshiftErrorPrefixSet);
  }

  if (input.dynamicPartitioningEnabled) {
    if (prefix && !hasPartitionKeys(prefix))
      messages.push(PREFIX_RULE_MESSAGES.dynamicPartitioningNamespacesMissing);
    // Rule 2 already says the same thing when the prefix holds expressions; report it once.
    if (errorSource === '' && !errorPrefixMissingForExpressions) {
      messages.push(PREFIX_RULE_MESSAGES.dynamicPartitioningErrorPrefixRequired);
    }
  } else if (prefix && hasPartitionKeys(prefix)) {
    messages.push(PREFIX_RULE_MESSAGES.partitionKeysWithoutDynamicPartitioning);
  }
  return messages;
}

function parseOrReport(source: string, field: string, messages: string[]): PrefixTemplate | undefined {
  try {
    return parsePrefix(source, field);
  } catch (error) {
    if (!(error instanceof FirehoseApiError)) throw error;
    messages.push(error.message);
    return undefined;
  }
}

/**
 * The shortest the prefix can evaluate to: literal text, 11 characters per random string, the default date path
 * when it is appended, and empty values for everything that depends on the data. Timestamps are counted at their
 * minimum of zero, so only literal text can make a prefix statically too long; longer renderings are caught per
 * object (`PrefixTooLong`).
 */
function evaluatedLengthLowerBound(template: PrefixTemplate): number {
  if (!template.hasExpressions) return template.source.length + DATE_PATH_LENGTH;
  let length = 0;
  for (const part of template.parts) {
    if (part.kind === 'literal') length += part.text.length;
    else if (part.kind === 'random-string') length += RANDOM_STRING_LENGTH;
  }
  return length;
}
