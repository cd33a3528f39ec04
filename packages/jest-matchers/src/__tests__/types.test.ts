import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The documented TypeScript setup, checked by the repository's TypeScript (6: `types` defaults
 * to `[]`, so nothing from @types or a package is global unless listed) on a small project that
 * uses the `leakproof` global and the matchers, with @types/jest's globals and with
 * @jest/globals imports: with the one documented line it compiles; without it, it does not.
 */
const ROOT = path.resolve(__dirname, '../../../..');
const TSC = require.resolve('typescript/bin/tsc');
const THE_LINE = ['jest', '@leakproof/jest-matchers'];

const BODY = `
  const cp = await leakproof.checkpoint();
  const survivors = await cp.survivors();
  survivors.map((group) => group.name + ' x' + group.count);
  leakproof.skipChecks('heap');
  leakproof.skipChecks();
  await expect(() => [1, 2].map((x) => x * 2)).toNotLeak({ rounds: 5 });
  await expect(() => undefined).toLeak({ kind: 'native', what: /copy_name/ });
  await expect(() => undefined).not.toLeak();
  // Typed, not any: a wrong check name or option is an error.
  // @ts-expect-error 'memory' is not a check
  leakproof.skipChecks('memory');
  // @ts-expect-error rounds is a number
  await expect(() => undefined).toNotLeak({ rounds: '5' });
`;

const SOURCES = {
  'globals.test.ts': `test('typed with @types/jest globals', async () => {${BODY}});\n`,
  'imports.test.ts': `import { expect, test } from '@jest/globals';\n\ntest('typed with @jest/globals', async () => {${BODY}});\n`,
};

let dir: string;
beforeAll(() => {
  // Inside the repository, so that its node_modules resolve as a project's own would.
  mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, '.cache', 'leakproof-types-'));
  for (const [file, source] of Object.entries(SOURCES)) writeFileSync(path.join(dir, file), source);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tsc --noEmit -p` on one file with `types` as given (undefined: TypeScript's default); its output. */
function tsc(
  file: keyof typeof SOURCES,
  types: string[] | undefined,
  skipLibCheck: boolean,
): Promise<{ code: number | null; output: string }> {
  const name = `tsconfig.${file}.${types ? types.length : 'default'}.json`;
  const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', target: 'es2022', skipLibCheck, ...(types ? { types } : {}) };
  writeFileSync(path.join(dir, name), JSON.stringify({ compilerOptions, files: [file] }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, '-p', name], { cwd: dir });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('the repository checks with TypeScript 6 (default types: [])', () => {
  const { version } = JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')) as { version: string };
  expect(version).toMatch(/^6\./);
});

test('with "types": ["jest", "@leakproof/jest-matchers"] both styles compile; without it, leakproof is TS2304', async () => {
  // @types/jest users: strict library checking too (our declarations must hold up). @jest/globals
  // users: Jest's own declarations need @types/node under skipLibCheck: false, so as most projects do.
  const [globals, imports, importsOnly, globalsDefault, importsDefault] = await Promise.all([
    tsc('globals.test.ts', THE_LINE, false),
    tsc('imports.test.ts', THE_LINE, true),
    // Only @jest/globals (no @types/jest in the project): the line without "jest".
    tsc('imports.test.ts', ['@leakproof/jest-matchers'], true),
    tsc('globals.test.ts', undefined, false),
    tsc('imports.test.ts', undefined, true),
  ]);
  expect(globals).toEqual({ code: 0, output: '' });
  expect(imports).toEqual({ code: 0, output: '' });
  expect(importsOnly).toEqual({ code: 0, output: '' });
  expect(globalsDefault.code).not.toBe(0);
  expect(globalsDefault.output).toMatch(/globals\.test\.ts\(\d+,\d+\): error TS2304: Cannot find name 'leakproof'/);
  expect(importsDefault.code).not.toBe(0);
  expect(importsDefault.output).toMatch(/imports\.test\.ts\(\d+,\d+\): error TS2304: Cannot find name 'leakproof'/);
  expect(importsDefault.output).toMatch(/error TS2339: Property 'toNotLeak' does not exist/);
});
