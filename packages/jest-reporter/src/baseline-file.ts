import { readFileSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { entryId } from './identity';
import type { BaselineEntry } from './report-types';
import { schemaProblems } from './schema-validation';

/** leakproof-baseline.json, schema in ../schema/baseline.schema.json. */
export const BASELINE_SCHEMA_VERSION = 1;

export interface Baseline {
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  findings: BaselineEntry[];
}

/** A baseline that cannot be used: the message names the file and what is wrong. */
export class BaselineError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(
      `leakproof: baseline ${file}: ${problem}. The file was left as is; fix it or restore it from version control (git checkout -- ${file}).`,
    );
    this.name = 'BaselineError';
  }
}

/**
 * The baseline, null when the file does not exist; throws BaselineError on anything else.
 * `name` is how messages call the file (relative to rootDir).
 */
export function readBaseline(file: string, name = file): Baseline | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BaselineError(name, `cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(name, `is not valid JSON (${(error as Error).message}); a merge conflict left in it?`);
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > BASELINE_SCHEMA_VERSION) {
    throw new BaselineError(
      name,
      `has schemaVersion ${version}, written by a newer leakproof; this one reads version ${BASELINE_SCHEMA_VERSION}: upgrade @leakproof/jest-reporter`,
    );
  }
  const problems = schemaProblems('baseline', value);
  if (problems.length > 0) throw new BaselineError(name, `does not have the shape of a leakproof baseline: ${problems.join('; ')}`);
  const baseline = value as Baseline;
  const seen = new Set<string>();
  for (const entry of baseline.findings) {
    const id = entryId(entry);
    if (seen.has(id)) throw new BaselineError(name, `lists the same finding twice: ${id}`);
    seen.add(id);
  }
  return baseline;
}

/** Sorted, 2-space JSON with a final newline: diffs in review show exactly what was accepted. */
export function formatBaseline(entries: BaselineEntry[]): string {
  const findings = [...entries].sort((a, b) => entryId(a).localeCompare(entryId(b)));
  const baseline: Baseline = { schemaVersion: BASELINE_SCHEMA_VERSION, findings };
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

/**
 * Writes next to the target then renames: a crash or a full disk mid-write leaves the old
 * baseline whole (rename is atomic within a directory on POSIX).
 */
export function writeFileAtomic(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw error;
  }
}
