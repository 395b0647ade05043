#!/usr/bin/env bash
# Installs what `make bench` needs beyond the browser tests' tools, when it
# is missing, and prints the environment it reads. Idempotent; caches
# under .cache/ (git-ignored).
#
#   eval "$(scripts/e2e-deps.sh)"; eval "$(scripts/bench-deps.sh)"
#
# Lighthouse 12.2.3 is the last release that runs on Node.js 20; it drives
# the same Debian chromium as the browser tests and needs no network
# beyond the page it audits.
set -euo pipefail

LIGHTHOUSE_VERSION=12.2.3
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/bench"

want="lighthouse@$LIGHTHOUSE_VERSION"
if [ "$(cat "$cache/installed" 2>/dev/null)" != "$want" ]; then
  echo "bench-deps: installing $want from npm into $cache" >&2
  mkdir -p "$cache"
  npm install --silent --no-audit --no-fund --prefix "$cache" "$want" >&2
  echo "$want" > "$cache/installed"
fi
echo "export BENCH_LIGHTHOUSE='$cache/node_modules/.bin/lighthouse'"
