/**
 * Problems found in a destination configuration, collected rather than thrown so a user sees every one in a
 * single answer. Two kinds, because AWS answers them with two exceptions: `violations` are model constraints
 * in the Coral format of a ValidationException (§1.1, `Value '…' at 'a.b' failed to satisfy constraint: …`),
 * `invalidArguments` are the service's semantic rules (InvalidArgumentException).
 */
import { bounded } from '../errors.ts';

export interface ConfigProblems {
  violations: string[];
  invalidArguments: string[];
}

export function noProblems(): ConfigProblems {
  return { violations: [], invalidArguments: [] };
}

/** Coral prints member names with a lower-case first letter (`SizeInMBs` → `sizeInMBs`). */
export function pathOf(parent: string, member: string): string {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return parent === '' ? name : `${parent}.${name}`;
}

/** Rule helpers bound to one problem list. Sensitive values (URL, access key, password) are never echoed. */
export class ProblemCollector {
  constructor(readonly problems: ConfigProblems = noProblems()) {}

  private violation(value: unknown, path: string, constraint: string, sensitive: boolean): void {
    const shown = sensitive
      ? ''
      : value === undefined || value === null
        ? ' null'
        : ` '${bounded(value, 200)}'`;
    this.problems.violations.push(`Value${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  required(value: unknown, path: string): boolean {
    if (value !== undefined && value !== null) return true;
    this.violation(value, path, 'Member must not be null', false);
    return false;
  }

  intRange(value: unknown, path: string, min: number, max: number): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.violation(value, path, 'Member must be an integer', false);
    } else if (value < min) {
      this.violation(value, path, `Member must have value greater than or equal to ${min}`, false);
    } else if (value > max) {
      this.violation(value, path, `Member must have value less than or equal to ${max}`, false);
    }
  }

  length(value: unknown, path: string, min: number, max: number, sensitive = false): void {
    if (value === undefined) return;
    if (typeof value !== 'string') {
      this.violation(sensitive ? undefined : value, path, 'Member must be a string', sensitive);
    } else if (value.length < min) {
      this.violation(value, path, `Member must have length greater than or equal to ${min}`, sensitive);
    } else if (value.length > max) {
      this.violation(value, path, `Member must have length less than or equal to ${max}`, sensitive);
    }
  }

  oneOf(value: unknown, path: string, allowed: readonly string[]): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.violation(value, path, `Member must satisfy enum value set: [${allowed.join(', ')}]`, false);
    }
  }

  listSize(value: unknown, path: string, min: number, max: number): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) this.violation('[…]', path, 'Member must be a list', false);
    else if (value.length < min)
      this.violation('[…]', path, `Member must have length greater than or equal to ${min}`, false);
    else if (value.length > max)
      this.violation('[…]', path, `Member must have length less than or equal to ${max}`, false);
  }

  invalid(message: string): void {
    this.problems.invalidArguments.push(message);
  }
}

/** Firehose model shapes shared by the destinations below. */
export interface BufferingHintsShape {
  SizeInMBs?: number;
  IntervalInSeconds?: number;
}

export interface RetryOptionsShape {
  DurationInSeconds?: number;
}

/** §2.1: SizeInMBs and IntervalInSeconds are accepted only together; ranges differ per destination. */
export function checkBufferingHints(
  c: ProblemCollector,
  hints: BufferingHintsShape | undefined,
  path: string,
  maxSizeInMBs: number,
): void {
  if (hints === undefined) return;
  c.intRange(hints.SizeInMBs, pathOf(path, 'SizeInMBs'), 1, maxSizeInMBs);
  c.intRange(hints.IntervalInSeconds, pathOf(path, 'IntervalInSeconds'), 0, 900);
  const hasSize = hints.SizeInMBs !== undefined;
  const hasInterval = hints.IntervalInSeconds !== undefined;
  if (hasSize !== hasInterval) {
    c.invalid(
      `BufferingHints: SizeInMBs and IntervalInSeconds must be specified together (got only ${hasSize ? 'SizeInMBs' : 'IntervalInSeconds'}).`,
    );
  }
}

/** §8, §9, §10.1: RetryOptions.DurationInSeconds is 0–7200 for every non-S3 destination. */
export function checkRetryOptions(
  c: ProblemCollector,
  options: RetryOptionsShape | undefined,
  path: string,
): void {
  c.intRange(options?.DurationInSeconds, pathOf(pathOf(path, 'RetryOptions'), 'DurationInSeconds'), 0, 7200);
}
