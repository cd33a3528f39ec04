// NativeClient: one LDAP connection, driven from the JS thread by libuv.
//
// Design (README, "Why uv_poll"): the connection's socket (LDAP_OPT_DESC) is watched by one
// uv_poll handle. When it is readable, HandleResults() calls ldap_result(LDAP_RES_ANY, LDAP_MSG_ONE) with
// a zero timeout until it returns 0, and dispatches each message to its operation by msgid.
// Requests are sent with the asynchronous libldap calls (ldap_search_ext, ldap_sasl_bind), which
// return a msgid at once. Only the TCP connect can block, so it runs on a libuv pool thread
// (ConnectWorker) before any request is sent. One uv_timer enforces per-operation timeouts.
#include <napi.h>
#include <uv.h>

#include <lber.h>
#include <ldap.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "convert.h"
#include "owners.h"

namespace leakproof_ldap {
namespace {

#if defined(LEAKPROOF_REGRESSION_CONTROLS_REF_LEAK)
constexpr const char* kVariant = "controls-ref-leak";
#elif defined(LEAKPROOF_REGRESSION_NOT_FOUND_LEAK)
constexpr const char* kVariant = "not-found-leak";
#else
constexpr const char* kVariant = "shipped";
#endif

// One request in flight. Owns its promise and, for collected searches, the entry messages
// until the final result converts them; nothing here outlives the operation.
struct Operation {
  enum class Kind { kBind, kSearch };
  Operation(Napi::Env env, Kind k) : kind(k), deferred(Napi::Promise::Deferred::New(env)) {}
  Kind kind;
  Napi::Promise::Deferred deferred;
  uint64_t deadline = 0;             // uv_now() in ms; 0: no timeout
  Napi::FunctionReference on_entry;  // streaming searches only; released with the operation
  std::vector<MessagePtr> entries;   // collected searches
  size_t entry_count = 0;
};
using OperationPtr = std::unique_ptr<Operation>;

// A JS string argument as NUL-terminated UTF-8, in an inline buffer when it fits (a search's base
// and filter usually do), instead of a std::string per argument per search (a malloc for anything
// past 15 bytes, and a second napi_get_value_string_utf8 call to learn the length). Small: a few
// hundred instructions per search (callgrind), but free.
class Utf8Arg {
 public:
  Utf8Arg(Napi::Env env, Napi::Value value) {
    size_t length = 0;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, inline_, sizeof(inline_), &length));
    // napi_get_value_string_utf8 stops before a character (at most 4 bytes) that does not fit:
    // with that much room left the whole string was copied.
    if (length + 4 < sizeof(inline_) - 1) {
      data_ = inline_;
      length_ = length;
      return;
    }
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, nullptr, 0, &length));
    heap_.reset(new char[length + 1]);
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, heap_.get(), length + 1, &length));
    data_ = heap_.get();
    length_ = length;
  }
  Utf8Arg(const Utf8Arg&) = delete;
  Utf8Arg& operator=(const Utf8Arg&) = delete;
  const char* c_str() const { return data_; }
  size_t size() const { return length_; }

 private:
  char inline_[256];
  std::unique_ptr<char[]> heap_;
  const char* data_ = inline_;
  size_t length_ = 0;
};

class Client;

// The uv handles live in their own allocation: uv_close() completes on a later loop turn,
// possibly after the Client was garbage-collected.
struct Handles {
  uv_poll_t poll;
  uv_timer_t timer;
  Client* client = nullptr;
  bool poll_initialized = false;
  int open = 0;
};

class Client : public Napi::ObjectWrap<Client> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "NativeClient",
        {InstanceMethod<&Client::Connect>("connect"), InstanceMethod<&Client::Bind>("bind"),
         InstanceMethod<&Client::Search>("search"), InstanceMethod<&Client::SearchStream>("searchStream"),
         InstanceMethod<&Client::Abandon>("abandon"), InstanceMethod<&Client::Unbind>("unbind"),
         InstanceAccessor<&Client::Pending>("pending")});
  }

  // new NativeClient(url, timeoutMs): validated by src/index.ts; no I/O yet.
  explicit Client(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Client>(info) {
    Napi::Env env = info.Env();
    std::string url = info[0].As<Napi::String>();
    timeout_ms_ = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
    int rc = ldap_initialize(&ld_, url.c_str());
    if (rc != LDAP_SUCCESS) throw Napi::Error(env, ErrorToJs(env, rc, nullptr, url.c_str()));
    int version = LDAP_VERSION3;
    ldap_set_option(ld_, LDAP_OPT_PROTOCOL_VERSION, &version);
    // Chasing a referral would make libldap connect synchronously on the JS thread.
    ldap_set_option(ld_, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    // A signal (a profiler's SIGPROF, measured: node --cpu-prof) interrupting ldap_result's poll
    // must not read as a lost connection: without this libldap returns -1, LDAP_SERVER_DOWN.
    ldap_set_option(ld_, LDAP_OPT_RESTART, LDAP_OPT_ON);
    // Limits are sent explicitly with each search; ignore any SIZELIMIT/TIMELIMIT from ldap.conf.
    int unlimited = 0;
    ldap_set_option(ld_, LDAP_OPT_SIZELIMIT, &unlimited);
    ldap_set_option(ld_, LDAP_OPT_TIMELIMIT, &unlimited);
    if (timeout_ms_ > 0) {
      timeval tv{static_cast<time_t>(timeout_ms_ / 1000), static_cast<suseconds_t>((timeout_ms_ % 1000) * 1000)};
      ldap_set_option(ld_, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    }
    napi_get_uv_event_loop(env, &loop_);
    handles_ = new Handles();
    handles_->client = this;
    uv_timer_init(loop_, &handles_->timer);
    handles_->timer.data = handles_;
    handles_->open = 1;
    uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->timer));
    napi_async_init(env, nullptr, Napi::String::New(env, "LdapClient"), &async_context_);
  }

  ~Client() override {
    // Garbage-collected without unbind(): no operation is pending (the wrapper is held strongly
    // while one is), so only the handles and the connection remain.
    pending_.clear();
    Close();
  }

  // Called by ConnectWorker on the JS thread once ldap_connect() returned on a pool thread.
  void Connected(int rc, const std::string& diagnostic, Napi::Promise::Deferred deferred) {
    Napi::Env env = Env();
    if (state_ == State::kClosed) {
      deferred.Reject(ErrorToJs(env, LDAP_USER_CANCELLED, nullptr, "client was unbound while connecting"));
      return;
    }
    if (rc != LDAP_SUCCESS) {
      state_ = State::kIdle;  // a later operation may try again
      deferred.Reject(ErrorToJs(env, rc, nullptr, diagnostic.c_str()));
      return;
    }
    int fd = -1;
    ldap_get_option(ld_, LDAP_OPT_DESC, &fd);
    // libldap reads a TCP connection without read-ahead: two read() calls per message (tag and
    // length, then the rest), and a poll() before each. A read-ahead layer (liblber's own, which
    // libldap uses for UDP) fills a buffer per read() and answers LBER_SB_OPT_DATA_READY from it.
    // Measured with strace -c, 5000 one-entry searches: 4 reads and 2-3 polls per search without it.
    if (ldap_get_option(ld_, LDAP_OPT_SOCKBUF, &sockbuf_) == LDAP_OPT_SUCCESS && sockbuf_ != nullptr) {
      ber_sockbuf_add_io(sockbuf_, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, nullptr);
    }
    uv_poll_init(loop_, &handles_->poll, fd);
    handles_->poll.data = handles_;
    handles_->poll_initialized = true;
    handles_->open++;
    uv_poll_start(&handles_->poll, UV_READABLE, OnPoll);
    uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->poll));  // only pending operations keep the loop alive
    state_ = State::kConnected;
    deferred.Resolve(env.Undefined());
  }

 private:
  enum class State { kIdle, kConnecting, kConnected, kBroken, kClosed };
  class ConnectWorker;

  Napi::Value Connect(const Napi::CallbackInfo& info);

  // bind(dn, password) -> Promise<void>
  Napi::Value Bind(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto op = std::make_unique<Operation>(env, Operation::Kind::kBind);
    Napi::Promise promise = op->deferred.Promise();
    if (!Usable(*op)) return promise;
    Utf8Arg dn(env, info[0]);
    std::string password = info[1].As<Napi::String>();
    if (!ValidDn(*op, dn)) return promise;
    berval cred{static_cast<ber_len_t>(password.size()), password.data()};
    int msgid = -1;
    int rc = ldap_sasl_bind(ld_, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, &msgid);
    if (rc != LDAP_SUCCESS) {
      RejectSendFailure(std::move(op), rc);
      return promise;
    }
    Track(msgid, std::move(op));
    return promise;
  }

  // search(base, scope, filter, attributes|undefined, sizeLimit, timeLimit, pageSize, cookie|undefined)
  //   -> Promise<{ entries, controls, cookie? }>
  Napi::Value Search(const Napi::CallbackInfo& info) {
    auto op = std::make_unique<Operation>(info.Env(), Operation::Kind::kSearch);
    Napi::Promise promise = op->deferred.Promise();
    StartSearch(info, std::move(op));
    return promise;
  }

  // searchStream(...same, onEntry) -> { msgid, done: Promise<{ entries: [], controls, cookie? }> }
  Napi::Value SearchStream(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto op = std::make_unique<Operation>(env, Operation::Kind::kSearch);
    op->on_entry = Napi::Persistent(info[8].As<Napi::Function>());
    Napi::Object handle = Napi::Object::New(env);
    handle.Set("done", op->deferred.Promise());
    handle.Set("msgid", Napi::Number::New(env, StartSearch(info, std::move(op))));
    return handle;
  }

  int StartSearch(const Napi::CallbackInfo& info, OperationPtr op) {
    if (!Usable(*op)) return -1;
    Utf8Arg base(info.Env(), info[0]);
    if (!ValidDn(*op, base)) return -1;
    int scope = info[1].As<Napi::Number>().Int32Value();
    Utf8Arg filter(info.Env(), info[2]);
    std::vector<std::string> names;
    std::vector<char*> attrs;
    if (info[3].IsArray()) {
      Napi::Array list = info[3].As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); i++) names.push_back(list.Get(i).As<Napi::String>());
      for (auto& n : names) attrs.push_back(n.data());
      attrs.push_back(nullptr);
    }
    int size_limit = info[4].As<Napi::Number>().Int32Value();
    int time_limit = info[5].As<Napi::Number>().Int32Value();
    int page_size = info[6].As<Napi::Number>().Int32Value();

    ControlPtr paged;
    if (page_size > 0) {
      berval cookie{0, const_cast<char*>("")};
      if (info[7].IsBuffer()) {
        auto buffer = info[7].As<Napi::Buffer<char>>();
        cookie = berval{static_cast<ber_len_t>(buffer.Length()), buffer.Data()};
      }
      LDAPControl* raw = nullptr;
      int rc = ldap_create_page_control(ld_, page_size, &cookie, 0, &raw);
      paged.reset(raw);
      if (rc != LDAP_SUCCESS) {
        RejectSendFailure(std::move(op), rc);
        return -1;
      }
    }
    LDAPControl* server_controls[] = {paged.get(), nullptr};
    timeval limit{time_limit, 0};
    int msgid = -1;
    int rc = ldap_search_ext(ld_, base.c_str(), scope, filter.c_str(), attrs.empty() ? nullptr : attrs.data(), 0,
                             paged ? server_controls : nullptr, nullptr, time_limit > 0 ? &limit : nullptr, size_limit,
                             &msgid);
    if (rc != LDAP_SUCCESS) {
      RejectSendFailure(std::move(op), rc);
      return -1;
    }
    Track(msgid, std::move(op));
    return msgid;
  }

  // abandon(msgid): stops a streaming search early; its promise rejects with userCancelled.
  Napi::Value Abandon(const Napi::CallbackInfo& info) {
    int msgid = info[0].As<Napi::Number>().Int32Value();
    OperationPtr op = Take(msgid);
    if (op) {
      ldap_abandon_ext(ld_, msgid, nullptr, nullptr);
      op->deferred.Reject(ErrorToJs(Env(), LDAP_USER_CANCELLED, nullptr, "search abandoned"));
    }
    return Env().Undefined();
  }

  // unbind(): rejects what is still in flight, sends the unbind request, closes the socket.
  Napi::Value Unbind(const Napi::CallbackInfo& info) {
    if (state_ != State::kClosed) {
      FailAll(LDAP_USER_CANCELLED, "client was unbound while the operation was in flight");
      Close();
    }
    return info.Env().Undefined();
  }

  Napi::Value Pending(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(pending_.size()));
  }

  // Operations may only be sent on a live connection (src/index.ts connects first).
  bool Usable(Operation& op) {
    if (state_ == State::kConnected) return true;
    Napi::Env env = Env();
    if (state_ == State::kClosed) {
      op.deferred.Reject(ErrorToJs(env, LDAP_USER_CANCELLED, nullptr, "client is unbound"));
    } else if (state_ == State::kBroken) {
      op.deferred.Reject(ErrorToJs(env, LDAP_SERVER_DOWN, nullptr, "the connection to the server was lost"));
    } else {
      op.deferred.Reject(ErrorToJs(env, LDAP_SERVER_DOWN, nullptr, "not connected"));
    }
    return false;
  }

  // A DN is checked with libldap's own parser before it is sent: some servers (ldapjs) drop the
  // connection on a DN they cannot parse instead of answering invalidDNSyntax (34).
  // The last DN that passed is remembered: a client usually searches the same base again and
  // again, and ldap_str2dn allocates per RDN and attribute value (then ldap_dnfree frees them):
  // ~1,700 instructions per search of dc=example,dc=org (callgrind), ~50 for the comparison.
  bool ValidDn(Operation& op, const Utf8Arg& dn) {
    if (dn.size() == valid_dn_.size() && std::memcmp(dn.c_str(), valid_dn_.data(), dn.size()) == 0) return true;
    LDAPDN raw = nullptr;
    int rc = ldap_str2dn(dn.c_str(), &raw, LDAP_DN_FORMAT_LDAPV3);
    DnPtr parsed(raw);
    if (rc == LDAP_SUCCESS) {
      valid_dn_.assign(dn.c_str(), dn.size());
      return true;
    }
    std::string message = "invalid DN \"" + std::string(dn.c_str(), dn.size()) + "\" (rejected before sending)";
    op.deferred.Reject(ErrorToJs(Env(), LDAP_INVALID_DN_SYNTAX, nullptr, message.c_str()));
    return false;
  }

  void RejectSendFailure(OperationPtr op, int rc) {
    char* raw = nullptr;
    ldap_get_option(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw);
    LdapString diagnostic(raw);
    op->deferred.Reject(ErrorToJs(Env(), rc, nullptr, diagnostic.get()));
    if (rc == LDAP_SERVER_DOWN) FailAll(LDAP_SERVER_DOWN, "the connection to the server was lost");
  }

  void Track(int msgid, OperationPtr op) {
    if (timeout_ms_ > 0) op->deadline = uv_now(loop_) + static_cast<uint64_t>(timeout_ms_);
    if (pending_.empty()) Retain();
    pending_.emplace(msgid, std::move(op));
  }

  OperationPtr Take(int msgid) {
    auto it = pending_.find(msgid);
    if (it == pending_.end()) return nullptr;
    OperationPtr op = std::move(it->second);
    pending_.erase(it);
    if (pending_.empty()) Release();
    return op;
  }

  // While operations are pending the event loop stays alive and the wrapper cannot be collected.
  void Retain() {
    Ref();
    if (handles_->poll_initialized) uv_ref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
    if (timeout_ms_ > 0) {
      uint64_t tick = timeout_ms_ >= 100 ? static_cast<uint64_t>(timeout_ms_ / 10) : 10;
      uv_timer_start(&handles_->timer, OnTimer, tick, tick);
      uv_ref(reinterpret_cast<uv_handle_t*>(&handles_->timer));
    }
  }

  void Release() {
    Unref();
    if (handles_->poll_initialized) uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
    uv_timer_stop(&handles_->timer);
  }

  void FailAll(int code, const char* diagnostic) {
    if (state_ == State::kConnected) state_ = State::kBroken;
    if (handles_ && handles_->poll_initialized) uv_poll_stop(&handles_->poll);
    std::unordered_map<int, OperationPtr> failed;
    failed.swap(pending_);
    if (!failed.empty()) Release();
    for (auto& entry : failed) entry.second->deferred.Reject(ErrorToJs(Env(), code, nullptr, diagnostic));
  }

  // Stops watching the socket before libldap closes it (libuv requires that order).
  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    if (handles_) {
      handles_->client = nullptr;
      if (handles_->poll_initialized) {
        uv_poll_stop(&handles_->poll);
        uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), OnHandleClosed);
      }
      uv_close(reinterpret_cast<uv_handle_t*>(&handles_->timer), OnHandleClosed);
      handles_ = nullptr;
    }
    if (ld_) ldap_unbind_ext(ld_, nullptr, nullptr);
    ld_ = nullptr;
    if (async_context_) napi_async_destroy(Env(), async_context_);
    async_context_ = nullptr;
  }

  static void OnHandleClosed(uv_handle_t* handle) {
    auto* handles = static_cast<Handles*>(handle->data);
    if (--handles->open == 0) delete handles;
  }

  // Every callback from libuv enters JS through a callback scope, so promise reactions run
  // when it closes, as after any I/O callback in Node.
  template <void (Client::*Work)(int)>
  static void Enter(Handles* handles, int status) {
    Client* self = handles->client;
    if (self == nullptr) return;
    Napi::Env env = self->Env();
    Napi::HandleScope handle_scope(env);
    Napi::CallbackScope callback_scope(env, self->async_context_);
    try {
      (self->*Work)(status);
    } catch (const Napi::Error& error) {
      napi_fatal_exception(env, error.Value());  // an onEntry callback threw: uncaught, as in an emitter
    }
  }

  static void OnPoll(uv_poll_t* poll, int status, int) {
    Enter<&Client::HandleResults>(static_cast<Handles*>(poll->data), status);
  }
  static void OnTimer(uv_timer_t* timer) { Enter<&Client::ExpireOperations>(static_cast<Handles*>(timer->data), 0); }

  // The result-handling path: reads every message libldap has (ldap_result, without waiting) and
  // hands each to its operation, as python-ldap's l_ldap_result3 does.
  // noinline here and on HandleSearchResult: native allocation stacks (valgrind, leakproof's
  // native tracker) should name these functions, not the uv callback they would be folded into.
  __attribute__((noinline)) void HandleResults(int status) {
    if (status < 0) return FailAll(LDAP_SERVER_DOWN, uv_strerror(status));
    // The first ldap_result reads the socket (uv_poll saw it readable). After that, only bytes
    // already in the read-ahead buffer can complete another message: stop when there are none
    // rather than let ldap_result poll() the socket once more to find it empty (a syscall per
    // wake-up; uv_poll is level-triggered and calls again if more arrives).
    for (bool first = true; state_ == State::kConnected; first = false) {
      if (!first && sockbuf_ != nullptr && ber_sockbuf_ctrl(sockbuf_, LBER_SB_OPT_DATA_READY, nullptr) <= 0) return;
      LDAPMessage* raw = nullptr;
      timeval zero{0, 0};
      errno = 0;  // libldap does not set it on every failure: never act on a stale EINTR
      int type = ldap_result(ld_, LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &raw);
      int saved_errno = errno;
      MessagePtr msg(raw);
      if (type == 0) return;
      if (type == -1 && saved_errno == EINTR) continue;  // belt and braces for LDAP_OPT_RESTART
      if (type == -1) {
        int rc = LDAP_SERVER_DOWN;
        ldap_get_option(ld_, LDAP_OPT_RESULT_CODE, &rc);
        return FailAll(rc, "the connection to the server was lost");
      }
      int msgid = ldap_msgid(msg.get());
      if (type == LDAP_RES_SEARCH_ENTRY) {
        HandleSearchEntry(msgid, std::move(msg));
      } else if (type == LDAP_RES_SEARCH_RESULT || type == LDAP_RES_BIND) {
        OperationPtr op = Take(msgid);  // unknown: abandoned or timed out; msg is freed here
        if (op && type == LDAP_RES_SEARCH_RESULT) HandleSearchResult(*op, std::move(msg));
        if (op && type == LDAP_RES_BIND) HandleBindResult(*op, std::move(msg));
      }
      // Search references and intermediate responses are not followed: freed by msg.
    }
  }

  void HandleSearchEntry(int msgid, MessagePtr msg) {
    auto it = pending_.find(msgid);
    if (it == pending_.end()) return;
    Operation& op = *it->second;
    op.entry_count++;
    if (op.on_entry.IsEmpty()) {
      op.entries.push_back(std::move(msg));
    } else {
      op.on_entry.Call({EntryToJs(Env(), ld_, msg.get())});  // may unbind: op is not used after
    }
  }

  // The final message of a search: { entries, controls, cookie? }, or an error.
  __attribute__((noinline)) void HandleSearchResult(Operation& op, MessagePtr msg) {
    Napi::Env env = Env();
    int rc = LDAP_SUCCESS;
    char* matched_raw = nullptr;
    char* diagnostic_raw = nullptr;
    char** referrals_raw = nullptr;
    LDAPControl** controls_raw = nullptr;
    int parse_rc =
        ldap_parse_result(ld_, msg.get(), &rc, &matched_raw, &diagnostic_raw, &referrals_raw, &controls_raw, 0);
    LdapString matched(matched_raw);
    LdapString diagnostic(diagnostic_raw);
    StringsPtr referrals(referrals_raw);
    ControlsPtr controls(controls_raw);
    if (parse_rc != LDAP_SUCCESS) return op.deferred.Reject(ErrorToJs(env, parse_rc, nullptr, nullptr));

#ifdef LEAKPROOF_REGRESSION_NOT_FOUND_LEAK
    // Regression build only (python-ldap < 3.3.0, fixed by PR #284 "Do not leak serverctrls"): the
    // not-found path settles the promise and returns early, forgetting what ldap_parse_result
    // allocated (matched DN, diagnostic message, referrals, server controls) and the message.
    if (rc == LDAP_NO_SUCH_OBJECT || (rc == LDAP_SUCCESS && op.entry_count == 0)) {
      if (rc == LDAP_SUCCESS) {
        op.deferred.Resolve(SearchResult(op, controls.get()));
      } else {
        op.deferred.Reject(ErrorToJs(env, rc, matched.get(), diagnostic.get()));
      }
      matched.release();
      diagnostic.release();
      referrals.release();
      controls.release();
      msg.release();
      return;
    }
#endif

    if (rc == LDAP_SUCCESS) return op.deferred.Resolve(SearchResult(op, controls.get()));
    Napi::Object error = ErrorToJs(env, rc, matched.get(), diagnostic.get());
    if (rc == LDAP_SIZELIMIT_EXCEEDED || rc == LDAP_TIMELIMIT_EXCEEDED || rc == LDAP_ADMINLIMIT_EXCEEDED) {
      error.Set("entries", CollectedEntries(op));  // the partial result (README, "Limits")
    }
    op.deferred.Reject(error);
  }

  void HandleBindResult(Operation& op, MessagePtr msg) {
    int rc = LDAP_SUCCESS;
    char* matched_raw = nullptr;
    char* diagnostic_raw = nullptr;
    int parse_rc = ldap_parse_result(ld_, msg.get(), &rc, &matched_raw, &diagnostic_raw, nullptr, nullptr, 0);
    LdapString matched(matched_raw);
    LdapString diagnostic(diagnostic_raw);
    if (parse_rc != LDAP_SUCCESS) rc = parse_rc;
    if (rc == LDAP_SUCCESS) return op.deferred.Resolve(Env().Undefined());
    op.deferred.Reject(ErrorToJs(Env(), rc, matched.get(), diagnostic.get()));
  }

  Napi::Array CollectedEntries(Operation& op) {
    Napi::Array list = Napi::Array::New(Env(), op.entries.size());
    for (size_t i = 0; i < op.entries.size(); i++) {
      list.Set(static_cast<uint32_t>(i), EntryToJs(Env(), ld_, op.entries[i].get()));
    }
    op.entries.clear();
    return list;
  }

  Napi::Object SearchResult(Operation& op, LDAPControl** controls) {
    Napi::Env env = Env();
    // The entries' JS values, on the stack for the usual few (a search's answer is converted
    // when its final message arrives, README "Memory ownership").
    napi_value inline_entries[8];
    std::vector<napi_value> many_entries;
    napi_value* entries = inline_entries;
    if (op.entries.size() > 8) {
      many_entries.resize(op.entries.size());
      entries = many_entries.data();
    }
    for (size_t i = 0; i < op.entries.size(); i++) entries[i] = EntryToJs(env, ld_, op.entries[i].get());
    size_t count = op.entries.size();
    op.entries.clear();
    Napi::Object result = SearchResultToJs(env, ControlsToJs(env, controls), entries, count);
    LDAPControl* paged = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls, nullptr);
    if (paged != nullptr) {
      ber_int_t estimate = 0;
      berval cookie{0, nullptr};
      if (ldap_parse_pageresponse_control(ld_, paged, &estimate, &cookie) == LDAP_SUCCESS) {
        BerString bytes(cookie.bv_val);
        if (cookie.bv_len > 0) {
          result.Set(Napi::Value(env, PropertyKey(env, Key::kCookie)),
                     Napi::Buffer<char>::Copy(env, bytes.get(), cookie.bv_len));
        }
      }
    }
    return result;
  }

  void ExpireOperations(int) {
    uint64_t now = uv_now(loop_);
    std::vector<int> expired;
    for (auto& entry : pending_) {
      if (entry.second->deadline != 0 && entry.second->deadline <= now) expired.push_back(entry.first);
    }
    std::string message = "no response within " + std::to_string(timeout_ms_) + " ms";
    for (int msgid : expired) {
      OperationPtr op = Take(msgid);
      if (!op) continue;
      ldap_abandon_ext(ld_, msgid, nullptr, nullptr);
      op->deferred.Reject(ErrorToJs(Env(), LDAP_TIMEOUT, nullptr, message.c_str()));
    }
  }

  LDAP* ld_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  Handles* handles_ = nullptr;
  Sockbuf* sockbuf_ = nullptr;  // the connection's, owned by ld_
  napi_async_context async_context_ = nullptr;
  int64_t timeout_ms_ = 0;
  State state_ = State::kIdle;
  std::unordered_map<int, OperationPtr> pending_;
  std::string valid_dn_;  // the last DN ValidDn accepted ("" at first: the empty DN, which ldap_str2dn accepts)
};

// ldap_connect() does the TCP connect (bounded by LDAP_OPT_NETWORK_TIMEOUT), which blocks: it
// runs on a libuv pool thread, while JS sends nothing on this handle (src/index.ts waits).
class Client::ConnectWorker : public Napi::AsyncWorker {
 public:
  ConnectWorker(Client* client, LDAP* ld)
      : Napi::AsyncWorker(client->Env(), "LdapConnect"),
        deferred_(Napi::Promise::Deferred::New(client->Env())),
        receiver_(Napi::Persistent(client->Value())),
        client_(client),
        ld_(ld) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    rc_ = ldap_connect(ld_);
    if (rc_ != LDAP_SUCCESS) {
      char* raw = nullptr;
      ldap_get_option(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw);
      LdapString diagnostic(raw);
      if (diagnostic) diagnostic_ = diagnostic.get();
    }
  }
  void OnOK() override { client_->Connected(rc_, diagnostic_, deferred_); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference receiver_;  // keeps the Client alive until OnOK; released with the worker
  Client* client_;
  LDAP* ld_;
  int rc_ = LDAP_SUCCESS;
  std::string diagnostic_;
};

// connect() -> Promise<void>; resolves at once when already connected.
Napi::Value Client::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ == State::kIdle) {
    state_ = State::kConnecting;
    auto* worker = new ConnectWorker(this, ld_);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }
  auto deferred = Napi::Promise::Deferred::New(env);
  if (state_ == State::kConnected) {
    deferred.Resolve(env.Undefined());
  } else {
    Operation op(env, Operation::Kind::kBind);
    Usable(op);
    return op.deferred.Promise();
  }
  return deferred.Promise();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallKeys(env);
  exports.Set("NativeClient", Client::Define(env));
  exports.Set("variant", Napi::String::New(env, kVariant));
  return exports;
}

}  // namespace
}  // namespace leakproof_ldap

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return leakproof_ldap::Init(env, exports); }
NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitModule)
