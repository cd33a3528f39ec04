import { readFileSync } from 'node:fs';
import * as vm from 'node:vm';
import { SourcePositions, type CallUnderTest, type InspectorClient } from '@leakproof/core';
import { bridge, measure } from './bridge';

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
  const positions = SourcePositions.read(bridge.client);
  expect(positions.site(`probe (${GENERATED}:1:1)`)).toBe('probe (/tmp/leakproof-source-positions/original.ts:10:1)');
  expect(positions.frame({ functionName: 'probe', url: `file://${GENERATED}`, line: 1, column: 5 })).toEqual({
    functionName: 'probe',
    url: '/tmp/leakproof-source-positions/original.ts',
    line: 10,
    column: 1,
  });
});

test('no map, a broken map, or not a formatted site: unchanged', () => {
  const positions = SourcePositions.read(bridge.client);
  expect(positions.site(`x (${BROKEN}:1:1)`)).toBe(`x (${BROKEN}:1:1)`);
  expect(positions.site('y (/nowhere/plain.js:3:4)')).toBe('y (/nowhere/plain.js:3:4)');
  expect(positions.site('(allocated by native code, no JS frame)')).toBe('(allocated by native code, no JS frame)');
  const frame = { functionName: 'z', url: '/nowhere/plain.js', line: 3, column: 4 };
  expect(positions.frame(frame)).toBe(frame);
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
  expect(positions.site(`probe (${GENERATED}:1:1)`)).toBe(`probe (${GENERATED}:1:1)`);
});

test('the maps are read again only when a file loaded since is asked for', () => {
  const first = SourcePositions.for(bridge.client, [GENERATED]);
  expect(SourcePositions.for(bridge.client, [GENERATED, BROKEN])).toBe(first);
  const later = '/tmp/leakproof-source-positions/later.js';
  expect(first.site(`later (${later}:1:1)`)).toBe(`later (${later}:1:1)`);
  vm.runInThisContext(
    `globalThis.leakproofLater = function later() {};\n${inlineMap({ version: 3, sources: ['later.ts'], names: [], mappings: 'AAIA' })}`,
    { filename: later },
  );
  const second = SourcePositions.for(bridge.client, [later]);
  expect(second).not.toBe(first);
  expect(second.site(`later (${later}:1:1)`)).toBe('later (/tmp/leakproof-source-positions/later.ts:5:1)');
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
    const verdict = await measure(leakOneRecord as CallUnderTest, { explain: false, native: 'off' });
    expect(verdict.leaked).toBe(true);
    const finding = verdict.findings.find((f) => f.kind === 'js-objects')!;
    expect(finding.site).toMatch(new RegExp(`^leakOneRecord \\(.*source-positions\\.test\\.ts:${line}:\\d+\\)$`));
    expect(finding.what).toBe(`objects allocated at ${finding.site}`);
    expect(finding.allocationStack![0]).toMatchObject({ functionName: 'leakOneRecord', line });
  } finally {
    kept.length = 0;
  }
});
