# syntax=docker/dockerfile:1
# Build: a static binary, version stamped, no cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/runai-tools/sa-dashboard/internal/version.Version=${VERSION}" \
      -o /out/runai-sa-dashboard ./cmd/web

# Run: distroless static (CA certificates, tzdata, a nonroot user), nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/runai-sa-dashboard /runai-sa-dashboard
USER nonroot:nonroot
EXPOSE 8080
ENV LISTEN_ADDR=:8080
ENTRYPOINT ["/runai-sa-dashboard"]
