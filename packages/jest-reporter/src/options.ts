import { checkAt, knownKeys, numberAt, objectAt, oneOf } from '@leakproof/core';

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
  /** The summary's width in columns: 'auto' (the terminal's; 120 when not a terminal) or 40..1000. */
  summaryWidth?: 'auto' | number;
}

export interface ResolvedReporterOptions {
  outputFile: string | false;
  htmlFile: string | false;
  baseline: string | false;
  tolerance: number;
  annotations: 'auto' | boolean;
  summaryWidth: 'auto' | number;
}

export const DEFAULT_OPTIONS: ResolvedReporterOptions = {
  outputFile: 'leakproof-report.json',
  htmlFile: 'leakproof-report.html',
  baseline: 'leakproof-baseline.json',
  tolerance: 0.25,
  annotations: 'auto',
  summaryWidth: 'auto',
};

/** Where the options are written in the Jest config, for messages. */
const WHERE = 'reporters["@leakproof/jest-reporter"]';

/** Fills defaults; throws naming the option, the value and what is valid. */
export function resolveReporterOptions(raw: unknown): ResolvedReporterOptions {
  const options = objectAt(raw ?? {}, WHERE);
  knownKeys(options, Object.keys(DEFAULT_OPTIONS), WHERE);
  const file = (key: 'outputFile' | 'htmlFile' | 'baseline') =>
    checkAt(options[key], `${WHERE}.${key}`, 'a file path or false', isFileOrFalse, { default: DEFAULT_OPTIONS[key] });
  return {
    outputFile: file('outputFile'),
    htmlFile: file('htmlFile'),
    baseline: file('baseline'),
    tolerance: numberAt(options.tolerance, `${WHERE}.tolerance`, {
      min: 0,
      max: 10,
      note: '0.25 = +25%',
      default: DEFAULT_OPTIONS.tolerance,
    }),
    annotations: oneOf(options.annotations, `${WHERE}.annotations`, ['auto', true, false], { default: DEFAULT_OPTIONS.annotations }),
    summaryWidth: checkAt(options.summaryWidth, `${WHERE}.summaryWidth`, '"auto" or an integer from 40 to 1000', isWidth, {
      default: DEFAULT_OPTIONS.summaryWidth,
    }),
  };
}

function isFileOrFalse(value: unknown): value is string | false {
  return value === false || (typeof value === 'string' && value !== '');
}

function isWidth(value: unknown): value is 'auto' | number {
  return value === 'auto' || (Number.isInteger(value) && (value as number) >= 40 && (value as number) <= 1000);
}
