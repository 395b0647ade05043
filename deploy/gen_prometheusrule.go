//go:build ignore

// Writes the PrometheusRule from the alert rules' one source.
package main

import (
	"log"
	"os"

	"github.com/runai-tools/sa-dashboard/deploy"
)

func main() {
	src, err := os.ReadFile(deploy.AlertsFile)
	if err != nil {
		log.Fatal(err)
	}
	out, err := deploy.PrometheusRule(src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(deploy.PrometheusRuleFile, out, 0o644); err != nil {
		log.Fatal(err)
	}
}
