import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RECORD_DIR_ENV } from '@leakproof/record';
import { RecordDirectory } from '../record-reader';
import { fileRecord } from './records';

test('creates its own directory, hands it to the workers through the environment, removes it at the end', () => {
  const env: NodeJS.ProcessEnv = {};
  const records = new RecordDirectory(env);
  expect(env[RECORD_DIR_ENV]).toBe(records.dir);
  writeFileSync(path.join(records.dir, 'a-1.json'), JSON.stringify(fileRecord('/p/a.test.js', [])));
  writeFileSync(path.join(records.dir, 'a-2.json'), JSON.stringify(fileRecord('/p/a.test.js', []))); // a second project ran the same file
  writeFileSync(path.join(records.dir, '.b.json.tmp'), '{"half": '); // a writer not done: not a *.json name
  expect(records.take('/p/a.test.js')).toMatchObject({ testPath: '/p/a.test.js', fileChecks: [] });
  expect(records.take('/p/a.test.js')).not.toBeNull();
  expect(records.take('/p/a.test.js')).toBeNull();
  expect(records.take('/p/other.test.js')).toBeNull();
  expect(records.problems()).toEqual([]);
  records.dispose(env);
  expect(existsSync(records.dir)).toBe(false);
  expect(env[RECORD_DIR_ENV]).toBeUndefined();
});

test('a directory set by someone else is used and left in place; bad files are named', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'leakproof-records-test-'));
  try {
    const env: NodeJS.ProcessEnv = { [RECORD_DIR_ENV]: dir };
    const records = new RecordDirectory(env);
    expect(records.dir).toBe(dir);
    writeFileSync(path.join(dir, 'bad.json'), '{');
    writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ ...fileRecord('/p/x.test.js', []), version: 0 }));
    expect(records.take('/p/x.test.js')).toBeNull();
    expect(records.problems()).toEqual([
      expect.stringMatching(/bad\.json: not a JSON file/),
      expect.stringMatching(
        /old\.json: record version 0, this reporter reads version 2 \(mismatched @leakproof packages\? install the same version of all of them\)$/,
      ),
    ]);
    records.dispose(env);
    expect(existsSync(dir)).toBe(true);
    expect(env[RECORD_DIR_ENV]).toBe(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
