'use strict';
// The three Node clients behind one interface: openClient(name, { url, bindDN, password, base, filter })
// resolves to { search(): Promise<number of entries>, close() }. Each search is a subtree search with
// the given filter, all user attributes, and turns every entry into plain JS data the way the
// library's users get it: @leakproof/ldap's { dn, attributes }, ldapts's searchEntries, ldapjs's entry.pojo.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');

const CLIENTS = {
  async binding({ url, bindDN, password, base, filter, bindingDir }) {
    // run.js passes a snapshot of the built package (same layout), immune to rebuilds mid-run.
    const { Client } = require(bindingDir ?? '@leakproof/ldap');
    const client = new Client({ url });
    await client.bind(bindDN, password);
    const options = { scope: 'sub', filter };
    return {
      search: async () => (await client.search(base, options)).entries.length,
      close: () => client.unbind(),
    };
  },

  async ldapts({ url, bindDN, password, base, filter }) {
    const { Client } = require('ldapts');
    const client = new Client({ url });
    await client.bind(bindDN, password);
    const options = { scope: 'sub', filter };
    return {
      search: async () => (await client.search(base, options)).searchEntries.length,
      close: () => client.unbind(),
    };
  },

  async ldapjs({ url, bindDN, password, base, filter }) {
    // ldapjs is a dependency of @leakproof/ldap-fixtures: resolve it from there.
    const ldapjs = require(require.resolve('ldapjs', { paths: [path.join(ROOT, 'fixtures/ldap')] }));
    const client = ldapjs.createClient({ url, reconnect: false });
    await new Promise((resolve, reject) => {
      client.once('error', reject);
      client.bind(bindDN, password, (error) => (error ? reject(error) : resolve()));
    });
    const options = { scope: 'sub', filter };
    const search = () =>
      new Promise((resolve, reject) => {
        client.search(base, options, (error, res) => {
          if (error) return reject(error);
          const entries = [];
          res.on('searchEntry', (entry) => entries.push(entry.pojo));
          res.on('error', reject);
          res.on('end', (result) =>
            result.status === 0 ? resolve(entries.length) : reject(new Error(`search ended with status ${result.status}`)),
          );
        });
      });
    return {
      search,
      close: () => new Promise((resolve) => client.unbind(() => resolve())),
    };
  },
};

// Not an LDAP library: the floor of any Node client on this machine. A net.Socket (TCP_NODELAY,
// as libldap sets it) sends a search request encoded once (only its messageID changes) and counts
// the SearchResultEntry frames until the SearchResultDone, parsing no more than BER framing; the
// entries are not decoded. What is left is the cost of one round trip through libuv, a promise
// and the event loop.
CLIENTS.floor = async function floor({ url, bindDN, password, base, filter }) {
  const net = require('node:net');
  const m = /^ldap:\/\/([^:/]+):(\d+)/.exec(url);
  const eq = /^\(([^=()]+)=([^=()*]+)\)$/.exec(filter);
  if (!m || !eq) throw new Error(`floor: needs ldap://host:port and an equality filter, got ${url} ${filter}`);
  const tlv = (tag, ...parts) => {
    const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    const len =
      body.length < 128
        ? Buffer.from([body.length])
        : body.length < 256
          ? Buffer.from([0x81, body.length])
          : Buffer.from([0x82, body.length >> 8, body.length & 255]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
  };
  const int4 = (n) => Buffer.from([0x02, 4, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const message = (id, op) => tlv(0x30, int4(id), op);
  const socket = net.connect({ host: m[1], port: Number(m[2]), noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let pending; // { resolve, reject, entries }
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      if (buffer.length < 2) return;
      let len = buffer[1];
      let head = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (buffer.length < 2 + n) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + buffer[2 + i];
        head = 2 + n;
      }
      if (buffer.length < head + len) return;
      const frame = buffer.subarray(head, head + len);
      buffer = buffer.subarray(head + len);
      const op = frame[2 + frame[1]]; // after the messageID INTEGER (short form)
      if (op === 0x64) pending.entries++;
      else if (op === 0x61 || op === 0x65) {
        const p = pending;
        pending = undefined;
        const code = frame[2 + frame[1] + 4]; // resultCode ENUMERATED, short forms
        if (code === 0) p.resolve(p.entries);
        else p.reject(new Error(`result code ${code}`));
      }
    }
  });
  socket.on('error', (error) => pending?.reject(error));
  let id = 1;
  const send = (op) =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject, entries: 0 };
      socket.write(message(id++, op));
    });
  await send(tlv(0x60, Buffer.from([0x02, 1, 3]), tlv(0x04, bindDN), tlv(0x80, password)));
  const searchOp = tlv(
    0x63,
    tlv(0x04, base),
    Buffer.from([0x0a, 1, 2, 0x0a, 1, 0, 0x02, 1, 0, 0x02, 1, 0, 0x01, 1, 0]),
    tlv(0xa3, tlv(0x04, eq[1]), tlv(0x04, eq[2])),
    Buffer.from([0x30, 0]),
  );
  return {
    search: () => {
      if (pending) throw new Error('floor: one search at a time (sequential mode only)');
      return send(searchOp);
    },
    close: async () => socket.destroy(),
  };
};

async function openClient(name, options) {
  const open = CLIENTS[name];
  if (!open) throw new Error(`unknown client ${name} (known: ${Object.keys(CLIENTS).join(', ')})`);
  return open(options);
}

module.exports = { openClient, CLIENT_NAMES: Object.keys(CLIENTS) };
