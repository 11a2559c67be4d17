# Multi-stage build: compile in the Rust image, run in a slim Debian image
# as an unprivileged user. The server needs no PostgreSQL binaries here:
# in containers it always talks to DATABASE_URL.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# The allocator's build-time settings (jemalloc's background purge).
COPY .cargo .cargo
COPY src src
COPY migrations migrations
COPY assets assets
RUN cargo build --release --locked --bin majlis

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin majlis
COPY --from=build /src/target/release/majlis /usr/local/bin/majlis
USER 10001
ENV MAJLIS_ADDR=0.0.0.0:8080 \
    MAJLIS_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["majlis"]
CMD ["serve"]
