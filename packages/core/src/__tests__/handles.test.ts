/** @jest-environment node */
import { activeResourceCounts, handleTypeName, namesHandleType, TRACKED_ASYNC_HOOK_TYPES } from '../handles';

describe('one name per handle type: the one getActiveResourcesInfo gives', () => {
  test.each([
    ['TCPSERVERWRAP', 'TCPServerWrap'],
    ['TCPWRAP', 'TCPSocketWrap'],
    ['PIPESERVERWRAP', 'PipeServerWrap'],
    ['Timeout', 'Timeout'],
  ])('async_hooks %s is %s', (asyncHookType, name) => {
    expect(handleTypeName(asyncHookType)).toBe(name);
  });

  test('a type it does not know keeps its name', () => {
    expect(handleTypeName('Immediate')).toBe('Immediate');
    expect(handleTypeName('TTYWrap')).toBe('TTYWrap');
  });

  test('the tracked async_hooks types are the mapped ones', () => {
    expect(TRACKED_ASYNC_HOOK_TYPES.has('TCPSERVERWRAP')).toBe(true);
    expect(TRACKED_ASYNC_HOOK_TYPES.has('Timeout')).toBe(true);
    expect(TRACKED_ASYNC_HOOK_TYPES.has('TCPServerWrap')).toBe(false);
  });
});

describe('namesHandleType: an ignore entry in either spelling names the one type', () => {
  test('the async_hooks spelling of 0.1 and the type name itself', () => {
    expect(namesHandleType('TCPSERVERWRAP', 'TCPServerWrap')).toBe(true);
    expect(namesHandleType('TCPServerWrap', 'TCPServerWrap')).toBe(true);
    expect(namesHandleType('Timeout', 'Timeout')).toBe(true);
  });

  test('another type, or a case-folded spelling that is neither, does not', () => {
    expect(namesHandleType('TCPWRAP', 'TCPServerWrap')).toBe(false);
    expect(namesHandleType('TCPServerWrap', 'TCPSocketWrap')).toBe(false);
    expect(namesHandleType('tcpserverwrap', 'TCPServerWrap')).toBe(false);
    expect(namesHandleType('Timeout', 'Immediate')).toBe(false);
  });
});

test('activeResourceCounts counts open handles by that name', () => {
  const before = activeResourceCounts().get('Timeout') ?? 0;
  const timers = [setInterval(() => {}, 1_000_000), setInterval(() => {}, 1_000_000)];
  try {
    expect(activeResourceCounts().get('Timeout')).toBe(before + 2);
  } finally {
    for (const t of timers) clearInterval(t);
  }
  expect(activeResourceCounts().get('Timeout') ?? 0).toBe(before);
});
