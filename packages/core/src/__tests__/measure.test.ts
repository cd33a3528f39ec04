import { InspectorClient, measureLeaks, resolveLeakOptions } from '@leakproof/core';

const bridge = (globalThis as any)[Symbol.for('leakproof.bridge')];

class ProbeRecord { constructor(readonly i: number) {} }

test('probe', async () => {
  const store: ProbeRecord[] = [];
  let i = 0;
  await bridge.pauseTestChecks();
  try {
    const v = await measureLeaks(() => { store.push(new ProbeRecord(i++)); }, resolveLeakOptions({}), bridge.client);
    console.log(JSON.stringify(v, null, 1).slice(0, 3000));
  } finally { bridge.resumeTestChecks(); }
});
