import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatBaseline, readBaseline, writeFileAtomic } from '../baseline-file';
import { schemaProblems } from '../schema-validation';
import { stableSite } from '../identity';
import type { BaselineEntry } from '../report-types';

let dir: string;
beforeAll(() => schemaProblems('baseline', {}));
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'leakproof-baseline-test-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry: BaselineEntry = {
  testPath: 'a.test.js',
  fullName: 't',
  kind: 'handles',
  what: 'Timeout',
  site: null,
  per: 'test',
  countPerCall: 1,
  bytesPerCall: 0,
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
  expect(readFileSync(file, 'utf8')).toMatch(/^\{\n  "schemaVersion": 1,\n  "findings": \[\n/);
});

test('bad baselines: each error names the file and what is wrong', () => {
  expect(bad('{"schemaVersion": 1, "findings": [')).toMatch(
    /^leakproof: baseline leakproof-baseline\.json: is not valid JSON \(.+\); a merge conflict left in it\?\. The file was left as is; fix it or restore it from version control \(git checkout -- leakproof-baseline\.json\)\.$/,
  );
  expect(bad('{"schemaVersion": 7, "findings": []}')).toContain(
    'leakproof-baseline.json: has schemaVersion 7, written by a newer leakproof; this one reads version 1: upgrade @leakproof/jest-reporter',
  );
  expect(bad('[]')).toContain('leakproof-baseline.json: does not have the shape of a leakproof baseline: (top level) must be object');
  expect(bad(JSON.stringify({ schemaVersion: 1, findings: [{ ...entry, countPerCall: 'many', extra: 1 }] }))).toContain(
    'does not have the shape of a leakproof baseline: /findings/0 must NOT have additional properties ("extra"); /findings/0/countPerCall must be number',
  );
  expect(bad(JSON.stringify({ schemaVersion: 1, findings: [{ ...entry, kind: 'heap' }] }))).toContain(
    '/findings/0/kind must be equal to one of the allowed values (one of "js-objects", "native", "handles")',
  );
  expect(bad(JSON.stringify({ schemaVersion: 1, findings: [entry, entry] }))).toContain(
    'lists the same finding twice: a.test.js › t › handles: Timeout',
  );
});

test('writes are atomic: no temporary file is left, the old content survives a failed write', () => {
  const file = path.join(dir, 'b.json');
  writeFileAtomic(file, 'one');
  expect(readdirSync(dir)).toEqual(['b.json']);
  expect(() => writeFileAtomic(path.join(dir, 'missing-dir', 'b.json'), 'two')).toThrow(/ENOENT/);
  expect(readFileSync(file, 'utf8')).toBe('one');
});

test('sites are keyed without line numbers and machine paths', () => {
  expect(stableSite('/home/ci/repo', 'search (/home/ci/repo/src/client.js:13:17)')).toBe('search (src/client.js)');
  expect(stableSite('/home/ci/repo', 'search (file:///home/ci/repo/src/client.mjs:13:17)')).toBe('search (src/client.mjs)');
  expect(stableSite('/r', 'native memory at ldap_search (ldap.node)')).toBe('native memory at ldap_search (ldap.node)');
  expect(stableSite('/r', undefined)).toBeNull();
});
