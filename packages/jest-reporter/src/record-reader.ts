import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readRecord, RECORD_DIR_ENV, type FileLeakRecord } from '@leakproof/record';

/**
 * The directory the environment writes one FileLeakRecord per test file into. Created in Jest's
 * parent process, before the workers are forked, so that they inherit the variable. A directory
 * set by someone else (a wrapper script, an outer Jest run) is used as is and never removed.
 */
export class RecordDirectory {
  readonly dir: string;
  private readonly owned: boolean;
  /** File names already parsed. */
  private readonly seen = new Set<string>();
  /** Records not yet claimed, per absolute testPath (a file run by two projects has two). */
  private readonly byTestPath = new Map<string, FileLeakRecord[]>();
  /** Files that could not be read yet (a writer not done): retried, reported if still bad at the end. */
  private readonly unreadable = new Map<string, string>();

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const existing = env[RECORD_DIR_ENV];
    if (existing) {
      this.dir = existing;
      this.owned = false;
    } else {
      this.dir = mkdtempSync(path.join(tmpdir(), 'leakproof-records-'));
      this.owned = true;
      env[RECORD_DIR_ENV] = this.dir;
      // A run that never completes (Jest killed by an uncaught error, watch mode quit) still
      // leaves no directory behind.
      process.once('exit', this.removeOnExit);
    }
  }

  private readonly removeOnExit = (): void => rmSync(this.dir, { recursive: true, force: true });

  /** The record of one test file, or null (not run with the leakproof environment, or no writer). */
  take(testPath: string): FileLeakRecord | null {
    let queue = this.byTestPath.get(testPath);
    if (!queue?.length) {
      this.scan();
      queue = this.byTestPath.get(testPath);
    }
    return queue?.shift() ?? null;
  }

  /** Problems worth a warning: record files that never became valid JSON of a known version. */
  problems(): string[] {
    this.scan();
    return [...this.unreadable].sort().map(([file, why]) => `${path.join(this.dir, file)}: ${why}`);
  }

  /** Removes the directory if this reporter created it. */
  dispose(env: NodeJS.ProcessEnv = process.env): void {
    if (!this.owned) return;
    process.removeListener('exit', this.removeOnExit);
    rmSync(this.dir, { recursive: true, force: true });
    if (env[RECORD_DIR_ENV] === this.dir) delete env[RECORD_DIR_ENV];
  }

  private scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return; // removed under us: nothing to read
    }
    for (const name of names) {
      if (!name.endsWith('.json') || this.seen.has(name)) continue;
      const result = readRecord(path.join(this.dir, name));
      if (typeof result === 'string') {
        this.unreadable.set(name, result);
        continue;
      }
      this.unreadable.delete(name);
      this.seen.add(name);
      const queue = this.byTestPath.get(result.testPath) ?? [];
      queue.push(result);
      this.byTestPath.set(result.testPath, queue);
    }
  }
}
