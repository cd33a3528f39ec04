import { BRIDGE_KEY, checkpoint, type LeakproofBridge } from '@leakproof/jest-matchers';

class SearchResult {
  constructor(readonly id: number) {}
}
class Scratch {
  constructor(readonly id: number) {}
}
const kept: SearchResult[] = [];

afterAll(() => {
  kept.length = 0;
});

test('survivors() lists what was allocated since the checkpoint and is still alive, by constructor', async () => {
  const before = new SearchResult(-1); // allocated before the checkpoint: never counted
  kept.push(before);
  const cp = await checkpoint();
  for (let i = 0; i < 30; i++) kept.push(new SearchResult(i));
  let scratchTotal = 0;
  for (let i = 0; i < 500; i++) scratchTotal += new Scratch(i).id; // garbage: never counted
  const survivors = await cp.survivors();

  const results = survivors.find((g) => g.name === 'SearchResult');
  expect(results?.count).toBe(30);
  expect(results?.bytes).toBeGreaterThan(0);
  expect(results?.retainerPath?.join(' -> ')).toMatch(/kept/);
  expect(survivors.find((g) => g.name === 'Scratch')).toBeUndefined();
  expect(scratchTotal).toBe((499 * 500) / 2);
});

test('the environment exposes the same API as the leakproof global, pausing its checks as the matchers do', async () => {
  const bridge = (globalThis as unknown as Record<symbol, LeakproofBridge>)[BRIDGE_KEY];
  const pause = jest.spyOn(bridge, 'pauseTestChecks');
  const resume = jest.spyOn(bridge, 'resumeTestChecks');
  try {
    const cp = await leakproof.checkpoint(); // typed by the one tsconfig line (tsconfig.test.json)
    expect(pause).toHaveBeenCalledTimes(1);
    kept.push(new SearchResult(100), new SearchResult(101));
    const survivors = await cp.survivors();
    expect(resume).toHaveBeenCalledTimes(1);
    expect(survivors.find((g) => g.name === 'SearchResult')?.count).toBe(2);
  } finally {
    pause.mockRestore();
    resume.mockRestore();
  }
});

test('survivors() can be read once per checkpoint', async () => {
  const cp = await checkpoint();
  await cp.survivors();
  await expect(cp.survivors()).rejects.toThrow(/already called on this checkpoint; take a new checkpoint/);
});
