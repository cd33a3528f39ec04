/** @jest-environment node */
import { runInNewContext } from 'node:vm';
import { siteText } from '../format';
import { findingIgnored, matchesAny, siteFields, siteMatches } from '../patterns';
import type { JsSite, NativeSite } from '../types';

// `ignore` and `nativeSuppressions` entries name a site by its fields, never by the text a reader
// sees: a line number in a pattern would break with any edit above the code.
const js: JsSite = { lang: 'js', function: 'openSession', file: '/app/src/sessions.js', line: 12, column: 7 };
const native: NativeSite = {
  lang: 'native',
  function: '(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)',
  object: 'corpus.node',
  offset: 0x1f00,
};

describe('siteMatches: a JS site', () => {
  test('by function, as a substring or a RegExp', () => {
    expect(siteMatches(js, ['openSession'])).toBe(true);
    expect(siteMatches(js, ['Session'])).toBe(true);
    expect(siteMatches(js, [/^openSession$/])).toBe(true);
    expect(siteMatches(js, ['closeSession', /^Session/])).toBe(false);
  });

  test('by file, as a substring or a RegExp', () => {
    expect(siteMatches(js, ['sessions.js'])).toBe(true);
    expect(siteMatches(js, ['/app/src/'])).toBe(true);
    expect(siteMatches(js, [/[\\/]src[\\/]sessions\.js$/])).toBe(true);
    expect(siteMatches(js, ['other.js'])).toBe(false);
  });

  test('never by line or column, nor by the formatted site', () => {
    expect(siteMatches(js, ['12'])).toBe(false);
    expect(siteMatches(js, ['sessions.js:12', /:12:7/, /:\d+:\d+/])).toBe(false);
    expect(siteMatches(js, [siteText(js), `openSession (`])).toBe(false);
    // Moving the code does not change what matches.
    const moved = { ...js, line: 80, column: 3 };
    for (const pattern of ['openSession', /sessions\.js$/, 'sessions.js:12']) {
      expect(siteMatches(moved, [pattern])).toBe(siteMatches(js, [pattern]));
    }
  });

  test('an anonymous function matches by file only; a site without a script by function only', () => {
    const anonymous: JsSite = { ...js, function: '' };
    expect(siteMatches(anonymous, ['sessions.js'])).toBe(true);
    expect(siteMatches(anonymous, ['(anonymous)', 'openSession'])).toBe(false);
    const builtin: JsSite = { lang: 'js', function: 'push', file: '', line: 0, column: 0 };
    expect(siteMatches(builtin, ['push'])).toBe(true);
    expect(siteMatches(builtin, ['sessions.js'])).toBe(false);
  });

  test('no site, no patterns: no match', () => {
    expect(siteMatches(null, ['openSession', /.*/])).toBe(false);
    expect(siteMatches(js, [])).toBe(false);
  });
});

describe('siteMatches: a native site', () => {
  test('by the full demangled function', () => {
    expect(siteMatches(native, ['(anonymous namespace)::LeakMalloc'])).toBe(true);
    expect(siteMatches(native, ['Napi::CallbackInfo const&'])).toBe(true);
    expect(siteMatches(native, [/^\(anonymous namespace\)::LeakMalloc\(/])).toBe(true);
  });

  test('by the short C++ name a reader sees', () => {
    expect(siteMatches(native, [/^LeakMalloc$/])).toBe(true);
    expect(siteMatches(native, [/^Napi::/])).toBe(false);
  });

  test('by shared object', () => {
    expect(siteMatches(native, ['corpus.node'])).toBe(true);
    expect(siteMatches(native, [/\.node$/])).toBe(true);
    expect(siteMatches(native, ['libsasl2.so'])).toBe(false);
  });

  test('never by offset, nor by the formatted frame', () => {
    expect(siteMatches(native, ['0x1f00', '1f00', '7936'])).toBe(false);
    expect(siteMatches(native, [siteText(native), 'LeakMalloc (corpus.node)'])).toBe(false);
  });

  test('no symbol: the object only; code outside any object: nothing to name', () => {
    const unnamed: NativeSite = { lang: 'native', function: null, object: 'libldap.so.2', offset: 0x40 };
    expect(siteFields(unnamed)).toEqual(['libldap.so.2']);
    expect(siteMatches(unnamed, ['libldap'])).toBe(true);
    expect(siteMatches(unnamed, ['???'])).toBe(false);
    const jit: NativeSite = { lang: 'native', function: null, object: null, offset: 0x7f00 };
    expect(siteFields(jit)).toEqual([]);
    expect(siteMatches(jit, [/.*/, '0x7f00'])).toBe(false);
  });
});

describe('findingIgnored', () => {
  test('by what grew (constructor or handle type)', () => {
    expect(findingIgnored({ name: 'Timeout', site: null }, ['Timeout'])).toBe(true);
    expect(findingIgnored({ name: 'SessionRecord', site: js }, [/^SessionRecord$/])).toBe(true);
    expect(findingIgnored({ name: 'TCPServerWrap', site: null }, ['Timeout'])).toBe(false);
  });

  test('by its site, with the site rules (fields, not text)', () => {
    expect(findingIgnored({ name: null, site: js }, ['openSession'])).toBe(true);
    expect(findingIgnored({ name: 'SessionRecord', site: js }, ['sessions.js'])).toBe(true);
    expect(findingIgnored({ name: null, site: native }, ['corpus.node'])).toBe(true);
    expect(findingIgnored({ name: null, site: js }, [siteText(js), 'sessions.js:12'])).toBe(false);
  });

  test('nothing to match, or no patterns: kept', () => {
    expect(findingIgnored({ name: null, site: null }, [/.*/])).toBe(false);
    expect(findingIgnored({ name: 'Timeout', site: js }, [])).toBe(false);
  });
});

describe('matchesAny', () => {
  test('a global RegExp matches every time (no lastIndex shared between calls)', () => {
    const pattern = /Session/g;
    for (let i = 0; i < 3; i++) expect(matchesAny('openSession', [pattern])).toBe(true);
    expect(pattern.lastIndex).toBe(0);
  });

  test('a RegExp made in another realm (a Jest test file) works', () => {
    const foreign = runInNewContext('/^open/') as RegExp;
    expect(foreign instanceof RegExp).toBe(false);
    expect(matchesAny('openSession', [foreign])).toBe(true);
    expect(siteMatches(js, [foreign])).toBe(true);
  });
});

test('findingIgnored: a handle type written in the async_hooks spelling names the one type, for handles only', () => {
  const server = { kind: 'handles' as const, name: 'TCPServerWrap', site: null };
  expect(findingIgnored(server, ['TCPSERVERWRAP'])).toBe(true);
  expect(findingIgnored(server, ['TCPServerWrap'])).toBe(true);
  expect(findingIgnored(server, ['TCPWRAP'])).toBe(false);
  expect(findingIgnored({ kind: 'js-objects' as const, name: 'TCPServerWrap', site: null }, ['TCPSERVERWRAP'])).toBe(false);
});
