# syntax=docker/dockerfile:1
#
# Run:ai service accounts dashboard.
#   docker build --build-arg VERSION=v1.0.0 -t runai-sa-dashboard .
# Probes: GET /healthz (liveness), GET /readyz (readiness: the Run:ai control
# plane answers), both on the listen port. Metrics: GET /metrics.
# Nothing is written at run time: the root filesystem can be read-only.

# Build: a static binary, no cgo, reproducible paths, version stamped.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/runai-tools/sa-dashboard/internal/version.Version=${VERSION}" -o /out/runai-sa-dashboard ./cmd/web

# Run: distroless static (CA certificates, tzdata, no shell), as non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/runai-sa-dashboard /usr/local/bin/runai-sa-dashboard
USER 65532:65532
ENV LISTEN_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/runai-sa-dashboard"]
