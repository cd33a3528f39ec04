/** @jest-environment node */
import { runInNewContext } from 'node:vm';
import {
  boolAt,
  checkAt,
  describeValue,
  intAt,
  isPlainObject,
  isRegExp,
  knownKeys,
  numberAt,
  objectAt,
  oneOf,
  OptionsError,
  optionsError,
  patternsAt,
  positiveAt,
  stringsAt,
} from '../validate';
import * as core from '../index';

/** The message of the OptionsError `check` throws; fails the test when it throws none or another. */
function messageOf(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).name).toBe('OptionsError');
    return (error as Error).message;
  }
  throw new Error('expected an OptionsError');
}

describe('describeValue: a value as it would be written in code', () => {
  test.each([
    ['a string', 'x"y', '"x\\"y"'],
    ['a number', 42, '42'],
    ['NaN', NaN, 'NaN'],
    ['Infinity', -Infinity, '-Infinity'],
    ['a BigInt', 5n, '5n'],
    ['a boolean', false, 'false'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a symbol', Symbol('tag'), 'Symbol(tag)'],
    ['a named function', function filter() {}, 'function filter'],
    ['an anonymous function', (() => () => {})(), 'function (anonymous)'],
    ['a plain object', { rounds: 5, ignore: ['a'] }, '{"rounds":5,"ignore":["a"]}'],
    ['an object without prototype', Object.assign(Object.create(null), { a: 1 }), '{"a":1}'],
    ['an array', ['ok', 42, null], '["ok",42,null]'],
    ['a RegExp', /^Foo/g, '/^Foo/g'],
    ['a Map', new Map([['rounds', 5]]), 'a Map'],
    ['a Set', new Set([1]), 'a Set'],
    ['a Promise', Promise.resolve(1), 'a Promise'],
    ['a Date', new Date(0), 'a Date'],
    ['an Error', new Error('x'), 'an Error'],
  ])('%s', (_what, value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });

  test('nested values are shown the same way, where JSON would throw or hide them', () => {
    expect(describeValue([1n, /a/, new Map(), undefined, () => {}])).toBe('[1n,/a/,a Map,undefined,function (anonymous)]');
    expect(describeValue({ limit: 10n, skip: new Set() })).toBe('{"limit":10n,"skip":a Set}');
  });

  test('values of another realm are shown by what they are', () => {
    expect(describeValue(runInNewContext('/^Leaky/i'))).toBe('/^Leaky/i');
    expect(describeValue(runInNewContext('new Map()'))).toBe('a Map');
    expect(describeValue(runInNewContext('Promise.resolve()'))).toBe('a Promise');
    expect(describeValue(runInNewContext('({ a: [1] })'))).toBe('{"a":[1]}');
  });

  test('a circular structure is shown, not overflowed', () => {
    const options: Record<string, unknown> = { rounds: 5 };
    options.self = options;
    expect(describeValue(options)).toBe('{"rounds":5,"self":(circular)}');
    const shared = { a: 1 };
    expect(describeValue([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});

describe('the message: one prefix, the path, the rule and the value', () => {
  test('optionsError', () => {
    const error = optionsError('options.rounds', 'an integer from 3 to 50', '5');
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('leakproof: options.rounds must be an integer from 3 to 50, got "5"');
  });

  test('checkAt: the value when the test accepts it, the default only when it is undefined', () => {
    const isEven = (v: unknown): v is number => typeof v === 'number' && v % 2 === 0;
    expect(checkAt(4, 'p.n', 'an even number', isEven)).toBe(4);
    expect(checkAt(undefined, 'p.n', 'an even number', isEven, { default: 2 })).toBe(2);
    expect(messageOf(() => checkAt(3, 'p.n', 'an even number', isEven, { default: 2 }))).toBe(
      'leakproof: p.n must be an even number, got 3',
    );
    expect(messageOf(() => checkAt(null, 'p.n', 'an even number', isEven, { default: 2 }))).toBe(
      'leakproof: p.n must be an even number, got null',
    );
    // Without a default, not giving the value is an error too.
    expect(messageOf(() => checkAt(undefined, 'p.n', 'an even number', isEven))).toBe(
      'leakproof: p.n must be an even number, got undefined',
    );
  });

  test('a default of false or 0 is a default', () => {
    expect(boolAt(undefined, 'p.b', { default: false })).toBe(false);
    expect(intAt(undefined, 'p.i', { min: 0, max: 1, default: 0 })).toBe(0);
  });
});

describe('objectAt and knownKeys', () => {
  test('plain objects, also of another realm and without prototype, are returned as they are', () => {
    const given = { a: 1 };
    expect(objectAt(given, 'p')).toBe(given);
    expect(objectAt(runInNewContext('({ a: 1 })'), 'p')).toEqual({ a: 1 });
    expect(objectAt(Object.create(null), 'p')).toEqual({});
    expect(objectAt(undefined, 'p', { default: {} })).toEqual({});
  });

  test.each([
    ['a Map', new Map(), 'a Map'],
    ['a Set', new Set(), 'a Set'],
    ['an array', [1], '[1]'],
    ['null', null, 'null'],
    ['a string', 'off', '"off"'],
    ['a function', function filter() {}, 'function filter'],
    ['a Promise', Promise.resolve({}), 'a Promise'],
  ])('%s is rejected', (_what, value, shown) => {
    expect(messageOf(() => objectAt(value, 'testEnvironmentOptions.leakproof.heap'))).toBe(
      `leakproof: testEnvironmentOptions.leakproof.heap must be a plain object, got ${shown}`,
    );
  });

  test('an example is shown in the rule', () => {
    expect(messageOf(() => objectAt(5, 'options', { example: '{ rounds: 5 }' }))).toBe(
      'leakproof: options must be a plain object such as { rounds: 5 }, got 5',
    );
  });

  test('knownKeys names the first unknown key with its path and lists the valid ones in their order', () => {
    expect(() => knownKeys({ b: 1, a: 2 }, ['b', 'a'], 'p')).not.toThrow();
    expect(messageOf(() => knownKeys({ b: 1, c: 2 }, ['b', 'a'], 'reporters["x"]'))).toBe(
      'leakproof: unknown option reporters["x"].c. Valid options: b, a',
    );
  });
});

describe('numbers', () => {
  test.each([
    [2, '2'],
    [51, '51'],
    [3.5, '3.5'],
    ['5', '"5"'],
    [5n, '5n'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [true, 'true'],
  ])('intAt rejects %p', (value, shown) => {
    expect(messageOf(() => intAt(value, 'options.rounds', { min: 3, max: 50 }))).toBe(
      `leakproof: options.rounds must be an integer from 3 to 50, got ${shown}`,
    );
  });

  test('intAt accepts the limits themselves', () => {
    expect(intAt(3, 'p', { min: 3, max: 50 })).toBe(3);
    expect(intAt(50, 'p', { min: 3, max: 50 })).toBe(50);
  });

  test('numberAt: finite numbers in the range, with a note on the unit', () => {
    expect(numberAt(0.25, 'p', { min: 0, max: 10 })).toBe(0.25);
    expect(numberAt(10, 'p', { min: 0, max: 10 })).toBe(10);
    expect(messageOf(() => numberAt(11, 'r.tolerance', { min: 0, max: 10, note: '0.25 = +25%' }))).toBe(
      'leakproof: r.tolerance must be a number from 0 to 10 (0.25 = +25%), got 11',
    );
    expect(messageOf(() => numberAt(NaN, 'r.tolerance', { min: 0, max: 10 }))).toBe(
      'leakproof: r.tolerance must be a number from 0 to 10, got NaN',
    );
    expect(messageOf(() => numberAt(1n, 'r.tolerance', { min: 0, max: 10 }))).toBe(
      'leakproof: r.tolerance must be a number from 0 to 10, got 1n',
    );
  });

  test.each([
    [0, '0'],
    [-1, '-1'],
    [Infinity, 'Infinity'],
    ['2', '"2"'],
    [2n, '2n'],
  ])('positiveAt rejects %p', (value, shown) => {
    expect(messageOf(() => positiveAt(value, 'options.perCall'))).toBe(
      `leakproof: options.perCall must be a positive number, got ${shown}`,
    );
  });

  test('positiveAt accepts fractions above 0', () => {
    expect(positiveAt(0.5, 'p')).toBe(0.5);
  });
});

describe('booleans and choices', () => {
  test('boolAt', () => {
    expect(boolAt(true, 'p')).toBe(true);
    expect(messageOf(() => boolAt(1, 'options.explain'))).toBe('leakproof: options.explain must be true or false, got 1');
    expect(messageOf(() => boolAt('false', 'options.explain'))).toBe('leakproof: options.explain must be true or false, got "false"');
  });

  test('oneOf lists the choices as they are written, strings quoted', () => {
    expect(oneOf('warn', 'p.mode', ['fail', 'warn', 'off'])).toBe('warn');
    expect(oneOf(undefined, 'p.mode', ['fail', 'warn', 'off'], { default: 'off' })).toBe('off');
    expect(oneOf(false, 'p.annotations', ['auto', true, false])).toBe(false);
    expect(messageOf(() => oneOf('loud', 'p.mode', ['fail', 'warn', 'off']))).toBe(
      'leakproof: p.mode must be one of "fail", "warn", "off", got "loud"',
    );
    expect(messageOf(() => oneOf('yes', 'p.annotations', ['auto', true, false]))).toBe(
      'leakproof: p.annotations must be one of "auto", true, false, got "yes"',
    );
  });
});

describe('lists', () => {
  test('stringsAt: strings only, named as the caller says', () => {
    const given = ['Timeout'];
    expect(stringsAt(given, 'p')).toBe(given);
    expect(stringsAt(undefined, 'p', { default: [] })).toEqual([]);
    expect(messageOf(() => stringsAt('libsasl2.so', 'p.suppressions'))).toBe(
      'leakproof: p.suppressions must be an array of strings, got "libsasl2.so"',
    );
    expect(messageOf(() => stringsAt([/Timeout/], 'p.ignore'))).toBe('leakproof: p.ignore must be an array of strings, got [/Timeout/]');
    expect(messageOf(() => stringsAt([1], 'options.skip', { items: 'path substrings' }))).toBe(
      'leakproof: options.skip must be an array of path substrings, got [1]',
    );
  });

  test('patternsAt: strings and RegExps, RegExps of another realm included', () => {
    const foreign = runInNewContext('/^Leaky/');
    expect(foreign instanceof RegExp).toBe(false);
    expect(isRegExp(foreign)).toBe(true);
    expect(patternsAt(['a', /b/, foreign], 'p')).toEqual(['a', /b/, foreign]);
    expect(messageOf(() => patternsAt(['a', 1n], 'options.ignore'))).toBe(
      'leakproof: options.ignore must be an array of strings or regular expressions, got ["a",1n]',
    );
    expect(messageOf(() => patternsAt(/a/, 'options.ignore'))).toBe(
      'leakproof: options.ignore must be an array of strings or regular expressions, got /a/',
    );
  });

  test('a RegExp look-alike is not a RegExp', () => {
    expect(isRegExp({ source: 'a', flags: '' })).toBe(false);
    expect(isPlainObject(/a/)).toBe(false);
  });
});

test('the helpers are exported by @leakproof/core, and LeakOptionsError is OptionsError', () => {
  expect(core.OptionsError).toBe(OptionsError);
  expect(core.LeakOptionsError).toBe(OptionsError);
  expect(core.describeValue).toBe(describeValue);
  for (const name of ['objectAt', 'knownKeys', 'intAt', 'numberAt', 'positiveAt', 'boolAt', 'oneOf', 'stringsAt', 'patternsAt'] as const) {
    expect(typeof core[name]).toBe('function');
  }
});
