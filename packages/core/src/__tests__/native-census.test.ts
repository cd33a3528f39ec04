import {
  isSuppressed,
  nativeSiteName,
  nativeSurvivorsByWindow,
  shortFunctionName,
  type NativeProbe,
  type NativeSite,
} from '../native-census';
import type { NativeFrameRef } from '../types';

const frame = (fn: string | null, object: string | null, offset = 0x10): NativeFrameRef => ({ function: fn, object, offset });

/** A probe over a list of live blocks, each with the epoch it was allocated in. */
function probeOver(blocks: Array<{ epoch: number; site: Omit<NativeSite, 'count' | 'bytes'>; bytes: number }>): NativeProbe {
  return {
    mark: () => 0,
    liveBytes: () => blocks.reduce((a, b) => a + b.bytes, 0),
    survivorsSince(epoch) {
      const sites = new Map<string, NativeSite>();
      for (const b of blocks.filter((x) => x.epoch >= epoch)) {
        const key = JSON.stringify(b.site);
        const s = sites.get(key) ?? { ...b.site, count: 0, bytes: 0 };
        s.count++;
        s.bytes += b.bytes;
        sites.set(key, s);
      }
      return [...sites.values()];
    },
  };
}

describe('nativeSurvivorsByWindow', () => {
  const leak = { allocator: 'malloc', frames: [frame('make_record', 'corpus.node'), frame('LeakMalloc', 'corpus.node')] };
  const once = { allocator: 'calloc', frames: [frame('init_once', 'corpus.node')] };

  test('cuts live blocks into the windows they were allocated in, per site', () => {
    const blocks = [
      ...[1, 2, 3].flatMap((epoch) => [
        { epoch, site: leak, bytes: 64 },
        { epoch, site: leak, bytes: 64 },
      ]),
      { epoch: 1, site: once, bytes: 49 },
      { epoch: 4, site: leak, bytes: 64 }, // after the last boundary: in no window
    ];
    const sites = nativeSurvivorsByWindow(probeOver(blocks), [1, 2, 3, 4]);
    expect(sites).toEqual([
      { allocator: 'malloc', frames: leak.frames, counts: [2, 2, 2], bytes: [128, 128, 128] },
      { allocator: 'calloc', frames: once.frames, counts: [1, 0, 0], bytes: [49, 0, 0] },
    ]);
  });

  test('nothing live: no sites', () => {
    expect(nativeSurvivorsByWindow(probeOver([]), [1, 2, 3])).toEqual([]);
  });
});

describe('names', () => {
  test.each([
    ['(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)', 'LeakMalloc'],
    [
      'Napi::details::CallbackData<Napi::Value (*)(Napi::CallbackInfo const&), Napi::Value>::Wrapper(napi_env__*, napi_callback_info__*)',
      'Napi::details::CallbackData<...>::Wrapper',
    ],
    ['std::vector<int, std::allocator<int> >::push_back(int const&) const', 'std::vector<...>::push_back'],
    ['make_record', 'make_record'],
    ['operator new(unsigned long)', 'operator new'],
  ])('%s reads as %s', (name, short) => {
    expect(shortFunctionName(name)).toBe(short);
  });

  test('a site is named after its innermost addon frame, else its innermost named frame', () => {
    expect(
      nativeSiteName({
        allocator: 'malloc',
        frames: [frame('ber_memalloc_x', 'liblber-2.5.so.0'), frame('HandleSearchResult(Foo&)', 'ldap.node')],
      }),
    ).toBe('HandleSearchResult (ldap.node)');
    expect(nativeSiteName({ allocator: 'malloc', frames: [frame(null, 'libfoo.so'), frame('foo_alloc', 'libfoo.so')] })).toBe(
      'foo_alloc (libfoo.so)',
    );
    expect(nativeSiteName({ allocator: 'malloc', frames: [] })).toBe('malloc (no stack)');
  });

  test('suppressions match any frame by substring or RegExp, like valgrind suppressions', () => {
    const site = {
      allocator: 'malloc',
      frames: [frame('sasl_client_init', 'libsasl2.so.2'), frame('ldap_int_initialize', 'libldap-2.5.so.0')],
    };
    expect(isSuppressed(site, ['libsasl2.so'])).toBe(true);
    expect(isSuppressed(site, [/^ldap_int_/])).toBe(true);
    expect(isSuppressed(site, ['HandleSearchResult'])).toBe(false);
    expect(isSuppressed(site, [])).toBe(false);
  });
});
