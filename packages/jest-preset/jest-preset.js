'use strict';
// The whole integration: the environment checks every test and registers the matchers itself,
// so no setupFilesAfterEnv entry is needed. Later: the leakproof reporter.
module.exports = {
  testEnvironment: require.resolve('@leakproof/jest-environment'),
};
