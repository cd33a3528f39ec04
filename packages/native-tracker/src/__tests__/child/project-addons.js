'use strict';
// Runs in a fresh node process (child.test.ts), as a test host would: what is loaded before the
// "test file" is the runner's, what it loads or requires after is the project's.
const path = require('node:path');
const probe = require(path.resolve(__dirname, '../../../dist/probe.js'));

const watch = process.argv[2] === 'watch';
if (watch) probe.watchAddonRequires();
// A tooling addon loaded by the "runner", and the tracker's own addon: neither is the project's.
require('@unrs/resolver-binding-linux-x64-gnu');
require('node-gyp-build')(path.resolve(__dirname, '../../..'));
const firstFile = probe.addonSnapshot();
const nothingYet = probe.projectAddons(firstFile);
require('@leakproof/native-corpus');
const afterLoad = probe.projectAddons(firstFile);
// A second "test file" in the same process requires the addon again: nothing new is mapped.
const secondFile = probe.addonSnapshot();
require('@leakproof/native-corpus/build/Release/corpus.node');
const afterRequireAgain = probe.projectAddons(secondFile);
// Without any snapshot (a host that took none), the tooling rule alone: the resolver is not the project's.
const withoutSnapshot = probe.projectAddons({ loaded: [] });
process.stdout.write(
  JSON.stringify({
    firstFile: firstFile.loaded.map((p) => path.basename(p)),
    nothingYet,
    afterLoad: afterLoad.map((p) => path.basename(p)),
    afterRequireAgain: afterRequireAgain.map((p) => path.basename(p)),
    withoutSnapshot: withoutSnapshot.map((p) => path.basename(p)),
  }),
);
