import {
  RECORD_DIR_ENV,
  RECORD_VERSION,
  writeRecord,
  type FileLeakRecord,
  type LeakCheckRecord,
  type TestLeakRecord,
} from '@leakproof/record';
import type { Circus } from '@jest/types';

/**
 * Collects every leak check of one test file (matcher verdicts, per-test checks) and writes them
 * for the reporter (@leakproof/record), when a reporter asked for them.
 */
export class LeakRecorder {
  private readonly tests = new Map<Circus.TestEntry, TestLeakRecord>();
  private readonly fileChecks: LeakCheckRecord[] = [];

  constructor(private readonly testPath: string) {}

  get enabled(): boolean {
    return Boolean(process.env[RECORD_DIR_ENV]);
  }

  add(test: Circus.TestEntry | undefined, check: LeakCheckRecord): void {
    if (!this.enabled) return;
    if (!test) {
      this.fileChecks.push(check);
      return;
    }
    let record = this.tests.get(test);
    if (!record) {
      const titlePath = titlePathOf(test);
      record = { titlePath, fullName: titlePath.join(' '), location: this.locationOf(test), checks: [] };
      this.tests.set(test, record);
    }
    record.checks.push(check);
  }

  /** Writes the file's record (atomically: the reporter may read while other workers write). */
  write(nativeTracking: FileLeakRecord['nativeTracking']): void {
    const dir = process.env[RECORD_DIR_ENV];
    if (!dir) return;
    writeRecord(dir, {
      version: RECORD_VERSION,
      testPath: this.testPath,
      tests: [...this.tests.values()],
      fileChecks: this.fileChecks,
      nativeTracking,
    });
  }

  /** The test's declaration line, from the error circus captures where `test()` was called. */
  private locationOf(test: Circus.TestEntry): TestLeakRecord['location'] {
    const stack = (test as { asyncError?: Error }).asyncError?.stack ?? '';
    for (const line of stack.split('\n')) {
      const at = line.lastIndexOf(this.testPath);
      if (at === -1) continue;
      const match = /^:(\d+):(\d+)/.exec(line.slice(at + this.testPath.length));
      if (match) return { line: Number(match[1]), column: Number(match[2]) };
    }
    return undefined;
  }
}

export function titlePathOf(test: Circus.TestEntry): string[] {
  const names: string[] = [];
  for (let block: Circus.DescribeBlock | undefined = test.parent; block && block.parent; block = block.parent) names.unshift(block.name);
  return [...names, test.name];
}
