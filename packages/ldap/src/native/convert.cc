#include "convert.h"

#include <strings.h>

#include <cstring>

#include "owners.h"

namespace leakproof_ldap {

namespace {

// Attributes whose syntax is binary in the standard schemas (RFC 4517, 4523, 2798) and the usual
// Active Directory ones: their values are Buffers even when the bytes happen to be valid UTF-8.
const char* const kBinaryAttributes[] = {
    "jpegphoto",        "photo",           "audio",
    "usercertificate",  "cacertificate",   "certificaterevocationlist",
    "authorityrevocationlist", "crosscertificatepair", "deltarevocationlist",
    "usersmimecertificate", "userpkcs12",  "objectguid",
    "objectsid",        "thumbnailphoto",  "msexchmailboxguid",
};

}  // namespace

bool IsBinaryAttribute(const char* name) {
  const char* options = std::strchr(name, ';');
  size_t base_length = options ? static_cast<size_t>(options - name) : std::strlen(name);
  // Any ";binary" option (RFC 4522), e.g. userCertificate;binary.
  for (const char* o = options; o; o = std::strchr(o + 1, ';')) {
    if (strncasecmp(o + 1, "binary", 6) == 0 && (o[7] == ';' || o[7] == '\0')) return true;
  }
  for (const char* binary : kBinaryAttributes) {
    if (std::strlen(binary) == base_length && strncasecmp(name, binary, base_length) == 0) return true;
  }
  return false;
}

bool IsUtf8(const char* bytes, size_t length) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes);
  size_t i = 0;
  while (i < length) {
    unsigned char c = s[i];
    size_t extra;
    unsigned int min;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { extra = 1; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; min = 0x10000; }
    else return false;
    if (i + extra >= length) return false;  // truncated sequence
    unsigned int cp = c & (0x3F >> extra);
    for (size_t k = 1; k <= extra; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

Napi::Object EntryToJs(Napi::Env env, LDAP* ld, LDAPMessage* entry) {
  Napi::Object result = Napi::Object::New(env);
  LdapString dn(ldap_get_dn(ld, entry));
  result.Set("dn", dn ? Napi::String::New(env, dn.get()) : Napi::String::New(env, ""));

  Napi::Object attributes = Napi::Object::New(env);
  BerElement* raw_ber = nullptr;
  LdapString name(ldap_first_attribute(ld, entry, &raw_ber));
  BerPtr ber(raw_ber);
  for (; name; name.reset(ldap_next_attribute(ld, entry, ber.get()))) {
    ValuesPtr values(ldap_get_values_len(ld, entry, name.get()));
    size_t count = values ? ldap_count_values_len(values.get()) : 0;
    bool binary = IsBinaryAttribute(name.get());
    for (size_t i = 0; !binary && i < count; i++) {
      binary = !IsUtf8(values.get()[i]->bv_val, values.get()[i]->bv_len);
    }
    Napi::Array list = Napi::Array::New(env, count);
    for (size_t i = 0; i < count; i++) {
      const berval* v = values.get()[i];
      if (binary) {
        list.Set(static_cast<uint32_t>(i), Napi::Buffer<char>::Copy(env, v->bv_val, v->bv_len));
      } else {
        list.Set(static_cast<uint32_t>(i), Napi::String::New(env, v->bv_val, v->bv_len));
      }
    }
    attributes.Set(name.get(), list);
  }
  result.Set("attributes", attributes);
  return result;
}

Napi::Array ControlsToJs(Napi::Env env, LDAPControl** ctrls) {
  Napi::Array list = Napi::Array::New(env);
  if (ctrls == nullptr) {
#ifdef LEAKPROOF_REGRESSION_CONTROLS_REF_LEAK
    // Regression build only (python-ldap 2.2.0's l_ldap_result3 bug, in N-API terms): a strong
    // reference to the empty array that is never deleted. Each search leaves one empty Array
    // alive as a V8 global handle.
    napi_ref leaked;
    napi_create_reference(env, list, 1, &leaked);
#endif
    return list;
  }
  uint32_t i = 0;
  for (LDAPControl** c = ctrls; *c; c++, i++) {
    Napi::Object control = Napi::Object::New(env);
    control.Set("oid", Napi::String::New(env, (*c)->ldctl_oid ? (*c)->ldctl_oid : ""));
    control.Set("critical", Napi::Boolean::New(env, (*c)->ldctl_iscritical != 0));
    if ((*c)->ldctl_value.bv_val != nullptr) {
      control.Set("value", Napi::Buffer<char>::Copy(env, (*c)->ldctl_value.bv_val, (*c)->ldctl_value.bv_len));
    }
    list.Set(i, control);
  }
  return list;
}

Napi::Object ErrorToJs(Napi::Env env, int code, const char* matched, const char* diagnostic) {
  Napi::Object error = Napi::Object::New(env);
  error.Set("code", Napi::Number::New(env, code));
  error.Set("text", Napi::String::New(env, ldap_err2string(code)));
  if (matched && *matched) error.Set("matchedDN", Napi::String::New(env, matched));
  if (diagnostic && *diagnostic) error.Set("diagnosticMessage", Napi::String::New(env, diagnostic));
  return error;
}

}  // namespace leakproof_ldap
