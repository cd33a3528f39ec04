#!/usr/bin/env node
'use strict';
// For valgrind: N x (a zero-entry search + a noSuchObject search), then unbind.
//   LDAPNOINIT=1 valgrind --leak-check=full --show-leak-kinds=definite node bench/ldap/valgrind-not-found.js <shipped|not-found-leak> N
// Measured: shipped 0 B definitely lost (N=50, 100); not-found-leak 6,500 B direct in 150 blocks at N=50, 13,000 B in 300 blocks at N=100.
const { startLdapServer } = require('@leakproof/ldap-fixtures');
const variant = process.argv[2];
const N = Number(process.argv[3] || 100);
const { Client } =
  variant === 'shipped' ? require('@leakproof/ldap') : require('@leakproof/ldap/regressions').loadRegressionClient(variant);
(async () => {
  const server = await startLdapServer({ kind: 'slapd' });
  const client = new Client({ url: server.url });
  await client.bind(server.bindDN, server.password);
  for (let i = 0; i < N; i++) {
    await client.search('dc=example,dc=org', { filter: '(uid=nobody)' });
    await client.search('ou=nope,dc=example,dc=org').catch(() => undefined);
  }
  await client.unbind();
  await server.stop();
})();
