'use strict';
// The whole integration: the environment checks every test and registers the matchers itself,
// so no setupFilesAfterEnv entry is needed; the reporter prints the end-of-run leak summary,
// writes leakproof-report.json / .html and applies leakproof-baseline.json when there is one.
// A project's own `reporters` replaces this list (Jest does not merge it): keep
// '@leakproof/jest-reporter' in it (docs/ci.md).
module.exports = {
  testEnvironment: require.resolve('@leakproof/jest-environment'),
  reporters: ['default', require.resolve('@leakproof/jest-reporter')],
};
