/**
 * Handle types have one name everywhere: the one `process.getActiveResourcesInfo()` gives
 * (`Timeout`, `TCPServerWrap`, `TCPSocketWrap`...), which is also what a matcher counts. async_hooks
 * calls the same resources by provider names (`TCPSERVERWRAP`, `TCPWRAP`); they are mapped here.
 */
const ASYNC_HOOK_TYPE_NAMES: Record<string, string> = {
  Timeout: 'Timeout',
  TCPWRAP: 'TCPSocketWrap',
  TCPSERVERWRAP: 'TCPServerWrap',
  PIPEWRAP: 'PipeWrap',
  PIPESERVERWRAP: 'PipeServerWrap',
  UDPWRAP: 'UDPWrap',
  PROCESSWRAP: 'ProcessWrap',
  SIGNALWRAP: 'SignalWrap',
  FSEVENTWRAP: 'FSEventWrap',
  STATWATCHER: 'StatWatcher',
  WORKER: 'Worker',
  MESSAGEPORT: 'MessagePort',
  FILEHANDLE: 'FileHandle',
  HTTP2SESSION: 'Http2Session',
  TLSWRAP: 'TLSWrap',
};

/** async_hooks resource types worth failing a test for, by their async_hooks name. */
export const TRACKED_ASYNC_HOOK_TYPES: ReadonlySet<string> = new Set(Object.keys(ASYNC_HOOK_TYPE_NAMES));

/** The one name of a handle type, from its async_hooks name (unknown names are kept as they are). */
export function handleTypeName(asyncHookType: string): string {
  return ASYNC_HOOK_TYPE_NAMES[asyncHookType] ?? asyncHookType;
}

/**
 * Whether an `ignore` entry names this handle type. The async_hooks spelling of 0.1's
 * documentation (`TCPSERVERWRAP`) keeps working: both spellings name the one type.
 */
export function namesHandleType(entry: string, typeName: string): boolean {
  return entry === typeName || handleTypeName(entry) === typeName;
}

/** Active libuv handles and requests by type (`Timeout`, `TCPServerWrap`...): cheap, no GC needed. */
export function activeResourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}
