#!/usr/bin/env bash
# Installs what the browser tests need, when it is missing, and prints the
# environment they read. Idempotent; caches under .cache/ (git-ignored).
#
#   eval "$(scripts/e2e-deps.sh)"
#
# playwright-go v0.5200.1 drives Playwright 1.52.0, so the driver is the npm
# package playwright-core@1.52.0; the browser is Debian's chromium. Nothing
# is downloaded from anywhere but Debian and npm.
set -euo pipefail

PLAYWRIGHT_CORE_VERSION=1.52.0
AXE_CORE_VERSION=4.14.1
OAUTH2_PROXY_VERSION=v7.15.6
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/e2e"

log() { echo "e2e-deps: $*" >&2; }

if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian chromium"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
fi
if ! command -v node >/dev/null 2>&1; then
  log "installing Node.js"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >&2
fi

want="playwright-core@$PLAYWRIGHT_CORE_VERSION axe-core@$AXE_CORE_VERSION"
if [ "$(cat "$cache/installed" 2>/dev/null)" != "$want" ]; then
  log "installing $want from npm into $cache"
  mkdir -p "$cache"
  npm install --silent --no-audit --no-fund --prefix "$cache" \
    "playwright-core@$PLAYWRIGHT_CORE_VERSION" "axe-core@$AXE_CORE_VERSION" >&2
  echo "$want" > "$cache/installed"
fi
mkdir -p "$cache/driver"
ln -sfn "$cache/node_modules/playwright-core" "$cache/driver/package"

got=$(node "$cache/driver/package/cli.js" --version 2>/dev/null || true)
case "$got" in
  *"$PLAYWRIGHT_CORE_VERSION"*) ;;
  *) log "playwright-core reports '$got', want $PLAYWRIGHT_CORE_VERSION"; exit 1 ;;
esac

# The real oauth2-proxy for the SSO browser test, built from its Go module
# with the machine's toolchain (no binary download), once per version.
proxy="$root/.cache/bin/oauth2-proxy-$OAUTH2_PROXY_VERSION"
if [ ! -x "$proxy" ]; then
  log "building oauth2-proxy $OAUTH2_PROXY_VERSION with go install (about a minute, once)"
  tmpbin=$(mktemp -d)
  (cd "$tmpbin" && GOBIN="$tmpbin" GOFLAGS=-mod=mod go install "github.com/oauth2-proxy/oauth2-proxy/v7@$OAUTH2_PROXY_VERSION") >&2
  mkdir -p "$root/.cache/bin"
  mv "$tmpbin/oauth2-proxy" "$proxy"
  rm -rf "$tmpbin"
fi

echo "export PLAYWRIGHT_DRIVER_PATH='$cache/driver'"
echo "export PLAYWRIGHT_NODEJS_PATH='$(command -v node)'"
echo "export E2E_CHROMIUM='$(command -v chromium)'"
echo "export E2E_AXE_JS='$cache/node_modules/axe-core/axe.min.js'"
echo "export E2E_OAUTH2_PROXY='$proxy'"
