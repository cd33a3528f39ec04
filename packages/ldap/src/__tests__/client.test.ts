// The shipped client against both real servers: same tests, same data (fixtures/ldap).
import { BASE_DN, LDIF_PATH, readLdif, startLdapServer, type LdapServer, type LdapServerKind } from '@leakproof/ldap-fixtures';
import { Client, ClientClosedError, LdapError, PAGED_RESULTS_OID, type SearchEntry } from '@leakproof/ldap';

const KINDS: LdapServerKind[] = ['embedded', 'slapd'];
const PEOPLE = `ou=people,${BASE_DN}`;
const ADA = `uid=ada,${PEOPLE}`;
const ALAN = `uid=alan,${PEOPLE}`;
const ldif = readLdif(LDIF_PATH);
const under = (parent: string) => ldif.map((e) => e.dn).filter((dn) => dn.endsWith(`,${parent}`));
const childrenOf = (parent: string) => under(parent).filter((dn) => !dn.slice(0, -parent.length - 1).includes(','));
const values = (dn: string, type: string) => ldif.find((e) => e.dn === dn)!.attributes.find((a) => a.type === type)!.values;
const dnsOf = (entries: SearchEntry[]) => entries.map((e) => e.dn).sort();

/** Settles to the LdapError it rejected with (fails the test if it resolved or threw something else). */
async function ldapErrorOf(promise: Promise<unknown>): Promise<LdapError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LdapError);
  return error as LdapError;
}

describe.each(KINDS)('Client against the %s server', (kind) => {
  let server: LdapServer;
  let client: Client;

  beforeAll(async () => {
    server = await startLdapServer({ kind });
    client = new Client({ url: server.url, timeout: 10_000 });
    await client.bind(server.bindDN, server.password);
  });

  afterAll(async () => {
    await client?.unbind();
    await server?.stop();
  });

  test('bind: the admin and a person succeed; a wrong password is invalidCredentials (49)', async () => {
    const other = new Client({ url: server.url });
    try {
      await other.bind(ADA, 'ada-secret');
      const error = await ldapErrorOf(other.bind(ADA, 'wrong'));
      expect(error).toMatchObject({ code: 49, codeName: 'invalidCredentials' });
      expect(error.message).toContain('invalidCredentials (49)');
    } finally {
      await other.unbind();
    }
  });

  test('a base search returns the entry, its attributes as strings and jpegPhoto as a Buffer', async () => {
    const { entries, controls } = await client.search(ADA, { scope: 'base' });
    expect(entries).toHaveLength(1);
    const [ada] = entries;
    expect(ada.dn).toBe(ADA);
    expect(ada.attributes.mail).toEqual(['ada@example.org', 'ada.lovelace@example.org']);
    expect(ada.attributes.cn).toEqual(['Ada Lovelace']);
    const photo = ada.attributes.jpegPhoto as Buffer[];
    expect(Buffer.isBuffer(photo[0])).toBe(true);
    expect(photo[0].equals(values(ADA, 'jpegPhoto')[0])).toBe(true);
    expect(Array.isArray(controls) && controls.length).toBe(0);
  });

  test('requested attributes only; userCertificate;binary comes back as a Buffer', async () => {
    const { entries } = await client.search(ALAN, { scope: 'base', attributes: ['cn', 'userCertificate;binary'] });
    const attributes = entries[0].attributes;
    expect(Object.keys(attributes).sort()).toEqual(['cn', 'userCertificate;binary']);
    const certificate = attributes['userCertificate;binary'][0] as Buffer;
    expect(Buffer.isBuffer(certificate) && certificate.equals(values(ALAN, 'userCertificate;binary')[0])).toBe(true);
  });

  test('non-ASCII UTF-8 values are strings', async () => {
    const kurt = `uid=kurt,${PEOPLE}`;
    const { entries } = await client.search(kurt, { scope: 'base', attributes: ['cn'] });
    expect(entries[0].attributes.cn).toEqual(values(kurt, 'cn').map((v) => v.toString('utf8')));
    // eslint-disable-next-line no-control-regex -- "any character outside ASCII" starts at \x00
    expect(entries[0].attributes.cn[0]).toMatch(/[^\x00-\x7f]/);
  });

  test('scopes: base, one and sub', async () => {
    const base = await client.search(PEOPLE, { scope: 'base', attributes: ['1.1'] });
    expect(dnsOf(base.entries)).toEqual([PEOPLE]);
    const one = await client.search(PEOPLE, { scope: 'one', attributes: ['1.1'] });
    expect(dnsOf(one.entries)).toEqual(childrenOf(PEOPLE).sort());
    const sub = await client.search(BASE_DN, { scope: 'sub', attributes: ['1.1'] });
    expect(dnsOf(sub.entries)).toEqual([BASE_DN, ...under(BASE_DN)].sort());
  });

  test('a filter matching nothing: zero entries, result 0, controls []', async () => {
    const result = await client.search(BASE_DN, { filter: '(uid=nobody)' });
    expect(result.entries).toHaveLength(0);
    expect(Array.isArray(result.controls)).toBe(true);
    expect(result.controls).toHaveLength(0);
    expect(result.cookie).toBeUndefined();
  });

  test('a missing base is noSuchObject (32) with the matchedDN', async () => {
    const error = await ldapErrorOf(client.search(`uid=nobody,${PEOPLE}`));
    expect(error).toMatchObject({ code: 32, codeName: 'noSuchObject', matchedDN: PEOPLE });
  });

  test('an invalid filter is filterError (-7), raised by libldap before sending', async () => {
    const error = await ldapErrorOf(client.search(BASE_DN, { filter: '(uid=ada' }));
    expect(error).toMatchObject({ code: -7, codeName: 'filterError' });
    // the connection is still usable
    expect((await client.search(ADA, { scope: 'base' })).entries).toHaveLength(1);
  });

  test('an invalid DN is invalidDNSyntax (34), for a search base and for bind', async () => {
    for (const dn of ['not a dn', 'uid=ada,,dc=example,dc=org']) {
      expect(await ldapErrorOf(client.search(dn))).toMatchObject({ code: 34, codeName: 'invalidDNSyntax' });
    }
    expect(await ldapErrorOf(client.bind('=x', 'secret'))).toMatchObject({ code: 34 });
    expect((await client.search(ADA, { scope: 'base' })).entries).toHaveLength(1);
  });

  test('a size limit is sizeLimitExceeded (4) with the entries received so far on the error', async () => {
    const error = await ldapErrorOf(client.search(PEOPLE, { scope: 'one', sizeLimit: 2, attributes: ['1.1'] }));
    expect(error).toMatchObject({ code: 4, codeName: 'sizeLimitExceeded' });
    expect(error.entries).toHaveLength(2);
    expect(childrenOf(PEOPLE)).toEqual(expect.arrayContaining(dnsOf(error.entries!)));
  });

  test('a generous time limit changes nothing', async () => {
    expect((await client.search(PEOPLE, { scope: 'one', timeLimit: 30 })).entries).toHaveLength(childrenOf(PEOPLE).length);
  });

  test('a paged search returns the paged-results control and a cookie until the last page', async () => {
    const pages: SearchEntry[][] = [];
    let cookie: Buffer | undefined;
    do {
      const result = await client.search(PEOPLE, { scope: 'one', attributes: ['uid'], paged: { pageSize: 2, cookie } });
      expect(result.controls.map((c) => c.oid)).toEqual([PAGED_RESULTS_OID]);
      expect(Buffer.isBuffer(result.controls[0].value)).toBe(true);
      pages.push(result.entries);
      cookie = result.cookie;
    } while (cookie && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(dnsOf(pages.flat())).toEqual(childrenOf(PEOPLE).sort());
  });

  test('100 concurrent searches on one client all resolve with their own entry', async () => {
    const uids = childrenOf(PEOPLE).map((dn) => dn.split(',')[0].slice(4));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.search(BASE_DN, { filter: `(uid=${uids[i % uids.length]})`, attributes: ['uid'] })),
    );
    results.forEach((result, i) => expect(result.entries.map((e) => e.attributes.uid)).toEqual([[uids[i % uids.length]]]));
    expect(client.pending).toBe(0);
  });

  test('searchIterator streams entries, following every page', async () => {
    const streamed: string[] = [];
    for await (const entry of client.searchIterator(BASE_DN, { attributes: ['1.1'], paged: { pageSize: 3 } })) streamed.push(entry.dn);
    expect(streamed.sort()).toEqual([BASE_DN, ...under(BASE_DN)].sort());
    const plain: string[] = [];
    for await (const entry of client.searchIterator(PEOPLE, { scope: 'one' })) plain.push(entry.dn);
    expect(plain.sort()).toEqual(childrenOf(PEOPLE).sort());
  });

  test('searchIterator: leaving early abandons the search; errors reject the loop', async () => {
    let seen = 0;
    for await (const entry of client.searchIterator(BASE_DN)) {
      expect(typeof entry.dn).toBe('string');
      if (++seen === 2) break;
    }
    expect(client.pending).toBe(0);
    const error = await ldapErrorOf(
      (async () => {
        for await (const entry of client.searchIterator(`ou=nope,${BASE_DN}`)) void entry;
      })(),
    );
    expect(error.code).toBe(32);
  });

  test('unbind: operations in flight reject, later use rejects with ClientClosedError, a second unbind is a no-op', async () => {
    const other = new Client({ url: server.url });
    await other.bind(server.bindDN, server.password);
    const inFlight = other.search(BASE_DN);
    await other.unbind();
    const error = await ldapErrorOf(inFlight);
    expect(error.code).toBe(-8);
    const after = await ldapErrorOf(other.search(BASE_DN));
    expect(after).toBeInstanceOf(ClientClosedError);
    expect(after).toMatchObject({ code: -8, codeName: 'userCancelled' });
    await expect(other.bind(server.bindDN, server.password)).rejects.toBeInstanceOf(ClientClosedError);
    await expect(other.unbind()).resolves.toBeUndefined();
  });
});
