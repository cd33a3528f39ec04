#!/usr/bin/env node
'use strict';
// Native survivors per search path and build, with @leakproof/native-tracker (after `npm run build`):
//   LDAPNOINIT=1 [KIND=slapd|embedded] [N=300] [VERBOSE=1] node bench/ldap/native-leak.js
// Expected: shipped 0 blocks per call on every path; not-found-leak 3 blocks (150 B) per zero-entry
// search and 4 blocks (185 B) per noSuchObject, none on found/paged searches.
const { startLdapServer } = require('@leakproof/ldap-fixtures');
const { Client } = require('@leakproof/ldap');
const { loadRegressionClient } = require('@leakproof/ldap/regressions');
const nt = require('@leakproof/native-tracker');
const N = Number(process.env.N || 200);
(async () => {
  const kind = process.env.KIND || 'slapd';
  const server = await startLdapServer({ kind });
  nt.startNativeTracking({ stackDepth: 10 });
  const builds = {
    shipped: Client,
    'not-found-leak': loadRegressionClient('not-found-leak').Client,
    'controls-ref-leak': loadRegressionClient('controls-ref-leak').Client,
  };
  const paths = {
    found: (c) => c.search('dc=example,dc=org', { filter: '(uid=ada)' }),
    zero: (c) => c.search('dc=example,dc=org', { filter: '(uid=nobody)' }),
    noSuchObject: (c) => c.search('ou=nope,dc=example,dc=org').catch(() => {}),
    paged: (c) => c.search('ou=people,dc=example,dc=org', { scope: 'one', paged: { pageSize: 10 } }),
  };
  for (const [name, C] of Object.entries(builds)) {
    const c = new C({ url: server.url });
    await c.bind(server.bindDN, server.password);
    for (const [p, fn] of Object.entries(paths)) {
      for (let i = 0; i < 20; i++) await fn(c); // warm-up
      const epoch = nt.markNative();
      for (let i = 0; i < N; i++) await fn(c);
      const sites = nt.nativeSurvivorsSince(epoch);
      const blocks = sites.reduce((s, x) => s + x.count, 0),
        bytes = sites.reduce((s, x) => s + x.bytes, 0);
      console.log(
        `${kind} ${name} ${p}: ${blocks} blocks, ${bytes} B after ${N} calls (${(blocks / N).toFixed(2)} blocks/call, ${(bytes / N).toFixed(1)} B/call)`,
      );
      if (process.env.VERBOSE && blocks > 0)
        for (const s of sites.slice(0, 4)) console.log('   ', nt.formatLossRecord(s, { calls: N, maxFrames: 6 }));
    }
    await c.unbind();
  }
  nt.stopNativeTracking();
  await server.stop();
})();
