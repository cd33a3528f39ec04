'use strict';
// The repository tests itself with its own preset: every test here runs under leakproof's checks.
/** @type {import('jest').Config} */
module.exports = {
  preset: '@leakproof/jest-preset',
  testMatch: ['<rootDir>/packages/*/src/__tests__/**/*.test.ts', '<rootDir>/fixtures/*/__tests__/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  testTimeout: 60_000,
  // Benchmarks keep copies of packages in their scratch dirs: not modules of this project.
  modulePathIgnorePatterns: ['<rootDir>/bench/', '<rootDir>/.cache/', '<rootDir>/leakproof-demo/'],
};
