// libldap values -> JS values. Everything here runs on the JS thread and owns nothing past return.
#pragma once

#include <napi.h>
#include <ldap.h>

#include <string>

namespace leakproof_ldap {

// Property keys that every search result uses, made once per Node-API environment (see Keys in
// convert.cc). InstallKeys must run in the addon's Init, before anything below.
enum class Key { kDn, kAttributes, kEntries, kControls, kCookie, kOid, kCritical, kValue, kCount };
void InstallKeys(Napi::Env env);
napi_value PropertyKey(napi_env env, Key key);

// { dn, attributes: { name: string[] | Buffer[] } } for one LDAP_RES_SEARCH_ENTRY message.
Napi::Object EntryToJs(Napi::Env env, LDAP* ld, LDAPMessage* entry);

// { entries, controls } of a search, from its converted entries and controls.
Napi::Object SearchResultToJs(Napi::Env env, Napi::Array controls, const napi_value* entries, size_t count);

// [{ oid, critical, value? }]; an empty array when the server sent no controls (ctrls == NULL).
Napi::Array ControlsToJs(Napi::Env env, LDAPControl** ctrls);

// The one shape every failure takes on its way to JS: { code, text, matchedDN?, diagnosticMessage? }.
// src/errors.ts turns it into an LdapError (the class must be the test context's own, see README).
Napi::Object ErrorToJs(Napi::Env env, int code, const char* matched, const char* diagnostic);

// Why the attribute's values become Buffers rather than strings (README, "Binary attributes").
bool IsBinaryAttribute(const char* name);
bool IsUtf8(const char* bytes, size_t length);

}  // namespace leakproof_ldap
