// What goes wrong around the client: bad options, no server, a silent server, a server that dies.
import { BASE_DN, startLdapServer, type LdapServer, type LdapServerKind } from '@leakproof/ldap-fixtures';
import { Client, LdapError } from '@leakproof/ldap';
import { closedPort, startScriptedServer } from './helpers/scripted-server';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('new Client(options)', () => {
  test.each([
    [undefined, TypeError, /options must be an object/],
    [{}, TypeError, /options\.url must be an ldap:\/\/ URL string .*got undefined/],
    [{ url: 'http://localhost' }, TypeError, /options\.url .*got "http:\/\/localhost"/],
    [{ url: 'ldaps://localhost' }, TypeError, /options\.url .*got "ldaps:\/\/localhost"/],
    [{ url: 42 }, TypeError, /options\.url .*got 42/],
    [{ url: 'ldap://localhost', timeout: 0 }, RangeError, /options\.timeout \(ms\) must be an integer from 1 .*got 0/],
    [{ url: 'ldap://localhost', timeout: 1.5 }, RangeError, /options\.timeout .*got 1\.5/],
    [{ url: 'ldap://localhost', timeout: '100' }, TypeError, /options\.timeout .*got "100"/],
  ])('%p is rejected', (options, type, message) => {
    expect(() => new Client(options as never)).toThrow(type);
    expect(() => new Client(options as never)).toThrow(message);
  });

  test('a URL libldap cannot parse is a TypeError naming options.url', () => {
    expect(() => new Client({ url: 'ldap://[::1' })).toThrow(/options\.url "ldap:\/\/\[::1" is not a valid LDAP URL/);
  });

  test('search options are checked before anything is sent', async () => {
    const client = new Client({ url: 'ldap://127.0.0.1:1' });
    await expect(client.search(BASE_DN, { scope: 'subtree' as never })).rejects.toThrow(
      /options\.scope must be 'base', 'one' or 'sub', got "subtree"/,
    );
    await expect(client.search(BASE_DN, { sizeLimit: -1 })).rejects.toThrow(RangeError);
    await expect(client.search(BASE_DN, { paged: { pageSize: 0 } })).rejects.toThrow(/paged\.pageSize/);
    await expect(client.search(BASE_DN, { paged: { pageSize: 5, cookie: 'abc' as never } })).rejects.toThrow(/cookie must be a Buffer/);
    await expect(client.search(42 as never)).rejects.toThrow(/base must be a DN string, got 42/);
    await client.unbind();
  });
});

describe('no server, a silent server, a dying server', () => {
  test('connection refused: serverDown (-1), and the client can be unbound', async () => {
    const port = await closedPort();
    const client = new Client({ url: `ldap://127.0.0.1:${port}`, timeout: 2000 });
    const error = await rejection(client.search(BASE_DN));
    expect(error).toBeInstanceOf(LdapError);
    expect(error).toMatchObject({ code: -1, codeName: 'serverDown' });
    expect((error as Error).message).toMatch(/connect: serverDown \(-1\), Can't contact LDAP server/);
    await expect(client.bind('cn=x', 'y')).rejects.toMatchObject({ code: -1 }); // tries again, fails again
    await client.unbind();
  });

  test('a server that never answers: each operation rejects with timeout (-5) after options.timeout', async () => {
    const server = await startScriptedServer('silent');
    const client = new Client({ url: server.url, timeout: 200 });
    try {
      const started = Date.now();
      const errors = await Promise.all([
        rejection(client.bind('cn=x', 'y')),
        rejection(client.search(BASE_DN)),
        rejection(client.search(BASE_DN)),
      ]);
      for (const error of errors)
        expect(error).toMatchObject({ code: -5, codeName: 'timeout', diagnosticMessage: 'no response within 200 ms' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(client.pending).toBe(0);
    } finally {
      await client.unbind();
      await server.close();
    }
  });

  test('timeLimitExceeded (3) carries the entries received before it', async () => {
    const server = await startScriptedServer('time-limit');
    const client = new Client({ url: server.url });
    try {
      const error = (await rejection(client.search(BASE_DN, { timeLimit: 1 }))) as LdapError;
      expect(error).toMatchObject({ code: 3, codeName: 'timeLimitExceeded', diagnosticMessage: 'time limit of the scripted server' });
      expect(error.entries?.map((e) => e.dn)).toEqual(['cn=partial,dc=example,dc=org']);
    } finally {
      await client.unbind();
      await server.close();
    }
  });

  test('the connection drops with 100 searches in flight: every one rejects with serverDown, later ones too', async () => {
    const server = await startScriptedServer('silent');
    const client = new Client({ url: server.url });
    try {
      const inFlight = Array.from({ length: 100 }, () => rejection(client.search(BASE_DN)));
      while (server.requests < 100) await new Promise((resolve) => setTimeout(resolve, 5));
      server.dropConnections();
      const errors = await Promise.all(inFlight);
      for (const error of errors) expect(error).toMatchObject({ code: -1, codeName: 'serverDown' });
      expect(await rejection(client.search(BASE_DN))).toMatchObject({ code: -1, codeName: 'serverDown' });
    } finally {
      await client.unbind();
      await server.close();
    }
  }, 20_000);
});

describe.each<LdapServerKind>(['embedded', 'slapd'])('the %s server stopped mid-operation', (kind) => {
  // Started in beforeAll: the fixture's own start-up objects are not this test's heap.
  let server: LdapServer;
  beforeAll(async () => {
    server = await startLdapServer({ kind });
  });
  afterAll(() => server?.stop());

  test('every search settles (none hangs, no crash), the failed ones and later ones with LdapError', async () => {
    const client = new Client({ url: server.url, timeout: 10_000 });
    try {
      await client.bind(server.bindDN, server.password);
      const searches = Array.from({ length: 200 }, () =>
        client.search(BASE_DN).then(
          (result) => ({ ok: true as const, entries: result.entries.length }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      );
      const stopped = server.stop();
      const outcomes = await Promise.all(searches);
      await stopped;
      for (const outcome of outcomes) {
        if (outcome.ok) expect(outcome.entries).toBeGreaterThan(0);
        else expect(outcome.error).toBeInstanceOf(LdapError);
      }
      expect(await rejection(client.search(BASE_DN))).toMatchObject({ code: -1, codeName: 'serverDown' });
    } finally {
      await client.unbind();
    }
  }, 30_000);
});
