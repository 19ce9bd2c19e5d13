#!/usr/bin/env bash
# Runs the dashboard's browser test (CTest label `web`). Installs playwright-core and axe-core
# from the committed lock file when it is missing (npm registry; never a browser download: the test
# drives Debian's chromium). Exits 77 (skipped) when node, npm or chromium are not installed
# or the package cannot be fetched, except under CI=true, where that is a failure (exit 1):
# ops/test installs all of them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
skip() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAILED: $* (CI=true: a missing tool is a failure; ops/test installs it)" >&2
    exit 1
  fi
  echo "SKIPPED: $*" >&2
  exit 77
}
command -v node >/dev/null || skip "node is not installed (ops/test installs nodejs and npm)"
[ -x "${LIQUIDA_CHROMIUM:-/usr/bin/chromium}" ] || skip "no ${LIQUIDA_CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)"
if [ ! -f "$here/node_modules/playwright-core/package.json" ] || [ ! -f "$here/node_modules/axe-core/axe.min.js" ]; then
  command -v npm >/dev/null || skip "npm is not installed"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$here" --prefer-offline --no-audit --no-fund --loglevel=error \
    || skip "npm ci failed (offline?); run it by hand: npm ci --prefix tests/web"
fi
cd "$here"
exec node --test dashboard.test.mjs
