# syntax=docker/dockerfile:1

# One image for every production command of Lattice:
#   docker run lattice api | worker | codec | sandbox
# It holds one static binary, no shell and no embedded Temporal server,
# and runs as an unprivileged user.

FROM golang:1.26 AS build
WORKDIR /src

# The build fetches only the modules cmd/lattice imports, not those of
# the embedded Temporal server the dev stack and tests use; the caches
# keep them between builds.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/lattice ./cmd/lattice

# The sandbox hands its NetSuite key to the worker through a volume
# mounted here; a new named volume takes the owner of what the image holds
# at its mount point.
RUN mkdir -p /out/state/sandbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lattice /lattice
COPY --from=build --chown=65532:65532 /out/state /var/lib/lattice
USER 65532:65532
EXPOSE 8080 8081 8089 8090
ENTRYPOINT ["/lattice"]
CMD ["api"]
