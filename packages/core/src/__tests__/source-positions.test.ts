/** @jest-environment node */
import { readFileSync } from 'node:fs';
import * as vm from 'node:vm';
import {
  InspectorClient,
  jsSite,
  measureLeaks,
  resolveLeakOptions,
  siteText,
  SourcePositions,
  whatText,
  type CallUnderTest,
  type JsSite,
} from '@leakproof/core';

// An inspector session of this file's own (Jest's plain node environment, docblock above).
const client = new InspectorClient();
afterAll(() => client.disconnect());

const site = (fn: string, file: string, line: number, column: number): JsSite => ({ lang: 'js', function: fn, file, line, column });

const inlineMap = (map: object) =>
  `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;

// A script whose inline map sends generated line 1, column 0 to line 10, column 0 of original.ts
// (mappings "AASA": generated column 0, source 0, original line +9, original column 0).
const GENERATED = '/tmp/leakproof-source-positions/generated.js';
vm.runInThisContext(
  `globalThis.leakproofProbe = function probe() { return []; };\n${inlineMap({ version: 3, sources: ['original.ts'], names: [], mappings: 'AASA' })}`,
  { filename: GENERATED },
);
// Same, with a map that is not valid JSON: positions stay as they are, nothing throws.
const BROKEN = '/tmp/leakproof-source-positions/broken.js';
vm.runInThisContext('globalThis.leakproofBroken = 1;\n//# sourceMappingURL=data:application/json;base64,e30gbm90IGpzb24=', {
  filename: BROKEN,
});

test('a site and a frame in a script with an inline map move to the original file and line', () => {
  const positions = SourcePositions.read(client);
  expect(siteText(positions.site(site('probe', GENERATED, 1, 1)))).toBe('probe (/tmp/leakproof-source-positions/original.ts:10:1)');
  // A frame of an ES module, as a profile gives it (a file:// URL).
  expect(positions.site(jsSite('probe', `file://${GENERATED}`, 1, 5))).toEqual({
    lang: 'js',
    function: 'probe',
    file: '/tmp/leakproof-source-positions/original.ts',
    line: 10,
    column: 1,
  });
});

test('no map, a broken map, or native code (no script): unchanged', () => {
  const positions = SourcePositions.read(client);
  expect(siteText(positions.site(site('x', BROKEN, 1, 1)))).toBe(`x (${BROKEN}:1:1)`);
  expect(siteText(positions.site(site('y', '/nowhere/plain.js', 3, 4)))).toBe('y (/nowhere/plain.js:3:4)');
  const native = site('push', '', 0, 0);
  expect(positions.site(native)).toBe(native);
  const frame = site('z', '/nowhere/plain.js', 3, 4);
  expect(positions.site(frame)).toBe(frame);
});

test('an inspector that refuses the Debugger domain leaves positions as they are, without throwing', () => {
  const refusing = {
    on: () => () => undefined,
    post: () => {
      throw new Error('Debugger.enable: not allowed');
    },
  } as unknown as InspectorClient;
  const positions = SourcePositions.read(refusing);
  expect(positions.size).toBe(0);
  expect(siteText(positions.site(site('probe', GENERATED, 1, 1)))).toBe(`probe (${GENERATED}:1:1)`);
});

test('the maps are read again only when a file loaded since is asked for', () => {
  const first = SourcePositions.for(client, [GENERATED]);
  expect(SourcePositions.for(client, [GENERATED, BROKEN])).toBe(first);
  const later = '/tmp/leakproof-source-positions/later.js';
  expect(siteText(first.site(site('later', later, 1, 1)))).toBe(`later (${later}:1:1)`);
  vm.runInThisContext(
    `globalThis.leakproofLater = function later() {};\n${inlineMap({ version: 3, sources: ['later.ts'], names: [], mappings: 'AAIA' })}`,
    { filename: later },
  );
  const second = SourcePositions.for(client, [later]);
  expect(second).not.toBe(first);
  expect(siteText(second.site(site('later', later, 1, 1)))).toBe('later (/tmp/leakproof-source-positions/later.ts:5:1)');
});

// This file runs as ts-jest compiled it (imports rewritten, lines shifted). A leak found in it is
// reported at the line of this source, found by its marker comment. (V8's sampling profile names
// the allocating function by where it starts, not the allocating statement.)
const kept: object[] = [];
// The test finds this function's line by the marker comment on it: keep them on one line.
// prettier-ignore
function leakOneRecord(): void { // LEAK-SITE
  kept.push({ id: kept.length, at: Date.now() });
}

test('a leak in a transformed (TypeScript) file is reported at its line in the source', async () => {
  const line =
    readFileSync(__filename, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('// LEAK-' + 'SITE')) + 1;
  try {
    const verdict = await measureLeaks(leakOneRecord as CallUnderTest, resolveLeakOptions({ explain: false, native: 'off' }), { client });
    expect(verdict.leaked).toBe(true);
    const finding = verdict.findings.find((f) => f.kind === 'js-objects')!;
    expect(siteText(finding.site!)).toMatch(new RegExp(`^leakOneRecord \\(.*source-positions\\.test\\.ts:${line}:\\d+\\)$`));
    // No snapshot: no name; what the reader is told grew names the site at its source position.
    expect(finding.name).toBeNull();
    expect(whatText(finding)).toContain(siteText(finding.site!));
    expect(finding.stack![0]).toMatchObject({ function: 'leakOneRecord', line });
  } finally {
    kept.length = 0;
  }
});
