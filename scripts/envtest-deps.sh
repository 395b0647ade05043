#!/usr/bin/env bash
# Builds what the Kubernetes tests need, when it is missing, and prints
# the environment they read: a real kube-apiserver and etcd for
# controller-runtime's envtest, built from the published Go modules (the
# envtest downloader's bucket is not reachable here), once per release,
# into a cache outside the clone (four minutes the first time).
#
#   eval "$(scripts/envtest-deps.sh)"
#
# Keep K8S and STAGING at the release of go.mod's k8s.io modules.
set -euo pipefail

K8S=v1.37.2 STAGING=v0.37.2 ETCD=v3.7.0
dir="${XDG_CACHE_HOME:-$HOME/.cache}/runai-sa-envtest-$K8S"

log() { echo "envtest-deps: $*" >&2; }

if [ ! -x "$dir/kube-apiserver" ] || [ ! -x "$dir/etcd" ]; then
  log "building kube-apiserver $K8S and etcd $ETCD from the Go module proxy into $dir (about four minutes, once)"
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  (
    cd "$src"
    printf 'module envtestbin\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n' "$K8S" > go.mod
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go \
        cloud-provider cluster-bootstrap code-generator component-base component-helpers \
        controller-manager cri-api cri-client cri-streaming csi-translation-lib \
        dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator \
        kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
        mount-utils pod-security-admission sample-apiserver streaming; do
      echo "replace k8s.io/$m => k8s.io/$m $STAGING" >> go.mod
    done
    mkdir -p etcd
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > etcd/main.go
    printf '//go:build tools\n\npackage envtestbin\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n' > tools.go
    GOFLAGS=-mod=mod go mod tidy >&2
    GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@$ETCD" >&2
    mkdir -p "$dir.tmp"
    GOFLAGS=-mod=mod go build -o "$dir.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
    GOFLAGS=-mod=mod go build -o "$dir.tmp/etcd" ./etcd >&2
  )
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi
echo "export KUBEBUILDER_ASSETS='$dir'"
echo "export ENVTEST_REQUIRED=1"
