#!/usr/bin/env bash
# Stops the servers started by deploy/local/up.sh, in reverse order. Idempotent: stopping a
# service that is not running succeeds. Data, caches and logs are kept (see README.md to reset).
#
#   deploy/local/down.sh [service...]     (default: every service that has a services/<name>.sh)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

ALL_SERVICES=(postgres redis kafka s3 mongo keycloak clamav opensearch)

case "${1:-}" in -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

explicit=""
services=("$@")
if (( ${#services[@]} )); then explicit=1; else services=("${ALL_SERVICES[@]}"); fi

failed=()
for (( i = ${#services[@]} - 1; i >= 0; i-- )); do
  name="${services[$i]}"
  f="$here/services/$name.sh"
  if [[ ! "$name" =~ ^[a-z0-9_]+$ || ! -f "$f" ]]; then
    if [[ -n "$explicit" ]]; then log "no such service '$name' ($f missing)"; failed+=("$name"); fi
    continue
  fi
  set +e
  # each in its own subshell, so one script's definitions or failure cannot affect the next
  # shellcheck source=/dev/null
  ( set -e; source "$f"
    declare -F "${name}_stop" >/dev/null || die "$f does not define ${name}_stop"
    "${name}_stop" ) </dev/null >&2
  rc=$?
  set -e
  if (( rc == 0 )); then log "$name stopped"; else log "$name: ${name}_stop failed (exit $rc)"; failed+=("$name"); fi
done
(( ${#failed[@]} == 0 )) || die "could not stop: ${failed[*]}"
