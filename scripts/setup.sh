#!/usr/bin/env bash
# Everything the demo and the tests need, idempotent and quick when already done:
# Debian packages (slapd, ldap-utils, libldap-dev) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm install --no-audit --no-fund
fi
