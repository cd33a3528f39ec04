import { Windows } from '../windows';

test('each window is charged to the owner it was opened for; windows of no test are left out', () => {
  let epoch = 0;
  const windows = new Windows(() => epoch++);
  expect(windows.isEmpty).toBe(true);
  windows.next('t0');
  windows.next(null);
  windows.next('t1');
  windows.next('t0');
  expect(windows.close()).toEqual([0, 1, 2, 3, 4]);
  expect([0, 1, 2, 3].map((w) => windows.ownerOf(w))).toEqual(['t0', null, 't1', 't0']);
  expect(windows.perOwner([2, 5, 0, 1], [20, 50, 0, 10])).toEqual(new Map([['t0', { count: 3, bytes: 30 }]]));
});
