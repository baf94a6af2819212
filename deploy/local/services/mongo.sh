#!/usr/bin/env bash
# MongoDB-wire-protocol server for local runs and integration tests: FerretDB v1 with its
# SQLite backend, built from the Go module proxy, listening on 127.0.0.1:$MONGO_PORT, no auth,
# telemetry disabled. Sourced by deploy/local/up.sh after lib.sh; defines
# mongo_install mongo_start mongo_stop mongo_health.
#
# Why not a real mongod: it is not in Debian, and the npm/PyPI packages that provide one
# (mongodb-memory-server*, mongodb-prebuilt, mongodb-download, ...) download it from
# mongodb.org at install/run time, which these machines cannot reach.
#
# Health is a real wire-protocol `ping` through the official `mongodb` npm driver, installed
# (pinned) into $COLINK_CACHE/node-tools.
# Cold build (module download + compile + npm install, 2 cores): about 1.5-2 minutes;
# warm start: ~1-2 s.

MONGO_FERRETDB_VERSION="${MONGO_FERRETDB_VERSION:-v1.24.2}"
MONGO_NODE_DRIVER_VERSION="${MONGO_NODE_DRIVER_VERSION:-7.9.0}"
MONGO_DEBUG_ADDR="${MONGO_DEBUG_ADDR:--}"   # FerretDB's metrics/pprof HTTP listener; '-' = off

_mongo_dir() { printf '%s' "$COLINK_LOCAL/mongo"; }
_mongo_tools() { printf '%s' "$COLINK_CACHE/node-tools"; }

_mongo_go() {
  local go_bin
  go_bin="$(command -v go || true)"; [[ -n "$go_bin" ]] || go_bin=/usr/local/go/bin/go
  [[ -x "$go_bin" ]] || die "mongo: Go toolchain not found (need go >= 1.24)"
  GOMODCACHE="$COLINK_CACHE/gomod" GOCACHE="$COLINK_CACHE/gobuild" GOFLAGS=-buildvcs=false \
    GOTOOLCHAIN=local CGO_ENABLED=0 "$go_bin" "$@"
}

_mongo_build_ferretdb() {
  local v="$MONGO_FERRETDB_VERSION" stamp="$COLINK_BIN/.ferretdb.version"
  if [[ -x "$COLINK_BIN/ferretdb" && -f "$stamp" && "$(cat "$stamp")" == "$v" ]]; then
    return 0
  fi
  mkdir -p "$COLINK_CACHE/gomod" "$COLINK_CACHE/gobuild" "$COLINK_CACHE/src"
  log "mongo: building FerretDB $v (first run takes a minute or two)"
  local t0=$SECONDS mod_dir src="$COLINK_CACHE/src/ferretdb-$v"
  # Not `go install ...@v`: (1) the module proxy here refuses FerretDB's version list, which
  # `go install pkg@version` reads for its deprecation check, and (2) FerretDB panics at
  # startup unless build/version/version.txt (generated upstream, empty in the module zip)
  # holds the version. So: download the module, copy it, write the version file, build it
  # as the main module (same go.mod/go.sum as `go install` would use).
  mod_dir="$(cd "$COLINK_CACHE" && _mongo_go mod download -json "github.com/FerretDB/FerretDB@$v" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$mod_dir" && -d "$mod_dir" ]] || die "mongo: could not download github.com/FerretDB/FerretDB@$v"
  rm -rf "$src"; cp -r "$mod_dir" "$src"; chmod -R u+w "$src"
  printf '%s\n' "$v" > "$src/build/version/version.txt"
  printf '%s\n' "local" > "$src/build/version/package.txt"
  (cd "$src" && _mongo_go build -trimpath -o "$COLINK_BIN/ferretdb" ./cmd/ferretdb) \
    || die "mongo: building FerretDB $v failed"
  printf '%s\n' "$v" > "$stamp"
  log "mongo: FerretDB built in $(( SECONDS - t0 ))s"
}

_mongo_install_driver() {
  local tools; tools="$(_mongo_tools)"
  local stamp="$tools/.mongodb.version"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$MONGO_NODE_DRIVER_VERSION" \
        || ! -d "$tools/node_modules/mongodb" ]]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    log "mongo: installing npm mongodb@$MONGO_NODE_DRIVER_VERSION into $tools"
    mkdir -p "$tools"
    [[ -f "$tools/package.json" ]] || printf '{ "name": "colink-node-tools", "private": true }\n' > "$tools/package.json"
    (cd "$tools" && npm install --no-audit --no-fund --loglevel=error \
        "mongodb@$MONGO_NODE_DRIVER_VERSION" >/dev/null) \
      || die "mongo: npm install mongodb@$MONGO_NODE_DRIVER_VERSION failed"
    printf '%s\n' "$MONGO_NODE_DRIVER_VERSION" > "$stamp"
  fi
  # mongo-ping.cjs URL: exits 0 when the server answers { ping: 1 } with ok: 1.
  cat > "$tools/mongo-ping.cjs" <<'JS'
const { MongoClient } = require("mongodb");
const client = new MongoClient(process.argv[2], {
  serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000, directConnection: true,
});
client.db("admin").command({ ping: 1 })
  .then((r) => { if (r.ok !== 1) throw new Error("ping not ok"); return client.close(); })
  .then(() => process.exit(0))
  .catch((e) => { console.error(String(e && e.message || e)); process.exit(1); });
JS
}

mongo_install() {
  _mongo_build_ferretdb
  _mongo_install_driver
}

mongo_health() {
  [[ -f "$(_mongo_tools)/mongo-ping.cjs" ]] || return 1
  port_open "$MONGO_PORT" || return 1
  node "$(_mongo_tools)/mongo-ping.cjs" "mongodb://127.0.0.1:$MONGO_PORT/" >/dev/null 2>&1
}

mongo_start() {
  if mongo_health; then return 0; fi
  mongo_install
  local dir; dir="$(_mongo_dir)"
  mkdir -p "$dir/data" "$dir/state" "$COLINK_LOCAL/log" "$COLINK_LOCAL/run"
  if ! pid_alive mongo; then
    port_open "$MONGO_PORT" && die "mongo: port $MONGO_PORT is taken by another process"
    log "mongo: starting FerretDB (sqlite) on 127.0.0.1:$MONGO_PORT (data $dir/data)"
    DO_NOT_TRACK=1 nohup "$COLINK_BIN/ferretdb" \
      --handler=sqlite --sqlite-url="file:$dir/data/" \
      --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$dir/state" \
      --debug-addr="$MONGO_DEBUG_ADDR" --telemetry=disable \
      --log-level=warn --log-format=text \
      >>"$COLINK_LOCAL/log/mongo.log" 2>&1 </dev/null &
    echo $! > "$COLINK_LOCAL/run/mongo.pid"
  fi
  wait_for mongo 60 mongo_health
}

mongo_stop() { stop_pid mongo; }
