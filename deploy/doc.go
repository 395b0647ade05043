// Package deploy holds the deployment examples (Dockerfile checks and the
// Kubernetes manifests under k8s/); its tests prove their properties,
// since no container engine or cluster is available to the test suite.
package deploy

//go:generate go run gen_prometheusrule.go
