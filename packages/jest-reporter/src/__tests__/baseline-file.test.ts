import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '@leakproof/record';
import { formatBaseline, OldBaselineError, readBaseline } from '../baseline-file';
import { schemaProblems } from '../schema-validation';
import { findingIdentity, identityKey, identityText, stableSite } from '../identity';
import type { BaselineEntry } from '../report-types';
import { finding, jsSite, nativeSite } from './records';

let dir: string;
beforeAll(() => schemaProblems('baseline', {}));
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'leakproof-baseline-test-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry: BaselineEntry = {
  testPath: 'a.test.js',
  fullName: 't',
  kind: 'handles',
  name: 'Timeout',
  site: null,
  per: 'test',
  count: 1,
  bytes: 0,
};

function bad(text: string): string {
  const file = path.join(dir, 'leakproof-baseline.json');
  writeFileSync(file, text);
  try {
    readBaseline(file, 'leakproof-baseline.json');
  } catch (error) {
    expect(readFileSync(file, 'utf8')).toBe(text);
    return (error as Error).message;
  }
  throw new Error('no error');
}

test('missing: null; a formatted baseline reads back', () => {
  expect(readBaseline(path.join(dir, 'none.json'))).toBeNull();
  const file = path.join(dir, 'b.json');
  writeFileSync(file, formatBaseline([{ ...entry, fullName: 'z' }, entry]));
  expect(readBaseline(file)!.findings.map((e) => e.fullName)).toEqual(['t', 'z']);
  expect(readFileSync(file, 'utf8')).toMatch(/^\{\n {2}"schemaVersion": 2,\n {2}"findings": \[\n/);
});

test('bad baselines: each error names the file and what is wrong', () => {
  expect(bad('{"schemaVersion": 2, "findings": [')).toMatch(
    /^leakproof: baseline leakproof-baseline\.json: is not valid JSON \(.+\); a merge conflict left in it\?\. The file was left as is; fix it or restore it from version control \(git checkout -- leakproof-baseline\.json\)\.$/,
  );
  expect(bad('{"schemaVersion": 7, "findings": []}')).toContain(
    'leakproof-baseline.json: has schemaVersion 7, written by a newer leakproof; this one reads version 2: upgrade @leakproof/jest-reporter',
  );
  expect(bad('[]')).toContain('leakproof-baseline.json: does not have the shape of a leakproof baseline: (top level) must be object');
  expect(bad(JSON.stringify({ schemaVersion: 2, findings: [{ ...entry, count: 'many', extra: 1 }] }))).toContain(
    'does not have the shape of a leakproof baseline: /findings/0 must NOT have additional properties ("extra"); /findings/0/count must be number',
  );
  expect(bad(JSON.stringify({ schemaVersion: 2, findings: [{ ...entry, kind: 'heap' }] }))).toContain(
    '/findings/0/kind must be equal to one of the allowed values (one of "js-objects", "native", "handles")',
  );
  expect(bad(JSON.stringify({ schemaVersion: 2, findings: [entry, entry] }))).toContain(
    'lists the same finding twice: a.test.js › t › handles: Timeout',
  );
  // The same identity written with its site's keys in another order is the same finding.
  const site = { ...entry, kind: 'js-objects', name: null, site: { function: 'f', file: 'a.js' } };
  expect(bad(JSON.stringify({ schemaVersion: 2, findings: [site, { ...site, site: { file: 'a.js', function: 'f' } }] }))).toContain(
    'lists the same finding twice: a.test.js › t › js-objects at f (a.js)',
  );
});

test('writes are atomic: no temporary file is left, the old content survives a failed write', () => {
  const file = path.join(dir, 'b.json');
  writeFileAtomic(file, 'one');
  expect(readdirSync(dir)).toEqual(['b.json']);
  expect(() => writeFileAtomic(path.join(dir, 'missing-dir', 'b.json'), 'two')).toThrow(/ENOENT/);
  expect(readFileSync(file, 'utf8')).toBe('one');
});

test('a version-1 baseline (leakproof 0.1) is refused with how to regenerate it, and left as is', () => {
  const v1 = JSON.stringify({
    schemaVersion: 1,
    findings: [
      {
        testPath: 'a.test.js',
        fullName: 't',
        kind: 'handles',
        what: 'Timeout',
        site: null,
        per: 'test',
        countPerCall: 1,
        bytesPerCall: 0,
      },
    ],
  });
  expect(bad(v1)).toBe(
    'leakproof: baseline leakproof-baseline.json: was written by leakproof 0.1 (schemaVersion 1); this leakproof reads schemaVersion 2, ' +
      'whose entries name findings by their fields, and a version-1 entry cannot be converted. The file was left as is; ' +
      'regenerate it: LEAKPROOF_UPDATE_BASELINE=1 npx jest (or npx jest -u, which also updates snapshots) without --ci ' +
      '(--ci never writes the baseline; Jest turns it on when CI=true, so pass --ci=false there), or for a sharded run ' +
      'leakproof merge <shard reports> --update; then review the diff and commit it.',
  );
  const file = path.join(dir, 'leakproof-baseline.json');
  expect(() => readBaseline(file)).toThrow(OldBaselineError);
});

test('sites are keyed on their fields: no line, column or offset, paths relative to rootDir', () => {
  expect(stableSite('/home/ci/repo', jsSite('/home/ci/repo/src/client.js'))).toEqual({ function: 'search', file: 'src/client.js' });
  expect(stableSite('/home/ci/repo', jsSite('node:internal/timers', 'listOnTimeout'))).toEqual({
    function: 'listOnTimeout',
    file: 'node:internal/timers',
  });
  expect(stableSite('/r', nativeSite('(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)', 'corpus.node', 0x1f00))).toEqual({
    function: 'LeakMalloc',
    object: 'corpus.node',
  });
  expect(stableSite('/r', nativeSite(null, 'libldap.so.2', 0x1f00))).toEqual({ function: null, object: 'libldap.so.2' });
  expect(stableSite('/r', null)).toBeNull();
});

test('identity: a per-test heap finding whose allocation moved to another line is the same finding', () => {
  // What the environment's per-test heap check records: no name, the JS site of the allocation.
  const heap = (line: number, column: number) =>
    finding({
      name: null,
      per: 'test',
      perRound: [],
      retainers: undefined,
      site: jsSite('/home/ci/repo/src/client.js', 'search', line, column),
    });
  const before = findingIdentity('/home/ci/repo', '/home/ci/repo/src/a.test.js', 'client warns', heap(13, 17));
  const after = findingIdentity('/home/ci/repo', '/home/ci/repo/src/a.test.js', 'client warns', heap(41, 5));
  expect(after).toEqual(before);
  expect(identityKey(after)).toBe(identityKey(before));
  expect(before).toEqual({
    testPath: 'src/a.test.js',
    fullName: 'client warns',
    kind: 'js-objects',
    name: null,
    site: { function: 'search', file: 'src/client.js' },
  });
  expect(identityText(before)).toBe('src/a.test.js › client warns › js-objects at search (src/client.js)');
  // On another machine (another checkout directory): the same.
  const elsewhere = findingIdentity('/work/x', '/work/x/src/a.test.js', 'client warns', {
    ...heap(13, 17),
    site: jsSite('/work/x/src/client.js', 'search', 99, 1),
  });
  expect(identityKey(elsewhere)).toBe(identityKey(before));
  // Another function, file, name, kind or test is another finding.
  const other = (change: Partial<ReturnType<typeof heap>>, fullName = 'client warns') =>
    identityKey(findingIdentity('/home/ci/repo', '/home/ci/repo/src/a.test.js', fullName, { ...heap(13, 17), ...change }));
  const keys = [
    identityKey(before),
    other({ site: jsSite('/home/ci/repo/src/client.js', 'connect') }),
    other({ site: jsSite('/home/ci/repo/src/server.js') }),
    other({ name: 'Array' }),
    other({ kind: 'native' }),
    other({}, 'client pins'),
    other({ site: null }),
  ];
  expect(new Set(keys).size).toBe(keys.length);
});

test('identity: readable text is never the key (an anonymous function and one named "(anonymous)" read alike)', () => {
  const a = findingIdentity('/r', '/r/a.test.js', 't', finding({ site: jsSite('/r/x.js', '') }));
  const b = findingIdentity('/r', '/r/a.test.js', 't', finding({ site: jsSite('/r/x.js', '(anonymous)') }));
  expect(identityText(a)).toBe(identityText(b));
  expect(identityKey(a)).not.toBe(identityKey(b));
});
