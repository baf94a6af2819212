#!/usr/bin/env bash
# Shared helpers for deploy/local/*: where things are cached and kept, how we wait for a port.
# Sourced, never run. Every service script under services/ defines
#   <name>_install  (idempotent; downloads/builds cached under $COLINK_CACHE)
#   <name>_start    (idempotent; no-op when already healthy; loopback only)
#   <name>_stop
#   <name>_health   (exit 0 when the server answers a real request)
set -euo pipefail

COLINK_CACHE="${COLINK_CACHE:-$HOME/.cache/colink}"       # downloads and builds, survive across runs
COLINK_LOCAL="${COLINK_LOCAL:-$HOME/.local/state/colink}"  # data dirs, logs, pid files of running servers
COLINK_BIN="$COLINK_CACHE/bin"
mkdir -p "$COLINK_CACHE" "$COLINK_LOCAL" "$COLINK_BIN" "$COLINK_LOCAL/log" "$COLINK_LOCAL/run"

# Fixed loopback ports, so tests and docs agree without extra wiring (see deploy/local/env.sh).
PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
KAFKA_PORT="${KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-59093}"
S3_PORT="${S3_PORT:-59000}"
MONGO_PORT="${MONGO_PORT:-57017}"
KEYCLOAK_PORT="${KEYCLOAK_PORT:-58080}"
CLAMAV_PORT="${CLAMAV_PORT:-53310}"
OPENSEARCH_PORT="${OPENSEARCH_PORT:-59200}"
OPENSEARCH_TRANSPORT_PORT="${OPENSEARCH_TRANSPORT_PORT:-59300}"

log() { printf '[local] %s\n' "$*" >&2; }
die() { printf '[local] ERROR: %s\n' "$*" >&2; exit 1; }

# wait_for NAME TIMEOUT_SECONDS CMD...: retries CMD every second until it succeeds.
wait_for() {
  local name="$1" timeout="$2"; shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start >= timeout )); then
      log "$name did not become healthy within ${timeout}s; last log lines:"
      tail -n 40 "$COLINK_LOCAL/log/$name.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
  log "$name healthy after $(( SECONDS - start ))s"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# apt_install PKG...: installs missing Debian packages (apt-get update once per run).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  (( ${#missing[@]} == 0 )) && return 0
  log "apt-get install ${missing[*]}"
  if [[ -z "${_COLINK_APT_UPDATED:-}" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null; _COLINK_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# pid_alive NAME: a pid file under $COLINK_LOCAL/run names a live process.
pid_alive() { local f="$COLINK_LOCAL/run/$1.pid"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; }

# stop_pid NAME: TERM, wait up to 20s, then KILL.
stop_pid() {
  local f="$COLINK_LOCAL/run/$1.pid" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
