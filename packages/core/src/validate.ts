/**
 * Option checks shared by every leakproof package. Each helper returns the value, typed, or
 * throws an OptionsError whose message says where the value was written (its path), what is
 * valid and what was given:
 *
 *   leakproof: testEnvironmentOptions.leakproof.heap.failAboveBytes must be an integer from 0 to 1099511627776, got -1
 *
 * A `default` is used only when the value is undefined (not given): null is a value, and wrong.
 * No side effects on import, so that packages below core (the native tracker) can use it alone.
 */

/** An invalid option: the message names its path, what is valid and the value given. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** The error for a value at `path` that breaks `rule` (e.g. "an integer from 3 to 50"). */
export function optionsError(path: string, rule: string, value: unknown): OptionsError {
  return new OptionsError(`leakproof: ${path} must be ${rule}, got ${describeValue(value)}`);
}

interface Default<T> {
  /** Returned when the value is undefined; without it, undefined is invalid. */
  default?: T;
}

/** The general check the others are made of: `value` when `test` accepts it. */
export function checkAt<T>(value: unknown, path: string, rule: string, test: (value: unknown) => value is T, options: Default<T> = {}): T {
  if (value === undefined && options.default !== undefined) return options.default;
  if (!test(value)) throw optionsError(path, rule, value);
  return value;
}

/** A plain object (not an array, Map, Set or class with a tag); `example` shows one in the message. */
export function objectAt(
  value: unknown,
  path: string,
  options: Default<Record<string, unknown>> & { example?: string } = {},
): Record<string, unknown> {
  const rule = options.example ? `a plain object such as ${options.example}` : 'a plain object';
  return checkAt(value, path, rule, isPlainObject, options);
}

/** Throws for the first key of `object` not in `keys`, listing `keys` in their order. */
export function knownKeys(object: Record<string, unknown>, keys: readonly string[], path: string): void {
  const unknown = Object.keys(object).find((key) => !keys.includes(key));
  if (unknown !== undefined) {
    throw new OptionsError(`leakproof: unknown option ${path}.${unknown}. Valid options: ${keys.join(', ')}`);
  }
}

export interface Range {
  min: number;
  max: number;
}

export function intAt(value: unknown, path: string, rule: Range & Default<number>): number {
  const isInt = (v: unknown): v is number => Number.isInteger(v) && inRange(v as number, rule);
  return checkAt(value, path, `an integer from ${rule.min} to ${rule.max}`, isInt, rule);
}

/** A finite number in the range; `note` explains the unit in the message (`0.25 = +25%`). */
export function numberAt(value: unknown, path: string, rule: Range & Default<number> & { note?: string }): number {
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && inRange(v, rule);
  const note = rule.note ? ` (${rule.note})` : '';
  return checkAt(value, path, `a number from ${rule.min} to ${rule.max}${note}`, isNumber, rule);
}

/** A finite number above 0. */
export function positiveAt(value: unknown, path: string, options: Default<number> = {}): number {
  const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  return checkAt(value, path, 'a positive number', isPositive, options);
}

export function boolAt(value: unknown, path: string, options: Default<boolean> = {}): boolean {
  return checkAt(value, path, 'true or false', (v): v is boolean => typeof v === 'boolean', options);
}

/** One of `choices` (strings, numbers or booleans), listed in the message as they would be written. */
export function oneOf<const T extends string | number | boolean>(
  value: unknown,
  path: string,
  choices: readonly T[],
  options: Default<T> = {},
): T {
  const isChoice = (v: unknown): v is T => choices.includes(v as T);
  return checkAt(value, path, `one of ${choices.map(describeValue).join(', ')}`, isChoice, options);
}

/** An array of strings; `items` names them in the message ("path substrings"). */
export function stringsAt(value: unknown, path: string, options: Default<string[]> & { items?: string } = {}): string[] {
  const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return checkAt(value, path, `an array of ${options.items ?? 'strings'}`, isStrings, options);
}

/** An array of strings and RegExps (RegExps of another realm too: Jest's tests make theirs in one). */
export function patternsAt(value: unknown, path: string, options: Default<Array<string | RegExp>> = {}): Array<string | RegExp> {
  const isPatterns = (v: unknown): v is Array<string | RegExp> => Array.isArray(v) && v.every(isPattern);
  return checkAt(value, path, 'an array of strings or regular expressions', isPatterns, options);
}

export function isPattern(value: unknown): value is string | RegExp {
  return typeof value === 'string' || isRegExp(value);
}

/** By tag, not `instanceof`: a RegExp made in Jest's test realm is no instance of this realm's RegExp. */
export function isRegExp(value: unknown): value is RegExp {
  return tagOf(value) === 'RegExp';
}

/** Also by tag, for objects of another realm; a Map or Set would otherwise pass as an empty object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && tagOf(value) === 'Object';
}

/** A value as it would be written in code, for messages: `"5"`, `5n`, `[1,"a"]`, `a Map`, `function f`. */
export function describeValue(value: unknown): string {
  return describe(value, new Set());
}

function describe(value: unknown, seen: Set<object>): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (seen.has(value)) return '(circular)';
  const tag = tagOf(value);
  if (tag === 'RegExp') return String(value);
  // A Map, Set, Promise or Date would show as "{}" or a bare string.
  if (tag !== 'Object' && tag !== 'Array') return `${/^[AEIOU]/.test(tag) ? 'an' : 'a'} ${tag}`;
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((item) => describe(item, seen)).join(',')}]`;
    const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${describe(item, seen)}`);
    return `{${entries.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

function tagOf(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function inRange(value: number, range: Range): boolean {
  return value >= range.min && value <= range.max;
}
