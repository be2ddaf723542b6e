# syntax=docker/dockerfile:1
# The baton-atlassian daemon as a container image: `make image` (docker build -t baton-atlassian:dev .).
# The Helm chart (charts/baton-atlassian) and deploy/ run it as user 65532 with a read-only root
# filesystem; it needs no shell.

# The Rust toolchain must be at least the workspace's rust-version (Cargo.toml); keep this at
# the version CI builds with, so the image is built by the compiler the tests ran on.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
# --locked: exactly the dependency versions of Cargo.lock. The bundled SQLite and aws-lc are
# compiled with the image's C compiler and link against glibc, as the runtime image provides.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p baton-atlassian \
    && install -D -m 0755 target/release/baton-atlassian /out/baton-atlassian

# glibc, libgcc and CA certificates, no shell, user nonroot (65532).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/baton-atlassian /usr/local/bin/baton-atlassian
USER 65532:65532
# The health and metrics server (BATON_HEALTH_CHECK_PORT).
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/baton-atlassian"]
# As a service; the chart sets the same.
CMD ["serve"]
