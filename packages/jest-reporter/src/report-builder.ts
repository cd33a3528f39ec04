import type { JsSite, LeakFinding, NativeAllocation, NativeSite, RetainerHop, Site } from '@leakproof/core';
import type { FileLeakRecord, LeakCheckRecord } from '@leakproof/record';
import type { TestResult } from '@jest/test-result';
import { findingIdentity, identityText, relativeTestPath } from './identity';
import {
  REPORT_SCHEMA_VERSION,
  type LeakReport,
  type ReportCheck,
  type ReportFile,
  type ReportTest,
  type TestStatus,
} from './report-types';

/** The subset of Jest's TestResult the report reads (kept small so tests can build one by hand). */
export type JestFileResult = Pick<TestResult, 'testFilePath' | 'testResults' | 'numFailingTests'> & {
  testExecError?: TestResult['testExecError'];
};

export interface FileReport {
  file: ReportFile;
  tests: ReportTest[];
}

/**
 * Jest's result for one file plus the environment's record: Jest knows which tests ran and how
 * they ended, the record knows what was measured. Tests are matched on fullName, in order (two
 * tests may share a name).
 */
export function buildFileReport(rootDir: string, result: JestFileResult, record: FileLeakRecord | null): FileReport {
  const testPath = relativeTestPath(rootDir, result.testFilePath);
  const recorded = new Map<string, FileLeakRecord['tests']>();
  for (const test of record?.tests ?? []) recorded.set(test.fullName, [...(recorded.get(test.fullName) ?? []), test]);

  const tests: ReportTest[] = result.testResults.map((assertion) => {
    const own = recorded.get(assertion.fullName)?.shift();
    return {
      testPath,
      fullName: assertion.fullName,
      titlePath: [...assertion.ancestorTitles, assertion.title],
      status: assertion.status as TestStatus,
      location: own?.location ?? assertion.location ?? null,
      checks: (own?.checks ?? []).map((check) => reportCheck(rootDir, testPath, assertion.fullName, check)),
    };
  });
  // Records Jest did not list (a test renamed at run time, a failed file): kept, never dropped.
  for (const rest of recorded.values()) {
    for (const test of rest) {
      tests.push({
        testPath,
        fullName: test.fullName,
        titlePath: test.titlePath,
        status: 'unknown',
        location: test.location ?? null,
        checks: test.checks.map((check) => reportCheck(rootDir, testPath, test.fullName, check)),
      });
    }
  }
  if (record && record.fileChecks.length > 0) {
    tests.push({
      testPath,
      fullName: '',
      titlePath: [],
      status: result.testExecError || result.numFailingTests > 0 ? 'failed' : 'passed',
      location: null,
      checks: record.fileChecks.map((check) => reportCheck(rootDir, testPath, '', check)),
    });
  }
  return {
    file: {
      testPath,
      status: result.testExecError || result.numFailingTests > 0 ? 'failed' : 'passed',
      recorded: record !== null,
      nativeTracking: record?.nativeTracking ?? null,
    },
    tests,
  };
}

/**
 * Copies the fields the report schema knows, no more: a field the environment adds later must
 * not make the report invalid against its own schema (it is added here, with the schema).
 */
function reportCheck(rootDir: string, testPath: string, fullName: string, check: LeakCheckRecord): ReportCheck {
  const out: ReportCheck = {
    source: check.source,
    outcome: check.outcome,
    findings: check.findings.map((finding) => {
      const identity = findingIdentity(rootDir, testPath, fullName, finding);
      return { ...pickFinding(finding), id: identityText(identity), identity, baseline: 'not-governed' as const };
    }),
  };
  if (check.measurement) {
    const { leaked, runs, totalCalls, durationMs, notes } = check.measurement;
    out.measurement = {
      leaked,
      runs: runs.map(({ warmupCalls, callsPerRound, rounds, growing, sporadic }) => ({
        warmupCalls,
        callsPerRound,
        rounds,
        growing: growing.map((g) => ({ kind: g.kind, site: g.site ? pickSite(g.site) : null })),
        sporadic: sporadic.map((g) => ({ kind: g.kind, site: g.site ? pickSite(g.site) : null })),
      })),
      totalCalls,
      durationMs,
      notes,
    };
  }
  return out;
}

/**
 * The known fields, at every level (sites, hops, allocations): the record is another package's
 * output, read as data, and the report's schema lists exactly these.
 */
function pickFinding(finding: LeakFinding): LeakFinding {
  const out: LeakFinding = {
    kind: finding.kind,
    name: finding.name ?? null,
    site: finding.site ? pickSite(finding.site) : null,
    count: finding.count,
    bytes: finding.bytes,
    per: finding.per,
    perRound: finding.perRound,
  };
  if (finding.noJsFrame) out.noJsFrame = true;
  if (finding.stack) out.stack = finding.stack.map(pickJsSite);
  if (finding.retainers) out.retainers = finding.retainers.map(pickHop);
  if (finding.allocations) out.allocations = finding.allocations.map(pickAllocation);
  return out;
}

function pickSite(site: Site): Site {
  return site.lang === 'js' ? pickJsSite(site) : pickNativeSite(site);
}

function pickJsSite({ lang, function: fn, file, line, column }: JsSite): JsSite {
  return { lang, function: fn, file, line, column };
}

function pickNativeSite({ lang, function: fn, object, offset }: NativeSite): NativeSite {
  return { lang, function: fn, object, offset };
}

function pickHop({ holder, root, edge, edgeKind }: RetainerHop): RetainerHop {
  return root === undefined ? { holder, edge, edgeKind } : { holder, root, edge, edgeKind };
}

function pickAllocation({ allocator, stack, count, bytes }: NativeAllocation): NativeAllocation {
  return { allocator, stack: stack.map(pickNativeSite), count, bytes };
}

/** The whole report, before the baseline is applied (see baseline-compare.ts). */
export function assembleReport(options: {
  rootDir: string;
  files: FileReport[];
  shard: LeakReport['shard'];
  toolVersion: string;
  now?: Date;
}): LeakReport {
  const files = [...options.files].sort((a, b) => a.file.testPath.localeCompare(b.file.testPath));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: '@leakproof/jest-reporter', version: options.toolVersion },
    createdAt: (options.now ?? new Date()).toISOString(),
    rootDir: options.rootDir,
    shard: options.shard,
    files: files.map((f) => f.file),
    tests: files.flatMap((f) => f.tests),
    baseline: null,
    verdict: { ok: true, summary: '' },
  };
}

/** Every finding of the report with the test it belongs to and the check it came from. */
export function* findingsOf(report: Pick<LeakReport, 'tests'>) {
  for (const test of report.tests) {
    for (const check of test.checks) {
      for (const finding of check.findings) yield { test, check, finding };
    }
  }
}

/**
 * Findings the baseline governs: those whose check did not fail the test (warn-mode environment
 * checks, heap under the fail threshold, leaks pinned by toLeak). A failed check fails the run
 * through Jest already; a baseline cannot make that test pass, so it is never written there.
 */
export function isGoverned(check: Pick<LeakCheckRecord, 'outcome'>): boolean {
  return check.outcome !== 'failed';
}
