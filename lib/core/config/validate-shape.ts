/**
 * Structural validation of a JSON 1.1 request against a slice of Firehose's service model: types,
 * required members, enums, lengths, ranges, patterns and unknown members. Every violation is
 * collected and reported at once in AWS's Coral format (spec §1.1):
 * `Value 'x' at 'a.b' failed to satisfy constraint: Member must ...`, member paths in camelCase,
 * list items as `tags.1.member.key` (1-based).
 */
import { bounded, FirehoseApiError, validationException } from '../errors.ts';

export type ShapeSpec =
  | {
      kind: 'string';
      min?: number;
      max?: number;
      /** Matched against the whole value, as Coral (Java `matches`) does. */
      pattern?: string;
      enum?: readonly string[];
      /** Order AWS prints the enum set in, when it was observed to differ from the model's. */
      enumDisplay?: readonly string[];
      /** A secret (a password, an access key): violations name the member but never print its value. */
      sensitive?: boolean;
    }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'map'; key: ShapeSpec; value: ShapeSpec; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'structure'; name: string; members: Record<string, ShapeSpec>; required?: readonly string[] }
  | { kind: 'list'; member: ShapeSpec; min?: number; max?: number }
  /** A structure Sluice does not model yet: only checked to be an object (later work validates it fully). */
  | { kind: 'opaque' };

export interface ShapeProblems {
  /** Constraint violations (ValidationException). */
  violations: string[];
  /** JSON values of the wrong type (SerializationException on AWS). */
  typeErrors: string[];
}

const compiled = new Map<string, RegExp>();
function wholeMatch(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Coral prints member names with the first letter lower-cased (`RoleARN` → `roleARN`). */
export function memberPath(parent: string, member: string): string {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return parent === '' ? name : `${parent}.${name}`;
}

function shown(value: unknown): string {
  return value === null || value === undefined ? 'null' : `'${bounded(value, 200)}'`;
}

function violation(
  problems: ShapeProblems,
  value: unknown,
  path: string,
  constraint: string,
  sensitive = false,
): void {
  const what = sensitive ? 'Value' : `Value ${shown(value)}`;
  problems.violations.push(`${what} at '${path}' failed to satisfy constraint: ${constraint}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'structure' : typeof value;
}

export function collectShapeProblems(
  value: unknown,
  spec: ShapeSpec,
  path = '',
  problems: ShapeProblems = { violations: [], typeErrors: [] },
): ShapeProblems {
  if (value === undefined || value === null) return problems;
  const typeError = (expected: string) =>
    problems.typeErrors.push(`Expected ${expected} at '${path || 'request'}' but found ${typeName(value)}.`);
  switch (spec.kind) {
    case 'string': {
      if (typeof value !== 'string') {
        typeError('a string');
        return problems;
      }
      if (spec.enum && !spec.enum.includes(value)) {
        const set = (spec.enumDisplay ?? spec.enum).join(', ');
        violation(problems, value, path, `Member must satisfy enum value set: [${set}]`);
        return problems;
      }
      const secret = spec.sensitive === true;
      if (spec.min !== undefined && value.length < spec.min)
        violation(
          problems,
          value,
          path,
          `Member must have length greater than or equal to ${spec.min}`,
          secret,
        );
      if (spec.max !== undefined && value.length > spec.max)
        violation(problems, value, path, `Member must have length less than or equal to ${spec.max}`, secret);
      if (spec.pattern !== undefined && !wholeMatch(spec.pattern, value))
        violation(
          problems,
          value,
          path,
          `Member must satisfy regular expression pattern: ${spec.pattern}`,
          secret,
        );
      return problems;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        typeError('an integer');
        return problems;
      }
      if (spec.min !== undefined && value < spec.min)
        violation(problems, value, path, `Member must have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value > spec.max)
        violation(problems, value, path, `Member must have value less than or equal to ${spec.max}`);
      return problems;
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        typeError('a number');
        return problems;
      }
      if (spec.min !== undefined && value < spec.min)
        violation(problems, value, path, `Member must have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value > spec.max)
        violation(problems, value, path, `Member must have value less than or equal to ${spec.max}`);
      return problems;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        typeError('a map');
        return problems;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      if (spec.min !== undefined && entries.length < spec.min)
        violation(problems, value, path, `Member must have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && entries.length > spec.max)
        violation(problems, value, path, `Member must have length less than or equal to ${spec.max}`);
      for (const [key, entry] of entries) {
        collectShapeProblems(key, spec.key, `${path}.${key}.key`, problems);
        if (entry === null || entry === undefined)
          violation(problems, entry, `${path}.${key}.value`, 'Member must not be null');
        else collectShapeProblems(entry, spec.value, `${path}.${key}.value`, problems);
      }
      return problems;
    }
    case 'boolean':
      if (typeof value !== 'boolean') typeError('a boolean');
      return problems;
    case 'opaque':
      if (typeof value !== 'object' || Array.isArray(value)) typeError('a structure');
      return problems;
    case 'list': {
      if (!Array.isArray(value)) {
        typeError('a list');
        return problems;
      }
      if (spec.min !== undefined && value.length < spec.min)
        violation(problems, value, path, `Member must have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value.length > spec.max)
        violation(problems, value, path, `Member must have length less than or equal to ${spec.max}`);
      value.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === null || item === undefined)
          violation(problems, item, itemPath, 'Member must not be null');
        else collectShapeProblems(item, spec.member, itemPath, problems);
      });
      return problems;
    }
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        typeError('a structure');
        return problems;
      }
      const record = value as Record<string, unknown>;
      for (const name of spec.required ?? []) {
        if (record[name] === undefined || record[name] === null)
          violation(problems, null, memberPath(path, name), 'Member must not be null');
      }
      for (const [name, memberValue] of Object.entries(record)) {
        const memberSpec = Object.hasOwn(spec.members, name) ? spec.members[name] : undefined;
        if (memberSpec === undefined) {
          // AWS's JSON 1.1 deserializer silently drops members it does not know. Sluice reports them
          // instead: a misspelt `Bufferinghints` would otherwise fall back to defaults without a word.
          violation(
            problems,
            memberValue,
            memberPath(path, name),
            `Member must be a known member of ${spec.name}`,
          );
          continue;
        }
        collectShapeProblems(memberValue, memberSpec, memberPath(path, name), problems);
      }
      return problems;
    }
  }
}

/**
 * Throws the error AWS would answer a malformed request with: SerializationException when a value
 * has the wrong JSON type (AWS fails while parsing), else one ValidationException listing every
 * constraint violation.
 */
export function assertShape(value: unknown, spec: ShapeSpec): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FirehoseApiError('SerializationException', 'The request body must be a JSON object.');
  }
  const problems = collectShapeProblems(value, spec);
  if (problems.typeErrors.length > 0) {
    throw new FirehoseApiError('SerializationException', problems.typeErrors.join(' '));
  }
  if (problems.violations.length > 0) throw validationException(problems.violations);
}
