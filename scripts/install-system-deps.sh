#!/usr/bin/env bash
# Installs the Debian packages the LDAP fixtures, the native binding and the lint step need:
#   slapd       - the throwaway OpenLDAP server of @leakproof/ldap-fixtures ({ kind: 'slapd' })
#   ldap-utils  - ldapsearch / ldapwhoami (readiness probe, manual checks)
#   libldap-dev - headers and libldap for building native code
#   g++ make python3 - node-gyp's toolchain for the native addons (native tracker, fixtures)
#   chromium    - headless browser the HTML report's test screenshots (@leakproof/jest-reporter)
#   clang-format - the C/C++ formatter `npm run lint` checks the native code with
# Idempotent and non-interactive; run as root (or with sudo available) on Debian/Ubuntu.
# If installing slapd starts the system service, it is stopped again: the fixtures never use it.
set -euo pipefail

PACKAGES=(slapd ldap-utils libldap-dev g++ make python3 chromium clang-format)

log() { echo "install-system-deps: $*"; }

# PIDs of running system slapd processes, from /proc (pgrep is not on every minimal image).
# Throwaway slapds of the test fixtures (config under a leakproof-slapd-* temp dir) are not listed.
slapd_pids() {
  local dir
  for dir in /proc/[0-9]*; do
    [[ "$(cat "$dir/comm" 2>/dev/null || true)" == "slapd" ]] || continue
    tr '\0' ' ' <"$dir/cmdline" 2>/dev/null | grep -q 'leakproof-slapd-' && continue
    echo "${dir#/proc/}"
  done | sort
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "install ok installed" ]]; then missing+=("$pkg"); fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "already installed: ${PACKAGES[*]}"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "apt-get not found: install ${missing[*]} (OpenLDAP server, client tools and headers) with your system's package manager" >&2
  exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    log "must run as root (or with sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

# slapd processes that existed before we started: those are not ours to stop.
before="$(slapd_pids)"

export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# The package's postinst may have started a system slapd (port 389). Stop any that we started.
after="$(slapd_pids)"
started="$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d' || true)"
if [[ -n "$started" ]]; then
  log "stopping the system slapd started by the package install (pids: $(echo $started))"
  "${SUDO[@]}" service slapd stop >/dev/null 2>&1 || true
  for pid in $started; do
    if kill -0 "$pid" 2>/dev/null; then "${SUDO[@]}" kill "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 50); do
    alive=0
    for pid in $started; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  for pid in $started; do
    if kill -0 "$pid" 2>/dev/null; then "${SUDO[@]}" kill -9 "$pid" 2>/dev/null || true; fi
  done
fi

for bin in /usr/sbin/slapd /usr/sbin/slapadd /usr/bin/ldapsearch /usr/bin/ldapwhoami /usr/bin/chromium; do
  if [[ ! -x "$bin" ]]; then log "expected $bin after install, not found" >&2; exit 1; fi
done
log "done: $(/usr/sbin/slapd -VV 2>&1 | head -n1 | sed 's/^@(#) //')"
