package handlers_test

import (
	"os"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/kubetest"
)

// TestMain stops the Kubernetes API server the delivery tests started
// (kubetest starts it on first use only).
func TestMain(m *testing.M) {
	code := m.Run()
	kubetest.Stop()
	os.Exit(code)
}
