import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyBaselinePolicy } from './baseline-policy';
import { findingsOf } from './report-builder';
import { REPORT_SCHEMA_VERSION, type LeakReport } from './report-types';
import { schemaProblems } from './schema-validation';
import { verdictLine } from './text-summary';

export interface MergeOptions {
  /** Where the tests live: baseline paths and deleted-file checks are relative to it. */
  rootDir: string;
  /** Absolute baseline path, or null for no baseline. */
  baseline: string | null;
  tolerance: number;
  update: boolean;
  /** Merge shard reports that ran no test file (jest --passWithNoTests with fewer files than shards). */
  allowEmpty?: boolean;
  now?: Date;
}

/** Bad input to merge (missing file, corrupt report, duplicate test): exit code 2. */
export class MergeInputError extends Error {
  override name = 'MergeInputError';
}

/**
 * One report from the reports of all shards, with the baseline applied once over the whole run
 * (a shard cannot tell a fixed leak from a test another shard ran). Returns the merged report
 * and the error that should fail the job (regression or invalid baseline), if any.
 */
export function mergeReports(files: string[], options: MergeOptions): { report: LeakReport; error: Error | null } {
  if (files.length === 0) throw new MergeInputError('leakproof merge: no report files given');
  const reports = files.map(readShardReport);
  checkShardSet(files, reports, options.allowEmpty ?? false);
  const owner = new Map<string, string>();
  for (const [i, report] of reports.entries()) {
    for (const file of report.files) {
      const other = owner.get(file.testPath);
      if (other)
        throw new MergeInputError(
          `leakproof merge: ${file.testPath} is in both ${other} and ${files[i]}: the same test ran in two shards (the same report passed twice, or shards of different runs?)`,
        );
      owner.set(file.testPath, files[i]);
    }
  }
  const rootDirs = new Set(reports.map((r) => r.rootDir));
  const merged: LeakReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: reports[0].tool,
    createdAt: (options.now ?? new Date()).toISOString(),
    rootDir: rootDirs.size === 1 ? reports[0].rootDir : options.rootDir,
    shard: null,
    files: reports.flatMap((r) => r.files).sort((a, b) => a.testPath.localeCompare(b.testPath)),
    tests: reports.flatMap((r) => r.tests).sort((a, b) => a.testPath.localeCompare(b.testPath)),
    baseline: null,
    verdict: { ok: true, summary: '' },
  };
  // Each shard judged against the baseline on its own: judge again, once, over everything.
  for (const { finding } of findingsOf(merged)) finding.baseline = 'not-governed';
  let error: Error | null = null;
  if (options.baseline) {
    error = applyBaselinePolicy(merged, {
      file: options.baseline,
      displayPath: path.relative(options.rootDir, options.baseline) || options.baseline,
      tolerance: options.tolerance,
      update: options.update,
      readOnlyReason: null,
      judgeObsolete: true,
      fileExists: (testPath) => existsSync(path.join(options.rootDir, testPath)),
    });
  } else {
    merged.verdict = verdictLine(merged);
    if (!merged.verdict.ok) error = new Error(merged.verdict.summary);
  }
  return { report: merged, error };
}

function readShardReport(file: string): LeakReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist (did that shard fail before its reporter wrote it, or was its artifact not downloaded?)'
        : `cannot be read (${(error as Error).message})`;
    throw new MergeInputError(`leakproof merge: ${file} ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MergeInputError(`leakproof merge: ${file} is not valid JSON (${(error as Error).message})`);
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== REPORT_SCHEMA_VERSION) {
    const writer =
      version > REPORT_SCHEMA_VERSION ? 'a newer @leakproof/jest-reporter' : 'an older @leakproof/jest-reporter (leakproof 0.1)';
    throw new MergeInputError(
      `leakproof merge: ${file} has schemaVersion ${version}, written by ${writer}; this one reads version ${REPORT_SCHEMA_VERSION}: ` +
        'the shards must be produced by the same leakproof version as the merge (use the same version in every job and rerun the shards)',
    );
  }
  const problems = schemaProblems('report', value);
  if (problems.length > 0) throw new MergeInputError(`leakproof merge: ${file} is not a leakproof report: ${problems.join('; ')}`);
  return value as LeakReport;
}

/**
 * Shards of one run: written by one reporter version, same count, each index in range and once,
 * none missing, and (unless allowed) none that ran no test file.
 */
function checkShardSet(files: string[], reports: LeakReport[], allowEmpty: boolean): void {
  const versions = new Set(reports.map((r) => `${r.tool.name}@${r.tool.version}`));
  if (versions.size > 1) {
    throw new MergeInputError(
      `leakproof merge: the reports were written by different leakproof versions (${reports.map((r, i) => `${files[i]}: ${r.tool.name}@${r.tool.version}`).join(', ')}): ` +
        'use the same version in every shard job and rerun the shards',
    );
  }
  if (!allowEmpty) {
    const empty = reports.findIndex((r) => r.files.length === 0);
    if (empty !== -1) {
      throw new MergeInputError(
        `leakproof merge: ${files[empty]} ran no test file (a shard job that found no tests, or the report of another job?); ` +
          'when that is expected (jest --passWithNoTests with fewer test files than shards), pass --allow-empty',
      );
    }
  }
  const sharded = reports.filter((r) => r.shard);
  if (sharded.length === 0) return;
  const counts = new Set(sharded.map((r) => r.shard!.shardCount));
  if (counts.size > 1 || sharded.length !== reports.length) {
    throw new MergeInputError(
      `leakproof merge: the reports are not shards of one run (shard counts: ${reports.map((r, i) => `${files[i]}: ${r.shard ? `${r.shard.shardIndex}/${r.shard.shardCount}` : 'not sharded'}`).join(', ')})`,
    );
  }
  const count = [...counts][0];
  const byIndex = new Map<number, string>();
  for (const [i, r] of reports.entries()) {
    const index = r.shard!.shardIndex;
    if (!Number.isInteger(index) || index < 1 || index > count) {
      throw new MergeInputError(
        `leakproof merge: ${files[i]} says it is shard ${index} of ${count}, but shards are numbered 1 to ${count}`,
      );
    }
    const other = byIndex.get(r.shard!.shardIndex);
    if (other) throw new MergeInputError(`leakproof merge: ${other} and ${files[i]} are both shard ${r.shard!.shardIndex}/${count}`);
    byIndex.set(r.shard!.shardIndex, files[i]);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new MergeInputError(
      `leakproof merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing: pass the report of every shard`,
    );
}
