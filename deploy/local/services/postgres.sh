#!/usr/bin/env bash
# PostgreSQL 15 for CoLink's real-adapter tests: Debian's server binaries, our own cluster.
# Sourced by deploy/local/up.sh (after lib.sh). Never touches Debian's system cluster
# (/var/lib/postgresql/15/main, port 5432): we initdb our own data dir and run it with pg_ctl.
#
#   data    $COLINK_LOCAL/postgres/data        (owned by the `postgres` OS user when run as root)
#   socket  $COLINK_LOCAL/run/postgres/.s.PGSQL.$PG_PORT
#   log     $COLINK_LOCAL/log/postgres.log
#   url     postgres://colink:colink@127.0.0.1:$PG_PORT/colink
#
# The server refuses to run as root, so as root every server-side command runs as the `postgres`
# user that the Debian package creates; as any other user it runs as that user.

_PG_MAJOR=15

_pg_data() { printf '%s\n' "$COLINK_LOCAL/postgres/data"; }
_pg_sockdir() { printf '%s\n' "$COLINK_LOCAL/run/postgres"; }
_pg_logfile() { printf '%s\n' "$COLINK_LOCAL/log/postgres.log"; }
_pg_user() { if (( EUID == 0 )); then echo postgres; else id -un; fi; }

# _pg_bindir: Debian installs server binaries outside PATH; prefer 15, else the newest installed.
_pg_bindir() {
  local d
  if [[ -x "/usr/lib/postgresql/$_PG_MAJOR/bin/pg_ctl" ]]; then
    echo "/usr/lib/postgresql/$_PG_MAJOR/bin"; return 0
  fi
  d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$d" && -x "$d/pg_ctl" ]] || return 1
  echo "$d"
}

# _pg_as CMD...: run CMD as the server's OS user (from /, so it never needs access to our cwd).
_pg_as() {
  if (( EUID == 0 )); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# _pg_grant_traverse DIR: as root the data dir usually sits under /root (mode 700), which the
# postgres user cannot enter. Give that one user search (x) permission on each blocking ancestor
# with an ACL (package `acl`); only if ACLs fail, fall back to o+x. Nothing is made readable.
_pg_grant_traverse() {
  (( EUID == 0 )) || return 0
  local target="$1" d="" part
  local -a parts
  IFS=/ read -r -a parts <<<"${target#/}"
  for part in "${parts[@]}"; do
    d="$d/$part"
    [[ -d "$d" ]] || break
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      apt_install acl
      if setfacl -m u:postgres:x "$d" 2>/dev/null; then
        log "postgres: granted the postgres user search (x) on $d via ACL"
      else
        chmod o+x "$d"
        log "postgres: ACLs unsupported on $d; added o+x so the postgres user can reach its data dir"
      fi
    fi
  done
}

postgres_install() {
  apt_install postgresql
  _pg_bindir >/dev/null || die "postgres: no server binaries under /usr/lib/postgresql/*/bin after installing"
  (( EUID != 0 )) || id postgres >/dev/null 2>&1 || die "postgres: OS user 'postgres' missing (the Debian package creates it)"
}

# _pg_init: initdb once; (re)write our settings on every start.
_pg_init() {
  local bin data sock
  bin="$(_pg_bindir)"; data="$(_pg_data)"; sock="$(_pg_sockdir)"
  # unix socket paths are limited to 107 bytes
  (( ${#sock} + 20 < 107 )) || die "postgres: socket dir $sock is too long for a unix socket; use a shorter COLINK_LOCAL"
  mkdir -p "$data" "$sock"
  touch "$(_pg_logfile)"
  if (( EUID == 0 )); then
    chown postgres:postgres "$COLINK_LOCAL/postgres" "$data" "$sock" "$(_pg_logfile)"
  fi
  chmod 700 "$data"
  chmod 755 "$sock"
  _pg_grant_traverse "$data"
  _pg_grant_traverse "$sock"

  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "postgres: initdb $data"
    _pg_as "$bin/initdb" -D "$data" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 --no-sync >>"$(_pg_logfile)" 2>&1 \
      || { tail -n 20 "$(_pg_logfile)" >&2; die "postgres: initdb failed"; }
  fi
  local have; have="$(cat "$data/PG_VERSION")"
  [[ "$bin" == "/usr/lib/postgresql/$have/bin" ]] \
    || die "postgres: $data was created by PostgreSQL $have but $bin is what is installed; reset with rm -rf $COLINK_LOCAL/postgres"

  cat >"$data/colink.conf" <<CONF
# Written by deploy/local/services/postgres.sh on every start: edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
shared_buffers = 128MB
# TEST SERVER ONLY: no fsync (and so no point in synchronous commit or full-page writes).
# Much faster for test suites, but an OS crash or power loss can corrupt this cluster;
# the fix is a reset (rm -rf \$COLINK_LOCAL/postgres). Never copy these three to production.
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
CONF
  (( EUID != 0 )) || chown postgres:postgres "$data/colink.conf"
  grep -q "^include_if_exists 'colink.conf'" "$data/postgresql.conf" \
    || printf "\ninclude_if_exists 'colink.conf'\n" >>"$data/postgresql.conf"
}

# _pg_ready: the server accepts connections (any role/db).
_pg_ready() { "$(_pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 3; }

# _pg_bootstrap: role colink/colink (LOGIN, CREATEDB, CREATEROLE; not SUPERUSER, like a managed
# database's admin role) owning database colink. Idempotent; runs as the postgres superuser over
# the unix socket with peer authentication.
_pg_bootstrap() {
  local bin; bin="$(_pg_bindir)"
  _pg_as "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$(_pg_sockdir)" -p "$PG_PORT" -U postgres -d postgres <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'colink') THEN CREATE ROLE colink; END IF;
END $$;
ALTER ROLE colink WITH LOGIN NOSUPERUSER CREATEDB CREATEROLE PASSWORD 'colink';
SELECT 'CREATE DATABASE colink OWNER colink' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'colink')\gexec
ALTER DATABASE colink OWNER TO colink;
SQL
}

postgres_start() {
  postgres_install
  if postgres_health; then log "postgres already running on 127.0.0.1:$PG_PORT"; return 0; fi
  _pg_init
  local bin data; bin="$(_pg_bindir)"; data="$(_pg_data)"
  if ! _pg_as "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    _pg_as "$bin/pg_ctl" -D "$data" -l "$(_pg_logfile)" -W start >/dev/null
  fi
  wait_for postgres 60 _pg_ready
  _pg_bootstrap
  wait_for postgres 30 postgres_health
}

postgres_stop() {
  local bin data; data="$(_pg_data)"
  bin="$(_pg_bindir)" || return 0
  [[ -f "$data/PG_VERSION" ]] || return 0
  if _pg_as "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "postgres: stopping"
    _pg_as "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
}

postgres_health() {
  local bin; bin="$(_pg_bindir)" || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 3 || return 1
  [[ "$(PGCONNECT_TIMEOUT=5 "$bin/psql" -X -Atq "postgres://colink:colink@127.0.0.1:$PG_PORT/colink" -c 'select 1' 2>/dev/null)" == 1 ]]
}
