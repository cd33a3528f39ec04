#!/usr/bin/env bash
# Lint and format checks, run by CI before the tests: ESLint (typescript-eslint), Prettier, and
# clang-format for the native addons' C/C++. `--fix` rewrites instead of checking.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t native < <(git ls-files '*.c' '*.cc' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  npx eslint --fix .
  npx prettier --write --log-level warn .
  clang-format -i "${native[@]}"
  exit 0
fi
npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .
command -v clang-format >/dev/null || { echo "lint: clang-format not found: run scripts/install-system-deps.sh" >&2; exit 1; }
clang-format --dry-run --Werror "${native[@]}"
echo "lint: ESLint, Prettier and clang-format clean"
