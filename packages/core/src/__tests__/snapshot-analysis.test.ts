import { InspectorClient } from '../inspector-client';
import { startExplaining } from '../explain';
import { forceGc } from '../gc';
import { analyseSnapshot } from '../snapshot-analysis';

class Early { constructor(readonly n: number) {} }
class Late { constructor(readonly n: number) {} }
const earlyHolder: Early[] = [];
const lateHolder: Late[] = [];

test('probe', async () => {
  const client = new InspectorClient();
  for (let i = 0; i < 40; i++) earlyHolder.push(new Early(i));
  let t = performance.now();
  const { watermark } = await startExplaining(client);
  console.log('start', performance.now() - t, watermark);
  for (let i = 0; i < 50; i++) lateHolder.push(new Late(i));
  for (let i = 0; i < 25; i++) earlyHolder.push(new Early(i));
  forceGc();
  t = performance.now();
  const chunks: string[] = [];
  const off = client.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk));
  client.post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
  off();
  client.disconnect();
  const snapshot = chunks.join('');
  console.log('snap', performance.now() - t, snapshot.length);
  t = performance.now();
  const groups = analyseSnapshot({ snapshot, watermark, minCount: 5 });
  console.log('analyse', performance.now() - t, JSON.stringify(groups, null, 1));
});
