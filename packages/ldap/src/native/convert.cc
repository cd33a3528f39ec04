#include "convert.h"

#include <strings.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "owners.h"

namespace leakproof_ldap {

namespace {

// Attributes whose syntax is binary in the standard schemas (RFC 4517, 4523, 2798) and the usual
// Active Directory ones: their values are Buffers even when the bytes happen to be valid UTF-8.
const char* const kBinaryAttributes[] = {
    "jpegphoto",
    "photo",
    "audio",
    "usercertificate",
    "cacertificate",
    "certificaterevocationlist",
    "authorityrevocationlist",
    "crosscertificatepair",
    "deltarevocationlist",
    "usersmimecertificate",
    "userpkcs12",
    "objectguid",
    "objectsid",
    "thumbnailphoto",
    "msexchmailboxguid",
};

// Raw Node-API calls in the per-entry path (node-addon-api's wrappers add little, but its
// Set(const char*, ...) makes and interns a new key string on every call). A failed call leaves
// a pending exception, thrown as node-addon-api would.
inline void Check(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

// The JS half of EntryToJs, compiled once per environment: it makes the attributes object and
// its value arrays from values passed as arguments, as laid out by EntryToJs in `layout` (a
// Uint32Array whose memory EntryToJs writes directly): layout[0] is the number of attributes,
// then two numbers per attribute: its key (an index into `keys`, or NONE when the key is the next
// argument) and its value count (or NONE when the next argument is the values array itself).
// It is called with (dn, attributes, ...values): attributes undefined on the first call for an
// entry; dn undefined when more calls follow (an entry too large for one call), then it returns
// the attributes object to pass to the next one, else the entry { dn, attributes }.
// assembleResult(controls, ...entries) makes a search's { entries, controls }.
//
// Why: Node-API stores are runtime calls. Per entry of uid=ada (valgrind --tool=callgrind, in
// instructions): 16 napi_set_property ~27,600, 17 napi_set_element ~18,000, 16
// napi_create_array_with_length ~7,500, out of ~89,500 for the whole conversion; one
// napi_call_function into this JIT-compiled function replaces all of them (the conversion then
// took ~33,400; ~26,900 with the BER walk of EntryToJs). assembleResult replaces 2 napi_set_property,
// napi_create_array_with_length and napi_set_element per search (~6,000 instructions with the keys). Assignments
// (`attributes[key] = values`, `entry.dn = dn`) keep napi_set_property's [[Set]] semantics.
const char kAssembleSource[] = R"js(
(function (keys, layout) {
  const NONE = 0xffffffff;
  function assembleEntry(dn, attributes, ...args) {
    if (attributes === undefined) attributes = {};
    const n = layout[0];
    for (let a = 0, p = 1, i = 0; a < n; a++, p += 2) {
      const key = layout[p] === NONE ? args[i++] : keys[layout[p]];
      const count = layout[p + 1];
      let values;
      if (count === NONE) {
        values = args[i++];
      } else {
        values = new Array(count);
        for (let k = 0; k < count; k++) values[k] = args[i++];
      }
      attributes[key] = values;
    }
    if (dn === undefined) return attributes;
    const entry = {};
    entry.dn = dn;
    entry.attributes = attributes;
    return entry;
  }
  function assembleResult(controls, ...entries) {
    const result = {};
    result.entries = entries;
    result.controls = controls;
    return result;
  }
  return [assembleEntry, assembleResult];
})
)js";

// Per-environment state of the conversions (Node-API instance data): the property keys, the
// assembleEntry function and its layout array.
//
// Keys: every attribute name was a new JS string per entry, which V8 then hashed and looked up in
// its string table (interning) to use it as a property key, after ldap_first/next_attribute had
// malloc'ed a copy of it and IsBinaryAttribute had strcasecmp'ed it against 15 names. The cache
// maps the name's bytes to an index into `keys` (a JS array, read by assembleEntry) and to the
// name's binary-ness (IsBinaryAttribute depends only on the name).
// Node 20 refuses napi_create_reference on a string (only objects, functions and symbols below
// NAPI_VERSION_EXPERIMENTAL), and node_api_create_property_key_* (interned at creation) is
// NAPI_EXPERIMENTAL in Node 20 too, hence one array of keys, held by one reference.
//
// Bounded: at most kMaxNames names of at most kMaxNameLength bytes, first come first kept; past
// that a name is passed as a new string every time, as before. A directory has a few hundred
// attribute types at most, so the cache fills within the first searches and never grows after:
// no per-search retention (regressions.test.ts's toNotLeak checks).
class Converter {
 public:
  static constexpr uint32_t kNone = 0xffffffff;  // NONE in kAssembleSource
  static constexpr size_t kSlots = 512;          // open addressing, power of two
  static constexpr size_t kMaxNames = kSlots / 2;
  static constexpr size_t kMaxNameLength = 48;
  static constexpr uint32_t kFixedCount = static_cast<uint32_t>(Key::kCount);
  // Per assembleEntry call. An entry with more attributes or values takes several calls; an
  // attribute with more than kMaxInlineValues values gets its array made here (napi_set_element).
  static constexpr size_t kMaxAttributes = 128;
  static constexpr size_t kMaxArgs = 256;
  static constexpr size_t kMaxInlineValues = 64;

  explicit Converter(napi_env env) {
    static const char* const kFixed[] = {"dn",     "attributes", "entries",  "controls",
                                         "cookie", "oid",        "critical", "value"};
    static_assert(sizeof(kFixed) / sizeof(kFixed[0]) == kFixedCount, "one name per Key");
    napi_value keys;
    Check(env, napi_create_array(env, &keys));
    for (uint32_t i = 0; i < kFixedCount; i++) {
      Check(env, napi_set_element(env, keys, i, NewKey(env, kFixed[i], std::strlen(kFixed[i]))));
    }
    void* data = nullptr;
    napi_value buffer;
    napi_value layout;
    Check(env, napi_create_arraybuffer(env, (1 + 2 * kMaxAttributes) * sizeof(uint32_t), &data, &buffer));
    Check(env, napi_create_typedarray(env, napi_uint32_array, 1 + 2 * kMaxAttributes, buffer, 0, &layout));
    layout_ = static_cast<uint32_t*>(data);
    napi_value source;
    napi_value factory;
    napi_value functions;
    napi_value assemble_entry;
    napi_value assemble_result;
    napi_value undefined;
    Check(env, napi_create_string_utf8(env, kAssembleSource, NAPI_AUTO_LENGTH, &source));
    Check(env, napi_run_script(env, source, &factory));
    Check(env, napi_get_undefined(env, &undefined));
    napi_value args[] = {keys, layout};
    Check(env, napi_call_function(env, undefined, factory, 2, args, &functions));
    Check(env, napi_get_element(env, functions, 0, &assemble_entry));
    Check(env, napi_get_element(env, functions, 1, &assemble_result));
    Check(env, napi_create_reference(env, keys, 1, &keys_));
    Check(env, napi_create_reference(env, layout, 1, &layout_ref_));  // the closure holds it too
    Check(env, napi_create_reference(env, assemble_entry, 1, &assemble_));
    Check(env, napi_create_reference(env, assemble_result, 1, &assemble_result_));
  }

  // Instance data finalizer (environment teardown).
  static void Delete(napi_env env, void* data, void*) {
    auto* self = static_cast<Converter*>(data);
    napi_delete_reference(env, self->keys_);
    napi_delete_reference(env, self->layout_ref_);
    napi_delete_reference(env, self->assemble_);
    napi_delete_reference(env, self->assemble_result_);
    delete self;
  }

  static Converter& Of(napi_env env) {
    void* data = nullptr;
    napi_get_instance_data(env, &data);
    return *static_cast<Converter*>(data);
  }

  napi_value Keys(napi_env env) const { return Deref(env, keys_); }
  napi_value Assemble(napi_env env) const { return Deref(env, assemble_); }
  napi_value AssembleResult(napi_env env) const { return Deref(env, assemble_result_); }
  uint32_t* Layout() const { return layout_; }
  // EntryToJs's list of one attribute's values, reused (no allocation once grown).
  std::vector<berval>& Values() { return values_; }

  static napi_value Fixed(napi_env env, napi_value keys, Key key) {
    napi_value value;
    Check(env, napi_get_element(env, keys, static_cast<uint32_t>(key), &value));
    return value;
  }

  // The index in `keys` of an attribute description (NUL-terminated, length bytes), kNone when it
  // is not cached; and whether its values are binary by name (IsBinaryAttribute).
  uint32_t Attribute(napi_env env, napi_value keys, const char* name, size_t length, bool* binary) {
    if (length > kMaxNameLength) return Uncached(name, binary);
    uint32_t hash = 2166136261u;  // FNV-1a
    for (size_t i = 0; i < length; i++) hash = (hash ^ static_cast<unsigned char>(name[i])) * 16777619u;
    for (size_t i = hash & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
      Slot& slot = slots_[i];
      if (slot.index == 0) {
        if (used_ >= kMaxNames) return Uncached(name, binary);
        uint32_t index = kFixedCount + static_cast<uint32_t>(used_);
        Check(env, napi_set_element(env, keys, index, NewKey(env, name, length)));
        slot.index = index;
        slot.hash = hash;
        slot.length = static_cast<uint8_t>(length);
        slot.binary = IsBinaryAttribute(name);
        std::memcpy(slot.name, name, length);
        used_++;
      } else if (slot.hash != hash || slot.length != length || std::memcmp(slot.name, name, length) != 0) {
        continue;
      }
      *binary = slot.binary;
      return slot.index;
    }
  }

  static napi_value NewKey(napi_env env, const char* name, size_t length) {
    napi_value key;
    Check(env, napi_create_string_utf8(env, name, length, &key));
    return key;
  }

 private:
  struct Slot {
    uint32_t index = 0;  // in keys; 0: empty slot (index 0 is a fixed key)
    uint32_t hash = 0;
    uint8_t length = 0;
    bool binary = false;
    char name[kMaxNameLength];
  };

  static uint32_t Uncached(const char* name, bool* binary) {
    *binary = IsBinaryAttribute(name);
    return kNone;
  }

  static napi_value Deref(napi_env env, napi_ref ref) {
    napi_value value;
    Check(env, napi_get_reference_value(env, ref, &value));
    return value;
  }

  napi_ref keys_ = nullptr;
  napi_ref layout_ref_ = nullptr;
  napi_ref assemble_ = nullptr;
  napi_ref assemble_result_ = nullptr;
  uint32_t* layout_ = nullptr;
  Slot slots_[kSlots];
  size_t used_ = 0;
  std::vector<berval> values_;
};

// Collects one entry's attributes for assembleEntry: the arguments and the layout of the next call.
class EntryBuilder {
 public:
  EntryBuilder(napi_env env, Converter& converter)
      : env_(env), layout_(converter.Layout()), assemble_(converter.Assemble(env)) {
    Check(env, napi_get_undefined(env, &args_[0]));  // dn: set by Finish
    args_[1] = args_[0];                             // attributes: made by the first call
  }

  // Room for an attribute taking `values` arguments (plus its key when uncached).
  void Reserve(size_t values) {
    if (attributes_ == Converter::kMaxAttributes || count_ + values + 1 > Converter::kMaxArgs) Flush();
  }
  void AddAttribute(uint32_t key_index, napi_value uncached_key, uint32_t value_count) {
    layout_[1 + 2 * attributes_] = key_index;
    layout_[2 + 2 * attributes_] = value_count;
    attributes_++;
    if (key_index == Converter::kNone) args_[count_++] = uncached_key;
  }
  void AddValue(napi_value value) { args_[count_++] = value; }

  napi_value Finish(napi_value dn) {
    args_[0] = dn;
    return Call();
  }

 private:
  void Flush() { args_[1] = Call(); }  // dn still undefined: returns the attributes object

  napi_value Call() {
    layout_[0] = static_cast<uint32_t>(attributes_);
    napi_value recv;
    napi_value result;
    Check(env_, napi_get_undefined(env_, &recv));
    Check(env_, napi_call_function(env_, recv, assemble_, count_, args_, &result));
    attributes_ = 0;
    count_ = 2;
    return result;
  }

  napi_env env_;
  uint32_t* layout_;
  napi_value assemble_;
  napi_value args_[Converter::kMaxArgs];
  size_t count_ = 2;  // args_[0] dn, args_[1] attributes
  size_t attributes_ = 0;
};

// Length of the ASCII prefix of bytes, 8 bytes at a time. Most directory values are ASCII: for
// them the UTF-8 check (IsUtf8) is skipped and V8 copies the bytes as Latin-1 without decoding.
size_t AsciiPrefix(const char* bytes, size_t length) {
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < length && static_cast<unsigned char>(bytes[i]) < 0x80) i++;
  return i;
}

napi_value Text(napi_env env, const char* bytes, size_t length, bool ascii) {
  napi_value value;
  Check(env, ascii ? napi_create_string_latin1(env, bytes, length, &value)
                   : napi_create_string_utf8(env, bytes, length, &value));
  return value;
}

// The entry's DN as libldap's ldap_get_dn would give it, as a JS string: "" when it cannot be decoded.
napi_value DnToJs(napi_env env, LDAP* ld, LDAPMessage* entry, int dn_rc, const berval& dn) {
  if (dn_rc == LDAP_SUCCESS && dn.bv_val != nullptr) {
    // As ldap_get_dn: a NUL byte before the last one fails it ("" here); a last one is dropped.
    if (dn.bv_len > 0 && std::memchr(dn.bv_val, 0, dn.bv_len - 1) != nullptr) return Text(env, "", 0, true);
    size_t length = std::strlen(dn.bv_val);
    return Text(env, dn.bv_val, length, AsciiPrefix(dn.bv_val, length) == length);
  }
  LdapString copy(ldap_get_dn(ld, entry));  // the attribute list did not decode: the DN alone may
  return Napi::String::New(env, copy ? copy.get() : "");
}

}  // namespace

void InstallKeys(Napi::Env env) {
  Check(env, napi_set_instance_data(env, new Converter(env), Converter::Delete, nullptr));
}

napi_value PropertyKey(napi_env env, Key key) { return Converter::Fixed(env, Converter::Of(env).Keys(env), key); }

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
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      min = 0x10000;
    } else
      return false;
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

// Reads the entry in place: ldap_get_dn_ber points into the message's buffer, as ldapsearch does,
// then liblber's element walk (ber_get_stringbv without copy, ber_first/next_element,
// ber_skip_element) gives each attribute's name and values, also in place. Tried before it:
// ldap_first/next_attribute + ldap_get_values_len (the original code), which made a copy of every
// name and of every value (a malloc each) and re-scanned the entry from its start for each
// attribute (EntryToJs as a whole took ~193,000 instructions per entry of uid=ada); then
// ldap_get_attribute_ber ("{mM}": per entry of uid=ada ~13,000 instructions with the free of
// the values array it malloc's per attribute, callgrind) instead of ~6,600 for this walk.
// The JS objects are made by assembleEntry (see kAssembleSource).
Napi::Object EntryToJs(Napi::Env env, LDAP* ld, LDAPMessage* entry) {
  Converter& converter = Converter::Of(env);
  napi_value keys = converter.Keys(env);
  EntryBuilder builder(env, converter);
  std::vector<berval>& values = converter.Values();

  BerElement* raw_ber = nullptr;
  berval dn{0, nullptr};
  int dn_rc = ldap_get_dn_ber(ld, entry, &raw_ber, &dn);
  BerPtr ber(raw_ber);
  napi_value dn_value = DnToJs(env, ld, entry, dn_rc, dn);

  // ber is inside the attribute list, limited to it (LBER_OPT_REMAINING_BYTES): one
  // SEQUENCE { type OCTET STRING, vals SET OF OCTET STRING } per attribute (RFC 4511 4.5.2).
  while (ber) {
    ber_len_t remaining = 0;
    if (ber_get_option(ber.get(), LBER_OPT_REMAINING_BYTES, &remaining) != LBER_OPT_SUCCESS || remaining == 0) break;
    ber_len_t length = 0;
    berval name{0, nullptr};
    if (ber_skip_tag(ber.get(), &length) == LBER_DEFAULT) break;       // decoding error
    if (ber_get_stringbv(ber.get(), &name, 0) == LBER_DEFAULT) break;  // in place, NUL-terminated
    values.clear();
    char* last = nullptr;
    for (ber_tag_t tag = ber_first_element(ber.get(), &length, &last); tag != LBER_DEFAULT;
         tag = ber_next_element(ber.get(), &length, last)) {
      berval v{0, nullptr};
      if (ber_skip_element(ber.get(), &v) == LBER_DEFAULT) break;
      values.push_back(v);
    }
    if (last == nullptr) break;  // no SET of values: decoding error
    // As ldap_next_attribute, which stopped at a name with a NUL byte before its last one; a
    // last one is dropped (strlen).
    if (name.bv_len > 0 && std::memchr(name.bv_val, 0, name.bv_len - 1) != nullptr) break;
    size_t name_length = std::strlen(name.bv_val);
    bool binary = false;
    uint32_t key_index = converter.Attribute(env, keys, name.bv_val, name_length, &binary);

    size_t count = values.size();
    bool ascii = true;
    for (size_t i = 0; i < count && !binary; i++) {
      const berval& v = values[i];
      size_t prefix = AsciiPrefix(v.bv_val, v.bv_len);
      if (prefix == v.bv_len) continue;
      ascii = false;
      binary = !IsUtf8(v.bv_val + prefix, v.bv_len - prefix);  // the prefix ends on a character boundary
    }
    auto value_at = [&](size_t i) {
      const berval& v = values[i];
      if (!binary) return Text(env, v.bv_val, v.bv_len, ascii);
      napi_value buffer;
      Check(env, napi_create_buffer_copy(env, v.bv_len, v.bv_val, nullptr, &buffer));
      return buffer;
    };

    napi_value uncached_key =
        key_index == Converter::kNone ? Converter::NewKey(env, name.bv_val, name_length) : nullptr;
    bool inline_values = count <= Converter::kMaxInlineValues;
    builder.Reserve(inline_values ? count : 1);
    builder.AddAttribute(key_index, uncached_key, inline_values ? static_cast<uint32_t>(count) : Converter::kNone);
    if (inline_values) {
      for (size_t i = 0; i < count; i++) builder.AddValue(value_at(i));
    } else {
      napi_value list;
      Check(env, napi_create_array_with_length(env, count, &list));
      for (size_t i = 0; i < count; i++) Check(env, napi_set_element(env, list, static_cast<uint32_t>(i), value_at(i)));
      builder.AddValue(list);
    }
  }
  return Napi::Object(env, builder.Finish(dn_value));
}

Napi::Object SearchResultToJs(Napi::Env env, Napi::Array controls, const napi_value* entries, size_t count) {
  Converter& converter = Converter::Of(env);
  napi_value result;
  if (count + 1 <= Converter::kMaxArgs) {
    napi_value args[Converter::kMaxArgs];
    args[0] = controls;
    std::memcpy(args + 1, entries, count * sizeof(napi_value));
    napi_value recv;
    Check(env, napi_get_undefined(env, &recv));
    Check(env, napi_call_function(env, recv, converter.AssembleResult(env), count + 1, args, &result));
    return Napi::Object(env, result);
  }
  // Too many entries to pass as arguments: made here, as assembleResult would.
  napi_value keys = converter.Keys(env);
  napi_value list;
  Check(env, napi_create_object(env, &result));
  Check(env, napi_create_array_with_length(env, count, &list));
  for (size_t i = 0; i < count; i++) Check(env, napi_set_element(env, list, static_cast<uint32_t>(i), entries[i]));
  Check(env, napi_set_property(env, result, Converter::Fixed(env, keys, Key::kEntries), list));
  Check(env, napi_set_property(env, result, Converter::Fixed(env, keys, Key::kControls), controls));
  return Napi::Object(env, result);
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
  napi_value keys = Converter::Of(env).Keys(env);
  uint32_t i = 0;
  for (LDAPControl** c = ctrls; *c; c++, i++) {
    Napi::Object control = Napi::Object::New(env);
    control.Set(Napi::Value(env, Converter::Fixed(env, keys, Key::kOid)),
                Napi::String::New(env, (*c)->ldctl_oid ? (*c)->ldctl_oid : ""));
    control.Set(Napi::Value(env, Converter::Fixed(env, keys, Key::kCritical)),
                Napi::Boolean::New(env, (*c)->ldctl_iscritical != 0));
    if ((*c)->ldctl_value.bv_val != nullptr) {
      control.Set(Napi::Value(env, Converter::Fixed(env, keys, Key::kValue)),
                  Napi::Buffer<char>::Copy(env, (*c)->ldctl_value.bv_val, (*c)->ldctl_value.bv_len));
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
