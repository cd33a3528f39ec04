/** Jest's modern fake timers put a `clock` on setTimeout; legacy ones make it a jest.fn(). */
export function fakeTimersEnabled(global: object): boolean {
  const setTimeoutFn = (global as { setTimeout?: unknown }).setTimeout as { clock?: unknown; _isMockFunction?: boolean } | undefined;
  return !!setTimeoutFn && (setTimeoutFn.clock !== undefined || setTimeoutFn._isMockFunction === true);
}
