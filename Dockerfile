# syntax=docker/dockerfile:1
# Build: docker build -t kgitops --build-arg VERSION=$(git describe --always --dirty) .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/kgitops/kgitops/cmd/kgitops/cli.Version=${VERSION}" \
      -o /out/kgitops ./cmd/kgitops

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kgitops /usr/local/bin/kgitops
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/kgitops"]
