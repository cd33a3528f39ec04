'use strict';
test('does nothing wrong', async () => {
  await expect(() => [1, 2, 3].map((x) => x * 2)).toNotLeak();
});
