// One owner per libldap/liblber allocation: each type below frees exactly one kind of object
// with the function libldap documents for it, so every early return releases what it holds.
#pragma once

#include <lber.h>
#include <ldap.h>

#include <memory>

namespace leakproof_ldap {

struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
struct ControlsFree {
  void operator()(LDAPControl** c) const { ldap_controls_free(c); }
};
struct ControlFree {
  void operator()(LDAPControl* c) const { ldap_control_free(c); }
};
struct MemFree {
  void operator()(char* s) const { ldap_memfree(s); }
};
struct StringsFree {
  void operator()(char** v) const { ldap_memvfree(reinterpret_cast<void**>(v)); }
};
struct BerFree {
  void operator()(BerElement* b) const { ber_free(b, 0); }
};
struct ValuesFree {
  void operator()(berval** v) const { ldap_value_free_len(v); }
};
struct DnFree {
  void operator()(LDAPDN dn) const { ldap_dnfree(dn); }
};
struct BerMemFree {
  void operator()(char* s) const { ber_memfree(s); }
};
struct BerValuesFree {
  void operator()(berval* v) const { ber_memfree(v); }
};

using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;
using ControlsPtr = std::unique_ptr<LDAPControl*, ControlsFree>;  // NULL-terminated array
using ControlPtr = std::unique_ptr<LDAPControl, ControlFree>;
using LdapString = std::unique_ptr<char, MemFree>;       // from ldap_get_dn, ldap_*_attribute, ldap_parse_result
using StringsPtr = std::unique_ptr<char*, StringsFree>;  // referrals
using BerPtr = std::unique_ptr<BerElement, BerFree>;
using ValuesPtr = std::unique_ptr<berval*, ValuesFree>;  // ldap_get_values_len
using DnPtr = std::unique_ptr<LDAPRDN, DnFree>;          // ldap_str2dn
using BerString = std::unique_ptr<char, BerMemFree>;     // a berval's bytes (paged cookie)
using BerValuesPtr =
    std::unique_ptr<berval, BerValuesFree>;  // ldap_get_attribute_ber's values array (the bytes are the message's)

}  // namespace leakproof_ldap
