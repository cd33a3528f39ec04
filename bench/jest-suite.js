'use strict';
// Generates the plain-JS Jest suite of the overhead benchmark: FILES files x TESTS tests, each
// test doing a little ordinary work (arrays, objects, a few awaits) and one expect.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function testFile(fileIndex, tests) {
  return `'use strict';
const tick = () => new Promise((resolve) => setImmediate(resolve));

function makeRows(n, seed) {
  return Array.from({ length: n }, (_, i) => ({ id: i, label: 'row-' + (seed + i), tags: [i % 3, i % 5] }));
}

describe('file ${fileIndex}', () => {
  for (let t = 0; t < ${tests}; t++) {
    test('case ' + t, async () => {
      const rows = makeRows(200, t * ${fileIndex + 1});
      await tick();
      const byTag = new Map();
      for (const row of rows) byTag.set(row.tags[0], (byTag.get(row.tags[0]) || 0) + row.id);
      await Promise.resolve();
      const text = JSON.stringify(rows.slice(0, 20));
      await tick();
      expect(JSON.parse(text)).toHaveLength(20);
      expect(byTag.get(0)).toBeGreaterThan(0);
    });
  }
});
`;
}

/** Writes the suite into a new temporary directory and returns its path and test count. */
function generateSuite({ files = 10, tests = 20 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-bench-suite-'));
  for (let f = 0; f < files; f++) fs.writeFileSync(path.join(dir, `file-${String(f).padStart(2, '0')}.test.js`), testFile(f, tests));
  return { dir, files, tests: files * tests };
}

module.exports = { generateSuite };
