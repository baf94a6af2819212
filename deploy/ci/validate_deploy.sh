#!/usr/bin/env bash
# Validates the deployment code offline: the kustomize builds of deploy/k8s (base and every
# overlay), decoded strictly into the Kubernetes API types and checked against CoLink's rules
# (deploy/k8s/tools/kubecheck), and the Terraform in terraform/ (fmt, init from local provider
# plugins only, validate of every module and environment, `terraform test` with a mocked AWS
# provider). Exits non-zero if anything fails.
#
# kubecheck also checks the wiring of every build and of docker-compose.yml: the gateway sets
# every upstream URL it reads to the Service of that name, TRUST_PROXY=true (Kubernetes only:
# behind the ALB), and Kafka TLS/SASL settings match the broker port. The list of upstream
# variables is not kept here: it is read from services/gateway/upstreams.ts (UPSTREAM_ENV_VARS)
# with `deno eval` (deno on PATH, else `npx -y deno@$DENO_VERSION`).
#
# Idempotent: the tools it lacks are built once from the Go module proxy and cached under
# $COLINK_CACHE/deploy-tools (default ~/.cache/colink/deploy-tools):
#   kustomize   only when neither `kubectl kustomize` nor `kustomize` is on PATH
#   kubecheck   always (rebuilt when its source changes)
#   tofu        OpenTofu, only when no `terraform` binary is on PATH (about 3 minutes)
# Terraform providers cannot be downloaded here (their registry is unreachable), so they come
# from a local plugin directory: $COLINK_TF_PLUGIN_DIR (default /opt/tf-plugins), laid out as
# <host>/<namespace>/<type>/<version>/<os_arch>/terraform-provider-... . Without the AWS
# provider there, Terraform is only format- and parse-checked, and that is reported as a skip;
# set COLINK_REQUIRE_TF_VALIDATE=1 to make it a failure instead.
#
# Usage: deploy/ci/validate_deploy.sh            (from anywhere inside the repository)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COLINK_CACHE="${COLINK_CACHE:-$HOME/.cache/colink}"
TOOLS="$COLINK_CACHE/deploy-tools"
BIN="$TOOLS/bin"
PLUGIN_DIR="${COLINK_TF_PLUGIN_DIR:-/opt/tf-plugins}"
REQUIRE_TF_VALIDATE="${COLINK_REQUIRE_TF_VALIDATE:-0}"
KUSTOMIZE_VERSION="v5.5.0"
DENO_VERSION="2.9.6"
TOFU_VERSION="v1.10.6"
mkdir -p "$BIN"

export GOMODCACHE="$COLINK_CACHE/gomod"
export GOCACHE="$COLINK_CACHE/gobuild"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=0
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

passed=0 failed=0 skipped=0
log() { printf '%s\n' "validate_deploy: $*" >&2; }
# check NAME CMD...: runs CMD, its output indented, and counts the result.
check() {
  local name="$1"; shift
  log "RUN  $name"
  if "$@" > "$WORK/out" 2>&1; then
    sed 's/^/    /' "$WORK/out" >&2
    log "PASS $name"; passed=$((passed + 1))
  else
    sed 's/^/    /' "$WORK/out" >&2
    log "FAIL $name"; failed=$((failed + 1))
  fi
}
skip() { log "SKIP $1: $2"; skipped=$((skipped + 1)); }

go_bin() {
  command -v go 2>/dev/null || { [[ -x /usr/local/go/bin/go ]] && echo /usr/local/go/bin/go; }
}

# --- Kubernetes ------------------------------------------------------------------------------

kustomize_build() {
  if command -v kubectl >/dev/null && kubectl kustomize --help >/dev/null 2>&1; then
    kubectl kustomize "$1"
  elif command -v kustomize >/dev/null; then
    kustomize build "$1"
  else
    "$BIN/kustomize" build "$1"
  fi
}

ensure_kustomize() {
  command -v kubectl >/dev/null && kubectl kustomize --help >/dev/null 2>&1 && return 0
  command -v kustomize >/dev/null && return 0
  [[ -x "$BIN/kustomize" ]] && return 0
  local go; go="$(go_bin)" || { log "no kubectl, kustomize or Go toolchain"; return 1; }
  log "building kustomize $KUSTOMIZE_VERSION from the Go module proxy"
  (cd "$TOOLS" && GOBIN="$BIN" "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION")
}

ensure_kubecheck() {
  local src="$ROOT/deploy/k8s/tools/kubecheck" go sum
  sum="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)"
  [[ -x "$BIN/kubecheck-$sum" ]] && { ln -sfn "kubecheck-$sum" "$BIN/kubecheck"; return 0; }
  go="$(go_bin)" || { log "kubecheck needs the Go toolchain"; return 1; }
  log "building kubecheck"
  (cd "$src" && "$go" build -trimpath -o "$BIN/kubecheck-$sum" .) || return 1
  find "$BIN" -maxdepth 1 -name 'kubecheck-*' ! -name "kubecheck-$sum" -delete
  ln -sfn "kubecheck-$sum" "$BIN/kubecheck"
}

# The upstream URL variables the gateway reads, comma-separated, from the code that reads them.
UPSTREAMS=""
upstream_env_vars() {
  local deno=(deno)
  command -v deno >/dev/null || deno=(npx -y "deno@$DENO_VERSION")
  (cd "$ROOT" && NO_COLOR=1 "${deno[@]}" eval --quiet \
    'import { UPSTREAM_ENV_VARS } from "./services/gateway/upstreams.ts";
     console.log(UPSTREAM_ENV_VARS.join(","));') > "$WORK/upstreams" || return 1
  UPSTREAMS="$(tr -d '[:space:]' < "$WORK/upstreams")"
  echo "UPSTREAM_ENV_VARS=$UPSTREAMS"
  [[ -n "$UPSTREAMS" ]]
}

# Without the list (its check failed above) the rest of kubecheck's rules still run.
kubecheck() {
  if [[ -n "$UPSTREAMS" ]]; then "$BIN/kubecheck" -upstream-env "$UPSTREAMS" "$@"; else "$BIN/kubecheck" "$@"; fi
}

k8s_target() { kustomize_build "$1" > "$WORK/rendered.yaml" && kubecheck < "$WORK/rendered.yaml"; }

kubecheck_tests() {
  local go; go="$(go_bin)" || { echo "no Go toolchain"; return 1; }
  (cd "$ROOT/deploy/k8s/tools/kubecheck" && "$go" vet ./... && "$go" test ./...)
}

validate_k8s() {
  if ! ensure_kustomize; then
    check "kustomize available" false
    return
  fi
  if ! ensure_kubecheck; then
    check "kubecheck build" false
    return
  fi
  check "kubecheck unit tests" kubecheck_tests
  # Read in this shell (not in check's) so that the builds below get the list.
  if upstream_env_vars > "$WORK/upstreams.log" 2>&1; then
    check "gateway upstream list (services/gateway/upstreams.ts)" cat "$WORK/upstreams.log"
  else
    UPSTREAMS=""
    check "gateway upstream list (services/gateway/upstreams.ts)" \
      bash -c 'cat "$1"; echo "deno eval failed or printed no names"; exit 1' _ "$WORK/upstreams.log"
  fi
  local dir
  for dir in "$ROOT/deploy/k8s/base" "$ROOT"/deploy/k8s/overlays/*/; do
    dir="${dir%/}"
    check "kustomize ${dir#"$ROOT"/}" k8s_target "$dir"
  done
  check "gateway wiring in docker-compose.yml" kubecheck -compose "$ROOT/docker-compose.yml"
}

# --- Terraform -------------------------------------------------------------------------------

TF="" TF_KIND=""

ensure_terraform() {
  if command -v terraform >/dev/null; then TF="$(command -v terraform)"; TF_KIND=terraform; return 0; fi
  if command -v tofu >/dev/null; then TF="$(command -v tofu)"; TF_KIND=tofu; return 0; fi
  TF="$BIN/tofu-$TOFU_VERSION" TF_KIND=tofu
  [[ -x "$TF" ]] && return 0
  local go dir; go="$(go_bin)" || { log "no terraform/tofu and no Go toolchain to build OpenTofu"; return 1; }
  log "building OpenTofu $TOFU_VERSION from the Go module proxy (a few minutes, once)"
  # Built as the main module (not `go install`): its go.mod has a replace directive.
  dir="$(cd "$TOOLS" && "$go" mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" || return 1
  [[ -n "$dir" ]] || return 1
  rm -rf "$TOOLS/src/opentofu" && mkdir -p "$TOOLS/src" && cp -r "$dir" "$TOOLS/src/opentofu" &&
    chmod -R u+w "$TOOLS/src/opentofu" &&
    (cd "$TOOLS/src/opentofu" && "$go" build -trimpath -o "$TF.tmp" ./cmd/tofu) && mv "$TF.tmp" "$TF"
}

# Lays out the local plugins for the binary in use: OpenTofu resolves `hashicorp/aws` to
# registry.opentofu.org, so it gets file-level links under that host name.
plugin_dir_for() {
  if [[ "$TF_KIND" == terraform ]]; then echo "$PLUGIN_DIR"; return; fi
  local out="$WORK/plugins" f rel
  while IFS= read -r f; do
    rel="${f#"$PLUGIN_DIR"/registry.terraform.io/}"
    mkdir -p "$out/registry.opentofu.org/$(dirname "$rel")"
    ln -sf "$f" "$out/registry.opentofu.org/$rel"
  done < <(find -L "$PLUGIN_DIR/registry.terraform.io" -type f -name 'terraform-provider-*' 2>/dev/null)
  echo "$out"
}

tf() { "$TF" "$@"; }

tf_init_validate() {
  (cd "$1" && tf init -backend=false -input=false -no-color -plugin-dir="$2" >/dev/null && tf validate -no-color)
}

tf_test() { (cd "$1" && tf test -no-color); }

validate_terraform() {
  if ! ensure_terraform; then
    check "terraform available" false
    return
  fi
  log "using $("$TF" version 2>/dev/null | head -1) ($TF)"
  # No CLI configuration from the machine: nothing but the local plugin directory is used.
  printf 'disable_checkpoint = true\n' > "$WORK/tf.rc"
  export TF_CLI_CONFIG_FILE="$WORK/tf.rc"

  check "terraform fmt" tf fmt -check -recursive -diff "$ROOT/terraform"

  # A copy, so that init leaves no .terraform/ or lock file in the work tree.
  mkdir -p "$WORK/tf" && cp -r "$ROOT/terraform" "$WORK/tf/"
  find "$WORK/tf" -name .terraform -type d -prune -exec rm -rf {} +

  local plugins; plugins="$(plugin_dir_for)"
  if [[ -z "$(find -L "$plugins" -path '*/hashicorp/aws/*' -name 'terraform-provider-aws*' -type f 2>/dev/null)" ]]; then
    if [[ "$REQUIRE_TF_VALIDATE" == 1 ]]; then
      check "terraform validate (no hashicorp/aws provider under $PLUGIN_DIR)" false
    else
      skip "terraform validate" "no hashicorp/aws provider under $PLUGIN_DIR (fmt above still parsed every file)"
    fi
    return
  fi

  # The tests use mock_provider's override_during: Terraform >= 1.11 only. OpenTofu does not
  # parse them (and would fail init/validate on them), so its copy drops them.
  local run_tests=0 version
  version="$("$TF" version -json 2>/dev/null)"
  if [[ "$TF_KIND" == terraform ]] &&
    grep -Eq '"terraform_version": *"1\.(1[1-9]|[2-9][0-9])\.' <<<"$version"; then
    run_tests=1
  fi

  local dir
  for dir in "$WORK"/tf/terraform/modules/*/ "$WORK"/tf/terraform/envs/*/; do
    dir="${dir%/}"
    [[ $run_tests == 0 && -d "$dir/tests" ]] && rm -rf "$dir/tests" &&
      skip "terraform test ${dir#"$WORK"/tf/}" "needs Terraform >= 1.11 (using $TF_KIND)"
    check "terraform validate ${dir#"$WORK"/tf/}" tf_init_validate "$dir" "$plugins"
    [[ -d "$dir/tests" ]] && check "terraform test ${dir#"$WORK"/tf/}" tf_test "$dir"
  done
}

validate_k8s
validate_terraform

# The plain closing line CI reads.
echo "validate_deploy: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
