/** @jest-environment node */
import { nativeFindings } from '../findings';
import { nativeFrameText, shortFunctionName, whatText } from '../format';
import {
  isSuppressed,
  nativeOwnerFrame,
  nativeOwnerKey,
  nativeStackKey,
  nativeSurvivorsByWindow,
  type NativeLiveSite,
  type NativeProbe,
  type NativeSiteSurvivors,
} from '../native-census';
import type { NativeSite } from '../types';

const frame = (fn: string | null, object: string | null, offset = 0x10): NativeSite => ({ lang: 'native', function: fn, object, offset });

/** A probe over a list of live blocks, each with the epoch it was allocated in. */
function probeOver(blocks: Array<{ epoch: number; site: Omit<NativeLiveSite, 'count' | 'bytes'>; bytes: number }>): NativeProbe {
  return {
    mark: () => 0,
    liveBytes: () => blocks.reduce((a, b) => a + b.bytes, 0),
    survivorsSince(epoch) {
      const sites = new Map<string, NativeLiveSite>();
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
  const leak = { allocator: 'malloc', stack: [frame('make_record', 'corpus.node'), frame('LeakMalloc', 'corpus.node')] };
  const once = { allocator: 'calloc', stack: [frame('init_once', 'corpus.node')] };

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
      { allocator: 'malloc', stack: leak.stack, counts: [2, 2, 2], bytes: [128, 128, 128] },
      { allocator: 'calloc', stack: once.stack, counts: [1, 0, 0], bytes: [49, 0, 0] },
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
    // What a native finding is named after, and the text its headline shows.
    const named = (allocator: string, stack: NativeSite[]): string => {
      const site: NativeSiteSurvivors = { allocator, stack, counts: [1, 1, 1], bytes: [8, 8, 8] };
      const [finding] = nativeFindings([{ site, status: 'growing' }], 3);
      expect(finding.site).toBe(nativeOwnerFrame(stack) ?? null);
      return whatText(finding);
    };
    const ldap = [frame('ber_memalloc_x', 'liblber-2.5.so.0'), frame('HandleSearchResult(Foo&)', 'ldap.node')];
    expect(nativeOwnerFrame(ldap)).toBe(ldap[1]);
    expect(nativeFrameText(nativeOwnerFrame(ldap)!)).toBe('HandleSearchResult (ldap.node)');
    expect(named('malloc', ldap)).toBe('native memory allocated in HandleSearchResult (ldap.node)');
    const library = [frame(null, 'libfoo.so'), frame('foo_alloc', 'libfoo.so')];
    expect(nativeOwnerFrame(library)).toBe(library[1]);
    expect(named('malloc', library)).toBe('native memory allocated in foo_alloc (libfoo.so)');
    expect(nativeOwnerFrame([])).toBeUndefined();
    expect(named('malloc', [])).toBe('native memory allocated in malloc (no stack)');
  });

  test('suppressions match any frame by substring or RegExp, like valgrind suppressions', () => {
    const site = {
      allocator: 'malloc',
      stack: [frame('sasl_client_init', 'libsasl2.so.2'), frame('ldap_int_initialize', 'libldap-2.5.so.0')],
    };
    expect(isSuppressed(site, ['libsasl2.so'])).toBe(true);
    expect(isSuppressed(site, [/^ldap_int_/])).toBe(true);
    expect(isSuppressed(site, ['HandleSearchResult'])).toBe(false);
    expect(isSuppressed(site, [])).toBe(false);
  });

  test('suppressions name a C++ function by its full or its short name, never by offset', () => {
    const site = {
      allocator: 'malloc',
      stack: [frame('(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)', 'corpus.node', 0x1f00)],
    };
    expect(isSuppressed(site, [/^LeakMalloc$/])).toBe(true);
    expect(isSuppressed(site, ['Napi::CallbackInfo const&'])).toBe(true);
    expect(isSuppressed(site, ['0x1f00', '1f00', /7936/])).toBe(false);
  });
});

describe('identities', () => {
  // Stacks and owners are told apart as a reader tells them (nativeFrameText): one line per stack.
  test('a stack is its allocator and what each frame reads as: a named frame anywhere in its function is one frame', () => {
    const a = { allocator: 'malloc', stack: [frame('make_record', 'corpus.node', 0x10), frame('LeakMalloc', 'corpus.node', 0x40)] };
    // make_record's other malloc call: another return address in the same function.
    const otherCall = { allocator: 'malloc', stack: [frame('make_record', 'corpus.node', 0x18), a.stack[1]] };
    expect(nativeStackKey(a)).toBe(nativeStackKey({ ...a, stack: a.stack.map((f) => ({ ...f })) }));
    expect(nativeStackKey(a)).toBe(nativeStackKey(otherCall));
    expect(nativeStackKey(a)).not.toBe(nativeStackKey({ ...a, allocator: 'calloc' }));
    expect(nativeStackKey(a)).not.toBe(nativeStackKey({ ...a, stack: [frame('make_record', 'other.node', 0x10), a.stack[1]] }));
    expect(nativeStackKey(a)).not.toBe(nativeStackKey({ ...a, stack: [a.stack[1]] }));
    // Without a symbol, the offset is all there is to tell two frames apart.
    const unnamed = (offset: number) => ({ allocator: 'malloc', stack: [frame(null, 'libx.so', offset)] });
    expect(nativeStackKey(unnamed(0x10))).not.toBe(nativeStackKey(unnamed(0x18)));
    const jit = (offset: number) => ({ allocator: 'malloc', stack: [frame(null, null, offset)] });
    expect(nativeStackKey(jit(0x10))).not.toBe(nativeStackKey(jit(0x18)));
  });

  test('live blocks of stacks that read the same are counted as one stack', () => {
    const first = { allocator: 'malloc', stack: [frame('make_record', 'corpus.node', 0x10)] };
    const second = { allocator: 'malloc', stack: [frame('make_record', 'corpus.node', 0x18)] };
    const blocks = [1, 2].flatMap((epoch) => [
      { epoch, site: first, bytes: 16 },
      { epoch, site: second, bytes: 32 },
    ]);
    expect(nativeSurvivorsByWindow(probeOver(blocks), [1, 2, 3])).toEqual([
      { allocator: 'malloc', stack: first.stack, counts: [2, 2], bytes: [48, 48] },
    ]);
  });

  test('the owner is its function (as the finding names it) and object, else the allocator', () => {
    const a = { allocator: 'malloc', stack: [frame('make_record', 'corpus.node', 0x10), frame('LeakMalloc', 'corpus.node', 0x40)] };
    // One owner, so one finding: the innermost addon frame is the same function of the same object.
    expect(nativeOwnerKey(a)).toBe(nativeOwnerKey({ ...a, stack: [frame('make_record', 'corpus.node', 0x18)] }));
    expect(nativeOwnerKey(a)).toBe(nativeOwnerKey({ ...a, allocator: 'calloc' }));
    expect(nativeOwnerKey(a)).not.toBe(nativeOwnerKey({ ...a, stack: [a.stack[1]] }));
    // Overloads read as one function: `foo (corpus.node)`.
    const overload = (signature: string) => ({ allocator: 'malloc', stack: [frame(signature, 'corpus.node')] });
    expect(nativeOwnerKey(overload('foo(int)'))).toBe(nativeOwnerKey(overload('foo(char const*)')));
    expect(nativeOwnerKey({ allocator: 'malloc', stack: [] })).not.toBe(nativeOwnerKey({ allocator: 'calloc', stack: [] }));
    expect(nativeOwnerKey({ allocator: 'malloc', stack: [frame(null, 'libx.so')] })).toBe(
      nativeOwnerKey({ allocator: 'malloc', stack: [] }),
    );
  });

  test('stacks of one owner are one finding: blocks and bytes summed, allocations biggest first', () => {
    const owner = frame('LeakMalloc', 'corpus.node', 0x40);
    const small: NativeSiteSurvivors = {
      allocator: 'malloc',
      stack: [frame('ber_memalloc', 'liblber.so.2'), owner],
      counts: [1, 1, 1],
      bytes: [16, 16, 16],
    };
    const big: NativeSiteSurvivors = {
      allocator: 'strdup',
      stack: [frame('ber_strdup', 'liblber.so.2'), owner],
      counts: [2, 2, 2],
      bytes: [64, 64, 64],
    };
    const findings = nativeFindings(
      [
        { site: small, status: 'growing' },
        { site: big, status: 'growing' },
      ],
      3,
    );
    expect(findings).toEqual([
      {
        kind: 'native',
        name: null,
        site: owner,
        count: 3,
        bytes: 80,
        per: 'call',
        perRound: [3, 3, 3],
        allocations: [
          { allocator: 'strdup', stack: big.stack, count: 2, bytes: 64 },
          { allocator: 'malloc', stack: small.stack, count: 1, bytes: 16 },
        ],
      },
    ]);
  });
});
