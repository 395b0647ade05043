package deploy

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// The alert rules' one source, and the PrometheusRule made from it.
const (
	AlertsFile         = "monitoring/alerts.yaml"
	PrometheusRuleFile = "k8s/components/prometheusrule/prometheusrule.yaml"
)

// PrometheusRule wraps the rule groups of a Prometheus rules file (the
// alerts source) into a PrometheusRule of the Prometheus operator.
func PrometheusRule(rules []byte) ([]byte, error) {
	var src struct {
		Groups []any `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(rules, &src); err != nil {
		return nil, fmt.Errorf("%s: %w", AlertsFile, err)
	}
	obj := map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "PrometheusRule",
		"metadata": map[string]any{
			"name":      "runai-sa-dashboard",
			"namespace": "runai-sa",
			"labels":    map[string]string{"app.kubernetes.io/name": "runai-sa-dashboard"},
		},
		"spec": map[string]any{"groups": src.Groups},
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	head := "# Generated from deploy/" + AlertsFile + " by go generate ./deploy: edit that file, not this one.\n"
	return append([]byte(head), out...), nil
}
