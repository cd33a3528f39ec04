import type { KnownSurvivors } from '@leakproof/core';

/**
 * What Jest itself keeps alive while the code under test runs, handed to the engine by this
 * adapter (core knows no test runner): survivors allocated through these are expected.
 */
export const JEST_KNOWN_SURVIVORS: KnownSurvivors[] = [
  // jest.fn() keeps every call's arguments and results until cleared (docs/configuration.md).
  { reason: 'jest.fn() call records', file: /[\\/]jest-mock[\\/]/ },
  // The module registry's first require of a module in the test's context.
  { reason: 'module initialisation', file: /[\\/]jest-runtime[\\/]/ },
];

/**
 * Jest's own code and the libraries it formats failures with: an allocation whose innermost frame
 * is here is Jest's cache, not the test's (the first failed toThrow keeps ~190 KB of
 * stack-formatting data).
 */
export const JEST_OWN_CODE =
  /[\\/]node_modules[\\/](jest-[^\\/]+|@jest[\\/][^\\/]+|expect|@jest\/expect-utils|pretty-format|source-map[^\\/]*|@jridgewell[\\/][^\\/]+|stack-utils)[\\/]/;

/**
 * Jest's reporters, which live in the test's process in band (one file, --runInBand): objects
 * they make while a leak is explained (the status line's cache) are Jest's, not the test's.
 */
export const JEST_RUNNER_HOLDERS =
  /^(DefaultReporter|VerboseReporter|SummaryReporter|NotifyReporter|CoverageReporter|GitHubActionsReporter|ReporterDispatcher|TestScheduler|LeakproofReporter)$/;
