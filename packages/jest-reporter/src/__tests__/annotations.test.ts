import { escapeData, escapeProperty } from '../annotations';

test('escaping follows GitHub workflow command rules (%, CR, LF; plus : and , in properties)', () => {
  expect(escapeData('100% of a\r\nb')).toBe('100%25 of a%0D%0Ab');
  expect(escapeData('%0A')).toBe('%250A');
  expect(escapeProperty('src/a,b:c.test.js')).toBe('src/a%2Cb%3Ac.test.js');
});
