/** @jest-environment node */
import { decideSites, growingHandleTypes, siteStatus } from '../decide';
import { jsSiteKey } from '../stack';
import type { JsSite, SiteSurvivors } from '../types';

describe('siteStatus: the consistency rule', () => {
  test.each([
    ['every round left one or more', [1, 1, 1, 1, 1]],
    ['every round at exactly the threshold', [0.5, 0.5, 0.5]],
    ['large and uneven but positive every round', [40, 3, 0.6, 12, 7]],
  ])('growing: %s', (_name, counts) => {
    expect(siteStatus(counts)).toBe('growing');
  });

  test.each([
    ['one round just below the threshold', [1, 1, 0.49, 1, 1]],
    ['three rounds of five', [2, 0, 3, 0, 1]],
    ['three late rounds', [0, 0, 1, 1, 1]],
    ['all but the first round', [0, 1, 1, 1, 1]],
  ])('sporadic: %s', (_name, counts) => {
    expect(siteStatus(counts)).toBe('sporadic');
  });

  test.each([
    ['nothing survived', [0, 0, 0, 0, 0]],
    ['no rounds at all', []],
    ['a single round left survivors (one-time work)', [0, 0, 4, 0, 0]],
    ['two rounds of five (JIT work spread over the first rounds)', [2, 3, 0, 0, 0]],
    ['exactly half of the rounds', [1, 0, 1, 0]],
    ['first round only (JIT, lazy initialisation)', [12, 0, 0, 0, 0]],
    ['last round only (a cache slot, the last value kept)', [0, 0, 0, 0, 7]],
    ['below half an object in every round (sampling noise)', [0.49, 0.4, 0.3, 0.2, 0.1]],
    ['one round at the threshold, the others below', [0.5, 0.49, 0.49]],
  ])('quiet: %s', (_name, counts) => {
    expect(siteStatus(counts)).toBe('quiet');
  });
});

describe('decideSites', () => {
  function site(name: string, counts: number[]): SiteSurvivors {
    const frame: JsSite = { lang: 'js', function: name, file: '/app/x.js', line: 1, column: 1 };
    return { site: frame, key: jsSiteKey(frame), stack: [frame], counts, bytes: counts.map((c) => c * 32) };
  }

  test('decides each site with the rule, keeping the site and the order', () => {
    const sites = [site('leaky', [1, 1, 1]), site('jit', [9, 0, 0]), site('rare', [1, 0, 1, 1, 0]), site('cache', [0, 0, 3])];
    const decisions = decideSites(sites);
    expect(decisions.map((d) => [d.site.site!.function, d.status])).toEqual([
      ['leaky', 'growing'],
      ['jit', 'quiet'],
      ['rare', 'sporadic'],
      ['cache', 'quiet'],
    ]);
    decisions.forEach((d, i) => expect(d.site).toBe(sites[i]));
  });

  test('no sites, no decisions', () => {
    expect(decideSites([])).toEqual([]);
  });
});

describe('growingHandleTypes', () => {
  const rounds = 5;

  test('a type grown by at least one per round leaks, with its growth', () => {
    const before = new Map([
      ['Timeout', 2],
      ['TCPWRAP', 1],
    ]);
    const after = new Map([
      ['Timeout', 7],
      ['TCPWRAP', 4],
    ]);
    expect(growingHandleTypes(before, after, rounds)).toEqual([{ type: 'Timeout', growth: 5 }]);
  });

  test('a type absent before counts from zero', () => {
    const after = new Map([['Immediate', 12]]);
    expect(growingHandleTypes(new Map(), after, rounds)).toEqual([{ type: 'Immediate', growth: 12 }]);
  });

  test('growth below the number of rounds, no growth and shrinking are not leaks', () => {
    const before = new Map([
      ['Timeout', 3],
      ['FSReqCallback', 10],
      ['TTYWrap', 2],
    ]);
    const after = new Map([
      ['Timeout', 7],
      ['FSReqCallback', 1],
      ['TTYWrap', 2],
    ]);
    expect(growingHandleTypes(before, after, rounds)).toEqual([]);
  });

  test('types that closed (gone from after) are not reported', () => {
    expect(growingHandleTypes(new Map([['Timeout', 50]]), new Map(), rounds)).toEqual([]);
  });

  test('several types can grow at once', () => {
    const after = new Map([
      ['Timeout', 10],
      ['TCPServerWrap', 5],
      ['Immediate', 1],
    ]);
    expect(growingHandleTypes(new Map(), after, rounds)).toEqual([
      { type: 'Timeout', growth: 10 },
      { type: 'TCPServerWrap', growth: 5 },
    ]);
  });
});
