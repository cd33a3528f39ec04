import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RECORD_DIR_ENV, type FileLeakRecord } from '@leakproof/record';
import LeakproofReporter from '../index';
import type { ReporterOptions } from '../options';
import type { JestFileResult } from '../report-builder';
import type { LeakReport } from '../report-types';

export interface FileRun {
  result: JestFileResult;
  record?: FileLeakRecord;
}

export interface ReporterRun {
  error: Error | undefined;
  report: LeakReport | null;
  stderr: string;
  stdout: string;
  recordDir: string;
}

/** A project directory with test files that exist (deleted-file checks look at the disk). */
export function makeProject(testFiles: string[] = []): string {
  const root = mkdtempSync(path.join(tmpdir(), 'leakproof-reporter-test-'));
  for (const file of testFiles) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '// test file\n');
  }
  return root;
}

export function removeProject(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Drives the reporter like Jest does (constructor, onRunStart, onTestFileResult per file,
 * onRunComplete), with the records written into its directory the way the environment would.
 * The record variable of the outer run (this repo tests itself with the reporter) is hidden.
 */
export async function runReporter(
  rootDir: string,
  files: FileRun[],
  {
    options,
    globalConfig = {},
    env = {},
    terminal,
  }: {
    options?: ReporterOptions;
    globalConfig?: Record<string, unknown>;
    env?: Record<string, string | undefined>;
    /** stderr as a terminal of this width; without it, stderr is not a terminal (whatever runs the tests). */
    terminal?: { columns: number };
  } = {},
): Promise<ReporterRun> {
  const saved = { ...process.env };
  delete process.env[RECORD_DIR_ENV];
  delete process.env.GITHUB_ACTIONS;
  delete process.env.LEAKPROOF_UPDATE_BASELINE;
  Object.assign(process.env, env);
  const stderrTerminal = { isTTY: process.stderr.isTTY, columns: process.stderr.columns };
  Object.assign(process.stderr, terminal ? { isTTY: true, columns: terminal.columns } : { isTTY: false, columns: undefined });
  let stderr = '';
  let stdout = '';
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  try {
    const config: Record<string, unknown> = { rootDir, ci: false, updateSnapshot: 'new', ...globalConfig };
    const reporter = new LeakproofReporter(config as never, options);
    const recordDir = process.env[RECORD_DIR_ENV]!;
    reporter.onRunStart();
    files.forEach((file, i) => {
      if (file.record) writeFileSync(path.join(recordDir, `record-${i}.json`), JSON.stringify(file.record));
      reporter.onTestFileResult({} as never, file.result as never);
    });
    reporter.onRunComplete(new Set(), { numTotalTestSuites: files.length } as never);
    const shard = config.shard as { shardIndex: number; shardCount: number } | undefined;
    const reportName =
      typeof options?.outputFile === 'string'
        ? options.outputFile
        : shard
          ? `leakproof-report.shard-${shard.shardIndex}-of-${shard.shardCount}.json`
          : 'leakproof-report.json';
    let report: LeakReport | null = null;
    try {
      report = JSON.parse(readFileSync(path.resolve(rootDir, reportName), 'utf8'));
    } catch {
      report = null;
    }
    return { error: reporter.getLastError(), report, stderr, stdout, recordDir };
  } finally {
    err.mockRestore();
    out.mockRestore();
    Object.assign(process.stderr, stderrTerminal);
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
