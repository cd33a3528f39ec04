const memwatch = require('@airbnb/node-memwatch');
const target = Number(process.argv[2]) * 1024 * 1024;
const keep = globalThis.__keep = [];
let i = 0;
while (process.memoryUsage().heapUsed < target) {
  const chunk = [];
  for (let j = 0; j < 10000; j++, i++) chunk.push({ id: i, name: 'item-' + i, tags: [i, i + 1], meta: { ok: (i & 1) === 0 } });
  keep.push(chunk);
}
memwatch.gc();
console.log('heap MB', (process.memoryUsage().heapUsed/2**20).toFixed(1));
function leakage(fn) {
  const diffs = [];
  for (let r = 0; r < 6; r++) {
    const hd = new memwatch.HeapDiff();
    for (let c = 0; c < 30; c++) fn();
    memwatch.gc();
    diffs.push(hd.end());
  }
  return { leaked: diffs.every((d) => d.change.size_bytes > 0), growth: diffs.map((d) => d.change.size_bytes) };
}
for (const kind of ['clean', 'clean', 'leak', 'leak']) {
  const store = [];
  const fn = kind === 'leak' ? () => store.push({ x: Math.random() }) : new Function(`/*${Math.random()}*/ return JSON.parse(JSON.stringify({ a: [1, 2, 3] }))`);
  const t = performance.now();
  const v = leakage(fn);
  console.log(kind, (performance.now() - t).toFixed(0), JSON.stringify(v));
}
