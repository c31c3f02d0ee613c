# syntax=docker/dockerfile:1

# Image of mtls-scan: for `docker run`, Kubernetes Jobs and the GitHub Action's
# fallback where no released binary fits the runner (the action itself runs the
# binary on the runner). release.yml builds it once, pushes it to GHCR and pins
# its digest in the released action.yml.

# ---- skeleton --------------------------------------------------------------
# The workspace with every source file emptied: the manifests, the lock file and
# one stub per target root (lib, bins, benches, tests, examples, build scripts),
# the other files removed. Its content changes only when a manifest, the lock
# file or the set of targets does, so the dependency layer below, which copies
# it, stays cached across code edits (BuildKit keys COPY on content, not mtime).
FROM rust:1.95.0-slim-bookworm AS skeleton
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
RUN find crates -type f ! -name Cargo.toml \
        ! -path 'crates/*/src/lib.rs' ! -path 'crates/*/src/main.rs' \
        ! -path 'crates/*/src/bin/*.rs' ! -path 'crates/*/build.rs' \
        ! -path 'crates/*/benches/*.rs' ! -path 'crates/*/tests/*.rs' \
        ! -path 'crates/*/examples/*.rs' -delete \
    && find crates -type f -name '*.rs' | while read -r f; do \
        case "$f" in \
            */src/lib.rs) : > "$f" ;; \
            *) echo 'fn main() {}' > "$f" ;; \
        esac; \
    done

# ---- builder ---------------------------------------------------------------
# Bookworm, like the runtime image, so the binary links against the same glibc
# and OpenSSL 3.0. The slim image already ships gcc and libc6-dev, which is all
# aws-lc-sys (the crypto under rustls) needs: no cmake, clang or Go. The one
# transport rustls cannot provide (client auth asked after the handshake: TLS 1.3
# post-handshake auth and TLS 1.2 renegotiation) links OpenSSL through the openssl crate:
# hence libssl-dev, pinned to bookworm's 3.0 series. Linked statically, as release.yml
# links the released binaries (OPENSSL_STATIC with the library directory given, or
# openssl-sys would take the .so through pkg-config): the dynamic loader's relocation of
# libcrypto cost ~1 ms of every run.
FROM rust:1.95.0-slim-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        pkg-config=1.8.* libssl-dev=3.0.* \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# aws-lc seeds its random generator from the OS, not CPU jitter (~40 ms less per run; see
# .cargo/config.toml, which the workspace builds read and this image does not copy).
ENV AWS_LC_SYS_NO_JITTER_ENTROPY=1 \
    OPENSSL_STATIC=1 \
    OPENSSL_INCLUDE_DIR=/usr/include

# Dependency layer: all the dependencies, built against the skeleton.
COPY --from=skeleton /src ./
RUN OPENSSL_LIB_DIR="/usr/lib/$(gcc -dumpmachine)" cargo build --release --locked -p action-runner

# The real sources. COPY keeps the files' own mtimes, which can be older than
# the stub build above; touch them so cargo rebuilds the workspace crates.
COPY crates ./crates
RUN find crates -name '*.rs' -exec touch {} + \
    && OPENSSL_LIB_DIR="/usr/lib/$(gcc -dumpmachine)" cargo build --release --locked -p action-runner \
    && cp target/release/mtls-scan /usr/local/bin/mtls-scan

# ---- runtime ---------------------------------------------------------------
# distroless/cc: distroless/base (glibc and the CA certificates, which the scan
# reads as OpenSSL does: the bundle file and the hashed directory) plus libgcc_s, no shell. Not
# distroless/base alone: it lacks libgcc_s.so.1, which every Rust binary for a
# -gnu target links. Both come from bookworm, like the builder's libssl-dev.
# Distroless publishes no versioned tags, only rolling ones; the image that
# users run is nevertheless immutable, since action.yml pins its digest.
# hadolint ignore=DL3007
FROM gcr.io/distroless/cc-debian12:latest
LABEL org.opencontainers.image.title="mtls-scan" \
      org.opencontainers.image.description="Proves whether HTTPS endpoints enforce mutual-TLS client authentication" \
      org.opencontainers.image.source="https://github.com/org/mtls-action" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /usr/local/bin/mtls-scan /usr/local/bin/mtls-scan
# No USER on purpose: the image runs as root (the distroless default), so it
# can write reports into a mounted directory whoever owns it. The action's
# fallback runs it as the runner's user (`docker run --user`), which owns the
# workspace, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY it mounts.
ENTRYPOINT ["/usr/local/bin/mtls-scan"]
