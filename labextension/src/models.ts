/**
 * Pure helpers shared by commands and widgets: version references, command
 * arguments checked against their documented types (shared/UI.md), append
 * parameters. No DOM, no server: unit-tested in tests/models.spec.ts.
 */
import type { Execution } from './api';

/** API.md: `^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$`. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
const REF = /^([A-Za-z0-9][A-Za-z0-9._:-]{0,199})@v([0-9]{1,9})$/;

export interface IRef {
  artifactId: string;
  /** N of `@vN`; undefined for a bare id (the latest version). */
  version?: number;
}

/** `X` or `X@vN`, as the server reads them; null for anything else. */
export function parseRef(text: string): IRef | null {
  const m = REF.exec(text);
  if (m) {
    const version = Number(m[2]);
    return version >= 1 ? { artifactId: m[1], version } : null;
  }
  return ID.test(text) ? { artifactId: text } : null;
}

export function formatRef(artifactId: string, version: number): string {
  return `${artifactId}@v${version}`;
}

/** Thrown for a command argument of the wrong type: the message is shown as is. */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentError';
  }
}

type Args = Record<string, unknown> | undefined;

export function stringArg(
  args: Args,
  name: string,
  required = false
): string | undefined {
  const value = args?.[name];
  if (value === undefined || value === null || value === '') {
    if (required) {
      throw new ArgumentError(`The argument "${name}" is required.`);
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ArgumentError(
      `The argument "${name}" must be a string, not ${typeOf(value)}.`
    );
  }
  return value;
}

export function intArg(
  args: Args,
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {}
): number | undefined {
  const value = args?.[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ArgumentError(
      `The argument "${name}" must be an integer, not ${typeOf(value)}.`
    );
  }
  if (value < min || value > max) {
    throw new ArgumentError(
      `The argument "${name}" must be between ${min} and ${max}; got ${value}.`
    );
  }
  return value;
}

export function boolArg(args: Args, name: string): boolean | undefined {
  const value = args?.[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    throw new ArgumentError(
      `The argument "${name}" must be true or false, not ${typeOf(value)}.`
    );
  }
  return value;
}

/** An array of non-negative integers (e.g. `cells`), at least one, each once. */
export function intListArg(args: Args, name: string): number[] | undefined {
  const value = args?.[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw new ArgumentError(
      `The argument "${name}" must be a list of cell indices, not ${typeOf(value)}.`
    );
  }
  if (value.length === 0) {
    throw new ArgumentError(`The argument "${name}" must name at least one cell.`);
  }
  const bad = value.find(v => typeof v !== 'number' || !Number.isInteger(v) || v < 0);
  if (bad !== undefined) {
    throw new ArgumentError(
      `The argument "${name}" must hold cell indices (integers from 0); got ${JSON.stringify(bad)}.`
    );
  }
  if (new Set(value).size !== value.length) {
    throw new ArgumentError(`The argument "${name}" names a cell twice.`);
  }
  return value as number[];
}

/** A JSON object argument (a parsed object, or its JSON text). */
export function objectArg(
  args: Args,
  name: string
): Record<string, unknown> | undefined {
  const value = args?.[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    const parsed = parseParameters(value);
    if (!parsed.ok) {
      throw new ArgumentError(`The argument "${name}": ${parsed.error}`);
    }
    return parsed.value;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ArgumentError(
      `The argument "${name}" must be a JSON object, not ${typeOf(value)}.`
    );
  }
  return value as Record<string, unknown>;
}

/** A version reference argument (`X` or `X@vN`). */
export function refArg(args: Args, name: string): IRef {
  const text = stringArg(args, name, true) as string;
  const ref = parseRef(text);
  if (ref === null) {
    throw new ArgumentError(
      `The argument "${name}" must be an artifact id or a version reference ` +
        `like NB-12@v3; got "${text.slice(0, 60)}".`
    );
  }
  return ref;
}

function typeOf(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export type ParseResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; error: string };

/** The append dialog's parameters: empty means `{}`; otherwise a JSON object. */
export function parseParameters(text: string): ParseResult {
  const trimmed = text.trim();
  if (!trimmed) {
    return { ok: true, value: {} };
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `parameters are not valid JSON (${detail}).` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      error: `parameters must be a JSON object like {"fdr": 0.05}, not ${typeOf(value)}.`
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** One line about an executed (or not executed) append. */
export function describeExecution(execution: Execution): string {
  const ms =
    execution.duration_ms !== undefined ? ` in ${execution.duration_ms} ms` : '';
  switch (execution.status) {
    case 'not_requested':
      return 'not executed';
    case 'ok':
      return `executed${ms}`;
    case 'error':
      return `executed with an error${ms}: ${execution.ename ?? 'Error'}: ${
        execution.evalue ?? ''
      }`.trim();
    case 'timeout':
      return `stopped at the time limit${ms}`;
    case 'kernel_error':
      return `the kernel failed${execution.evalue ? `: ${execution.evalue}` : ''}`;
    default:
      return String(execution.status);
  }
}

/** A short form of a long label, with the whole in a tooltip. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** The part of a content hash shown in compact places. */
export function shortHash(hash: string | null | undefined): string {
  if (!hash) {
    return 'no hash';
  }
  const [algo, hex] = hash.includes(':') ? hash.split(':', 2) : ['', hash];
  return `${algo ? `${algo}:` : ''}${hex.slice(0, 12)}`;
}
