# The Nexus image: the static kubectl-nexus binary alone, run as non-root.
# Without Docker, scripts/build-image.sh builds the same image (an OCI
# layout) from the same static binary and prints its digest.
#
#   docker build --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD) \
#     --build-arg BUILD_DATE=$(git log -1 --format=%cI) -t nexus.dev/kubectl-nexus:0.1.0 .

FROM docker.io/library/rust:1.95-bookworm AS build
ARG GIT_COMMIT=unknown
ARG BUILD_DATE=unknown
WORKDIR /src
COPY . .
# glibc linked statically: the binary needs nothing from the image.
RUN NEXUS_GIT_COMMIT=$GIT_COMMIT NEXUS_BUILD_DATE=$BUILD_DATE \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target x86_64-unknown-linux-gnu --bin kubectl-nexus

FROM scratch
ARG VERSION=0.1.0
ARG GIT_COMMIT=unknown
ARG BUILD_DATE=unknown
LABEL org.opencontainers.image.title="kubectl-nexus" \
      org.opencontainers.image.description="Nexus: the operator and kubectl plugin for multi-tenant WooCommerce stores" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$GIT_COMMIT" \
      org.opencontainers.image.created="$BUILD_DATE" \
      org.opencontainers.image.source="https://nexus.dev/nexus" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /src/target/x86_64-unknown-linux-gnu/release/kubectl-nexus /kubectl-nexus
USER 65532:65532
ENTRYPOINT ["/kubectl-nexus"]
CMD ["operator"]
