import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { registerOwnCode } from '@leakproof/core';
import type { Judgement } from '../checks';
import { HandlesCheck } from '../handles-check';

/** Jest's own timer for the running test's timeout is open too: only what this file created counts. */
function ofThisFile(judgement: Judgement | undefined): Judgement['findings'] {
  return judgement?.findings.filter((f) => f.site !== null) ?? [];
}

describe('the handles check', () => {
  let check: HandlesCheck;
  const timers: NodeJS.Timeout[] = [];
  beforeEach(() => {
    check = new HandlesCheck({ mode: 'fail', graceMs: 0, ignore: [], includeUnref: false });
    check.loading();
    check.loaded(false);
    check.testRunning(true);
    check.window('t0');
  });
  afterEach(() => {
    check.dispose();
    timers.splice(0).forEach(clearInterval);
  });

  test('judges what the test left open when it ends, the creation stack kept as frames', async () => {
    timers.push(setInterval(() => {}, 60_000));
    const judgement = await check.testDone('t0');
    expect(judgement).toMatchObject({ owner: 't0', outcome: 'failed' });
    const site = { lang: 'js', function: '', file: __filename, line: expect.any(Number), column: expect.any(Number) };
    expect(ofThisFile(judgement)).toEqual([
      { kind: 'handles', name: 'Timeout', site, stack: [site], count: 1, bytes: 0, per: 'test', perRound: [] },
    ]);
    // Judged once: not the file's as well.
    expect(await check.fileDone()).toEqual([]);
  });

  test("a resource leakproof makes for itself (a matcher explanation's snapshot Worker) is not charged to the test", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leakproof-own-'));
    try {
      writeFileSync(path.join(dir, 'own.js'), 'exports.open = () => setInterval(() => {}, 60_000);\n');
      registerOwnCode(dir);
      // A module written at run time, loaded by its path.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const own = require(path.join(dir, 'own.js')) as { open(): NodeJS.Timeout };
      timers.push(own.open());
      expect(ofThisFile(await check.testDone('t0'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("while paused (a matcher measures) nothing is recorded; after resume, the window is the test's again", async () => {
    await check.pause();
    timers.push(setInterval(() => {}, 60_000));
    check.resume('t0');
    expect(ofThisFile(await check.testDone('t0'))).toEqual([]);
    timers.push(setInterval(() => {}, 60_000));
    expect(ofThisFile(await check.testDone('t0')).map((f) => f.name)).toEqual(['Timeout']);
  });
});
