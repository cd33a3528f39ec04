import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Reporter, ReporterContext, Test } from '@jest/reporters';
import type { AggregatedResult, TestResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import { githubAnnotations } from './annotations';
import { applyBaselinePolicy } from './baseline-policy';
import { relativeTestPath } from './identity';
import { resolveReporterOptions, type ReporterOptions, type ResolvedReporterOptions } from './options';
import { nativeTrackingNote } from './native-tracking-note';
import { RecordDirectory } from './record-reader';
import { assembleReport, buildFileReport, type FileReport } from './report-builder';
import { shardFileName, writeReports } from './report-outputs';
import type { LeakReport } from './report-types';
import { terminalWidth } from './text-fit';
import { textSummary, verdictLine } from './text-summary';

export type { ReporterOptions } from './options';
export type * from './report-types';
export { REPORT_SCHEMA_VERSION } from './report-types';
export { BASELINE_SCHEMA_VERSION, readBaseline, BaselineError, OldBaselineError } from './baseline-file';
export { findingIdentity, identityKey, identityText, stableSite } from './identity';
export { mergeReports } from './merge';

export const UPDATE_BASELINE_ENV = 'LEAKPROOF_UPDATE_BASELINE';
// Jest turns --ci on by itself when it detects a CI service (CI=true, ...): say so, since the
// user may never have typed --ci.
const CI_READ_ONLY =
  '--ci never writes the baseline (Jest turns --ci on by itself when it detects a CI environment such as CI=true; to write it, run with --ci=false)';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../package.json').version;

/**
 * The leakproof Jest reporter: reads what the environment measured in each test file, prints a
 * summary, writes the JSON and HTML reports, applies the baseline and fails the run (through
 * getLastError) on a new or grown finding. Constructed in Jest's parent process before the
 * workers exist, which is what lets it hand them the record directory through the environment.
 */
export default class LeakproofReporter implements Reporter {
  private readonly options: ResolvedReporterOptions;
  private records: RecordDirectory | null;
  private files: FileReport[] = [];
  /** Files that could not run (a syntax error, an invalid environment option): Jest shows why; nothing was measured. */
  private notRun = new Set<FileReport>();
  private lastError: Error | undefined;

  constructor(
    private readonly globalConfig: Config.GlobalConfig,
    options?: ReporterOptions,
    _context?: ReporterContext,
  ) {
    this.options = withoutStack(resolveReporterOptions, options);
    this.records = new RecordDirectory();
  }

  onRunStart(): void {
    // Watch mode runs again with the same reporter: a fresh directory and no leftovers.
    this.records ??= new RecordDirectory();
    this.files = [];
    this.notRun = new Set();
    this.lastError = undefined;
  }

  onTestFileResult(_test: Test, result: TestResult): void {
    try {
      const record = this.records?.take(result.testFilePath) ?? null;
      const file = buildFileReport(this.globalConfig.rootDir, result, record);
      if (result.testExecError && result.testResults.length === 0 && !record) this.notRun.add(file);
      this.files.push(file);
    } catch (error) {
      this.lastError = wrap(error, `reading the leak record of ${result.testFilePath}`);
    }
  }

  onRunComplete(_contexts: Set<unknown>, results: AggregatedResult): void {
    try {
      this.complete(results);
    } catch (error) {
      this.lastError = wrap(error, 'writing the report');
      process.stderr.write(`${this.lastError.message}\n`);
    } finally {
      this.records?.dispose();
      this.records = null;
    }
  }

  getLastError(): Error | undefined {
    return this.lastError;
  }

  private complete(results: AggregatedResult): void {
    const rootDir = this.globalConfig.rootDir;
    const shard = this.globalConfig.shard
      ? { shardIndex: this.globalConfig.shard.shardIndex, shardCount: this.globalConfig.shard.shardCount }
      : null;
    const report = assembleReport({ rootDir, files: this.files, shard, toolVersion: VERSION });
    const problems = [...(this.records?.problems() ?? [])];
    if (this.options.baseline) {
      const error = applyBaselinePolicy(report, {
        file: path.resolve(rootDir, this.options.baseline),
        displayPath: relativeTestPath(rootDir, path.resolve(rootDir, this.options.baseline)),
        tolerance: this.options.tolerance,
        update: this.globalConfig.updateSnapshot === 'all' || process.env[UPDATE_BASELINE_ENV] === '1',
        readOnlyReason: this.globalConfig.ci ? CI_READ_ONLY : shard ? 'one shard of a sharded run; use leakproof merge --update' : null,
        judgeObsolete: !shard,
        fileExists: (testPath) => existsSync(path.join(rootDir, testPath)),
      });
      this.lastError ??= error ?? undefined;
    } else {
      report.verdict = verdictLine(report);
    }
    // Only files that ran can say whether the environment was in use: one that could not run (an
    // invalid environment option stops it before the environment exists) has no record either way,
    // and Jest has already said why.
    const ran = this.files.filter((f) => !this.notRun.has(f));
    if (results.numTotalTestSuites > 0 && ran.length > 0 && ran.every((f) => !f.file.recorded)) {
      report.verdict.summary += ' (no leak records: run the tests with @leakproof/jest-environment, e.g. preset: "@leakproof/jest-preset")';
    }
    // No file could run and leakproof has nothing of its own to say (no finding, no baseline
    // problem, no unreadable record): Jest's errors are the only thing to read, so nothing is
    // printed; `no leaks found in 0 tests` would read as a clean run.
    const silent =
      this.files.length > 0 && ran.length === 0 && report.verdict.ok && report.tests.length === 0 && !report.baseline?.obsolete.length;
    if (silent) {
      const which = this.files.length === 1 ? 'the test file could not run' : `none of the ${this.files.length} test files could run`;
      report.verdict.summary = `leakproof: nothing checked: ${which}.`;
    }
    const outputs = writeReports(report, {
      json: this.options.outputFile && path.resolve(rootDir, shardFileName(this.options.outputFile, shard)),
      html: this.options.htmlFile && path.resolve(rootDir, shardFileName(this.options.htmlFile, shard)),
    });
    const annotate = this.options.annotations === 'auto' ? process.env.GITHUB_ACTIONS === 'true' : this.options.annotations;
    if (annotate) for (const line of githubAnnotations(report)) process.stdout.write(`${line}\n`);
    // The summary goes to stderr, as Jest's own: that terminal's width.
    const width = this.options.summaryWidth === 'auto' ? terminalWidth(process.stderr) : this.options.summaryWidth;
    const summary = textSummary(
      report,
      outputs.map((o) => relativeTestPath(rootDir, o)),
      width,
    );
    if (silent && problems.length === 0) return;
    const note = nativeTrackingNote(report.files);
    process.stderr.write(`${
      note
        ? `${note}
`
        : ''
    }${summary}
${problems
  .map(
    (p) => `leakproof: unreadable record ${p}
`,
  )
  .join('')}`);
  }
}

export { LeakproofReporter };
export type { LeakReport };

/**
 * An invalid reporter option stops Jest with the message alone: the stack would point into
 * leakproof's validator, not at the config. (Jest prefixes the message with the reporter's path,
 * which the stack then shows too.)
 */
function withoutStack<T>(resolve: (raw: unknown) => T, raw: unknown): T {
  try {
    return resolve(raw);
  } catch (error) {
    if (error instanceof Error) Object.defineProperty(error, 'stack', { get: () => error.message, configurable: true });
    throw error;
  }
}

function wrap(error: unknown, doing: string): Error {
  if (error instanceof Error && error.message.startsWith('leakproof')) return error;
  return new Error(`leakproof reporter: internal error while ${doing}: ${(error as Error)?.stack ?? error}`);
}
