import type { FileLeakRecord, LeakCheckRecord, LeakFinding, TestLeakRecord } from '@leakproof/core';
import type { JestFileResult } from '../report-builder';

/** Builders of what the environment writes and what Jest reports, for tests without a real run. */

export function finding(overrides: Partial<LeakFinding> = {}): LeakFinding {
  return {
    kind: 'js-objects',
    what: 'Array',
    countPerCall: 1,
    bytesPerCall: 32,
    per: 'call',
    perRound: [16, 16, 16, 16, 16],
    site: 'search (/repo/src/client.js:13:17)',
    retainerPath: ['(GC roots)', 'system / Context.controlRefs (closure variable)', 'Array[530]', 'Array'],
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
  return { version: 1, testPath, tests, fileChecks, nativeTracking: { available: false, reason: 'not wired' } };
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
