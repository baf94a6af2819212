#!/usr/bin/env bash
# Prints the health of each local backing service (its <name>_health: a real request, not just an
# open port). Exit status 0 only if every listed service is up.
#
#   deploy/local/status.sh [service...]   (default: every service that has a services/<name>.sh)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

ALL_SERVICES=(postgres redis kafka s3 mongo keycloak clamav opensearch)

case "${1:-}" in -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

explicit=""
services=("$@")
if (( ${#services[@]} )); then explicit=1; else services=("${ALL_SERVICES[@]}"); fi

port_of() {
  case "$1" in
    postgres) echo "$PG_PORT" ;;
    *) local v; v="$(tr '[:lower:]' '[:upper:]' <<<"$1")_PORT"; echo "${!v:--}" ;;
  esac
}

bad=0
printf '%-10s %-6s %s\n' service port health
for name in "${services[@]}"; do
  f="$here/services/$name.sh"
  if [[ ! "$name" =~ ^[a-z0-9_]+$ || ! -f "$f" ]]; then
    if [[ -n "$explicit" ]]; then printf '%-10s %-6s %s\n' "$name" - "no script ($f)"; bad=1; fi
    continue
  fi
  # a fresh shell per check, bounded in time, so a hanging health check cannot hang status.sh
  # shellcheck disable=SC2016
  if timeout 30 bash -c 'source "$1"; source "$2"; "$3_health"' _ "$here/lib.sh" "$f" "$name" \
      </dev/null >/dev/null 2>&1; then
    health=up
  else
    health=down; bad=1
  fi
  printf '%-10s %-6s %s\n' "$name" "$(port_of "$name")" "$health"
done
exit "$bad"
