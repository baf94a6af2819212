#!/usr/bin/env bash
# Keycloak in dev mode (embedded H2, local caches) on loopback, with the CoLink realm
# imported from deploy/keycloak/*.json. Sourced by deploy/local/up.sh after lib.sh.
#
# The server distribution is the zip org.keycloak:keycloak-quarkus-dist on Maven Central,
# resolved into $COLINK_CACHE/m2 and unzipped once into $COLINK_CACHE/keycloak-<ver>.
# The dist's data/ folder is a symlink to $COLINK_LOCAL/keycloak/data, so the H2 database,
# the import folder and temp files live with the other server state.
#
# --import-realm skips realms that already exist. After editing the realm JSON, reset:
#   keycloak_stop; rm -rf "$COLINK_LOCAL/keycloak/data/h2"; keycloak_start
# The master-realm console (http://127.0.0.1:$KEYCLOAK_PORT/admin) logs in as admin/admin.

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
KEYCLOAK_DIST="$COLINK_CACHE/keycloak-$KEYCLOAK_VERSION"
KEYCLOAK_STATE="$COLINK_LOCAL/keycloak"
KEYCLOAK_REALM="${KEYCLOAK_REALM:-colink}"
KEYCLOAK_REALM_DIR="${KEYCLOAK_REALM_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/keycloak}"
# The management interface (health, metrics) defaults to 9000; keep it next to ours instead.
KEYCLOAK_MANAGEMENT_PORT="${KEYCLOAK_MANAGEMENT_PORT:-58081}"
# One issuer whatever host name a client uses (localhost vs 127.0.0.1), so tokens verify
# against OIDC_ISSUER from env.sh.
KEYCLOAK_HOSTNAME="${KEYCLOAK_HOSTNAME:-http://127.0.0.1:$KEYCLOAK_PORT}"
KEYCLOAK_HEAP_OPTS="${KEYCLOAK_HEAP_OPTS:--Xms64m -Xmx512m}"

# Keycloak 26 runs on Java 17 (deprecated there) and 21+; prefer the newest JDK we find.
_keycloak_java_home() {
  if [[ -n "${KEYCLOAK_JAVA_HOME:-}" ]]; then printf '%s\n' "$KEYCLOAK_JAVA_HOME"; return; fi
  local d
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 \
           /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-amd64 "${JAVA_HOME:-}"; do
    [[ -n "$d" && -x "$d/bin/java" ]] && { printf '%s\n' "$d"; return; }
  done
  local java; java="$(command -v java)" || die "keycloak: no Java 17+ found"
  dirname "$(dirname "$(readlink -f "$java")")"
}

# up.sh runs installs in parallel and Maven 3.8 does not lock its local repository: one mvn at a time.
_keycloak_mvn() { flock "$COLINK_CACHE/m2.lock" mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$COLINK_CACHE/m2" "$@"; }

keycloak_install() {
  [[ -f "$KEYCLOAK_DIST/.installed" ]] && return 0
  command -v mvn >/dev/null || die "keycloak: mvn not found (apt-get install maven)"
  command -v unzip >/dev/null || apt_install unzip
  command -v curl >/dev/null || apt_install curl
  local gav="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip"
  local zip="$COLINK_CACHE/m2/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  if [[ ! -f "$zip" ]]; then
    log "keycloak: resolving $gav from Maven Central (~170 MB)"
    _keycloak_mvn \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
      -Dartifact="$gav" -Dtransitive=false >&2 || die "keycloak: Maven could not resolve $gav"
  fi
  local tmp="$COLINK_CACHE/.keycloak-unzip.$$"
  rm -rf "$tmp" "$KEYCLOAK_DIST"
  unzip -q "$zip" -d "$tmp" || die "keycloak: cannot unzip $zip"
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_DIST"
  rm -rf "$tmp"
  touch "$KEYCLOAK_DIST/.installed"
}

_keycloak_prepare_data() {
  mkdir -p "$KEYCLOAK_STATE/data/import"
  if [[ "$(readlink "$KEYCLOAK_DIST/data" 2>/dev/null || true)" != "$KEYCLOAK_STATE/data" ]]; then
    rm -rf "$KEYCLOAK_DIST/data"
    ln -s "$KEYCLOAK_STATE/data" "$KEYCLOAK_DIST/data"
  fi
  rm -f "$KEYCLOAK_STATE/data/import/"*.json
  local f found=0
  for f in "$KEYCLOAK_REALM_DIR"/*.json; do
    [[ -f "$f" ]] || continue
    cp "$f" "$KEYCLOAK_STATE/data/import/"; found=1
  done
  (( found )) || log "keycloak: no realm JSON in $KEYCLOAK_REALM_DIR; the $KEYCLOAK_REALM realm will be missing"
}

# --import-realm never updates an existing realm: when the realm files differ from what was
# imported (or the import's checksum is unknown), drop the H2 database so they import afresh.
_keycloak_realm_sum() { cat "$KEYCLOAK_REALM_DIR"/*.json 2>/dev/null | sha256sum | cut -d' ' -f1; }
_keycloak_reimport_if_changed() {
  local want have=""
  want="$(_keycloak_realm_sum)"
  [[ -f "$KEYCLOAK_STATE/realm.sha256" ]] && have="$(cat "$KEYCLOAK_STATE/realm.sha256")"
  [[ "$have" == "$want" ]] && return 0
  if [[ -d "$KEYCLOAK_STATE/data/h2" ]]; then
    log "keycloak: realm files changed since the last import; re-importing"
    keycloak_stop
    rm -rf "$KEYCLOAK_STATE/data/h2"
  fi
}

keycloak_start() {
  _keycloak_reimport_if_changed
  if keycloak_health; then
    log "keycloak already running on 127.0.0.1:$KEYCLOAK_PORT"
    _keycloak_realm_sum >"$KEYCLOAK_STATE/realm.sha256"
    return 0
  fi
  if ! pid_alive keycloak; then
    port_open "$KEYCLOAK_PORT" && die "keycloak: port $KEYCLOAK_PORT is taken by a process we did not start"
    keycloak_install
    _keycloak_prepare_data
    local java_home; java_home="$(_keycloak_java_home)"
    log "keycloak: starting $KEYCLOAK_VERSION on 127.0.0.1:$KEYCLOAK_PORT (java: $java_home)"
    # setsid puts kc.sh and its JVM in their own process group (see keycloak_stop); the inner
    # shell records its pid, then execs kc.sh, which forwards TERM to the JVM.
    # shellcheck disable=SC2016 # $$ is the inner shell's pid
    env JAVA_HOME="$java_home" JAVA_OPTS_KC_HEAP="$KEYCLOAK_HEAP_OPTS" \
        KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}" \
        KC_BOOTSTRAP_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}" \
      nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$COLINK_LOCAL/run/keycloak.pid" \
        "$KEYCLOAK_DIST/bin/kc.sh" start-dev --import-realm \
        --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
        --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" \
        --hostname="$KEYCLOAK_HOSTNAME" \
        --log-console-color=false \
      </dev/null >>"$COLINK_LOCAL/log/keycloak.log" 2>&1 &
    for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -s "$COLINK_LOCAL/run/keycloak.pid" ]] && break; sleep 0.1; done
  fi
  wait_for keycloak 240 keycloak_health
  _keycloak_realm_sum >"$KEYCLOAK_STATE/realm.sha256"
}

keycloak_stop() {
  local f="$COLINK_LOCAL/run/keycloak.pid" pid=""
  [[ -f "$f" ]] && pid="$(cat "$f")"
  pid_alive keycloak && log "keycloak: stopping"
  stop_pid keycloak
  # If kc.sh had to be killed, its JVM may outlive it: end the rest of its process group.
  if [[ -n "$pid" ]] && kill -0 -- "-$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 2
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
}

# Healthy once the realm is imported and serves its OIDC discovery document.
keycloak_health() {
  curl -fs -m 5 -o /dev/null \
    "http://127.0.0.1:$KEYCLOAK_PORT/realms/$KEYCLOAK_REALM/.well-known/openid-configuration"
}
