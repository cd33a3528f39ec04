import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// These need a process of their own: one where the corpus addon is not loaded yet, and one that
// may crash without taking the Jest worker down with it.
function runChild(
  script: string,
  args: string[] = [],
): { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null } {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'child', script), ...args], { encoding: 'utf8', timeout: 60_000 });
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
