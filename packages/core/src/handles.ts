/** Active libuv handles and requests by type (`Timeout`, `TCPServerWrap`...): cheap, no GC needed. */
export function activeResourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}
