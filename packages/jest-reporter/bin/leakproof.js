#!/usr/bin/env node
'use strict';
// `leakproof merge shard-1.json shard-2.json --out merged.json --baseline leakproof-baseline.json`
process.exitCode = require('../dist/merge-cli').main(process.argv.slice(2));
