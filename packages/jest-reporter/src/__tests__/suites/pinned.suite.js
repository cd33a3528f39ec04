'use strict';
// A known leak pinned by toLeak: the test passes; the baseline keeps its size.
const store = [];
test('pins a known leak', async () => {
  await expect(() => store.push({ leaked: true })).toLeak();
});
