// The test-only builds (binding.gyp: the same sources with a leak compiled in) answer exactly like
// the shipped client; only what they leak differs, and leakproof's matchers tell them apart.
import { BASE_DN, startLdapServer, type LdapServer, type LdapServerKind } from '@leakproof/ldap-fixtures';
import { Client, LdapError, type SearchOptions } from '@leakproof/ldap';
import { loadRegressionClient, REGRESSIONS, type RegressionName } from '@leakproof/ldap/regressions';

const PEOPLE = `ou=people,${BASE_DN}`;
const NAMES = Object.keys(REGRESSIONS) as RegressionName[];

type Searcher = Pick<Client, 'search'>;

/** Every path the regressions touch, as comparable data (entries sorted: LDAP does not order them). */
const SCENARIOS: Array<[string, string, SearchOptions]> = [
  ['found', BASE_DN, { filter: '(uid=ada)' }],
  ['zero entries', BASE_DN, { filter: '(uid=nobody)' }],
  ['noSuchObject', `ou=nope,${BASE_DN}`, {}],
  ['one level', PEOPLE, { scope: 'one', attributes: ['uid', 'mail'] }],
  ['paged', PEOPLE, { scope: 'one', attributes: ['uid'], paged: { pageSize: 2 } }],
  ['size limit', PEOPLE, { scope: 'one', sizeLimit: 1, attributes: ['uid'] }],
  ['invalid filter', BASE_DN, { filter: '(uid=' }],
];

async function outcome(client: Searcher, base: string, options: SearchOptions): Promise<unknown> {
  try {
    const { entries, controls, cookie } = await client.search(base, options);
    return {
      entries: [...entries].sort((a, b) => a.dn.localeCompare(b.dn)),
      controls: controls.map((c) => c.oid),
      more: cookie !== undefined,
    };
  } catch (error) {
    if (!(error instanceof LdapError)) throw error;
    return { code: error.code, codeName: error.codeName, matchedDN: error.matchedDN, partial: error.entries?.length };
  }
}

describe.each<LdapServerKind>(['embedded', 'slapd'])('regression builds against the %s server', (kind) => {
  let server: LdapServer;
  const clients: Array<{ unbind(): Promise<void> }> = [];

  beforeAll(async () => {
    server = await startLdapServer({ kind });
  });

  afterAll(async () => {
    for (const client of clients) await client.unbind();
    await server?.stop();
  });

  test.each(NAMES)('%s answers every scenario like the shipped client', async (name) => {
    const regression = loadRegressionClient(name);
    expect(regression.variant).toBe(name);
    const shipped = new Client({ url: server.url });
    const leaky = new regression.Client({ url: server.url });
    clients.push(shipped, leaky);
    await shipped.bind(server.bindDN, server.password);
    await leaky.bind(server.bindDN, server.password);
    for (const [label, base, options] of SCENARIOS) {
      const expected = await outcome(shipped, base, options);
      expect({ label, outcome: await outcome(leaky, base, options) }).toEqual({ label, outcome: expected });
    }
    await expect(leaky.bind(server.bindDN, 'wrong')).rejects.toBeInstanceOf(regression.LdapError);
  });
});

// The story, pinned on both servers: the shipped build is clean on every path; each regression
// build is caught with its attribution, and only on the path that has the bug.
describe.each<LdapServerKind>(['embedded', 'slapd'])('leak verdicts against the %s server', (kind) => {
  let server: LdapServer;
  let shipped: Client;
  let controlsLeak: Client;
  let notFoundLeak: Client;

  beforeAll(async () => {
    server = await startLdapServer({ kind });
    shipped = new Client({ url: server.url });
    controlsLeak = new (loadRegressionClient('controls-ref-leak').Client)({ url: server.url });
    notFoundLeak = new (loadRegressionClient('not-found-leak').Client)({ url: server.url });
    for (const client of [shipped, controlsLeak, notFoundLeak]) await client.bind(server.bindDN, server.password);
  });

  afterAll(async () => {
    for (const client of [shipped, controlsLeak, notFoundLeak]) await client?.unbind();
    await server?.stop();
  });

  const found = (client: Client) => client.search(BASE_DN, { filter: '(uid=ada)', attributes: ['uid'] });
  const zeroEntries = (client: Client) => client.search(BASE_DN, { filter: '(uid=nobody)' });
  const noSuchObject = (client: Client) => client.search(`ou=nope,${BASE_DN}`).catch((error: unknown) => error);

  test('shipped: found, zero entries, noSuchObject and paged searches do not leak', async () => {
    await expect(() => found(shipped)).toNotLeak();
    await expect(() => zeroEntries(shipped)).toNotLeak();
    await expect(() => noSuchObject(shipped)).toNotLeak();
    await expect(() => shipped.search(PEOPLE, { scope: 'one', attributes: ['uid'], paged: { pageSize: 2 } })).toNotLeak();
  });

  test('shipped: errors (invalid filter, invalid DN, size limit) do not leak', async () => {
    await expect(() =>
      Promise.all([
        shipped.search(BASE_DN, { filter: '(uid=' }).catch((error: unknown) => error),
        shipped.search('not a dn').catch((error: unknown) => error),
        shipped.search(PEOPLE, { scope: 'one', sizeLimit: 1 }).catch((error: unknown) => error),
      ]),
    ).toNotLeak();
  });

  // The verdict itself takes < 1 s; naming the constructor (Array) and its retainer, (Global
  // handles), needs a heap snapshot of the whole Jest worker: 25-40 s on a busy 2-core VM.
  test('controls-ref-leak: Array +1 per search without controls, retained by a global handle', async () => {
    let message = '';
    try {
      await expect(() => found(controlsLeak)).toNotLeak({ timeout: 150_000 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Array: \+1(\.0\d)? per call/m);
    expect(message).toMatch(/retained by a global handle: a napi_ref/);
    expect(message).toMatch(/retained by: \(GC roots: global handle\) \.\.\. \(Global handles\)/);
  }, 180_000);

  test('controls-ref-leak: a paged search (the server sends controls) does not leak', async () => {
    await expect(() => controlsLeak.search(PEOPLE, { scope: 'one', attributes: ['uid'], paged: { pageSize: 2 } })).toNotLeak();
  });

  test('not-found-leak: the found path passes (the story\'s "tested only the found case" trap)', async () => {
    await expect(() => found(notFoundLeak)).toNotLeak();
  });

  test('not-found-leak: native bytes per search finding nothing, in the result-handling function, from ldap_result', async () => {
    await expect(() => zeroEntries(notFoundLeak)).toLeak({
      kind: 'native',
      what: 'leakproof_ldap::Client::HandleResults',
      bytesPerCall: 150,
    });
    let message = '';
    try {
      await expect(() => zeroEntries(notFoundLeak)).toNotLeak();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /native memory allocated in leakproof_ldap::Client::HandleResults \(leakproof_ldap_not_found_leak\.node\): \+150 B per call in 3 blocks/,
    );
    expect(message).toMatch(
      /allocated at: c?alloc <- ber_mem\w+ \(liblber[^)]*\) <- [\s\S]*ldap_result \(libldap[^)]*\) <- leakproof_ldap::Client::HandleResults/,
    );
    expect(message).not.toMatch(/JS objects|^Array/m);
  });

  test('not-found-leak: noSuchObject leaks the message and what ldap_parse_result returned in HandleSearchResult', async () => {
    await expect(() => noSuchObject(notFoundLeak)).toLeak({ kind: 'native', what: 'leakproof_ldap::Client::HandleResults' });
    await expect(() => noSuchObject(notFoundLeak)).toLeak({ kind: 'native', what: 'leakproof_ldap::Client::HandleSearchResult' });
  });
});
