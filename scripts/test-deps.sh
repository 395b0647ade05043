#!/usr/bin/env bash
# Installs what the Go tests need beyond Go, when it is missing, and prints
# the environment they read. Idempotent.
#
#   eval "$(scripts/test-deps.sh)"
#
# The session store's tests and the replica tests run a real redis-server
# (Debian's package) on a free port of their own; nothing connects to a
# Redis the machine may already run.
set -euo pipefail

log() { echo "test-deps: $*" >&2; }

if ! command -v redis-server >/dev/null 2>&1; then
  log "installing Debian redis-server"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  # The package's service is not wanted: tests start their own servers.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends redis-server >&2
fi
echo "export TEST_REDIS_SERVER='$(command -v redis-server)'"
echo "export REDIS_REQUIRED=1"

# The alert rules' tests (promtool test rules) and the scrape test (a real
# Prometheus scraping the metrics port): Debian's prometheus package. Its
# service is not wanted: tests start their own server.
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  log "installing Debian prometheus (promtool and the server)"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends prometheus >&2
fi
echo "export TEST_PROMTOOL='$(command -v promtool)'"
echo "export TEST_PROMETHEUS='$(command -v prometheus)'"
echo "export PROMETHEUS_REQUIRED=1"
