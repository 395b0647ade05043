// Package e2e holds the browser tests: each starts its own stub Run:ai API
// and dashboard on free loopback ports and drives Debian's Chromium with
// playwright-go. `make test` installs what they need (see
// scripts/e2e-deps.sh); without it they skip, unless E2E_REQUIRED=1.
package e2e
