import { readFileSync } from 'node:fs';
import { identityKey, identityText } from './identity';
import type { BaselineEntry, StableSite } from './report-types';
import { schemaProblems } from './schema-validation';

/**
 * leakproof-baseline.json, schema in ../schema/baseline.schema.json. 2: entries are identities
 * made of fields (name, site as function + file or object); 1 (leakproof 0.1) keyed them on
 * display text, which cannot be converted back into fields.
 */
export const BASELINE_SCHEMA_VERSION = 2;

export interface Baseline {
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  findings: BaselineEntry[];
}

/** How to make a new baseline, as the reporter's update triggers are (baseline-policy.ts, docs/ci.md). */
const REGENERATE =
  'regenerate it: LEAKPROOF_UPDATE_BASELINE=1 npx jest (or npx jest -u, which also updates snapshots) without --ci ' +
  '(--ci never writes the baseline; Jest turns it on when CI=true, so pass --ci=false there), or for a sharded run ' +
  'leakproof merge <shard reports> --update; then review the diff and commit it';

/** A baseline that cannot be used: the message names the file, what is wrong and what to do. */
export class BaselineError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    remedy = `fix it or restore it from version control (git checkout -- ${file})`,
  ) {
    super(`leakproof: baseline ${file}: ${problem}. The file was left as is; ${remedy}.`);
    this.name = 'BaselineError';
  }
}

/**
 * A baseline written by leakproof 0.1 (schemaVersion 1): its entries name findings by display
 * text, which cannot be turned back into the fields identities are made of. Compare mode stops
 * on it; update mode replaces it (baseline-policy.ts).
 */
export class OldBaselineError extends BaselineError {
  constructor(
    file: string,
    readonly schemaVersion: number,
  ) {
    super(
      file,
      `was written by leakproof 0.1 (schemaVersion ${schemaVersion}); this leakproof reads schemaVersion ${BASELINE_SCHEMA_VERSION}, ` +
        'whose entries name findings by their fields, and a version-1 entry cannot be converted',
      REGENERATE,
    );
    this.name = 'OldBaselineError';
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
  if (version === 1) throw new OldBaselineError(name, version);
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
    const key = identityKey(entry);
    if (seen.has(key)) throw new BaselineError(name, `lists the same finding twice: ${identityText(entry)}`);
    seen.add(key);
  }
  return baseline;
}

/** Sorted, 2-space JSON with a final newline: diffs in review show exactly what was accepted. */
export function formatBaseline(entries: BaselineEntry[]): string {
  // By the readable identity (what a reviewer scans), the canonical key breaking ties. Each
  // entry's fields in the schema's order, whatever order its object was built in.
  const findings = [...entries]
    .sort((a, b) => identityText(a).localeCompare(identityText(b)) || identityKey(a).localeCompare(identityKey(b)))
    .map(({ testPath, fullName, kind, name, site, per, count, bytes }) => ({
      testPath,
      fullName,
      kind,
      name,
      site: ordered(site),
      per,
      count,
      bytes,
    }));
  const baseline: Baseline = { schemaVersion: BASELINE_SCHEMA_VERSION, findings };
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

function ordered(site: StableSite | null): StableSite | null {
  if (site === null) return null;
  return 'file' in site ? { function: site.function, file: site.file } : { function: site.function, object: site.object };
}
