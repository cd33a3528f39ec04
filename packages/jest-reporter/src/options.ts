/** Reporter options: `reporters: [['@leakproof/jest-reporter', { ... }]]`. */
export interface ReporterOptions {
  /** JSON report path, relative to rootDir; false: none. Default `leakproof-report.json`. */
  outputFile?: string | false;
  /** HTML report path, relative to rootDir; false: none. Default `leakproof-report.html`. */
  htmlFile?: string | false;
  /** Baseline path, relative to rootDir; false: no baseline. Default `leakproof-baseline.json`. */
  baseline?: string | false;
  /** Growth over the baseline size that still passes, 0.25 = +25%. 0..10. */
  tolerance?: number;
  /** GitHub Actions annotations: 'auto' (when GITHUB_ACTIONS=true), true or false. */
  annotations?: 'auto' | boolean;
}

export interface ResolvedReporterOptions {
  outputFile: string | false;
  htmlFile: string | false;
  baseline: string | false;
  tolerance: number;
  annotations: 'auto' | boolean;
}

export const DEFAULT_OPTIONS: ResolvedReporterOptions = {
  outputFile: 'leakproof-report.json',
  htmlFile: 'leakproof-report.html',
  baseline: 'leakproof-baseline.json',
  tolerance: 0.25,
  annotations: 'auto',
};

/** Fills defaults; throws naming the option, the value and what is valid. */
export function resolveReporterOptions(raw: unknown): ResolvedReporterOptions {
  if (raw === undefined || raw === null) return { ...DEFAULT_OPTIONS };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw optionError('options', raw, 'an object');
  const options = raw as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_OPTIONS))
      throw new Error(`@leakproof/jest-reporter: unknown option "${key}"; valid options: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`);
  }
  const resolved = { ...DEFAULT_OPTIONS };
  for (const key of ['outputFile', 'htmlFile', 'baseline'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (value !== false && (typeof value !== 'string' || value === '')) throw optionError(key, value, 'a file path or false');
    resolved[key] = value;
  }
  if (options.tolerance !== undefined) {
    const value = options.tolerance;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 10)
      throw optionError('tolerance', value, 'a number from 0 to 10 (0.25 = +25%)');
    resolved.tolerance = value;
  }
  if (options.annotations !== undefined) {
    const value = options.annotations;
    if (value !== 'auto' && typeof value !== 'boolean') throw optionError('annotations', value, "'auto', true or false");
    resolved.annotations = value;
  }
  return resolved;
}

function optionError(name: string, value: unknown, valid: string): Error {
  return new Error(`@leakproof/jest-reporter: option "${name}" is ${JSON.stringify(value)}; expected ${valid}`);
}
