import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// These need a process of their own: one where the corpus addon is not loaded yet, and one that
// may crash without taking the Jest worker down with it.
function runChild(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null } {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'child', script), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status, signal: result.signal };
}

test('an addon required after start() is tracked, with the library it links (dlopen hook in node)', () => {
  const child = runChild('late-require.js');
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const result = JSON.parse(child.stdout) as {
    loadedBefore: boolean;
    tracked: string[];
    survivors: Array<{ allocator: string; count: number; bytes: number; at: string }>;
    hookedAfterStop: number;
  };
  expect(result.loadedBefore).toBe(false);
  expect(result.tracked).toEqual(expect.arrayContaining(['corpus.node', 'corpus_helper.so']));
  expect(result.survivors).toEqual(
    expect.arrayContaining([
      { allocator: 'malloc', count: 10, bytes: 640, at: 'make_record' },
      { allocator: 'malloc', count: 4, bytes: 128, at: 'helper_make_buffer' },
    ]),
  );
  expect(result.hookedAfterStop).toBe(0);
});

test('threads allocating and freeing while tracking starts and stops: no crash, no hang', () => {
  const child = runChild('stress.js', ['200']);
  expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  expect(child.stdout).toBe('ok');
});

describe('projectAddons: the native addons of the code under test, when tracking cannot run', () => {
  test("what was loaded before the file is the runner's; what it loads, or requires again in the same process, is the project's", () => {
    const child = runChild('project-addons.js', ['watch']);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      // The tracker's own addon is never listed; Jest's resolver was loaded before the file.
      firstFile: ['resolver.linux-x64-gnu.node'],
      nothingYet: [],
      afterLoad: ['corpus.node'],
      afterRequireAgain: ['corpus.node'],
      // No snapshot: the resolver is still not the project's (a tooling package), the corpus is.
      withoutSnapshot: ['corpus.node'],
    });
  });

  test('without watchAddonRequires, an addon a second file requires again goes unseen (why the environment watches)', () => {
    const child = runChild('project-addons.js');
    expect(JSON.parse(child.stdout)).toMatchObject({ afterLoad: ['corpus.node'], afterRequireAgain: [] });
  });
});

test('LEAKPROOF_NATIVE_TRACKER=off: tracking is unavailable with that reason, and the addon is never loaded', () => {
  const child = runChild('opt-out.js', [], { LEAKPROOF_NATIVE_TRACKER: 'off' });
  expect(child.stderr).toBe('');
  expect(JSON.parse(child.stdout)).toEqual({
    status: { available: false, reason: 'LEAKPROOF_NATIVE_TRACKER=off is set' },
    probe: { unavailable: 'LEAKPROOF_NATIVE_TRACKER=off is set' },
    mapped: false,
  });
});
