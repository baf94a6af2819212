#!/usr/bin/env bash
# S3-compatible object store for local runs and integration tests: a real MinIO server,
# built from the Go module proxy (`go install`), listening on 127.0.0.1:$S3_PORT only.
# Sourced by deploy/local/up.sh after lib.sh; defines s3_install s3_start s3_stop s3_health.
#
# - single node, single drive ("xl-single" mode): object versioning works in this mode
#   (checked: two PUTs of one key give two versions); data under $COLINK_LOCAL/s3/data
# - root credentials colink / colink-secret-key (= S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY
#   in env.sh), region us-east-1, path-style URLs, SigV4 header and query (presigned) auth
# - web console disabled (MINIO_BROWSER=off), update checks off
# - the bucket colink-files is created with versioning Enabled on every start (idempotent),
#   using curl's built-in SigV4 signing (no extra client to install)
# Cold build (module download + compile, 2 cores): about 2.5 minutes; warm start: ~1-2 s.

# MinIO publishes no semver tags that the module proxy serves (its RELEASE.* tags are not
# valid module versions), so we pin the pseudo-version of the last commit the proxy has
# (`go list -m github.com/minio/minio@latest`: a master commit of 2026-02-12). Needs Go >= 1.24.
S3_MINIO_MODULE="${S3_MINIO_MODULE:-github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c}"
S3_ACCESS_KEY="${S3_ACCESS_KEY:-colink}"
S3_SECRET_KEY="${S3_SECRET_KEY:-colink-secret-key}"
S3_REGION="${S3_REGION:-us-east-1}"
S3_BUCKET="${S3_BUCKET:-colink-files}"
S3_CONSOLE_PORT="${S3_CONSOLE_PORT:-59001}"   # console is off; MinIO still wants an address

_s3_dir() { printf '%s' "$COLINK_LOCAL/s3"; }
_s3_url() { printf 'http://127.0.0.1:%s' "$S3_PORT"; }

# _s3_curl ARGS...: curl with SigV4 signing as the root user (fails on HTTP >= 400).
# curl 7.88 (Debian 12) canonicalizes a bare query key ("?versioning") differently from S3:
# always write "?key=".
_s3_curl() {
  curl -sS --fail --max-time 10 \
    --aws-sigv4 "aws:amz:${S3_REGION}:s3" --user "${S3_ACCESS_KEY}:${S3_SECRET_KEY}" "$@"
}

s3_install() {
  local version="${S3_MINIO_MODULE##*@}" stamp="$COLINK_BIN/.minio.version"
  if [[ -x "$COLINK_BIN/minio" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    return 0
  fi
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  local go_bin
  go_bin="$(command -v go || true)"; [[ -n "$go_bin" ]] || go_bin=/usr/local/go/bin/go
  [[ -x "$go_bin" ]] || die "s3: Go toolchain not found (need go >= 1.24)"
  mkdir -p "$COLINK_CACHE/gomod" "$COLINK_CACHE/gobuild"
  log "s3: building $S3_MINIO_MODULE (first run takes a few minutes)"
  local t0=$SECONDS
  # go install needs a directory that is not inside another module.
  (cd "$COLINK_CACHE" && GOBIN="$COLINK_BIN" GOMODCACHE="$COLINK_CACHE/gomod" \
     GOCACHE="$COLINK_CACHE/gobuild" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=0 \
     "$go_bin" install "$S3_MINIO_MODULE") || die "s3: go install $S3_MINIO_MODULE failed"
  printf '%s\n' "$version" > "$stamp"
  log "s3: minio built in $(( SECONDS - t0 ))s"
}

# Server answers (liveness + readiness of the object layer), no auth needed.
_s3_ready() {
  curl -sf --max-time 3 -o /dev/null "$(_s3_url)/minio/health/ready"
}

# Healthy = the server is ready, a signed ListBuckets succeeds and the bucket exists with
# versioning Enabled.
s3_health() {
  _s3_ready || return 1
  _s3_curl -o /dev/null "$(_s3_url)/" || return 1
  local v; v="$(_s3_curl "$(_s3_url)/${S3_BUCKET}?versioning=" 2>/dev/null)" || return 1
  [[ "$v" == *"<Status>Enabled</Status>"* ]]
}

_s3_ensure_bucket() {
  local base body sha
  base="$(_s3_url)/${S3_BUCKET}"
  if ! _s3_curl -o /dev/null -I "$base" 2>/dev/null; then
    log "s3: creating bucket $S3_BUCKET"
    _s3_curl -o /dev/null -X PUT "$base" || die "s3: could not create bucket $S3_BUCKET"
  fi
  # curl 7.88 signs a request body only when given its hash in x-amz-content-sha256.
  body='<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>'
  sha="$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)"
  _s3_curl -o /dev/null -X PUT -H 'Content-Type: application/xml' \
    -H "x-amz-content-sha256: $sha" --data-binary "$body" \
    "${base}?versioning=" || die "s3: could not enable versioning on $S3_BUCKET"
}

s3_start() {
  if s3_health; then return 0; fi
  s3_install
  local dir; dir="$(_s3_dir)"
  mkdir -p "$dir/data" "$dir/certs" "$COLINK_LOCAL/log" "$COLINK_LOCAL/run"
  if ! pid_alive s3; then
    port_open "$S3_PORT" && die "s3: port $S3_PORT is taken by another process"
    log "s3: starting minio on 127.0.0.1:$S3_PORT (data $dir/data)"
    MINIO_ROOT_USER="$S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$S3_SECRET_KEY" \
    MINIO_BROWSER=off MINIO_UPDATE=off MINIO_SITE_REGION="$S3_REGION" \
    MINIO_CALLHOME_ENABLE=off MINIO_PROMETHEUS_AUTH_TYPE=public \
      nohup "$COLINK_BIN/minio" server --quiet \
        --address "127.0.0.1:$S3_PORT" --console-address "127.0.0.1:$S3_CONSOLE_PORT" \
        --certs-dir "$dir/certs" "$dir/data" \
        >>"$COLINK_LOCAL/log/s3.log" 2>&1 </dev/null &
    echo $! > "$COLINK_LOCAL/run/s3.pid"
  fi
  wait_for s3 60 _s3_ready || die "s3: minio did not start"
  _s3_ensure_bucket
  wait_for s3 30 s3_health
}

s3_stop() { stop_pid s3; }
