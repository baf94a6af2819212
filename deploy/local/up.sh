#!/usr/bin/env bash
# Starts CoLink's real backing services natively (no Docker), on loopback, for integration tests
# and for dev against real servers. See deploy/local/README.md.
#
#   deploy/local/up.sh [--install-only] [service...]
#   eval "$(deploy/local/up.sh)"        # stdout is only the env (deploy/local/env.sh); logs go to stderr
#
# Services (default: all, in this order): postgres redis kafka s3 mongo keycloak clamav opensearch.
# Each is services/<name>.sh defining <name>_install/_start/_stop/_health. Phase 1 runs every requested
# <name>_install in parallel (logs: $COLINK_LOCAL/log/<name>-install.log) and stops if any fails;
# phase 2 runs <name>_start one by one in the order given, then prints a summary table and the env.
# Exit status is non-zero if any install or start failed (the failing service's log tail is shown).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

ALL_SERVICES=(postgres redis kafka s3 mongo keycloak clamav opensearch)

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

install_only=""
services=()
for arg in "$@"; do
  case "$arg" in
    --install-only) install_only=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $arg" ;;
    *) services+=("$arg") ;;
  esac
done
(( ${#services[@]} )) || services=("${ALL_SERVICES[@]}")

# --- load the service scripts ---------------------------------------------------------------
for name in "${services[@]}"; do
  [[ "$name" =~ ^[a-z0-9_]+$ ]] || die "bad service name '$name'"
  f="$here/services/$name.sh"
  [[ -f "$f" ]] || die "no such service '$name': $f is missing (have: $(for g in "$here"/services/*.sh; do [[ -f "$g" ]] && basename "$g" .sh; done | tr '\n' ' '))"
  # shellcheck source=/dev/null
  source "$f"
  for fn in install start stop health; do
    declare -F "${name}_$fn" >/dev/null || die "$f does not define ${name}_$fn"
  done
done

# --- apt under parallel installs --------------------------------------------------------------
# Several <name>_install may call lib.sh's apt_install at once, and dpkg allows one apt at a time.
# Serialize ours with a lock file, share one `apt-get update` per up.sh run, and make apt wait for
# a dpkg lock held by anything else instead of failing at once.
apt-get() { command apt-get -o DPkg::Lock::Timeout=600 "$@"; }
eval "_up_apt_install_unlocked() $(declare -f apt_install | tail -n +2)"
_up_apt_marker="$COLINK_LOCAL/run/apt-updated.$$"
apt_install() {
  (
    flock 9
    [[ -f "$_up_apt_marker" ]] && _COLINK_APT_UPDATED=1
    _up_apt_install_unlocked "$@"
    [[ -z "${_COLINK_APT_UPDATED:-}" ]] || touch "$_up_apt_marker"
  ) 9>"$COLINK_LOCAL/run/apt.lock"
}
trap 'rm -f "$_up_apt_marker"' EXIT

# --- helpers --------------------------------------------------------------------------------
port_of() {
  case "$1" in
    postgres) echo "$PG_PORT" ;;
    *) local v; v="$(tr '[:lower:]' '[:upper:]' <<<"$1")_PORT"; echo "${!v:--}" ;;
  esac
}
now_us() { echo "${EPOCHREALTIME/./}"; }
secs_since() { local d=$(( $(now_us) - $1 )); printf '%d.%d' $(( d / 1000000 )) $(( d % 1000000 / 100000 )); }

declare -A status took
table() { # table TITLE
  printf '\n%-10s %-6s %-9s %s\n' "$1" port status seconds >&2
  for name in "${services[@]}"; do
    printf '%-10s %-6s %-9s %s\n' "$name" "$(port_of "$name")" "${status[$name]:--}" "${took[$name]:--}" >&2
  done
  echo >&2
}
show_tail() { # show_tail NAME LOGFILE
  log "$1 FAILED; last lines of $2:"
  if [[ -s "$2" ]]; then tail -n 30 "$2" | sed 's/^/    | /' >&2; else log "    (log is empty or missing)"; fi
}

# --- phase 1: installs, in parallel ---------------------------------------------------------
log "installing ${services[*]} (in parallel; logs in $COLINK_LOCAL/log/<name>-install.log)"
declare -A pids
phase_start="$(now_us)"
for name in "${services[@]}"; do
  rm -f "$COLINK_LOCAL/run/$name-install.secs"
  (
    set -e
    t0="$(now_us)"
    "${name}_install"
    secs_since "$t0" >"$COLINK_LOCAL/run/$name-install.secs"
  ) >"$COLINK_LOCAL/log/$name-install.log" 2>&1 </dev/null &
  pids[$name]=$!
done
failed=()
for name in "${services[@]}"; do
  if wait "${pids[$name]}"; then
    status[$name]=installed
  else
    status[$name]=FAILED; failed+=("$name")
  fi
done
for name in "${services[@]}"; do
  took[$name]="$(cat "$COLINK_LOCAL/run/$name-install.secs" 2>/dev/null || echo -)"
  rm -f "$COLINK_LOCAL/run/$name-install.secs"
done
table install
log "install phase took $(secs_since "$phase_start")s"
if (( ${#failed[@]} )); then
  for name in "${failed[@]}"; do show_tail "${name}_install" "$COLINK_LOCAL/log/$name-install.log"; done
  die "install failed for: ${failed[*]}"
fi
[[ -z "$install_only" ]] || exit 0

# --- phase 2: start, in order ---------------------------------------------------------------
status=() took=() failed=()
for name in "${services[@]}"; do
  log "starting $name"
  t0="$(now_us)"
  set +e
  ( set -e; "${name}_start" ) </dev/null >&2
  rc=$?
  set -e
  took[$name]="$(secs_since "$t0")"
  if (( rc == 0 )); then status[$name]=up; else status[$name]=FAILED; failed+=("$name"); fi
done
table service
if (( ${#failed[@]} )); then
  for name in "${failed[@]}"; do show_tail "$name" "$COLINK_LOCAL/log/$name.log"; done
  die "failed to start: ${failed[*]} (stop everything with deploy/local/down.sh)"
fi
"$here/env.sh"
