import type { JsSite, LeakFinding, NativeSite, RetainerHop } from '@leakproof/core';
import { RECORD_VERSION, type FileLeakRecord, type LeakCheckRecord, type TestLeakRecord } from '@leakproof/record';
import type { JestFileResult } from '../report-builder';

/** Builders of what the environment writes and what Jest reports, for tests without a real run. */

/** A JS frame, `search (file:13:17)` unless told otherwise. */
export function jsSite(file: string, fn = 'search', line = 13, column = 17): JsSite {
  return { lang: 'js', function: fn, file, line, column };
}

export function nativeSite(fn: string | null, object: string | null, offset: number): NativeSite {
  return { lang: 'native', function: fn, object, offset };
}

/** A module-level array held by a closure variable: `(GC roots)[7] -> system / Context.controlRefs (closure variable) -> Array[530] -> Array`. */
export const RETAINERS: RetainerHop[] = [
  { holder: '(GC roots)', root: 'other', edge: '7', edgeKind: 'element' },
  { holder: 'system / Context', edge: 'controlRefs', edgeKind: 'context' },
  { holder: 'Array', edge: '530', edgeKind: 'element' },
];

export function finding(overrides: Partial<LeakFinding> = {}): LeakFinding {
  return {
    kind: 'js-objects',
    name: 'Array',
    site: jsSite('/repo/src/client.js'),
    count: 1,
    bytes: 32,
    per: 'call',
    perRound: [16, 16, 16, 16, 16],
    retainers: RETAINERS,
    ...overrides,
  };
}

export function check(overrides: Partial<LeakCheckRecord> = {}): LeakCheckRecord {
  return { source: 'heap', outcome: 'warned', findings: [finding()], ...overrides };
}

export function testRecord(titlePath: string[], checks: LeakCheckRecord[], line = 3): TestLeakRecord {
  return { titlePath, fullName: titlePath.join(' '), location: { line, column: 1 }, checks };
}

export function fileRecord(testPath: string, tests: TestLeakRecord[], fileChecks: LeakCheckRecord[] = []): FileLeakRecord {
  return { version: RECORD_VERSION, testPath, tests, fileChecks, nativeTracking: { available: true } };
}

/** A Jest TestResult for a file, tests as [titlePath, status]. */
export function jestResult(testPath: string, tests: Array<[string[], string]>): JestFileResult & Record<string, unknown> {
  const testResults = tests.map(([titlePath, status]) => ({
    ancestorTitles: titlePath.slice(0, -1),
    title: titlePath[titlePath.length - 1],
    fullName: titlePath.join(' '),
    status,
    failureMessages: status === 'failed' ? ['boom'] : [],
    location: null,
    duration: 1,
    numPassingAsserts: 0,
    failureDetails: [],
  }));
  return {
    testFilePath: testPath,
    testResults: testResults as JestFileResult['testResults'],
    numFailingTests: tests.filter(([, s]) => s === 'failed').length,
    numPassingTests: tests.filter(([, s]) => s === 'passed').length,
    numPendingTests: 0,
    numTodoTests: 0,
    testExecError: undefined,
  };
}
