import { describe, expect, it } from 'vitest';
import { checkS3Prefixes } from '../../../lib/core/s3/prefix-rules.ts';

const H = 'Ths supplied prefix(es) do not satisfy the following constraint: ';
const base = { dynamicPartitioningEnabled: false, destination: 'ExtendedS3' } as const;

describe('checkS3Prefixes (spec §3.3)', () => {
  it('accepts the valid combinations of the documented examples', () => {
    expect(checkS3Prefixes({ ...base })).toEqual([]);
    expect(checkS3Prefixes({ ...base, prefix: 'myFirehosePrefix/' })).toEqual([]);
    expect(
      checkS3Prefixes({ ...base, errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/' }),
    ).toEqual([]);
    expect(
      checkS3Prefixes({
        ...base,
        prefix: 'year=!{timestamp:yyyy}/!{firehose:random-string}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy}/',
      }),
    ).toEqual([]);
    // An expression-free error prefix needs no error-output-type (rule 3 applies only with expressions).
    expect(checkS3Prefixes({ ...base, prefix: 'logs/', errorOutputPrefix: 'errors/' })).toEqual([]);
  });

  it('rule 1: a !{ must open a valid expression', () => {
    expect(
      checkS3Prefixes({ ...base, prefix: 'a/!{nope:x}/', errorOutputPrefix: 'e/!{timestamp:yyyy' }),
    ).toEqual([
      "Prefix contains an invalid expression '!{nope:x}': unknown namespace 'nope' (use timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda). Expressions have the form !{namespace:value}; write a literal \"!{\" only as part of one.",
      "ErrorOutputPrefix contains an invalid expression '!{timestamp:yyyy': '!{' is not closed by '}'. Expressions have the form !{namespace:value}; write a literal \"!{\" only as part of one.",
    ]);
  });

  it('rule 2: an error prefix is required when Prefix has expressions, with AWS message (typo kept)', () => {
    const expected = [
      'Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions',
    ];
    // The worked example of spec §3.3 #12.
    expect(checkS3Prefixes({ ...base, prefix: '!{timestamp:yyyy/MM/dd}' })).toEqual(expected);
    expect(checkS3Prefixes({ ...base, prefix: '!{timestamp:yyyy/MM/dd}', errorOutputPrefix: '' })).toEqual(
      expected,
    );
  });

  it('rule 3: an error prefix with expressions must contain the error output type', () => {
    expect(checkS3Prefixes({ ...base, errorOutputPrefix: 'e/!{timestamp:yyyy}/' })).toEqual([
      `${H}ErrorOutputPrefix must contain !{firehose:error-output-type} when it contains expressions`,
    ]);
  });

  it('rule 4: Prefix cannot contain the error output type', () => {
    expect(
      checkS3Prefixes({ ...base, prefix: 'p/!{firehose:error-output-type}/', errorOutputPrefix: 'e/' }),
    ).toEqual([`${H}Prefix cannot contain !{firehose:error-output-type}`]);
  });

  it('rule 5: literal text alone longer than 512 characters after evaluation', () => {
    const long = 'a'.repeat(500);
    // Expression-free: the appended yyyy/MM/dd/HH/ (14 characters) counts.
    expect(checkS3Prefixes({ ...base, prefix: long })).toEqual([
      `${H}Prefix cannot be longer than 512 characters after evaluation`,
    ]);
    expect(checkS3Prefixes({ ...base, prefix: 'a'.repeat(498) })).toEqual([]);
    expect(
      checkS3Prefixes({
        ...base,
        prefix: `${'p'.repeat(501)}!{firehose:random-string}/`,
        errorOutputPrefix: `${'e'.repeat(510)}!{firehose:error-output-type}/`,
      }),
    ).toEqual([`${H}Prefix cannot be longer than 512 characters after evaluation`]);
    expect(
      checkS3Prefixes({
        ...base,
        prefix: 'p/',
        errorOutputPrefix: `${'e'.repeat(512)}!{firehose:error-output-type}/`,
      }),
    ).toEqual([`${H}ErrorOutputPrefix cannot be longer than 512 characters after evaluation`]);
  });

  it('model limit: raw strings longer than 1024 characters', () => {
    expect(
      checkS3Prefixes({ ...base, prefix: 'a'.repeat(1025), errorOutputPrefix: 'b'.repeat(1025) }),
    ).toEqual([
      `${H}Prefix cannot be longer than 1024 characters`,
      `${H}ErrorOutputPrefix cannot be longer than 1024 characters`,
      `${H}Prefix cannot be longer than 512 characters after evaluation`,
      `${H}ErrorOutputPrefix cannot be longer than 512 characters after evaluation`,
    ]);
  });

  it('rule 6: no partition keys in the error prefix', () => {
    expect(
      checkS3Prefixes({
        ...base,
        dynamicPartitioningEnabled: true,
        prefix: 'k=!{partitionKeyFromQuery:k}/',
        errorOutputPrefix: '!{firehose:error-output-type}/!{partitionKeyFromLambda:k}/',
      }),
    ).toEqual([
      `${H}ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions`,
    ]);
  });

  it('rule 7: Redshift takes neither prefix expressions nor an error prefix', () => {
    const redshift = { ...base, destination: 'Redshift' } as const;
    expect(checkS3Prefixes({ ...redshift, prefix: 'staging/' })).toEqual([]);
    expect(
      checkS3Prefixes({
        ...redshift,
        prefix: '!{timestamp:yyyy}/',
        errorOutputPrefix: '!{firehose:error-output-type}/',
      }),
    ).toEqual([
      `${H}Prefix cannot contain expressions for a Redshift destination`,
      `${H}ErrorOutputPrefix must be null for a Redshift destination`,
    ]);
  });

  it('rule 11: dynamic partitioning needs partition-key namespaces and an error prefix', () => {
    const dp = { ...base, dynamicPartitioningEnabled: true };
    expect(checkS3Prefixes({ ...dp, prefix: 'static/' })).toEqual([
      'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled',
      `${H}ErrorOutputPrefix cannot be null or empty when Dynamic Partitioning is enabled`,
    ]);
    // With expressions in the prefix, rule 2 already reports the missing error prefix; it is not repeated.
    expect(checkS3Prefixes({ ...dp, prefix: 'k=!{partitionKeyFromLambda:k}/' })).toEqual([
      `${H}ErrorOutputPrefix cannot be null or empty when Prefix contains expressions`,
    ]);
    expect(
      checkS3Prefixes({
        ...dp,
        prefix: 'k=!{partitionKeyFromQuery:k}/!{timestamp:yyyy}/',
        errorOutputPrefix: 'e/!{firehose:error-output-type}/',
      }),
    ).toEqual([]);
  });

  it('partition keys without dynamic partitioning are rejected', () => {
    expect(
      checkS3Prefixes({
        ...base,
        prefix: 'k=!{partitionKeyFromQuery:k}/',
        errorOutputPrefix: 'e/!{firehose:error-output-type}/',
      }),
    ).toEqual([
      `${H}Prefix can contain partitionKeyFromQuery or partitionKeyFromLambda expressions only when Dynamic Partitioning is enabled`,
    ]);
  });

  it('reports every broken rule at once', () => {
    expect(
      checkS3Prefixes({ ...base, prefix: 'p/!{firehose:error-output-type}/', errorOutputPrefix: '' }),
    ).toEqual([
      `${H}ErrorOutputPrefix cannot be null or empty when Prefix contains expressions`,
      `${H}Prefix cannot contain !{firehose:error-output-type}`,
    ]);
  });
});
