# syntax=docker/dockerfile:1
#
# One image per CoLink service: a `deno compile` binary of services/$SERVICE/main.ts on a slim,
# non-root runtime.
#
#   docker build --build-arg SERVICE=users -t colink/users .
#   docker compose up --build          (docker-compose.yml builds every service from this file)
#
# SERVICE: gateway | realtime | users | channels | messaging | presence | files | search | admin
#          | bi_exporter
#
# Build it on a machine with internet access: `deno compile` downloads the matching `denort`
# runtime (dl.deno.land) for the target, and `deno install` the npm packages from the lockfile.
# CoLink's dev and CI machines reach only package registries, so there `deno check` of the
# entrypoints and a lint of this file stand in for a build (deploy/ci/validate_containers.sh).
#
# Runtime base: debian:12-slim rather than distroless, because compose's depends_on
# (condition: service_healthy) needs a probe that runs inside the container, and distroless has
# no shell or curl. bash's /dev/tcp is that probe, so nothing is installed on top of the base.
# Kubernetes and compose probe the same endpoints every service serves:
#   GET /health  liveness (the process answers)
#   GET /ready   readiness (every adapter the service constructed answers its ping; 503 if not)

# Pinned to the Deno the project develops with (the one that writes deno.lock).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src

# The whole workspace: deno install resolves every member's deno.json against deno.lock
# (.dockerignore keeps data/, coverage/, .git, deploy/ and the like out of the context).
COPY . .

# Fails if deno.lock is out of date with deno.json: the image gets exactly the locked versions.
# Shared by every SERVICE (the ARG below comes after it), so one cache layer serves all builds.
RUN deno install --frozen

ARG SERVICE
# Migrations are read at run time with Deno.readDir(new URL("./migrations/", import.meta.url))
# (shared/db/mod.ts): --include puts the directory into the binary's embedded file system at the
# same path relative to the module, where Deno.readDir/readTextFile find it. The gateway also
# builds and embeds the web client it serves (web/dist: content-hashed, with .gz and .br).
# Compiling type-checks the service's graph.
# --exclude bintrees' test/: deno 2.9.6 compile embeds the whole npm snapshot, and analysing
# bintrees' test/perf/100k (100k lines of signed integers, reached via prom-client -> tdigest)
# overflows its stack ("thread 'tokio-runtime-worker' has overflowed its stack"). Test data only.
RUN set -eu; \
    case "${SERVICE:-}" in \
      gateway|realtime|users|channels|messaging|presence|files|search|admin|bi_exporter) ;; \
      *) echo "build arg SERVICE must be one of: gateway realtime users channels messaging" \
              "presence files search admin bi_exporter (got '${SERVICE:-}')" >&2; exit 2 ;; \
    esac; \
    set -- --include shared/db/migrations; \
    if [ "$SERVICE" = gateway ]; then deno task web:build >&2 && set -- "$@" --include web/dist; fi; \
    for d in "${DENO_DIR:-/deno-dir}"/npm/*/bintrees/*/test; do \
      if [ -d "$d" ]; then set -- "$@" --exclude "$d"; fi; \
    done; \
    mkdir -p /out/data; \
    deno compile --frozen \
      --allow-net --allow-env --allow-read --allow-write --allow-sys \
      "$@" \
      --output /out/colink \
      "services/${SERVICE}/main.ts"

FROM debian:12-slim AS runtime

ARG SERVICE
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="colink-${SERVICE}" \
      org.opencontainers.image.description="CoLink ${SERVICE} service (self-hostable team chat), a deno compile binary" \
      org.opencontainers.image.vendor="CoLink" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"

# Same uid/gid as distroless' nonroot (65532), so Kubernetes securityContext values carry over.
RUN groupadd --system --gid 65532 nonroot \
 && useradd --system --uid 65532 --gid nonroot --home-dir /home/nonroot --create-home \
      --shell /usr/sbin/nologin nonroot

WORKDIR /app
COPY --from=build /out/colink /app/colink
# DATA_DIR is only written in embedded mode (PGlite, blobs, documents, dev issuer keys): the
# gateway image can run the whole product as a demo with COLINK_MODE=embedded
# COLINK_ENV=development (the embedded issuer refuses production) and a volume on /data.
COPY --from=build --chown=nonroot:nonroot /out/data /data

ENV COLINK_MODE=distributed \
    COLINK_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data \
    NO_COLOR=1

# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 8000

# /ready, not /health: compose's depends_on (service_healthy) should wait for the dependencies.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]

ENTRYPOINT ["/app/colink"]
