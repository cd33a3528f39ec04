/* The ceiling of what libldap gives, for bench/ldap-throughput/run.js: one-entry subtree searches
 * on one connection with libldap's asynchronous API (ldap_search_ext + ldap_result), no Node.
 * Compiled by run.js at run time: cc -O2 -o DIR/c-loop c-loop.c -lldap -llber
 *
 * Usage: c-loop URL BINDDN PASSWORD BASE FILTER MODE INFLIGHT WARMUP_MS DURATION_MS
 *   MODE seq:  one search in flight: ldap_search_ext, then ldap_result(msgid, LDAP_MSG_ALL).
 *   MODE par:  a sliding window of INFLIGHT searches: ldap_result(LDAP_RES_ANY, LDAP_MSG_ONE)
 *              returns one message at a time (entry or SearchResultDone); a msgid is complete at
 *              its SearchResultDone, which frees its slot and issues the next search.
 * Every entry is walked the way a binding converts it (DN, every attribute, every value), so the
 * C loop does the libldap work a client does, minus the JavaScript objects.
 * Prints one JSON line, prefixed with "@@bench " (bench/lib/child-protocol.js), on stdout:
 *   {"type":"result","searches":N,"elapsedMs":T,"cpuMs":C,"voluntarySwitches":V,"latenciesUs":[...]}
 *   (latencies in microseconds; cpuMs: this process's user+system CPU time over the timed part;
 *   voluntarySwitches: times it blocked, i.e. waited for the server, over the timed part;
 *   serverCpuMs: the server's user+system CPU time over the timed part, from /proc/PID/stat of
 *   LEAKPROOF_BENCH_SERVER_PID, -1 when not set or unreadable).
 * Run with LDAPNOINIT=1 so the system ldap.conf is ignored. */
#include <errno.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_INFLIGHT 1024
#define SLOTS 65536 /* msgid -> slot table size (a power of two) */
#define MAX_SAMPLES 4000000

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

static long voluntary_switches(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_nvcsw;
}

static void die(const char* what, int rc) {
  fprintf(stderr, "c-loop: %s: %s (%d)\n", what, ldap_err2string(rc), rc);
  exit(2);
}

/* Walks an entry like a client converting it would; returns the number of values seen. */
static long walk_entry(LDAP* ld, LDAPMessage* entry) {
  long seen = 0;
  char* dn = ldap_get_dn(ld, entry);
  if (dn) ldap_memfree(dn);
  BerElement* ber = NULL;
  for (char* attr = ldap_first_attribute(ld, entry, &ber); attr; attr = ldap_next_attribute(ld, entry, ber)) {
    struct berval** values = ldap_get_values_len(ld, entry, attr);
    if (values) {
      for (int i = 0; values[i]; i++) seen += values[i]->bv_len > 0;
      ldap_value_free_len(values);
    }
    ldap_memfree(attr);
  }
  if (ber) ber_free(ber, 0);
  return seen;
}

/* Checks a SearchResultDone: success, no leftovers. */
static void check_done(LDAP* ld, LDAPMessage* msg) {
  int code = 0;
  LDAPControl** ctrls = NULL;
  int rc = ldap_parse_result(ld, msg, &code, NULL, NULL, NULL, &ctrls, 0);
  if (rc != LDAP_SUCCESS) die("ldap_parse_result", rc);
  if (code != LDAP_SUCCESS) die("search result", code);
  if (ctrls) ldap_controls_free(ctrls);
}

static const char *base, *filter;
static double* samples;
static long nsamples;

static int issue(LDAP* ld) {
  int msgid;
  int rc = ldap_search_ext(ld, base, LDAP_SCOPE_SUBTREE, filter, NULL, 0, NULL, NULL, NULL, 0, &msgid);
  if (rc != LDAP_SUCCESS) die("ldap_search_ext", rc);
  return msgid;
}

/* One search at a time until `until_us`; returns the number done. */
static long run_seq(LDAP* ld, double until_us, int record) {
  long done = 0;
  while (now_us() < until_us) {
    double t0 = now_us();
    int msgid = issue(ld);
    LDAPMessage* res = NULL;
    int type = ldap_result(ld, msgid, LDAP_MSG_ALL, NULL, &res);
    if (type != LDAP_RES_SEARCH_RESULT) die("ldap_result", type < 0 ? -1 : type);
    int entries = 0;
    for (LDAPMessage* m = ldap_first_message(ld, res); m; m = ldap_next_message(ld, m)) {
      int t = ldap_msgtype(m);
      if (t == LDAP_RES_SEARCH_ENTRY) {
        walk_entry(ld, m);
        entries++;
      } else if (t == LDAP_RES_SEARCH_RESULT) {
        check_done(ld, m);
      }
    }
    ldap_msgfree(res);
    if (entries != 1) {
      fprintf(stderr, "c-loop: expected 1 entry, got %d\n", entries);
      exit(3);
    }
    double t1 = now_us();
    if (record && nsamples < MAX_SAMPLES) samples[nsamples++] = t1 - t0;
    done++;
  }
  return done;
}

/* Issues one search and claims its slot (msgid % SLOTS) in run_par's tables. */
static void start_search(LDAP* ld, double* started, int* msgids, int* entries) {
  double t0 = now_us();
  int id = issue(ld);
  int s = id % SLOTS;
  if (msgids[s] > 0) {
    fprintf(stderr, "c-loop: slot collision for msgid %d\n", id);
    exit(3);
  }
  started[s] = t0, msgids[s] = id, entries[s] = 0;
}

/* A sliding window of `inflight` searches until `until_us`, then drains; returns the number done. */
static long run_par(LDAP* ld, int inflight, double until_us, int record) {
  /* Slots are indexed by msgid % SLOTS. msgids are issued in increasing order, but a slow search
   * may stay outstanding while many newer ones complete (seen: one waiting behind >1,000 others
   * on a loaded machine), so the table is far larger than the window; a collision is reported. */
  static double started[SLOTS];
  static int msgids[SLOTS];
  static int entries[SLOTS];
  long done = 0;
  int outstanding = 0;
  for (int i = 0; i < inflight; i++) {
    start_search(ld, started, msgids, entries);
    outstanding++;
  }
  int issuing = 1;
  while (outstanding > 0) {
    LDAPMessage* msg = NULL;
    int type = ldap_result(ld, LDAP_RES_ANY, LDAP_MSG_ONE, NULL, &msg);
    if (type <= 0 || msg == NULL) die("ldap_result", type < 0 ? -1 : type);
    int id = ldap_msgid(msg);
    int s = id % SLOTS;
    if (msgids[s] != id) {
      fprintf(stderr, "c-loop: unexpected msgid %d\n", id);
      exit(3);
    }
    if (type == LDAP_RES_SEARCH_ENTRY) {
      walk_entry(ld, msg);
      entries[s]++;
    } else if (type == LDAP_RES_SEARCH_RESULT) {
      check_done(ld, msg);
      if (entries[s] != 1) {
        fprintf(stderr, "c-loop: expected 1 entry for msgid %d, got %d\n", id, entries[s]);
        exit(3);
      }
      double t1 = now_us();
      if (record && nsamples < MAX_SAMPLES) samples[nsamples++] = t1 - started[s];
      msgids[s] = -1;
      outstanding--;
      done++;
      if (issuing && t1 >= until_us) issuing = 0;
      if (issuing) {
        start_search(ld, started, msgids, entries);
        outstanding++;
      }
    }
    ldap_msgfree(msg);
  }
  return done;
}

/* utime + stime of a process (all its threads), in ms, from /proc/PID/stat; -1 if unreadable. */
static double process_cpu_ms(const char* pid) {
  if (pid == NULL || *pid == '\0') return -1;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* f = fopen(path, "r");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char* p = strrchr(buf, ')'); /* the command name may contain spaces */
  unsigned long utime, stime;
  if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (utime + stime) * 1000.0 / sysconf(_SC_CLK_TCK);
}

int main(int argc, char** argv) {
  if (argc != 10) {
    fprintf(stderr, "usage: c-loop URL BINDDN PASSWORD BASE FILTER seq|par INFLIGHT WARMUP_MS DURATION_MS\n");
    return 1;
  }
  const char *url = argv[1], *binddn = argv[2], *password = argv[3], *mode = argv[6];
  base = argv[4], filter = argv[5];
  int inflight = atoi(argv[7]);
  double warmup_ms = atof(argv[8]), duration_ms = atof(argv[9]);
  int par = strcmp(mode, "par") == 0;
  if (inflight < 1 || inflight >= MAX_INFLIGHT) {
    fprintf(stderr, "c-loop: INFLIGHT must be 1..%d\n", MAX_INFLIGHT - 1);
    return 1;
  }
  samples = malloc(sizeof(double) * MAX_SAMPLES);

  LDAP* ld = NULL;
  int rc = ldap_initialize(&ld, url);
  if (rc != LDAP_SUCCESS) die("ldap_initialize", rc);
  int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  struct berval cred = {strlen(password), (char*)password};
  rc = ldap_sasl_bind_s(ld, binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
  if (rc != LDAP_SUCCESS) die("bind", rc);

  /* Warm-up (same mode), then the timed part. */
  if (par)
    run_par(ld, inflight, now_us() + warmup_ms * 1000, 0);
  else
    run_seq(ld, now_us() + warmup_ms * 1000, 0);
  const char* server_pid = getenv("LEAKPROOF_BENCH_SERVER_PID");
  double server0 = process_cpu_ms(server_pid);
  double cpu0 = cpu_us();
  long switches0 = voluntary_switches();
  double t0 = now_us();
  long done = par ? run_par(ld, inflight, t0 + duration_ms * 1000, 1) : run_seq(ld, t0 + duration_ms * 1000, 1);
  double elapsed_ms = (now_us() - t0) / 1000;
  double cpu_ms = (cpu_us() - cpu0) / 1000;
  long switches = voluntary_switches() - switches0;
  double server1 = process_cpu_ms(server_pid);
  double server_ms = server0 < 0 || server1 < 0 ? -1 : server1 - server0;

  printf(
      "@@bench "
      "{\"type\":\"result\",\"searches\":%ld,\"elapsedMs\":%.3f,\"cpuMs\":%.3f,\"voluntarySwitches\":%ld,"
      "\"serverCpuMs\":%.1f,\"latenciesUs\":[",
      done, elapsed_ms, cpu_ms, switches, server_ms);
  for (long i = 0; i < nsamples; i++) printf(i ? ",%.1f" : "%.1f", samples[i]);
  printf("]}\n");
  fflush(stdout);
  ldap_unbind_ext(ld, NULL, NULL);
  free(samples);
  return 0;
}
